package cfgfile

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, word, want string
	}{
		{name: "plain", word: "roundrobin", want: "roundrobin"},
		{name: "sample", word: "%[req.hdr(host),lower]", want: "%[req.hdr(host),lower]"},
		{name: "empty", word: "", want: `""`},
		{name: "space", word: "a b", want: `"a b"`},
		{name: "hash", word: "a#b", want: `"a#b"`},
		{name: "double quote", word: `say "hi"`, want: `"say \"hi\""`},
		{name: "single quote", word: "it's", want: `"it's"`},
		{name: "backslash kept by the lexer", word: `a\b`, want: `a\b`},
		{name: "regex backslashes", word: `^(.*)\.example\.com\d+\1$`, want: `^(.*)\.example\.com\d+\1$`},
		{name: "trailing backslash", word: `a\`, want: `"a\\"`},
		{name: "double backslash", word: `a\\b`, want: `"a\\\\b"`},
		{name: "backslash t", word: `a\tb`, want: `"a\\tb"`},
		{name: "backslash x", word: `\x41`, want: `"\\x41"`},
		{name: "backslash dollar", word: `\$x`, want: `\$x`},
		{name: "dollar alone stays bare", word: "$HOST", want: "$HOST"},
		{name: "dollar escaped in quotes", word: "$HOST x", want: `"\$HOST x"`},
		{name: "controls", word: "a\tb\r\n\x00\x7f", want: `"a\tb\r\n\x00\x7f"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Quote(tc.word); got != tc.want {
				t.Fatalf("Quote(%q) = %s, want %s", tc.word, got, tc.want)
			}
			f, err := Parse("q.cfg", []byte("global\n  k "+Quote(tc.word)+" end\n"), lookupTestEnv)
			if tc.word != "" && err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"k", tc.word, "end"}, f.Sections[0].Lines[0].Words); diff != "" {
				t.Fatalf("re-parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		raw   string
		words []string
		want  string
	}{
		{name: "keeps indentation", raw: "\t  maxconn 10", words: []string{"maxconn", "20"}, want: "\t  maxconn 20"},
		{name: "keeps aligned comment", raw: "    maxconn 10     # limit", words: []string{"maxconn", "2000"}, want: "    maxconn 2000     # limit"},
		{name: "comment right after word", raw: "  a b#c", words: []string{"x"}, want: "  x #c"},
		{name: "hash in quotes is no comment", raw: `  a "b # c"`, words: []string{"x"}, want: "  x"},
		{name: "quotes what needs it", raw: "  log-format x", words: []string{"log-format", "%ci [%tr]"}, want: `  log-format "%ci [%tr]"`},
		{name: "no words keeps comment", raw: "  a # c", words: nil, want: "  # c"},
		{name: "leading bracket quoted", raw: "x", words: []string{"[a]"}, want: `"[a]"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := &Line{Raw: tc.raw}
			l.SetWords(tc.words...)
			if l.Raw != tc.want {
				t.Fatalf("Raw = %q, want %q", l.Raw, tc.want)
			}
			if !l.Modified() {
				t.Fatal("line not marked modified")
			}
		})
	}
}

func TestEditFile(t *testing.T) {
	t.Parallel()
	in := "global\r\n    daemon # keep\r\n\r\nbackend app\r\n    server s1 10.0.0.1:80\r\n    server s2 10.0.0.2:80\r\n"
	f, err := Parse("edit.cfg", []byte(in), lookupTestEnv)
	if err != nil {
		t.Fatal(err)
	}
	app := f.Sections[1]
	app.Remove(0)
	app.Insert(0, NewLine("    ", "balance", "leastconn"))
	app.Append(NewLine("    ", "http-request", "set-header", "X-Msg", "hello world"))
	app.Lines[1].SetWords("server", "s2", "10.0.0.3:80", "check")
	f.AppendSection(NewSection("frontend", "web", "base"))
	f.Sections[2].Append(NewLine("    ", "default_backend", "app"))
	f.InsertSection(0, NewSection("defaults", "base", ""))
	f.RemoveSection(1) // global

	want := "backend app\r\n    balance leastconn\r\n    server s2 10.0.0.3:80 check\r\n" +
		"    http-request set-header X-Msg \"hello world\"\r\n" +
		"frontend web from base\r\n    default_backend app\r\n"
	want = "defaults base\r\n" + want
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Fatalf("written file (-want +got):\n%s", diff)
	}
	g, err := Parse("edit.cfg", buf.Bytes(), lookupTestEnv)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range g.Sections {
		got = append(got, s.Kind+" "+s.Name+" "+s.From)
	}
	if diff := cmp.Diff([]string{"defaults base ", "backend app ", "frontend web base"}, got); diff != "" {
		t.Fatalf("sections after re-parse (-want +got):\n%s", diff)
	}
}

func TestNewFile(t *testing.T) {
	t.Parallel()
	f := NewFile("new.cfg")
	if len(f.Bytes()) != 0 {
		t.Fatalf("empty file writes %q", f.Bytes())
	}
	s := NewSection("global", "", "")
	s.Append(NewLine("\t", "daemon"))
	f.AppendSection(s)
	if got, want := string(f.Bytes()), "global\n\tdaemon\n"; got != want {
		t.Fatalf("Bytes() = %q, want %q", got, want)
	}
	s.SetHeader("defaults", "d", "")
	if got, want := string(f.Bytes()), "defaults d\n\tdaemon\n"; got != want {
		t.Fatalf("after SetHeader Bytes() = %q, want %q", got, want)
	}
}

func TestAppendAfterMissingNewline(t *testing.T) {
	t.Parallel()
	f, _ := Parse("x.cfg", []byte("global\n  daemon"), lookupTestEnv)
	f.Sections[0].Append(NewLine("  ", "maxconn", "1"))
	f.TrailingNewline = true
	if got, want := string(f.Bytes()), "global\n  daemon\n  maxconn 1\n"; got != want {
		t.Fatalf("Bytes() = %q, want %q", got, want)
	}
}
