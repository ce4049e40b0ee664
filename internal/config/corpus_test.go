package config

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// TestCorpus loads real-world configurations. It asserts that Load never
// panics and that the files of testdata/corpus_pass.txt load, and logs how many load cleanly and the most frequent
// errors, to show which keywords real configs need next.
func TestCorpus(t *testing.T) {
	t.Parallel()
	paths, _ := filepath.Glob("../../../shared/corpus/haproxy-cfg/*.cfg")
	if len(paths) == 0 {
		t.Skip("corpus not present")
	}
	clean, parseErrs := 0, 0
	loaded, failed := map[string]bool{}, map[string]error{}
	freq := map[string]int{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := cfgfile.Parse(filepath.Base(p), data, func(string) (string, bool) { return "", false })
		if err != nil {
			parseErrs++
			continue
		}
		_, err = Load([]*cfgfile.File{f})
		if err == nil {
			clean++
			loaded[filepath.Base(p)] = true
			continue
		}
		failed[filepath.Base(p)] = err
		for _, e := range err.(ErrorList) {
			freq[normalizeMsg(e.Msg)]++
		}
	}
	// corpus_pass.txt lists the files that load today and must keep
	// loading: a regression fails here.
	want, err := os.ReadFile("testdata/corpus_pass.txt")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, name := range strings.Fields(string(want)) {
		listed[name] = true
		if !loaded[name] {
			t.Errorf("%s no longer loads: %v", name, failed[name])
		}
	}
	for name := range loaded {
		if !listed[name] {
			t.Logf("%s loads now: add it to testdata/corpus_pass.txt", name)
		}
	}
	t.Logf("%d files: %d load cleanly, %d fail to parse, %d fail to load", len(paths), clean, parseErrs, len(paths)-clean-parseErrs)
	type kv struct {
		msg string
		n   int
	}
	var top []kv
	for m, n := range freq {
		top = append(top, kv{m, n})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].n > top[j].n || top[i].n == top[j].n && top[i].msg < top[j].msg })
	var b strings.Builder
	for i, e := range top {
		if i == corpusTop {
			break
		}
		b.WriteString("\n")
		b.WriteString(strings.Repeat(" ", 5-len(itoa(e.n))) + itoa(e.n) + "  " + e.msg)
	}
	t.Logf("top errors:%s", b.String())
}

// corpusTop is how many distinct errors TestCorpus reports.
var corpusTop = 30

var nameInMsg = regexp.MustCompile(`(frontend|backend|listen|server|userlist|acl) '[^']*'`)

// normalizeMsg drops proxy and server names so that messages group.
func normalizeMsg(m string) string {
	m = nameInMsg.ReplaceAllString(m, "$1 X")
	if i := strings.Index(m, " declared at "); i > 0 {
		m = m[:i]
	}
	return m
}

func itoa(n int) string {
	s := ""
	for ; n > 0 || s == ""; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// FuzzLoad checks that parsing and loading arbitrary text never panics.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.txtar")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range parseArchive(string(data)).files {
			if af.name == "haproxy.cfg" {
				f.Add([]byte(af.data))
			}
		}
	}
	f.Add([]byte("frontend a\n bind :1-3,[::]:4\n use_backend b if { path / }\nbackend b\n server s x:1 weight 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := cfgfile.Parse("fuzz.cfg", data, func(string) (string, bool) { return "", false })
		if err != nil {
			return
		}
		s, err := Load([]*cfgfile.File{file})
		if err == nil {
			_ = s.Clone()
		}
	})
}
