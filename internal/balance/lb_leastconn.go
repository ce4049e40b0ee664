package balance

import "github.com/hawser-lb/hawser/internal/acl"

// leastConn is "balance leastconn": the server with the fewest current
// connections relative to its weight. As in HAProxy, the load compared is
// (cur+1)/weight, so that weights matter even when every server is idle.
// Ties go round-robin: the scan starts at a rotating position and keeps the
// first best server it meets.
type leastConn struct{}

var _ picker = leastConn{}

func (leastConn) deterministic() bool { return false }

func (leastConn) pick(p *Pool, t *table, _ acl.Sample, avoid *Server) *Server {
	return leastLoaded(p, t, avoid)
}

// leastLoaded scans every server of t once, from a rotating start.
func leastLoaded(p *Pool, t *table, avoid *Server) *Server {
	n := uint64(len(t.servers))
	start := p.rr.Add(1) - 1
	var best *Server
	var bestLoad int64
	for k := range n {
		sv := t.servers[(start+k)%n]
		if sv == avoid || !sv.eligible() || !sv.hasRoom() {
			continue
		}
		load := sv.State.Cur() + 1
		if best == nil || lighter(load, sv.EWeight(), bestLoad, best.EWeight()) {
			best, bestLoad = sv, load
		}
	}
	return best
}

// lighter reports whether load a at weight wa is strictly below load b at
// weight wb, comparing a/wa with b/wb without division.
func lighter(a int64, wa int, b int64, wb int) bool {
	return a*int64(wb) < b*int64(wa)
}
