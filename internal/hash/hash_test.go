package hash

import "testing"

func TestAvalanche(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     uint32
		expect uint32
	}{
		{"zero", 0, 2874071335},
		{"one", 1, 881230262},
		{"small", 42, 3275996016},
		{"server 1 point 0", 4096, 1237450891},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Avalanche(tc.in); got != tc.expect {
				t.Errorf("got %d, want %d", got, tc.expect)
			}
		})
	}
}

func TestHashNone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string
		want uint32
	}{
		{"number", "12345", 12345},
		{"trailing text", "77abc", 77},
		{"negative", "-1", 0xffffffff},
		{"not a number", "abc", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := None([]byte(tc.key)); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
