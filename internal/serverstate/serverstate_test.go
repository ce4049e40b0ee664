package serverstate

import (
	"strings"
	"testing"
)

// haproxy26 is a file as HAProxy 2.6's "show servers state" writes it.
const haproxy26 = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
2 be_app 1 web1 10.0.0.1 2 0 1 1 4021 6 3 4 6 0 0 0 - 80 - 0 0 - - 0
2 be_app 2 web2 10.0.0.2 0 1 1 1 12 6 2 0 6 0 0 1 - 80 - 0 0 - - 0
2 be_app 3 web3 10.0.0.3 2 8 7 1 12 6 3 4 6 0 1 0 app.example 8080 - 0 0 - - 0

`

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in  string
		lines     []Line
		warns     int
		wantError bool
	}{
		{name: "haproxy 2.6", in: haproxy26, lines: []Line{
			{LineNo: 3, BackendID: 2, Backend: "be_app", ServerID: 1, Server: "web1", Addr: "10.0.0.1", OpState: 2, UWeight: 1, IWeight: 1, Port: 80},
			{LineNo: 4, BackendID: 2, Backend: "be_app", ServerID: 2, Server: "web2", Addr: "10.0.0.2", AdminState: 1, UWeight: 1, IWeight: 1, SrvForcedID: true, Port: 80},
			{LineNo: 5, BackendID: 2, Backend: "be_app", ServerID: 3, Server: "web3", Addr: "10.0.0.3", OpState: 2, AdminState: 8, UWeight: 7, IWeight: 1, BkForcedID: true, FQDN: "app.example", Port: 8080},
		}},
		{name: "header only", in: Header},
		{name: "short and bad lines skipped", in: "1\n1 b 1 s\n1 b x s 1.2.3.4 2 0 1 1\n1 b 1 s 1.2.3.4 2 0 3 1\n", warns: 2,
			lines: []Line{{LineNo: 4, BackendID: 1, Backend: "b", ServerID: 1, Server: "s", Addr: "1.2.3.4", OpState: 2, UWeight: 3, IWeight: 1}}},
		{name: "bad port", in: "1\n1 b 1 s 1.2.3.4 2 0 1 1 0 0 0 0 0 0 0 0 - 70000 - 0 0 - - 0\n", warns: 1},
		{name: "wrong version", in: "2\n# x\n", wantError: true},
		{name: "empty", in: "", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lines, warns, err := Parse(strings.NewReader(tt.in))
			if (err != nil) != tt.wantError {
				t.Fatalf("err = %v", err)
			}
			if len(warns) != tt.warns {
				t.Errorf("warnings = %q, want %d", warns, tt.warns)
			}
			if len(lines) != len(tt.lines) {
				t.Fatalf("lines = %+v, want %+v", lines, tt.lines)
			}
			for i := range lines {
				if lines[i] != tt.lines[i] {
					t.Errorf("line %d = %+v, want %+v", i, lines[i], tt.lines[i])
				}
			}
		})
	}
}
