package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestLogForwardRelaysUDPAndTCP sends syslog to a hawser log-forward
// section over UDP and TCP and checks what its TCP and UDP targets receive,
// translated between RFC 3164 and RFC 5424.
func TestLogForwardRelaysUDPAndTCP(t *testing.T) {
	t.Parallel()
	out5424 := newOctetReceiver(t)
	out3164, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer out3164.Close()
	p := lbtest.Start(t, `
log-forward to5424
    bind ${in_tcp}
    log tcp@${out_tcp} format rfc5424 local0 info
log-forward to3164
    dgram-bind ${in_udp}
    log ${out_udp} format rfc3164 local0
`, lbtest.Vars{"out_tcp": out5424.addr(), "out_udp": out3164.LocalAddr().String(), "in_udp": lbtest.FreeAddr(t)})

	// TCP in, octet counted, RFC 3164 and 5424: out as RFC 5424 over TCP.
	c, err := net.Dial("tcp", p.Addr("in_tcp"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m1 := "<134>Nov 22 05:00:01 web1 nginx[812]: GET / 200"
	m2 := `<165>1 2026-11-22T05:00:02.5Z host2 su 77 ID47 [a b="c"] su failed`
	m3 := "<135>Nov 22 05:00:03 web1 app: debug is filtered by the target's level"
	fmt.Fprintf(c, "%d %s%d %s%d %s", len(m1), m1, len(m2), m2, len(m3), m3)
	if got := out5424.next(t); !strings.HasPrefix(got, "<134>1 ") || !strings.HasSuffix(got, " web1 nginx 812 - - GET / 200") {
		t.Errorf("3164 -> 5424: got %q", got)
	}
	if got, want := out5424.next(t), `<165>1 2026-11-22T05:00:02.500000+00:00 host2 su 77 ID47 [a b="c"] su failed`; got != want {
		t.Errorf("5424 -> 5424:\ngot  %q\nwant %q", got, want)
	}

	// UDP in: out as RFC 3164 over UDP.
	u, err := net.Dial("udp", p.Addr("in_udp"))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if _, err := u.Write([]byte(`<14>1 2026-11-22T05:00:04Z host3 app 9 - - from 5424`)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	out3164.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := out3164.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(buf[:n]), "<14>Nov 22 05:00:04 host3 app[9]: from 5424\n"; got != want {
		t.Errorf("5424 -> 3164:\ngot  %q\nwant %q", got, want)
	}
}

// octetReceiver is a TCP syslog server reading octet-counted messages.
type octetReceiver struct {
	ln   net.Listener
	msgs chan string
}

func newOctetReceiver(t *testing.T) *octetReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &octetReceiver{ln: ln, msgs: make(chan string, 100)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					s, err := br.ReadString(' ')
					if err != nil {
						return
					}
					n, err := strconv.Atoi(strings.TrimSuffix(s, " "))
					if err != nil {
						r.msgs <- "bad frame: " + s
						return
					}
					msg := make([]byte, n)
					if _, err := ioReadFull(br, msg); err != nil {
						return
					}
					r.msgs <- string(msg)
				}
			}()
		}
	}()
	return r
}

func ioReadFull(br *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := br.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (r *octetReceiver) addr() string { return r.ln.Addr().String() }

func (r *octetReceiver) next(t *testing.T) string {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a syslog message")
		return ""
	}
}

