package acl

import "github.com/hawser-lb/hawser/internal/stick"

// TableFinder is an optional interface a Sample implements to serve the
// table_* and src_* fetches: StickTable returns the stick table declared
// by the proxy called name, "" meaning the proxy whose rules are running,
// or nil. A Sample without it gives these fetches no value.
type TableFinder interface {
	StickTable(name string) *stick.Table
}

// tableFetches declares table_cnt, table_avl and src_<x>([table]) for
// every stick counter reader (configuration.txt 7.3.3): the src_ fetches
// look the client's address up in the table without tracking it.
func tableFetches() []fetchEntry {
	opt := []argType{argStr}
	out := []fetchEntry{
		{[]string{"table_cnt"}, fetchDef{args: opt, out: TypeInt, fn: fetchTableSize(func(t *stick.Table) int { return t.Len() })}},
		{[]string{"table_avl"}, fetchDef{args: opt, out: TypeInt, fn: fetchTableSize(func(t *stick.Table) int { return t.Avail() })}},
	}
	for suffix, rd := range scReaders {
		create := suffix == "inc_gpc0" || suffix == "clr_gpc0"
		out = append(out, fetchEntry{[]string{"src_" + suffix}, fetchDef{args: opt, out: TypeInt, fn: fetchSrc(rd, create)}})
	}
	return out
}

// lookupTable returns the table named by the optional first argument.
func lookupTable(e *eval, a []arg) *stick.Table {
	tf, ok := e.s.(TableFinder)
	if !ok {
		return nil
	}
	name := ""
	if len(a) > 0 {
		name = a[0].s
	}
	return tf.StickTable(name)
}

func fetchTableSize(size func(*stick.Table) int) fetchFunc {
	return func(e *eval, a []arg) {
		if t := lookupTable(e, a); t != nil {
			e.emit(intValue(int64(size(t))))
		}
	}
}

// fetchSrc reads the entry of the client's address. An address the table
// does not hold reads as zero, as in HAProxy; src_inc_gpc0 and
// src_clr_gpc0 create the entry, since they update it.
func fetchSrc(rd scReader, create bool) fetchFunc {
	return func(e *eval, a []arg) {
		t := lookupTable(e, a)
		src := e.s.Src()
		if t == nil || !src.IsValid() {
			return
		}
		key := stick.IPKey(src.Addr())
		var ent *stick.Entry
		if create {
			ent = t.Track(key)
			defer ent.Release()
		} else {
			ent = t.Get(key)
		}
		if ent == nil {
			e.emit(intValue(0))
			return
		}
		if n, ok := rd(ent); ok {
			e.emit(intValue(int64(n)))
		}
	}
}
