package dataplane

import (
	"testing"
)

func TestQuoteArg(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"app/s1", "app/s1"},
		{"a b", `a\ b`},
		{"x;y", `x\;y`},
		{`c\d`, `c\\d`},
		{"t\tu", "t\\\tu"},
	} {
		if got := quoteArg(c.in); got != c.want {
			t.Errorf("quoteArg(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseTables(t *testing.T) {
	t.Parallel()
	got := parseTables("# table: app, type: ip, size:1024, used:2\n# table: other, type: string, size:10, used:0\n")
	if len(got) != 2 || got[0].Name != "app" || got[0].Type != "ip" || *got[0].Size != 1024 || *got[0].Used != 2 ||
		got[1].Name != "other" || got[1].Type != "string" || *got[1].Used != 0 {
		t.Errorf("parseTables: %+v", got)
	}
	if got := parseTables(""); got == nil || len(got) != 0 {
		t.Errorf("no tables: %#v", got)
	}
}

func TestStorageName(t *testing.T) {
	t.Parallel()
	for name, ok := range map[string]bool{
		"site.pem": true, "a-b_c.map": true,
		"": false, ".": false, "..": false, ".hidden": false, "a/b": false, `a\b`: false, "a\x00": false,
	} {
		if err := storageName(name); (err == nil) != ok {
			t.Errorf("storageName(%q) = %v", name, err)
		}
	}
}
