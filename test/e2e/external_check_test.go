package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestExternalCheck runs programs as health checks: one that exits 0
// keeps its server up and sees HAProxy's arguments and environment, one
// that exits 1 takes its server down.
func TestExternalCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "seen")
	ok := "#!/bin/sh\necho \"$@ $HAPROXY_SERVER_NAME $HAPROXY_PROXY_NAME\" > " + out + ".tmp && mv " + out + ".tmp " + out + "\nexit 0\n"
	os.WriteFile(filepath.Join(dir, "ok.sh"), []byte(ok), 0o755)
	os.WriteFile(filepath.Join(dir, "bad.sh"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	be := lbtest.NewBackend(t, "s")
	p := lbtest.Start(t, `
global
    external-check
`+httpDefaults+`
frontend up
    bind ${up}
    default_backend up
frontend down
    bind ${down}
    default_backend down
backend up
    option external-check
    external-check path "${dir}:/bin:/usr/bin"
    external-check command ok.sh
    server s ${be} check inter 100ms
backend down
    option external-check
    external-check command ${dir}/bad.sh
    server s ${be} check inter 100ms
`, lbtest.Vars{"be": be.Addr, "dir": dir})
	lbtest.WaitUntil(t, "the check program ran", 10*time.Second, func() bool {
		b, err := os.ReadFile(out)
		return err == nil && len(b) > 0
	})
	b, _ := os.ReadFile(out)
	host, port, _ := strings.Cut(be.Addr, ":")
	if want := "NOT_USED NOT_USED " + host + " " + port + " s up\n"; string(b) != want {
		t.Errorf("program saw %q, want %q", b, want)
	}
	if r := lbtest.Get(t, p.URL("up", "/")); r.Status != 200 {
		t.Errorf("up: %d", r.Status)
	}
	lbtest.WaitUntil(t, "the failing check takes the server down", 10*time.Second, func() bool {
		return lbtest.Get(t, p.URL("down", "/")).Status == 503
	})
}
