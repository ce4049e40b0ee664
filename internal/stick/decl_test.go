package stick

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseDecl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want *Decl
	}{
		{
			name: "blog rate limit",
			line: "stick-table type ip size 1m expire 10s store http_req_rate(10s)",
			want: &Decl{Type: IPv4, KeyLen: 4, Size: 1 << 20, Expire: 10 * time.Second, BratesFactor: 1,
				Store: []Store{{Type: HTTPReqRate, N: 1, Period: 10 * time.Second}}},
		},
		{
			name: "without keyword, ipv4 alias, every option",
			line: "type ipv4 size 200k expire 5m nopurge recv-only srvkey addr brates-factor 8 store gpc0,conn_rate(30s) store conn_cur",
			want: &Decl{Type: IPv4, KeyLen: 4, Size: 200 << 10, Expire: 5 * time.Minute, NoPurge: true, RecvOnly: true,
				SrvKey: SrvKeyAddr, BratesFactor: 8,
				Store: []Store{{Type: GPC0, N: 1}, {Type: ConnRate, N: 1, Period: 30 * time.Second}, {Type: ConnCur, N: 1}}},
		},
		{
			name: "ipv6",
			line: "stick-table type ipv6 size 10",
			want: &Decl{Type: IPv6, KeyLen: 16, Size: 10, BratesFactor: 1},
		},
		{
			name: "integer",
			line: "stick-table type integer size 1g",
			want: &Decl{Type: Integer, KeyLen: 4, Size: 1 << 30, BratesFactor: 1},
		},
		{
			name: "string default length keeps 31 characters",
			line: "stick-table type string size 1k",
			want: &Decl{Type: String, KeyLen: 31, Size: 1024, BratesFactor: 1},
		},
		{
			name: "string with len",
			line: "stick-table type string len 64 size 1k",
			want: &Decl{Type: String, KeyLen: 64, Size: 1024, BratesFactor: 1},
		},
		{
			name: "binary default length",
			line: "stick-table type binary size 1",
			want: &Decl{Type: Binary, KeyLen: 32, Size: 1, BratesFactor: 1},
		},
		{
			name: "binary with len",
			line: "stick-table type binary len 20 size 1",
			want: &Decl{Type: Binary, KeyLen: 20, Size: 1, BratesFactor: 1},
		},
		{
			name: "arrays are ordered by data type",
			line: "stick-table type ip size 1 store gpc_rate(3,1m),gpt(2),gpc(3),server_id",
			want: &Decl{Type: IPv4, KeyLen: 4, Size: 1, BratesFactor: 1, Store: []Store{
				{Type: ServerID, N: 1}, {Type: GPT, N: 2}, {Type: GPC, N: 3}, {Type: GPCRate, N: 3, Period: time.Minute}}},
		},
		{
			name: "duplicate store is a warning",
			line: "stick-table type ip size 1 store gpc0 store gpc0",
			want: &Decl{Type: IPv4, KeyLen: 4, Size: 1, BratesFactor: 1, Store: []Store{{Type: GPC0, N: 1}},
				Warnings: []string{"stick-table: store option 'gpc0' already enabled, ignored"}},
		},
		{
			name: "time units round up",
			line: "stick-table type ip size 1 expire 1500us store sess_rate(2h)",
			want: &Decl{Type: IPv4, KeyLen: 4, Size: 1, Expire: 2 * time.Millisecond, BratesFactor: 1,
				Store: []Store{{Type: SessRate, N: 1, Period: 2 * time.Hour}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDecl(strings.Fields(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseDecl (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDeclErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want string
	}{
		{"missing size", "stick-table type ip", "stick-table: missing size"},
		{"zero size", "stick-table type ip size 0", "stick-table: missing size"},
		{"missing type", "stick-table size 1", "stick-table: missing type"},
		{"unknown type", "stick-table type ipv5 size 1", "stick-table: unknown type 'ipv5'"},
		{"type without argument", "stick-table type", "stick-table: missing argument after 'type'"},
		{"bad len", "stick-table type string len 0 size 1", "stick-table: 'len' expects a positive integer argument"},
		{"len without value", "stick-table type string len", "stick-table: 'len' expects a positive integer argument"},
		{"len on ip", "stick-table type ip len 4 size 1", "stick-table: unknown argument 'len'"},
		{"size without value", "stick-table type ip size", "stick-table: missing argument after 'size'"},
		{"size bad suffix", "stick-table type ip size 1x", "stick-table: unexpected character 'x' in argument of 'size'"},
		{"size trailing", "stick-table type ip size 1kb", "stick-table: unexpected character 'b' in argument of 'size'"},
		{"size overflow", "stick-table type ip size 5g", "stick-table: value too large in argument of 'size'"},
		{"expire bad unit", "stick-table type ip size 1 expire 10x", "stick-table: invalid time '10x' for 'expire': unexpected character 'x'"},
		{"expire overflow", "stick-table type ip size 1 expire 25d", "timer overflow, maximum value is 2147483647 ms (~24.8 days)"},
		{"peers", "stick-table type ip size 1 peers mypeers", "stick-table: 'peers' is not supported by hawser"},
		{"write-to", "stick-table type ip size 1 write-to other", "stick-table: 'write-to' is not supported by hawser"},
		{"unknown argument", "stick-table type ip size 1 purge", "stick-table: unknown argument 'purge'"},
		{"unknown store", "stick-table type ip size 1 store gpc9", "stick-table: unknown store option 'gpc9'"},
		{"store without list", "stick-table type ip size 1 store", "stick-table: missing argument after 'store'"},
		{"rate without period", "stick-table type ip size 1 store conn_rate", "stick-table: missing argument to store option 'conn_rate'"},
		{"counter with argument", "stick-table type ip size 1 store conn_cnt(10s)", "stick-table: unexpected argument to store option 'conn_cnt'"},
		{"unclosed parenthesis", "stick-table type ip size 1 store conn_rate(10s", "stick-table: missing closing parenthesis after store option 'conn_rate'"},
		{"zero period", "stick-table type ip size 1 store conn_rate(0)", "stick-table: the period of store option 'conn_rate' must be at least 1ms"},
		{"bad period", "stick-table type ip size 1 store conn_rate(1y)", "stick-table: invalid period '1y' for store option 'conn_rate': unexpected character 'y'"},
		{"array without size", "stick-table type ip size 1 store gpc", "stick-table: missing argument to store option 'gpc'"},
		{"array too large", "stick-table type ip size 1 store gpc(101)", "stick-table: array size is out of allowed range (1-100) for store option 'gpc'"},
		{"array empty", "stick-table type ip size 1 store gpt(0)", "stick-table: array size is out of allowed range (1-100) for store option 'gpt'"},
		{"array rate without period", "stick-table type ip size 1 store gpc_rate(2)", "stick-table: missing argument to store option 'gpc_rate'"},
		{"gpt and gpt0", "stick-table type ip size 1 store gpt(2),gpt0", "'gpt' overrides 'gpt0'"},
		{"gpc and gpc1", "stick-table type ip size 1 store gpc1 store gpc(2)", "'gpc' overrides 'gpc[0/1]'"},
		{"gpc_rate and gpc0_rate", "stick-table type ip size 1 store gpc_rate(2,1s),gpc0_rate(1s)", "'gpc_rate' overrides 'gpc[0/1]_rate'"},
		{"unknown srvkey", "stick-table type ip size 1 srvkey id", "stick-table: unknown server key type 'id'"},
		{"brates-factor range", "stick-table type ip size 1 brates-factor 2k", "stick-table: argument 'brates-factor' must be greater than 0 and lower or equal than 1024"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseDecl(strings.Fields(tc.line))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseDecl(%q) error = %v, want %q", tc.line, err, tc.want)
			}
		})
	}
}

func TestDeclEnable(t *testing.T) {
	t.Parallel()
	d, err := ParseDecl(strings.Fields("type ip size 1 store gpc0"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dt := range []DataType{ServerKey, ServerID, ServerID} {
		if err := d.Enable(dt); err != nil {
			t.Fatal(err)
		}
	}
	want := []Store{{Type: ServerID, N: 1}, {Type: GPC0, N: 1}, {Type: ServerKey, N: 1}}
	if diff := cmp.Diff(want, d.Store); diff != "" {
		t.Errorf("Store (-want +got):\n%s", diff)
	}
	if err := d.Enable(ConnRate); err == nil {
		t.Error("Enable(conn_rate) succeeded without a period")
	}
}
