package runtimeapi

import (
	"fmt"
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
		{"list", "show ssl crt-list\n", "# filename\n" + list + "\n\n"},
		{"content", "show ssl crt-list " + list + "\n", "# " + list + "\n" + a + "\n" + b + " [alpn h2] b.example !x.b.example\n\n"},
		{"numbers", "show ssl crt-list -n " + list + "\n", "# " + list + "\n" + a + ":1\n" + b + ":2 [alpn h2] b.example !x.b.example\n\n"},
		{"unknown", "show ssl crt-list /nope\n", "didn't find the specified filename\n\n"},
		{"add", "add ssl crt-list " + list + " " + a + "\n", "'add ssl crt-list' is not supported by hawser: edit the crt-list file and reload.\n\n"},
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
