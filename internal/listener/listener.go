// Package listener keeps listening sockets open across configuration
// generations. A reload that keeps "bind :8080" keeps the very same socket,
// so no connection is refused while the new generation takes over; sockets
// no generation binds any more are closed only after the swap.
package listener

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Spec identifies a socket to listen on.
type Spec struct {
	Network string // tcp, tcp4, tcp6, unix
	Address string
	Backlog int    // 0 = system default
	Mode    uint32 // unix socket permissions, 0 = leave as created
}

// Key is the identity under which the pool shares a socket.
func (s Spec) Key() string { return s.Network + "@" + s.Address }

// AcceptFunc receives each accepted connection. It must not block for
// long: it is called from the accept loop.
type AcceptFunc func(c net.Conn, key string)

// Pool owns the listening sockets.
type Pool struct {
	accept AcceptFunc
	log    *slog.Logger

	mu sync.Mutex
	ls map[string]*entry
	wg sync.WaitGroup // accept loops

	// gate, when not nil, holds accepted connections until Release
	// closes it. Set by Hold before any loop starts, never changed after.
	gate        chan struct{}
	releaseOnce sync.Once

	// inherited are sockets received from a previous process (hawser -x),
	// by key, that Ensure uses instead of binding; guarded by mu. Those
	// no configuration binds are closed by DropInherited.
	inherited map[string]net.Listener
}

type entry struct {
	spec Spec
	ln   net.Listener
}

// NewPool returns an empty pool that hands accepted connections to fn.
func NewPool(fn AcceptFunc, log *slog.Logger) *Pool {
	return &Pool{accept: fn, log: log, ls: make(map[string]*entry)}
}

// Hold makes the pool keep the connections it accepts until Release: the
// sockets are open (the kernel queues clients) but nothing is served yet,
// as while HAProxy drops its privileges after binding. It must be called
// before the first Ensure.
func (p *Pool) Hold() { p.gate = make(chan struct{}) }

// Release hands the connections held since Hold, and all later ones, to
// the accept function.
func (p *Pool) Release() {
	if p.gate != nil {
		p.releaseOnce.Do(func() { close(p.gate) })
	}
}

// Ensure opens every spec not open yet. On error it closes what this call
// opened and returns the error, leaving the pool as it was.
func (p *Pool) Ensure(specs []Spec) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var opened []*entry
	for _, s := range specs {
		if _, ok := p.ls[s.Key()]; ok {
			continue
		}
		ln, ok := p.inherited[s.Key()]
		var err error
		if ok {
			delete(p.inherited, s.Key())
		} else {
			ln, err = listen(s)
		}
		if err != nil {
			for _, e := range opened {
				e.ln.Close()
				delete(p.ls, e.spec.Key())
			}
			return fmt.Errorf("cannot bind socket [%s]: %w", s.Address, err)
		}
		e := &entry{spec: s, ln: ln}
		p.ls[s.Key()] = e
		opened = append(opened, e)
	}
	for _, e := range opened {
		p.wg.Add(1)
		go p.loop(e)
	}
	return nil
}

// Inherit gives the pool sockets a previous process listened on, by key:
// Ensure uses them instead of binding their addresses again, so that the
// connections waiting in their queues are not lost. It must be called
// before the first Ensure.
func (p *Pool) Inherit(ls map[string]net.Listener) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inherited = ls
	for _, ln := range ls {
		if ul, ok := ln.(*net.UnixListener); ok {
			// The socket file is ours now: remove it when we close it.
			ul.SetUnlinkOnClose(true)
		}
	}
}

// DropInherited closes the inherited sockets no Ensure used: the new
// configuration no longer binds them.
func (p *Pool) DropInherited() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, ln := range p.inherited {
		ln.Close()
		delete(p.inherited, k)
	}
}

// Files returns a duplicate of every open socket with its key, for
// passing to a new process (the runtime API's _getsocks). The caller
// closes the files. From then on, unix sockets no longer remove their
// file when closed: the new process owns the path.
func (p *Pool) Files() (keys []string, files []*os.File, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.ls {
		var f *os.File
		switch ln := e.ln.(type) {
		case *net.TCPListener:
			f, err = ln.File()
		case *net.UnixListener:
			ln.SetUnlinkOnClose(false)
			f, err = ln.File()
		default:
			err = fmt.Errorf("socket [%s] cannot be passed", e.spec.Address)
		}
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, nil, err
		}
		keys = append(keys, k)
		files = append(files, f)
	}
	return keys, files, nil
}

// Retain closes every socket whose key is not in keep.
func (p *Pool) Retain(keep map[string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.ls {
		if !keep[k] {
			e.ln.Close()
			delete(p.ls, k)
		}
	}
}

// Close closes every socket and waits for the accept loops to end.
func (p *Pool) Close() {
	p.Release()
	p.DropInherited()
	p.Retain(nil)
	p.wg.Wait()
}

// Addr returns the bound address of the socket with this key (useful when
// the config asked for port 0).
func (p *Pool) Addr(key string) net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.ls[key]; ok {
		return e.ln.Addr()
	}
	return nil
}

func (p *Pool) loop(e *entry) {
	defer p.wg.Done()
	key := e.spec.Key()
	var delay time.Duration
	for {
		c, err := e.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off and go on,
			// as net/http's Server does.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay < time.Second {
				delay *= 2
			}
			p.log.Warn("accept failed", "listener", key, "err", err)
			time.Sleep(delay)
			continue
		}
		delay = 0
		if p.gate != nil {
			<-p.gate
		}
		p.dispatch(c, key)
	}
}

func (p *Pool) dispatch(c net.Conn, key string) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("panic in accept handler", "listener", key, "panic", r, "stack", string(debug.Stack()))
			c.Close()
		}
	}()
	p.accept(c, key)
}

func listen(s Spec) (net.Listener, error) {
	if s.Network == "unix" {
		// A stale socket file from a previous run would make bind fail.
		if fi, err := os.Lstat(s.Address); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(s.Address)
		}
		ln, err := net.Listen("unix", s.Address)
		if err != nil {
			return nil, err
		}
		if s.Mode != 0 {
			if err := os.Chmod(s.Address, os.FileMode(s.Mode)); err != nil {
				ln.Close()
				return nil, err
			}
		}
		return ln, nil
	}
	return Listen(s.Network, s.Address)
}

// reusePort sets SO_REUSEPORT: a new hawser process can bind while an old
// one still listens (a binary upgrade without -x, and the sockets -x does
// not pass), as HAProxy does.
var reusePort = net.ListenConfig{Control: func(network, address string, rc syscall.RawConn) error {
	if strings.HasPrefix(network, "unix") {
		return nil
	}
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}}

// Listen is net.Listen with SO_REUSEPORT on TCP sockets. The runtime API's
// TCP sockets, log-forward and the Data Plane API use it so that a new
// process starting during a binary upgrade can open them while the old
// one still holds them.
func Listen(network, address string) (net.Listener, error) {
	return reusePort.Listen(context.Background(), network, address)
}

// ListenPacket is net.ListenPacket with SO_REUSEPORT, for UDP.
func ListenPacket(network, address string) (net.PacketConn, error) {
	return reusePort.ListenPacket(context.Background(), network, address)
}
