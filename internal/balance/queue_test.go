package balance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hawser-lb/hawser/internal/config"
)

var rr = config.Balance{Algorithm: "roundrobin"}

// result is what a background Acquire returned.
type result struct {
	sv  *Server
	err error
}

// acquireAsync starts an Acquire and waits until it is blocked in the queue
// (or done), so that waiters queue in the order they were started.
func acquireAsync(ctx context.Context, p *Pool, s *req) <-chan result {
	ch := make(chan result, 1)
	go func() {
		sv, err := p.Acquire(ctx, s)
		ch <- result{sv, err}
	}()
	synctest.Wait()
	return ch
}

func TestQueueFIFO(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, rr, Options{}, srv("a", 1, maxconn(1)))
		pickHeld(t, p, &req{})
		var waiters []<-chan result
		for range 3 {
			waiters = append(waiters, acquireAsync(t.Context(), p, &req{}))
		}
		if got := p.Queue().Len(); got != 3 {
			t.Fatalf("queue length %d, want 3", got)
		}
		var order []int
		last := p.Servers()[0]
		for range 3 {
			p.Release(last)
			synctest.Wait()
			served := -1
			for i, w := range waiters {
				select {
				case r := <-w:
					if r.err != nil {
						t.Fatal(r.err)
					}
					served, last = i, r.sv
				default:
				}
			}
			if served < 0 {
				t.Fatal("release served nobody")
			}
			order = append(order, served)
		}
		if diff := cmp.Diff([]int{0, 1, 2}, order); diff != "" {
			t.Errorf("service order (-want +got):\n%s", diff)
		}
		if got := p.Queue().Len(); got != 0 {
			t.Errorf("queue length %d, want 0", got)
		}
	})
}

// TestQueueNoSteal checks that a slot freed while someone waits goes to the
// waiter, not to a request arriving right after the release.
func TestQueueNoSteal(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, rr, Options{}, srv("a", 1, maxconn(1)))
		sv := p.Servers()[0]
		pickHeld(t, p, &req{})
		w := acquireAsync(t.Context(), p, &req{})
		p.Release(sv)
		// A newcomer right after the release finds the slot taken.
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := p.Acquire(ctx, &req{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("newcomer got %v, want it to wait (and give up)", err)
		}
		if r := <-w; r.err != nil || r.sv != sv {
			t.Fatalf("waiter got %v, %v", r.sv, r.err)
		}
		// A newcomer while a waiter is queued queues behind it.
		w1 := acquireAsync(t.Context(), p, &req{})
		w2 := acquireAsync(t.Context(), p, &req{})
		p.Release(sv)
		synctest.Wait()
		select {
		case r := <-w1:
			p.Release(r.sv)
		case <-w2:
			t.Fatal("the second waiter was served first")
		}
		if r := <-w2; r.err != nil {
			t.Fatal(r.err)
		}
	})
}

func TestQueueGivingUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  bool
		want    error
	}{
		{"queue timeout", 30 * time.Second, false, ErrQueueTimeout},
		{"context canceled", 0, true, context.Canceled},
		{"context deadline before queue timeout", time.Hour, false, context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, rr, Options{QueueTimeout: tc.timeout}, srv("a", 1, maxconn(1)))
				pickHeld(t, p, &req{})
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				start := time.Now()
				w := acquireAsync(ctx, p, &req{})
				if tc.cancel {
					cancel()
				}
				r := <-w
				if !errors.Is(r.err, tc.want) {
					t.Fatalf("got %v, want %v", r.err, tc.want)
				}
				if tc.timeout > 0 && tc.timeout < time.Minute && time.Since(start) != tc.timeout {
					t.Errorf("gave up after %v, want %v", time.Since(start), tc.timeout)
				}
				if got := p.Queue().Len(); got != 0 {
					t.Errorf("queue length %d after giving up, want 0", got)
				}
			})
		})
	}
}

func TestQueueFull(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, rr, Options{}, srv("a", 1, maxconn(1), maxqueue(1)), srv("b", 1, maxconn(1), maxqueue(1)))
		pickHeld(t, p, &req{})
		pickHeld(t, p, &req{})
		acquireAsync(t.Context(), p, &req{})
		acquireAsync(t.Context(), p, &req{})
		if _, err := p.Acquire(t.Context(), &req{}); !errors.Is(err, ErrQueueFull) {
			t.Errorf("got %v, want ErrQueueFull", err)
		}
	})
}

