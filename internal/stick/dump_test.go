package stick

import (
	"strings"
	"testing"
	"time"
)

func TestDump(t *testing.T) {
	t.Parallel()
	tb, c := newTable(t, "type ip size 1m expire 30s store http_req_rate(10s),server_id,conn_cur,bytes_out_cnt,server_key,gpt(2),gpc(2),gpc_rate(2,1m)")
	e := tb.Track(ip("127.0.0.1"))
	defer e.Release()
	e.Record(EventHTTPReq, 3)
	e.SetServerID(-1)
	e.Inc(ConnCur, 1)
	e.Record(EventBytesOut, 1234)
	e.SetAt(GPT, 1, 5)
	e.IncGPC(1)
	tb.Track(ip("10.0.0.2")).Release()
	c.Advance(time.Second)

	var sb strings.Builder
	if err := tb.Dump(&sb); err != nil {
		t.Fatal(err)
	}
	want := "# table: st, type: ip, size:1048576, used:2\n" +
		"0x1: key=127.0.0.1 use=1 exp=29000 shard=9 server_id=-1 conn_cur=1 http_req_rate(10000)=3 bytes_out_cnt=1234 server_key=- gpt0=0 gpt1=5 gpc0=0 gpc1=1 gpc0_rate(60000)=0 gpc1_rate(60000)=1\n" +
		"0x2: key=10.0.0.2 use=0 exp=29000 shard=15 server_id=0 conn_cur=0 http_req_rate(10000)=0 bytes_out_cnt=0 server_key=- gpt0=0 gpt1=0 gpc0=0 gpc1=0 gpc0_rate(60000)=0 gpc1_rate(60000)=0\n"
	if sb.String() != want {
		t.Errorf("Dump:\n%s\nwant:\n%s", sb.String(), want)
	}
}

func TestDumpKeyTypesAndFilter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, decl string
		key        Key
		want       string
	}{
		{"integer", "type integer size 5", IntKey(7), "# table: st, type: integer, size:5, used:1\n0x1: key=7 use=0 exp=0 shard=4\n"},
		{"string", "type string len 8 size 5 store gpc0", StringKey("a b"), "# table: st, type: string, size:5, used:1\n0x1: key=a\\ b use=0 exp=0 shard=3 gpc0=0\n"},
		{"binary", "type binary len 3 size 5", BinaryKey([]byte{1}), "# table: st, type: binary, size:5, used:1\n0x1: key=010000 use=0 exp=0 shard=9\n"},
		{"ipv6", "type ipv6 size 5", ip("::1"), "# table: st, type: ipv6, size:5, used:1\n0x1: key=::1 use=0 exp=0 shard=15\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb, _ := newTable(t, tc.decl)
			tb.Track(tc.key).Release()
			var sb strings.Builder
			if err := tb.Dump(&sb); err != nil {
				t.Fatal(err)
			}
			if sb.String() != tc.want {
				t.Errorf("Dump = %q, want %q", sb.String(), tc.want)
			}
			sb.Reset()
			if err := tb.DumpFunc(&sb, func(*Entry) bool { return false }); err != nil {
				t.Fatal(err)
			}
			if head, _, _ := strings.Cut(tc.want, "\n"); sb.String() != head+"\n" {
				t.Errorf("filtered Dump = %q", sb.String())
			}
			if tb.Entry(1) == nil || tb.Entry(2) != nil {
				t.Error("Entry by ID")
			}
		})
	}
}
