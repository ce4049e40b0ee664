package acl

import (
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"

	"github.com/hawser-lb/hawser/internal/tlsnames"
)

// TLSSample is an optional interface a Sample implements to serve the
// ssl_* fetches (configuration.txt 7.3.4). A Sample without it, or one on
// a cleartext connection (nil state), gives ssl_fc and ssl_bc false and
// the other fetches no value.
type TLSSample interface {
	// TLSState is the client connection's state after the handshake.
	TLSState() *tls.ConnectionState
	// TLSCert is the certificate hawser served to the client (ssl_f_*).
	TLSCert() *x509.Certificate
}

// BackendTLS is an optional interface a Sample implements to serve the
// ssl_bc* and ssl_s_* fetches: the TLS state of the server connection.
type BackendTLS interface {
	BackendTLSState() *tls.ConnectionState
}

// TLSVerifier is an optional interface a Sample implements to serve the
// client certificate verification fetches: ssl_c_verify (the first
// error), ssl_c_err (on the certificate itself), ssl_c_ca_err and
// ssl_c_ca_err_depth (on its CA chain). They are OpenSSL's codes, 0 when
// none; non-zero only for errors let through by crt-ignore-err or
// ca-ignore-err, since other errors fail the handshake.
type TLSVerifier interface {
	TLSVerify() (result, crtErr, caErr, caErrDepth int)
}

func (e *eval) tlsFront() *tls.ConnectionState {
	if s, ok := e.s.(TLSSample); ok {
		return s.TLSState()
	}
	return nil
}

func (e *eval) tlsBack() *tls.ConnectionState {
	if s, ok := e.s.(BackendTLS); ok {
		return s.BackendTLSState()
	}
	return nil
}

