package l7

import "testing"

func TestChunksEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		raw      string
		end      int
		complete bool
	}{
		{name: "empty", raw: ""},
		{name: "last chunk only", raw: "0\r\n\r\n", end: 5, complete: true},
		{name: "two chunks", raw: "5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n", end: 21, complete: true},
		{name: "trailers", raw: "1\r\na\r\n0\r\nx-t: 1\r\n\r\n", end: 19, complete: true},
		{name: "followed by the next request", raw: "1\r\na\r\n0\r\n\r\nGET /", end: 11, complete: true},
		{name: "cut in the data", raw: "5\r\nhel"},
		{name: "cut before the last chunk", raw: "5\r\nhello\r\n"},
		{name: "cut in the trailers", raw: "0\r\nx-t: 1\r\n"},
		{name: "extension", raw: "1;a=b\r\nx\r\n0\r\n\r\n", end: 15, complete: true},
		{name: "bad size", raw: "z\r\nx\r\n0\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			end, complete := chunksEnd([]byte(tc.raw))
			if complete != tc.complete || complete && end != tc.end {
				t.Errorf("chunksEnd = %d, %v; want %d, %v", end, complete, tc.end, tc.complete)
			}
		})
	}
}
