package balance

import "github.com/hawser-lb/hawser/internal/acl"

// roundRobin is "balance roundrobin" and "balance static-rr": servers take
// turns along the table's smooth weighted schedule. The position is one
// atomic counter, so the hot path takes no lock. The two keywords differ in
// HAProxy only in whether run-time weight changes apply; here the schedule
// follows the table, which is rebuilt whenever the usable group changes.
type roundRobin struct{}

var _ picker = roundRobin{}

func (roundRobin) deterministic() bool { return false }

func (roundRobin) pick(p *Pool, t *table, _ acl.Sample, avoid *Server) *Server {
	return rrPick(p, t, avoid)
}

// rrPick returns the next server of the schedule that is usable, has a free
// slot and is not avoid; full servers lose their turn, as in HAProxy.
func rrPick(p *Pool, t *table, avoid *Server) *Server {
	if !anyRoom(t, avoid) {
		return nil
	}
	n := uint64(len(t.sched))
	pos := p.rr.Add(1) - 1
	for k := range n {
		sv := t.servers[t.sched[(pos+k)%n]]
		if sv != avoid && sv.eligible() && sv.hasRoom() {
			return sv
		}
	}
	return nil
}

// anyRoom reports whether some server of t other than avoid could take a
// request, so that a scan of the schedule is not made in vain.
func anyRoom(t *table, avoid *Server) bool {
	for _, sv := range t.servers {
		if sv != avoid && sv.eligible() && sv.hasRoom() {
			return true
		}
	}
	return false
}
