package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// OpenSSL's verification error codes, as ssl_c_verify, ssl_c_err and
// ssl_c_ca_err report them and ca-ignore-err / crt-ignore-err name them.
const (
	ErrCertNotYetValid       = 9  // X509_V_ERR_CERT_NOT_YET_VALID
	ErrCertHasExpired        = 10 // X509_V_ERR_CERT_HAS_EXPIRED
	ErrSelfSignedLeaf        = 18 // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
	ErrUnableToGetIssuer     = 20 // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
	ErrCertRevoked           = 23 // X509_V_ERR_CERT_REVOKED
	ErrInvalidPurpose        = 26 // X509_V_ERR_INVALID_PURPOSE
	ErrCertUntrusted         = 27 // X509_V_ERR_CERT_UNTRUSTED, for what Go reports otherwise
	errCertSignatureFailure  = 7  // X509_V_ERR_CERT_SIGNATURE_FAILURE
	errUnableToVerifyLeafSig = 21 // X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
)

var verifyErrNames = map[string]int{
	"X509_V_ERR_CERT_NOT_YET_VALID": ErrCertNotYetValid, "X509_V_ERR_CERT_HAS_EXPIRED": ErrCertHasExpired,
	"X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT": ErrSelfSignedLeaf, "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY": ErrUnableToGetIssuer,
	"X509_V_ERR_CERT_REVOKED": ErrCertRevoked, "X509_V_ERR_INVALID_PURPOSE": ErrInvalidPurpose,
	"X509_V_ERR_CERT_UNTRUSTED": ErrCertUntrusted, "X509_V_ERR_CERT_SIGNATURE_FAILURE": errCertSignatureFailure,
	"X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE": errUnableToVerifyLeafSig,
}

// ignoreSet is a parsed ca-ignore-err / crt-ignore-err argument.
type ignoreSet struct {
	all   bool
	codes map[int]bool
}

func parseIgnore(kw, arg string) (ignoreSet, error) {
	s := ignoreSet{codes: map[int]bool{}}
	if arg == "" {
		return s, nil
	}
	for _, w := range strings.Split(arg, ",") {
		if w == "all" {
			s.all = true
			continue
		}
		if n, err := strconv.Atoi(w); err == nil && n > 0 {
			s.codes[n] = true
			continue
		}
		n, ok := verifyErrNames[strings.ToUpper(w)]
		if !ok {
			return s, fmt.Errorf("'%s': unknown error '%s' (expects all, error ids or X509_V_ERR_* names)", kw, w)
		}
		s.codes[n] = true
	}
	return s, nil
}

func (s ignoreSet) has(code int) bool { return s.all || s.codes[code] }

func (s ignoreSet) empty() bool { return !s.all && len(s.codes) == 0 }

// Verify is the outcome of a client certificate verification, for the
// ssl_c_verify, ssl_c_err, ssl_c_ca_err and ssl_c_ca_err_depth fetches.
// Without ca-ignore-err / crt-ignore-err a failure aborts the handshake,
// so an established connection has zeros.
type Verify struct {
	Result     int // ssl_c_verify: the first error, ignored or not
	CrtErr     int // ssl_c_err: error on the client certificate itself
	CAErr      int // ssl_c_ca_err: error on the CA chain
	CAErrDepth int
}

// clientVerifier verifies client certificates itself when errors may be
// ignored: Go's own verification cannot let a handshake through with an
// error.
type clientVerifier struct {
	roots   *x509.CertPool
	cas     []*x509.Certificate // the CA file's certificates
	crl     *CRL
	ca, crt ignoreSet
}

// verify checks a client chain and records the outcome in out. It
// returns an error, failing the handshake, for an error that is not
// ignored.
func (v *clientVerifier) verify(raw [][]byte, out *Verify) error {
	if len(raw) == 0 {
		return nil // verify optional without a certificate
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return fmt.Errorf("client certificate: %w", err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{Roots: v.roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	leaf := certs[0]
	chains, err := leaf.Verify(opts)
	code, depth := 0, 0
	if err != nil {
		code, depth = classify(err, leaf)
		if (code == ErrCertHasExpired || code == ErrCertNotYetValid) && depth == 0 {
			// Only the leaf is out of its validity period: check that its
			// issuer signed it and chains up now, so that ignoring the
			// expiry does not ignore a bad chain.
			if chains = v.issuerChains(leaf, certs[1:], opts); chains == nil {
				code = ErrUnableToGetIssuer
			}
		}
	}
	if code == 0 && v.crl != nil {
		if err := v.crl.verify(nil, chains); err != nil {
			code, depth = ErrCertRevoked, 0
		}
	}
	if code == 0 {
		return nil
	}
	*out = Verify{Result: code}
	ignored := false
	if depth == 0 {
		out.CrtErr = code
		ignored = v.crt.has(code)
	} else {
		out.CAErr, out.CAErrDepth = code, depth
		ignored = v.ca.has(code)
	}
	if !ignored {
		return fmt.Errorf("client certificate verification failed: error %d at depth %d", code, depth)
	}
	return nil
}

// issuerChains returns the verified chains of a parent of leaf (from the
// CA file or the client's intermediates) that signed it, with leaf in
// front; nil when there is none.
func (v *clientVerifier) issuerChains(leaf *x509.Certificate, inter []*x509.Certificate, opts x509.VerifyOptions) [][]*x509.Certificate {
	opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	for _, p := range append(append([]*x509.Certificate(nil), inter...), v.cas...) {
		if string(p.RawSubject) != string(leaf.RawIssuer) || leaf.CheckSignatureFrom(p) != nil {
			continue
		}
		chains, err := p.Verify(opts)
		if err != nil {
			continue
		}
		for i := range chains {
			chains[i] = append([]*x509.Certificate{leaf}, chains[i]...)
		}
		return chains
	}
	return nil
}

// classify maps Go's verification error to OpenSSL's code and depth.
func classify(err error, leaf *x509.Certificate) (code, depth int) {
	var ie x509.CertificateInvalidError
	if errors.As(err, &ie) {
		if ie.Cert != nil && ie.Cert != leaf && string(ie.Cert.Raw) != string(leaf.Raw) {
			depth = 1
		}
		switch ie.Reason {
		case x509.Expired:
			if ie.Cert != nil && time.Now().Before(ie.Cert.NotBefore) {
				return ErrCertNotYetValid, depth
			}
			return ErrCertHasExpired, depth
		case x509.IncompatibleUsage:
			return ErrInvalidPurpose, depth
		}
		return ErrCertUntrusted, depth
	}
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		if string(leaf.RawIssuer) == string(leaf.RawSubject) {
			return ErrSelfSignedLeaf, 0
		}
		return ErrUnableToGetIssuer, 0
	}
	return ErrCertUntrusted, 0
}

// withIgnoreErr sets c up for ca-ignore-err / crt-ignore-err: Go asks
// for the certificate without verifying it, and Bind.configForClient
// hands the chain to the verifier in a per-handshake copy of c.
func withIgnoreErr(c *tls.Config, verify string) {
	if verify == "required" {
		c.ClientAuth = tls.RequireAnyClientCert
	} else {
		c.ClientAuth = tls.RequestClientCert
	}
	c.VerifyPeerCertificate = nil
}
