package auth

import (
	"container/list"
	"crypto/sha256"
	"sync"
)

// cacheSize bounds the verified-credentials cache of one List. A few
// hundred distinct active users per userlist is already a lot; past that
// the least recently used entries are hashed again.
const cacheSize = 1024

// verifiedCache remembers credentials that passed a costly hash check, so
// a client sending the same Authorization header on every request does not
// cost a SHA-crypt or bcrypt computation (milliseconds) each time. HAProxy
// itself calls crypt(3) per request; this is hawser's addition and does not
// change any result, since a List (and its cache) is rebuilt with its
// config. Only successes are cached: a failed guess is always re-hashed, so
// an attacker cannot evict good entries cheaply nor learn anything from
// timing. Keys are SHA-256 digests, so no plain password stays in memory.
type verifiedCache struct {
	mu    sync.Mutex // guards order and index
	max   int
	order *list.List // of [sha256.Size]byte, most recent first
	index map[[sha256.Size]byte]*list.Element
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{
		max:   max,
		order: list.New(),
		index: make(map[[sha256.Size]byte]*list.Element, max),
	}
}

// contains reports whether key was added and not yet evicted, marking it
// as recently used.
func (c *verifiedCache) contains(key [sha256.Size]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.index[key]
	if ok {
		c.order.MoveToFront(e)
	}
	return ok
}

// add records key, evicting the least recently used entry when full.
func (c *verifiedCache) add(key [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.index[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	if c.order.Len() >= c.max {
		oldest := c.order.Back()
		delete(c.index, oldest.Value.([sha256.Size]byte))
		c.order.Remove(oldest)
	}
	c.index[key] = c.order.PushFront(key)
}

// len returns the number of cached entries.
func (c *verifiedCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
