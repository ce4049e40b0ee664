package e2e

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestCrtListEditSurvivesReload adds a certificate to a crt-list over the
// runtime API: new handshakes get it at once, a reload with the crt-list
// file unchanged keeps it (as a runtime certificate is kept), and a
// reload after the file changed reads the file again.
func TestCrtListEditSurvivesReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "ca")
	tlstest.Write(t, dir, "a.pem", tlstest.New(t, tlstest.Opts{CN: "a.example", DNSNames: []string{"a.example"}}, ca).PEM())
	tlstest.Write(t, dir, "b.pem", tlstest.New(t, tlstest.Opts{CN: "b.example", DNSNames: []string{"b.example"}}, ca).PEM())
	list := tlstest.Write(t, dir, "sites.list", []byte("a.pem\n"))
	s1 := lbtest.NewBackend(t, "s1")
	sock := filepath.Join(dir, "hawser.sock")
	p := lbtest.Start(t, `
global
    stats socket ${sock} level admin
    crt-base ${dir}
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind ${fe}
    bind ${tls} ssl crt-list ${dir}/sites.list
    default_backend app
backend app
    server s1 ${s1}
`, lbtest.Vars{"sock": sock, "dir": dir, "s1": s1.Addr})
	lbtest.WaitUntil(t, "hawser's socket", 20e9, func() bool {
		_, err := os.Stat(sock)
		return err == nil
	})
	cn := func(sni string) string {
		t.Helper()
		c, err := tls.Dial("tcp", p.Addr("tls"), &tls.Config{ServerName: sni, InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	// b.pem is loaded by no bind yet: make it known, then list it.
	for _, c := range []string{
		"new ssl cert " + dir + "/b.pem",
	} {
		cli(t, "unix", sock, c)
	}
	pem, _ := os.ReadFile(filepath.Join(dir, "b.pem"))
	if got := cli(t, "unix", sock, "set ssl cert "+dir+"/b.pem <<\n"+string(pem)); got == "" {
		t.Fatal("set ssl cert: no answer")
	}
	cli(t, "unix", sock, "commit ssl cert "+dir+"/b.pem")
	if got, want := cli(t, "unix", sock, "add ssl crt-list "+list+" b.pem"), "Inserting certificate '"+dir+"/b.pem' in crt-list '"+list+"'.\nSuccess!\n\n"; got != want {
		t.Fatalf("add: %q", got)
	}
	if got := cn("b.example"); got != "b.example" {
		t.Fatalf("after add: %q", got)
	}
	if !p.Reload(t) {
		t.Fatal("reload rejected")
	}
	if got := cn("b.example"); got != "b.example" {
		t.Errorf("after a reload with the file unchanged: %q", got)
	}
	want := "# " + list + "\n" + dir + "/a.pem:1\n" + dir + "/b.pem:2\n\n"
	if got := cli(t, "unix", sock, "show ssl crt-list -n "+list); got != want {
		t.Errorf("show after reload: %q, want %q", got, want)
	}
	// A changed file is read again: the runtime line is gone.
	if err := os.WriteFile(list, []byte("# only a\na.pem\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !p.Reload(t) {
		t.Fatal("second reload rejected")
	}
	if got := cn("b.example"); got != "a.example" {
		t.Errorf("after the file changed: %q", got)
	}
}
