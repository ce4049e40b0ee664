package tlsconf

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
)

// handshake runs a TLS handshake between b and a client sending sni, and
// returns the CN of the certificate served.
func handshake(t *testing.T, b *Bind, client *tls.Config) (string, error) {
	t.Helper()
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	srv := tls.Server(c2, b.Config())
	done := make(chan error, 1)
	go func() { done <- srv.Handshake(); c2.Close() }()
	cl := tls.Client(c1, client)
	err := cl.Handshake()
	<-done
	if err != nil {
		return "", err
	}
	return cl.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
}

func clientConf(sni string) *tls.Config {
	return &tls.Config{ServerName: sni, InsecureSkipVerify: true}
}

type certSet struct {
	dir string
	ca  *tlstest.Cert
}

func (s *certSet) leaf(t *testing.T, name string, o tlstest.Opts) string {
	if o.CN == "" {
		o.CN = name
	}
	c := tlstest.New(t, o, s.ca)
	return tlstest.Write(t, s.dir, name+".pem", c.PEM())
}

func TestSNISelection(t *testing.T) {
	t.Parallel()
	s := &certSet{dir: t.TempDir(), ca: tlstest.NewCA(t, "ca")}
	first := s.leaf(t, "first", tlstest.Opts{DNSNames: []string{"first.test"}})
	exact := s.leaf(t, "exact", tlstest.Opts{DNSNames: []string{"www.example.com"}})
	wild := s.leaf(t, "wild", tlstest.Opts{DNSNames: []string{"*.example.com"}})
	cnonly := s.leaf(t, "cn.example.org", tlstest.Opts{})
	listed := s.leaf(t, "listed", tlstest.Opts{DNSNames: []string{"ignored.test"}})
	neg := s.leaf(t, "neg", tlstest.Opts{DNSNames: []string{"*.neg.test"}})
	list := tlstest.Write(t, s.dir, "list.txt", []byte(
		"# comment\n\n"+listed+" [alpn h2] api.test *.api.test\n"+neg+" !secret.neg.test\n"))
	g := &config.Global{}
	b, err := NewBind(NewStore(), &config.BindTLS{SSL: true, Crts: []string{first, exact, wild, cnonly}, CrtLists: []string{list}}, g, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	strict, err := NewBind(NewStore(), &config.BindTLS{SSL: true, Crts: []string{first, exact}, StrictSNI: true}, g, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	withDefault, err := NewBind(NewStore(), &config.BindTLS{SSL: true, Crts: []string{first, exact}, DefaultCrts: []string{wild}}, g, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, sni, want string
		b               *Bind
		wantErr         bool
	}{
		{name: "exact", sni: "www.example.com", want: "exact"},
		{name: "exact case", sni: "WWW.Example.COM", want: "exact"},
		{name: "wildcard", sni: "img.example.com", want: "wild"},
		{name: "wildcard one label only", sni: "a.b.example.com", want: "first"},
		{name: "cn when no san", sni: "cn.example.org", want: "cn.example.org"},
		{name: "no sni default", sni: "", want: "first"},
		{name: "unknown default", sni: "nope.test", want: "first"},
		{name: "crt-list filter", sni: "api.test", want: "listed"},
		{name: "crt-list wildcard filter", sni: "v1.api.test", want: "listed"},
		{name: "crt-list filter replaces cert names", sni: "ignored.test", want: "first"},
		{name: "negative filter", sni: "secret.neg.test", want: "first"},
		{name: "negative filter others", sni: "open.neg.test", want: "neg"},
		{name: "strict match", sni: "www.example.com", want: "exact", b: strict},
		{name: "strict no match", sni: "nope.test", b: strict, wantErr: true},
		{name: "strict no sni", sni: "", b: strict, wantErr: true},
		{name: "default-crt without sni", sni: "", b: withDefault, want: "wild"},
		{name: "default-crt unknown name", sni: "nope.test", b: withDefault, want: "wild"},
		{name: "default-crt also serves its names", sni: "x.example.com", b: withDefault, want: "wild"},
		{name: "default-crt exact still wins", sni: "www.example.com", b: withDefault, want: "exact"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bb := b
			if tc.b != nil {
				bb = tc.b
			}
			got, err := handshake(t, bb, clientConf(tc.sni))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("handshake succeeded with %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCrtListOptionsApply(t *testing.T) {
	t.Parallel()
	s := &certSet{dir: t.TempDir(), ca: tlstest.NewCA(t, "ca")}
	a := s.leaf(t, "a", tlstest.Opts{DNSNames: []string{"a.test"}})
	h2 := s.leaf(t, "h2", tlstest.Opts{DNSNames: []string{"h2.test"}})
	list := tlstest.Write(t, s.dir, "list.txt", []byte(h2+" [alpn h2 ssl-min-ver TLSv1.3]\n"))
	b, err := NewBind(NewStore(), &config.BindTLS{SSL: true, Crts: []string{a}, CrtLists: []string{list}, ALPN: []string{"http/1.1"}}, &config.Global{}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ sni, proto string }{{"a.test", "http/1.1"}, {"h2.test", "h2"}} {
		c1, c2 := net.Pipe()
		go func() { tls.Server(c2, b.Config()).Handshake(); c2.Close() }()
		conf := clientConf(tc.sni)
		conf.NextProtos = []string{"h2", "http/1.1"}
		cl := tls.Client(c1, conf)
		if err := cl.Handshake(); err != nil {
			t.Fatal(err)
		}
		if got := cl.ConnectionState().NegotiatedProtocol; got != tc.proto {
			t.Errorf("%s: alpn %q, want %q", tc.sni, got, tc.proto)
		}
		c1.Close()
	}
	// TLS 1.2 is refused for h2.test only.
	conf := clientConf("h2.test")
	conf.MaxVersion = tls.VersionTLS12
	if _, err := handshake(t, b, conf); err == nil {
		t.Error("TLS 1.2 accepted for a crt-list line with ssl-min-ver TLSv1.3")
	}
}

func TestRSAAndECDSAForOneName(t *testing.T) {
	t.Parallel()
	s := &certSet{dir: t.TempDir(), ca: tlstest.NewCA(t, "ca")}
	ec := s.leaf(t, "ecdsa", tlstest.Opts{DNSNames: []string{"dual.test"}})
	rsa := s.leaf(t, "rsa", tlstest.Opts{DNSNames: []string{"dual.test"}, RSA: true})
	b, err := NewBind(NewStore(), &config.BindTLS{SSL: true, Crts: []string{ec, rsa}}, &config.Global{}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := handshake(t, b, clientConf("dual.test")); err != nil || got != "ecdsa" {
		t.Errorf("modern client: %q, %v", got, err)
	}
	conf := clientConf("dual.test")
	conf.MaxVersion = tls.VersionTLS12
	conf.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	if got, err := handshake(t, b, conf); err != nil || got != "rsa" {
		t.Errorf("RSA-only client: %q, %v", got, err)
	}
}

func TestReplace(t *testing.T) {
	t.Parallel()
	s := &certSet{dir: t.TempDir(), ca: tlstest.NewCA(t, "ca")}
	p := s.leaf(t, "old", tlstest.Opts{DNSNames: []string{"site.test"}})
	other := s.leaf(t, "other", tlstest.Opts{DNSNames: []string{"other.test"}})
	store := NewStore()
	b, err := NewBind(store, &config.BindTLS{SSL: true, Crts: []string{other, p}}, &config.Global{}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := handshake(t, b, clientConf("site.test")); got != "old" {
		t.Fatalf("before: %q", got)
	}
	// The new certificate also serves a new name: the SNI index follows.
	nc := tlstest.New(t, tlstest.Opts{CN: "new", DNSNames: []string{"site.test", "new.test"}}, s.ca)
	if err := store.Replace(p, nc.PEM()); err != nil {
		t.Fatal(err)
	}
	for _, sni := range []string{"site.test", "new.test"} {
		if got, err := handshake(t, b, clientConf(sni)); got != "new" {
			t.Errorf("after, %s: %q %v", sni, got, err)
		}
	}
	if err := store.Replace(p, nc.CertPEM); err == nil {
		t.Error("replacement without a key accepted")
	}
	if err := store.Replace(filepath.Join(s.dir, "unknown.pem"), nc.PEM()); err == nil {
		t.Error("replacement of an unknown path accepted")
	}
	// Reloading the unchanged file keeps the runtime replacement; a
	// changed file wins.
	if _, err := store.Load(p); err != nil || store.Get(p).Cert().Leaf().Subject.CommonName != "new" {
		t.Errorf("reload of unchanged file dropped the replacement")
	}
	disk := tlstest.New(t, tlstest.Opts{CN: "disk", DNSNames: []string{"site.test"}}, s.ca)
	tlstest.Write(t, s.dir, "old.pem", disk.PEM())
	if _, err := store.Load(p); err != nil || store.Get(p).Cert().Leaf().Subject.CommonName != "disk" {
		t.Errorf("reload of a changed file kept the old certificate")
	}
}

func TestPEMErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "ca")
	a := tlstest.New(t, tlstest.Opts{CN: "a"}, ca)
	b := tlstest.New(t, tlstest.Opts{CN: "b"}, ca)
	split := tlstest.Write(t, dir, "split.pem", a.CertPEM)
	tlstest.Write(t, dir, "split.pem.key", a.KeyPEM)
	tests := []struct {
		name, data, want string
	}{
		{name: "ok", data: string(a.PEM())},
		{name: "key first", data: string(a.KeyPEM) + string(a.CertPEM)},
		{name: "no certificate", data: string(a.KeyPEM), want: "no certificate found"},
		{name: "no key", data: string(a.CertPEM), want: "no private key"},
		{name: "key mismatch", data: string(a.CertPEM) + string(b.KeyPEM), want: "does not match"},
		{name: "garbage", data: "hello", want: "no certificate found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tlstest.Write(t, dir, strings.ReplaceAll(tc.name, " ", "_")+".pem", []byte(tc.data))
			_, err := NewStore().Load(p)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("got %v, want %q naming the file", err, tc.want)
			}
		})
	}
	if _, err := NewStore().Load(split); err != nil {
		t.Errorf("key in .key file: %v", err)
	}
	if _, err := NewStore().Load(filepath.Join(dir, "missing.pem")); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("missing file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "unreadable.pem"), a.PEM(), 0)
	if os.Getuid() != 0 {
		if _, err := NewStore().Load(filepath.Join(dir, "unreadable.pem")); err == nil {
			t.Error("unreadable file loaded")
		}
	}
}

func TestParseCrtList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []CrtListLine
		err      string
	}{
		{name: "plain", in: "a.pem\n", want: []CrtListLine{{Line: 1, Path: "/base/a.pem"}}},
		{name: "absolute", in: "/x/a.pem\n", want: []CrtListLine{{Line: 1, Path: "/x/a.pem"}}},
		{name: "filters and comments", in: "# c\n\na.pem www.test *.Img.test !bad.img.test\n",
			want: []CrtListLine{{Line: 3, Path: "/base/a.pem", Filters: []string{"www.test", "*.img.test"}, Negs: []string{"bad.img.test"}}}},
		{name: "options", in: "a.pem [alpn h2,http/1.1 verify required] api.test\n",
			want: []CrtListLine{{Line: 1, Path: "/base/a.pem", Opts: []string{"alpn", "h2,http/1.1", "verify", "required"}, Filters: []string{"api.test"}}}},
		{name: "empty options", in: "a.pem []\n", want: []CrtListLine{{Line: 1, Path: "/base/a.pem", Opts: []string{}}}},
		{name: "unclosed", in: "a.pem [alpn h2\n", err: "line 1: missing ']'"},
		{name: "unknown option", in: "a.pem\nb.pem [foo]\n", err: "line 2: unknown option 'foo'"},
		{name: "unsupported option", in: "a.pem [ocsp-update on]\n", err: "'ocsp-update' is not supported by hawser"},
		{name: "missing arg", in: "a.pem [alpn]\n", err: "expects an argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseCrtList("list.txt", "/base", []byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		def, o   config.TLSOptions
		min, max uint16
		suites   []uint16
		curves   []tls.CurveID
		warn     string
		err      bool
	}{
		{name: "defaults", min: tls.VersionTLS12, max: tls.VersionTLS13},
		{name: "min from global", def: config.TLSOptions{MinVer: "TLSv1.3"}, min: tls.VersionTLS13, max: tls.VersionTLS13},
		{name: "line overrides global", def: config.TLSOptions{MinVer: "TLSv1.3"}, o: config.TLSOptions{MinVer: "TLSv1.0"}, min: tls.VersionTLS10, max: tls.VersionTLS13},
		{name: "sslv3 maps to tls10", o: config.TLSOptions{MinVer: "SSLv3"}, min: tls.VersionTLS10, max: tls.VersionTLS13},
		{name: "no-tlsv13", o: config.TLSOptions{No: []string{"tlsv13"}}, min: tls.VersionTLS12, max: tls.VersionTLS12},
		{name: "force", o: config.TLSOptions{Force: "tlsv12"}, min: tls.VersionTLS12, max: tls.VersionTLS12},
		{name: "all disabled", o: config.TLSOptions{No: []string{"tlsv12", "tlsv13"}}, err: true},
		{name: "hole", o: config.TLSOptions{MinVer: "TLSv1.1", No: []string{"tlsv12"}}, min: tls.VersionTLS11, max: tls.VersionTLS13, warn: "cannot be disabled"},
		{name: "ciphers", o: config.TLSOptions{Ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:!aNULL:HIGH:DHE-RSA-AES128-GCM-SHA256"},
			min: tls.VersionTLS12, max: tls.VersionTLS13,
			suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}, warn: "DHE-RSA-AES128-GCM-SHA256"},
		{name: "curves", o: config.TLSOptions{Curves: "X25519:prime256v1:brainpoolP256r1"}, min: tls.VersionTLS12, max: tls.VersionTLS13,
			curves: []tls.CurveID{tls.X25519, tls.CurveP256}, warn: "brainpoolP256r1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &tls.Config{}
			warns, err := applyOpts(c, mergeOpts(tc.def, tc.o))
			if tc.err {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.MinVersion != tc.min || c.MaxVersion != tc.max {
				t.Errorf("versions %x-%x, want %x-%x", c.MinVersion, c.MaxVersion, tc.min, tc.max)
			}
			if d := cmp.Diff(tc.suites, c.CipherSuites); d != "" {
				t.Error(d)
			}
			if d := cmp.Diff(tc.curves, c.CurvePreferences); d != "" {
				t.Error(d)
			}
			if w := strings.Join(warns, "\n"); tc.warn != "" && !strings.Contains(w, tc.warn) || tc.warn == "" && w != "" {
				t.Errorf("warnings %q, want %q", w, tc.warn)
			}
		})
	}
}

func TestParseIgnore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		has, not []int
		err      bool
	}{
		{in: "all", has: []int{10, 20, 99}},
		{in: "10,20", has: []int{10, 20}, not: []int{18}},
		{in: "X509_V_ERR_CERT_HAS_EXPIRED", has: []int{10}, not: []int{9}},
		{in: "10,bogus", err: true},
	}
	for _, tc := range tests {
		s, err := parseIgnore("crt-ignore-err", tc.in)
		if tc.err != (err != nil) {
			t.Errorf("%q: err %v", tc.in, err)
			continue
		}
		for _, c := range tc.has {
			if !s.has(c) {
				t.Errorf("%q: %d not ignored", tc.in, c)
			}
		}
		for _, c := range tc.not {
			if s.has(c) {
				t.Errorf("%q: %d ignored", tc.in, c)
			}
		}
	}
}
