package stick

// Runtime API support: listing entries, comparing their data and setting
// or deleting one entry ("show table", "set table", "clear table").

// Entries returns the live entries ordered as "show table" lists them.
func (t *Table) Entries() []*Entry { return t.snapshot() }

// DeleteEntry removes e unless a session holds it, and reports whether it
// did ("clear table t data.<type> <op> <v>").
func (t *Table) DeleteEntry(e *Entry) bool {
	sh := &t.shards[e.shard]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e.dead || e.refs.Load() > 0 || sh.m[e.key] != e {
		return false
	}
	t.removeLocked(sh, e)
	return true
}

// Value returns the value of data type dt as "show table" prints it and
// its filters compare it: a counter, a tag or a rate per period. ok is
// false for a type the table does not store or that has no number
// (server_key).
func (e *Entry) Value(dt DataType) (v uint64, ok bool) {
	if dt >= numDataTypes {
		return 0, false
	}
	switch dataSpecs[dt].std {
	case stdFreq:
		return e.Rate(dt)
	case stdDict:
		return 0, false
	}
	return e.Counter(dt)
}

// SetValue stores v in data type dt ("set table t key k data.<type> v").
// A rate is set as HAProxy does: v events in a period starting now.
func (e *Entry) SetValue(dt DataType, v uint64) bool {
	if dt >= numDataTypes {
		return false
	}
	if dataSpecs[dt].std != stdFreq {
		return e.Set(dt, v)
	}
	off, _, ok := e.t.layout.resolve(dt, 0)
	if !ok {
		return false
	}
	if dt == BytesInRate || dt == BytesOutRate {
		if f := uint64(e.t.decl.BratesFactor); f > 1 {
			v /= f
		}
	}
	now := e.t.nowMS()
	e.mu.Lock()
	e.frqs[off] = freqCtr{currTick: uint32(now), curr: uint32(v)}
	e.mu.Unlock()
	e.touchAt(now)
	return true
}
