package lbtest

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
)

// ClearOnly, anywhere in a configuration (it is a comment), keeps an h2
// run from adding TLS binds to it: for tests of listeners, certificates
// or counters that the extra binds would change, not of HTTP behaviour.
const ClearOnly = "# lbtest: cleartext binds only\n"

// tlsSuffix names the placeholder of the TLS bind added next to a
// cleartext one in an h2 run: "${fe}" gets "${fe__tls}".
const tlsSuffix = "__tls"

var runCert struct {
	once sync.Once
	path string
	err  error
}

// runCertFile writes, once per test binary, the self-signed certificate
// the TLS binds of an h2 run serve.
func runCertFile(t testing.TB) string {
	runCert.once.Do(func() {
		dir, err := os.MkdirTemp("", "hawser-h2run")
		if err != nil {
			runCert.err = err
			return
		}
		c := tlstest.New(t, tlstest.Opts{CN: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}, nil)
		runCert.path = filepath.Join(dir, "h2run.pem")
		runCert.err = os.WriteFile(runCert.path, c.PEM(), 0o600)
	})
	if runCert.err != nil {
		t.Fatalf("h2 run certificate: %v", runCert.err)
	}
	return runCert.path
}

// addTLSBinds prepares cfg for an h2 run (RunProto H2): next to every
// plain "bind ${name}" of an HTTP-mode frontend or listen section it adds
// "bind ${name__tls} ssl crt … alpn h2,http/1.1", which Proc.URL then
// points at. Addr still names the cleartext bind, so tests that speak raw
// HTTP/1 over a socket keep working; only what goes through URL, Get, Do
// and NewClient moves to HTTP/2 over TLS.
func addTLSBinds(t testing.TB, cfg string) string {
	if strings.Contains(cfg, ClearOnly) {
		// Taken out so that line numbers in messages stay those of the
		// test's text.
		return strings.Replace(cfg, ClearOnly, "", 1)
	}
	if RunProto() != H2 {
		return cfg
	}
	lines := strings.Split(cfg, "\n")
	out := make([]string, 0, len(lines)+4)
	section, defMode, mode := "", "http", ""
	var pending []string // bind lines of the current section to double
	var binds []int      // their positions in out
	flush := func() {
		if section != "frontend" && section != "listen" {
			return
		}
		m := mode
		if m == "" {
			m = defMode
		}
		if m != "http" {
			return
		}
		// Insert from the last so earlier positions stay right.
		for i := len(binds) - 1; i >= 0; i-- {
			at := binds[i] + 1
			out = append(out[:at], append([]string{pending[i]}, out[at:]...)...)
		}
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && l[0] != ' ' && l[0] != '\t' && !strings.HasPrefix(f[0], "#") {
			flush()
			section, mode, pending, binds = f[0], "", nil, nil
		}
		switch {
		case len(f) == 2 && f[0] == "mode":
			if section == "defaults" {
				defMode = f[1]
			} else {
				mode = f[1]
			}
		case len(f) == 2 && f[0] == "bind" && placeholder.MatchString(f[1]) && placeholder.FindString(f[1]) == f[1]:
			name := f[1][2 : len(f[1])-1]
			indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			pending = append(pending, indent+"bind ${"+name+tlsSuffix+"} ssl crt "+runCertFile(t)+" alpn h2,http/1.1")
			binds = append(binds, len(out))
		}
		out = append(out, l)
	}
	flush()
	return strings.Join(out, "\n")
}

// LogFrontend is how %ft (and the frontend field of httplog) names
// frontend fe for a request sent through Proc.URL: HAProxy marks a
// frontend reached over TLS with "~", as the TLS binds of an h2 run are.
func LogFrontend(fe string) string {
	if RunProto() == H2 {
		return fe + "~"
	}
	return fe
}
