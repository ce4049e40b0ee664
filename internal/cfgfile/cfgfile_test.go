package cfgfile

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the output sections of testdata/*.txtar")

// testEnv is the environment every golden case sees.
var testEnv = map[string]string{
	"HOST":  "example.com",
	"PORT":  "8080",
	"EMPTY": "",
	"MULTI": "a b  c",
	"SPACE": "x y",
}

func lookupTestEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

// archive is a txtar-style file: a comment, then "-- name --" sections.
type archive struct {
	comment string
	files   []archiveFile
}

type archiveFile struct {
	name string
	data string
}

func parseArchive(data string) archive {
	var a archive
	cur := -1
	for _, line := range strings.SplitAfter(data, "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) >= 6 {
			a.files = append(a.files, archiveFile{name: strings.TrimSpace(trimmed[3 : len(trimmed)-3])})
			cur = len(a.files) - 1
			continue
		}
		if cur < 0 {
			a.comment += line
		} else {
			a.files[cur].data += line
		}
	}
	return a
}

func (a archive) format() string {
	var b strings.Builder
	b.WriteString(a.comment)
	for _, f := range a.files {
		fmt.Fprintf(&b, "-- %s --\n%s", f.name, f.data)
	}
	return b.String()
}

func (a archive) get(name string) (string, bool) {
	for _, f := range a.files {
		if f.name == name {
			return f.data, true
		}
	}
	return "", false
}

func (a *archive) set(name, data string) {
	for i := range a.files {
		if a.files[i].name == name {
			a.files[i].data = data
			return
		}
	}
	a.files = append(a.files, archiveFile{name, data})
}

// goldenInput builds the file under test from the archive: input.cfg, with
// the transformations listed in an optional "options" section applied
// (crlf: LF becomes CRLF; no-final-newline: the last LF is removed).
func goldenInput(a archive) []byte {
	in, _ := a.get("input.cfg")
	opts, _ := a.get("options")
	for _, o := range strings.Fields(opts) {
		switch o {
		case "crlf":
			in = strings.ReplaceAll(in, "\n", "\r\n")
		case "no-final-newline":
			in = strings.TrimSuffix(strings.TrimSuffix(in, "\n"), "\r")
		}
	}
	return []byte(in)
}

// dump renders a parsed file as stable text for golden comparison.
func dump(f *File, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "trailing-newline: %v\n", f.TrailingNewline)
	dumpLines := func(lines []*Line) {
		for _, l := range lines {
			fmt.Fprintf(&b, "  %d:", l.Line)
			if l.Directive {
				b.WriteString(" directive")
			}
			if l.Inactive {
				b.WriteString(" inactive")
			}
			if l.Words != nil {
				fmt.Fprintf(&b, " %q", l.Words)
			}
			if name, ok := l.Scope(); ok {
				fmt.Fprintf(&b, " scope=%q", name)
			}
			b.WriteByte('\n')
		}
	}
	if len(f.Preamble) > 0 {
		b.WriteString("preamble\n")
		dumpLines(f.Preamble)
	}
	for _, s := range f.Sections {
		fmt.Fprintf(&b, "section %s name=%q from=%q\n", s.Kind, s.Name, s.From)
		dumpLines([]*Line{s.Header})
		dumpLines(s.Lines)
	}
	var list ErrorList
	if errors.As(err, &list) {
		b.WriteString("errors\n")
		for _, e := range list {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	for _, w := range f.Warnings {
		fmt.Fprintf(&b, "warning %s\n", w)
	}
	for _, d := range f.Diags {
		fmt.Fprintf(&b, "diag %s\n", d)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := parseArchive(string(raw))
			in := goldenInput(a)
			f, perr := Parse("input.cfg", in, lookupTestEnv)
			got := dump(f, perr)
			if *update {
				a.set("output", got)
				if err := os.WriteFile(path, []byte(a.format()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, _ := a.get("output")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("dump mismatch (-want +got):\n%s", diff)
			}
			checkRoundTrip(t, in, lookupTestEnv)
		})
	}
}

// checkRoundTrip checks the writer's two promises on data: an unmodified
// tree writes back exactly data, and re-rendering every keyword line from
// its words gives a file that parses to the same words.
func checkRoundTrip(t *testing.T, data []byte, env func(string) (string, bool)) {
	t.Helper()
	f, err := Parse("rt.cfg", data, env)
	if got := f.Bytes(); !bytes.Equal(got, data) {
		t.Fatalf("Bytes() differs from input:\n got %q\nwant %q", got, data)
	}
	before := wordsOf(f)
	for _, l := range f.Lines() {
		if l.Words != nil && !l.Directive && !l.Inactive {
			l.SetWords(l.Words...)
		}
	}
	out := f.Bytes()
	f2, err2 := Parse("rt.cfg", out, env)
	if diff := cmp.Diff(before, wordsOf(f2)); diff != "" {
		t.Fatalf("words changed after SetWords re-render (-before +after):\n%s\nrendered:\n%s", diff, out)
	}
	// Re-rendering may drop text HAProxy ignores (after a NUL or a lone
	// CR) and with it an error, but must never introduce one.
	if err == nil && err2 != nil {
		t.Fatalf("re-render introduced an error: %v\nrendered:\n%q", err2, out)
	}
}

func wordsOf(f *File) [][]string {
	var out [][]string
	for _, l := range f.Lines() {
		out = append(out, l.Words)
	}
	return out
}
