// Package acl evaluates HAProxy conditions: named and anonymous ACLs built
// from sample fetches, converters and matchers, combined with "!" , "||" and
// implicit AND.
package acl

import "net/netip"

// Sample is what fetches read: the connection and, in HTTP mode, the
// request being processed. The data plane implements it without allocating;
// byte slices are only valid during the call that received them.
type Sample interface {
	// Src is the client address, Dst the address the client connected to.
	Src() netip.AddrPort
	Dst() netip.AddrPort
	// HTTP reports whether a parsed HTTP request is available; the methods
	// below return nil when it is not.
	HTTP() bool
	Method() []byte
	// URI is the request target as received.
	URI() []byte
	// Path is the path part of the request target, without the query
	// string (for an absolute-form target, the part after the authority).
	Path() []byte
	// Query is the part after '?', without it; nil if there is none.
	Query() []byte
	// Version is the HTTP version as "1.0", "1.1" or "2.0".
	Version() []byte
	// Headers calls fn for each request header line in order, with the
	// name as received; it stops early when fn returns false.
	Headers(fn func(name, value []byte) bool)
}
