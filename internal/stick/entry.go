package stick

import (
	"sync"
	"sync/atomic"
	"time"
)

// layout says where each stored data type lives in an entry.
type layout struct {
	slots        [numDataTypes]slot
	nvals, nfrqs int
}

// slot locates a data type: off indexes Entry.vals, or Entry.frqs for
// rates; n is the element count; period is the rate period in ms.
type slot struct {
	stored bool
	off    int
	n      int
	period uint32
}

func newLayout(d *Decl) layout {
	var l layout
	for _, st := range d.Store {
		s := slot{stored: true, n: st.N, period: uint32(st.Period.Milliseconds())}
		switch dataSpecs[st.Type].std {
		case stdFreq:
			s.off = l.nfrqs
			l.nfrqs += st.N
		case stdDict:
			// server_key lives in Entry.srvKey.
		default:
			s.off = l.nvals
			l.nvals += st.N
		}
		l.slots[st.Type] = s
	}
	return l
}

// legacyArray maps the single-element names to the array that replaces
// them: fetches and actions naming gpc0, gpc1, gpc0_rate, gpc1_rate or
// gpt0 fall back to the array's element when the table stores the array.
var legacyArray = [numDataTypes]struct {
	dt  DataType
	idx int
	ok  bool
}{
	GPT0:     {GPT, 0, true},
	GPC0:     {GPC, 0, true},
	GPC1:     {GPC, 1, true},
	GPC0Rate: {GPCRate, 0, true},
	GPC1Rate: {GPCRate, 1, true},
}

// resolve returns the offset of element idx of dt, and its slot.
func (l *layout) resolve(dt DataType, idx int) (int, slot, bool) {
	if dt >= numDataTypes {
		return 0, slot{}, false
	}
	s := l.slots[dt]
	if !s.stored {
		la := legacyArray[dt]
		if !la.ok || idx != 0 {
			return 0, slot{}, false
		}
		dt, idx, s = la.dt, la.idx, l.slots[la.dt]
	}
	if !s.stored || idx < 0 || idx >= s.n {
		return 0, slot{}, false
	}
	return s.off + idx, s, true
}

// Entry is one key of a table and its stored data. Its methods are safe
// for concurrent use. Methods that change data refresh the entry's expiry,
// as HAProxy's actions do (stktable_touch_local); readers do not. Methods
// return ok=false when the table does not store the data type, which
// callers map to "the fetch does not match".
type Entry struct {
	t     *Table
	key   mapKey
	id    uint64
	shard uint8

	refs    atomic.Int32 // holders: tracked sessions
	touched atomic.Int64 // last touch, ms since the table's base

	// Guarded by the shard lock.
	hidx   int   // index in the shard heap
	queued int64 // touch time the heap position was computed with
	dead   bool  // removed from the table

	mu     sync.Mutex // guards vals, frqs and srvKey
	vals   []uint64
	frqs   []freqCtr
	srvKey string
}

// Release drops the reference taken by Track. A nil entry is ignored, so
// the result of a failed Track can be released too.
func (e *Entry) Release() {
	if e != nil {
		e.t.release(e)
	}
}

// ID returns a number that identifies the entry within its table for its
// whole life; "show table" prints it where HAProxy prints the address.
func (e *Entry) ID() uint64 { return e.id }

// Table returns the table the entry belongs to.
func (e *Entry) Table() *Table { return e.t }

// Refs returns how many holders track the entry ("use=" in show table, the
// table_trackers converter).
func (e *Entry) Refs() int { return int(e.refs.Load()) }

// Touch refreshes the entry's expiry, as "stick match" does on a hit.
func (e *Entry) Touch() { e.touchAt(e.t.nowMS()) }

func (e *Entry) touchAt(now int64) {
	if e.touched.Load() != now {
		e.touched.Store(now)
	}
}

// Expire returns the time left before the entry expires, 0 for tables
// without "expire" or for an entry past its date (the table_expire
// converter, "exp=" in show table).
func (e *Entry) Expire() time.Duration {
	exp := e.t.expireMS.Load()
	if exp <= 0 {
		return 0
	}
	left := e.touched.Load() + exp - e.t.nowMS()
	return time.Duration(max(left, 0)) * time.Millisecond
}

// Idle returns the time since the entry was last touched (table_idle).
func (e *Entry) Idle() time.Duration {
	return time.Duration(e.t.nowMS()-e.touched.Load()) * time.Millisecond
}

