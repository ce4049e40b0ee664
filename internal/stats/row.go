package stats

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Col is a column index of Row, in HAProxy's "show stat" order.
type Col int

// Type is the kind of object a row describes ("type" column).
type Type int

// Row types, as HAProxy numbers them.
const (
	TypeFrontend Type = 0
	TypeBackend  Type = 1
	TypeServer   Type = 2
	TypeListener Type = 3
)

// Value is one cell of a row: empty, an integer or a string. Integer
// cells that HAProxy leaves empty for a row type stay empty here too.
type Value struct {
	kind uint8 // 0 empty, 1 integer, 2 string
	n    int64
	s    string
}

// Int is an integer cell.
func Int[T ~int | ~int32 | ~int64 | ~uint32 | ~uint64](v T) Value {
	return Value{kind: 1, n: int64(v)}
}

// Str is a string cell.
func Str(s string) Value { return Value{kind: 2, s: s} }

// Empty reports whether the cell is empty.
func (v Value) Empty() bool { return v.kind == 0 }

// IsInt reports whether the cell holds an integer.
func (v Value) IsInt() bool { return v.kind == 1 }

// N returns the integer value (0 for empty and string cells).
func (v Value) N() int64 { return v.n }

// String returns the cell as HAProxy prints it, "" when empty.
func (v Value) String() string {
	switch v.kind {
	case 1:
		return strconv.FormatInt(v.n, 10)
	case 2:
		return v.s
	}
	return ""
}

// Row is one line of "show stat": a frontend, a listener, a server or a
// backend. Rows are plain values built by a collection; reading them needs
// no lock.
type Row struct {
	Type Type
	// Values are the cells, indexed by Col.
	Values [NumCols]Value
}

// Get returns the cell of column c.
func (r *Row) Get(c Col) Value { return r.Values[c] }

// Set sets the cell of column c.
func (r *Row) Set(c Col, v Value) { r.Values[c] = v }

// Proxy is the pxname column; Name the svname one.
func (r *Row) Proxy() string { return r.Values[FPxName].s }

// Name is the svname column: FRONTEND, BACKEND, a server or a listener
// name.
func (r *Row) Name() string { return r.Values[FSvName].s }

// CSVHeader is the first line of "show stat", without its newline.
var CSVHeader = "# " + strings.Join(ColNames[:], ",") + ","

// WriteCSV writes rows in the format of HAProxy's "show stat": the header
// line, one line per row with a comma after each cell, then an empty line.
func WriteCSV(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(CSVHeader)
	bw.WriteByte('\n')
	var buf []byte
	for i := range rows {
		buf = AppendCSV(buf[:0], &rows[i])
		bw.Write(buf)
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// AppendCSV appends one CSV line (with its newline) for r.
func AppendCSV(b []byte, r *Row) []byte {
	for i := range r.Values {
		v := &r.Values[i]
		switch v.kind {
		case 1:
			b = strconv.AppendInt(b, v.n, 10)
		case 2:
			b = appendCSVString(b, v.s)
		}
		b = append(b, ',')
	}
	return append(b, '\n')
}

// appendCSVString quotes s only when it holds a comma, a quote or a line
// break, doubling inner quotes (HAProxy's csv_enc).
func appendCSVString(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
