package runtimeapi

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

func TestSSLCertCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "test ca")
	old := tlstest.New(t, tlstest.Opts{CN: "old.example", DNSNames: []string{"old.example"}}, ca)
	fresh := tlstest.New(t, tlstest.Opts{CN: "new.example", DNSNames: []string{"new.example"}}, ca)
	crt := tlstest.Write(t, dir, "site.pem", old.PEM())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(srv.Close)
	fe := lbtest.FreeAddr(t)
	s := New(newProxy(t, fmt.Sprintf(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind %s ssl crt %s
    default_backend app
backend app
    server s1 %s
`, fe, crt, srv.Listener.Addr())), nil)

	// dial opens a TLS connection and returns it with the CN it got.
	dial := func() (*tls.Conn, string) {
		c, err := tls.Dial("tcp", fe, &tls.Config{RootCAs: tlstest.Pool(ca), ServerName: "old.example", InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		return c, c.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	request := func(c *tls.Conn) {
		t.Helper()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("body %q", b)
		}
	}
	c1, cn := dial()
	defer c1.Close()
	if cn != "old.example" {
		t.Fatalf("first cert %q", cn)
	}
	request(c1)

	run := func(in string) string { return exchange(t, s, LevelAdmin, in) }
	if got := run("show ssl cert\n"); got != "# filename\n"+crt+"\n\n" {
		t.Fatalf("show ssl cert: %q", got)
	}
	show := run("show ssl cert " + crt + "\n")
	want := regexp.MustCompile(`^Filename: ` + regexp.QuoteMeta(crt) + `\nStatus: Used\nSerial: [0-9A-F]+\nnotBefore: \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT\nnotAfter: .* GMT\nSubject Alternative Name: DNS:old.example\nAlgorithm: EC256\nSHA1 FingerPrint: [0-9A-F]{40}\nSubject: /CN=old.example\nIssuer: /CN=test ca\n\n$`)
	if !want.MatchString(show) {
		t.Fatalf("show ssl cert file:\n%s", show)
	}
	steps := []struct{ in, want string }{
		{"set ssl cert /nope <<\n" + string(fresh.PEM()) + "\n", "Can't replace a certificate which is not referenced by the configuration!\n\n"},
		{"set ssl cert " + crt + " <<\n" + string(fresh.PEM()) + "\n", "Transaction created for certificate " + crt + "!\n\n"},
		{"show ssl cert\n", "# transaction\n*" + crt + "\n# filename\n" + crt + "\n\n"},
		{"commit ssl cert /other\n", "The ongoing transaction is about '" + crt + "' but you are trying to set '/other'\n\n"},
		{"commit ssl cert " + crt + "\n", "Committing " + crt + "\nSuccess!\n\n"},
		{"commit ssl cert " + crt + "\n", "No ongoing transaction! !\nCan't commit " + crt + "!\n\n"},
		{"abort ssl cert " + crt + "\n", "No ongoing transaction!\n\n"},
		{"set ssl cert " + crt + " <<\n" + string(old.PEM()) + "\n", "Transaction created for certificate " + crt + "!\n\n"},
		{"abort ssl cert " + crt + "\n", "Transaction aborted for certificate '" + crt + "'!\n\n"},
		{"del ssl cert " + crt + "\n", "Can't remove the certificate: certificate '" + crt + "' in use, can't be deleted!\n\n"},
		{"new ssl cert /extra.pem\n", "New empty certificate store '/extra.pem'!\n\n"},
		{"new ssl cert /extra.pem\n", "Certificate '/extra.pem' already exists!\n\n"},
		{"show ssl cert /extra.pem\n", "Filename: /extra.pem\nStatus: Empty\n\n"},
		{"del ssl cert /extra.pem\n", "Certificate '/extra.pem' deleted!\n\n"},
		{"del ssl cert /extra.pem\n", "Can't remove the certificate: certificate '/extra.pem' doesn't exist!\n\n\n"},
	}
	for _, st := range steps {
		if got := run(st.in); got != st.want {
			t.Fatalf("%q:\ngot  %q\nwant %q", strings.SplitN(st.in, "\n", 2)[0], got, st.want)
		}
	}
	// New handshakes get the committed certificate; the old connection
	// goes on with its own.
	c2, cn := dial()
	defer c2.Close()
	if cn != "new.example" {
		t.Fatalf("after commit the handshake got %q", cn)
	}
	request(c2)
	request(c1)
}