// TestLogForwardRsyslogInterop puts hawser between two rsyslog inputs and
// outputs: rsyslog forwards what it receives to hawser's log-forward
// (RFC 5424 over TCP with octet counting, and RFC 3164 over UDP); hawser
// re-emits in the other format back to rsyslog (RFC 3164 over UDP, RFC
// 5424 over TCP), which writes the fields it parsed to a file.
func TestLogForwardRsyslogInterop(t *testing.T) {
	t.Parallel()
	rsyslogd := lbtest.NeedTool(t, "rsyslogd")
	rsIn, rsOutUDP, rsOutTCP := lbtest.FreeAddr(t), lbtest.FreeAddr(t), lbtest.FreeAddr(t)
	p := lbtest.Start(t, `
log-forward from5424
    bind ${fwd_tcp}
    log ${rs_out_udp} format rfc3164 local0
log-forward from3164
    dgram-bind ${fwd_udp}
    log tcp@${rs_out_tcp} format rfc5424 local0
`, lbtest.Vars{"rs_out_udp": rsOutUDP, "rs_out_tcp": rsOutTCP, "fwd_udp": lbtest.FreeAddr(t)})

	dir := t.TempDir()
	outFile := filepath.Join(dir, "out.log")
	port := func(a string) string { _, p, _ := net.SplitHostPort(a); return p }
	fwdTCP, fwdUDP := p.Addr("fwd_tcp"), p.Addr("fwd_udp")
	conf := fmt.Sprintf(`
global(workDirectory=%[1]q)
module(load="imudp")
module(load="imtcp")
template(name="fields" type="string"
  string="%%inputname%% %%syslogfacility-text%%.%%syslogseverity-text%% host=%%hostname%% app=%%app-name%% pid=%%procid%% msg=%%msg:::drop-last-lf%%\n")
ruleset(name="in") {
  action(type="omfwd" target="127.0.0.1" port=%[2]q protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
  action(type="omfwd" target="127.0.0.1" port=%[3]q protocol="udp" template="RSYSLOG_TraditionalForwardFormat")
}
ruleset(name="out") {
  action(type="omfile" file=%[4]q template="fields")
}
input(type="imudp" address="127.0.0.1" port=%[5]q ruleset="in")
input(type="imudp" address="127.0.0.1" port=%[6]q ruleset="out")
input(type="imtcp" address="127.0.0.1" port=%[7]q ruleset="out")
`, dir, port(fwdTCP), port(fwdUDP), outFile, port(rsIn), port(rsOutUDP), port(rsOutTCP))
	confPath := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rsyslogd, "-n", "-f", confPath, "-i", filepath.Join(dir, "rsyslog.pid"))
	var rsOut strings.Builder
	cmd.Stdout, cmd.Stderr = &rsOut, &rsOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	lbtest.WaitUntil(t, "rsyslogd listening", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", rsOutTCP)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	// Messages into rsyslog's input, one datagram each, numbered to check
	// that they all arrive and stay in order on each path.
	in, err := net.Dial("udp", rsIn)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	const n = 20
	for i := range n {
		fmt.Fprintf(in, "<%d>Nov 22 05:00:%02d web%d myapp[%d]: message %02d with some text", 16<<3|6, i, i%3, 100+i, i)
	}
	var lines []string
	lbtest.WaitUntil(t, "rsyslog to receive every message back from hawser", 15*time.Second, func() bool {
		b, _ := os.ReadFile(outFile)
		lines = strings.Split(strings.TrimSpace(string(b)), "\n")
		return len(lines) >= 2*n
	})
	if len(lines) != 2*n {
		t.Fatalf("got %d lines, want %d:\n%s\nrsyslogd: %s", len(lines), 2*n, strings.Join(lines, "\n"), rsOut.String())
	}
	var viaUDP, viaTCP []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "imudp "):
			viaUDP = append(viaUDP, strings.TrimPrefix(l, "imudp "))
		case strings.HasPrefix(l, "imtcp "):
			viaTCP = append(viaTCP, strings.TrimPrefix(l, "imtcp "))
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	for path, got := range map[string][]string{"5424 in, 3164 out": viaUDP, "3164 in, 5424 out": viaTCP} {
		if len(got) != n {
			t.Errorf("%s: %d lines, want %d", path, len(got), n)
			continue
		}
		for i, l := range got {
			want := fmt.Sprintf("local0.info host=web%d app=myapp pid=%d msg=message %02d with some text", i%3, 100+i, i)
			// rsyslog keeps RFC 3164's space after "tag:" in MSG and sends
			// it on in RFC 5424: leading spaces are its, not hawser's.
			if k := strings.Index(l, "msg="); k >= 0 {
				l = l[:k+4] + strings.TrimLeft(l[k+4:], " ")
			}
			if l != want {
				t.Errorf("%s: line %d:\ngot  %q\nwant %q", path, i, l, want)
			}
		}
	}
}

// TestRingServerAndSeparateErrors logs HTTP requests to a ring whose
// server receives them over TCP with octet counting; with option
// log-separate-errors, a 5xx is logged at level err and a 200 at info.
func TestRingServerAndSeparateErrors(t *testing.T) {
	t.Parallel()
	rcv := newOctetReceiver(t)
	bs, vars := backends(t, "app")
	vars["ring_srv"] = rcv.addr()
	p := lbtest.Start(t, httpDefaults+`
ring traffic
    format rfc5424
    size 64k
    server collector ${ring_srv}
frontend fe
    bind ${fe}
    log ring@traffic local0
    log-tag web
    option httplog
    option log-separate-errors
    default_backend app
backend app
    server s1 ${app}
`, vars)
	// One request at a time: a request's log line is written just after
	// its response, so two back-to-back requests may log in either order.
	for _, want := range []struct{ pri, status, path string }{{"<134>1 ", " 200 ", "/ok"}, {"<131>1 ", " 503 ", "/broken"}} {
		if want.status == " 503 " {
			bs["app"].SetStatus(http.StatusServiceUnavailable)
		}
		lbtest.Get(t, p.URL("fe", want.path))
		want.path = lbtest.RunProto().LogRequest("GET", p.Authority("fe"), want.path)
		got := rcv.next(t)
		if !strings.HasPrefix(got, want.pri) || !strings.Contains(got, " web ") || !strings.Contains(got, " "+lbtest.LogFrontend("fe")+" app/s1 ") ||
			!strings.Contains(got, want.status) || !strings.Contains(got, want.path) {
			t.Errorf("got %q, want %s... web ... fe app/s1 ...%s...%s", got, want.pri, want.status, want.path)
		}
	}
}

