package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// statsCfg is a listen section with a stats page and two servers; extra
// lines go into the listen section.
func statsCfg(extra string) string {
	return `
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

listen web
    bind ${fe}
    balance roundrobin
    ` + extra + `
    server s1 ${s1}
    server s2 ${s2}
`
}

// postForm posts an admin form over proto, without following the
// redirect.
func postForm(t *testing.T, proto lbtest.Proto, u string, form url.Values, user, pass string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := lbtest.ProtoClient(proto, false).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// The stats page asks for credentials with the configured realm (HAProxy's
// "HAProxy Statistics" by default), serves the report to a valid user and
// never reaches a server.
func TestStatsPageAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, extra, realm string
	}{
		{name: "default realm", extra: "stats auth admin:secret", realm: "HAProxy Statistics"},
		{name: "stats realm", extra: "stats auth admin:secret\n    stats realm Hawser\\ Stats", realm: "Hawser Stats"},
		{name: "stats http-request allow skips stats auth", extra: "stats auth admin:secret\n    stats http-request allow if { src 127.0.0.1 }", realm: ""},
		{name: "stats http-request auth", extra: "stats auth admin:secret\n    stats http-request auth realm Ops unless { http_auth_user -m str nobody }", realm: "Ops"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
				bs, vars := backends(t, "s1", "s2")
				p := lbtest.Start(t, statsCfg(tc.extra), vars)
				r := lbtest.GetProto(t, proto, p.URL("fe", "/haproxy?stats"))
				if tc.realm == "" {
					if r.Status != 200 || !strings.Contains(r.Body, `id="web/s1"`) {
						t.Fatalf("allowed without credentials: %d", r.Status)
					}
					return
				}
				if r.Status != 401 || r.Header.Get("WWW-Authenticate") != `Basic realm="`+tc.realm+`"` {
					t.Fatalf("no credentials: %d %q", r.Status, r.Header.Get("WWW-Authenticate"))
				}
				if r := lbtest.GetProto(t, proto, p.URL("fe", "/haproxy?stats"), "Authorization: "+basic("admin", "wrong")); r.Status != 401 {
					t.Fatalf("wrong password: %d", r.Status)
				}
				if tc.name == "stats http-request auth" {
					// The explicit rule challenges everyone it matches.
					return
				}
				r = lbtest.GetProto(t, proto, p.URL("fe", "/haproxy?stats"), "Authorization: "+basic("admin", "secret"))
				if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") ||
					!strings.Contains(r.Body, `id="web/s1"`) || !strings.Contains(r.Body, `id="web/s2"`) {
					t.Fatalf("valid user: %d %q\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
				}
				if n := bs["s1"].Requests.Load() + bs["s2"].Requests.Load(); n != 0 {
					t.Fatalf("%d stats requests reached a server", n)
				}
			})
		})
	}
}

func basic(user, pass string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pass)
	return r.Header.Get("Authorization")
}

