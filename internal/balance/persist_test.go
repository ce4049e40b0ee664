package balance

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestAcquireServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, p *Pool, a, b *Server)
	}{
		{name: "free slot is taken at once", run: func(t *testing.T, p *Pool, a, b *Server) {
			sv, err := p.AcquireServer(t.Context(), b)
			if err != nil || sv != b {
				t.Fatalf("AcquireServer = %v, %v; want b", sv, err)
			}
			if b.State.Cur() != 1 {
				t.Errorf("b holds %d slots, want 1", b.State.Cur())
			}
		}},
		{name: "full target waits for its own slot", run: func(t *testing.T, p *Pool, a, b *Server) {
			if _, err := p.AcquireServer(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			ch := make(chan *Server, 1)
			go func() {
				sv, _ := p.AcquireServer(t.Context(), b)
				ch <- sv
			}()
			synctest.Wait()
			// A newcomer for another server is served from the queue
			// without serving the waiter.
			if sv, err := p.AcquireServer(t.Context(), a); err != nil || sv != a {
				t.Fatalf("AcquireServer(a) = %v, %v", sv, err)
			}
			select {
			case sv := <-ch:
				t.Fatalf("waiter served with %v before b freed a slot", sv.Name)
			default:
			}
			p.Release(b)
			synctest.Wait()
			if sv := <-ch; sv != b {
				t.Errorf("waiter got %v, want b", sv)
			}
		}},
		{name: "queue timeout", run: func(t *testing.T, p *Pool, a, b *Server) {
			if _, err := p.AcquireServer(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			if _, err := p.AcquireServer(t.Context(), b); !errors.Is(err, ErrQueueTimeout) {
				t.Errorf("AcquireServer = %v, want ErrQueueTimeout", err)
			}
		}},
		{name: "context cancelled", run: func(t *testing.T, p *Pool, a, b *Server) {
			if _, err := p.AcquireServer(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if _, err := p.AcquireServer(ctx, b); !errors.Is(err, context.Canceled) {
				t.Errorf("AcquireServer = %v, want context.Canceled", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t, rr, Options{QueueTimeout: time.Second}, srv("a", 1, maxconn(1)), srv("b", 1, maxconn(1)))
				a, b := p.Servers()[0], p.Servers()[1]
				tc.run(t, p, a, b)
			})
		})
	}
}
