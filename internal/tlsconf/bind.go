package tlsconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
)

// Bind is the TLS side of one bind line: its certificates, in the order
// the line names them, and the configuration each handshake gets.
type Bind struct {
	store *Store
	// refs are the certificates of crt and default-crt, fixed for the
	// generation; the crt-lists' lines are read at each index rebuild,
	// as the runtime API may change them.
	refs  []*certRef
	lists []*CrtList
	// defs are the certificates served when no SNI matches: the
	// default-crt ones, else the first certificate of the line.
	defs   []*certRef
	strict bool
	conf   *tls.Config
	idx    atomic.Pointer[sniIndex]
	// Warnings are settings Go could not honour exactly, for the log.
	Warnings []string

	// What a crt-list line needs to become a certRef; lineRefs caches
	// them by line so that a rebuild keeps the configurations (and their
	// session ticket keys) of unchanged lines. Guarded by mu, taken only
	// when the index is rebuilt.
	t        *config.BindTLS
	g        *config.Global
	defALPN  []string
	base     *tls.Config
	baseV    *clientVerifier
	mu       sync.Mutex
	lineRefs map[*CrtListLine]*certRef
	// lineWarns collects the warnings of lines built by NewBind.
	lineWarns []string
}

// certRef is one certificate of a bind line with its SNI filters (from a
// crt-list line) and the configuration of handshakes that pick it.
type certRef struct {
	e             *Entry
	filters, negs []string
	conf          *tls.Config
	// verifier, set with ca-ignore-err or crt-ignore-err, checks client
	// certificates in a per-handshake copy of conf.
	verifier *clientVerifier
}

// sniIndex maps server names to certificates. It is rebuilt when the
// store's version changes (a certificate was replaced, a crt-list
// edited).
type sniIndex struct {
	ver   uint64
	defs  []*certRef
	exact map[string][]*certRef
	// wild is keyed by the part after "*.".
	wild map[string][]*certRef
	// all are the bind's certificates in line order.
	all []*certRef
}

// ErrNoCertificate fails a handshake that no certificate matches under
// strict-sni.
var ErrNoCertificate = errors.New("no certificate matches the requested server name")

// Served records which certificate a handshake served, for the ssl_f_*
// fetches; pass it with WithServed in the handshake's context.
type Served struct {
	Cert *Cert
	// Verify is the client certificate verification outcome when
	// errors may be ignored (ca-ignore-err, crt-ignore-err).
	Verify Verify
}

type servedKey struct{}

// WithServed returns a context that makes the bind's handshake record
// its certificate in s.
func WithServed(ctx context.Context, s *Served) context.Context {
	return context.WithValue(ctx, servedKey{}, s)
}