// ";csv" answers the "show stat" CSV: HAProxy's header line, then the
// FRONTEND, server and BACKEND rows; ";json" the same rows in HAProxy's
// "show stat json" shape. Other URIs go to the servers.
func TestStatsPageExports(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		bs, vars := backends(t, "s1", "s2")
		p := lbtest.Start(t, statsCfg("stats uri /admin/stats"), vars)
		r := lbtest.GetProto(t, proto, p.URL("fe", "/admin/stats;csv"))
		lines := strings.Split(r.Body, "\n")
		// The first columns of HAProxy's "show stat" header, in its order.
		const head = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,"
		if r.Status != 200 || !strings.HasPrefix(lines[0], head) || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf(";csv: %d %q\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		var names []string
		for _, l := range lines[1:] {
			if f := strings.Split(l, ","); len(f) > 17 {
				names = append(names, f[0]+"/"+f[1]+"="+f[17])
			}
		}
		if got := strings.Join(names, " "); got != "web/FRONTEND=OPEN web/s1=no check web/s2=no check web/BACKEND=UP" {
			t.Fatalf(";csv rows: %s", got)
		}
		// Stats requests are intercepted, not denied, in the frontend's
		// counters. A request is counted once its response has gone out,
		// possibly after the client read it: ask again until every
		// earlier stats request shows.
		deadline := time.Now().Add(10 * time.Second)
		for n := 1; ; n++ {
			again := strings.Split(lbtest.GetProto(t, proto, p.URL("fe", "/admin/stats;csv")).Body, "\n")
			cols := strings.Split(strings.TrimPrefix(again[0], "# "), ",")
			fe := strings.Split(again[1], ",")
			var dreq, intercepted string
			for i, c := range cols {
				switch c {
				case "dreq":
					dreq = fe[i]
				case "intercepted":
					intercepted = fe[i]
				}
			}
			if dreq != "0" {
				t.Errorf("FRONTEND dreq = %q after %d stats requests", dreq, n)
			}
			if intercepted == strconv.Itoa(n) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("FRONTEND intercepted = %q after %d stats requests", intercepted, n)
			}
		}
		r = lbtest.GetProto(t, proto, p.URL("fe", "/admin/stats;json"))
		var rows [][]struct {
			ObjType string `json:"objType"`
			Field   struct {
				Pos  int    `json:"pos"`
				Name string `json:"name"`
			} `json:"field"`
			Value struct {
				Type  string `json:"type"`
				Value any    `json:"value"`
			} `json:"value"`
		}
		if err := json.Unmarshal([]byte(r.Body), &rows); err != nil || len(rows) != 4 {
			t.Fatalf(";json: %v, %d rows\n%s", err, len(rows), r.Body)
		}
		if f := rows[1][1]; rows[1][0].ObjType != "Server" || f.Field.Name != "svname" || f.Value.Value != "s1" {
			t.Fatalf(";json server row starts with %+v", rows[1][:2])
		}
		// ";typed" is "show stat typed": one line per non-empty cell.
		r = lbtest.GetProto(t, proto, p.URL("fe", "/admin/stats;typed"))
		if r.Status != 200 || !regexp.MustCompile(`(?m)^S\.\d+\.\d+\.1\.svname\.1:KNS:str:s1$`).MatchString(r.Body) ||
			!strings.HasPrefix(r.Body, "F.") || strings.Contains(r.Body, ",") {
			t.Fatalf(";typed: %d\n%s", r.Status, r.Body)
		}
		if r := lbtest.GetProto(t, proto, p.URL("fe", "/admin/other")); r.Status != 200 || bs["s1"].Requests.Load()+bs["s2"].Requests.Load() != 1 {
			t.Fatalf("a URI outside the stats prefix was not proxied: %d %q", r.Status, r.Body)
		}
	})
}

