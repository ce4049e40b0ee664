package auth

import "strconv"

// The body HAProxy sends with its 401 and 407 answers to "http-request
// auth" (captured from HAProxy 2.6); only the status code differs.
const (
	challengeBodyHead = "<html><body><h1>"
	challengeBodyTail = " Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n"
)

// Challenge returns the complete HTTP/1.1 response HAProxy sends for
// "http-request auth realm <realm>": status 401 with a
// "www-authenticate: Basic realm=..." header, byte for byte as HAProxy
// writes it. When the rule has no realm, HAProxy uses the name of the proxy
// (frontend or backend) that holds the rule. The response has no
// Connection header: the caller adds "connection: close" before the blank
// line when the connection will not be kept alive, as HAProxy does for
// HTTP/1.0 clients.
func Challenge(realm string) []byte {
	return challenge(401, "www-authenticate", realm)
}

// ProxyChallenge is Challenge for a proxy request (HAProxy's "option
// http-use-proxy-header" with an absolute URI): status 407 with a
// "proxy-authenticate" header. HAProxy keeps the reason "Unauthorized".
func ProxyChallenge(realm string) []byte {
	return challenge(407, "proxy-authenticate", realm)
}

func challenge(status int, header, realm string) []byte {
	code := strconv.Itoa(status)
	body := challengeBodyHead + code + challengeBodyTail
	b := make([]byte, 0, 256+len(realm))
	b = append(b, "HTTP/1.1 "+code+" Unauthorized\r\n"...)
	b = append(b, "content-length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n"...)
	// HAProxy copies the realm verbatim between the quotes.
	b = append(b, header+": Basic realm=\""...)
	b = append(b, realm...)
	b = append(b, "\"\r\n\r\n"...)
	return append(b, body...)
}
