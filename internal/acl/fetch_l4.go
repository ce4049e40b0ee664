package acl

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/hawser-lb/hawser/internal/clienthello"
)

// Content is an optional interface a Sample implements in mode tcp, where
// the layer-4 content fetches (req.len, req.payload, req.ssl_sni, ...) read
// the first bytes the client sent, buffered by "tcp-request content" rules
// under "tcp-request inspect-delay". The core Sample interface stays
// unchanged; a Sample without Content gives these fetches no value.
type Content interface {
	// Payload returns the client bytes buffered so far. final is true once
	// no more will be waited for: the inspect-delay expired, the buffer is
	// full, the client closed its side, or the rules are done.
	Payload() (b []byte, final bool)
	// Hello returns the ClientHello at the start of the payload, parsed
	// once per payload length; err is clienthello.ErrIncomplete while
	// more bytes may complete it.
	Hello() (*clienthello.Hello, error)
}

// Listener is an optional interface a Sample implements to serve so_id
// and so_name: the listening socket the connection arrived on.
type Listener interface {
	// SocketID is the listener's numeric id ("bind ... id", else the one
	// assigned in declaration order, as HAProxy numbers them).
	SocketID() int
	// SocketName is the listener's "name" option, "" when it has none.
	SocketName() string
}

// l4Fetches are the layer-4 content fetches (configuration.txt 7.3.5) and
// the listener fetches (7.3.3).
func l4Fetches() []fetchEntry {
	two := []argType{argInt, argInt}
	return []fetchEntry{
		{[]string{"so_id"}, fetchDef{out: TypeInt, fn: fetchSoID}},
		{[]string{"so_name"}, fetchDef{out: TypeStr, fn: fetchSoName}},
		{[]string{"req.len", "req_len"}, fetchDef{out: TypeInt, fn: fetchReqLen}},
		{[]string{"req.payload", "payload"}, fetchDef{args: two, minArgs: 2, out: TypeBin, fn: fetchPayload, prepare: preparePayload}},
		{[]string{"req.payload_lv", "payload_lv"}, fetchDef{args: []argType{argInt, argInt, argStr}, minArgs: 2, out: TypeBin,
			fn: fetchPayloadLV, prepare: preparePayloadLV}},
		{[]string{"req.ssl_hello_type", "req_ssl_hello_type"}, fetchDef{out: TypeInt, fn: fetchHelloInt(clienthello.HelloType)}},
		{[]string{"req.ssl_ver", "req_ssl_ver"}, fetchDef{out: TypeInt, fn: fetchHelloInt(clienthello.Version)}},
		{[]string{"req.ssl_sni", "req_ssl_sni"}, fetchDef{out: TypeStr, fn: fetchSNI}},
		{[]string{"req.ssl_alpn"}, fetchDef{out: TypeStr, fn: fetchALPN}},
		{[]string{"req.ssl_ec_ext"}, fetchDef{out: TypeBool, fn: fetchECExt}},
	}
}

// content returns the sample's buffered payload; ok is false for a Sample
// without Content (mode http), where the fetches give no value.
func (e *eval) content() (c Content, b []byte, final bool, ok bool) {
	c, ok = e.s.(Content)
	if !ok {
		return nil, nil, true, false
	}
	b, final = c.Payload()
	return c, b, final, true
}

// needMore marks the current ACL as undecided when more data may still
// come (HAProxy's SMP_F_MAY_CHANGE): a content rule reading it waits.
func (e *eval) needMore(final bool) {
	if !final {
		e.miss = true
	}
}

// fetchReqLen is req.len. As in HAProxy, a test on it does not fail while
// the buffer may still grow, so "req.len gt 10" waits for the bytes.
func fetchReqLen(e *eval, _ []arg) {
	_, b, final, ok := e.content()
	if !ok {
		// Mode http: the head and whatever body was buffered.
		if s, ok := e.s.(Body); ok {
			e.emit(intValue(s.ReqLen()))
		}
		return
	}
	e.needMore(final)
	e.emit(intValue(int64(len(b))))
}

func preparePayload(a []arg) error {
	if a[0].i < 0 || a[1].i < 0 {
		return errors.New("offset and length must not be negative")
	}
	return nil
}

// fetchPayload is req.payload(offset,length); length 0 takes everything
// from offset to the end of the buffer.
func fetchPayload(e *eval, a []arg) {
	_, b, final, ok := e.content()
	if !ok {
		return
	}
	emitRange(e, b, final, int(a[0].i), int(a[1].i))
}

// emitRange emits b[off:off+n] (b[off:] for n 0) when it is all buffered.
func emitRange(e *eval, b []byte, final bool, off, n int) {
	end := off + n
	if n == 0 {
		end = len(b)
		e.needMore(final)
	}
	if off > len(b) || end > len(b) {
		e.needMore(final)
		return
	}
	e.emit(binValue(b[off:end]))
}

