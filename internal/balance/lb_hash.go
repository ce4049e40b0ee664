package balance

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/config"

	"github.com/hawser-lb/hawser/internal/hash"
)

// hashed is every hash-based algorithm (source, uri, url_param, hdr): a key
// taken from the request is hashed and mapped to a server, by "hash-type"
// map-based (lb_map.go) or consistent (lb_chash.go). When the request has no
// key, round robin applies, as in HAProxy.
type hashed struct {
	fn         hashFunc
	avalanche  bool
	consistent bool
	key        keyFunc
	cfg        config.Balance
	hdrs       *sync.Pool // of *hdrFinder, for hdr() only
}

// keyFunc returns the hash of the request's key, or false when the request
// has none.
type keyFunc func(h *hashed, s acl.Sample) (uint32, bool)

var _ picker = (*hashed)(nil)

// newHashed validates "hash-type" and returns the picker hashing key.
func newHashed(cfg config.Balance, key keyFunc) (*hashed, error) {
	h := &hashed{key: key, cfg: cfg, avalanche: cfg.Avalanche}
	switch cfg.HashType {
	case "", "map-based":
	case "consistent":
		h.consistent = true
		// HAProxy: consistent hashing uses sdbm with avalanche when no
		// function is given.
		if cfg.HashFunc == "" {
			h.avalanche = true
		}
	default:
		return nil, fmt.Errorf("unknown hash-type %q", cfg.HashType)
	}
	fn, err := lookupHashFunc(cfg.HashFunc)
	if err != nil {
		return nil, err
	}
	h.fn = fn
	return h, nil
}

func (h *hashed) deterministic() bool { return true }

// sum hashes key with the configured function and modifier.
func (h *hashed) sum(key []byte) uint32 {
	v := h.fn.sum(key)
	if h.avalanche {
		v = hash.Avalanche(v)
	}
	return v
}

func (h *hashed) pick(p *Pool, t *table, s acl.Sample, avoid *Server) *Server {
	if len(t.servers) == 1 {
		// Nothing to hash over, as in HAProxy.
		if sv := t.servers[0]; sv != avoid && sv.eligible() {
			return sv
		}
		return nil
	}
	v, ok := h.key(h, s)
	if !ok {
		return rrPick(p, t, avoid)
	}
	if t.ring != nil {
		return ringLookup(t, v, avoid)
	}
	return mapLookup(t, v, avoid)
}

// sourceKey hashes the client address. The "none" function cannot read an
// address as a number, so it folds the address into 32 bits by XOR of its
// words, which is what HAProxy does for "balance source".
func sourceKey(h *hashed, s acl.Sample) (uint32, bool) {
	ap := s.Src()
	if !ap.IsValid() {
		return 0, false // unix socket client: round robin
	}
	addr := ap.Addr().Unmap()
	var buf [16]byte
	key := buf[:4]
	if addr.Is4() {
		a := addr.As4()
		copy(key, a[:])
	} else {
		buf = addr.As16()
		key = buf[:]
	}
	if h.fn != hashFuncNone {
		return h.sum(key), true
	}
	var v uint32
	for i := 0; i+4 <= len(key); i += 4 {
		v ^= uint32(key[i])<<24 | uint32(key[i+1])<<16 | uint32(key[i+2])<<8 | uint32(key[i+3])
	}
	if h.avalanche {
		v = hash.Avalanche(v)
	}
	return v, true
}

// uriKey hashes the request target: up to '?' unless "whole", from the path
// on with "path-only", limited to "len" bytes and to "depth" directories.
func uriKey(h *hashed, s acl.Sample) (uint32, bool) {
	if !s.HTTP() {
		return 0, false
	}
	u := s.URI()
	if h.cfg.URIPathOnly {
		u = pathOf(u)
	}
	return h.sum(uriPart(u, h.cfg)), true
}

