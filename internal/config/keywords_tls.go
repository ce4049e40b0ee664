package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// BindTLS is the TLS part of a bind line. Paths are resolved against
// crt-base and ca-base as they are read, as HAProxy does, so a later
// crt-base line does not change them.
type BindTLS struct {
	// SSL is the "ssl" keyword: the listener terminates TLS.
	SSL bool
	// Crts are the crt files or directories, in order; the first
	// certificate loaded is the default one.
	Crts []string `json:",omitempty"`
	// CrtLists are the crt-list files.
	CrtLists []string `json:",omitempty"`
	// DefaultCrts are the default-crt files: the certificates served
	// when no SNI matches (before every crt).
	DefaultCrts []string `json:",omitempty"`
	StrictSNI   bool     `json:",omitempty"`
	// ALPN is the alpn list; nil with NoALPN false means the default.
	ALPN   []string `json:",omitempty"`
	NoALPN bool     `json:",omitempty"`
	CAFile string   `json:",omitempty"`
	// CRLFile is checked against client certificates.
	CRLFile string `json:",omitempty"`
	// Verify is none (default), optional or required.
	Verify string `json:",omitempty"`
	// CAIgnoreErr and CrtIgnoreErr are the ca-ignore-err and
	// crt-ignore-err arguments ("all" or error ids), as given.
	CAIgnoreErr  string `json:",omitempty"`
	CrtIgnoreErr string `json:",omitempty"`
	Opts         TLSOptions
}

// ServerTLS is the TLS part of a server or default-server line.
type ServerTLS struct {
	SSL bool
	// Verify is none or required; "" takes ssl-server-verify (required
	// by default).
	Verify       string `json:",omitempty"`
	VerifyHost   string `json:",omitempty"`
	NoVerifyHost bool   `json:",omitempty"`
	CAFile       string `json:",omitempty"`
	CRLFile      string `json:",omitempty"`
	// Crt is the client certificate presented to the server.
	Crt string `json:",omitempty"`
	// SNI is a sample expression giving the server name to send.
	SNI        string   `json:",omitempty"`
	ALPN       []string `json:",omitempty"`
	NoSSLReuse bool     `json:",omitempty"`
	CheckSSL   bool     `json:",omitempty"`
	CheckSNI   string   `json:",omitempty"`
	CheckALPN  []string `json:",omitempty"`
	Opts       TLSOptions
}

// TLSOptions are the protocol settings shared by bind lines, server lines
// and the global ssl-default-*-options lines.
type TLSOptions struct {
	// MinVer and MaxVer are ssl-min-ver and ssl-max-ver: SSLv3,
	// TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3.
	MinVer string `json:",omitempty"`
	MaxVer string `json:",omitempty"`
	// No are the versions disabled by no-sslv3 ... no-tlsv13, as
	// "sslv3", "tlsv10" ... "tlsv13".
	No []string `json:",omitempty"`
	// Force is the version of force-tlsv1x ("tlsv12").
	Force string `json:",omitempty"`
	// Ciphers is the OpenSSL cipher list for TLS 1.2 and below,
	// Ciphersuites the TLS 1.3 list, Curves the groups (curves, ecdhe).
	Ciphers      string `json:",omitempty"`
	Ciphersuites string `json:",omitempty"`
	Curves       string `json:",omitempty"`
	NoTLSTickets bool   `json:",omitempty"`
	// TLSTickets is set by a server's explicit "tls-tickets".
	TLSTickets bool `json:",omitempty"`
}

// TLSVersions are the version names ssl-min-ver and ssl-max-ver take, in
// order, with the suffix of their no-* and force-* keywords.
var TLSVersions = []struct{ Name, Flag string }{
	{"SSLv3", "sslv3"}, {"TLSv1.0", "tlsv10"}, {"TLSv1.1", "tlsv11"}, {"TLSv1.2", "tlsv12"}, {"TLSv1.3", "tlsv13"},
}

func (t *BindTLS) clone() *BindTLS {
	if t == nil {
		return nil
	}
	c := *t
	c.Crts, c.CrtLists, c.DefaultCrts = slices.Clone(t.Crts), slices.Clone(t.CrtLists), slices.Clone(t.DefaultCrts)
	c.ALPN = slices.Clone(t.ALPN)
	c.Opts = t.Opts.clone()
	return &c
}

func (t *ServerTLS) clone() *ServerTLS {
	if t == nil {
		return nil
	}
	c := *t
	c.ALPN, c.CheckALPN = slices.Clone(t.ALPN), slices.Clone(t.CheckALPN)
	c.Opts = t.Opts.clone()
	return &c
}

