package cfgfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("20-backend.cfg", "backend app\n")
	write("10-global.cfg", "global\n")
	write(".hidden.cfg", "global\n")
	write("notes.txt", "x\n")
	write("a.cfg.cfg", "global\n")
	write("30-bad.cfg", "frontend\n")
	if err := os.Mkdir(filepath.Join(dir, "sub.cfg"), 0o755); err != nil {
		t.Fatal(err)
	}
	single := filepath.Join(t.TempDir(), "single.conf")
	if err := os.WriteFile(single, []byte("listen l\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.cfg")

	files, err := ParseFiles([]string{dir, single, missing}, lookupTestEnv)
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f.Name))
	}
	if diff := cmp.Diff([]string{"10-global.cfg", "20-backend.cfg", "30-bad.cfg", "single.conf"}, names); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if !strings.HasSuffix(list[0].Error(), "30-bad.cfg:1 : 'frontend' expects <name> as an argument") {
		t.Errorf("first error = %q", list[0])
	}
	if list[1].File != missing || list[1].Line != 0 || !strings.Contains(list[1].Msg, "cannot open") {
		t.Errorf("second error = %q", list[1])
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "with line", err: &Error{Pos{"a.cfg", 3}, "bad"}, want: "a.cfg:3 : bad"},
		{name: "without line", err: &Error{Pos{"a.cfg", 0}, "gone"}, want: "a.cfg : gone"},
		{name: "list", err: ErrorList{{Pos{"a", 1}, "x"}, {Pos{"b", 2}, "y"}}, want: "a:1 : x\nb:2 : y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Fatalf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
	if ErrorList(nil).Err() != nil {
		t.Fatal("empty list must give a nil error")
	}
}

func TestNilLookupUsesEnvironment(t *testing.T) {
	// Not parallel: it sets a process environment variable.
	t.Setenv("HAWSER_CFGFILE_TEST", "from-env")
	f, err := Parse("e.cfg", []byte("global\n  x \"${HAWSER_CFGFILE_TEST}\"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Sections[0].Lines[0].Words[1]; got != "from-env" {
		t.Fatalf("word = %q", got)
	}
}

func TestEvalCondition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cond    string
		want    bool
		wantErr string
	}{
		{name: "empty is false", cond: "", want: false},
		{name: "number", cond: "42", want: true},
		{name: "hex zero", cond: "0x0", want: false},
		{name: "octal", cond: "010", want: true},
		{name: "negative", cond: "-1", want: true},
		{name: "double negation", cond: "!! 1", want: true},
		{name: "precedence", cond: "1 || 0 && 0", want: true},
		{name: "parentheses", cond: "(1 || 0) && 0", want: false},
		{name: "defined", cond: "defined(HOST)", want: true},
		{name: "undefined", cond: "defined(NOPE)", want: false},
		{name: "quoted args", cond: `streq("a,b",'a,b')`, want: true},
		{name: "escaped arg", cond: `streq(a\ b,"a b")`, want: true},
		{name: "strstr", cond: "strstr(haystack,st)", want: true},
		{name: "version equal", cond: "version_atleast(3.0)", want: true},
		{name: "version newer", cond: "version_atleast(3.0.1)", want: false},
		{name: "dev is before release", cond: "version_before(3.0-dev5)", want: false},
		{name: "before next", cond: "version_before(3.1)", want: true},
		{name: "garbage version quirk", cond: "version_atleast(abc)", want: true},
		{name: "fips", cond: "fips_mode", want: false},
		{name: "unknown predicate", cond: "nope(1)", wantErr: "unparsable conditional expression 'nope(1)'"},
		{name: "trailing garbage", cond: "1 x", wantErr: "unexpected character 'x'"},
		{name: "missing paren", cond: "(1", wantErr: "expected ')'"},
		{name: "too many args", cond: "streq(a,b,c)", wantErr: "expected ')' before ',c)'"},
		{name: "deep nesting", cond: strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000), wantErr: "unparsable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := evalCondition(tc.cond, lookupTestEnv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.msg, tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %s", err.msg)
			}
			if got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFeatures(t *testing.T) {
	t.Parallel()
	// feature() reads the package variable; a name no test sets stays false.
	if v, err := evalCondition("feature(HAWSER_NEVER_SET)", lookupTestEnv); err != nil || v {
		t.Fatalf("got %v, %v", v, err)
	}
}

func TestSplitVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want [versionElts]uint32
		ok   bool
	}{
		{name: "release", in: "1.2.1", want: [versionElts]uint32{1, 2, 1, 0, 3, 0, 0}, ok: true},
		{name: "pre", in: "1.2.1-pre2", want: [versionElts]uint32{1, 2, 1, 0, 2, 2, 0}, ok: true},
		{name: "four numbers", in: "1.2.10.1", want: [versionElts]uint32{1, 2, 10, 1, 3, 0, 0}, ok: true},
		{name: "dev with commits", in: "1.5-dev18-43", want: [versionElts]uint32{1, 5, 0, 0, 1, 18, 43}, ok: true},
		{name: "dev with hash", in: "2.4-dev18-f6818d-20", want: [versionElts]uint32{2, 4, 0, 0, 1, 18, 20}, ok: true},
		{name: "rc", in: "1.3.16-rc1", want: [versionElts]uint32{1, 3, 16, 0, 2, 1, 0}, ok: true},
		{name: "empty", in: "", ok: false},
		{name: "letters", in: "3.x", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := splitVersion(tc.in)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
