package runtimeapi

import (
	"slices"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/stick"
)

// The stick table commands. Tables live in the engine's stick registry
// and outlive reloads; the running generation names them by proxy.
func init() {
	Register(&Command{Words: []string{"show", "table"}, Level: LevelOperator,
		Usage: "show table <table> [<filter>]*", Help: "report table usage stats or dump this table's contents (filter: data/key/ptr)", Handler: showTable})
	Register(&Command{Words: []string{"set", "table"}, Level: LevelAdmin,
		Usage: "set table <table> key <k> [data.<type> <v>]*", Help: "update or create a table entry's data", Handler: setTable})
	Register(&Command{Words: []string{"clear", "table"}, Level: LevelOperator,
		Usage: "clear table <table> [<filter>]*", Help: "remove an entry from a table (filter: data/key)", Handler: clearTable})
}

func findTable(ctx *Context, name string) (*stick.Table, error) {
	if g := ctx.Engine.Active(); g != nil {
		if t := g.Tables[name]; t != nil {
			return t, nil
		}
	}
	return nil, Errorf("No such table")
}

// tableFilter is the parsed tail of "show table" and "clear table".
type tableFilter struct {
	key    *stick.Key
	ptr    uint64
	hasPtr bool
	data   []dataCond
}

type dataCond struct {
	dt stick.DataType
	op string
	v  uint64
}

func parseTableFilter(t *stick.Table, args []string, allowPtr bool) (tableFilter, error) {
	var f tableFilter
	for len(args) > 0 {
		nth := len(f.data) + 1
		switch w := args[0]; {
		case w == "key":
			if len(args) < 2 {
				return f, Errorf("Key value expected")
			}
			k, err := t.ParseKey(args[1])
			if err != nil {
				return f, Errorf("%v", err)
			}
			f.key = &k
			args = args[2:]
		case w == "ptr" && allowPtr:
			if len(args) < 2 {
				return f, Errorf("Pointer expected (0xffff notation)")
			}
			p, err := strconv.ParseUint(args[1], 0, 64)
			if err != nil {
				return f, Errorf("Pointer expected (0xffff notation)")
			}
			f.ptr, f.hasPtr = p, true
			args = args[2:]
		case strings.HasPrefix(w, "data."):
			dt, ok := stick.ParseDataType(w[len("data."):])
			if !ok {
				return f, Errorf("Filter entry #%d: Unknown data type", nth)
			}
			if !t.Stores(dt) {
				return f, Errorf("Filter entry #%d: Data type not stored in this table", nth)
			}
			if len(args) < 3 || !slices.Contains([]string{"eq", "ne", "le", "ge", "lt", "gt"}, args[1]) {
				return f, Errorf(`Filter entry #%d: Require and operator among "eq", "ne", "le", "ge", "lt", "gt"`, nth)
			}
			v, err := strconv.ParseUint(args[2], 10, 64)
			if err != nil {
				return f, Errorf("Filter entry #%d: Require a valid integer value to compare against", nth)
			}
			f.data = append(f.data, dataCond{dt, args[1], v})
			args = args[3:]
		default:
			return f, Errorf(`Optional argument only supports "data.<store_data_type>" <operator> <value> and key <key>`)
		}
	}
	return f, nil
}

// keep reports whether e passes the data filters.
func (f *tableFilter) keep(e *stick.Entry) bool {
	for _, c := range f.data {
		v, ok := e.Value(c.dt)
		if !ok {
			return false
		}
		var r bool
		switch c.op {
		case "eq":
			r = v == c.v
		case "ne":
			r = v != c.v
		case "le":
			r = v <= c.v
		case "ge":
			r = v >= c.v
		case "lt":
			r = v < c.v
		default:
			r = v > c.v
		}
		if !r {
			return false
		}
	}
	return true
}

func showTable(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 0 {
		g := ctx.Engine.Active()
		if g == nil {
			return "", nil
		}
		names := make([]string, 0, len(g.Tables))
		for n := range g.Tables {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			ctx.W.WriteString(g.Tables[n].Describe())
		}
		return "", nil
	}
	t, err := findTable(ctx, args[0])
	if err != nil {
		return "", err
	}
	f, err := parseTableFilter(t, args[1:], true)
	if err != nil {
		return "", err
	}
	var want *stick.Entry
	if f.key != nil {
		// Get refreshes nothing and creates nothing: a missing key
		// prints the header alone.
		if want = t.Get(*f.key); want == nil {
			ctx.W.WriteString(t.Describe())
			return "", nil
		}
	}
	return "", t.DumpFunc(ctx.W, func(e *stick.Entry) bool {
		return (want == nil || e == want) && (!f.hasPtr || e.ID() == f.ptr) && f.keep(e)
	})
}

func setTable(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 0 {
		return "", Errorf("No such table")
	}
	t, err := findTable(ctx, args[0])
	if err != nil {
		return "", err
	}
	args = args[1:]
	if len(args) < 2 || args[0] != "key" {
		return "", Errorf("Key value expected")
	}
	k, err := t.ParseKey(args[1])
	if err != nil {
		return "", Errorf("%v", err)
	}
	type set struct {
		dt stick.DataType
		v  uint64
	}
	var sets []set
	for rest := args[2:]; len(rest) > 0; rest = rest[2:] {
		name, ok := strings.CutPrefix(rest[0], "data.")
		if !ok {
			return "", Errorf(`"data.<type>" followed by a value expected`)
		}
		dt, ok := stick.ParseDataType(name)
		if !ok {
			return "", Errorf("Unknown data type")
		}
		if !t.Stores(dt) {
			return "", Errorf("Data type not stored in this table")
		}
		if len(rest) < 2 {
			return "", Errorf(`"data.<type>" followed by a value expected`)
		}
		v, err := strconv.ParseUint(rest[1], 10, 64)
		if err != nil {
			return "", Errorf("Require a valid integer value to store")
		}
		sets = append(sets, set{dt, v})
	}
	e := t.Track(k)
	if e == nil {
		return "", Errorf("Unable to allocate a new entry")
	}
	defer e.Release()
	for _, s := range sets {
		if !e.SetValue(s.dt, s.v) {
			return "", Errorf("Data type cannot be set")
		}
	}
	return "", nil
}

func clearTable(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 0 {
		return "", Errorf("No such table")
	}
	t, err := findTable(ctx, args[0])
	if err != nil {
		return "", err
	}
	f, err := parseTableFilter(t, args[1:], false)
	if err != nil {
		return "", err
	}
	switch {
	case f.key != nil:
		if e := t.Get(*f.key); e != nil && f.keep(e) {
			t.DeleteEntry(e)
		}
	case len(f.data) == 0:
		t.Clear()
	default:
		for _, e := range t.Entries() {
			if f.keep(e) {
				t.DeleteEntry(e)
			}
		}
	}
	return "", nil
}
