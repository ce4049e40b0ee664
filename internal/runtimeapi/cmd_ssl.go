package runtimeapi

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/hawser-lb/hawser/internal/tlsconf"
)

// The TLS certificate commands. A certificate is changed in a transaction
// as in HAProxy: "set ssl cert" parses a payload into a pending
// certificate, "commit ssl cert" publishes it to the engine's certificate
// store (new handshakes use it, established connections keep theirs),
// "abort ssl cert" drops it. One transaction at a time per process.
func init() {
	Register(&Command{Words: []string{"show", "ssl", "cert"}, Level: LevelOperator,
		Usage: "show ssl cert [<certfile>]", Help: "display the SSL certificates used in memory, or the details of a file", Handler: showSSLCert})
	Register(&Command{Words: []string{"new", "ssl", "cert"}, Level: LevelAdmin,
		Usage: "new ssl cert <certfile>", Help: "create a new certificate file to be used in a crt-list or a directory", Handler: newSSLCert})
	Register(&Command{Words: []string{"set", "ssl", "cert"}, Level: LevelAdmin,
		Usage: "set ssl cert <certfile> <payload>", Help: "replace a certificate file", Handler: setSSLCert})
	Register(&Command{Words: []string{"commit", "ssl", "cert"}, Level: LevelAdmin,
		Usage: "commit ssl cert <certfile>", Help: "commit a certificate file", Handler: commitSSLCert})
	Register(&Command{Words: []string{"abort", "ssl", "cert"}, Level: LevelAdmin,
		Usage: "abort ssl cert <certfile>", Help: "abort a transaction for a certificate file", Handler: abortSSLCert})
	Register(&Command{Words: []string{"del", "ssl", "cert"}, Level: LevelAdmin,
		Usage: "del ssl cert <certfile>", Help: "delete an unused certificate file", Handler: delSSLCert})
}

// sslTxn is the pending certificate of one store.
type sslTxn struct {
	path string
	pem  []byte
	cert *tlsconf.Cert
}

// errNoTxn is the answer of commit and abort without a transaction.
var errNoTxn = Errorf("No ongoing transaction!")

var (
	sslMu   sync.Mutex
	sslTxns = map[*tlsconf.Store]*sslTxn{} // guarded by sslMu
)

func showSSLCert(ctx *Context, args []string, _ string) (string, error) {
	store := ctx.Engine.Certs()
	sslMu.Lock()
	txn := sslTxns[store]
	sslMu.Unlock()
	if len(args) == 0 {
		w := ctx.W
		if txn != nil {
			fmt.Fprintf(w, "# transaction\n*%s\n", txn.path)
		}
		w.WriteString("# filename\n")
		for _, p := range store.Paths() {
			w.WriteString(p + "\n")
		}
		return "", nil
	}
	name := args[0]
	var c *tlsconf.Cert
	status := "Unused"
	if p, ok := strings.CutPrefix(name, "*"); ok {
		if txn == nil || txn.path != p {
			return "", Errorf("Can't display the certificate: Not found or the certificate is a bundle!")
		}
		c, status = txn.cert, "Uncommitted"
	} else {
		e := store.Get(name)
		if e == nil {
			return "", Errorf("Can't display the certificate: Not found or the certificate is a bundle!")
		}
		c = e.Cert()
		if e.Used() {
			status = "Used"
		} else {
			status = "Unused"
		}
	}
	w := ctx.W
	if c == nil {
		status = "Empty"
	}
	fmt.Fprintf(w, "Filename: %s\nStatus: %s\n", name, status)
	if c == nil {
		return "", nil
	}
	leaf := c.Leaf()
	fmt.Fprintf(w, "Serial: %X\n", leaf.SerialNumber.Bytes())
	fmt.Fprintf(w, "notBefore: %s\n", leaf.NotBefore.UTC().Format("Jan _2 15:04:05 2006 GMT"))
	fmt.Fprintf(w, "notAfter: %s\n", leaf.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT"))
	if len(leaf.DNSNames) > 0 || len(leaf.IPAddresses) > 0 {
		var sans []string
		for _, n := range leaf.DNSNames {
			sans = append(sans, "DNS:"+n)
		}
		for _, ip := range leaf.IPAddresses {
			sans = append(sans, "IP Address:"+ip.String())
		}
		fmt.Fprintf(w, "Subject Alternative Name: %s\n", strings.Join(sans, ", "))
	}
	fmt.Fprintf(w, "Algorithm: %s\n", keyAlgorithm(leaf))
	fmt.Fprintf(w, "SHA1 FingerPrint: %X\n", sha1.Sum(leaf.Raw))
	fmt.Fprintf(w, "Subject: %s\n", oneline(leaf.Subject))
	fmt.Fprintf(w, "Issuer: %s\n", oneline(leaf.Issuer))
	for _, der := range c.TLS.Certificate[1:] {
		if ic, err := x509.ParseCertificate(der); err == nil {
			fmt.Fprintf(w, "Chain Subject: %s\nChain Issuer: %s\n", oneline(ic.Subject), oneline(ic.Issuer))
		}
	}
	return "", nil
}

// keyAlgorithm names the public key as HAProxy does: RSA2048, EC256.
func keyAlgorithm(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return fmt.Sprintf("EC%d", k.Curve.Params().BitSize)
	}
	return c.PublicKeyAlgorithm.String()
}

