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
