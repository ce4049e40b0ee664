package stats

import (
	"strconv"
	"strings"
)

// AppendJSON appends rows in the shape of HAProxy's "show stat json" (also
// the stats page's ";json"): an array with one array per row, holding one
// object per non-empty cell with the object type, proxy and server ids,
// the field position and name, the process number, the field's tags
// (origin, nature, scope) and its typed value.
func AppendJSON(b []byte, rows []Row) []byte {
	b = append(b, '[')
	for i := range rows {
		r := &rows[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		first := true
		for c := range r.Values {
			v := &r.Values[c]
			if v.kind == 0 {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONField(b, r, Col(c), v)
		}
		b = append(b, ']')
	}
	return append(b, ']', '\n')
}

var objTypes = [...]string{TypeFrontend: "Frontend", TypeBackend: "Backend", TypeServer: "Server", TypeListener: "Listener"}

func appendJSONField(b []byte, r *Row, c Col, v *Value) []byte {
	b = append(b, `{"objType":"`...)
	if int(r.Type) < len(objTypes) {
		b = append(b, objTypes[r.Type]...)
	}
	b = append(b, `","proxyId":`...)
	b = strconv.AppendInt(b, r.Values[FIID].n, 10)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, r.Values[FSID].n, 10)
	b = append(b, `,"field":{"pos":`...)
	b = strconv.AppendInt(b, int64(c), 10)
	b = append(b, `,"name":`...)
	b = strconv.AppendQuote(b, ColNames[c])
	t := tagsOf(c)
	b = append(b, `},"processNum":1,"tags":{"origin":"`...)
	b = append(b, t.origin...)
	b = append(b, `","nature":"`...)
	b = append(b, t.nature...)
	b = append(b, `","scope":"Service"},"value":{"type":"`...)
	if v.kind == 2 {
		b = append(b, `str","value":`...)
		b = appendJSONString(b, v.s)
	} else {
		b = append(b, t.typ...)
		b = append(b, `","value":`...)
		b = strconv.AppendInt(b, v.n, 10)
	}
	return append(b, "}}"...)
}

type fieldTags struct{ origin, nature, typ string }

// tagsOf classifies a column as HAProxy's field descriptions do: where the
// value comes from (Metric, Status, Key, Config) and what it measures
// (Gauge, Limit, Max, Rate, Counter, Age, Avg, Duration, Name, Output),
// with the integer type HAProxy uses.
func tagsOf(c Col) fieldTags {
	name := ColNames[c]
	switch c {
	case FPxName, FSvName:
		return fieldTags{"Key", "Name", "str"}
	case FPID, FIID, FSID, FSRID:
		return fieldTags{"Key", "Output", "u32"}
	case FType:
		return fieldTags{"Config", "Output", "u32"}
	case FStatus, FCheckStatus, FAgentStatus, FCheckDesc, FAgentDesc, FLastChk, FLastAgt, FCheckCode, FAgentCode, FCheckHealth, FAgentHealth, FTracked:
		return fieldTags{"Status", "Output", "u32"}
	case FAddr, FCookie, FMode, FAlgo, FCheckRise, FCheckFall, FAgentRise, FAgentFall, FAct, FBck, FWeight, FUWeight:
		return fieldTags{"Config", "Output", "u32"}
	case FLastChg, FLastSess:
		return fieldTags{"Metric", "Age", "s32"}
	case FDowntime, FCheckDuration, FAgentDuration:
		return fieldTags{"Metric", "Duration", "u64"}
	case FQTime, FCTime, FRTime, FTTime:
		return fieldTags{"Metric", "Avg", "u32"}
	case FThrottle:
		return fieldTags{"Metric", "Avg", "u32"}
	}
	switch {
	case strings.HasSuffix(name, "lim") || strings.HasSuffix(name, "limit") || strings.HasSuffix(name, "_lim") || name == "slim":
		return fieldTags{"Config", "Limit", "u32"}
	case strings.HasSuffix(name, "max"):
		return fieldTags{"Metric", "Max", "u32"}
	case strings.HasSuffix(name, "rate"):
		return fieldTags{"Metric", "Rate", "u32"}
	case strings.HasSuffix(name, "cur"), strings.HasSuffix(name, "_est"):
		return fieldTags{"Metric", "Gauge", "u32"}
	}
	return fieldTags{"Metric", "Counter", "u64"}
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"' || ch == '\\':
			b = append(b, '\\', ch)
		case ch < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[ch>>4], "0123456789abcdef"[ch&15])
		default:
			b = append(b, ch)
		}
	}
	return append(b, '"')
}