// Inc adds n to a counter or a rate (element 0 of an array type).
func (e *Entry) Inc(dt DataType, n uint64) bool { return e.IncAt(dt, 0, n) }

// IncAt adds n to element idx of dt. 32-bit counters wrap like HAProxy's
// unsigned ints. Adding to bytes_in/out_rate divides n by the table's
// brates-factor, rounding up.
func (e *Entry) IncAt(dt DataType, idx int, n uint64) bool {
	off, s, ok := e.t.layout.resolve(dt, idx)
	if !ok || dataSpecs[dt].std == stdDict {
		return false
	}
	now := e.t.nowMS()
	e.mu.Lock()
	e.add(dt, off, s, n, now)
	e.mu.Unlock()
	e.touchAt(now)
	return true
}

// add updates one value; e.mu must be held. dt is the name used by the
// caller; legacy names resolve to slots of the same storage kind.
func (e *Entry) add(dt DataType, off int, s slot, n uint64, now int64) {
	switch dataSpecs[dt].std {
	case stdFreq:
		if dt == BytesInRate || dt == BytesOutRate {
			f := uint64(e.t.decl.BratesFactor)
			n = (n + f - 1) / f
		}
		e.frqs[off].update(uint32(now), s.period, uint32(n))
	case stdULL:
		e.vals[off] += n
	default:
		e.vals[off] = uint64(uint32(e.vals[off] + n))
	}
}

// Dec subtracts one from a counter without going below zero, as sessions
// do with conn_cur when they end.
func (e *Entry) Dec(dt DataType) bool {
	off, _, ok := e.t.layout.resolve(dt, 0)
	if !ok || dataSpecs[dt].std == stdFreq || dataSpecs[dt].std == stdDict {
		return false
	}
	now := e.t.nowMS()
	e.mu.Lock()
	if e.vals[off] > 0 {
		e.vals[off]--
	}
	e.mu.Unlock()
	e.touchAt(now)
	return true
}

// Set stores v in a counter or tag (element 0 of an array type).
func (e *Entry) Set(dt DataType, v uint64) bool { return e.SetAt(dt, 0, v) }

// SetAt stores v in element idx of a counter or tag (sc-set-gpt,
// "set table"). Rates cannot be set. server_id keeps v as a signed
// 32-bit value, other 32-bit types keep its low 32 bits.
func (e *Entry) SetAt(dt DataType, idx int, v uint64) bool {
	off, _, ok := e.t.layout.resolve(dt, idx)
	if !ok || dataSpecs[dt].std == stdFreq || dataSpecs[dt].std == stdDict {
		return false
	}
	if dataSpecs[dt].std != stdULL {
		v = uint64(uint32(v))
	}
	now := e.t.nowMS()
	e.mu.Lock()
	e.vals[off] = v
	e.mu.Unlock()
	e.touchAt(now)
	return true
}

// Counter returns a counter or tag (element 0 of an array type).
func (e *Entry) Counter(dt DataType) (uint64, bool) { return e.CounterAt(dt, 0) }

// CounterAt returns element idx of a counter or tag. For server_id it is
// the low 32 bits; use ServerID for the signed value.
func (e *Entry) CounterAt(dt DataType, idx int) (uint64, bool) {
	off, _, ok := e.t.layout.resolve(dt, idx)
	if !ok || dataSpecs[dt].std == stdFreq || dataSpecs[dt].std == stdDict {
		return 0, false
	}
	e.mu.Lock()
	v := e.vals[off]
	e.mu.Unlock()
	return v, true
}

// Rate returns a rate (element 0 of gpc_rate) in events per period.
func (e *Entry) Rate(dt DataType) (uint64, bool) { return e.RateAt(dt, 0) }

// RateAt returns element idx of a rate, computed at the current time with
// HAProxy's read_freq_ctr_period. bytes_in/out_rate readings are
// multiplied by the table's brates-factor.
func (e *Entry) RateAt(dt DataType, idx int) (uint64, bool) {
	off, s, ok := e.t.layout.resolve(dt, idx)
	if !ok || dataSpecs[dt].std != stdFreq {
		return 0, false
	}
	return e.readRate(dt, off, s, e.t.nowMS()), true
}

func (e *Entry) readRate(dt DataType, off int, s slot, now int64) uint64 {
	e.mu.Lock()
	r := uint64(e.frqs[off].read(uint32(now), s.period))
	e.mu.Unlock()
	if dt == BytesInRate || dt == BytesOutRate {
		r *= uint64(e.t.decl.BratesFactor)
	}
	return r
}

