// Package auth implements HTTP basic authentication against HAProxy
// userlists: the "http-request auth" action's 401/407 challenge and the
// credential checks behind the http_auth(userlist) and
// http_auth_group(userlist) sample fetches.
//
// A List is compiled from a config.Userlist once per generation and is safe
// for concurrent use. Passwords are checked as HAProxy does with crypt(3):
// "insecure-password" in plain text, and "password" hashes in MD5-crypt
// ($1$), SHA-256-crypt ($5$), SHA-512-crypt ($6$) or bcrypt ($2a$, $2b$,
// $2y$). Every hash is validated by New, so a bad one is a config error
// instead of a user who can never log in.
package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync/atomic"

	"github.com/hawser-lb/hawser/internal/config"
)

// List is a compiled userlist.
type List struct {
	name  string
	users map[string]*account
	cache *verifiedCache
	// decoy is the costliest verifier of the list, run for a user name
	// the list does not have, so that an unknown user costs as much as a
	// wrong password and user names cannot be told apart by timing.
	decoy     verifier
	decoyRuns atomic.Int64 // for tests
}

// account is one compiled "user" line with its groups from both the user's
// "groups" argument and the "group ... users" lines.
type account struct {
	verifier verifier
	groups   map[string]bool
}

// New compiles ul, checking every password hash and every group reference.
// Errors name the userlist and the user (or group) at fault.
func New(ul *config.Userlist) (*List, error) {
	l := &List{
		name:  ul.Name,
		users: make(map[string]*account, len(ul.Users)),
		cache: newVerifiedCache(cacheSize),
	}
	known := make(map[string]bool, len(ul.Groups))
	for _, g := range ul.Groups {
		known[g.Name] = true
	}
	for _, u := range ul.Users {
		if _, dup := l.users[u.Name]; dup {
			return nil, fmt.Errorf("userlist %q: user %q: defined twice", ul.Name, u.Name)
		}
		v, err := newVerifier(u.Password, u.Insecure)
		if err != nil {
			return nil, fmt.Errorf("userlist %q: user %q: %w", ul.Name, u.Name, err)
		}
		cu := &account{verifier: v, groups: make(map[string]bool, len(u.Groups))}
		for _, g := range u.Groups {
			if !known[g] {
				return nil, fmt.Errorf("userlist %q: user %q: no such group %q", ul.Name, u.Name, g)
			}
			cu.groups[g] = true
		}
		l.users[u.Name] = cu
		if v.costly() && l.decoy == nil {
			l.decoy = v
		}
	}
	for _, g := range ul.Groups {
		for _, name := range g.Users {
			u, ok := l.users[name]
			if !ok {
				return nil, fmt.Errorf("userlist %q: group %q: no such user %q", ul.Name, g.Name, name)
			}
			u.groups[g.Name] = true
		}
	}
	return l, nil
}

// Name returns the userlist's name.
func (l *List) Name() string { return l.name }

// Check verifies the value of an Authorization header (Proxy-Authorization
// when the request is a proxy request, as HAProxy does with "option
// http-use-proxy-header") and returns the authenticated user name. It is
// the http_auth(userlist) fetch; ok is false for a missing or malformed
// header, a non-Basic scheme, an unknown user or a wrong password.
func (l *List) Check(authorization []byte) (name string, ok bool) {
	userb, pass, ok := ParseBasic(authorization)
	if !ok {
		return "", false
	}
	u, ok := l.users[string(userb)]
	if !ok {
		if l.decoy != nil {
			l.decoy.verify(pass)
			l.decoyRuns.Add(1)
		}
		return "", false
	}
	if !u.verifier.costly() {
		if !u.verifier.verify(pass) {
			return "", false
		}
		return string(userb), true
	}
	// The key covers user and password: the user name cannot contain ':'.
	h := sha256.New()
	h.Write(userb)
	h.Write([]byte{':'})
	h.Write(pass)
	var key [sha256.Size]byte
	h.Sum(key[:0])
	if l.cache.contains(key) {
		return string(userb), true
	}
	if !u.verifier.verify(pass) {
		return "", false
	}
	l.cache.add(key)
	return string(userb), true
}

// InGroups reports whether the user belongs to at least one of groups; it
// is the group match of http_auth_group(userlist) applied to the name Check
// returned. An unknown user belongs to no group.
func (l *List) InGroups(name string, groups []string) bool {
	u, ok := l.users[name]
	if !ok {
		return false
	}
	for _, g := range groups {
		if u.groups[g] {
			return true
		}
	}
	return false
}

// ParseBasic extracts the user name and password from an Authorization
// header value without checking them, the way HAProxy does for its
// http_auth* fetches: the scheme ends at the first space and must be
// "Basic" in any case, spaces before the credentials are skipped, the
// credentials are padded standard base64 and split at the first ':'.
// HAProxy handles them as C strings, so a NUL before the ':' fails and one
// in the password ends it. user and pass alias a fresh buffer.
func ParseBasic(authorization []byte) (user, pass []byte, ok bool) {
	scheme, rest, found := bytes.Cut(authorization, []byte{' '})
	if !found || len(scheme) == 0 || !bytes.EqualFold(scheme, []byte("Basic")) {
		return nil, nil, false
	}
	rest = bytes.TrimLeft(rest, " ")
	// Header values arrive with trailing whitespace removed; be sure, since
	// base64 would reject it anyway but a stray tab must not pass.
	rest = bytes.TrimRight(rest, " \t")
	// Go's decoder skips CR and LF; HAProxy's rejects them.
	if len(rest) == 0 || bytes.ContainsAny(rest, "\r\n") {
		return nil, nil, false
	}
	dec := make([]byte, base64.StdEncoding.DecodedLen(len(rest)))
	n, err := base64.StdEncoding.Decode(dec, rest)
	if err != nil {
		return nil, nil, false
	}
	dec = dec[:n]
	user, pass, found = bytes.Cut(dec, []byte{':'})
	if !found || bytes.IndexByte(user, 0) >= 0 {
		return nil, nil, false
	}
	return user, cutNUL(pass), true
}
