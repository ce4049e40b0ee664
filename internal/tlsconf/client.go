package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/hawser-lb/hawser/internal/config"
)

// Client is the TLS side of a server line: how hawser connects to the
// server. It is built once per generation; its session cache is shared by
// all its connections so that they resume.
type Client struct {
	conf *tls.Config
	// verify, roots and host drive VerifyConnection.
	verify bool
	roots  *x509.CertPool
	host   string // verifyhost
	crl    *CRL
	// bySNI caches a config per SNI value for "sni <expr>"; bounded.
	bySNI sync.Map // string -> *tls.Config
	nbSNI atomic.Int32
	// Warnings are settings Go could not honour exactly, for the log.
	Warnings []string
}

// maxSNIConfigs bounds the per-SNI config cache; past it each
// connection clones its own.
const maxSNIConfigs = 1024

// NewClient builds the TLS configuration of a server line. With check
// set it is the health-check flavour: check-sni and check-alpn replace
// sni and alpn.
func NewClient(store *Store, t *config.ServerTLS, g *config.Global, check bool) (*Client, error) {
	c := &Client{conf: &tls.Config{}}
	warns, err := applyOpts(c.conf, mergeOpts(g.SSLDefaultServer, t.Opts))
	if err != nil {
		return nil, err
	}
	c.Warnings = warns
	c.conf.NextProtos = t.ALPN
	if check {
		c.conf.NextProtos = t.CheckALPN
		c.conf.ServerName = t.CheckSNI
	}
	verify := t.Verify
	if verify == "" {
		verify = "required"
		if g.SSLServerVerify == "none" {
			verify = "none"
		}
	}
	c.verify = verify == "required"
	if c.verify && t.CAFile == "" {
		return nil, errors.New("server certificate verification is enabled (the default) but no 'ca-file' is set: add 'ca-file', or 'verify none' on the line, or 'ssl-server-verify none' in global")
	}
	if t.CAFile != "" {
		if c.roots, err = LoadCAs(t.CAFile); err != nil {
			return nil, err
		}
	}
	if t.CRLFile != "" {
		if c.crl, err = LoadCRL(t.CRLFile); err != nil {
			return nil, err
		}
	}
	c.host = t.VerifyHost
	if t.Crt != "" {
		e, err := store.Load(t.Crt)
		if err != nil {
			return nil, err
		}
		c.conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return e.Cert().TLS, nil
		}
	}
	// Go's own verification needs a name whenever it verifies; HAProxy
	// checks the name only when sni or verifyhost gives one, so hawser
	// verifies itself.
	c.conf.InsecureSkipVerify = true
	c.conf.VerifyConnection = c.verifyConn
	if !t.NoSSLReuse {
		c.conf.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return c, nil
}

func (c *Client) verifyConn(cs tls.ConnectionState) error {
	if !c.verify {
		return nil
	}
	if len(cs.PeerCertificates) == 0 {
		return errors.New("server sent no certificate")
	}
	name := cs.ServerName
	if name == "" {
		name = c.host
	}
	inter := x509.NewCertPool()
	for _, ic := range cs.PeerCertificates[1:] {
		inter.AddCert(ic)
	}
	chains, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: c.roots, Intermediates: inter, DNSName: name})
	if err != nil {
		return fmt.Errorf("server certificate: %w", err)
	}
	if c.crl != nil {
		return c.crl.verify(nil, chains)
	}
	return nil
}

// Conn starts a TLS client on conn, sending sni (or the configured
// check-sni when sni is empty). The caller runs the handshake.
func (c *Client) Conn(conn net.Conn, sni string) *tls.Conn {
	if sni == "" || sni == c.conf.ServerName {
		return tls.Client(conn, c.conf)
	}
	if v, ok := c.bySNI.Load(sni); ok {
		return tls.Client(conn, v.(*tls.Config))
	}
	conf := c.conf.Clone()
	conf.ServerName = sni
	if c.nbSNI.Add(1) <= maxSNIConfigs {
		c.bySNI.Store(sni, conf)
	}
	return tls.Client(conn, conf)
}

// Config returns the base client configuration.
func (c *Client) Config() *tls.Config { return c.conf }
