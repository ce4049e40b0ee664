package resolver

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// Counters are the figures of one nameserver of a resolvers section, as
// HAProxy's resolvers stats module names them. They are kept by section
// and nameserver name for the life of the process, so a reload keeps
// them.
type Counters struct {
	Sent      atomic.Uint64 // queries sent
	SendError atomic.Uint64 // queries that could not be sent
	Valid     atomic.Uint64 // valid answers
	CNAME     atomic.Uint64 // answers with a CNAME record
	AnyErr    atomic.Uint64 // error answers of any kind
	NX        atomic.Uint64 // "no such name"
	Timeout   atomic.Uint64 // no answer in time
	Refused   atomic.Uint64
	Other     atomic.Uint64 // other error codes
	Invalid   atomic.Uint64 // answers that do not parse
	Truncated atomic.Uint64 // answers with the TC bit
}

// NameserverStats is one nameserver's counters with its names.
type NameserverStats struct {
	Resolvers, Nameserver string
	*Counters
}

var registry sync.Map // "resolvers\x00nameserver" -> *Counters

// CountersFor returns the counters of nameserver ns of section, created
// on first use.
func CountersFor(section, ns string) *Counters {
	key := section + "\x00" + ns
	if c, ok := registry.Load(key); ok {
		return c.(*Counters)
	}
	c, _ := registry.LoadOrStore(key, new(Counters))
	return c.(*Counters)
}

// Stats returns the counters of every nameserver that has some (see
// CountersFor), sorted by section and nameserver.
func Stats() []NameserverStats {
	var out []NameserverStats
	registry.Range(func(k, v any) bool {
		key := k.(string)
		for i := range len(key) {
			if key[i] == 0 {
				out = append(out, NameserverStats{Resolvers: key[:i], Nameserver: key[i+1:], Counters: v.(*Counters)})
				break
			}
		}
		return true
	})
	slices.SortFunc(out, func(a, b NameserverStats) int {
		return cmp.Or(cmp.Compare(a.Resolvers, b.Resolvers), cmp.Compare(a.Nameserver, b.Nameserver))
	})
	return out
}

// count records the outcome of one exchange with a nameserver.
func (c *Counters) count(err error) {
	if err == nil {
		c.Valid.Add(1)
		return
	}
	re, ok := err.(*Error)
	if !ok {
		return // cancelled: not the nameserver's doing
	}
	c.AnyErr.Add(1)
	switch re.Status {
	case StatusNX:
		c.NX.Add(1)
	case StatusTimeout:
		c.Timeout.Add(1)
	case StatusRefused:
		c.Refused.Add(1)
	case statusInvalid:
		c.Invalid.Add(1)
	default:
		c.Other.Add(1)
	}
}
