package balance

import (
	"errors"
	"math/rand/v2"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/config"
)

// random is "balance random(<draws>)": draws weighted random servers and
// keeps the least loaded (current connections per weight), the "power of
// two choices" when draws is 2, the default.
type random struct {
	draws int
}

var _ picker = random{}

func newRandom(cfg config.Balance) (picker, error) {
	d := cfg.RandomDraws
	if d == 0 {
		d = 2
	}
	if d < 1 {
		return nil, errors.New("draws must be 1 or more")
	}
	return random{draws: d}, nil
}

func (random) deterministic() bool { return false }

func (r random) pick(p *Pool, t *table, _ acl.Sample, avoid *Server) *Server {
	var best *Server
	var bestCur int64
	n := uint64(len(t.sched))
	for range r.draws {
		// The schedule holds each server in proportion to its weight, so a
		// uniform index is a weighted draw.
		sv := t.servers[t.sched[rand.Uint64N(n)]]
		if sv == avoid || !sv.eligible() {
			continue
		}
		cur := sv.State.Cur()
		if best == nil || lighter(cur, sv.EWeight(), bestCur, best.EWeight()) {
			best, bestCur = sv, cur
		}
	}
	if best != nil && best.hasRoom() {
		return best
	}
	// The draws found nothing that can take the request now; rather than
	// queue while another server has room, fall back to the least loaded.
	return leastLoaded(p, t, avoid)
}
