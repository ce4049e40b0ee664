package logging

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
)

// fixedClock is the header time of every test: a Monday in November, with
// a one-digit day to exercise RFC 3164's space padding.
func fixedClock() time.Time {
	return time.Date(2026, time.November, 2, 10, 0, 0, 123_456_789, cet)
}

// logLines runs a Logger with targets writing to stdout, logs each
// (level, message) and returns what stdout received.
func logLines(t *testing.T, targets []config.LogTarget, opts []Option, msgs ...logCall) string {
	t.Helper()
	var out bytes.Buffer
	opts = append([]Option{WithClock(fixedClock), WithPID(42), WithStdout(&out)}, opts...)
	l, err := NewLogger(targets, "hawser", opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		l.Log(m.level, []byte(m.msg))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

type logCall struct {
	level int
	msg   string
}

func info(msg string) logCall { return logCall{LevelInfo, msg} }

func TestHeaderFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		format   string
		hostname string
		want     string
	}{
		{name: "default is local", want: "<134>Nov  2 10:00:00 hawser[42]: hello\n"},
		{name: "default with log-send-hostname is rfc3164", hostname: "lb1", want: "<134>Nov  2 10:00:00 lb1 hawser[42]: hello\n"},
		{name: "local", format: "local", hostname: "lb1", want: "<134>Nov  2 10:00:00 hawser[42]: hello\n"},
		{name: "rfc3164", format: "rfc3164", hostname: "lb1", want: "<134>Nov  2 10:00:00 lb1 hawser[42]: hello\n"},
		{name: "rfc3164 without host name", format: "rfc3164", want: "<134>Nov  2 10:00:00 localhost hawser[42]: hello\n"},
		{name: "rfc5424", format: "rfc5424", hostname: "lb1", want: "<134>1 2026-11-02T10:00:00.123456+01:00 lb1 hawser 42 - - hello\n"},
		{name: "rfc5424 without host name", format: "rfc5424", want: "<134>1 2026-11-02T10:00:00.123456+01:00 - hawser 42 - - hello\n"},
		{name: "priority", format: "priority", want: "<134>hello\n"},
		{name: "short", format: "short", want: "<6>hello\n"},
		{name: "timed", format: "timed", want: "<6>2026-11-02T10:00:00.123456+01:00 hello\n"},
		{name: "iso", format: "iso", want: "2026-11-02T10:00:00.123456+01:00 hello\n"},
		{name: "raw", format: "raw", want: "hello\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			targets := []config.LogTarget{{Address: "stdout", Format: tc.format, Facility: "local0"}}
			got := logLines(t, targets, []Option{WithHostname(tc.hostname)}, info("hello"))
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestLevels(t *testing.T) {
	t.Parallel()
	calls := []logCall{{LevelEmerg, "emerg"}, {LevelErr, "err"}, {LevelNotice, "notice"}, {LevelInfo, "info"}, {LevelDebug, "debug"}}
	tests := []struct {
		name            string
		level, minLevel string
		want            string
	}{
		{name: "all by default", want: "<0>emerg\n<3>err\n<5>notice\n<6>info\n<7>debug\n"},
		{name: "max level", level: "notice", want: "<0>emerg\n<3>err\n<5>notice\n"},
		{name: "min level caps severity", level: "info", minLevel: "err", want: "<3>emerg\n<3>err\n<5>notice\n<6>info\n"},
		{name: "emerg only", level: "emerg", want: "<0>emerg\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			targets := []config.LogTarget{{Address: "stdout", Format: "short", Facility: "daemon", Level: tc.level, MinLevel: tc.minLevel}}
			if got := logLines(t, targets, nil, calls...); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestTargetsFilterIndependently(t *testing.T) {
	t.Parallel()
	var errOut bytes.Buffer
	targets := []config.LogTarget{
		{Address: "stdout", Format: "raw", Facility: "daemon"},
		{Address: "stderr", Format: "raw", Facility: "daemon", Level: "notice"},
	}
	got := logLines(t, targets, []Option{WithStderr(&errOut)}, info("traffic"), logCall{LevelAlert, "server down"})
	if want := "traffic\nserver down\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if want := "server down\n"; errOut.String() != want {
		t.Errorf("stderr = %q, want %q", errOut.String(), want)
	}
}

func TestLineEndings(t *testing.T) {
	t.Parallel()
	targets := []config.LogTarget{{Address: "stdout", Format: "raw", Facility: "daemon"}}
	got := logLines(t, targets, nil, info("a\n"), info(""), info("\n\x00"), info("b\x00\n\n"), info("c\nd"))
	if want := "a\nb\nc\nd\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTruncation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 200)
	tests := []struct {
		name   string
		format string
		len    int
		want   string
	}{
		{name: "raw", format: "raw", len: 80, want: strings.Repeat("x", 79) + "\n"},
		{name: "header counts", format: "short", len: 80, want: "<6>" + strings.Repeat("x", 76) + "\n"},
		{name: "default 1024 keeps short lines", format: "raw", want: long + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			targets := []config.LogTarget{{Address: "stdout", Format: tc.format, Facility: "daemon", Len: tc.len}}
			if got := logLines(t, targets, nil, info(long)); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestUDPSyslog(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	port := pc.LocalAddr().(*net.UDPAddr).Port
	for _, prefix := range []string{"", "udp@", "ipv4@"} {
		addr := fmt.Sprintf("%s127.0.0.1:%d", prefix, port)
		l, err := NewLogger([]config.LogTarget{{Address: addr, Format: "rfc5424", Facility: "local7"}}, "hawser",
			WithClock(fixedClock), WithPID(7), WithHostname("lb1"))
		if err != nil {
			t.Fatal(err)
		}
		l.Log(LevelInfo, []byte("GET / 200"))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if got, want := readDatagram(t, pc), "<190>1 2026-11-02T10:00:00.123456+01:00 lb1 hawser 7 - - GET / 200\n"; got != want {
			t.Errorf("%s: got %q, want %q", addr, got, want)
		}
	}
}

func TestUnixDatagram(t *testing.T) {
	t.Parallel()
	// A short directory: unix socket paths are limited to ~100 bytes.
	dir, err := os.MkdirTemp("", "hwlog")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "log")
	pc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	l, err := NewLogger([]config.LogTarget{{Address: path, Facility: "user"}}, "hawser", WithClock(fixedClock), WithPID(7))
	if err != nil {
		t.Fatal(err)
	}
	l.Log(LevelWarning, []byte("hello"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := readDatagram(t, pc), "<12>Nov  2 10:00:00 hawser[7]: hello\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// readDatagram reads one datagram; the deadline only guards against a hang.
func readDatagram(t *testing.T, pc net.PacketConn) string {
	t.Helper()
	buf := make([]byte, 2048)
	if err := pc.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestMissingUnixSocketCountsErrors(t *testing.T) {
	t.Parallel()
	l, err := NewLogger([]config.LogTarget{{Address: filepath.Join(t.TempDir(), "nope"), Facility: "user"}}, "hawser")
	if err != nil {
		t.Fatal(err)
	}
	l.Log(LevelInfo, []byte("lost"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l.Errors() != 1 {
		t.Errorf("Errors() = %d, want 1", l.Errors())
	}
}

// gatedWriter blocks every Write until release is closed, reporting the
// first one on started.
type gatedWriter struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.started) })
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func TestSlowTargetDropsInsteadOfBlocking(t *testing.T) {
	t.Parallel()
	w := &gatedWriter{started: make(chan struct{}), release: make(chan struct{})}
	l, err := NewLogger([]config.LogTarget{{Address: "stdout", Format: "raw", Facility: "daemon"}}, "hawser",
		WithStdout(w), WithQueueSize(1))
	if err != nil {
		t.Fatal(err)
	}
	l.Log(LevelInfo, []byte("first"))
	<-w.started // the writer holds "first" and is stuck in Write
	for range 10 {
		l.Log(LevelInfo, []byte("more")) // one fits in the queue, nine are dropped
	}
	if got := l.Dropped(); got != 9 {
		t.Errorf("Dropped() = %d, want 9", got)
	}
	close(w.release)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := w.buf.String(), "first\nmore\n"; got != want {
		t.Errorf("written %q, want %q", got, want)
	}
}

func TestLogCopiesLineAndIgnoresAfterClose(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	l, err := NewLogger([]config.LogTarget{{Address: "stdout", Format: "raw", Facility: "daemon"}}, "hawser", WithStdout(&out))
	if err != nil {
		t.Fatal(err)
	}
	line := []byte("original")
	l.Log(LevelInfo, line)
	copy(line, "CHANGED!")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l.Log(LevelInfo, []byte("late"))
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if got := out.String(); got != "original\n" {
		t.Errorf("got %q", got)
	}
}

func TestNewLoggerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target config.LogTarget
		want   string
	}{
		{name: "ring", target: config.LogTarget{Address: "ring@x", Facility: "local0"}, want: "log target 'ring@x': no such ring"},
		{name: "tcp port", target: config.LogTarget{Address: "tcp@127.0.0.1:0", Facility: "local0"}, want: "invalid port '0'"},
		{name: "log backend", target: config.LogTarget{Address: "backend@logs", Facility: "local0"}, want: "not supported by hawser"},
		{name: "unknown family", target: config.LogTarget{Address: "foo@1.2.3.4", Facility: "local0"}, want: "unknown address family"},
		{name: "bad port", target: config.LogTarget{Address: "127.0.0.1:99999", Facility: "local0"}, want: "invalid port '99999'"},
		{name: "bad fd", target: config.LogTarget{Address: "fd@x", Facility: "local0"}, want: "invalid file descriptor"},
		{name: "facility", target: config.LogTarget{Address: "stdout", Facility: "local8"}, want: "unknown log facility 'local8'"},
		{name: "missing facility", target: config.LogTarget{Address: "stdout"}, want: "missing log facility"},
		{name: "level", target: config.LogTarget{Address: "stdout", Facility: "daemon", Level: "loud"}, want: "unknown log level 'loud'"},
		{name: "min level", target: config.LogTarget{Address: "stdout", Facility: "daemon", MinLevel: "quiet"}, want: "unknown log level 'quiet'"},
		{name: "format", target: config.LogTarget{Address: "stdout", Facility: "daemon", Format: "json"}, want: "unknown log format 'json'"},
		{name: "len", target: config.LogTarget{Address: "stdout", Facility: "daemon", Len: 79}, want: "invalid log length 79"},
		{name: "global", target: config.LogTarget{Global: true}, want: "'log global' must be resolved"},
		{name: "position", target: config.LogTarget{Pos: cfgfile.Pos{File: "haproxy.cfg", Line: 3}, Address: "ring@buf", Facility: "daemon"},
			want: "haproxy.cfg:3: log target 'ring@buf': no such ring"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := NewLogger([]config.LogTarget{tc.target}, "hawser")
			if err == nil {
				l.Close()
				t.Fatalf("NewLogger succeeded, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestResolveUDP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, network, in, want string
	}{
		{name: "default port", network: "udp", in: "127.0.0.1", want: "127.0.0.1:514"},
		{name: "port", network: "udp", in: "127.0.0.1:1514", want: "127.0.0.1:1514"},
		{name: "ipv6 last colon is the port", network: "udp6", in: "::1:1514", want: "[::1]:1514"},
		{name: "ipv6 trailing colon", network: "udp6", in: "::1:", want: "[::1]:514"},
		{name: "ipv6 brackets", network: "udp6", in: "[::1]:1514", want: "[::1]:1514"},
		{name: "ipv6 brackets without port", network: "udp6", in: "[::1]", want: "[::1]:514"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolveUDP(tc.network, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	global := []config.LogTarget{{Address: "127.0.0.1", Facility: "local0"}, {Address: "stdout", Facility: "daemon"}}
	proxy := []config.LogTarget{{Global: true}, {Address: "stderr", Facility: "user"}}
	want := []config.LogTarget{global[0], global[1], proxy[1]}
	if diff := cmp.Diff(want, Resolve(proxy, global)); diff != "" {
		t.Errorf("Resolve (-want +got):\n%s", diff)
	}
}

func TestParseLevelAndFacility(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parse func(string) (int, error)
		in    string
		want  int
	}{
		{name: "emerg", parse: ParseLevel, in: "emerg", want: 0},
		{name: "info", parse: ParseLevel, in: "info", want: 6},
		{name: "debug", parse: ParseLevel, in: "debug", want: 7},
		{name: "kern", parse: ParseFacility, in: "kern", want: 0},
		{name: "daemon", parse: ParseFacility, in: "daemon", want: 3},
		{name: "cron2", parse: ParseFacility, in: "cron2", want: 15},
		{name: "local7", parse: ParseFacility, in: "local7", want: 23},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.parse(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestDate(t *testing.T) {
	t.Parallel()
	if got, want := Date(time.Date(2026, time.November, 22, 10, 0, 0, 123_999_999, cet)), "22/Nov/2026:10:00:00.123"; got != want {
		t.Errorf("Date = %q, want %q", got, want)
	}
	neg := time.Date(2026, time.January, 5, 7, 8, 9, 0, time.FixedZone("", -(5*3600+30*60)))
	if got, want := string(AppendDateZone(nil, neg)), "05/Jan/2026:07:08:09 -0530"; got != want {
		t.Errorf("AppendDateZone = %q, want %q", got, want)
	}
}

func BenchmarkLoggerLog(b *testing.B) {
	l, err := NewLogger([]config.LogTarget{{Address: "stdout", Facility: "local0"}}, "hawser", WithStdout(io.Discard))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	line := []byte(`10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /index.html HTTP/1.1"`)
	b.ReportAllocs()
	for b.Loop() {
		l.Log(LevelInfo, line)
	}
}
