package stats

import (
	"strings"
	"testing"
)

func TestColumns(t *testing.T) {
	t.Parallel()
	// Spot checks of positions documented in management.txt.
	tests := []struct {
		name string
		col  Col
		want string
	}{
		{name: "first", col: FPxName, want: "pxname"},
		{name: "status", col: FStatus, want: "status"},
		{name: "type", col: FType, want: "type"},
		{name: "hrsp_1xx", col: FHRsp1xx, want: "hrsp_1xx"},
		{name: "check_desc", col: FCheckDesc, want: "check_desc"},
		{name: "conn_rate", col: FConnRate, want: "conn_rate"},
		{name: "eint", col: FEInt, want: "eint"},
		{name: "uweight", col: FUWeight, want: "uweight"},
		{name: "h3req", col: FH3Req, want: "h3req"},
		{name: "agg_server_check_status", col: FAggServerCheckStatus, want: "agg_server_check_status"},
		{name: "proto", col: FProto, want: "proto"},
	}
	pos := map[string]int{"pxname": 0, "status": 17, "type": 32, "hrsp_1xx": 39, "check_desc": 65, "conn_rate": 77, "eint": 94, "uweight": 99, "h3req": 111, "agg_server_check_status": 101, "proto": 112}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if ColNames[tc.col] != tc.want || int(tc.col) != pos[tc.want] {
				t.Errorf("column %d is %q, want %q at %d", tc.col, ColNames[tc.col], tc.want, pos[tc.want])
			}
		})
	}
}

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	var r Row
	r.Set(FPxName, Str("web"))
	r.Set(FSvName, Str("FRONTEND"))
	r.Set(FSCur, Int(3))
	r.Set(FStatus, Str("OPEN"))
	r.Set(FCheckDesc, Str(`say "hi", then go`))
	var b strings.Builder
	if err := WriteCSV(&b, []Row{r}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if len(lines) != 4 || lines[2] != "" || lines[3] != "" {
		t.Fatalf("want header, one row, empty line; got %q", b.String())
	}
	if !strings.HasPrefix(lines[0], "# pxname,svname,qcur,qmax,scur,") || !strings.HasSuffix(lines[0], ",proto,") {
		t.Errorf("header %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "web,FRONTEND,,,3,") {
		t.Errorf("row %q", lines[1])
	}
	if !strings.Contains(lines[1], `,"say ""hi"", then go",`) {
		t.Errorf("quoting: %q", lines[1])
	}
	if n := strings.Count(lines[1], ","); n < NumCols {
		t.Errorf("row has %d commas, want at least %d", n, NumCols)
	}
}
