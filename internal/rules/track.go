package rules

import (
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/maps"
	"github.com/hawser-lb/hawser/internal/stick"
)

func compileTrack(slot int) func(*compileCtx, []string) (execFunc, error) {
	return func(c *compileCtx, args []string) (execFunc, error) {
		var tname string
		switch {
		case len(args) == 1:
		case len(args) == 3 && args[1] == "table":
			tname = args[2]
		default:
			return nil, c.errorf("expects a sample expression, optionally followed by 'table <table>'")
		}
		x, err := c.expr(args[0])
		if err != nil {
			return nil, err
		}
		var tbl *stick.Table
		if c.env.Table != nil {
			var ok bool
			if tbl, ok = c.env.Table(tname); !ok {
				if tname == "" {
					return nil, c.errorf("proxy '%s' has no stick-table", c.env.Proxy)
				}
				return nil, c.errorf("unable to find table '%s'", tname)
			}
		}
		return func(t Txn, _ *Outcome) Verdict {
			if tbl == nil || t.Tracked(slot) != nil {
				return Continue
			}
			buf := t.Scratch()
			v, b, ok := x.Eval(t, (*buf)[:0])
			*buf = b
			if !ok {
				return Continue
			}
			e := tbl.Track(keyOf(v))
			if e == nil {
				return Continue
			}
			if !t.Track(slot, e) {
				e.Release()
				return Continue
			}
			// Starting to track counts the stream as a connection on the
			// entry (conn_cnt, conn_rate and conn_cur, which the Txn
			// decrements when the request ends) and, from http-request,
			// the request being processed, as HAProxy's
			// stream_start_counters and track-sc action do.
			e.Record(stick.EventConn, 1)
			e.Inc(stick.ConnCur, 1)
			e.Record(stick.EventHTTPReq, 1)
			return Continue
		}, nil
	}
}

// keyOf converts a sample to a stick-table key. String keys copy the
// bytes: the table keeps them.
func keyOf(v acl.Value) stick.Key {
	switch v.Type {
	case acl.TypeIP:
		return stick.IPKey(v.IP)
	case acl.TypeInt, acl.TypeBool:
		return stick.IntKey(v.Int)
	case acl.TypeBin:
		return stick.BinaryKey(v.Bytes)
	}
	return stick.StringKey(string(v.Bytes))
}

// gpcKind selects the counter sc-inc-gpc* increments.
type gpcKind uint8

const (
	gpc0 gpcKind = iota
	gpc1
	gpcN
)

// parseSC parses "<sc-id>" or, with idx, "<idx>,<sc-id>".
func (c *compileCtx) parseSC(withIdx bool) (idx, sc int, err error) {
	s := c.paren
	if withIdx {
		var is string
		var ok bool
		if is, s, ok = strings.Cut(s, ","); !ok {
			return 0, 0, c.errorf("expects '(<idx>,<sc-id>)'")
		}
		if idx, err = strconv.Atoi(is); err != nil || idx < 0 || idx > 99 {
			return 0, 0, c.errorf("invalid index '%s'", is)
		}
	}
	if sc, err = strconv.Atoi(s); err != nil || sc < 0 || sc > 2 {
		return 0, 0, c.errorf("invalid stick counter '%s' (expected 0, 1 or 2)", s)
	}
	return idx, sc, nil
}

func compileIncGPC(k gpcKind) func(*compileCtx, []string) (execFunc, error) {
	return func(c *compileCtx, args []string) (execFunc, error) {
		idx, sc, err := c.parseSC(k == gpcN)
		if err != nil {
			return nil, err
		}
		if len(args) != 0 {
			return nil, c.errorf("unexpected argument '%s'", args[0])
		}
		return func(t Txn, _ *Outcome) Verdict {
			e := t.Tracked(sc)
			if e == nil {
				return Continue
			}
			switch k {
			case gpc0:
				e.IncGPC0()
			case gpc1:
				e.IncGPC1()
			default:
				e.IncGPC(idx)
			}
			return Continue
		}, nil
	}
}