// An admin action posted from the page changes the server's state and the
// traffic follows: a drained server gets no new request until it is set
// ready again. Without a matching "stats admin" condition the action is
// refused and nothing changes.
func TestStatsPageAdmin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		admin string
		want  string // ;st= code
	}{
		{name: "allowed", admin: "stats admin if { src 127.0.0.0/8 }", want: "DONE"},
		{name: "condition does not match", admin: "stats admin if { src 10.255.0.1 }", want: "DENY"},
		{name: "no stats admin", admin: "", want: "DENY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
				bs, vars := backends(t, "s1", "s2")
				p := lbtest.Start(t, statsCfg("stats uri /st\n    stats auth admin:pw\n    "+tc.admin), vars)
				if resp := postForm(t, proto, p.URL("fe", "/st"), url.Values{"s": {"s1"}, "action": {"drain"}, "b": {"web"}}, "", ""); resp.StatusCode != 401 {
					t.Fatalf("POST without credentials: %d", resp.StatusCode)
				}
				resp := postForm(t, proto, p.URL("fe", "/st"), url.Values{"s": {"s1"}, "action": {"drain"}, "b": {"web"}}, "admin", "pw")
				if resp.StatusCode != 303 || resp.Header.Get("Location") != "/st;st="+tc.want {
					t.Fatalf("POST: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
				}
				for range 6 {
					lbtest.GetProto(t, proto, p.URL("fe", "/"))
				}
				s1 := bs["s1"].Requests.Load()
				if tc.want == "DONE" && s1 != 0 || tc.want == "DENY" && s1 != 3 {
					t.Fatalf("after %s: s1 got %d of 6 requests", tc.want, s1)
				}
				csv := lbtest.GetProto(t, proto, p.URL("fe", "/st;csv"), "Authorization: "+basic("admin", "pw")).Body
				if drained := strings.Contains(csv, "web,s1,") && strings.Contains(csv, ",DRAIN,"); drained != (tc.want == "DONE") {
					t.Fatalf("CSV after %s:\n%s", tc.want, csv)
				}
				page := lbtest.GetProto(t, proto, p.URL("fe", "/st;st="+tc.want), "Authorization: "+basic("admin", "pw")).Body
				if !strings.Contains(page, `id="result"`) || strings.Contains(page, `name="action"`) != (tc.want == "DONE") {
					t.Fatalf("page after %s: result message or admin form wrong:\n%s", tc.want, page)
				}
				if tc.want != "DONE" {
					return
				}
				resp = postForm(t, proto, p.URL("fe", "/st"), url.Values{"s": {"s1"}, "action": {"ready"}, "b": {"web"}}, "admin", "pw")
				if resp.Header.Get("Location") != "/st;st=DONE" {
					t.Fatalf("ready: Location %q", resp.Header.Get("Location"))
				}
				for range 2 {
					lbtest.GetProto(t, proto, p.URL("fe", "/"))
				}
				if n := bs["s1"].Requests.Load(); n != 1 {
					t.Fatalf("after ready: s1 got %d of 2 requests", n)
				}
				// Unknown servers and actions are reported, not ignored.
				resp = postForm(t, proto, p.URL("fe", "/st"), url.Values{"s": {"s1", "nosuch"}, "action": {"maint"}, "b": {"web"}}, "admin", "pw")
				if resp.Header.Get("Location") != "/st;st=PART" {
					t.Fatalf("one unknown server: Location %q", resp.Header.Get("Location"))
				}
				resp = postForm(t, proto, p.URL("fe", "/st"), url.Values{"s": {"s1"}, "action": {"explode"}, "b": {"web"}}, "admin", "pw")
				if resp.Header.Get("Location") != "/st;st=ERRP" {
					t.Fatalf("unknown action: Location %q", resp.Header.Get("Location"))
				}
			})
		})
	}
}

// Stats declared in a backend answer the requests routed to that backend;
// "stats http-request deny" refuses them; "stats scope" limits the
// proxies shown.
func TestStatsPageInBackend(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		_, vars := backends(t, "app")
		p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    use_backend stats if { path_beg /monitoring }
    default_backend app

backend app
    server a1 ${app}

backend stats
    stats uri /monitoring
    stats scope app
    stats http-request deny if { req.hdr(x-block) -m found }
`, vars)
		r := lbtest.GetProto(t, proto, p.URL("fe", "/monitoring;csv"))
		if r.Status != 200 || !strings.Contains(r.Body, "\napp,a1,") || strings.Contains(r.Body, "\nfe,") || strings.Contains(r.Body, "\nstats,") {
			t.Fatalf("scoped CSV: %d\n%s", r.Status, r.Body)
		}
		if r := lbtest.GetProto(t, proto, p.URL("fe", "/monitoring"), "X-Block: 1"); r.Status != 403 {
			t.Fatalf("stats http-request deny: %d", r.Status)
		}
		if r := lbtest.GetProto(t, proto, p.URL("fe", "/")); r.Body != "app" {
			t.Fatalf("other requests: %d %q", r.Status, r.Body)
		}
	})
}
