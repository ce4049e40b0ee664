package cfgfile

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		want       []string
		err        string
	}{
		{name: "plain", text: "{ path_beg /api } || local", want: []string{"{", "path_beg", "/api", "}", "||", "local"}},
		{name: "quotes", text: `hdr(x) -m str "a b" 'c d'`, want: []string{"hdr(x)", "-m", "str", "a b", "c d"}},
		{name: "regex backslash kept", text: `/\1`, want: []string{`/\1`}},
		{name: "escaped blank", text: `a\ b`, want: []string{"a b"}},
		{name: "dollar outside quotes", text: `$1`, want: []string{"$1"}},
		{name: "escaped dollar", text: `"\$x"`, want: []string{"$x"}},
		{name: "empty", text: "", want: nil},
		{name: "variable", text: `"${HOME}"`, err: "environment variables"},
		{name: "comment", text: "a # b", err: "'#' must be quoted"},
		{name: "unmatched", text: `"a`, err: "unmatched quote"},
		{name: "newline", text: "a\nb", err: "line breaks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := SplitWords(tc.text)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("SplitWords(%q) = %q, %v; want %q", tc.text, got, err, tc.want)
			}
		})
	}
}

// TestSplitWordsInvertsQuote checks that quoted words split back to
// themselves.
func TestSplitWordsInvertsQuote(t *testing.T) {
	t.Parallel()
	words := []string{"a b", `x"y`, `\1`, "$HOME", "#", "tab\there", "", "'", `\`, "\x01"}
	var q []string
	for _, w := range words {
		q = append(q, Quote(w))
	}
	got, err := SplitWords(strings.Join(q, " "))
	if err != nil || !slices.Equal(got, words) {
		t.Fatalf("got %q, %v; want %q", got, err, words)
	}
}