// NewBind loads the certificates of a bind line and builds its
// configuration. defALPN is the protocol list offered when the line sets
// neither alpn nor no-alpn. where names the bind line ("file:line") in
// the runtime API's messages.
func NewBind(store *Store, t *config.BindTLS, g *config.Global, defALPN []string, where string) (*Bind, error) {
	b := &Bind{store: store, strict: t.StrictSNI, t: t, g: g, defALPN: defALPN, lineRefs: map[*CrtListLine]*certRef{}}
	base, baseV, warns, err := serverConfig(t, g, defALPN)
	if err != nil {
		return nil, err
	}
	b.base, b.baseV = base, baseV
	b.Warnings = warns
	add := func(paths []string) ([]*certRef, error) {
		var refs []*certRef
		for _, p := range paths {
			es, err := store.LoadPath(p)
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				r := &certRef{e: e, conf: base, verifier: baseV}
				r.conf = refConfig(r)
				refs = append(refs, r)
			}
		}
		return refs, nil
	}
	defs, err := add(t.DefaultCrts)
	if err != nil {
		return nil, err
	}
	crts, err := add(t.Crts)
	if err != nil {
		return nil, err
	}
	b.refs = append(defs, crts...)
	var first *CrtList
	for _, lp := range t.CrtLists {
		l, err := store.LoadCrtList(lp, g.CrtBase)
		if err != nil {
			return nil, err
		}
		for _, cl := range l.Lines() {
			if _, err := b.lineRef(cl); err != nil {
				return nil, fmt.Errorf("crt-list '%s' line %d: %w", lp, cl.Line, err)
			}
		}
		if first == nil && len(l.Lines()) > 0 {
			first = l
		}
		b.lists = append(b.lists, l)
	}
	b.Warnings = append(b.Warnings, b.lineWarns...)
	b.defs = defs
	if len(b.defs) == 0 && len(b.refs) > 0 {
		b.defs = b.refs[:1]
	}
	// With neither crt nor default-crt, the first line of the first
	// crt-list is the default: the runtime API refuses to delete it.
	for _, l := range b.lists {
		var def *CrtListLine
		if len(b.defs) == 0 && l == first {
			def = l.Lines()[0]
			b.defs = []*certRef{b.lineRefs[def]}
		}
		store.markDefault(l, where, def)
	}
	if len(b.defs) == 0 {
		return nil, fmt.Errorf("'ssl' needs at least one certificate (crt, crt-list or default-crt)")
	}
	ix := b.index()
	for _, rs := range [][]*certRef{b.refs, ix.all} {
		for _, r := range rs {
			if r.e.Cert().Expired(time.Now()) {
				b.Warnings = append(b.Warnings, fmt.Sprintf("certificate '%s' is expired or not yet valid", r.e.Path))
			}
		}
	}
	// Each distinct configuration serves the certificate its
	// GetConfigForClient picked. Copies share base's ticket keys (Go uses
	// the original config's keys when the returned one sets none).
	b.conf = base.Clone()
	b.conf.GetConfigForClient = b.configForClient
	return b, nil
}

// lineRef returns the certRef of a crt-list line, building it on first
// use. The caller holds b.mu or owns b (NewBind).
func (b *Bind) lineRef(cl *CrtListLine) (*certRef, error) {
	if r := b.lineRefs[cl]; r != nil {
		return r, nil
	}
	e := b.store.Get(cl.Path)
	if e == nil || e.Cert() == nil {
		return nil, fmt.Errorf("certificate '%s' is not loaded", cl.Path)
	}
	r := &certRef{e: e, filters: cl.Filters, negs: cl.Negs, conf: b.base, verifier: b.baseV}
	if cl.Opts != nil {
		lt, err := lineTLS(b.t, cl.Opts)
		if err == nil {
			var w []string
			r.conf, r.verifier, w, err = serverConfig(lt, b.g, b.defALPN)
			b.lineWarns = append(b.lineWarns, w...)
		}
		if err != nil {
			return nil, err
		}
	}
	r.conf = refConfig(r)
	b.lineRefs[cl] = r
	return r, nil
}

// refConfig returns a copy of r.conf whose GetCertificate serves r's
// current certificate.
func refConfig(r *certRef) *tls.Config {
	c := r.conf.Clone()
	e := r.e
	c.GetCertificate = func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		cert := e.Cert()
		if s, ok := h.Context().Value(servedKey{}).(*Served); ok {
			s.Cert = cert
		}
		return cert.TLS, nil
	}
	return c
}

// Config returns the configuration to give tls.Server.
func (b *Bind) Config() *tls.Config { return b.conf }

func (b *Bind) configForClient(h *tls.ClientHelloInfo) (*tls.Config, error) {
	r := b.pick(h)
	if r == nil {
		return nil, ErrNoCertificate
	}
	if r.verifier == nil {
		return r.conf, nil
	}
	// ca-ignore-err / crt-ignore-err: the outcome goes to this
	// handshake's Served, so the configuration is per handshake.
	c := r.conf.Clone()
	out := &Verify{}
	if s, ok := h.Context().Value(servedKey{}).(*Served); ok {
		out = &s.Verify
	}
	v := r.verifier
	c.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error { return v.verify(raw, out) }
	return c, nil
}

// pick chooses the certificate for a ClientHello: exact names first, then
// wildcards, then the default (unless strict-sni). Among several
// candidates (an RSA and an ECDSA certificate for one name) the first the
// client supports wins.
func (b *Bind) pick(h *tls.ClientHelloInfo) *certRef {
	ix := b.index()
	name := strings.ToLower(strings.TrimSuffix(h.ServerName, "."))
	if name != "" {
		if r := choose(h, ix.exact[name], name); r != nil {
			return r
		}
		if dot := strings.IndexByte(name, '.'); dot > 0 {
			if r := choose(h, ix.wild[name[dot+1:]], name); r != nil {
				return r
			}
		}
	}
	if b.strict {
		return nil
	}
	return choose(h, ix.defs, "")
}

