package l7

import "testing"

func TestDecodeChunks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		raw      string
		want     string
		used     int
		complete bool
	}{
		{name: "empty", raw: "", want: "", used: 0},
		{name: "one chunk and end", raw: "5\r\nhello\r\n0\r\n\r\n", want: "hello", used: 15, complete: true},
		{name: "two chunks", raw: "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n", want: "abcde", used: 26, complete: true},
		{name: "trailers", raw: "1\r\na\r\n0\r\nX-T: 1\r\n\r\n", want: "a", used: 19, complete: true},
		{name: "trailers incomplete", raw: "1\r\na\r\n0\r\nX-T: 1\r\n", want: "a", used: 17},
		{name: "partial chunk data", raw: "a\r\n01234", want: "01234", used: 8},
		{name: "chunk without its CRLF", raw: "2\r\nab", want: "ab", used: 5},
		{name: "partial size line", raw: "1\r\na\r\nf", want: "a", used: 6},
		{name: "uppercase hex", raw: "A\r\n0123456789\r\n0\r\n\r\n", want: "0123456789", used: 20, complete: true},
		{name: "bad size", raw: "zz\r\nab\r\n", want: "", used: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, used, complete := decodeChunks(nil, []byte(tc.raw))
			if string(got) != tc.want || used != tc.used || complete != tc.complete {
				t.Errorf("decodeChunks(%q) = %q, %d, %v; want %q, %d, %v", tc.raw, got, used, complete, tc.want, tc.used, tc.complete)
			}
		})
	}
}
