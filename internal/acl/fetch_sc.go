package acl

import "github.com/hawser-lb/hawser/internal/stick"

// Tracker is an optional interface a Sample implements to serve the stick
// counter fetches (sc0_conn_rate, sc_conn_rate(0), sc1_get_gpc0, ...):
// Tracked returns the entry that track-sc<slot> tracks, or nil. A Sample
// without it gives these fetches no value, as an untracked counter does in
// HAProxy for the *_rate and *_cnt fetches.
type Tracker interface {
	Tracked(slot int) *stick.Entry
}

// scReader reads one value of a tracked entry.
type scReader func(e *stick.Entry) (uint64, bool)

func scCounter(dt stick.DataType) scReader {
	return func(e *stick.Entry) (uint64, bool) { return e.Counter(dt) }
}

func scRate(dt stick.DataType) scReader {
	return func(e *stick.Entry) (uint64, bool) { return e.Rate(dt) }
}

// scReaders are the sc*_ fetches by suffix (configuration.txt 7.3.3).
var scReaders = map[string]scReader{
	"conn_cnt":       scCounter(stick.ConnCnt),
	"conn_cur":       scCounter(stick.ConnCur),
	"conn_rate":      scRate(stick.ConnRate),
	"sess_cnt":       scCounter(stick.SessCnt),
	"sess_rate":      scRate(stick.SessRate),
	"http_req_cnt":   scCounter(stick.HTTPReqCnt),
	"http_req_rate":  scRate(stick.HTTPReqRate),
	"http_err_cnt":   scCounter(stick.HTTPErrCnt),
	"http_err_rate":  scRate(stick.HTTPErrRate),
	"bytes_in_rate":  scRate(stick.BytesInRate),
	"bytes_out_rate": scRate(stick.BytesOutRate),
	"get_gpc0":       scCounter(stick.GPC0),
	"gpc0_rate":      scRate(stick.GPC0Rate),
	"get_gpt0":       scCounter(stick.GPT0),
	"kbytes_in": func(e *stick.Entry) (uint64, bool) {
		n, ok := e.Counter(stick.BytesInCnt)
		return n >> 10, ok
	},
	"kbytes_out": func(e *stick.Entry) (uint64, bool) {
		n, ok := e.Counter(stick.BytesOutCnt)
		return n >> 10, ok
	},
	"inc_gpc0": func(e *stick.Entry) (uint64, bool) { return e.IncGPC0() },
	"clr_gpc0": func(e *stick.Entry) (uint64, bool) { return e.ClearGPC0() },
}

// scFetches declares sc0_<x>, sc1_<x>, sc2_<x> and sc_<x>(<slot>) for
// every reader, plus sc<n>_tracked.
func scFetches() []fetchEntry {
	var out []fetchEntry
	for suffix, rd := range scReaders {
		for slot := range 3 {
			name := "sc" + string(rune('0'+slot)) + "_" + suffix
			out = append(out, fetchEntry{[]string{name}, fetchDef{args: []argType{argStr}, out: TypeInt, fn: fetchSC(slot, rd)}})
		}
		out = append(out, fetchEntry{[]string{"sc_" + suffix}, fetchDef{args: []argType{argInt, argStr}, minArgs: 1, out: TypeInt,
			fn: fetchSCArg(rd), prepare: prepareSlot}})
	}
	for slot := range 3 {
		name := "sc" + string(rune('0'+slot)) + "_tracked"
		out = append(out, fetchEntry{[]string{name}, fetchDef{out: TypeBool, fn: fetchSCTracked(slot)}})
	}
	// The array counters, gpc(n) and gpt(n): sc_<x>(<idx>,<slot>[,<table>]).
	for name, rd := range scIdxReaders {
		out = append(out, fetchEntry{[]string{name}, fetchDef{args: []argType{argInt, argInt, argStr}, minArgs: 2, out: TypeInt,
			fn: fetchSCIdx(rd), prepare: prepareIdxSlot}})
	}
	return out
}

// scIdxReaders read element idx of an array data type of a tracked entry.
var scIdxReaders = map[string]func(e *stick.Entry, idx int) (uint64, bool){
	"sc_get_gpc":  func(e *stick.Entry, i int) (uint64, bool) { return e.CounterAt(stick.GPC, i) },
	"sc_get_gpt":  func(e *stick.Entry, i int) (uint64, bool) { return e.CounterAt(stick.GPT, i) },
	"sc_gpc_rate": func(e *stick.Entry, i int) (uint64, bool) { return e.RateAt(stick.GPCRate, i) },
	"sc_inc_gpc":  func(e *stick.Entry, i int) (uint64, bool) { return e.IncGPC(i) },
	"sc_clr_gpc":  func(e *stick.Entry, i int) (uint64, bool) { return e.ClearGPC(i) },
}

// prepareIdxSlot checks <idx> (0..99, HAProxy's array limit) and <slot>.
func prepareIdxSlot(a []arg) error {
	if a[0].i < 0 || a[0].i > 99 {
		return errorString("array index must be between 0 and 99")
	}
	if a[1].i < 0 || a[1].i > 2 {
		return errSlot
	}
	return nil
}

// fetchSCIdx is sc_<x>(<idx>,<slot>[,<table>]), read like fetchSCArg.
func fetchSCIdx(rd func(*stick.Entry, int) (uint64, bool)) fetchFunc {
	return func(e *eval, a []arg) {
		ent := tracked(e, int(a[1].i))
		if ent == nil || len(a) > 2 && a[2].s != "" && ent.Table().Name() != a[2].s {
			return
		}
		if n, ok := rd(ent, int(a[0].i)); ok {
			e.emit(intValue(int64(n)))
		}
	}
}

func prepareSlot(a []arg) error {
	if a[0].i < 0 || a[0].i > 2 {
		return errSlot
	}
	return nil
}

var errSlot = errorString("stick counter number must be 0, 1 or 2")

type errorString string

func (e errorString) Error() string { return string(e) }

func tracked(e *eval, slot int) *stick.Entry {
	t, ok := e.s.(Tracker)
	if !ok {
		return nil
	}
	return t.Tracked(slot)
}

// fetchSC is sc<slot>_<x>([<table>]); a table restricts it as in
// fetchSCArg.
func fetchSC(slot int, rd scReader) fetchFunc {
	return func(e *eval, a []arg) {
		if len(a) > 0 && a[0].s != "" {
			if ent := tracked(e, slot); ent == nil || ent.Table().Name() != a[0].s {
				return
			}
		}
		emitSC(e, slot, rd)
	}
}

// fetchSCArg is sc_<x>(<slot>[,<table>]). With a table, the counter is
// read only when the slot tracks an entry of that table: hawser does not
// look the tracked key up in other tables yet.
func fetchSCArg(rd scReader) fetchFunc {
	return func(e *eval, a []arg) {
		slot := int(a[0].i)
		if len(a) > 1 && a[1].s != "" {
			if ent := tracked(e, slot); ent == nil || ent.Table().Name() != a[1].s {
				return
			}
		}
		emitSC(e, slot, rd)
	}
}

func emitSC(e *eval, slot int, rd scReader) {
	if ent := tracked(e, slot); ent != nil {
		if n, ok := rd(ent); ok {
			e.emit(intValue(int64(n)))
		}
	}
}

func fetchSCTracked(slot int) fetchFunc {
	return func(e *eval, _ []arg) { e.emit(boolValue(tracked(e, slot) != nil)) }
}
