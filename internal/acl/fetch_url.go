package acl

import (
	"bytes"
	"net/netip"
	"strconv"
)

// urlHost splits the authority of an absolute-form request URI
// ("http://10.0.0.1:8080/x") into host and port; ok is false for the
// origin form ("/x"), which has none. The port is 80 when absent, as
// HAProxy's url2sa assumes.
func urlHost(uri []byte) (host []byte, port int, ok bool) {
	i := bytes.Index(uri, []byte("://"))
	if i <= 0 || bytes.IndexByte(uri[:i], '/') >= 0 {
		return nil, 0, false
	}
	auth := uri[i+3:]
	if j := bytes.IndexAny(auth, "/?#"); j >= 0 {
		auth = auth[:j]
	}
	if j := bytes.LastIndexByte(auth, '@'); j >= 0 {
		auth = auth[j+1:]
	}
	host, port = auth, 80
	if len(auth) > 0 && auth[0] == '[' {
		end := bytes.IndexByte(auth, ']')
		if end < 0 {
			return nil, 0, false
		}
		host, auth = auth[1:end], auth[end+1:]
		if len(auth) > 0 && auth[0] != ':' {
			return nil, 0, false
		}
	} else if j := bytes.LastIndexByte(auth, ':'); j >= 0 {
		host, auth = auth[:j], auth[j:]
	} else {
		auth = nil
	}
	if len(auth) > 1 {
		p, err := strconv.Atoi(string(auth[1:]))
		if err != nil || p <= 0 || p > 65535 {
			return nil, 0, false
		}
		port = p
	}
	return host, port, true
}

// fetchURLIP is url_ip: the host of an absolute-form URI when it is an
// IP address.
func fetchURLIP(e *eval, _ []arg) {
	host, _, ok := urlHost(e.s.URI())
	if !ok {
		return
	}
	ip, err := netip.ParseAddr(string(host))
	if err != nil {
		return
	}
	e.emit(value{typ: TypeIP, ip: ip.Unmap()})
}

// fetchURLPort is url_port: the port of an absolute-form URI (80 when
// it has none).
func fetchURLPort(e *eval, _ []arg) {
	if _, port, ok := urlHost(e.s.URI()); ok {
		e.emit(value{typ: TypeInt, i: int64(port)})
	}
}
