package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

var updateGolden = flag.Bool("update", false, "rewrite test/e2e/testdata/runtimeapi/*.txt from hawser's answers")

// filesCfg has one of each object the data commands show: a map, an ACL
// file, a stick table and a TLS bind with a crt-list.
const filesCfg = `
global
    stats socket ${sock} mode 600 level admin
    crt-base ${dir}
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind ${fe}
    bind ${tls} ssl crt-list ${dir}/sites.list
    acl blocked src -f ${dir}/blocked.acl
    http-request deny if blocked
    http-request track-sc0 src table st
    http-request set-header X-Pool %[req.hdr(host),map_dom(${dir}/hosts.map,pool0)]
    default_backend app
backend st
    stick-table type ip size 1k expire 10m store http_req_cnt,gpc0
backend app
    server s1 ${s1}
`

// TestRuntimeAPIFiles runs show commands (and the edits between them)
// against a real hawser over its socket and compares each answer with
// testdata/runtimeapi/<name>.txt. Values that change from run to run
// (the temporary directory and configuration file, expiry times, certificate serials, dates and
// fingerprints) are replaced by placeholders first. The steps share one
// process and run in order: each sees the edits of the ones before.
func TestRuntimeAPIFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "golden ca")
	tlstest.Write(t, dir, "a.pem", tlstest.New(t, tlstest.Opts{CN: "a.example", DNSNames: []string{"a.example", "www.a.example"}}, ca).PEM())
	tlstest.Write(t, dir, "b.pem", tlstest.New(t, tlstest.Opts{CN: "b.example", DNSNames: []string{"b.example"}}, ca).PEM())
	tlstest.Write(t, dir, "sites.list", []byte("a.pem\n# b serves only its own name, in h2\nb.pem [alpn h2] b.example !x.b.example\n"))
	tlstest.Write(t, dir, "hosts.map", []byte("# host to pool\nexample.com pool1\nexample.org pool2\n"))
	tlstest.Write(t, dir, "blocked.acl", []byte("192.0.2.0/24\n198.51.100.7\n"))
	s1 := lbtest.NewBackend(t, "s1")
	sock := filepath.Join(dir, "hawser.sock")
	p := lbtest.Start(t, lbtest.ClearOnly+filesCfg, lbtest.Vars{"sock": sock, "dir": dir, "s1": s1.Addr})
	lbtest.WaitUntil(t, "hawser's socket", 20e9, func() bool {
		_, err := os.Stat(sock)
		return err == nil
	})
	// One request puts 127.0.0.1 in the stick table.
	if r := lbtest.Get(t, p.URL("fe", "/"), "Host: www.example.com"); r.Status != 200 {
		t.Fatalf("request: %d", r.Status)
	}

	normalize := strings.NewReplacer(p.Path(), "${cfg}", dir, "${dir}")
	volatile := []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`exp=\d+`), "exp=<ms>"},
		{regexp.MustCompile(`(?m)^0x[0-9a-f]+: key=`), "<ptr>: key="},
		{regexp.MustCompile(`(?m)^Serial: [0-9A-F]+$`), "Serial: <serial>"},
		{regexp.MustCompile(`(?m)^(notBefore|notAfter): .*$`), "$1: <date>"},
		{regexp.MustCompile(`(?m)^SHA1 FingerPrint: [0-9A-F]+$`), "SHA1 FingerPrint: <sha1>"},
	}
	steps := []struct {
		name string
		cmds []string // sent one per connection, answers concatenated
	}{
		{"show_map_list", []string{"show map"}},
		{"show_map", []string{"show map ${dir}/hosts.map"}},
		{"get_map", []string{"get map ${dir}/hosts.map www.example.org", "get map ${dir}/hosts.map nowhere.net"}},
		{"map_edits", []string{
			"add map ${dir}/hosts.map example.net pool3",
			"set map ${dir}/hosts.map example.com pool9",
			"del map ${dir}/hosts.map example.org",
			"del map ${dir}/hosts.map absent.example",
			"show map ${dir}/hosts.map",
		}},
		{"map_versions", []string{
			"prepare map ${dir}/hosts.map",
			"add map @1 ${dir}/hosts.map example.edu pool4",
			"show map @1 ${dir}/hosts.map",
			"commit map @1 ${dir}/hosts.map",
			"show map",
			"show map ${dir}/hosts.map",
		}},
		{"show_acl", []string{"show acl", "show acl ${dir}/blocked.acl", "get acl ${dir}/blocked.acl 192.0.2.9", "get acl ${dir}/blocked.acl 10.0.0.1"}},
		{"show_table", []string{"show table", "show table st"}},
		{"table_edits", []string{
			"set table st key 10.0.0.1 data.gpc0 5",
			"show table st data.gpc0 gt 0",
			"show table st key 127.0.0.1",
			"clear table st key 10.0.0.1",
			"show table st",
		}},
		{"show_ssl_cert", []string{"show ssl cert", "show ssl cert ${dir}/a.pem"}},
		{"show_crt_list", []string{"show ssl crt-list", "show ssl crt-list ${dir}/sites.list", "show ssl crt-list -n ${dir}/sites.list"}},
		{"crt_list_edits", []string{
			"add ssl crt-list ${dir}/sites.list ${dir}/b.pem",
			"show ssl crt-list -n ${dir}/sites.list",
			"del ssl crt-list ${dir}/sites.list ${dir}/b.pem",
			"del ssl crt-list ${dir}/sites.list ${dir}/b.pem:5",
			"del ssl crt-list ${dir}/sites.list ${dir}/a.pem",
			"show ssl crt-list -n ${dir}/sites.list",
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			var out strings.Builder
			for _, c := range st.cmds {
				c = strings.ReplaceAll(c, "${dir}", dir)
				out.WriteString("> " + normalize.Replace(c) + "\n")
				out.WriteString(cli(t, "unix", sock, c))
			}
			got := normalize.Replace(out.String())
			for _, v := range volatile {
				got = v.re.ReplaceAllString(got, v.with)
			}
			file := filepath.Join("testdata", "runtimeapi", st.name+".txt")
			if *updateGolden {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("answer differs from %s:\n--- got\n%s--- want\n%s", file, got, want)
			}
		})
	}
}