// preparePayloadLV checks the length size (1 to 4 bytes, as HAProxy) and
// the optional data offset, absolute or, with a sign, relative to the end
// of the length field; the parsed offset goes into a[2].i.
func preparePayloadLV(a []arg) error {
	if a[0].i < 0 || a[1].i < 1 || a[1].i > 4 {
		return errors.New("length offset must not be negative and the length size must be 1 to 4 bytes")
	}
	if len(a) < 3 || a[2].s == "" {
		return nil
	}
	n, err := strconv.ParseInt(a[2].s, 10, 32)
	if err != nil {
		return fmt.Errorf("invalid data offset '%s'", a[2].s)
	}
	a[2].i = n
	return nil
}

func fetchSoID(e *eval, _ []arg) {
	if l, ok := e.s.(Listener); ok {
		e.emit(intValue(int64(l.SocketID())))
	}
}

func fetchSoName(e *eval, _ []arg) {
	if l, ok := e.s.(Listener); ok {
		if n := l.SocketName(); n != "" {
			e.emit(strValue([]byte(n)))
		}
	}
}

// fetchPayloadLV is req.payload_lv(offset1,length[,offset2]): a block
// whose big-endian length is stored at offset1.
func fetchPayloadLV(e *eval, a []arg) {
	_, b, final, ok := e.content()
	if !ok {
		return
	}
	emitPayloadLV(e, a, b, final)
}

// emitPayloadLV emits the block of b whose length is at a[0] over a[1]
// bytes, for req.payload_lv and res.payload_lv.
func emitPayloadLV(e *eval, a []arg, b []byte, final bool) {
	lo, ln := int(a[0].i), int(a[1].i)
	if lo+ln > len(b) {
		e.needMore(final)
		return
	}
	size := 0
	for _, c := range b[lo : lo+ln] {
		size = size<<8 | int(c)
	}
	off := lo + ln
	if len(a) > 2 && a[2].s != "" {
		if c := a[2].s[0]; c == '+' || c == '-' {
			off += int(a[2].i)
		} else {
			off = int(a[2].i)
		}
	}
	if off < 0 {
		return
	}
	emitRange(e, b, final, off, size)
	if size == 0 && off <= len(b) {
		// A zero-length block is complete as it is.
		e.miss = false
	}
}

// fetchHelloInt adapts clienthello.HelloType and clienthello.Version.
func fetchHelloInt(get func([]byte) (int, error)) fetchFunc {
	return func(e *eval, _ []arg) {
		_, b, final, ok := e.content()
		if !ok {
			return
		}
		n, err := get(b)
		if err != nil {
			if errors.Is(err, clienthello.ErrIncomplete) {
				e.needMore(final)
			}
			return
		}
		e.emit(intValue(int64(n)))
	}
}

// hello returns the parsed ClientHello, marking the ACL undecided while it
// is incomplete.
func (e *eval) hello() *clienthello.Hello {
	c, _, final, ok := e.content()
	if !ok {
		return nil
	}
	h, err := c.Hello()
	if err != nil {
		if errors.Is(err, clienthello.ErrIncomplete) {
			e.needMore(final)
		}
		return nil
	}
	return h
}

func fetchSNI(e *eval, _ []arg) {
	if h := e.hello(); h != nil && h.ServerName != "" {
		e.scratch = append(e.scratch[:0], h.ServerName...)
		e.emit(strValue(e.scratch))
	}
}

func fetchALPN(e *eval, _ []arg) {
	h := e.hello()
	if h == nil {
		return
	}
	for _, p := range h.ALPN {
		e.scratch = append(e.scratch[:0], p...)
		if e.emit(strValue(e.scratch)) {
			return
		}
	}
}

func fetchECExt(e *eval, _ []arg) {
	if h := e.hello(); h != nil {
		e.emit(boolValue(h.ECExt))
	}
}

// fetchWaitEnd is wait_end: false until the inspect-delay expires, so a
// rule using it waits for the end of the delay; true without Content.
func fetchWaitEnd(e *eval, _ []arg) {
	if _, _, final, ok := e.content(); ok && !final {
		e.miss = true
		return
	}
	e.emit(boolValue(true))
}

// payloadIsHTTP reports whether the buffered bytes start with an HTTP/1
// request line ("METHOD SP target SP HTTP/x.y"); undecided reports that
// the line is not complete yet.
func payloadIsHTTP(b []byte) (isHTTP, undecided bool) {
	line, _, found := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || !isToken(line[:sp]) {
		return false, !found && (sp < 0 && isToken(line))
	}
	rest := line[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if !found {
		return false, true
	}
	if sp <= 0 {
		return false, false
	}
	v := rest[sp+1:]
	return len(v) == 8 && bytes.HasPrefix(v, []byte("HTTP/")) && v[6] == '.', false
}

// isToken reports whether b is a non-empty run of HTTP token characters.
func isToken(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return true
}
