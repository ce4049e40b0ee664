package engine

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
)

// cnHandler writes the SNI and the client certificate count the engine
// recorded, then echoes one line: enough to see which handshake a
// connection got and that it stays usable.
type cnHandler struct{}

func (cnHandler) ServeConn(c net.Conn, s *Session) {
	defer c.Close()
	if _, ok := c.(*tls.Conn); !ok || s.TLS == nil || s.TLSCert == nil {
		io.WriteString(c, "not tls\n")
		return
	}
	io.WriteString(c, s.TLS.ServerName+" "+s.TLSCert.Leaf().Subject.CommonName+"\n")
	io.Copy(c, c)
}

func applyCfg(t *testing.T, e *Engine, text string) {
	t.Helper()
	f, err := cfgfile.Parse("haproxy.cfg", []byte(text), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	snap, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(snap); err != nil {
		t.Fatal(err)
	}
}

// Store.Replace changes the certificate new handshakes get, leaves
// established connections alone, and survives a reload of the unchanged
// configuration.
func TestCertReplaceAtRunTime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "ca")
	old := tlstest.New(t, tlstest.Opts{CN: "old", DNSNames: []string{"site.test"}}, ca)
	path := tlstest.Write(t, dir, "site.pem", old.PEM())
	e := New(Options{TCP: cnHandler{}, HTTP: cnHandler{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer e.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := "frontend fe\n    mode tcp\n    timeout client 10s\n    bind " + addr + " ssl crt " + path + "\n"
	applyCfg(t, e, cfg)
	dial := func() (*tls.Conn, string) {
		t.Helper()
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: tlstest.Pool(ca), ServerName: "site.test"})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, _ := c.Read(buf)
		return c, string(buf[:n])
	}
	first, got := dial()
	defer first.Close()
	if got != "site.test old\n" {
		t.Fatalf("before: %q", got)
	}
	nc := tlstest.New(t, tlstest.Opts{CN: "new", DNSNames: []string{"site.test"}}, ca)
	if err := e.Certs().Replace(path, nc.PEM()); err != nil {
		t.Fatal(err)
	}
	second, got := dial()
	second.Close()
	if got != "site.test new\n" {
		t.Errorf("after replace: %q", got)
	}
	// The first connection still works with its own handshake.
	io.WriteString(first, "ping\n")
	buf := make([]byte, 5)
	if _, err := io.ReadFull(first, buf); err != nil || string(buf) != "ping\n" {
		t.Errorf("established connection: %q %v", buf, err)
	}
	if first.ConnectionState().PeerCertificates[0].Subject.CommonName != "old" {
		t.Error("established connection changed certificate")
	}
	// A reload of the same files keeps the runtime certificate; a changed
	// file on disk replaces it.
	applyCfg(t, e, cfg)
	third, got := dial()
	third.Close()
	if got != "site.test new\n" {
		t.Errorf("after reload: %q", got)
	}
	disk := tlstest.New(t, tlstest.Opts{CN: "disk", DNSNames: []string{"site.test"}}, ca)
	if err := os.WriteFile(filepath.Join(dir, "site.pem"), disk.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	applyCfg(t, e, cfg)
	fourth, got := dial()
	fourth.Close()
	if got != "site.test disk\n" {
		t.Errorf("after reload of a changed file: %q", got)
	}
}