func sslFetches() []fetchEntry {
	dnArgs := []argType{argStr, argInt, argStr}
	var out []fetchEntry
	// Connection-level fetches, for both sides: ssl_fc_* and ssl_bc_*.
	for _, side := range []struct {
		pfx string
		st  func(e *eval) *tls.ConnectionState
	}{{"ssl_fc", (*eval).tlsFront}, {"ssl_bc", (*eval).tlsBack}} {
		st := side.st
		str := func(f func(*tls.ConnectionState) string) fetchFunc {
			return func(e *eval, _ []arg) {
				if s := st(e); s != nil {
					if v := f(s); v != "" {
						e.scratch = append(e.scratch[:0], v...)
						e.emit(strValue(e.scratch))
					}
				}
			}
		}
		out = append(out,
			fetchEntry{[]string{side.pfx}, fetchDef{out: TypeBool, fn: func(e *eval, _ []arg) { e.emit(boolValue(st(e) != nil)) }}},
			fetchEntry{[]string{side.pfx + "_protocol"}, fetchDef{out: TypeStr, fn: str(func(s *tls.ConnectionState) string { return tlsnames.Version(s.Version) })}},
			fetchEntry{[]string{side.pfx + "_cipher"}, fetchDef{out: TypeStr, fn: str(func(s *tls.ConnectionState) string { return tlsnames.CipherName(s.CipherSuite) })}},
			fetchEntry{[]string{side.pfx + "_alpn"}, fetchDef{out: TypeStr, fn: str(func(s *tls.ConnectionState) string { return s.NegotiatedProtocol })}},
			fetchEntry{[]string{side.pfx + "_sni"}, fetchDef{out: TypeStr, fn: str(func(s *tls.ConnectionState) string { return s.ServerName })}},
			fetchEntry{[]string{side.pfx + "_is_resumed"}, fetchDef{out: TypeBool, fn: func(e *eval, _ []arg) {
				if s := st(e); s != nil {
					e.emit(boolValue(s.DidResume))
				}
			}}},
			fetchEntry{[]string{side.pfx + "_use_keysize", side.pfx + "_alg_keysize"}, fetchDef{out: TypeInt, fn: func(e *eval, _ []arg) {
				if s := st(e); s != nil {
					e.emit(intValue(int64(tlsnames.CipherBits(s.CipherSuite))))
				}
			}}},
		)
	}
	out = append(out,
		fetchEntry{[]string{"ssl_fc_has_sni"}, fetchDef{out: TypeBool, fn: func(e *eval, _ []arg) {
			if s := e.tlsFront(); s != nil {
				e.emit(boolValue(s.ServerName != ""))
			}
		}}},
		fetchEntry{[]string{"ssl_fc_has_crt", "ssl_c_used"}, fetchDef{out: TypeBool, fn: func(e *eval, _ []arg) {
			if s := e.tlsFront(); s != nil {
				e.emit(boolValue(len(s.PeerCertificates) > 0))
			}
		}}},
		fetchEntry{[]string{"ssl_c_verify"}, fetchDef{out: TypeInt, fn: fetchVerify(0)}},
		fetchEntry{[]string{"ssl_c_err"}, fetchDef{out: TypeInt, fn: fetchVerify(1)}},
		fetchEntry{[]string{"ssl_c_ca_err"}, fetchDef{out: TypeInt, fn: fetchVerify(2)}},
		fetchEntry{[]string{"ssl_c_ca_err_depth"}, fetchDef{out: TypeInt, fn: fetchVerify(3)}},
	)
	// Certificate fetches: ssl_c_* (client's), ssl_f_* (served), ssl_s_*
	// (the server's).
	for _, cs := range []struct {
		pfx  string
		cert func(e *eval) *x509.Certificate
	}{
		{"ssl_c", func(e *eval) *x509.Certificate { return peerCert(e.tlsFront()) }},
		{"ssl_f", func(e *eval) *x509.Certificate {
			if s, ok := e.s.(TLSSample); ok {
				return s.TLSCert()
			}
			return nil
		}},
		{"ssl_s", func(e *eval) *x509.Certificate { return peerCert(e.tlsBack()) }},
	} {
		cert := cs.cert
		bin := func(f func(*x509.Certificate, []byte) []byte, typ Type) fetchFunc {
			return func(e *eval, _ []arg) {
				if c := cert(e); c != nil {
					e.scratch = f(c, e.scratch[:0])
					e.emit(value{typ: typ, b: e.scratch})
				}
			}
		}
		dn := func(name func(*x509.Certificate) *pkix.Name) fetchFunc {
			return func(e *eval, a []arg) {
				c := cert(e)
				if c == nil {
					return
				}
				var ok bool
				e.scratch, ok = appendDN(e.scratch[:0], name(c), a)
				if ok {
					e.emit(strValue(e.scratch))
				}
			}
		}
		out = append(out,
			fetchEntry{[]string{cs.pfx + "_s_dn"}, fetchDef{args: dnArgs, out: TypeStr, fn: dn(func(c *x509.Certificate) *pkix.Name { return &c.Subject })}},
			fetchEntry{[]string{cs.pfx + "_i_dn"}, fetchDef{args: dnArgs, out: TypeStr, fn: dn(func(c *x509.Certificate) *pkix.Name { return &c.Issuer })}},
			fetchEntry{[]string{cs.pfx + "_serial"}, fetchDef{out: TypeBin, fn: bin(func(c *x509.Certificate, b []byte) []byte { return append(b, c.SerialNumber.Bytes()...) }, TypeBin)}},
			fetchEntry{[]string{cs.pfx + "_sha1"}, fetchDef{out: TypeBin, fn: bin(func(c *x509.Certificate, b []byte) []byte {
				h := sha1.Sum(c.Raw)
				return append(b, h[:]...)
			}, TypeBin)}},
			fetchEntry{[]string{cs.pfx + "_der"}, fetchDef{out: TypeBin, fn: bin(func(c *x509.Certificate, b []byte) []byte { return append(b, c.Raw...) }, TypeBin)}},
			fetchEntry{[]string{cs.pfx + "_notbefore"}, fetchDef{out: TypeStr, fn: bin(func(c *x509.Certificate, b []byte) []byte {
				return c.NotBefore.UTC().AppendFormat(b, "060102150405Z")
			}, TypeStr)}},
			fetchEntry{[]string{cs.pfx + "_notafter"}, fetchDef{out: TypeStr, fn: bin(func(c *x509.Certificate, b []byte) []byte {
				return c.NotAfter.UTC().AppendFormat(b, "060102150405Z")
			}, TypeStr)}},
			fetchEntry{[]string{cs.pfx + "_sig_alg"}, fetchDef{out: TypeStr, fn: bin(func(c *x509.Certificate, b []byte) []byte { return append(b, sigAlgName(c)...) }, TypeStr)}},
			fetchEntry{[]string{cs.pfx + "_key_alg"}, fetchDef{out: TypeStr, fn: bin(func(c *x509.Certificate, b []byte) []byte { return append(b, keyAlgName(c)...) }, TypeStr)}},
			fetchEntry{[]string{cs.pfx + "_version"}, fetchDef{out: TypeInt, fn: func(e *eval, _ []arg) {
				if c := cert(e); c != nil {
					e.emit(intValue(int64(c.Version)))
				}
			}}},
		)
	}
	return out
}

// fetchVerify serves field i of TLSVerifier.TLSVerify.
func fetchVerify(i int) fetchFunc {
	return func(e *eval, _ []arg) {
		if e.tlsFront() == nil {
			return
		}
		var f [4]int
		if v, ok := e.s.(TLSVerifier); ok {
			f[0], f[1], f[2], f[3] = v.TLSVerify()
		}
		e.emit(intValue(int64(f[i])))
	}
}