// Record counts n occurrences of ev: it adds n to the event's cumulative
// counter and to its rate, each only if the table stores it.
func (e *Entry) Record(ev Event, n uint64) {
	if int(ev) >= len(eventTypes) {
		return
	}
	pair := eventTypes[ev]
	now := e.t.nowMS()
	changed := false
	e.mu.Lock()
	for _, dt := range pair {
		if off, s, ok := e.t.layout.resolve(dt, 0); ok {
			e.add(dt, off, s, n, now)
			changed = true
		}
	}
	e.mu.Unlock()
	if changed {
		e.touchAt(now)
	}
}

// IncGPC is the sc-inc-gpc(idx) action: it increments gpc_rate[idx] and
// gpc[idx] when stored and returns the new gpc[idx].
func (e *Entry) IncGPC(idx int) (uint64, bool) { return e.incPair(GPC, GPCRate, idx) }

// IncGPC0 is the sc-inc-gpc0 action: it increments gpc0_rate and gpc0, or
// element 0 of the arrays, and returns the new counter.
func (e *Entry) IncGPC0() (uint64, bool) { return e.incPair(GPC0, GPC0Rate, 0) }

// IncGPC1 is the sc-inc-gpc1 action, like IncGPC0 for gpc1.
func (e *Entry) IncGPC1() (uint64, bool) { return e.incPair(GPC1, GPC1Rate, 0) }

// incPair increments a general purpose counter and its rate. ok is false
// if neither is stored; the returned value is 0 if only the rate is.
func (e *Entry) incPair(cnt, rate DataType, idx int) (uint64, bool) {
	l := &e.t.layout
	if cnt == GPC || cnt == GPCRate {
		// The gpc(idx) family never falls back to gpc0/gpc1.
		if !l.slots[GPC].stored && !l.slots[GPCRate].stored {
			return 0, false
		}
	}
	coff, cs, cok := l.resolve(cnt, idx)
	roff, rs, rok := l.resolve(rate, idx)
	if !cok && !rok {
		return 0, false
	}
	now := e.t.nowMS()
	var v uint64
	e.mu.Lock()
	if rok {
		e.add(rate, roff, rs, 1, now)
	}
	if cok {
		e.add(cnt, coff, cs, 1, now)
		v = e.vals[coff]
	}
	e.mu.Unlock()
	e.touchAt(now)
	return v, true
}

// ClearGPC resets gpc[idx] and returns its previous value (sc_clr_gpc);
// use ClearGPC0/ClearGPC1 for the legacy names.
func (e *Entry) ClearGPC(idx int) (uint64, bool) {
	if !e.t.layout.slots[GPC].stored {
		return 0, false
	}
	return e.swap(GPC, idx)
}

// ClearGPC0 resets gpc0 (or gpc[0]) and returns its previous value.
func (e *Entry) ClearGPC0() (uint64, bool) { return e.swap(GPC0, 0) }

// ClearGPC1 resets gpc1 (or gpc[1]) and returns its previous value.
func (e *Entry) ClearGPC1() (uint64, bool) { return e.swap(GPC1, 0) }

func (e *Entry) swap(dt DataType, idx int) (uint64, bool) {
	off, _, ok := e.t.layout.resolve(dt, idx)
	if !ok {
		return 0, false
	}
	now := e.t.nowMS()
	e.mu.Lock()
	old := e.vals[off]
	e.vals[off] = 0
	e.mu.Unlock()
	e.touchAt(now)
	return old, true
}

// ServerID returns the stored server_id ("stick match" target).
func (e *Entry) ServerID() (int32, bool) {
	v, ok := e.Counter(ServerID)
	return int32(uint32(v)), ok
}

// SetServerID stores the id of the server a session was assigned to.
func (e *Entry) SetServerID(id int32) bool { return e.Set(ServerID, uint64(uint32(id))) }

// ServerKey returns the stored server_key: the server's name or address,
// according to the table's srvkey.
func (e *Entry) ServerKey() (string, bool) {
	if !e.t.layout.slots[ServerKey].stored {
		return "", false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.srvKey, true
}

// SetServerKey stores the server's name or address (see Decl.SrvKey).
func (e *Entry) SetServerKey(k string) bool {
	if !e.t.layout.slots[ServerKey].stored {
		return false
	}
	now := e.t.nowMS()
	e.mu.Lock()
	e.srvKey = k
	e.mu.Unlock()
	e.touchAt(now)
	return true
}
