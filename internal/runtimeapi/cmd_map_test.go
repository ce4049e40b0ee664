package runtimeapi

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/l4"
	"github.com/hawser-lb/hawser/internal/l7"
	"github.com/hawser-lb/hawser/test/lbtest"
)

var refRE = regexp.MustCompile(`0x[0-9a-f]+`)

// mapSetup starts an engine routing by Host through a map file, with an
// ACL file denying some paths, and returns the runtime API server, the
// frontend's address and the two files.
func mapSetup(t *testing.T) (s *Server, fe, mapFile, aclFile string) {
	t.Helper()
	dir := t.TempDir()
	mapFile = filepath.Join(dir, "hosts.map")
	aclFile = filepath.Join(dir, "deny.acl")
	if err := os.WriteFile(mapFile, []byte("# comment\na.example be_a\nb.example be_b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(aclFile, []byte("/admin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	backend := func(name string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }))
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String()
	}
	fe = lbtest.FreeAddr(t)
	cfg := fmt.Sprintf(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind %s
    http-request deny if { path -f %s }
    use_backend %%[req.hdr(host),map(%s,be_a)]
backend be_a
    server s1 %s
backend be_b
    server s1 %s
backend be_c
    server s1 %s
`, fe, aclFile, mapFile, backend("A"), backend("B"), backend("C"))
	return New(newProxy(t, cfg), nil), fe, mapFile, aclFile
}

// newProxy returns an engine running cfg that proxies HTTP and TCP.
func newProxy(t *testing.T, cfg string) *engine.Engine {
	t.Helper()
	f, err := cfgfile.Parse("haproxy.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	snap, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	h := l7.NewHandler(log)
	e := engine.New(engine.Options{HTTP: h, TCP: l4.NewHandler(), Log: log})
	if err := e.Apply(snap); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Close()
		h.Close()
	})
	return e
}

func hostGet(t *testing.T, fe, host, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+fe+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Sprint(resp.StatusCode)
	}
	return string(b)
}

func TestMapCommands(t *testing.T) {
	t.Parallel()
	s, fe, mapFile, aclFile := mapSetup(t)
	steps := []struct{ in, want string }{
		{"show map\n", "# id (file) description\n" +
			"0 (" + mapFile + ") pattern loaded from file '" + mapFile + "' used by map at file 'haproxy.cfg' line 10. curr_ver=0 next_ver=0 entry_cnt=2\n\n"},
		{"show acl\n", "# id (file) description\n" +
			"1 (" + aclFile + ") pattern loaded from file '" + aclFile + "' used by acl at file 'haproxy.cfg' line 9. curr_ver=0 next_ver=0 entry_cnt=1\n\n"},
		{"show map " + mapFile + "\n", "0xP a.example be_a\n0xP b.example be_b\n\n"},
		{"show map #0\n", "0xP a.example be_a\n0xP b.example be_b\n\n"},
		{"show acl #1\n", "0xP /admin\n\n"},
		{"show map #1\n", "Unknown map identifier. Please use #<id> or <file>.\n\n"},
		{"show map /nope\n", "Unknown map identifier. Please use #<id> or <file>.\n\n"},
		{"get map #0 b.example\n", "type=str, case=sensitive, found=yes, idx=tree, key=\"b.example\", value=\"be_b\", type=\"str\"\n\n"},
		{"get map #0 z.example\n", "type=str, case=sensitive, found=no\n\n"},
		{"get acl #1 /admin\n", "type=str, case=sensitive, match=yes, idx=tree, pattern=\"/admin\"\n\n"},
		{"add map #0 c.example be_c\n", "\n"},
		{"add map #0 d.example\n", "'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload\n\n"},
		{"add acl #1 /secret\n", "\n"},
		{"set map #0 b.example be_c\n", "\n"},
		{"set map #0 nope be_c\n", "entry not found.\n\n"},
		{"commit map #0\n", "Missing version number.\n\n"},
		{"del map #0 nope\n", "Key not found.\n\n"},
	}
	for _, st := range steps {
		got := refRE.ReplaceAllString(exchange(t, s, LevelAdmin, st.in), "0xP")
		if got != st.want {
			t.Fatalf("%q:\ngot  %q\nwant %q", st.in, got, st.want)
		}
	}
	if got := hostGet(t, fe, "c.example", "/"); got != "C" {
		t.Errorf("c.example after add map went to %q", got)
	}
	if got := hostGet(t, fe, "b.example", "/"); got != "C" {
		t.Errorf("b.example after set map went to %q", got)
	}
	if got := hostGet(t, fe, "a.example", "/secret"); got != "403" {
		t.Errorf("/secret after add acl: %q", got)
	}
	// Delete by reference, as shown by "show map".
	out := exchange(t, s, LevelAdmin, "show map #0\n")
	ref := strings.Fields(out)[0]
	if got := exchange(t, s, LevelAdmin, "del map #0 #"+ref+"\n"); got != "\n" {
		t.Fatalf("del by ref: %q", got)
	}
	if got := refRE.ReplaceAllString(exchange(t, s, LevelAdmin, "show map #0\n"), "0xP"); got != "0xP b.example be_c\n0xP c.example be_c\n\n" {
		t.Fatalf("after del: %q", got)
	}
	// Atomic replacement with a payload.
	steps = []struct{ in, want string }{
		{"prepare map #0\n", "New version created: 1\n\n"},
		{"add map @1 #0 <<\na.example be_b\nz.example be_c\n\n", "\n"},
		{"show map @1 #0\n", "0xP a.example be_b\n0xP z.example be_c\n\n"},
		{"commit map @2 #0\n", "Version number out of range.\n\n"},
		{"commit map @1 #0\n", "\n"},
		{"show map #0\n", "0xP a.example be_b\n0xP z.example be_c\n\n"},
		{"show map\n", "# id (file) description\n" +
			"0 (" + mapFile + ") pattern loaded from file '" + mapFile + "' used by map at file 'haproxy.cfg' line 10. curr_ver=1 next_ver=1 entry_cnt=2\n\n"},
		{"clear map #0\n", "\n"},
		{"show map #0\n", "\n"},
		{"add map #0 a.example be_c\n", "\n"},
		{"clear acl #1\n", "\n"},
	}
	for _, st := range steps {
		got := refRE.ReplaceAllString(exchange(t, s, LevelAdmin, st.in), "0xP")
		if got != st.want {
			t.Fatalf("%q:\ngot  %q\nwant %q", st.in, got, st.want)
		}
	}
	if got := hostGet(t, fe, "a.example", "/admin"); got != "C" {
		t.Errorf("after clear acl and add map: %q", got)
	}
	if got := exchange(t, s, LevelOperator, "add map #0 x y\n"); got != "Permission denied\n\n" {
		t.Errorf("operator add map: %q", got)
	}
}

// TestMapCommitUnderTraffic replaces a map's whole content again and
// again while requests run: every request must be routed by one whole
// version (both hosts of a version name the same backend).
func TestMapCommitUnderTraffic(t *testing.T) {
	t.Parallel()
	s, fe, _, _ := mapSetup(t)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var failed atomic.Int64
	var reqs atomic.Int64
	for range 2 {
		wg.Go(func() {
			for i := 0; !stop.Load() && i < 5000; i++ {
				req, _ := http.NewRequest("GET", "http://"+fe+"/", nil)
				req.Host = "x.example"
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
				reqs.Add(1)
			}
		})
	}
	for i := range 100 {
		be := []string{"be_b", "be_c"}[i%2]
		out := exchange(t, s, LevelAdmin, fmt.Sprintf("prepare map #0;add map @%d #0 x.example %s;add map @%d #0 y.example %s;commit map @%d #0\n", i+1, be, i+1, be, i+1))
		if out != fmt.Sprintf("New version created: %d\n\n\n\n\n", i+1) {
			t.Fatalf("round %d: %q", i, out)
		}
	}
	stop.Store(true)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed", failed.Load(), reqs.Load())
	}
}