func peerCert(s *tls.ConnectionState) *x509.Certificate {
	if s == nil || len(s.PeerCertificates) == 0 {
		return nil
	}
	return s.PeerCertificates[0]
}

// sigAlgName and keyAlgName give OpenSSL's long names of the common
// algorithms.
func sigAlgName(c *x509.Certificate) string {
	switch c.SignatureAlgorithm {
	case x509.SHA256WithRSA:
		return "sha256WithRSAEncryption"
	case x509.SHA384WithRSA:
		return "sha384WithRSAEncryption"
	case x509.SHA512WithRSA:
		return "sha512WithRSAEncryption"
	case x509.SHA1WithRSA:
		return "sha1WithRSAEncryption"
	case x509.ECDSAWithSHA256:
		return "ecdsa-with-SHA256"
	case x509.ECDSAWithSHA384:
		return "ecdsa-with-SHA384"
	case x509.ECDSAWithSHA512:
		return "ecdsa-with-SHA512"
	case x509.PureEd25519:
		return "ED25519"
	}
	return c.SignatureAlgorithm.String()
}

func keyAlgName(c *x509.Certificate) string {
	switch c.PublicKeyAlgorithm {
	case x509.RSA:
		return "rsaEncryption"
	case x509.ECDSA:
		return "id-ecPublicKey"
	case x509.Ed25519:
		return "ED25519"
	}
	return c.PublicKeyAlgorithm.String()
}

// dnNames are OpenSSL's short names of the usual DN attributes.
var dnNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
	"2.5.4.5": "serialNumber", "2.5.4.9": "street", "2.5.4.17": "postalCode", "2.5.4.4": "SN", "2.5.4.42": "GN",
	"2.5.4.12": "title", "1.2.840.113549.1.9.1": "emailAddress", "0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1": "UID",
}

func attrName(t pkix.AttributeTypeAndValue) string {
	oid := t.Type.String()
	if n, ok := dnNames[oid]; ok {
		return n
	}
	return oid
}

// appendDN formats a DN as HAProxy does: "/C=FR/O=Org/CN=name" in the
// certificate's order; with an entry argument, the value of its occ-th
// occurrence (negative: from the end; default the first); with the
// format "rfc2253", "CN=name,O=Org,C=FR".
func appendDN(b []byte, n *pkix.Name, a []arg) ([]byte, bool) {
	attrs := n.Names
	if len(a) > 0 && a[0].s != "" {
		occ := 1
		if len(a) > 1 && a[1].i != 0 {
			occ = int(a[1].i)
		}
		var matches []string
		for _, t := range attrs {
			if strings.EqualFold(attrName(t), a[0].s) || t.Type.String() == a[0].s {
				if s, ok := t.Value.(string); ok {
					matches = append(matches, s)
				}
			}
		}
		i := occ - 1
		if occ < 0 {
			i = len(matches) + occ
		}
		if i < 0 || i >= len(matches) {
			return b, false
		}
		return append(b, matches[i]...), true
	}
	if len(attrs) == 0 {
		return b, false
	}
	if len(a) > 2 && strings.EqualFold(a[2].s, "rfc2253") {
		for i := len(attrs) - 1; i >= 0; i-- {
			if i != len(attrs)-1 {
				b = append(b, ',')
			}
			b = append(b, attrName(attrs[i])...)
			b = append(b, '=')
			b = appendRFC2253(b, attrValue(attrs[i]))
		}
		return b, true
	}
	for _, t := range attrs {
		b = append(b, '/')
		b = append(b, attrName(t)...)
		b = append(b, '=')
		b = append(b, attrValue(t)...)
	}
	return b, true
}

func attrValue(t pkix.AttributeTypeAndValue) string {
	if s, ok := t.Value.(string); ok {
		return s
	}
	return ""
}

