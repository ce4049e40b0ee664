package l7

import (
	"net"
	"testing"
	"time"
)

type fakeWaker bool

func (w fakeWaker) Woken() bool { return bool(w) }

// TestIdleConnRead checks the lazy read deadlines: a deadline armed
// earlier than needed is retried, a real one is not, and neither is one the
// engine set to wake the connection.
func TestIdleConnRead(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Second)
	tests := []struct {
		name    string
		conn    idleConn
		armed   time.Time // deadline already on the socket, zero: none
		wantErr bool
	}{
		{name: "no deadline", conn: idleConn{}},
		{name: "stale deadline before idle timeout", conn: idleConn{rIdle: time.Hour}, armed: past},
		{name: "stale deadline before absolute deadline", conn: idleConn{rWant: time.Now().Add(time.Hour)}, armed: past},
		{name: "stale deadline cleared when none wanted", conn: idleConn{}, armed: past},
		{name: "absolute deadline passed", conn: idleConn{rWant: past}, wantErr: true},
		{name: "woken by the engine", conn: idleConn{rIdle: time.Hour, waker: fakeWaker(true)}, armed: past, wantErr: true},
		{name: "not woken", conn: idleConn{rIdle: time.Hour, waker: fakeWaker(false)}, armed: past},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			c := tt.conn
			c.Conn = a
			if !tt.armed.IsZero() {
				a.SetReadDeadline(tt.armed)
				c.rd.armed = tt.armed
			}
			go b.Write([]byte("x"))
			buf := make([]byte, 1)
			n, err := c.Read(buf)
			if tt.wantErr {
				if err == nil || !isTimeout(err) {
					t.Fatalf("Read = %d, %v; want a timeout", n, err)
				}
				return
			}
			if err != nil || n != 1 || buf[0] != 'x' {
				t.Fatalf("Read = %d, %v; want 1 byte", n, err)
			}
		})
	}
}

// TestIdleConnWrite checks that a stale write deadline does not fail a
// write under an inactivity timeout, and that written bytes are counted.
func TestIdleConnWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		wIdle   time.Duration
		armed   time.Time
		wantErr bool
	}{
		{name: "no deadline", wIdle: 0},
		{name: "stale deadline before idle timeout", wIdle: time.Hour, armed: time.Now().Add(-time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			c := idleConn{Conn: a, wIdle: tt.wIdle}
			if !tt.armed.IsZero() {
				a.SetWriteDeadline(tt.armed)
				c.wd.armed = tt.armed
			}
			go func() {
				buf := make([]byte, 8)
				for n := 0; n < 5; {
					k, err := b.Read(buf)
					if err != nil {
						return
					}
					n += k
				}
			}()
			n, err := c.Write([]byte("hello"))
			if err != nil || n != 5 || c.written != 5 {
				t.Fatalf("Write = %d, %v (written %d); want 5, nil (5)", n, err, c.written)
			}
		})
	}
}

// TestLazyDeadlineArm checks when the socket is touched.
func TestLazyDeadlineArm(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tests := []struct {
		name      string
		armed     time.Time
		want      time.Time
		wantSet   bool
		wantArmed time.Time
	}{
		{name: "none wanted, none armed", wantSet: false},
		{name: "none wanted, one armed", armed: now, wantSet: true},
		{name: "first deadline", want: now, wantSet: true, wantArmed: now},
		{name: "later deadline keeps the armed one", armed: now, want: now.Add(time.Second), wantArmed: now},
		{name: "earlier deadline re-arms", armed: now.Add(time.Second), want: now, wantSet: true, wantArmed: now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := lazyDeadline{armed: tt.armed}
			set := false
			d.arm(func(time.Time) error { set = true; return nil }, tt.want)
			if set != tt.wantSet || !d.armed.Equal(tt.wantArmed) {
				t.Errorf("set %v, armed %v; want set %v, armed %v", set, d.armed, tt.wantSet, tt.wantArmed)
			}
		})
	}
}
