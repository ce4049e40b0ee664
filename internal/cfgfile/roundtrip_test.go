package cfgfile

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir holds real-world haproxy.cfg files shared by the project; it
// sits outside the module, so the test skips when it is absent.
const corpusDir = "../../../shared/corpus/haproxy-cfg"

func TestCorpusRoundTrip(t *testing.T) {
	t.Parallel()
	paths, _ := filepath.Glob(filepath.Join(corpusDir, "*.cfg"))
	if len(paths) == 0 {
		t.Skipf("no corpus at %s", corpusDir)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, data, lookupTestEnv)
		})
	}
}

func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.txtar")
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(goldenInput(parseArchive(string(raw))))
	}
	f.Add([]byte("global\n\tlog \"${MULTI[*]}\" \\x41 '#' # c\r\n.if (1 || !0) && streq(a,a)\nfrontend x\n.endif"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data, lookupTestEnv)
	})
}
