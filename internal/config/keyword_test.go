package config

import (
	"os"
	"path/filepath"
	"testing"
)

// TestKeywordTables checks the tables' invariants: every keyword has a
// section, supported ones have a parser and a help line, and no two
// entries of one scope claim the same name in the same section.
func TestKeywordTables(t *testing.T) {
	t.Parallel()
	seen := map[string]SectionSet{}
	for _, kw := range Keywords() {
		key := kw.Scope + "/" + kw.Name
		switch {
		case kw.Name == "" || kw.Sections == 0:
			t.Errorf("%s: missing name or sections", key)
		case kw.Supported && (kw.Parse == nil || kw.Help == ""):
			t.Errorf("%s: supported keyword without a parser or help", key)
		case !kw.Supported && kw.Parse != nil:
			t.Errorf("%s: unsupported keyword with a parser", key)
		case seen[key]&kw.Sections != 0:
			t.Errorf("%s: declared twice for %s", key, seen[key]&kw.Sections)
		}
		seen[key] |= kw.Sections
	}
}

func TestLoadFilesEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "haproxy.cfg")
	cfg := "global\n    setenv HAWSER_TEST_PORT 8123\n    presetenv HAWSER_TEST_HOST 127.0.0.2\n" +
		"frontend fe\n    bind \"${HAWSER_TEST_HOST}:${HAWSER_TEST_PORT}\"\n"
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HAWSER_TEST_HOST", "127.0.0.9")
	s, err := LoadFiles([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Frontends[0].Binds[0].Address, "127.0.0.9:8123"; got != want {
		t.Errorf("bind address = %q, want %q", got, want)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "one", err: &Error{Pos: posAt("a.cfg", 3), Msg: "bad"}, want: "a.cfg:3 : bad"},
		{name: "list", err: ErrorList{{Pos: posAt("a.cfg", 1), Msg: "x"}, {Pos: posAt("b.cfg", 2), Msg: "y"}}, want: "a.cfg:1 : x\nb.cfg:2 : y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fn      func() (int64, error)
		want    int64
		wantErr bool
	}{
		{name: "bare time is ms", fn: timeFn("500"), want: 500e6},
		{name: "us", fn: timeFn("7us"), want: 7e3},
		{name: "days", fn: timeFn("1d"), want: 86400e9},
		{name: "bad unit", fn: timeFn("15min"), wantErr: true},
		{name: "empty time", fn: timeFn(""), wantErr: true},
		{name: "size k", fn: sizeFn("16k"), want: 16384},
		{name: "size g", fn: sizeFn("1g"), want: 1 << 30},
		{name: "negative size", fn: sizeFn("-1"), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.fn()
			if (err != nil) != tc.wantErr || !tc.wantErr && got != tc.want {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func timeFn(s string) func() (int64, error) {
	return func() (int64, error) { d, err := parseTime("t", s); return int64(d), err }
}

func sizeFn(s string) func() (int64, error) {
	return func() (int64, error) { n, err := parseSize("s", s, 1<<40); return int64(n), err }
}
