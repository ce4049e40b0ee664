package logging

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/config"
)

// tcpReceiver accepts TCP connections and returns what they send, octet
// counted messages split apart.
type tcpReceiver struct {
	ln   net.Listener
	msgs chan string
	raw  chan string // the octet-counting frames as sent
}

func newTCPReceiver(t *testing.T) *tcpReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &tcpReceiver{ln: ln, msgs: make(chan string, 1000), raw: make(chan string, 1000)}
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
					lenStr, err := br.ReadString(' ')
					if err != nil {
						return
					}
					n, err := strconv.Atoi(strings.TrimSuffix(lenStr, " "))
					if err != nil {
						r.raw <- "BAD FRAME " + lenStr
						return
					}
					msg := make([]byte, n)
					if _, err := io.ReadFull(br, msg); err != nil {
						return
					}
					r.raw <- lenStr + string(msg)
					r.msgs <- string(msg)
				}
			}()
		}
	}()
	return r
}

func (r *tcpReceiver) addr() string { return r.ln.Addr().String() }

// next waits for one message; the timeout only guards against a hang.
func next(t *testing.T, ch chan string) string {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a message")
		return ""
	}
}

func TestTCPTargetOctetCounting(t *testing.T) {
	t.Parallel()
	rcv := newTCPReceiver(t)
	l, err := NewLogger([]config.LogTarget{{Address: "tcp@" + rcv.addr(), Format: "rfc5424", Facility: "local0"}}, "hawser",
		WithClock(fixedClock), WithPID(7), WithHostname("lb1"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Log(LevelInfo, []byte("first line"))
	l.Log(LevelErr, []byte("héllo"))
	want := []string{
		"67 <134>1 2026-11-02T10:00:00.123456+01:00 lb1 hawser 7 - - first line",
		"63 <131>1 2026-11-02T10:00:00.123456+01:00 lb1 hawser 7 - - héllo",
	}
	for _, w := range want {
		if got := next(t, rcv.raw); got != w {
			t.Errorf("got  %q\nwant %q", got, w)
		}
	}
}

func TestTCPTargetReconnects(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	l, err := NewLogger([]config.LogTarget{{Address: "tcp@" + addr, Format: "raw", Facility: "local0"}}, "hawser")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Log(LevelInfo, []byte("one"))
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	if got, _ := br.ReadString('e'); got != "3 one" {
		t.Fatalf("got %q", got)
	}
	// The server drops the connection: the target reconnects. Lines logged
	// before it notices may be lost, so log until one arrives.
	c.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		s, _ := bufio.NewReader(c).ReadString('n')
		got <- s
	}()
	defer ln.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		l.Log(LevelInfo, []byte("again"))
		select {
		case s := <-got:
			if s != "5 agn" && !strings.HasPrefix(s, "5 again") {
				t.Fatalf("got %q", s)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("no line reached the server after it closed the connection")
}

func TestTCPTargetDownDropsAndCounts(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: every line is dropped, none blocks.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	l, err := NewLogger([]config.LogTarget{{Address: "tcp@" + addr, Format: "raw", Facility: "local0"}}, "hawser")
	if err != nil {
		t.Fatal(err)
	}
	before := DroppedLogs()
	for range 5000 {
		l.Log(LevelInfo, []byte("lost"))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := l.Dropped(); got != 5000 {
		t.Errorf("Dropped() = %d, want 5000", got)
	}
	if DroppedLogs()-before < 5000 {
		t.Errorf("DroppedLogs grew by %d, want at least 5000", DroppedLogs()-before)
	}
}

func TestTCPTargetSlowServerDrops(t *testing.T) {
	t.Parallel()
	// A server that accepts and never reads: once the socket buffers and
	// the target's queue are full, lines are dropped, and Log never blocks.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			held <- c
		}
	}()
	l, err := NewLogger([]config.LogTarget{{Address: "tcp@" + ln.Addr().String(), Format: "raw", Facility: "local0", Len: 65535}}, "hawser",
		func(o *options) { o.tcpWrite = 100 * time.Millisecond })
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 4000))
	for i := 0; l.Dropped() == 0; i++ {
		if i > 1_000_000 {
			t.Fatal("nothing dropped")
		}
		l.Log(LevelInfo, line)
		if i%100 == 99 {
			time.Sleep(time.Millisecond) // let the writer goroutine run
		}
	}
	c := <-held
	c.Close()
	l.Close()
}