func appendRFC2253(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(",+\"\\<>;", c) >= 0 || (i == 0 && (c == ' ' || c == '#')) || (i == len(s)-1 && c == ' ') {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return b
}

// ConnErrSample is an optional interface a Sample implements to serve
// fc_err, fc_err_str, ssl_fc_err and ssl_fc_err_str: why the client
// connection failed before a stream. code is HAProxy's connection error
// number (ConnErrSSLHandshake…), 0 when none; tlsErr is the TLS library's
// message for a failed handshake, "" when none.
type ConnErrSample interface {
	ConnErr() (code int, tlsErr string)
}

// HAProxy's connection error numbers (fc_err) that hawser reports.
const (
	ConnErrSSLEmpty     = 24 // client closed during the handshake
	ConnErrSSLAbort     = 25 // connection error during the handshake
	ConnErrSSLTimeout   = 26 // timeout during the handshake
	ConnErrSSLCAFail    = 30 // client certificate's CA chain not verified
	ConnErrSSLCrtFail   = 31 // client certificate not trusted
	ConnErrSSLHandshake = 34 // any other handshake failure
)

// connErrText is fc_err_str: HAProxy's text for each error number.
var connErrText = map[int]string{
	ConnErrSSLEmpty:     "Connection closed during SSL handshake",
	ConnErrSSLAbort:     "Connection error during SSL handshake",
	ConnErrSSLTimeout:   "Timeout during SSL handshake",
	ConnErrSSLCAFail:    "SSL client CA chain cannot be verified",
	ConnErrSSLCrtFail:   "SSL client certificate not trusted",
	ConnErrSSLHandshake: "SSL handshake failure",
}

// connErrName is fc_err_name: HAProxy's short name of each error number
// (its CO_ER_* constant without the prefix).
var connErrName = map[int]string{
	ConnErrSSLEmpty:     "SSL_EMPTY",
	ConnErrSSLAbort:     "SSL_ABORT",
	ConnErrSSLTimeout:   "SSL_TIMEOUT",
	ConnErrSSLCAFail:    "SSL_CA_FAIL",
	ConnErrSSLCrtFail:   "SSL_CRT_FAIL",
	ConnErrSSLHandshake: "SSL_HANDSHAKE",
}

// ConnErrText returns fc_err_str for an error number, "" for 0.
func ConnErrText(code int) string { return connErrText[code] }

func (e *eval) connErr() (int, string) {
	if s, ok := e.s.(ConnErrSample); ok {
		return s.ConnErr()
	}
	return 0, ""
}

// GlitchSample is an optional interface a Sample implements to serve
// fc_glitches: the glitches counted on the client connection (HTTP/2
// protocol anomalies; see tune.h2.fe.glitches-threshold).
type GlitchSample interface {
	Glitches() int64
}

func connErrFetches() []fetchEntry {
	return []fetchEntry{
		{[]string{"fc_glitches"}, fetchDef{out: TypeInt, fn: func(e *eval, _ []arg) {
			var n int64
			if s, ok := e.s.(GlitchSample); ok {
				n = s.Glitches()
			}
			e.emit(intValue(n))
		}}},
		{[]string{"fc_err"}, fetchDef{out: TypeInt, fn: func(e *eval, _ []arg) {
			c, _ := e.connErr()
			e.emit(intValue(int64(c)))
		}}},
		{[]string{"fc_err_str"}, fetchDef{out: TypeStr, fn: func(e *eval, _ []arg) {
			if c, _ := e.connErr(); c != 0 {
				e.scratch = append(e.scratch[:0], ConnErrText(c)...)
				e.emit(strValue(e.scratch))
			}
		}}},
		{[]string{"fc_err_name"}, fetchDef{out: TypeStr, fn: func(e *eval, _ []arg) {
			if c, _ := e.connErr(); c != 0 {
				e.scratch = append(e.scratch[:0], connErrName[c]...)
				e.emit(strValue(e.scratch))
			}
		}}},
		// ssl_fc_hsk_err is OpenSSL's error code of a failed handshake:
		// hawser's TLS stack has none, so it has no value; its _str form
		// is the TLS library's message, as ssl_fc_err_str.
		{[]string{"ssl_fc_hsk_err"}, fetchDef{out: TypeInt, fn: func(e *eval, _ []arg) {}}},
		{[]string{"ssl_fc_hsk_err_str"}, fetchDef{out: TypeStr, fn: func(e *eval, _ []arg) {
			if _, msg := e.connErr(); msg != "" {
				e.scratch = append(e.scratch[:0], msg...)
				e.emit(strValue(e.scratch))
			}
		}}},
		// ssl_fc_err is OpenSSL's error code in HAProxy; hawser's TLS stack
		// has none, so it is 0 on a TLS connection and has no value after a
		// failed handshake (ssl_fc_err_str then gives the reason).
		{[]string{"ssl_fc_err"}, fetchDef{out: TypeInt, fn: func(e *eval, _ []arg) {
			if e.tlsFront() != nil {
				e.emit(intValue(0))
			}
		}}},
		{[]string{"ssl_fc_err_str"}, fetchDef{out: TypeStr, fn: func(e *eval, _ []arg) {
			if _, msg := e.connErr(); msg != "" {
				e.scratch = append(e.scratch[:0], msg...)
				e.emit(strValue(e.scratch))
			}
		}}},
	}
}
