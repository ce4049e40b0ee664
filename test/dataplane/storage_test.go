package dataplane

import (
	"bytes"
	"crypto/tls"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// upload POSTs a file as the multipart field file_upload.
func (a *api) upload(status int, path, name string, data []byte) reply {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file_upload", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", a.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.SetBasicAuth(a.user, a.pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	recordReply(a, "POST", path, r)
	if r.Status != status {
		a.t.Fatalf("POST %s: status %d, want %d; body: %s", path, r.Status, status, r.Body)
	}
	return r
}

// servedCN is the subject CN a TLS client is served at addr.
func servedCN(t *testing.T, addr string) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// TestStorageCertificates replaces a certificate in use through storage:
// TLS clients see the new one at once, without a reload.
func TestStorageCertificates(t *testing.T) {
	t.Parallel()
	one := lbtest.NewBackend(t, "one")
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "dp ca")
	first := tlstest.New(t, tlstest.Opts{CN: "one.example", DNSNames: []string{"one.example"}}, ca)
	second := tlstest.New(t, tlstest.Opts{CN: "two.example", DNSNames: []string{"two.example"}}, ca)
	crt := tlstest.Write(t, dir, "site.pem", first.PEM())
	cfg := baseCfg + "\nfrontend secure\n    bind ${tls} ssl crt " + crt + "\n    default_backend app\n"
	a := startAPI(t, cfg, lbtest.Vars{"s1": one.Addr}, "--ssl-certs-dir", dir)
	certs := "/services/haproxy/storage/ssl_certificates"

	list := jsonOf[[]map[string]any](t, a.must(200, "GET", certs, ""))
	if len(list) != 1 || list[0]["storage_name"] != "site.pem" || list[0]["status"] != "used" || list[0]["domains"] != "one.example" {
		t.Fatalf("certificates: %v", list)
	}
	if cn := servedCN(t, a.proc.Addr("tls")); cn != "one.example" {
		t.Fatalf("before: %q", cn)
	}
	r := a.must(200, "PUT", certs+"/site.pem", string(second.PEM()))
	if m := jsonOf[map[string]any](t, r); m["domains"] != "two.example" {
		t.Errorf("PUT answer: %v", m)
	}
	if cn := servedCN(t, a.proc.Addr("tls")); cn != "two.example" {
		t.Errorf("after PUT: %q", cn)
	}
	if b, _ := os.ReadFile(crt); !bytes.Equal(b, second.PEM()) {
		t.Errorf("file not replaced")
	}
	// Garbage is refused and changes nothing; a certificate in use stays.
	a.must(400, "PUT", certs+"/site.pem", "not a certificate")
	a.must(409, "DELETE", certs+"/site.pem", "")
	if cn := servedCN(t, a.proc.Addr("tls")); cn != "two.example" {
		t.Errorf("after refused changes: %q", cn)
	}
	// Upload, read, delete an unused one.
	r = a.upload(201, certs, "other.pem", first.PEM())
	if m := jsonOf[map[string]any](t, r); m["status"] != "unused" || m["file"] != filepath.Join(dir, "other.pem") {
		t.Errorf("upload answer: %v", m)
	}
	a.upload(409, certs, "other.pem", first.PEM())
	a.upload(400, certs, "bad.pem", []byte("junk"))
	a.must(200, "GET", certs+"/other.pem", "")
	a.must(204, "DELETE", certs+"/other.pem", "")
	a.must(404, "GET", certs+"/other.pem", "")
	a.must(404, "GET", certs+"/.hidden", "")

	// The usual way to serve a new site: upload its certificate, then add
	// a bind that uses it (a configuration change, applied live).
	third := tlstest.New(t, tlstest.Opts{CN: "three.example", DNSNames: []string{"three.example"}}, ca)
	m := jsonOf[map[string]any](t, a.upload(201, certs, "three.pem", third.PEM()))
	addr := lbtest.FreeAddr(t)
	host, port, _ := strings.Cut(addr, ":")
	a.must(201, "POST", cfgPath+"/frontends/web/binds?version="+a.version(),
		`{"name":"tls3","address":"`+host+`","port":`+port+`,"ssl":true,"ssl_certificate":"`+m["file"].(string)+`"}`)
	if cn := servedCN(t, addr); cn != "three.example" {
		t.Errorf("new bind serves %q", cn)
	}
	if m := jsonOf[map[string]any](t, a.must(200, "GET", certs+"/three.pem", "")); m["status"] != "used" {
		t.Errorf("three.pem once a bind uses it: %v", m)
	}
	a.must(409, "DELETE", certs+"/three.pem", "")

	// The storage groups have index pages.
	for _, p := range []string{"/services/haproxy/storage", "/services/haproxy/runtime", "/services/haproxy/stats", "/services/haproxy/spoe"} {
		if l := jsonOf[[]map[string]any](t, a.must(200, "GET", p, "")); len(l) == 0 {
			t.Errorf("%s: empty index", p)
		}
	}
}

// TestStorageMapsAndFiles uploads a map, routes with it, replaces it
// (routing follows at once, no reload), and stores general and SPOE
// files.
func TestStorageMapsAndFiles(t *testing.T) {
	t.Parallel()
	one, green := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "green")
	a := startAPI(t, baseCfg+"\nbackend green\n    server g1 ${green}\n", lbtest.Vars{"s1": one.Addr, "green": green.Addr})
	maps := "/services/haproxy/storage/maps"
	m := jsonOf[map[string]any](t, a.upload(201, maps, "hosts.map", []byte("b.example green\n")))
	file, _ := m["file"].(string)
	if m["storage_name"] != "hosts.map" || filepath.Dir(file) != filepath.Join(filepath.Dir(a.proc.Path()), "maps") {
		t.Fatalf("upload: %v", m)
	}
	// Route with it (a configuration change).
	raw := a.must(200, "GET", cfgPath+"/raw", "").Body
	raw = strings.Replace(raw, "    default_backend app\n", "    use_backend %[req.hdr(host),lower,map("+file+",app)]\n    default_backend app\n", 1)
	a.must(201, "POST", cfgPath+"/raw?version="+a.version(), raw)
	url := a.proc.URL("web", "/")
	if r := lbtest.Get(t, url, "Host: b.example"); r.Body != "green" {
		t.Fatalf("b.example: %q", r.Body)
	}
	v := a.version()
	a.must(200, "PUT", maps+"/hosts.map", "c.example green\n")
	if r := lbtest.Get(t, url, "Host: b.example"); r.Body != "one" {
		t.Errorf("b.example after replace: %q", r.Body)
	}
	if r := lbtest.Get(t, url, "Host: c.example"); r.Body != "green" {
		t.Errorf("c.example after replace: %q", r.Body)
	}
	if a.version() != v {
		t.Errorf("replacing a map changed the configuration version")
	}
	if r := a.must(200, "GET", maps+"/hosts.map", ""); r.Body != "c.example green\n" {
		t.Errorf("GET map: %q", r.Body)
	}
	a.must(409, "DELETE", maps+"/hosts.map", "")

	gen := "/services/haproxy/storage/general"
	a.upload(201, gen, "page.html", []byte("<p>hi</p>"))
	a.must(200, "PUT", gen+"/page.html", "<p>bye</p>")
	if r := a.must(200, "GET", gen+"/page.html", ""); r.Body != "<p>bye</p>" {
		t.Errorf("general file: %q", r.Body)
	}
	if l := jsonOf[[]map[string]any](t, a.must(200, "GET", gen, "")); len(l) != 1 || l[0]["storage_name"] != "page.html" {
		t.Errorf("general list: %v", l)
	}
	a.must(204, "DELETE", gen+"/page.html", "")

	spoe := "/services/haproxy/spoe/spoe_files"
	a.upload(201, spoe, "agent.conf", []byte("[agent]\n"))
	if l := jsonOf[[]string](t, a.must(200, "GET", spoe, "")); len(l) != 1 || l[0] != "agent.conf" {
		t.Errorf("spoe list: %v", l)
	}
	a.must(204, "DELETE", spoe+"/agent.conf", "")
}