func compileSetGPT(withIdx bool) func(*compileCtx, []string) (execFunc, error) {
	return func(c *compileCtx, args []string) (execFunc, error) {
		idx, sc, err := c.parseSC(withIdx)
		if err != nil {
			return nil, err
		}
		if len(args) != 1 {
			return nil, c.errorf("expects an integer or a sample expression")
		}
		var x *acl.Expr
		n, perr := strconv.ParseInt(args[0], 10, 64)
		if perr != nil {
			if x, err = c.expr(args[0]); err != nil {
				return nil, err
			}
		}
		return func(t Txn, _ *Outcome) Verdict {
			e := t.Tracked(sc)
			if e == nil {
				return Continue
			}
			v := n
			if x != nil {
				buf := t.Scratch()
				val, b, ok := x.Eval(t, (*buf)[:0])
				*buf = b
				if !ok {
					return Continue
				}
				v = val.Int
			}
			if withIdx {
				e.SetAt(stick.GPT, idx, uint64(v))
			} else {
				e.Set(stick.GPT0, uint64(v))
			}
			return Continue
		}, nil
	}
}

func compileCapture(c *compileCtx, args []string) (execFunc, error) {
	if len(args) != 3 || (args[1] != "len" && args[1] != "id") {
		return nil, c.errorf("expects a sample expression followed by 'len <length>' or 'id <id>'")
	}
	res := c.dir != Request
	if res && args[1] != "id" {
		// Response slots only come from "declare capture response".
		return nil, c.errorf("expects a sample expression followed by 'id <id>'")
	}
	x, err := c.expr(args[0])
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(args[2])
	if err != nil || n < 0 {
		return nil, c.errorf("invalid %s '%s'", args[1], args[2])
	}
	if args[1] == "len" {
		// "len" declares a slot of its own; config numbers it with the
		// frontend's other slots and the engine compiles the rule with
		// its id, so reaching here means there is no frontend to hold it.
		if c.env.Captures >= 0 {
			return nil, c.errorf("'len' needs a frontend to declare the capture slot in; use 'id <id>'")
		}
		return func(Txn, *Outcome) Verdict { return Continue }, nil
	}
	slots, kind := c.env.Captures, "request"
	if res {
		slots, kind = c.env.ResCaptures, "response"
	}
	if slots >= 0 && n >= slots {
		return nil, c.errorf("no 'declare capture %s' slot %d", kind, n)
	}
	return func(t Txn, _ *Outcome) Verdict {
		buf := t.Scratch()
		b, ok := x.AppendString((*buf)[:0], t)
		*buf = b
		if ok {
			t.Capture(res, n, b)
		}
		return Continue
	}, nil
}

// mapOp is what a map or ACL edit does.
type mapOp uint8

const (
	mapSet mapOp = iota
	mapDel
	aclAdd
	aclDel
)

func compileMapEdit(op mapOp) func(*compileCtx, []string) (execFunc, error) {
	return func(c *compileCtx, args []string) (execFunc, error) {
		want := 1
		if op == mapSet {
			want = 2
		}
		if len(args) != want {
			return nil, c.errorf("expects %d log-format argument(s)", want)
		}
		if c.paren == "" {
			return nil, c.errorf("expects a file name in parentheses")
		}
		var m *maps.Map
		if c.env.Maps != nil {
			var err error
			if op == mapSet || op == mapDel {
				m, err = c.env.Maps.LoadMap(c.paren)
			} else {
				m, err = c.env.Maps.LoadPatterns(c.paren)
			}
			if err != nil {
				return nil, c.errorf("%v", err)
			}
		}
		key, err := c.format(args[0])
		if err != nil {
			return nil, err
		}
		var val Format
		if op == mapSet {
			if val, err = c.format(args[1]); err != nil {
				return nil, err
			}
		}
		return func(t Txn, _ *Outcome) Verdict {
			if m == nil {
				return Continue
			}
			buf := t.Scratch()
			b := key.AppendTxn((*buf)[:0], t)
			k := string(b)
			switch op {
			case mapSet:
				v := string(val.AppendTxn(b[:0], t))
				if m.Set(k, v) == 0 {
					m.Add(k, v)
				}
			case aclAdd:
				if m.Set(k, "") == 0 {
					m.Add(k, "")
				}
			case mapDel, aclDel:
				m.Del(k)
			}
			*buf = b
			return Continue
		}, nil
	}
}
