package l7

// IdleConns reports how many idle connections the handler keeps for a
// server's pool key, for the runtime API's "show servers conn". It takes
// each pool's lock briefly; it is not on the request path.
func (h *Handler) IdleConns(key string) int {
	n := 0
	h.pools.Range(func(_, v any) bool {
		p := v.(*connPool)
		p.mu.Lock()
		n += len(p.idle[key])
		p.mu.Unlock()
		return true
	})
	return n
}
