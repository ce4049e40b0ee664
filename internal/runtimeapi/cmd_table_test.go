package runtimeapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

var expShardRE = regexp.MustCompile(`^0x[0-9a-f]+:|exp=\d+ shard=\d+`)

func TestTableCommands(t *testing.T) {
	t.Parallel()
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
    bind %s
    stick-table type ip size 100 expire 30s store http_req_rate(10s),gpc0,http_req_cnt
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 3 }
    default_backend app
backend app
    server s1 %s
`, fe, srv.Listener.Addr())), nil)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func() int {
		resp, err := client.Get("http://" + fe + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	var codes []int
	for range 5 {
		codes = append(codes, get())
	}
	if fmt.Sprint(codes) != "[200 200 200 429 429]" {
		t.Fatalf("rate limit codes %v", codes)
	}
	norm := func(s string) string {
		var b strings.Builder
		for line := range strings.Lines(s) {
			b.WriteString(expShardRE.ReplaceAllStringFunc(line, func(m string) string {
				if strings.HasPrefix(m, "0x") {
					return "0xP:"
				}
				return "exp=E shard=S"
			}))
		}
		return b.String()
	}
	run := func(in string) string { return norm(exchange(t, s, LevelAdmin, in)) }
	lbtest.WaitUntil(t, "sessions to release the entry", 5*time.Second, func() bool {
		return strings.Contains(run("show table fe\n"), " use=0 ")
	})
	steps := []struct{ in, want string }{
		{"show table\n", "# table: fe, type: ip, size:100, used:1\n\n"},
		{"show table fe\n", "# table: fe, type: ip, size:100, used:1\n0xP: key=127.0.0.1 use=0 exp=E shard=S gpc0=0 http_req_cnt=5 http_req_rate(10000)=5\n\n"},
		{"show table nope\n", "No such table\n\n"},
		{"show table fe data.foo gt 1\n", "Filter entry #1: Unknown data type\n\n"},
		{"show table fe data.conn_cnt gt 1\n", "Filter entry #1: Data type not stored in this table\n\n"},
		{"show table fe data.gpc0 xx 1\n", "Filter entry #1: Require and operator among \"eq\", \"ne\", \"le\", \"ge\", \"lt\", \"gt\"\n\n"},
		{"set table fe key 10.0.0.1 foo 1\n", "\"data.<type>\" followed by a value expected\n\n"},
		{"set table fe key 127.0.0.1 data.http_req_rate 0\n", "\n"},
		{"set table fe key 10.0.0.1 data.gpc0 7 data.http_req_cnt 2\n", "\n"},
		{"set table fe key 10.0.0.1 data.conn_cnt 1\n", "Data type not stored in this table\n\n"},
		{"set table fe key nope data.gpc0 1\n", "invalid IP address 'nope'\n\n"},
		{"show table fe data.gpc0 gt 5\n", "# table: fe, type: ip, size:100, used:2\n0xP: key=10.0.0.1 use=0 exp=E shard=S gpc0=7 http_req_cnt=2 http_req_rate(10000)=0\n\n"},
		{"show table fe key 127.0.0.1\n", "# table: fe, type: ip, size:100, used:2\n0xP: key=127.0.0.1 use=0 exp=E shard=S gpc0=0 http_req_cnt=5 http_req_rate(10000)=0\n\n"},
		{"show table fe key 10.9.9.9\n", "# table: fe, type: ip, size:100, used:2\n\n"},
		{"clear table fe data.gpc0 eq 7\n", "\n"},
		{"show table\n", "# table: fe, type: ip, size:100, used:1\n\n"},
	}
	for _, st := range steps {
		if got := run(st.in); got != st.want {
			t.Fatalf("%q:\ngot  %q\nwant %q", st.in, got, st.want)
		}
	}
	// The reset rate lets the client through again.
	if c := get(); c != 200 {
		t.Fatalf("after set table: %d", c)
	}
	lbtest.WaitUntil(t, "sessions to release the entry", 5*time.Second, func() bool {
		return strings.Contains(run("show table fe\n"), " use=0 ")
	})
	if got := run("clear table fe key 127.0.0.1;show table\n"); got != "\n# table: fe, type: ip, size:100, used:0\n\n" {
		t.Fatalf("clear by key: %q", got)
	}
	if got := exchange(t, s, LevelUser, "set table fe key 1.2.3.4\n"); got != "Permission denied\n\n" {
		t.Fatalf("user set table: %q", got)
	}
}
