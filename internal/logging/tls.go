package logging

import (
	"crypto/tls"

	"github.com/hawser-lb/hawser/internal/tlsnames"
)

// SetTLS fills what the log knows of the client connection's TLS: the
// '~' of %ft, %sslv and %sslc. A nil state (cleartext) clears them.
func (e *Entry) SetTLS(st *tls.ConnectionState) {
	if st == nil {
		e.FrontendTLS, e.TLSVersion, e.TLSCipher = false, "", ""
		return
	}
	e.FrontendTLS = true
	e.TLSVersion = tlsnames.Version(st.Version)
	e.TLSCipher = tlsnames.CipherName(st.CipherSuite)
}