func (o TLSOptions) clone() TLSOptions {
	o.No = slices.Clone(o.No)
	return o
}

// bindTLS returns the bind line's TLS settings, creating them.
func bindTLS(c *lineCtx) *BindTLS {
	if c.bind.TLS == nil {
		c.bind.TLS = &BindTLS{}
	}
	return c.bind.TLS
}

// srvTLS returns the server line's TLS settings, creating them (a server
// line starts with a deep copy of default-server's, see cloneServer).
func srvTLS(c *lineCtx) *ServerTLS {
	if c.srv.TLS == nil {
		c.srv.TLS = &ServerTLS{}
	}
	return c.srv.TLS
}

// basePath resolves a relative path against a crt-base or ca-base
// directory.
func basePath(base, p string) string {
	if base == "" || p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// tlsVersionArg checks a ssl-min-ver / ssl-max-ver argument.
func tlsVersionArg(kw, v string) error {
	for _, tv := range TLSVersions {
		if tv.Name == v {
			return nil
		}
	}
	return fmt.Errorf("'%s': unknown version '%s' (expects SSLv3, TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3)", kw, v)
}

// applyTLSOption applies one protocol option word (and its argument) to
// o; it reports how many arguments it consumed, or -1 when word is not a
// protocol option.
func applyTLSOption(o *TLSOptions, word string, args []string) (int, error) {
	one := func(set func(string) error) (int, error) {
		if len(args) < 1 {
			return 0, fmt.Errorf("'%s' expects an argument", word)
		}
		return 1, set(args[0])
	}
	switch word {
	case "ssl-min-ver":
		return one(func(v string) error { o.MinVer = v; return tlsVersionArg(word, v) })
	case "ssl-max-ver":
		return one(func(v string) error { o.MaxVer = v; return tlsVersionArg(word, v) })
	case "ciphers":
		return one(func(v string) error { o.Ciphers = v; return nil })
	case "ciphersuites":
		return one(func(v string) error { o.Ciphersuites = v; return nil })
	case "curves", "ecdhe":
		return one(func(v string) error { o.Curves = v; return nil })
	case "no-tls-tickets":
		o.NoTLSTickets = true
		return 0, nil
	case "tls-tickets":
		o.NoTLSTickets, o.TLSTickets = false, true
		return 0, nil
	case "prefer-client-ciphers":
		// Go orders TLS 1.2 suites by what the hardware does fastest
		// and ignores preference settings; accepted as harmless.
		return 0, nil
	}
	for _, tv := range TLSVersions {
		switch word {
		case "no-" + tv.Flag:
			if !slices.Contains(o.No, tv.Flag) {
				o.No = append(o.No, tv.Flag)
			}
			return 0, nil
		case "force-" + tv.Flag:
			if tv.Flag == "sslv3" {
				return 0, fmt.Errorf("'force-sslv3' is not supported by hawser (Go does not implement SSLv3)")
			}
			o.Force = tv.Flag
			return 0, nil
		}
	}
	return -1, nil
}

// parseSSLDefaultOptions parses ssl-default-bind-options and
// ssl-default-server-options.
func parseSSLDefaultOptions(o *TLSOptions, args []string) error {
	for len(args) > 0 {
		n, err := applyTLSOption(o, args[0], args[1:])
		if err != nil {
			return err
		}
		if n < 0 {
			return fmt.Errorf("unknown or unsupported option '%s'", args[0])
		}
		args = args[n+1:]
	}
	return nil
}

// bindTLSOpt declares a bind keyword that is a protocol option.
func bindTLSOpt(name string, nargs int, args, help string) *Keyword {
	return &Keyword{Name: name, Scope: ScopeBind, Sections: secRules, NArgs: nargs, Args: args, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			_, err := applyTLSOption(&bindTLS(c).Opts, name, a)
			return err
		}}
}

// srvTLSOpt declares a server keyword that is a protocol option.
func srvTLSOpt(name string, nargs int, args, help string) *Keyword {
	return &Keyword{Name: name, Scope: ScopeServer, Sections: secBE, NArgs: nargs, Args: args, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			_, err := applyTLSOption(&srvTLS(c).Opts, name, a)
			return err
		}}
}

func bindTLSKw(name string, nargs int, args, help string, parse func(c *lineCtx, t *BindTLS, a []string) error) *Keyword {
	return &Keyword{Name: name, Scope: ScopeBind, Sections: secRules, NArgs: nargs, Args: args, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error { return parse(c, bindTLS(c), a) }}
}

