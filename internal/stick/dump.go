package stick

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Describe returns the table's line of the Runtime API "show table"
// command, with its trailing newline:
//
//	# table: st_src, type: ip, size:1048576, used:1
func (t *Table) Describe() string {
	return fmt.Sprintf("# table: %s, type: %s, size:%d, used:%d\n", t.name, t.decl.Type, t.decl.Size, t.Len())
}

// Dump writes "show table <name>": the Describe line, then one line per
// entry, ordered by shard and key.
func (t *Table) Dump(w io.Writer) error { return t.DumpFunc(w, nil) }

// DumpFunc is Dump restricted to the entries keep accepts, for the
// "data.<type> <op> <value>", "key" and "ptr" filters of "show table".
// A nil keep accepts every entry.
func (t *Table) DumpFunc(w io.Writer, keep func(*Entry) bool) error {
	if _, err := io.WriteString(w, t.Describe()); err != nil {
		return err
	}
	var sb strings.Builder
	for _, e := range t.snapshot() {
		if keep != nil && !keep(e) {
			continue
		}
		sb.Reset()
		t.formatEntry(&sb, e)
		if _, err := io.WriteString(w, sb.String()); err != nil {
			return err
		}
	}
	return nil
}

// Entry returns the entry with the given ID, or nil ("show table t ptr").
func (t *Table) Entry(id uint64) *Entry {
	for _, e := range t.snapshot() {
		if e.id == id {
			return e
		}
	}
	return nil
}

// snapshot returns the live entries, sorted by shard then key.
func (t *Table) snapshot() []*Entry {
	now := t.nowMS()
	var out []*Entry
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		start := len(out)
		for _, e := range sh.m {
			if e.refs.Load() == 0 && t.expired(e, now) {
				continue // gone as far as clients can tell
			}
			out = append(out, e)
		}
		sh.mu.Unlock()
		slices.SortFunc(out[start:], func(a, b *Entry) int {
			return cmp.Or(cmp.Compare(a.key.a, b.key.a), cmp.Compare(a.key.b, b.key.b), strings.Compare(a.key.s, b.key.s))
		})
	}
	return out
}

// formatEntry writes one entry line:
//
//	0x1: key=127.0.0.1 use=0 exp=29000 shard=3 gpc0=1 http_req_rate(10000)=3
func (t *Table) formatEntry(sb *strings.Builder, e *Entry) {
	now := t.nowMS()
	sb.WriteString("0x")
	sb.WriteString(strconv.FormatUint(e.id, 16))
	sb.WriteString(": key=")
	t.formatKey(sb, e.key)
	fmt.Fprintf(sb, " use=%d exp=%d shard=%d", e.refs.Load(), e.Expire().Milliseconds(), e.shard)
	for _, st := range t.decl.Store {
		t.formatData(sb, e, st, now)
	}
	sb.WriteByte('\n')
}

// formatData writes " name=value" for each element of a stored type.
// Array elements are named like HAProxy: gpt0, gpc3, gpc3_rate(10000).
func (t *Table) formatData(sb *strings.Builder, e *Entry, st Store, now int64) {
	spec := dataSpecs[st.Type]
	s := t.layout.slots[st.Type]
	for i := range st.N {
		sb.WriteByte(' ')
		name := spec.name
		if spec.isArray {
			prefix, suffix, _ := strings.Cut(name, "_")
			name = prefix + strconv.Itoa(i)
			if suffix != "" {
				name += "_" + suffix
			}
		}
		sb.WriteString(name)
		if spec.period {
			fmt.Fprintf(sb, "(%d)", s.period)
		}
		sb.WriteByte('=')
		switch spec.std {
		case stdFreq:
			sb.WriteString(strconv.FormatUint(e.readRate(st.Type, s.off+i, s, now), 10))
		case stdDict:
			k, _ := e.ServerKey()
			if k == "" {
				k = "-"
			}
			sb.WriteString(k)
		case stdSInt:
			v, _ := e.CounterAt(st.Type, i)
			sb.WriteString(strconv.FormatInt(int64(int32(uint32(v))), 10))
		default:
			v, _ := e.CounterAt(st.Type, i)
			sb.WriteString(strconv.FormatUint(v, 10))
		}
	}
}
