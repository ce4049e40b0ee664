package stats

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// AppendJSON writes HAProxy's "show stat json" shape: one array of fields
// per row, empty cells left out, each field typed and tagged.
func TestAppendJSON(t *testing.T) {
	t.Parallel()
	var r Row
	r.Type = TypeServer
	r.Set(FPxName, Str(`app "1"`))
	r.Set(FSvName, Str("s1"))
	r.Set(FSCur, Int(3))
	r.Set(FSTot, Int(42))
	r.Set(FStatus, Str("UP"))
	r.Set(FIID, Int(2))
	r.Set(FSID, Int(1))
	r.Set(FLastSess, Int(-1))
	type field struct {
		ObjType string `json:"objType"`
		ProxyID int    `json:"proxyId"`
		ID      int    `json:"id"`
		Field   struct {
			Pos  int
			Name string
		}
		ProcessNum int `json:"processNum"`
		Tags       struct{ Origin, Nature, Scope string }
		Value      struct {
			Type  string
			Value any
		}
	}
	var got [][]field
	b := AppendJSON(nil, []Row{r})
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if len(got) != 1 || len(got[0]) != 8 {
		t.Fatalf("want 1 row of 8 fields:\n%s", b)
	}
	type cell struct {
		Pos            int
		Name, Type     string
		Value          any
		Origin, Nature string
	}
	var cells []cell
	for _, f := range got[0] {
		if f.ObjType != "Server" || f.ProxyID != 2 || f.ID != 1 || f.ProcessNum != 1 || f.Tags.Scope != "Service" {
			t.Errorf("field %s: %+v", f.Field.Name, f)
		}
		cells = append(cells, cell{f.Field.Pos, f.Field.Name, f.Value.Type, f.Value.Value, f.Tags.Origin, f.Tags.Nature})
	}
	want := []cell{
		{0, "pxname", "str", `app "1"`, "Key", "Name"},
		{1, "svname", "str", "s1", "Key", "Name"},
		{4, "scur", "u32", 3.0, "Metric", "Gauge"},
		{7, "stot", "u64", 42.0, "Metric", "Counter"},
		{17, "status", "str", "UP", "Status", "Output"},
		{27, "iid", "u32", 2.0, "Key", "Output"},
		{28, "sid", "u32", 1.0, "Key", "Output"},
		{int(FLastSess), "lastsess", "s32", -1.0, "Metric", "Age"},
	}
	if diff := cmp.Diff(want, cells); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}
