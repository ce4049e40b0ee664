package stats

import "strconv"

// AppendTyped appends rows in the shape of HAProxy's "show stat typed":
// one line per non-empty cell,
// "<F|B|S|L>.<iid>.<sid>.<pos>.<name>.<proc>:<tags>:<type>:<value>", the
// tags being the first letters of the field's origin, nature and scope.
func AppendTyped(b []byte, rows []Row) []byte {
	for i := range rows {
		r := &rows[i]
		for c := range r.Values {
			v := &r.Values[c]
			if v.kind == 0 {
				continue
			}
			b = append(b, "FBSL"[r.Type])
			b = append(b, '.')
			b = strconv.AppendInt(b, r.Values[FIID].n, 10)
			b = append(b, '.')
			b = strconv.AppendInt(b, r.Values[FSID].n, 10)
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(c), 10)
			b = append(b, '.')
			b = append(b, ColNames[c]...)
			b = append(b, ".1:"...)
			t := tagsOf(Col(c))
			b = append(b, t.origin[0], natureLetter(t.nature), 'S', ':')
			if v.kind == 2 {
				b = append(b, "str:"...)
				b = append(b, v.s...)
			} else {
				b = append(b, t.typ...)
				b = append(b, ':')
				b = strconv.AppendInt(b, v.n, 10)
			}
			b = append(b, '\n')
		}
	}
	return b
}

// natureLetter is the letter HAProxy's typed output uses for a nature:
// its initial, except "a" for Avg (A is Age).
func natureLetter(n string) byte {
	if n == "Avg" {
		return 'a'
	}
	return n[0]
}
