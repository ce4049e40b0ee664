package balance

import "testing"

// The expected values were computed with HAProxy's own hash functions, so
// that a key hashes to the same value in both.
func TestHashFuncs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		key                     string
		sdbm, djb2, wt6, crc32_ uint32
	}{
		{"empty", "", 0, 5381, 4187620192, 0},
		{"one byte", "a", 97, 177670, 1900802597, 3904355907},
		{"word", "hello", 684824882, 261238937, 3538347703, 907060870},
		{"path", "/index.html", 858007926, 3776231887, 822151038, 3928116034},
		{"address", "192.168.0.1", 2736327284, 3398481707, 2849228218, 2307365224},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := []byte(tc.key)
			for _, c := range []struct {
				fn   hashFunc
				want uint32
			}{{hashFuncSDBM, tc.sdbm}, {hashFuncDJB2, tc.djb2}, {hashFuncWT6, tc.wt6}, {hashFuncCRC32, tc.crc32_}} {
				if got := c.fn.sum(k); got != c.want {
					t.Errorf("func %d: got %d, want %d", c.fn, got, c.want)
				}
			}
		})
	}
}

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
			if got := avalanche(tc.in); got != tc.expect {
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
			if got := hashNone([]byte(tc.key)); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