// TestQueueAcrossGenerations checks that a slot freed by a request of an old
// generation goes to a waiter of the new one sharing the backend queue.
func TestQueueAcrossGenerations(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue()
		oldSrv := srv("a", 1, maxconn(1))
		newSrv := &Server{Name: "a", Addr: "a:80", State: oldSrv.State, Weight: 1, MaxConn: 1}
		oldGen, err := New(rr, []*Server{oldSrv}, q, Options{})
		if err != nil {
			t.Fatal(err)
		}
		newGen, err := New(rr, []*Server{newSrv}, q, Options{})
		if err != nil {
			t.Fatal(err)
		}
		pickHeld(t, oldGen, &req{})
		w := acquireAsync(t.Context(), newGen, &req{})
		oldGen.Release(oldSrv)
		if r := <-w; r.err != nil || r.sv != newSrv {
			t.Fatalf("got %v, %v; want the new generation's server", r.sv, r.err)
		}
	})
}

// TestQueueHashedWaiters checks that a waiter for a full server does not
// hold back a later waiter whose key maps to a server that frees a slot.
func TestQueueHashedWaiters(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, config.Balance{Algorithm: "uri"}, Options{}, srv("a", 1, maxconn(1)), srv("b", 1, maxconn(1)))
		uriFor := map[string]string{}
		for i := 0; len(uriFor) < 2; i++ {
			u := fmt.Sprintf("/%d", i)
			uriFor[pickReleased(t, p, &req{uri: u})] = u
		}
		pickHeld(t, p, &req{uri: uriFor["a"]})
		pickHeld(t, p, &req{uri: uriFor["b"]})
		wa := acquireAsync(t.Context(), p, &req{uri: uriFor["a"]})
		wb := acquireAsync(t.Context(), p, &req{uri: uriFor["b"]})
		p.Release(p.Servers()[1]) // b
		if r := <-wb; r.err != nil || r.sv.Name != "b" {
			t.Fatalf("got %v, %v; want b", r.sv, r.err)
		}
		select {
		case <-wa:
			t.Fatal("the waiter for a was served while a is full")
		default:
		}
		p.Release(p.Servers()[0])
		if r := <-wa; r.err != nil || r.sv.Name != "a" {
			t.Fatalf("got %v, %v; want a", r.sv, r.err)
		}
	})
}

func TestQueueWakeOnServerUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, rr, Options{}, srv("a", 1, maxconn(1)), srv("b", 1))
		b := p.Servers()[1]
		b.State.SetUp(false)
		pickHeld(t, p, &req{})
		w := acquireAsync(t.Context(), p, &req{})
		b.State.SetUp(true)
		p.Queue().Wake()
		if r := <-w; r.err != nil || r.sv != b {
			t.Fatalf("got %v, %v; want b", r.sv, r.err)
		}
	})
}

// TestQueueConcurrent hammers a small pool and checks that maxconn is
// never exceeded and that everything drains.
func TestQueueConcurrent(t *testing.T) {
	t.Parallel()
	for _, algo := range []string{"roundrobin", "leastconn", "first", "random", "uri"} {
		t.Run(algo, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, config.Balance{Algorithm: algo}, Options{}, srv("a", 1, maxconn(2)), srv("b", 2, maxconn(3)))
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Go(func() {
					for i := range 200 {
						sv, err := p.Acquire(context.Background(), &req{uri: fmt.Sprintf("/%d", (g+i)%7)})
						if err != nil {
							t.Error(err)
							return
						}
						if c := sv.State.Cur(); c > int64(sv.MaxConn) {
							t.Errorf("%s has %d connections, maxconn %d", sv.Name, c, sv.MaxConn)
						}
						p.Release(sv)
					}
				})
			}
			wg.Wait()
			for _, sv := range p.Servers() {
				if c := sv.State.Cur(); c != 0 {
					t.Errorf("%s: %d connections left", sv.Name, c)
				}
			}
			if n := p.Queue().Len(); n != 0 {
				t.Errorf("queue length %d, want 0", n)
			}
		})
	}
}
