package runtimeapi

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

func TestShowCrtList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "ca")
	a := tlstest.Write(t, dir, "a.pem", tlstest.New(t, tlstest.Opts{CN: "a.example", DNSNames: []string{"a.example"}}, ca).PEM())
	b := tlstest.Write(t, dir, "b.pem", tlstest.New(t, tlstest.Opts{CN: "b.example", DNSNames: []string{"b.example"}}, ca).PEM())
	list := tlstest.Write(t, dir, "list.txt", []byte(a+"\n"+b+" [alpn h2] b.example !x.b.example\n"))
	s := New(newProxy(t, fmt.Sprintf(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind %s ssl crt-list %s
    default_backend app
backend app
    server s1 127.0.0.1:1
`, lbtest.FreeAddr(t), list)), nil)
	tests := []struct{ name, in, want string }{
		{"list", "show ssl crt-list\n", list + "\n\n"},
		{"content", "show ssl crt-list " + list + "\n", "# " + list + "\n" + a + "\n" + b + " [alpn h2] b.example !x.b.example\n\n"},
		{"numbers", "show ssl crt-list -n " + list + "\n", "# " + list + "\n" + a + ":1\n" + b + ":2 [alpn h2] b.example !x.b.example\n\n"},
		{"trailing slash", "show ssl crt-list " + list + "/\n", "# " + list + "\n" + a + "\n" + b + " [alpn h2] b.example !x.b.example\n\n"},
		{"unknown", "show ssl crt-list /nope\n", "didn't find the specified filename\n\n"},
		{"-n alone", "show ssl crt-list -n\n", "'show ssl crt-list -n' expects a filename or a directory\n\n"},
		{"add args", "add ssl crt-list " + list + "\n", "'add ssl crtlist' expects a filename and a certificate name\n\n"},
		{"add unknown list", "add ssl crt-list /nope " + a + "\n", "Can't edit the crt-list: crt-list '/nope' does not exist!\n\n"},
		{"add unknown cert", "add ssl crt-list " + list + " /nope.pem\n", "Can't edit the crt-list: certificate '/nope.pem' does not exist!\n\n"},
		{"add two lines", "add ssl crt-list " + list + " <<\n" + a + "\n" + b + "\n\n", "Can't edit the crt-list: only one line of payload is supported!\n\n"},
		{"add bad option", "add ssl crt-list " + list + " <<\n" + a + " [verify sometimes]\n\n", "Can't edit the crt-list: 'verify' expects none, optional or required, got 'sometimes'\n\n"},
		{"del args", "del ssl crt-list " + list + "\n", "'del ssl crtlist' expects a filename and a certificate name\n\n"},
		{"del bad line", "del ssl crt-list " + list + " " + a + ":x\n", "Can't delete the entry: wrong line number after colons in '" + a + ":x'!\n\n"},
		{"del wrong line", "del ssl crt-list " + list + " " + b + ":7\n", "Can't delete the entry: found a certificate '" + b + "' but the line number is incorrect, please specify a correct line number preceded by colons (2)!\n\n"},
		{"user level", "user; show ssl crt-list\n", "\nPermission denied\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := exchange(t, s, LevelAdmin, tc.in); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestCrtListEdits adds a certificate to a running crt-list and removes
// it again: new handshakes see each change at once.
func TestCrtListEdits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "ca")
	a := tlstest.Write(t, dir, "a.pem", tlstest.New(t, tlstest.Opts{CN: "a.example", DNSNames: []string{"a.example"}}, ca).PEM())
	c := tlstest.New(t, tlstest.Opts{CN: "c.example", DNSNames: []string{"c.example"}}, ca)
	cPath := dir + "/c.pem"
	list := tlstest.Write(t, dir, "list.txt", []byte("# sites\n"+a+"\n"))
	fe := lbtest.FreeAddr(t)
	s := New(newProxy(t, fmt.Sprintf(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind %s ssl crt-list %s
    default_backend app
backend app
    server s1 127.0.0.1:1
`, fe, list)), nil)
	cn := func(sni string) string {
		t.Helper()
		conn, err := tls.Dial("tcp", fe, &tls.Config{ServerName: sni, InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	run := func(in string) string { return exchange(t, s, LevelAdmin, in) }
	if got := cn("c.example"); got != "a.example" {
		t.Fatalf("before: %q", got)
	}
	steps := []struct{ in, want string }{
		{"new ssl cert " + cPath + "\n", "New empty certificate store '" + cPath + "'!\n\n"},
		{"add ssl crt-list " + list + " " + cPath + "\n", "Can't edit the crt-list: certificate '" + cPath + "' is empty!\n\n"},
		{"set ssl cert " + cPath + " <<\n" + string(c.PEM()) + "\n", "Transaction created for certificate " + cPath + "!\n\n"},
		{"commit ssl cert " + cPath + "\n", "Committing " + cPath + "\nSuccess!\n\n"},
		{"add ssl crt-list " + list + " <<\n" + cPath + " [alpn http/1.1] c.example\n\n", "Inserting certificate '" + cPath + "' in crt-list '" + list + "'.\nSuccess!\n\n"},
		{"show ssl crt-list -n " + list + "\n", "# " + list + "\n" + a + ":2\n" + cPath + ":3 [alpn http/1.1] c.example\n\n"},
		{"del ssl cert " + cPath + "\n", "Can't remove the certificate: certificate '" + cPath + "' in use, can't be deleted!\n\n"},
	}
	for _, st := range steps {
		if got := run(st.in); got != st.want {
			t.Fatalf("%q:\ngot  %q\nwant %q", strings.SplitN(st.in, "\n", 2)[0], got, st.want)
		}
	}
	if got := cn("c.example"); got != "c.example" {
		t.Fatalf("after add: %q", got)
	}
	if got := run("del ssl crt-list " + list + " " + a + "\n"); !strings.HasPrefix(got, "Can't delete the entry: certificate '"+a+"' cannot be deleted, it is used as default certificate by the following frontends:\n\t- ") {
		t.Fatalf("del default: %q", got)
	}
	if got, want := run("del ssl crt-list "+list+" "+cPath+":3\n"), "Entry '"+cPath+"' deleted in crtlist '"+list+"'!\n\n"; got != want {
		t.Fatalf("del: %q", got)
	}
	if got := cn("c.example"); got != "a.example" {
		t.Fatalf("after del: %q", got)
	}
	if got, want := run("del ssl cert "+cPath+"\n"), "Certificate '"+cPath+"' deleted!\n\n"; got != want {
		t.Fatalf("del ssl cert: %q", got)
	}
}
