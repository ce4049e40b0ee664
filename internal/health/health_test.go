package health

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

const (
	downRefused = `Server app/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.`
	upL4        = `Server app/s1 is UP, reason: Layer4 check passed, check duration: 0ms. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.`
)

func TestScheduleAndTransitions(t *testing.T) {
	t.Parallel()
	s := time.Second
	fastDown := func(c *config.Server) { c.FastInter, c.DownInter = s, 5*s }
	tests := []struct {
		name      string
		mods      []func(*config.Server)
		script    []outcome
		wantDials []time.Duration
		wantNotes []note
		wantUp    bool
	}{
		{
			name: "fall failures from fully up, then rise successes",
			mods: []func(*config.Server){fastDown},
			// ok: fully up (inter); 2 failures going down (fastinter); 3rd: down (downinter);
			// 1st success going up (fastinter); 2nd: up (inter).
			script:    []outcome{accept, refuse, refuse, refuse, accept, accept},
			wantDials: []time.Duration{0, 2 * s, 3 * s, 4 * s, 9 * s, 10 * s},
			wantNotes: []note{{downRefused, false}, {upL4, true}},
			wantUp:    true,
		},
		{
			name:      "an unchecked server goes down at its first failure",
			mods:      []func(*config.Server){fastDown},
			script:    []outcome{refuse, refuse, accept, accept},
			wantDials: []time.Duration{0, 5 * s, 10 * s, 11 * s},
			wantNotes: []note{{downRefused, false}, {upL4, true}},
			wantUp:    true,
		},
		{
			name:      "fewer than fall failures keep the server up",
			mods:      []func(*config.Server){fastDown},
			script:    []outcome{accept, refuse, refuse, accept, refuse, refuse, accept},
			wantDials: []time.Duration{0, 2 * s, 3 * s, 4 * s, 6 * s, 7 * s, 8 * s},
			wantUp:    true,
		},
		{
			name:      "fewer than rise successes keep the server down",
			mods:      []func(*config.Server){fastDown, func(c *config.Server) { c.Rise = 3 }},
			script:    []outcome{refuse, accept, accept, refuse, accept},
			wantDials: []time.Duration{0, 5 * s, 6 * s, 7 * s, 12 * s},
			wantNotes: []note{{downRefused, false}},
			wantUp:    false,
		},
		{
			name:      "fastinter and downinter default to inter",
			script:    []outcome{refuse, accept, accept},
			wantDials: []time.Duration{0, 2 * s, 4 * s},
			wantNotes: []note{{downRefused, false}, {upL4, true}},
			wantUp:    true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				fn := newFakeNet(len(tc.wantDials), nil, tc.script...)
				c := newCheck(newServer("s1", tc.mods...), nil)
				backup := newServer("b1", func(c *config.Server) { c.Backup = true })
				peers := func(string) []Peer { return []Peer{{c.State, c.Server}, {nil, backup}} }
				var rec recorder
				ctx, cancel := context.WithCancel(t.Context())
				k := &Checker{Dial: fn.Dial, Spread: noSpread}
				done := k.Start(ctx, []Check{c}, peers, rec.notify)

				<-fn.reached
				synctest.Wait() // the last check is recorded
				cancel()
				<-done

				if diff := cmp.Diff(tc.wantDials, fn.dialTimes()); diff != "" {
					t.Errorf("dial times (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.wantNotes, rec.all(), cmp.AllowUnexported(note{})); diff != "" {
					t.Errorf("notes (-want +got):\n%s", diff)
				}
				if got := c.State.Up(); got != tc.wantUp {
					t.Errorf("Up() = %v, want %v", got, tc.wantUp)
				}
			})
		})
	}
}

