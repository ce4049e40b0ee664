package balance

// mapLookup is "hash-type map-based": the hash modulo the total weight of
// the usable servers indexes the weighted schedule. When that server cannot
// be used (it went down after the table was built, or it is the server to
// avoid on a redispatch), the following entries are tried.
func mapLookup(t *table, v uint32, avoid *Server) *Server {
	n := uint32(len(t.sched))
	start := v % n
	for k := range n {
		sv := t.servers[t.sched[(start+k)%n]]
		if sv != avoid && sv.eligible() {
			return sv
		}
	}
	return nil
}