func TestRing(t *testing.T) {
	t.Parallel()
	rs := NewRings(nil)
	rs.Apply([]*config.Ring{{Name: "buf", Size: 30}}) // raw by default
	defer rs.Close()
	r := rs.Get("buf")
	l, err := NewLogger([]config.LogTarget{{Address: "ring@buf", Facility: "local0"}}, "hawser", WithRings(rs))
	if err != nil {
		t.Fatal(err)
	}
	start := r.End()
	changed := r.Changed()
	for i := range 5 {
		l.Log(LevelInfo, []byte(fmt.Sprintf("line %d of the ring", i))) // 16 bytes: one fits at a time
	}
	l.Close()
	<-changed
	if got, want := r.Lines(), []string{"line 4 of the ring"}; !cmp.Equal(got, want) {
		t.Errorf("Lines() = %q, want %q", got, want)
	}
	line, next, ok := r.Next(nil, start)
	if !ok || string(line) != "line 4 of the ring" || next != start+5 {
		t.Errorf("Next(start) = %q, %d, %v", line, next, ok)
	}
	if _, _, ok := r.Next(nil, next); ok {
		t.Error("Next(end) returned a line")
	}
	// A reload keeps the lines; the ring's format and maxlen apply.
	rs.Apply([]*config.Ring{{Name: "buf", Size: 1000, Format: "rfc5424", MaxLen: 40}})
	if rs.Get("buf") != r || len(r.Lines()) != 1 {
		t.Fatal("reload lost the ring's contents")
	}
	l, err = NewLogger([]config.LogTarget{{Address: "ring@buf", Format: "raw", Facility: "local0"}}, "hawser",
		WithRings(rs), WithClock(fixedClock), WithPID(3))
	if err != nil {
		t.Fatal(err)
	}
	l.Log(LevelInfo, []byte("truncated to forty bytes"))
	l.Close()
	if got, want := r.Lines()[1], "<134>1 2026-11-02T10:00:00.123456+01:00 "; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRingServerForwards(t *testing.T) {
	t.Parallel()
	rcv := newTCPReceiver(t)
	rs := NewRings(nil)
	defer rs.Close()
	// The ring has lines before its server connects: they are sent too.
	rs.Apply([]*config.Ring{{Name: "r", Size: 4096, Format: "raw"}})
	l, err := NewLogger([]config.LogTarget{{Address: "ring@r", Facility: "local0"}}, "hawser", WithRings(rs))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Log(LevelInfo, []byte("before"))
	lbWaitLines(t, rs.Get("r"), 1)
	rs.Apply([]*config.Ring{{Name: "r", Size: 4096, Format: "raw", Servers: []config.RingServer{{Name: "s1", Address: rcv.addr()}}}})
	for i := range 3 {
		l.Log(LevelInfo, []byte(fmt.Sprint("after ", i)))
	}
	for _, want := range []string{"6 before", "7 after 0", "7 after 1", "7 after 2"} {
		if got := next(t, rcv.raw); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func lbWaitLines(t *testing.T, r *Ring, n int) {
	t.Helper()
	for {
		changed := r.Changed()
		if len(r.Lines()) >= n {
			return
		}
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatal("timed out waiting for ring lines")
		}
	}
}

func TestParseMessage(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.November, 22, 5, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{name: "rfc3164", in: "<134>Nov 22 04:59:58 web1 nginx[812]: GET / 200\n",
			want: Message{Facility: 16, Level: 6, Time: time.Date(2026, 11, 22, 4, 59, 58, 0, time.UTC), Host: "web1", Tag: "nginx", PID: "812", Text: []byte("GET / 200")}},
		{name: "rfc3164 no pid", in: "<13>Nov  2 10:00:00 h app: hi",
			want: Message{Facility: 1, Level: 5, Time: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), Host: "h", Tag: "app", Text: []byte("hi")}},
		{name: "rfc3164 without host", in: "<13>Nov  2 10:00:00 app[7]: hi there",
			want: Message{Facility: 1, Level: 5, Time: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), Tag: "app", PID: "7", Text: []byte("hi there")}},
		{name: "rfc3164 without host or pid", in: "<13>Nov  2 10:00:00 app: hi",
			want: Message{Facility: 1, Level: 5, Time: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), Tag: "app", Text: []byte("hi")}},
		{name: "rfc3164 last year", in: "<13>Dec 31 23:59:59 h app: hi",
			want: Message{Facility: 1, Level: 5, Time: time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), Host: "h", Tag: "app", Text: []byte("hi")}},
		{name: "rfc5424", in: `<165>1 2026-11-22T04:59:58.5Z mymachine su 77 ID47 [exampleSDID@32473 iut="3" x="a\]b"] 'su root' failed`,
			want: Message{Facility: 20, Level: 5, Time: time.Date(2026, 11, 22, 4, 59, 58, 500_000_000, time.UTC), Host: "mymachine", Tag: "su", PID: "77", MsgID: "ID47",
				SD: `[exampleSDID@32473 iut="3" x="a\]b"]`, Text: []byte("'su root' failed")}},
		{name: "rfc5424 nil values", in: "<14>1 - - - - - - msg",
			want: Message{Facility: 1, Level: 6, Text: []byte("msg")}},
		{name: "rfc5424 no msg", in: "<14>1 - host app - - -",
			want: Message{Facility: 1, Level: 6, Host: "host", Tag: "app", Text: []byte{}}},
		{name: "rfc5424 structured data cut after an escape", in: `<14>1 - h a - - [x "\`,
			want: Message{Facility: 1, Level: 6, Host: "h", Tag: "a", Text: []byte(`1 - h a - - [x "\`)}},
		{name: "rfc5424 structured data closed only inside quotes", in: `<14>1 - h a - - [x k="]" msg`,
			want: Message{Facility: 1, Level: 6, Host: "h", Tag: "a", Text: []byte(`1 - h a - - [x k="]" msg`)}},
		{name: "rfc5424 two structured data elements", in: `<14>1 - h a - - [x k="v"][y] msg`,
			want: Message{Facility: 1, Level: 6, Host: "h", Tag: "a", SD: `[x k="v"][y]`, Text: []byte("msg")}},
		{name: "no pri", in: "just text",
			want: Message{Facility: 1, Level: 5, Text: []byte("just text")}},
		{name: "bad pri", in: "<192>x",
			want: Message{Facility: 1, Level: 5, Text: []byte("<192>x")}},
		{name: "pri only", in: "<11>no header here",
			want: Message{Facility: 1, Level: 3, Text: []byte("no header here")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ParseMessage([]byte(tc.in), now)
			got.Raw = nil
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// relayTo starts a log-forward section with the given binds whose single
// target is addr in format.
func relayTo(t *testing.T, lf *config.LogForward, target config.LogTarget) *Relays {
	t.Helper()
	rs := NewRelays(nil)
	var lg *Logger
	err := rs.Apply([]*config.LogForward{lf}, func(f *config.LogForward) (*Logger, error) {
		var err error
		lg, err = NewLogger([]config.LogTarget{target}, "hawser", WithPID(99), WithHostname("relay"))
		return lg, err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rs.Close()
		lg.Close()
	})
	return rs
}

func TestLogForwardUDPToTCP3164To5424(t *testing.T) {
	t.Parallel()
	rcv := newTCPReceiver(t)
	rs := relayTo(t, &config.LogForward{Name: "fw", DgramBinds: []config.LogForwardBind{{Address: "127.0.0.1:0"}}},
		config.LogTarget{Address: "tcp@" + rcv.addr(), Format: "rfc5424", Facility: "local0", Level: "info"})
	c, err := net.Dial("udp", rs.Addr("udp", "127.0.0.1:0").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	year := time.Now().Year()
	// debug (7) is above the target's "info" level: filtered out.
	for _, m := range []string{"<31>Nov 22 05:00:01 web1 app[5]: dropped by level", "<134>Nov 22 05:00:02 web1 nginx[812]: GET / 200"} {
		if _, err := c.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	got := next(t, rcv.msgs)
	want := fmt.Sprintf("<134>1 %d-11-22T05:00:02.000000", year)
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " web1 nginx 812 - - GET / 200") {
		t.Errorf("got %q, want %q...%q", got, want, " web1 nginx 812 - - GET / 200")
	}
}

func TestLogForwardTCPToUDP5424To3164(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	rs := relayTo(t, &config.LogForward{Name: "fw", Binds: []config.LogForwardBind{{Address: "127.0.0.1:0"}}},
		config.LogTarget{Address: pc.LocalAddr().String(), Format: "rfc3164", Facility: "local0"})
	c, err := net.Dial("tcp", rs.Addr("tcp", "127.0.0.1:0").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m1 := `<165>1 2026-11-22T04:59:58.5Z mymachine su 77 ID47 [a b="c"] octet counted`
	m2 := "<14>1 2026-11-22T05:00:00Z host2 app - - - LF terminated"
	m3 := "<14>Nov 22 05:00:01 host3 tag: 3164 LF terminated"
	fmt.Fprintf(c, "%d %s%s\n%s\n", len(m1), m1, m2, m3)
	want := []string{
		"<165>Nov 22 04:59:58 mymachine su[77]: octet counted\n",
		"<14>Nov 22 05:00:00 host2 app: LF terminated\n",
		"<14>Nov 22 05:00:01 host3 tag: 3164 LF terminated\n",
	}
	for _, w := range want {
		got := readDatagram(t, pc)
		// RFC 3164 times are local: compare the fixed-width time apart.
		got = got[:strings.IndexByte(got, '>')+1] + replaceStamp(got[strings.IndexByte(got, '>')+1:])
		w = w[:strings.IndexByte(w, '>')+1] + "STAMP" + w[strings.IndexByte(w, '>')+1+len("Nov 22 04:59:58"):]
		if got != w {
			t.Errorf("got  %q\nwant %q", got, w)
		}
	}
}

func replaceStamp(s string) string { return "STAMP" + s[len("Nov 22 04:59:58"):] }

func TestLogForwardDontParseAndReload(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	lf := &config.LogForward{Name: "fw", DontParse: true, DgramBinds: []config.LogForwardBind{{Address: "127.0.0.1:0"}}}
	target := config.LogTarget{Address: pc.LocalAddr().String(), Format: "rfc5424", Facility: "local0"}
	rs := relayTo(t, lf, target)
	addr := rs.Addr("udp", "127.0.0.1:0")
	c, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("<14>anything goes"))
	if got := readDatagram(t, pc); got != "<14>anything goes\n" {
		t.Errorf("got %q", got)
	}
	// A reload keeps the socket and applies the new settings.
	lf2 := *lf
	lf2.DontParse = false
	var lg *Logger
	if err := rs.Apply([]*config.LogForward{&lf2}, func(*config.LogForward) (*Logger, error) {
		var err error
		lg, err = NewLogger([]config.LogTarget{target}, "hawser", WithHostname("relay"))
		return lg, err
	}); err != nil {
		t.Fatal(err)
	}
	defer lg.Close()
	if rs.Addr("udp", "127.0.0.1:0").String() != addr.String() {
		t.Fatal("reload rebound the socket")
	}
	c.Write([]byte("<14>parsed now"))
	// Without a host field, the sender's address fills it (option host
	// fill, the default).
	if got := readDatagram(t, pc); !strings.HasSuffix(got, " 127.0.0.1 - - - - parsed now\n") {
		t.Errorf("got %q", got)
	}
}

func TestEntryIsError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		e    Entry
		want bool
	}{
		{name: "clean", e: Entry{Status: 200, TermState: [2]byte{'-', '-'}}},
		{name: "4xx is not an error", e: Entry{Status: 404, TermState: [2]byte{'-', '-'}}},
		{name: "local termination", e: Entry{Status: 200, TermState: [2]byte{'L', 'R'}}},
		{name: "unset state", e: Entry{Status: -1}},
		{name: "5xx", e: Entry{Status: 503, TermState: [2]byte{'-', '-'}}, want: true},
		{name: "client abort", e: Entry{Status: -1, TermState: [2]byte{'C', 'D'}}, want: true},
		{name: "server timeout", e: Entry{Status: 504, TermState: [2]byte{'s', 'H'}}, want: true},
		{name: "retries", e: Entry{Status: 200, TermState: [2]byte{'-', '-'}, Retries: 1}, want: true},
		{name: "redispatch", e: Entry{Status: 200, TermState: [2]byte{'-', '-'}, Redispatched: true}, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.e.IsError(); got != tc.want {
				t.Errorf("IsError() = %v, want %v", got, tc.want)
			}
			wantLevel := LevelInfo
			if tc.want {
				wantLevel = LevelErr
			}
			if got := tc.e.Level(true); got != wantLevel {
				t.Errorf("Level(true) = %d, want %d", got, wantLevel)
			}
			if got := tc.e.Level(false); got != LevelInfo {
				t.Errorf("Level(false) = %d", got)
			}
		})
	}
}

func TestLogForwardMaxConnAndTimeout(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	rs := relayTo(t, &config.LogForward{Name: "fw", MaxConn: 1, Timeout: 300 * time.Millisecond, Binds: []config.LogForwardBind{{Address: "127.0.0.1:0"}}},
		config.LogTarget{Address: pc.LocalAddr().String(), Format: "raw", Facility: "local0"})
	addr := rs.Addr("tcp", "127.0.0.1:0").String()
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	fmt.Fprint(first, "<14>first\n")
	if got := readDatagram(t, pc); got != "first\n" {
		t.Fatalf("got %q", got)
	}
	// maxconn 1: a second connection waits in the backlog, unserved,
	// until the first one is closed by "timeout client".
	second, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	fmt.Fprint(second, "<14>second\n")
	first.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := first.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle connection: read error %v, want EOF from timeout client", err)
	}
	if got := readDatagram(t, pc); got != "second\n" {
		t.Fatalf("got %q", got)
	}
}

func TestLogForwardSharedAddressRefused(t *testing.T) {
	t.Parallel()
	rs := NewRelays(nil)
	defer rs.Close()
	binds := []config.LogForwardBind{{Address: "127.0.0.1:0"}}
	err := rs.Apply([]*config.LogForward{{Name: "a", DgramBinds: binds}, {Name: "b", DgramBinds: binds}},
		func(*config.LogForward) (*Logger, error) { return nil, nil })
	if err == nil || !strings.Contains(err.Error(), "also used by log-forward 'a'") {
		t.Fatalf("error %v", err)
	}
}

func TestRingsApplyThenRetain(t *testing.T) {
	t.Parallel()
	rs := NewRings(nil)
	defer rs.Close()
	a, b := &config.Ring{Name: "a", Size: 1024}, &config.Ring{Name: "b", Size: 1024}
	rs.Apply([]*config.Ring{a, b})
	rb := rs.Get("b")
	rs.Apply([]*config.Ring{a}) // a configuration being compiled
	if rs.Get("b") != rb {
		t.Fatal("Apply dropped a ring before the configuration ran")
	}
	rs.Retain([]*config.Ring{a}) // it runs
	if rs.Get("b") != nil || rs.Get("a") == nil {
		t.Fatalf("after Retain: a=%v b=%v", rs.Get("a"), rs.Get("b"))
	}
}

// FuzzParseMessage: any input parses without panicking, the message text
// is a suffix of what was received, and the PRI is in range.
func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		"<134>Nov 22 04:59:58 web1 nginx[812]: GET / 200",
		`<165>1 2026-11-22T04:59:58.5Z mymachine su 77 ID47 [a b="c\]"][d] msg`,
		"<14>1 - - - - - -", "<0>", "no pri", "<191>Nov  2 10:00:00 app: x",
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, time.November, 22, 5, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		m := ParseMessage(b, now)
		if m.Facility < 0 || m.Facility > 23 || m.Level < 0 || m.Level > 7 {
			t.Fatalf("facility %d level %d", m.Facility, m.Level)
		}
		if !bytes.HasSuffix(m.Raw, m.Text) || !bytes.HasPrefix(b, m.Raw) {
			t.Fatalf("text %q is not a suffix of %q", m.Text, m.Raw)
		}
	})
}