func srvTLSKw(name string, nargs int, args, help string, parse func(c *lineCtx, t *ServerTLS, a []string) error) *Keyword {
	return &Keyword{Name: name, Scope: ScopeServer, Sections: secBE, NArgs: nargs, Args: args, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error { return parse(c, srvTLS(c), a) }}
}

func alpnList(kw, s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p == "" || len(p) > 255 {
			return nil, fmt.Errorf("'%s': invalid protocol name in '%s'", kw, s)
		}
		out = append(out, p)
	}
	return out, nil
}

// protoOptions are the keywords bind and server lines share with the
// ssl-default-*-options lines.
var protoOptions = []struct{ name, args, help string }{
	{"ssl-min-ver", "SSLv3|TLSv1.0|TLSv1.1|TLSv1.2|TLSv1.3", "lowest TLS version accepted (SSLv3 and TLSv1.0 map to Go's lowest, TLS 1.0)"},
	{"ssl-max-ver", "SSLv3|TLSv1.0|TLSv1.1|TLSv1.2|TLSv1.3", "highest TLS version accepted"},
	{"ciphers", "<openssl cipher list>", "TLS 1.2 and below cipher suites; names Go does not implement are skipped with a warning"},
	{"ciphersuites", "<suites>", "TLS 1.3 cipher suites (Go always enables all three; accepted and checked)"},
	{"curves", "<curve list>", "key exchange groups, colon separated (X25519, P-256, P-384, P-521, X25519MLKEM768)"},
	{"ecdhe", "<curve>", "key exchange group (same as curves with one name)"},
	{"no-tls-tickets", "", "disable TLS session tickets"},
	{"no-sslv3", "", "disable SSLv3 (Go never offers it)"},
	{"no-tlsv10", "", "disable TLS 1.0"},
	{"no-tlsv11", "", "disable TLS 1.1"},
	{"no-tlsv12", "", "disable TLS 1.2"},
	{"no-tlsv13", "", "disable TLS 1.3"},
	{"force-tlsv10", "", "accept only TLS 1.0"},
	{"force-tlsv11", "", "accept only TLS 1.1"},
	{"force-tlsv12", "", "accept only TLS 1.2"},
	{"force-tlsv13", "", "accept only TLS 1.3"},
}

var tlsKeywords = buildTLSKeywords()