func choose(h *tls.ClientHelloInfo, refs []*certRef, name string) *certRef {
	var first *certRef
	for _, r := range refs {
		if name != "" && negated(r.negs, name) {
			continue
		}
		if first == nil {
			first = r
		}
		if h.SupportsCertificate(r.e.Cert().TLS) == nil {
			return r
		}
	}
	return first
}

func negated(negs []string, name string) bool {
	for _, n := range negs {
		if n == name {
			return true
		}
		if suf, ok := strings.CutPrefix(n, "*."); ok {
			if dot := strings.IndexByte(name, '.'); dot > 0 && name[dot+1:] == suf {
				return true
			}
		}
	}
	return false
}

func (b *Bind) index() *sniIndex {
	v := b.store.version.Load()
	if ix := b.idx.Load(); ix != nil && ix.ver == v {
		return ix
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	v = b.store.version.Load()
	if ix := b.idx.Load(); ix != nil && ix.ver == v {
		return ix
	}
	ix := &sniIndex{ver: v, exact: map[string][]*certRef{}, wild: map[string][]*certRef{}, defs: b.defs}
	ix.all = append(ix.all, b.refs...)
	live := map[*CrtListLine]bool{}
	for _, l := range b.lists {
		for _, cl := range l.Lines() {
			r, err := b.lineRef(cl)
			if err != nil {
				// Lines are checked when added; a certificate
				// deleted since cannot serve.
				continue
			}
			live[cl] = true
			ix.all = append(ix.all, r)
		}
	}
	for cl := range b.lineRefs {
		if !live[cl] {
			delete(b.lineRefs, cl)
		}
	}
	for _, r := range ix.all {
		names := r.filters
		if len(names) == 0 {
			if c := r.e.Cert(); c != nil {
				names = c.Names
			}
		}
		for _, n := range names {
			if suf, ok := strings.CutPrefix(n, "*."); ok {
				ix.wild[suf] = append(ix.wild[suf], r)
			} else {
				ix.exact[n] = append(ix.exact[n], r)
			}
		}
	}
	b.idx.Store(ix)
	return ix
}

// lineTLS applies a crt-list line's bracketed options to a copy of the
// bind line's settings.
func lineTLS(t *config.BindTLS, opts []string) (*config.BindTLS, error) {
	lt := *t
	lt.Opts.No = append([]string(nil), t.Opts.No...)
	for i := 0; i < len(opts); i++ {
		arg := ""
		if crtListOpts[opts[i]] > 0 {
			arg = opts[i+1]
		}
		switch opts[i] {
		case "alpn":
			lt.ALPN, lt.NoALPN = strings.Split(arg, ","), false
		case "no-alpn":
			lt.ALPN, lt.NoALPN = nil, true
		case "ca-file":
			lt.CAFile = arg
		case "crl-file":
			lt.CRLFile = arg
		case "verify":
			if arg != "none" && arg != "optional" && arg != "required" {
				return nil, fmt.Errorf("'verify' expects none, optional or required, got '%s'", arg)
			}
			lt.Verify = arg
		case "ciphers":
			lt.Opts.Ciphers = arg
		case "ciphersuites":
			lt.Opts.Ciphersuites = arg
		case "curves", "ecdhe":
			lt.Opts.Curves = arg
		case "ssl-min-ver", "ssl-max-ver":
			if versionFlag(arg) == "" {
				return nil, fmt.Errorf("'%s': unknown version '%s'", opts[i], arg)
			}
			if opts[i] == "ssl-min-ver" {
				lt.Opts.MinVer = arg
			} else {
				lt.Opts.MaxVer = arg
			}
		case "no-tls-tickets":
			lt.Opts.NoTLSTickets = true
		}
		if arg != "" {
			i++
		}
	}
	return &lt, nil
}

// serverConfig builds the tls.Config of a bind line, without
// certificates, and the verifier of client certificates when errors may
// be ignored.
func serverConfig(t *config.BindTLS, g *config.Global, defALPN []string) (*tls.Config, *clientVerifier, []string, error) {
	c := &tls.Config{}
	warns, err := applyOpts(c, mergeOpts(g.SSLDefaultBind, t.Opts))
	if err != nil {
		return nil, nil, nil, err
	}
	switch {
	case t.NoALPN:
	case t.ALPN != nil:
		c.NextProtos = t.ALPN
	default:
		c.NextProtos = defALPN
	}
	switch t.Verify {
	case "optional":
		c.ClientAuth = tls.VerifyClientCertIfGiven
	case "required":
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if c.ClientAuth != tls.NoClientCert && t.CAFile == "" {
		return nil, nil, nil, fmt.Errorf("'verify %s' needs a 'ca-file' to verify client certificates with", t.Verify)
	}
	var crl *CRL
	if t.CAFile != "" {
		pool, err := LoadCAs(t.CAFile)
		if err != nil {
			return nil, nil, nil, err
		}
		c.ClientCAs = pool
	}
	if t.CRLFile != "" {
		if crl, err = LoadCRL(t.CRLFile); err != nil {
			return nil, nil, nil, err
		}
		c.VerifyPeerCertificate = crl.verify
	}
	caIgn, err := parseIgnore("ca-ignore-err", t.CAIgnoreErr)
	if err != nil {
		return nil, nil, nil, err
	}
	crtIgn, err := parseIgnore("crt-ignore-err", t.CrtIgnoreErr)
	if err != nil {
		return nil, nil, nil, err
	}
	if c.ClientAuth == tls.NoClientCert || caIgn.empty() && crtIgn.empty() {
		return c, nil, warns, nil
	}
	cas, err := loadCACerts(t.CAFile)
	if err != nil {
		return nil, nil, nil, err
	}
	v := &clientVerifier{roots: c.ClientCAs, cas: cas, crl: crl, ca: caIgn, crt: crtIgn}
	withIgnoreErr(c, t.Verify)
	return c, v, warns, nil
}

// LoadCAs reads a PEM file of CA certificates.
func LoadCAs(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load CA file '%s': %w", path, unwrapPath(err))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("unable to load CA file '%s': no certificate found in the file", path)
	}
	return pool, nil
}

// loadCACerts parses the certificates of a CA file.
func loadCACerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load CA file '%s': %w", path, unwrapPath(err))
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("unable to load CA file '%s': %w", path, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// CRL is a set of revocation lists.
type CRL struct{ lists []*x509.RevocationList }

// LoadCRL reads a PEM (or DER) file of certificate revocation lists.
func LoadCRL(path string) (*CRL, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load CRL file '%s': %w", path, unwrapPath(err))
	}
	c := &CRL{}
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "X509 CRL" {
			continue
		}
		l, err := x509.ParseRevocationList(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("unable to load CRL file '%s': %w", path, err)
		}
		c.lists = append(c.lists, l)
	}
	if len(c.lists) == 0 {
		l, err := x509.ParseRevocationList(data)
		if err != nil {
			return nil, fmt.Errorf("unable to load CRL file '%s': no CRL found in the file", path)
		}
		c.lists = append(c.lists, l)
	}
	return c, nil
}

// verify refuses a verified chain holding a revoked certificate. It is a
// tls.Config.VerifyPeerCertificate callback, so it runs after Go's own
// chain verification.
func (c *CRL) verify(_ [][]byte, chains [][]*x509.Certificate) error {
	for _, chain := range chains {
		for i, cert := range chain {
			if i+1 >= len(chain) {
				break
			}
			issuer := chain[i+1]
			for _, l := range c.lists {
				if string(l.RawIssuer) != string(cert.RawIssuer) || l.CheckSignatureFrom(issuer) != nil {
					continue
				}
				for _, rc := range l.RevokedCertificateEntries {
					if rc.SerialNumber.Cmp(cert.SerialNumber) == 0 {
						return fmt.Errorf("certificate %s is revoked", cert.SerialNumber)
					}
				}
			}
		}
	}
	return nil
}
