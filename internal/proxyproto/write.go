package proxyproto

import (
	"crypto/tls"
	"encoding/binary"
	"net/netip"
)

// TLV types of the v2 SSL extension (proxy-protocol.txt section 2.2.5).
const (
	tlvSSL        = 0x20
	tlvSSLVersion = 0x21
	tlvSSLCN      = 0x22
	tlvSSLCipher  = 0x23

	clientSSL      = 0x01
	clientCertConn = 0x02
	clientCertSess = 0x04
)

// Send describes the header a server line asks for ("send-proxy",
// "send-proxy-v2", "send-proxy-v2-ssl", "send-proxy-v2-ssl-cn").
type Send struct {
	// Version is 1 or 2; 0 sends nothing.
	Version int
	// SSL adds the SSL TLV (v2 only) and CN the client certificate's
	// common name inside it.
	SSL, CN bool
}

// Append appends the header for a client connection from src to dst;
// st is the client connection's TLS state, nil in clear text.
func (s Send) Append(b []byte, src, dst netip.AddrPort, st *tls.ConnectionState) []byte {
	switch s.Version {
	case 1:
		return AppendV1(b, src, dst)
	case 2:
		var tlvs []byte
		if s.SSL {
			tlvs = appendSSLTLV(nil, st, s.CN)
		}
		return AppendV2(b, src, dst, tlvs)
	}
	return b
}

// appendSSLTLV appends the PP2_TYPE_SSL extension: whether the client
// spoke TLS, whether it sent a certificate and, as HAProxy does, the
// protocol version, the cipher and (cn) the certificate's common name.
func appendSSLTLV(b []byte, st *tls.ConnectionState, cn bool) []byte {
	var client byte
	verify := uint32(1) // non-zero: no verified client certificate
	var sub []byte
	if st != nil {
		client |= clientSSL
		sub = appendTLV(sub, tlvSSLVersion, []byte(tlsVersionName(st.Version)))
		if len(st.PeerCertificates) > 0 {
			// Go verifies during the handshake: a certificate that got
			// here passed verification or was not asked to.
			client |= clientCertConn | clientCertSess
			if len(st.VerifiedChains) > 0 {
				verify = 0
			}
			if cn {
				sub = appendTLV(sub, tlvSSLCN, []byte(st.PeerCertificates[0].Subject.CommonName))
			}
		}
		sub = appendTLV(sub, tlvSSLCipher, []byte(tls.CipherSuiteName(st.CipherSuite)))
	}
	val := append([]byte{client}, binary.BigEndian.AppendUint32(nil, verify)...)
	return appendTLV(b, tlvSSL, append(val, sub...))
}

func appendTLV(b []byte, typ byte, v []byte) []byte {
	b = append(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// tlsVersionName spells versions as OpenSSL (and so HAProxy) does.
func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return "unknown"
}