func buildTLSKeywords() []*Keyword {
	kws := []*Keyword{
		// bind
		bindTLSKw("ssl", 0, "", "terminate TLS on this listener", func(c *lineCtx, t *BindTLS, a []string) error {
			t.SSL = true
			return nil
		}),
		bindTLSKw("crt", 1, "<pem file or directory>", "certificate (with key and chain) to serve; a directory loads every file in it; repeatable", func(c *lineCtx, t *BindTLS, a []string) error {
			t.Crts = append(t.Crts, basePath(c.l.snap.Global.CrtBase, a[0]))
			return nil
		}),
		bindTLSKw("crt-list", 1, "<file>", "certificates with per-certificate SNI filters and options, one per line", func(c *lineCtx, t *BindTLS, a []string) error {
			t.CrtLists = append(t.CrtLists, basePath(c.l.snap.Global.CrtBase, a[0]))
			return nil
		}),
		bindTLSKw("default-crt", 1, "<pem file>", "certificate served when no SNI matches; repeatable (one RSA, one ECDSA)", func(c *lineCtx, t *BindTLS, a []string) error {
			t.DefaultCrts = append(t.DefaultCrts, basePath(c.l.snap.Global.CrtBase, a[0]))
			return nil
		}),
		bindTLSKw("strict-sni", 0, "", "refuse handshakes whose SNI matches no certificate", func(c *lineCtx, t *BindTLS, a []string) error {
			t.StrictSNI = true
			return nil
		}),
		bindTLSKw("no-strict-sni", 0, "", "cancel strict-sni", func(c *lineCtx, t *BindTLS, a []string) error {
			t.StrictSNI = false
			return nil
		}),
		bindTLSKw("alpn", 1, "<proto>[,<proto>...]", "protocols offered by ALPN, in preference order (default: h2,http/1.1 in mode http once HTTP/2 is served, none in mode tcp)", func(c *lineCtx, t *BindTLS, a []string) error {
			l, err := alpnList("alpn", a[0])
			t.ALPN, t.NoALPN = l, false
			return err
		}),
		bindTLSKw("no-alpn", 0, "", "offer no ALPN protocol", func(c *lineCtx, t *BindTLS, a []string) error {
			t.ALPN, t.NoALPN = nil, true
			return nil
		}),
		bindTLSKw("ca-file", 1, "<pem file>", "CAs that sign client certificates (mTLS)", func(c *lineCtx, t *BindTLS, a []string) error {
			t.CAFile = basePath(c.l.snap.Global.CABase, a[0])
			return nil
		}),
		bindTLSKw("crl-file", 1, "<pem file>", "certificate revocation list checked against client certificates", func(c *lineCtx, t *BindTLS, a []string) error {
			t.CRLFile = basePath(c.l.snap.Global.CABase, a[0])
			return nil
		}),
		bindTLSKw("verify", 1, "none|optional|required", "client certificate verification (default none)", func(c *lineCtx, t *BindTLS, a []string) error {
			switch a[0] {
			case "none", "optional", "required":
				t.Verify = a[0]
				return nil
			}
			return fmt.Errorf("'verify' expects none, optional or required, got '%s'", a[0])
		}),
		bindTLSKw("ca-ignore-err", 1, "all|<errorID>,...", "client certificate errors on the CA chain to let through (see ssl_c_ca_err)", func(c *lineCtx, t *BindTLS, a []string) error {
			t.CAIgnoreErr = a[0]
			return nil
		}),
		bindTLSKw("crt-ignore-err", 1, "all|<errorID>,...", "errors on the client certificate itself to let through, e.g. 10 (expired; see ssl_c_err)", func(c *lineCtx, t *BindTLS, a []string) error {
			t.CrtIgnoreErr = a[0]
			return nil
		}),
		bindTLSOpt("prefer-client-ciphers", 0, "", "accepted; Go picks the suite"),

		// server and default-server
		srvTLSKw("ssl", 0, "", "connect to the server with TLS", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.SSL = true
			return nil
		}),
		srvTLSKw("no-ssl", 0, "", "cancel a default-server ssl", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.SSL = false
			return nil
		}),
		srvTLSKw("verify", 1, "none|required", "verify the server's certificate (default required, see ssl-server-verify)", func(c *lineCtx, t *ServerTLS, a []string) error {
			if a[0] != "none" && a[0] != "required" {
				return fmt.Errorf("'verify' expects none or required, got '%s'", a[0])
			}
			t.Verify = a[0]
			return nil
		}),
		srvTLSKw("verifyhost", 1, "<hostname>", "name the server certificate must carry when no sni is sent", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.VerifyHost, t.NoVerifyHost = a[0], false
			return nil
		}),
		srvTLSKw("no-verifyhost", 0, "", "cancel a default-server verifyhost", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.VerifyHost, t.NoVerifyHost = "", true
			return nil
		}),
		srvTLSKw("ca-file", 1, "<pem file>", "CAs that sign the server's certificate", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.CAFile = basePath(c.l.snap.Global.CABase, a[0])
			return nil
		}),
		srvTLSKw("crl-file", 1, "<pem file>", "revocation list checked against the server's certificate", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.CRLFile = basePath(c.l.snap.Global.CABase, a[0])
			return nil
		}),
		srvTLSKw("crt", 1, "<pem file>", "client certificate presented to the server", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.Crt = basePath(c.l.snap.Global.CrtBase, a[0])
			return nil
		}),
		srvTLSKw("sni", 1, "<expression>", "sample expression giving the SNI sent to the server (e.g. req.hdr(host))", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.SNI = a[0]
			return nil
		}),
		srvTLSKw("alpn", 1, "<proto>[,<proto>...]", "protocols offered to the server by ALPN", func(c *lineCtx, t *ServerTLS, a []string) error {
			l, err := alpnList("alpn", a[0])
			t.ALPN = l
			return err
		}),
		srvTLSKw("no-ssl-reuse", 0, "", "do not resume TLS sessions with the server", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.NoSSLReuse = true
			return nil
		}),
		srvTLSKw("ssl-reuse", 0, "", "resume TLS sessions with the server (the default)", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.NoSSLReuse = false
			return nil
		}),
		srvTLSKw("check-ssl", 0, "", "run health checks over TLS", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.CheckSSL = true
			return nil
		}),
		srvTLSKw("no-check-ssl", 0, "", "cancel a default-server check-ssl", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.CheckSSL = false
			return nil
		}),
		srvTLSKw("check-sni", 1, "<name>", "SNI sent by TLS health checks", func(c *lineCtx, t *ServerTLS, a []string) error {
			t.CheckSNI = a[0]
			return nil
		}),
		srvTLSKw("check-alpn", 1, "<proto>[,<proto>...]", "protocols offered by TLS health checks", func(c *lineCtx, t *ServerTLS, a []string) error {
			l, err := alpnList("check-alpn", a[0])
			t.CheckALPN = l
			return err
		}),
		srvTLSOpt("tls-tickets", 0, "", "resume with session tickets (the default)"),

		// global
		{Name: "crt-base", Sections: SecGlobal, Args: "<dir>", Help: "directory relative crt, crt-list and default-crt paths are read from", Supported: true,
			Parse: globalString(func(g *Global) *string { return &g.CrtBase })},
		{Name: "ca-base", Sections: SecGlobal, Args: "<dir>", Help: "directory relative ca-file and crl-file paths are read from", Supported: true,
			Parse: globalString(func(g *Global) *string { return &g.CABase })},
		{Name: "ssl-server-verify", Sections: SecGlobal, Args: "none|required", Help: "default verify of servers with ssl (default required)", Supported: true,
			Parse: func(c *lineCtx, a []string) error {
				if len(a) != 1 || a[0] != "none" && a[0] != "required" {
					return fmt.Errorf("'ssl-server-verify' expects none or required")
				}
				c.g.SSLServerVerify = a[0]
				return nil
			}},
		sslDefault("ssl-default-bind-options", "<options>...", "TLS options every ssl bind line starts with", func(g *Global) *TLSOptions { return &g.SSLDefaultBind }, ""),
		sslDefault("ssl-default-bind-ciphers", "<ciphers>", "default TLS 1.2 ciphers of bind lines", func(g *Global) *TLSOptions { return &g.SSLDefaultBind }, "ciphers"),
		sslDefault("ssl-default-bind-ciphersuites", "<suites>", "default TLS 1.3 cipher suites of bind lines", func(g *Global) *TLSOptions { return &g.SSLDefaultBind }, "ciphersuites"),
		sslDefault("ssl-default-bind-curves", "<curves>", "default key exchange groups of bind lines", func(g *Global) *TLSOptions { return &g.SSLDefaultBind }, "curves"),
		sslDefault("ssl-default-server-options", "<options>...", "TLS options every ssl server line starts with", func(g *Global) *TLSOptions { return &g.SSLDefaultServer }, ""),
		sslDefault("ssl-default-server-ciphers", "<ciphers>", "default TLS 1.2 ciphers of server lines", func(g *Global) *TLSOptions { return &g.SSLDefaultServer }, "ciphers"),
		sslDefault("ssl-default-server-ciphersuites", "<suites>", "default TLS 1.3 cipher suites of server lines", func(g *Global) *TLSOptions { return &g.SSLDefaultServer }, "ciphersuites"),
		sslDefault("ssl-default-server-curves", "<curves>", "default key exchange groups of server lines", func(g *Global) *TLSOptions { return &g.SSLDefaultServer }, "curves"),
		acceptedWarn("tune.ssl.default-dh-param", "<bits>", "DH parameter size (accepted; Go offers no finite-field DHE suites)"),
		acceptedWarn("ssl-dh-param-file", "<file>", "DH parameters file (accepted; Go offers no finite-field DHE suites)"),
		acceptedWarn("tune.ssl.cachesize", "<number>", "TLS session cache size (accepted; hawser resumes with session tickets)"),
		acceptedWarn("tune.ssl.lifetime", "<time>", "TLS session lifetime (accepted; Go's ticket lifetime applies)"),
	}
	for _, p := range protoOptions {
		nargs := 0
		if p.args != "" {
			nargs = 1
		}
		kws = append(kws, bindTLSOpt(p.name, nargs, p.args, p.help), srvTLSOpt(p.name, nargs, p.args, p.help))
	}
	return kws
}

// sslDefault declares a global ssl-default-* keyword; word is the
// option it sets, "" for the *-options lines that take option words.
func sslDefault(name, args, help string, field func(*Global) *TLSOptions, word string) *Keyword {
	return &Keyword{Name: name, Sections: SecGlobal, Args: args, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			o := field(c.g)
			if word == "" {
				if err := parseSSLDefaultOptions(o, a); err != nil {
					return fmt.Errorf("'%s': %w", name, err)
				}
				return nil
			}
			if len(a) != 1 {
				return fmt.Errorf("'%s' expects one argument", name)
			}
			_, err := applyTLSOption(o, word, a)
			return err
		}}
}

// acceptedWarn declares a global keyword hawser reads and ignores with a
// warning, because Go's TLS stack has no equivalent and ignoring it is
// harmless.
func acceptedWarn(name, args, help string) *Keyword {
	return &Keyword{Name: name, Sections: SecGlobal, Args: args, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			c.warnf("'%s' is accepted and ignored by hawser", name)
			return nil
		}}
}
