package acl

// ASCII case folding. HAProxy folds with tolower(), not Unicode rules, and
// patterns are lower-cased once at compile time, so only the sample side is
// folded during matching, without allocating.

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether s equals lower (already lower-case) ignoring
// ASCII case in s.
func equalFold(s, lower []byte) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := range s {
		if lowerASCII(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

// equalFoldString is equalFold for a string pattern.
func equalFoldString(s []byte, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := range s {
		if lowerASCII(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

// indexFold returns the index of the first occurrence of lower in s
// ignoring ASCII case in s, or -1.
func indexFold(s, lower []byte) int {
	for i := 0; i+len(lower) <= len(s); i++ {
		if equalFold(s[i:i+len(lower)], lower) {
			return i
		}
	}
	return -1
}

// toLowerASCII returns a lower-cased copy of s.
func toLowerASCII(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = lowerASCII(b[i])
	}
	return string(b)
}
