package models

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// FuzzListRoundTrip checks, for any line a list converter owns, that
// Decode does not panic, and that a line it accepts encodes back to the
// same words (times may change unit, options may come back in the
// model's order, but no word is lost) and its JSON back to the same model.
func FuzzListRoundTrip(f *testing.F) {
	for _, set := range [][]listCase{casesACLAndSwitchingRules, casesHTTPRules, casesTCPRules, casesStickCaptureLogFilter, casesChecks} {
		for _, tc := range set {
			if tc.line != "" {
				f.Add(strings.Join(strings.Fields(tc.line), "\x00"))
			}
		}
	}
	f.Fuzz(func(t *testing.T, joined string) {
		words := strings.Split(joined, "\x00")
		for _, w := range words {
			if strings.HasSuffix(w, "\\") {
				// A word ending in a backslash escapes the blank that joins
				// it to the next one where a converter keeps several words
				// as one value (an ACL's patterns): the line means
				// something else once written back. No real line has one.
				return
			}
		}
		for _, c := range Children() {
			if c.Name != nil || !c.Owns(words) {
				continue
			}
			m, err := c.Decode(words)
			if err != nil {
				continue
			}
			out, err := c.Encode(m)
			if err != nil {
				t.Fatalf("%s: %q decodes but does not encode: %v", c.Path, words, err)
			}
			if !slices.EqualFunc(out, words, sameWord) && !sameWordSet(out, words) {
				t.Fatalf("%s: round trip\n got %q\nwant %q", c.Path, out, words)
			}
			js, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			m2 := c.New()
			if err := json.Unmarshal(js, m2); err != nil {
				t.Fatal(err)
			}
			js2, _ := json.Marshal(m2)
			if string(js) != string(js2) {
				t.Fatalf("%s: JSON round trip %s != %s", c.Path, js, js2)
			}
		}
	})
}

// sameWordSet reports whether a and b hold the same words in any order.
func sameWordSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	left := slices.Clone(b)
	for _, w := range a {
		i := slices.IndexFunc(left, func(x string) bool { return sameWord(w, x) })
		if i < 0 {
			return false
		}
		left = slices.Delete(left, i, i+1)
	}
	return true
}
