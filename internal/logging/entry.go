package logging

import (
	"net/netip"
	"time"
)

// NoServer is the server name HAProxy logs when no server was reached.
const NoServer = "<NOSRV>"

// Entry is what the data plane knows about one TCP session or HTTP request
// when it logs it. Timers follow HAProxy's definitions (configuration.txt
// section 8.4) and are logged in milliseconds; a negative timer means the
// event did not happen and is logged as -1, so callers must set the timers
// that did not happen to a negative value rather than leave them at zero.
type Entry struct {
	// ClientAddr is the client's address (%ci:%cp), FrontendAddr the address
	// it connected to (%fi:%fp). An invalid AddrPort is logged as "-".
	ClientAddr, FrontendAddr netip.AddrPort
	// BackendSrcAddr is the local address of the connection to the server
	// (%bi:%bp) and ServerAddr the server's address (%si:%sp).
	BackendSrcAddr, ServerAddr netip.AddrPort

	// Accept is when the connection was accepted (%t, %T, %Tl, %Ts, %ms);
	// in HTTP it is reset to when the connection became ready for this
	// request, as HAProxy does. Dates are printed in the time's own
	// location, so pass local times (time.Now()) as HAProxy logs local time.
	Accept time.Time
	// ReqStart is when the first byte of the request head arrived (%tr,
	// %trg, %trl). Zero means Accept.
	ReqStart time.Time

	// Frontend, Backend and Server are names; Server is NoServer when no
	// server was reached.
	Frontend, Backend, Server string
	// FrontendTLS adds HAProxy's '~' suffix to %ft for TLS listeners.
	FrontendTLS bool

	// HAProxy's timers (section 8.4): TR request head, Tw queues, Tc
	// connect, Tr response head, Ta active time, Tt total, Th handshake,
	// Ti idle time before the request.
	TR, Tw, Tc, Tr, Ta, Tt, Th, Ti time.Duration

	// Status is the HTTP status (%ST), -1 when there was none.
	Status int
	// BytesOut is what was sent to the client (%B), BytesIn what was
	// received from it (%U).
	BytesOut, BytesIn int64

	// TermState is the two-character termination state (%ts), e.g. "--",
	// "CD", "sH", "cR". CookieState holds the two persistence-cookie
	// characters %tsc adds. Zero bytes are logged as '-'.
	TermState, CookieState [2]byte

	// Connection counts and queue positions at logging time.
	ActConn, FeConn, BeConn, SrvConn, Retries int
	SrvQueue, BackendQueue                    int
	// Redispatched prefixes %rc with '+' (option redispatch was used).
	Redispatched bool

	// RequestLine is the HTTP request line, "GET /path HTTP/1.1" (%r, %HM,
	// %HU, %HP, %HPO, %HQ, %HV); empty in TCP mode and logged as
	// "<BADREQ>".
	RequestLine string
	// CapturedReq and CapturedRes are the "capture request|response
	// header" values in declaration order (%hr, %hrl, %hs, %hsl); nil
	// means nothing is captured and the field disappears from the line, as
	// in HAProxy. An empty value is a header that was not seen.
	CapturedReq, CapturedRes []string
	// ReqCookie and ResCookie are the "capture cookie" values (%CC, %CS).
	ReqCookie, ResCookie string

	UniqueID              string // %ID
	TLSVersion, TLSCipher string // %sslv, %sslc
	RequestCounter        uint32 // %rt
	LogCounter            uint64 // %lc

	// Partial marks a log emitted before the end ("option logasap"): %Tt,
	// %Ta, %Tu and %B are prefixed with '+'.
	Partial bool

	PID int // %pid
}

// requestDate is the request start, falling back to the accept date.
func (e *Entry) requestDate() time.Time {
	if e.ReqStart.IsZero() {
		return e.Accept
	}
	return e.ReqStart
}

// IsError reports whether the session or request counts as an error for
// "option log-separate-errors" and "option dontlog-normal", as HAProxy
// counts them: a redispatch, a termination cause other than none or local
// ('L'), retries on an otherwise clean session, or an HTTP status 5xx.
func (e *Entry) IsError() bool {
	cause := e.TermState[0]
	clean := cause == 0 || cause == '-'
	return e.Redispatched || !clean && cause != 'L' || clean && e.Retries > 0 || e.Status >= 500
}

// Level is the syslog severity of e's log line: LevelErr for errors when
// separateErrors ("option log-separate-errors") is set, else LevelInfo.
func (e *Entry) Level(separateErrors bool) int {
	if separateErrors && e.IsError() {
		return LevelErr
	}
	return LevelInfo
}
