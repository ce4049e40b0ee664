// Package tlstest generates certificates for tests: a CA, and leaves it
// signs, written as PEM files. Nothing here is meant for production.
package tlstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Cert is a generated certificate and its key.
type Cert struct {
	X509 *x509.Certificate
	Key  crypto.Signer
	// CertPEM and KeyPEM are the encoded certificate and key.
	CertPEM, KeyPEM []byte
}

// PEM returns the certificate followed by the key, as in a HAProxy crt
// file.
func (c *Cert) PEM() []byte { return append(append([]byte(nil), c.CertPEM...), c.KeyPEM...) }

// Opts tune a generated certificate.
type Opts struct {
	CN       string
	DNSNames []string
	IPs      []net.IP
	// Subject overrides the subject built from CN.
	Subject *pkix.Name
	RSA     bool // RSA 2048 instead of ECDSA P-256
	Client  bool // client auth usage
	// NotBefore/NotAfter default to an hour ago and a day ahead.
	NotBefore, NotAfter time.Time
	IsCA                bool
}

var serial atomic.Int64

func init() { serial.Store(time.Now().UnixNano() & 0xffffffff) }

// New generates a certificate signed by parent (self-signed when parent is
// nil).
func New(t testing.TB, o Opts, parent *Cert) *Cert {
	t.Helper()
	var key crypto.Signer
	var err error
	if o.RSA {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	subj := pkix.Name{CommonName: o.CN}
	if o.Subject != nil {
		subj = *o.Subject
	}
	nb, na := o.NotBefore, o.NotAfter
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	if na.IsZero() {
		na = time.Now().Add(24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      subj,
		DNSNames:     o.DNSNames,
		IPAddresses:  o.IPs,
		NotBefore:    nb,
		NotAfter:     na,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if o.Client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if o.IsCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = nil
	}
	signer, parentCert := key, tmpl
	if parent != nil {
		signer, parentCert = parent.Key, parent.X509
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &Cert{
		X509:    c,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}
}

// NewCA generates a self-signed CA.
func NewCA(t testing.TB, cn string) *Cert {
	return New(t, Opts{CN: cn, IsCA: true}, nil)
}

// Write writes data to dir/name and returns the path.
func Write(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Pool returns a pool holding the given certificates.
func Pool(cs ...*Cert) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cs {
		p.AddCert(c.X509)
	}
	return p
}
