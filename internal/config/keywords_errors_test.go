package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// errorsConfig replaces A and B in text with the paths of two errorfiles
// whose contents are "page-a" and "page-b".
func errorsConfig(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"A": "page-a", "B": "page-b"} {
		p := filepath.Join(dir, name+".http")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		text = strings.ReplaceAll(text, "@"+name, p)
	}
	return text
}

func TestErrorPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		want    map[int]string // frontend fe's ErrorFiles
		wantErr string
	}{
		{
			name: "errorfiles imports a whole section declared later",
			text: "frontend fe\n    mode http\n    errorfiles site\nhttp-errors site\n    errorfile 503 @A\n    errorfile 404 @B\n",
			want: map[int]string{503: "page-a", 404: "page-b"},
		},
		{
			name: "errorfiles imports only the listed codes",
			text: "http-errors site\n    errorfile 503 @A\n    errorfile 404 @B\nfrontend fe\n    mode http\n    errorfiles site 404\n",
			want: map[int]string{404: "page-b"},
		},
		{
			name: "a later errorfile replaces an imported page",
			text: "http-errors site\n    errorfile 503 @A\nfrontend fe\n    mode http\n    errorfiles site\n    errorfile 503 @B\n",
			want: map[int]string{503: "page-b"},
		},
		{
			name: "a later errorfiles replaces an errorfile",
			text: "http-errors site\n    errorfile 503 @A\nfrontend fe\n    mode http\n    errorfile 503 @B\n    errorfiles site\n",
			want: map[int]string{503: "page-a"},
		},
		{
			name: "errorfiles in defaults is inherited",
			text: "http-errors site\n    errorfile 503 @A\ndefaults\n    mode http\n    errorfiles site\nfrontend fe\n",
			want: map[int]string{503: "page-a"},
		},
		{
			name: "errorloc redirects with 302",
			text: "frontend fe\n    mode http\n    errorloc 503 http://x/down\n",
			want: map[int]string{503: "HTTP/1.1 302 Found\r\nCache-Control: no-cache\r\nContent-Length: 0\r\nLocation: http://x/down\r\n\r\n"},
		},
		{
			name: "errorloc302 redirects with 302",
			text: "frontend fe\n    mode http\n    errorloc302 403 /denied\n",
			want: map[int]string{403: "HTTP/1.1 302 Found\r\nCache-Control: no-cache\r\nContent-Length: 0\r\nLocation: /denied\r\n\r\n"},
		},
		{
			name: "errorloc303 redirects with 303",
			text: "frontend fe\n    mode http\n    errorloc303 503 /down\n",
			want: map[int]string{503: "HTTP/1.1 303 See Other\r\nCache-Control: no-cache\r\nContent-Length: 0\r\nLocation: /down\r\n\r\n"},
		},
		{name: "unknown section", text: "frontend fe\n    mode http\n    errorfiles nope\n", wantErr: "haproxy.cfg:3 : 'errorfiles': unknown http-errors section 'nope'"},
		{name: "errorfiles without name", text: "frontend fe\n    mode http\n    errorfiles\n", wantErr: "haproxy.cfg:3 : 'errorfiles' expects the name"},
		{name: "errorfiles bad code", text: "http-errors site\n    errorfile 503 @A\nfrontend fe\n    errorfiles site 302\n", wantErr: "haproxy.cfg:4 : 'errorfiles': status code '302' cannot be customized"},
		{name: "section bad code", text: "http-errors site\n    errorfile 999 @A\n", wantErr: "haproxy.cfg:2 : 'errorfile': status code '999' cannot be customized"},
		{name: "section missing file", text: "http-errors site\n    errorfile 503 /nonexistent/x.http\n", wantErr: "haproxy.cfg:2 : 'errorfile 503': cannot read file"},
		{name: "section other keyword", text: "http-errors site\n    mode http\n", wantErr: "haproxy.cfg:2 : "},
		{name: "section without name", text: "http-errors\n    errorfile 503 @A\n", wantErr: "haproxy.cfg:1 : "},
		{name: "duplicate section", text: "http-errors site\nhttp-errors site\n", wantErr: "haproxy.cfg:2 : http-errors section 'site' has the same name"},
		{name: "errorloc bad code", text: "frontend fe\n    errorloc 200x /x\n", wantErr: "haproxy.cfg:2 : 'errorloc': status code '200x' cannot be customized"},
		{name: "errorloc missing url", text: "frontend fe\n    errorloc303 503\n", wantErr: "haproxy.cfg:2 : "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := loadText(t, "haproxy.cfg", errorsConfig(t, tc.text))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[int]string{}
			for code, page := range s.Frontends[0].ErrorFiles {
				got[code] = string(page)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("error pages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMonitorFail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    []*Cond
		wantErr string
	}{
		{
			name: "conditions in order",
			body: "acl down nbsrv(be) lt 1\n    monitor fail if down\n    monitor fail unless TRUE",
			want: []*Cond{
				{Pos: posAt("haproxy.cfg", 5), Words: []string{"down"}},
				{Pos: posAt("haproxy.cfg", 6), Unless: true, Words: []string{"TRUE"}},
			},
		},
		{name: "no condition", body: "monitor fail", wantErr: "haproxy.cfg:4 : 'monitor fail' expects 'if' or 'unless'"},
		{name: "empty condition", body: "monitor fail if", wantErr: "haproxy.cfg:4 : 'monitor fail': missing condition"},
		{name: "unknown acl", body: "monitor fail if nosuch", wantErr: "haproxy.cfg:4 : "},
		{name: "unknown subkeyword", body: "monitor pass if TRUE", wantErr: "haproxy.cfg:4 : unknown keyword 'monitor pass'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := loadText(t, "haproxy.cfg", "defaults\n    mode http\nfrontend fe\n    "+tc.body+"\n    default_backend be\nbackend be\n")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, s.Frontends[0].MonitorFail); diff != "" {
				t.Errorf("monitor fail (-want +got):\n%s", diff)
			}
		})
	}
}

// monitor fail belongs to frontends only, as in HAProxy.
func TestMonitorFailInBackend(t *testing.T) {
	t.Parallel()
	_, err := loadText(t, "haproxy.cfg", "defaults\n    mode http\n    monitor fail if TRUE\n")
	if err == nil || !strings.Contains(err.Error(), "haproxy.cfg:3 : ") {
		t.Fatalf("error %v, want one at line 3", err)
	}
}
