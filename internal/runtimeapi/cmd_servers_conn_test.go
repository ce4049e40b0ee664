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

func TestShowServersConn(t *testing.T) {
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
    default_backend app
backend app
    server s1 %s
backend other
    server o1 127.0.0.1:1
`, fe, srv.Listener.Addr())), nil)
	run := func(in string) string { return exchange(t, s, LevelUser, in) }
	header := "# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[1]\n"
	if got := run("show servers conn nope\n"); got != "Can't find backend.\n\n" {
		t.Errorf("unknown backend: %q", got)
	}
	if got, want := run("show servers conn other\n"), header+"other/o1 3/1 127.0.0.1 1 - 5000 0 0 0 0 0 256 0 0\n\n"; got != want {
		t.Errorf("other:\ngot  %q\nwant %q", got, want)
	}
	// A request whose client connection closes leaves its server
	// connection idle in the pool.
	req, _ := http.NewRequest("GET", "http://"+fe+"/", nil)
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	line := regexp.MustCompile(`^app/s1 2/1 127\.0\.0\.1 \d+ - 5000 0 1 1 0 1 256 1 1$`)
	lbtest.WaitUntil(t, "an idle server connection", 5*time.Second, func() bool {
		out := strings.Split(run("show servers conn app\n"), "\n")
		return len(out) > 2 && out[0]+"\n" == header && line.MatchString(out[1])
	})
}