// oneline writes a name in OpenSSL's one-line form: /C=FR/O=x/CN=y.
func oneline(n pkix.Name) string {
	var b strings.Builder
	add := func(k string, vs ...string) {
		for _, v := range vs {
			b.WriteString("/" + k + "=" + v)
		}
	}
	add("C", n.Country...)
	add("ST", n.Province...)
	add("L", n.Locality...)
	add("O", n.Organization...)
	add("OU", n.OrganizationalUnit...)
	if n.CommonName != "" {
		add("CN", n.CommonName)
	}
	return b.String()
}

func newSSLCert(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 0 {
		return "", Errorf("'new ssl cert' expects a filename")
	}
	if err := ctx.Engine.Certs().New(args[0]); err != nil {
		return "", Errorf("Certificate '%s' already exists!", args[0])
	}
	return fmt.Sprintf("New empty certificate store '%s'!\n", args[0]), nil
}

func setSSLCert(ctx *Context, args []string, payload string) (string, error) {
	if len(args) == 0 || payload == "" {
		return "", Errorf("'set ssl cert expects a filename and a certificate as a payload")
	}
	path := args[0]
	store := ctx.Engine.Certs()
	sslMu.Lock()
	defer sslMu.Unlock()
	txn := sslTxns[store]
	if txn != nil && txn.path != path {
		return "", Errorf("The ongoing transaction is about '%s' but you are trying to set '%s'", txn.path, path)
	}
	if store.Get(path) == nil {
		return "", Errorf("Can't replace a certificate which is not referenced by the configuration!")
	}
	c, err := tlsconf.ParsePEM(path, []byte(payload))
	if err != nil {
		return "", Errorf("unable to load certificate '%s': %v", path, err)
	}
	msg := "Transaction updated for certificate %s!\n"
	if txn == nil {
		msg = "Transaction created for certificate %s!\n"
	}
	sslTxns[store] = &sslTxn{path: path, pem: []byte(payload), cert: c}
	return fmt.Sprintf(msg, path), nil
}

// takeTxn returns and ends the transaction on path.
func takeTxn(store *tlsconf.Store, path string) (*sslTxn, error) {
	sslMu.Lock()
	defer sslMu.Unlock()
	txn := sslTxns[store]
	if txn == nil {
		return nil, errNoTxn
	}
	if txn.path != path {
		return nil, Errorf("The ongoing transaction is about '%s' but you are trying to set '%s'", txn.path, path)
	}
	delete(sslTxns, store)
	return txn, nil
}

func commitSSLCert(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 0 {
		return "", Errorf("'commit ssl cert expects a filename")
	}
	store := ctx.Engine.Certs()
	txn, err := takeTxn(store, args[0])
	if err == errNoTxn {
		return "", Errorf("No ongoing transaction! !\nCan't commit %s!", args[0])
	}
	if err != nil {
		return "", err
	}
	if err := store.Replace(txn.path, txn.pem); err != nil {
		return "", Errorf("Committing %s\nFailed: %v", txn.path, err)
	}
	return fmt.Sprintf("Committing %s\nSuccess!\n", txn.path), nil
}

func abortSSLCert(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 0 {
		return "", Errorf("'abort ssl cert' expects a filename")
	}
	if _, err := takeTxn(ctx.Engine.Certs(), args[0]); err != nil {
		return "", err
	}
	return fmt.Sprintf("Transaction aborted for certificate '%s'!\n", args[0]), nil
}

func delSSLCert(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 0 {
		return "", Errorf("'del ssl cert' expects a certificate name")
	}
	path := args[0]
	sslMu.Lock()
	txn := sslTxns[ctx.Engine.Certs()]
	sslMu.Unlock()
	if txn != nil && txn.path == path {
		return "", Errorf("Can't delete the certificate: operations on certificate '%s' are in progress!", path)
	}
	err := ctx.Engine.Certs().Delete(path)
	switch {
	case errors.Is(err, tlsconf.ErrNoCert):
		return "", Errorf("Can't remove the certificate: certificate '%s' doesn't exist!\n\n", path)
	case errors.Is(err, tlsconf.ErrInUse):
		return "", Errorf("Can't remove the certificate: certificate '%s' in use, can't be deleted!", path)
	}
	return fmt.Sprintf("Certificate '%s' deleted!\n", path), nil
}