func TestLogForwardOptionHost(t *testing.T) {
	t.Parallel()
	tests := []struct{ host, in, want string }{
		{host: "", in: "<14>1 - - app - - - no host", want: "<14>1 - 127.0.0.1 app - - - no host\n"},
		{host: "fill", in: "<14>1 - web1 app - - - kept", want: "<14>1 - web1 app - - - kept\n"},
		{host: "keep", in: "<14>1 - - app - - - no host", want: "<14>1 - - app - - - no host\n"},
		{host: "replace", in: "<14>1 - web1 app - - - replaced", want: "<14>1 - 127.0.0.1 app - - - replaced\n"},
		{host: "append", in: "<14>1 - web1 app - - - appended", want: "<14>1 - web1,127.0.0.1 app - - - appended\n"},
	}
	for _, tc := range tests {
		t.Run(tc.host+" "+tc.want, func(t *testing.T) {
			t.Parallel()
			pc, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			rs := relayTo(t, &config.LogForward{Name: "fw", Host: tc.host, DgramBinds: []config.LogForwardBind{{Address: "127.0.0.1:0"}}},
				config.LogTarget{Address: pc.LocalAddr().String(), Format: "rfc5424", Facility: "local0"})
			c, err := net.Dial("udp", rs.Addr("udp", "127.0.0.1:0").String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write([]byte(tc.in))
			got := readDatagram(t, pc)
			// The time is the reception's: compare around it.
			if i := strings.Index(got, " "); i < 0 || !strings.HasPrefix(tc.want, got[:i]) {
				t.Fatalf("got %q", got)
			}
			rest := got[strings.Index(got, " ")+1:]
			rest = rest[strings.Index(rest, " "):]
			if want := tc.want[strings.Index(tc.want, " - ")+2:]; rest != want {
				t.Errorf("got %q, want ...%q", got, want)
			}
		})
	}
}