// TestUniqueID sends the unique ID built from unique-id-format to the
// server in unique-id-header and logs the same ID with %ID.
func TestUniqueID(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    log stdout format raw local0
    log-format "uid=%ID status=%ST"
    unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
    unique-id-header X-Unique-ID
    default_backend app
backend app
    server s1 ${app}
`, vars)
	var ids []string
	for range 2 {
		lbtest.Get(t, p.URL("fe", "/"))
		r, _ := bs["app"].LastRequest()
		id := r.Header.Get("X-Unique-ID")
		// 7F000001:PORT_7F000001:PORT_TS_RT:PID, in hex.
		if parts := strings.Split(id, "_"); len(parts) != 4 || !strings.HasPrefix(id, "7F000001:") {
			t.Fatalf("X-Unique-ID = %q", id)
		}
		p.WaitLog(t, "uid="+id+" status=200", 10*time.Second)
		ids = append(ids, id)
	}
	if ids[0] == ids[1] {
		t.Errorf("two requests got the same unique ID %q", ids[0])
	}
}

// TestTerminationStates checks the %ts codes HAProxy logs (configuration
// 8.5) for a connect timeout (sC), a refused connection (SC), a server
// timeout on the response head (sH) and a clean request (--), in HTTP and
// TCP mode.
func TestTerminationStates(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "ok", "slow")
	hole, err := lbtest.Blackhole(t)
	if err != nil {
		t.Skipf("no blackhole address: %v", err)
	}
	vars["hole"], vars["dead"] = hole, lbtest.DeadAddr(t)
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 200ms
    timeout client 5s
    timeout server 300ms
    retries 0
    log stdout format raw local0
    log-format "ts=%ts fe=%ft st=%ST"

frontend hole
    bind ${fe_hole}
    default_backend hole
frontend dead
    bind ${fe_dead}
    default_backend dead
frontend slow
    bind ${fe_slow}
    default_backend slow
frontend ok
    bind ${fe_ok}
    default_backend ok
listen tcphole
    mode tcp
    bind ${fe_tcphole}
    server hole ${hole}

backend hole
    server hole ${hole}
backend dead
    server dead ${dead}
backend slow
    server slow ${slow}
backend ok
    server ok ${ok}
`, vars)
	bs["slow"].Hold()
	defer bs["slow"].Release()
	for _, fe := range []string{"fe_hole", "fe_dead", "fe_slow", "fe_ok"} {
		lbtest.Get(t, p.URL(fe, "/"))
	}
	c, err := net.Dial("tcp", p.Addr("fe_tcphole"))
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("x"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	c.Read(make([]byte, 1)) // returns once hawser gives up and closes
	c.Close()
	fe := lbtest.LogFrontend
	for _, want := range []string{"ts=sC fe=" + fe("hole") + " st=503", "ts=SC fe=" + fe("dead") + " st=503", "ts=sH fe=" + fe("slow") + " st=504", "ts=-- fe=" + fe("ok") + " st=200", "ts=sC fe=tcphole st=-1"} {
		p.WaitLog(t, want, 10*time.Second)
	}
}