func TestProbeTimeouts(t *testing.T) {
	t.Parallel()
	s := time.Second
	httpchk := &config.HTTPCheck{}
	tests := []struct {
		name           string
		http           *config.HTTPCheck
		dial           outcome
		connectTimeout time.Duration
		checkTimeout   time.Duration
		wantStatus     string
		wantDur        time.Duration
	}{
		{name: "connect bounded by inter without timeout check", dial: hang, connectTimeout: s / 2, wantStatus: StatusL4TOUT, wantDur: 2 * s},
		{name: "connect bounded by timeout connect with timeout check", dial: hang, connectTimeout: s / 2, checkTimeout: s, wantStatus: StatusL4TOUT, wantDur: s / 2},
		{name: "timeout connect capped by inter", dial: hang, connectTimeout: 10 * s, checkTimeout: s, wantStatus: StatusL4TOUT, wantDur: 2 * s},
		{name: "connect bounded by inter when only timeout check is set", dial: hang, checkTimeout: s, wantStatus: StatusL4TOUT, wantDur: 2 * s},
		{name: "response bounded by inter without timeout check", http: httpchk, dial: accept, wantStatus: StatusL7TOUT, wantDur: 2 * s},
		{name: "response bounded by timeout check", http: httpchk, dial: accept, checkTimeout: s / 4, wantStatus: StatusL7TOUT, wantDur: s / 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				fn := newFakeNet(0, stall, tc.dial)
				c := newCheck(newServer("s1"), tc.http)
				c.ConnectTimeout, c.CheckTimeout = tc.connectTimeout, tc.checkTimeout
				k := &Checker{Dial: fn.Dial}
				got := k.probe(t.Context(), &c, mustExpect(t, tc.http))
				want := result{status: tc.wantStatus, dur: tc.wantDur}
				if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
					t.Errorf("probe (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestProbeHTTP(t *testing.T) {
	t.Parallel()
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall ok"
	tests := []struct {
		name    string
		expect  *config.HTTPExpect
		raw     string // the server's response; "" closes without answering
		bufSize int
		want    result
	}{
		{name: "default passes 2xx", raw: ok, want: result{status: StatusL7OK, code: 200}},
		{name: "default passes 3xx", raw: "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", want: result{status: StatusL7OK, code: 302}},
		{name: "default fails 5xx with reason", raw: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
			want: result{status: StatusL7STS, code: 503, desc: "Service Unavailable"}},
		{name: "status match", expect: &config.HTTPExpect{Kind: "status", Value: "200"}, raw: ok, want: result{status: StatusL7OK, code: 200}},
		{name: "status mismatch", expect: &config.HTTPExpect{Kind: "status", Value: "204"}, raw: ok,
			want: result{status: StatusL7STS, code: 200, desc: "OK"}},
		{name: "status list and range", expect: &config.HTTPExpect{Kind: "status", Value: "201,300-302"},
			raw: "HTTP/1.1 301 Moved Permanently\r\nContent-Length: 0\r\n\r\n", want: result{status: StatusL7OK, code: 301}},
		{name: "negated status", expect: &config.HTTPExpect{Kind: "status", Value: "200", Negate: true}, raw: ok,
			want: result{status: StatusL7STS, code: 200, desc: "OK"}},
		{name: "negated status passes others", expect: &config.HTTPExpect{Kind: "status", Value: "503", Negate: true}, raw: ok,
			want: result{status: StatusL7OK, code: 200}},
		{name: "rstatus match", expect: &config.HTTPExpect{Kind: "rstatus", Value: "^2"}, raw: ok, want: result{status: StatusL7OK, code: 200}},
		{name: "rstatus mismatch", expect: &config.HTTPExpect{Kind: "rstatus", Value: "^3"}, raw: ok,
			want: result{status: StatusL7STS, code: 200, desc: "OK"}},
		{name: "string match", expect: &config.HTTPExpect{Kind: "string", Value: "ok"}, raw: ok, want: result{status: StatusL7OK, code: 200}},
		{name: "string mismatch", expect: &config.HTTPExpect{Kind: "string", Value: "ready"}, raw: ok,
			want: result{status: StatusL7RSP, code: 200, desc: "HTTP content check did not match"}},
		{name: "negated string found", expect: &config.HTTPExpect{Kind: "string", Value: "all", Negate: true}, raw: ok,
			want: result{status: StatusL7RSP, code: 200, desc: "HTTP check matched unwanted content"}},
		{name: "rstring match", expect: &config.HTTPExpect{Kind: "rstring", Value: `"status":\s*"up"`},
			raw: "HTTP/1.0 200 OK\r\n\r\n{\"status\": \"up\"}", want: result{status: StatusL7OK, code: 200}},
		{name: "negated rstring absent", expect: &config.HTTPExpect{Kind: "rstring", Value: "^maint", Negate: true}, raw: ok,
			want: result{status: StatusL7OK, code: 200}},
		{name: "body beyond the buffer is not seen", expect: &config.HTTPExpect{Kind: "string", Value: "needle"}, bufSize: 256,
			raw:  "HTTP/1.0 200 OK\r\n\r\n" + string(bytes.Repeat([]byte("x"), 1000)) + "needle",
			want: result{status: StatusL7RSP, code: 200, desc: "HTTP content check did not match"}},
		{name: "not HTTP", raw: "SSH-2.0-OpenSSH\r\n\r\n", want: result{status: StatusL7RSP, desc: "Invalid HTTP response"}},
		{name: "closed without answer", raw: "", want: result{status: StatusL7RSP, desc: "Empty response"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				hc := &config.HTTPCheck{URI: "/health", Expect: tc.expect}
				fn := newFakeNet(0, respond(tc.raw), accept)
				c := newCheck(newServer("s1"), hc)
				k := &Checker{Dial: fn.Dial, BufSize: tc.bufSize}
				got := k.probe(t.Context(), &c, mustExpect(t, hc))
				if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(result{})); diff != "" {
					t.Errorf("probe (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestProbeTCP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dial outcome
		want result
	}{
		{name: "connect", dial: accept, want: result{status: StatusL4OK}},
		{name: "refused", dial: refuse, want: result{status: StatusL4CON, desc: "Connection refused"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				fn := newFakeNet(0, nil, tc.dial)
				c := newCheck(newServer("s1"), nil)
				got := (&Checker{Dial: fn.Dial}).probe(t.Context(), &c, nil)
				if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(result{})); diff != "" {
					t.Errorf("probe (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// A reload starts a new checker for the same State and cancels the old one:
// the new one keeps the old schedule instead of checking at once.
func TestReloadKeepsSchedule(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fn := newFakeNet(3, nil, accept)
		c := newCheck(newServer("s1"), nil)
		k := &Checker{Dial: fn.Dial, Spread: noSpread}

		oldCtx, cancelOld := context.WithCancel(t.Context())
		oldDone := k.Start(oldCtx, []Check{c}, nil, nil)
		time.Sleep(time.Second) // fake time: between the first and second check
		newCtx, cancelNew := context.WithCancel(t.Context())
		newDone := k.Start(newCtx, []Check{c}, nil, nil)
		cancelOld()
		<-oldDone

		<-fn.reached
		synctest.Wait()
		cancelNew()
		<-newDone

		want := []time.Duration{0, 2 * time.Second, 4 * time.Second}
		if diff := cmp.Diff(want, fn.dialTimes()); diff != "" {
			t.Errorf("dial times (-want +got):\n%s", diff)
		}
		if got := c.State.Check().Health; got != 4 {
			t.Errorf("Health = %d, want 4", got)
		}
		slotsMu.Lock()
		_, leaked := slots[c.State]
		slotsMu.Unlock()
		if leaked {
			t.Error("schedule slot kept after every checker stopped")
		}
	})
}

// In maintenance the counter moves but the verdict does not.
func TestMaintenanceKeepsVerdict(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fn := newFakeNet(2, nil, refuse)
		c := newCheck(newServer("s1"), nil)
		c.State.SetAdmin(server.AdminMaint)
		var rec recorder
		ctx, cancel := context.WithCancel(t.Context())
		done := (&Checker{Dial: fn.Dial, Spread: noSpread}).Start(ctx, []Check{c}, nil, rec.notify)
		<-fn.reached
		synctest.Wait()
		cancel()
		<-done
		if len(rec.all()) != 0 || !c.State.Up() {
			t.Errorf("notes %v, Up() = %v; want none and up", rec.all(), c.State.Up())
		}
		if cs := c.State.Check(); cs.Health != 0 || cs.LastStatus != StatusL4CON {
			t.Errorf("check state %+v, want health 0 and L4CON", cs)
		}
	})
}

func TestPanicIsRecovered(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fn := newFakeNet(2, nil, accept)
		calls := 0
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			if calls++; calls == 1 {
				if conn, err := fn.Dial(ctx, network, addr); err == nil { // count the attempt
					conn.Close()
				}
				panic("boom")
			}
			return fn.Dial(ctx, network, addr)
		}
		var logs bytes.Buffer
		k := &Checker{Dial: dial, Spread: noSpread, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		c := newCheck(newServer("s1"), nil)
		ctx, cancel := context.WithCancel(t.Context())
		done := k.Start(ctx, []Check{c}, nil, nil)
		<-fn.reached
		synctest.Wait()
		cancel()
		<-done
		if got := c.State.Check().LastStatus; got != StatusL4OK {
			t.Errorf("LastStatus = %q after the panic, want L4OK", got)
		}
		if !bytes.Contains(logs.Bytes(), []byte("health check panicked")) || !bytes.Contains(logs.Bytes(), []byte("boom")) {
			t.Errorf("log = %q, want the panic logged", logs.String())
		}
	})
}

func mustExpect(t *testing.T, hc *config.HTTPCheck) *expectation {
	t.Helper()
	e, err := compileExpect(hc)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A checker cancelled in the middle of a check records nothing, and the
// checker that replaces it runs the abandoned check at once.
func TestReloadDuringCheck(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fn := newFakeNet(3, nil, hang, accept)
		c := newCheck(newServer("s1"), nil)
		var rec recorder
		k := &Checker{Dial: fn.Dial, Spread: noSpread}

		oldCtx, cancelOld := context.WithCancel(t.Context())
		oldDone := k.Start(oldCtx, []Check{c}, nil, rec.notify)
		time.Sleep(time.Second) // fake time: the first connect is still pending
		newCtx, cancelNew := context.WithCancel(t.Context())
		newDone := k.Start(newCtx, []Check{c}, nil, rec.notify)
		cancelOld()
		<-oldDone

		<-fn.reached
		synctest.Wait()
		cancelNew()
		<-newDone

		want := []time.Duration{0, time.Second, 3 * time.Second}
		if diff := cmp.Diff(want, fn.dialTimes()); diff != "" {
			t.Errorf("dial times (-want +got):\n%s", diff)
		}
		if cs := c.State.Check(); cs.LastStatus != StatusL4OK || cs.Health != 4 || len(rec.all()) != 0 {
			t.Errorf("check state %+v, notes %v; want L4OK, health 4, no notes", cs, rec.all())
		}
	})
}
