package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseCookieArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		line    string
		want    *Cookie
		wantErr string
	}{
		{name: "passive", line: "SRV", want: &Cookie{Name: "SRV"}},
		{name: "insert with options", line: "SRV insert indirect nocache httponly secure domain .a.com domain .b.com attr SameSite=Lax",
			want: &Cookie{Name: "SRV", Mode: CookieInsert, Indirect: true, NoCache: true, HTTPOnly: true, Secure: true,
				Domains: []string{".a.com", ".b.com"}, Attrs: []string{"SameSite=Lax"}}},
		{name: "prefix", line: "JS prefix", want: &Cookie{Name: "JS", Mode: CookiePrefix}},
		{name: "rewrite", line: "JS rewrite", want: &Cookie{Name: "JS", Mode: CookieRewrite}},
		{name: "two modes", line: "SRV insert prefix", wantErr: "'insert' and 'prefix' are incompatible"},
		{name: "postonly needs insert", line: "SRV postonly", wantErr: "'postonly' requires 'insert'"},
		{name: "preserve alone", line: "SRV preserve", wantErr: "'preserve' requires at least 'insert' or 'indirect'"},
		{name: "maxidle and maxlife", line: "SRV insert maxidle 30m maxlife 3600", want: &Cookie{Name: "SRV", Mode: CookieInsert, MaxIdle: 30 * time.Minute, MaxLife: time.Hour}},
		{name: "maxidle without time", line: "SRV insert maxidle", wantErr: "'cookie maxidle' expects a time"},
		{name: "maxlife bad time", line: "SRV insert maxlife soon", wantErr: "invalid time value 'soon'"},
		{name: "dynamic", line: "SRV insert dynamic", want: &Cookie{Name: "SRV", Mode: CookieInsert, Dynamic: true}},
		{name: "attr with semicolon", line: "SRV insert attr a;b", wantErr: "contains a control character or ';'"},
		{name: "domain without value", line: "SRV insert domain", wantErr: "'cookie domain' expects a value"},
		{name: "unknown option", line: "SRV sticky", wantErr: "got 'sticky'"},
		{name: "no name", line: "", wantErr: "expects <cookie_name>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseCookieArgs(strings.Fields(tc.line))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("cookie (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPersistKeywords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lines   string
		check   func(t *testing.T, p *Persist)
		wantErr string
	}{
		{name: "stick rules", lines: "stick-table type ip size 1k\n    stick on src\n    stick match req.hdr(x-user) table other if { path_beg /a }\n    stick store-response res.hdr(x-id)",
			check: func(t *testing.T, p *Persist) {
				if len(p.Sticks) != 3 || p.Sticks[0].Kind != StickOn || p.Sticks[1].Table != "other" || p.Sticks[1].Cond == nil || p.Sticks[2].Kind != StickStoreResponse {
					t.Errorf("sticks = %+v", p.Sticks)
				}
			}},
		{name: "use-server and persist rules", lines: "use-server s1 if { path_beg /a }\n    force-persist if { src 10.0.0.0/8 }\n    ignore-persist unless { path_beg /b }\n    option persist",
			check: func(t *testing.T, p *Persist) {
				if len(p.UseServers) != 1 || p.UseServers[0].Server != "s1" || len(p.Rules) != 2 || p.Rules[0].Ignore || !p.Rules[1].Ignore || !p.Rules[1].Cond.Unless || !p.Option {
					t.Errorf("persist = %+v", p)
				}
			}},
		{name: "use-server without condition", lines: "use-server s1", wantErr: "requires either 'if' or 'unless'"},
		{name: "force-persist without condition", lines: "force-persist", wantErr: "requires either 'if' or 'unless'"},
		{name: "stick bad kind", lines: "stick onto src", wantErr: "got 'onto'"},
		{name: "stick bad expression", lines: "stick on nosuchfetch", wantErr: "stick on"},
		{name: "stick trailing word", lines: "stick on src tables t", wantErr: "unexpected 'tables'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := "backend app\n    mode http\n    " + tc.lines + "\n    server s1 127.0.0.1:80\n"
			s, err := loadText(t, "haproxy.cfg", cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, &s.Backend("app").Persist)
		})
	}
}

func TestCookieInheritedFromDefaults(t *testing.T) {
	t.Parallel()
	s := mustLoad(t, "defaults\n    mode http\n    cookie SRV insert indirect\n\nbackend app\n    server s1 127.0.0.1:80 cookie c1\n")
	ck := s.Backend("app").Persist.Cookie
	if ck == nil || ck.Name != "SRV" || ck.Mode != CookieInsert || !ck.Indirect {
		t.Fatalf("cookie = %+v, want the defaults' insert indirect", ck)
	}
	if c := s.Clone().Backend("app").Persist.Cookie; c == ck || c.Name != "SRV" {
		t.Errorf("Clone shares or loses the cookie")
	}
}