// TestLogASAP: with option logasap an HTTP request is logged once its
// response head is sent and a TCP session once connected, before it ends;
// the totals are marked partial with '+'.
func TestLogASAP(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	echo := newOctetReceiver(t) // any TCP server that keeps the connection open
	vars["tcpsrv"] = echo.addr()
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    log stdout format raw local0
    log-format "http Tt=%Tt B=%B st=%ST"
    option logasap
    default_backend app
backend app
    server s1 ${app}
listen tcp
    mode tcp
    bind ${tcp}
    log stdout format raw local0
    log-format "tcp Tt=%Tt B=%B ts=%ts"
    option logasap
    server s1 ${tcpsrv}
`, vars)
	lbtest.Get(t, p.URL("fe", "/"))
	p.WaitLog(t, "http Tt=+", 10*time.Second)
	if !strings.Contains(p.Log(), " B=+") || !strings.Contains(p.Log(), " st=200") {
		t.Errorf("log: %s", p.Log())
	}
	c, err := net.Dial("tcp", p.Addr("tcp"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Logged while the session is still open.
	p.WaitLog(t, "tcp Tt=+", 10*time.Second)
	if strings.Count(p.Log(), "http Tt=") != 1 {
		t.Errorf("the request was logged more than once:\n%s", p.Log())
	}
}

// TestLogHeaderAndCounters: log-send-hostname and log-tag reach the
// syslog header, and %lc and %rt number the lines and requests.
func TestLogHeaderAndCounters(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, `
global
    log-send-hostname edge-7
    log-tag lbtag
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind ${fe}
    log stdout format rfc3164 local0
    log-format "lc=%lc rt=%rt"
    default_backend app
backend app
    server s1 ${app}
`, vars)
	for range 2 {
		lbtest.Get(t, p.URL("fe", "/"))
	}
	p.WaitLogCount(t, " edge-7 lbtag[", 2, 10*time.Second)
	var lcs, rts []int
	for _, l := range strings.Split(p.Log(), "\n") {
		var lc, rt int
		if i := strings.Index(l, "lc="); i >= 0 {
			if _, err := fmt.Sscanf(l[i:], "lc=%d rt=%d", &lc, &rt); err == nil {
				lcs, rts = append(lcs, lc), append(rts, rt)
			}
		}
	}
	if len(lcs) != 2 || lcs[1] != lcs[0]+1 || rts[1] != rts[0]+1 || lcs[0] == 0 {
		t.Errorf("counters lc=%v rt=%v, want two consecutive non-zero values each; log:\n%s", lcs, rts, p.Log())
	}
}

// TestLogForwardReload: a reload keeps a log-forward TCP connection open
// and applies the new target format to its next messages.
func TestLogForwardReload(t *testing.T) {
	t.Parallel()
	out := newOctetReceiver(t)
	cfg := `
log-forward relay
    bind ${in}
    log tcp@${out} format %s local0
`
	vars := lbtest.Vars{"out": out.addr()}
	p := lbtest.Start(t, fmt.Sprintf(cfg, "rfc5424"), vars)
	c, err := net.Dial("tcp", p.Addr("in"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "<14>Nov 22 05:00:00 h app: before\n")
	if got := out.next(t); !strings.HasSuffix(got, " h app - - - before") {
		t.Fatalf("before reload: %q", got)
	}
	if !p.ReloadWith(t, fmt.Sprintf(cfg, "rfc3164"), vars) {
		t.Fatalf("reload rejected:\n%s", p.Log())
	}
	fmt.Fprint(c, "<14>Nov 22 05:00:01 h app: after\n")
	if got := out.next(t); got != "<14>Nov 22 05:00:01 h app: after" {
		t.Fatalf("after reload, on the same connection: %q", got)
	}
}

// rawServer answers every connection with resp, after reading the request
// head, then closes.
func rawServer(t *testing.T, resp string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(c)
			for {
				l, err := br.ReadString('\n')
				if err != nil || l == "\r\n" {
					break
				}
			}
			c.Write([]byte(resp))
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// TestTerminationStatesBadServers: a server closing in the middle of its
// response head is SH, a head hawser refuses is PH; both answer 502.
func TestTerminationStatesBadServers(t *testing.T) {
	t.Parallel()
	vars := lbtest.Vars{
		"cut":     rawServer(t, "HTTP/1.1 200 OK\r\nContent-"),
		"garbage": rawServer(t, "NOT HTTP AT ALL\r\n\r\n"),
	}
	p := lbtest.Start(t, httpDefaults+`
frontend cut
    bind ${fe_cut}
    log stdout format raw local0
    log-format "ts=%ts fe=%ft st=%ST"
    default_backend cut
frontend garbage
    bind ${fe_garbage}
    log stdout format raw local0
    log-format "ts=%ts fe=%ft st=%ST"
    default_backend garbage
backend cut
    server s ${cut}
backend garbage
    server s ${garbage}
`, vars)
	lbtest.Get(t, p.URL("fe_cut", "/"))
	lbtest.Get(t, p.URL("fe_garbage", "/"))
	p.WaitLog(t, "ts=SH fe="+lbtest.LogFrontend("cut")+" st=502", 10*time.Second)
	p.WaitLog(t, "ts=PH fe="+lbtest.LogFrontend("garbage")+" st=502", 10*time.Second)
}