// uriPart cuts u as "balance uri" options say.
func uriPart(u []byte, cfg config.Balance) []byte {
	if cfg.URILen > 0 && len(u) > cfg.URILen {
		u = u[:cfg.URILen]
	}
	slashes := 0
	for i, c := range u {
		switch {
		case c == '/':
			slashes++
			// depth N keeps N directory levels: stop at slash N+1.
			if cfg.URIDepth > 0 && slashes == cfg.URIDepth+1 {
				return u[:i]
			}
		case c == '?' && !cfg.URIWhole:
			return u[:i]
		}
	}
	return u
}

// pathOf returns the request target from its path on, dropping the scheme
// and authority of an absolute-form target, so that HTTP/1 and HTTP/2
// requests hash alike.
func pathOf(u []byte) []byte {
	if len(u) > 0 && u[0] == '/' {
		return u
	}
	i := bytes.Index(u, []byte("://"))
	if i < 0 {
		return nil // "*" or authority-form: no path
	}
	rest := u[i+3:]
	j := bytes.IndexAny(rest, "/?")
	if j < 0 {
		return nil
	}
	return rest[j:]
}

// newURLParam builds "balance url_param <param>".
func newURLParam(cfg config.Balance) (picker, error) {
	if cfg.Param == "" {
		return nil, errors.New("missing parameter name")
	}
	return newHashed(cfg, urlParamKey)
}

// urlParamKey hashes the value of the first "<param>=<value>" of the query
// string. A missing parameter or an empty value gives no key.
func urlParamKey(h *hashed, s acl.Sample) (uint32, bool) {
	if !s.HTTP() {
		return 0, false
	}
	name := h.cfg.Param
	q := s.Query()
	for len(q) > 0 {
		seg := q
		if i := bytes.IndexByte(q, '&'); i >= 0 {
			seg, q = q[:i], q[i+1:]
		} else {
			q = nil
		}
		if len(seg) > len(name) && seg[len(name)] == '=' && string(seg[:len(name)]) == name {
			v := seg[len(name)+1:]
			if len(v) == 0 {
				return 0, false
			}
			return h.sum(v), true
		}
	}
	return 0, false
}

// newHdr builds "balance hdr(<name>) [use_domain_only]".
func newHdr(cfg config.Balance) (picker, error) {
	if cfg.Param == "" {
		return nil, errors.New("missing header name")
	}
	h, err := newHashed(cfg, hdrKey)
	if err != nil {
		return nil, err
	}
	name := []byte(cfg.Param)
	h.hdrs = &sync.Pool{New: func() any {
		f := &hdrFinder{h: h, name: name}
		f.visit = f.match // bound once, so Headers calls do not allocate
		return f
	}}
	return h, nil
}

// hdrFinder looks for one header during a Sample.Headers walk and hashes its
// value there, since the value is only valid during the callback.
type hdrFinder struct {
	h     *hashed
	name  []byte
	visit func(name, value []byte) bool
	found bool
	sum   uint32
}

func (f *hdrFinder) match(name, value []byte) bool {
	if !bytes.EqualFold(name, f.name) {
		return true
	}
	v := firstValue(value)
	if len(v) == 0 {
		return false // present but empty: round robin
	}
	if f.h.cfg.HdrUseDomainOnly {
		v = mainDomain(v)
	}
	f.found, f.sum = true, f.h.sum(v)
	return false
}

// hdrKey hashes the first value of the first occurrence of the header.
func hdrKey(h *hashed, s acl.Sample) (uint32, bool) {
	if !s.HTTP() {
		return 0, false
	}
	f := h.hdrs.Get().(*hdrFinder)
	f.found = false
	s.Headers(f.visit)
	v, ok := f.sum, f.found
	h.hdrs.Put(f)
	return v, ok
}

// firstValue returns the first element of a comma-separated header value,
// without surrounding blanks.
func firstValue(v []byte) []byte {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return bytes.Trim(v, " \t")
}

// mainDomain keeps the label before the last dot, as "use_domain_only"
// does: "haproxy.1wt.eu" gives "1wt". A name without a dot is kept whole.
func mainDomain(v []byte) []byte {
	last := bytes.LastIndexByte(v, '.')
	if last < 0 {
		return v
	}
	return v[bytes.LastIndexByte(v[:last], '.')+1 : last]
}
