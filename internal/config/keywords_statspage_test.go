package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestStatsPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		defaults string
		body     string
		want     *Stats // of the listen section; nil = no stats page
		wantErr  string
		wantWarn string
	}{
		{name: "none", body: "bind :80"},
		{name: "enable uses the defaults", body: "stats enable",
			want: &Stats{URI: "/haproxy?stats", Realm: "HAProxy Statistics"}},
		{name: "uri alone enables", body: "stats uri /st",
			want: &Stats{URI: "/st", Realm: "HAProxy Statistics"}},
		{name: "every setting",
			body: "acl local src 127.0.0.1\n    stats enable\n    stats uri /s\n    stats realm Hawser\\ Stats\n    stats auth admin:secret\n    stats auth ro\n" +
				"    stats refresh 10\n    stats scope .\n    stats scope other\n    stats hide-version\n    stats show-legends\n" +
				"    stats show-desc Primary LB\n    stats show-node\n    stats admin if local\n    stats http-request deny unless local\n    stats http-request auth realm R",
			want: &Stats{
				URI: "/s", Realm: "Hawser Stats", Refresh: 10 * time.Second,
				Auth: []*User{
					{Name: "admin", Password: "secret", Insecure: true},
					{Name: "ro", Password: "", Insecure: true},
				},
				Scope:       []string{".", "other"},
				Admin:       []*Cond{{Words: []string{"local"}}},
				HTTPRequest: []*HTTPRule{{Action: "deny", Cond: &Cond{Unless: true, Words: []string{"local"}}}, {Action: "auth", Args: []string{"realm", "R"}}},
				HideVersion: true, ShowLegends: true, ShowDesc: true, Desc: "Primary LB", ShowNode: true,
			}},
		{name: "refresh with a unit", body: "stats refresh 1m",
			want: &Stats{URI: "/haproxy?stats", Realm: "HAProxy Statistics", Refresh: time.Minute}},
		{name: "inherited from defaults", defaults: "stats uri /d\n    stats auth a:b",
			body: "bind :80",
			want: &Stats{URI: "/d", Realm: "HAProxy Statistics", Auth: []*User{{Name: "a", Password: "b", Insecure: true}}}},
		{name: "admin needs a condition", body: "stats admin", wantErr: "haproxy.cfg:5 : 'stats admin' requires a condition"},
		{name: "admin unknown acl", body: "stats admin if nosuch", wantErr: "haproxy.cfg:5 : 'stats admin'"},
		{name: "admin not in defaults", defaults: "stats admin if TRUE", body: "bind :80", wantErr: "haproxy.cfg:3 : 'stats admin' is not allowed in 'defaults' section"},
		{name: "bad http-request action", body: "stats http-request redirect location /", wantErr: "haproxy.cfg:5 : 'stats http-request redirect' is not supported"},
		{name: "empty uri", body: `stats uri ""`, wantErr: "haproxy.cfg:5 : argument number 2 at position 16 is empty"},
		{name: "bad refresh", body: "stats refresh soon", wantErr: "haproxy.cfg:5 : 'stats refresh': invalid time value"},
		{name: "show-modules unsupported", body: "stats show-modules", wantErr: "'stats show-modules' is not supported by hawser"},
		{name: "tcp mode drops it with a warning", defaults: "mode tcp", body: "stats enable",
			wantWarn: "'stats' statement ignored for listen 'l' as it requires HTTP mode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := "defaults\n    mode http\n    " + tc.defaults + "\nlisten l\n    " + tc.body + "\n    server s 127.0.0.1:80\n"
			s, err := loadText(t, "haproxy.cfg", text)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantWarn != "" {
				var msgs []string
				for _, w := range s.Warnings {
					msgs = append(msgs, w.Msg)
				}
				if !strings.Contains(strings.Join(msgs, "\n"), tc.wantWarn) {
					t.Errorf("warnings %q, want %q", msgs, tc.wantWarn)
				}
			}
			ignore := cmpopts.IgnoreFields(Stats{}, "Pos")
			ignorePos := cmp.Options{ignore, cmpopts.IgnoreFields(User{}, "Pos"), cmpopts.IgnoreFields(Cond{}, "Pos"), cmpopts.IgnoreFields(HTTPRule{}, "Pos")}
			for _, got := range []*Stats{s.Frontends[0].Stats, s.Backends[0].Stats} {
				if diff := cmp.Diff(tc.want, got, ignorePos, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("stats (-want +got):\n%s", diff)
				}
			}
		})
	}
}
