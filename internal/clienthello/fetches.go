package clienthello

// HelloType returns the handshake message type at the start of b, for
// req.ssl_hello_type (1 for a ClientHello). As in HAProxy, any TLS record
// type (change_cipher_spec, alert, handshake, application_data, and 0xff)
// is looked at, the record header's length is not, and the whole handshake
// message must be buffered.
func HelloType(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, ErrIncomplete
	}
	if !isRecordType(b[0]) {
		return 0, notHello("record type %#x", b[0])
	}
	const hdr = recordHeaderLen + handshakeHeaderLen
	if len(b) < hdr {
		return 0, ErrIncomplete
	}
	if b[1] < 3 {
		return 0, notHello("record version major %d", b[1])
	}
	if int(b[3])<<8|int(b[4]) < handshakeHeaderLen {
		return 0, notHello("record too short for a handshake header")
	}
	msgLen := int(b[6])<<16 | int(b[7])<<8 | int(b[8])
	if len(b) < hdr+msgLen {
		return 0, ErrIncomplete
	}
	return int(b[5]), nil
}

// SSL version 2 record limits, from the SSLv2 specification and RFC 2246
// appendix E.
const (
	sslv2MaxRecord    = 1<<14 + 2048
	sslv2MinChallenge = 16
	sslv2MaxChallenge = 32
	sslv2SessionIDLen = 16
	sslv2CipherLen    = 3
	sslv2ClientHello  = 1
)

// Version returns the protocol version a client asks for, for req.ssl_ver,
// encoded as HAProxy does: major<<16 | minor (0x30003 for TLS 1.2, which
// TLS 1.3 clients also send). It reads the client_version of a record in
// the SSLv3/TLS format, of any record type, or of an SSLv2-format
// CLIENT-HELLO, and waits until the whole first message is buffered.
func Version(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, ErrIncomplete
	}
	if isRecordType(b[0]) {
		return tlsVersion(b)
	}
	return sslv2Version(b)
}

// tlsVersion is Version for the SSLv3/TLS record format.
func tlsVersion(b []byte) (int, error) {
	// Record header plus the handshake header and the client_version.
	const need = recordHeaderLen + handshakeHeaderLen + 2
	if len(b) < need {
		return 0, ErrIncomplete
	}
	if b[1] < 3 {
		return 0, notHello("record version major %d", b[1])
	}
	n := int(b[3])<<8 | int(b[4])
	if n < 6 || n > sslv2MaxRecord {
		return 0, notHello("record length %d", n)
	}
	if len(b) < recordHeaderLen+n {
		return 0, ErrIncomplete
	}
	return int(b[9])<<16 | int(b[10]), nil
}

// sslv2Version is Version for an SSLv2 CLIENT-HELLO, which old clients
// send for compatibility with SSLv2 servers.
func sslv2Version(b []byte) (int, error) {
	var recLen, padLen int
	r := reader(b)
	if b[0]&0x80 != 0 {
		// Two-byte header: 15-bit length, no padding.
		v, ok := r.u16()
		if !ok {
			return 0, ErrIncomplete
		}
		recLen = int(v & 0x7fff)
	} else {
		// Three-byte header: 14-bit length and a padding length.
		v, ok1 := r.u16()
		p, ok2 := r.u8()
		if !ok1 || !ok2 {
			return 0, ErrIncomplete
		}
		recLen, padLen = int(v&0x3fff), p
	}
	msgType, ok := r.u8()
	if !ok {
		return 0, ErrIncomplete
	}
	if msgType != sslv2ClientHello {
		return 0, notHello("SSLv2 message type %d", msgType)
	}
	version, ok1 := r.u16()
	cipherLen, ok2 := r.u16()
	sidLen, ok3 := r.u16()
	chalLen, ok4 := r.u16()
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return 0, ErrIncomplete
	}
	switch {
	case cipherLen%sslv2CipherLen != 0,
		sidLen != 0 && sidLen != sslv2SessionIDLen,
		chalLen < sslv2MinChallenge || chalLen > sslv2MaxChallenge,
		recLen != 9+int(cipherLen)+int(sidLen)+int(chalLen):
		return 0, notHello("malformed SSLv2 CLIENT-HELLO")
	}
	if len(r) < int(cipherLen)+int(sidLen)+int(chalLen)+padLen {
		return 0, ErrIncomplete
	}
	return int(version>>8)<<16 | int(version&0xff), nil
}

// isRecordType reports whether t is a record content type HAProxy takes as
// the start of an SSLv3/TLS record.
func isRecordType(t byte) bool {
	return (t >= 0x14 && t <= 0x17) || t == 0xff
}
