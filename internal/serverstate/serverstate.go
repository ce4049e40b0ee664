// Package serverstate is HAProxy's server state file format, version 1:
// what the Runtime API's "show servers state" prints and what
// "server-state-file" / "load-server-state-from-file" read back at start
// and at each reload.
package serverstate

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Columns are the fields of a server line, in order.
var Columns = []string{
	"be_id", "be_name", "srv_id", "srv_name", "srv_addr", "srv_op_state", "srv_admin_state",
	"srv_uweight", "srv_iweight", "srv_time_since_last_change", "srv_check_status",
	"srv_check_result", "srv_check_health", "srv_check_state", "srv_agent_state",
	"bk_f_forced_id", "srv_f_forced_id", "srv_fqdn", "srv_port", "srvrecord", "srv_use_ssl",
	"srv_check_port", "srv_check_addr", "srv_agent_addr", "srv_agent_port",
}

// Header is the version line and the column comment that start a file.
var Header = "1\n# " + strings.Join(Columns, " ") + "\n"

// Admin state bits (HAProxy's SRV_ADMF_*).
const (
	AdminForcedMaint = 0x01
	AdminForcedDrain = 0x08
)

// Operational states (HAProxy's SRV_ST_*).
const (
	OpStopped  = 0
	OpStarting = 1
	OpRunning  = 2
	OpStopping = 3
)

// Line is one server line of a state file.
type Line struct {
	LineNo      int
	BackendID   int
	Backend     string
	ServerID    int
	Server      string
	Addr        string
	OpState     int
	AdminState  int
	UWeight     int
	IWeight     int
	BkForcedID  bool
	SrvForcedID bool
	// FQDN is srv_fqdn, "" for "-"; Port is srv_port, 0 when the line
	// has no such column.
	FQDN string
	Port int
}

// minFields is how many leading columns a server line needs: up to
// srv_iweight. Older HAProxy versions wrote fewer trailing columns and
// newer ones may write more; both are accepted.
const minFields = 9

// Parse reads a state file. The first non-empty line must be the version
// "1"; "#" lines are comments. A server line that is too short or has a
// bad number is skipped and reported in warnings, as HAProxy does, so that
// one bad line does not lose the rest of the file.
func Parse(r io.Reader) (lines []Line, warnings []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	n, version := 0, false
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if !version {
			if text != "1" {
				return nil, nil, fmt.Errorf("line %d: unsupported server state file version %q (want 1)", n, text)
			}
			version = true
			continue
		}
		if text[0] == '#' {
			continue
		}
		f := strings.Fields(text)
		if len(f) < minFields {
			warnings = append(warnings, fmt.Sprintf("line %d: %d fields, want at least %d", n, len(f), minFields))
			continue
		}
		l := Line{LineNo: n, Backend: f[1], Server: f[3], Addr: f[4]}
		ok := true
		num := func(i int, dst *int) {
			v, err := strconv.Atoi(f[i])
			if err != nil {
				ok = false
			}
			*dst = v
		}
		num(0, &l.BackendID)
		num(2, &l.ServerID)
		num(5, &l.OpState)
		num(6, &l.AdminState)
		num(7, &l.UWeight)
		num(8, &l.IWeight)
		if len(f) > 16 {
			var b, s int
			num(15, &b)
			num(16, &s)
			l.BkForcedID, l.SrvForcedID = b != 0, s != 0
		}
		if len(f) > 17 && f[17] != "-" {
			l.FQDN = f[17]
		}
		if len(f) > 18 {
			num(18, &l.Port)
			if l.Port < 0 || l.Port > 65535 {
				ok = false
			}
		}
		if !ok {
			warnings = append(warnings, fmt.Sprintf("line %d: bad number", n))
			continue
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if !version {
		return nil, nil, fmt.Errorf("empty server state file")
	}
	return lines, warnings, nil
}
