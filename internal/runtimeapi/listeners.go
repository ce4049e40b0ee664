package runtimeapi

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/listener"
)

// socket is one "stats socket" listener. It stays open across reloads
// while the configuration keeps its address; a reload only updates its
// level and limits.
type socket struct {
	addr  string
	ln    net.Listener
	level atomic.Int32
	// exposeFD is "expose-fd listeners"; updated by reloads.
	exposeFD atomic.Bool
	maxconn  int
	// file identifies the unix socket file this socket created, so that
	// closing it removes that file only, not one a new process bound
	// at the same path since (binary upgrade).
	path string
	file os.FileInfo
	done chan struct{}
}

// Apply opens the "stats socket" listeners of snap that are not open yet,
// updates those kept and closes those snap no longer has. It returns the
// first error, after applying everything else; a failed socket is not
// opened.
func (s *Server) Apply(snap *config.Snapshot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timeoutNs.Store(int64(snap.Global.StatsTimeout))
	if s.sockets == nil {
		s.sockets = make(map[string]*socket)
	}
	var errs []error
	keep := make(map[string]bool)
	for i := range snap.Global.StatsSocket {
		cfg := &snap.Global.StatsSocket[i]
		level, err := ParseLevel(cfg.Level)
		if err != nil {
			errs = append(errs, fmt.Errorf("%v: stats socket '%s': %w", cfg.Pos, cfg.Address, err))
			continue
		}
		keep[cfg.Address] = true
		if sk := s.sockets[cfg.Address]; sk != nil {
			sk.level.Store(int32(level))
			sk.exposeFD.Store(exposesFD(cfg))
			continue
		}
		sk, err := openSocket(cfg, snap.Global.StatsMaxConn)
		if err != nil {
			errs = append(errs, fmt.Errorf("%v: stats socket '%s': %w", cfg.Pos, cfg.Address, err))
			continue
		}
		sk.level.Store(int32(level))
		sk.exposeFD.Store(exposesFD(cfg))
		s.sockets[cfg.Address] = sk
		go func() {
			defer close(sk.done)
			s.serveSocket(sk)
		}()
	}
	for addr, sk := range s.sockets {
		if !keep[addr] {
			sk.close()
			delete(s.sockets, addr)
		}
	}
	return errors.Join(errs...)
}

// Close closes every socket.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for addr, sk := range s.sockets {
		sk.close()
		delete(s.sockets, addr)
	}
}

// Addr returns the address a configured socket listens on (its real port
// for "ipv4@127.0.0.1:0"), or nil.
func (s *Server) Addr(address string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sk := s.sockets[address]; sk != nil {
		return sk.ln.Addr()
	}
	return nil
}

func (sk *socket) close() {
	sk.ln.Close()
	<-sk.done
	if sk.file != nil {
		if fi, err := os.Lstat(sk.path); err == nil && os.SameFile(fi, sk.file) {
			os.Remove(sk.path)
		}
	}
}

// exposesFD reports whether a "stats socket" line has "expose-fd
// listeners".
func exposesFD(cfg *config.StatsSocket) bool {
	for i := 0; i+1 < len(cfg.Options); i++ {
		if cfg.Options[i] == "expose-fd" && cfg.Options[i+1] == "listeners" {
			return true
		}
	}
	return false
}

func (s *Server) serveSocket(sk *socket) {
	sem := make(chan struct{}, sk.maxconn)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		sem <- struct{}{}
		c, err := sk.ln.Accept()
		if err != nil {
			<-sem
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s.serveConn(c, Level(sk.level.Load()), sk.exposeFD.Load())
		}()
	}
}

// SocketNetwork splits a runtime API address into a network and an
// address for net.Listen or net.Dial: "/path" and "unix@/path" are unix
// sockets, "ipv4@", "ipv6@" and bare "host:port" TCP.
func SocketNetwork(a string) (network, address string) {
	switch {
	case strings.HasPrefix(a, "/"):
		return "unix", a
	case strings.HasPrefix(a, "unix@"):
		return "unix", a[5:]
	case strings.HasPrefix(a, "ipv4@"):
		return "tcp4", a[5:]
	case strings.HasPrefix(a, "ipv6@"):
		return "tcp6", a[5:]
	case strings.HasPrefix(a, "tcp@"), strings.HasPrefix(a, "tcp4@"), strings.HasPrefix(a, "tcp6@"):
		n, addr, _ := strings.Cut(a, "@")
		return n, addr
	}
	return "tcp", a
}

func openSocket(cfg *config.StatsSocket, globalMax int) (*socket, error) {
	sk := &socket{addr: cfg.Address, maxconn: 10, done: make(chan struct{})}
	if globalMax > 0 {
		sk.maxconn = globalMax
	}
	opts := map[string]string{}
	for i := 0; i < len(cfg.Options); i++ {
		if name := cfg.Options[i]; name != "defer-accept" && i+1 < len(cfg.Options) {
			opts[name] = cfg.Options[i+1]
			i++
		}
	}
	if v, ok := opts["maxconn"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("'maxconn' expects a positive integer, got '%s'", v)
		}
		sk.maxconn = n
	}
	network, address := SocketNetwork(cfg.Address)
	if network == "unix" {
		// A socket file left by a previous process would make the bind
		// fail; HAProxy replaces it too.
		if fi, err := os.Lstat(address); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(address)
		}
	}
	ln, err := listener.Listen(network, address)
	if err != nil {
		return nil, err
	}
	if network == "unix" {
		// The socket file is removed by close, and only if it is still
		// the one created here.
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
		if err := setOwner(address, cfg.Mode, opts); err != nil {
			ln.Close()
			os.Remove(address)
			return nil, err
		}
		sk.path = address
		sk.file, _ = os.Lstat(address)
	}
	sk.ln = ln
	return sk, nil
}

// setOwner applies mode, user/uid and group/gid to a unix socket file.
func setOwner(path string, mode uint32, opts map[string]string) error {
	if mode != 0 {
		if err := os.Chmod(path, os.FileMode(mode)); err != nil {
			return err
		}
	}
	uid, gid := -1, -1
	if v, ok := opts["uid"]; ok {
		uid, _ = strconv.Atoi(v)
	}
	if v, ok := opts["gid"]; ok {
		gid, _ = strconv.Atoi(v)
	}
	if v, ok := opts["user"]; ok {
		u, err := user.Lookup(v)
		if err != nil {
			return err
		}
		uid, _ = strconv.Atoi(u.Uid)
	}
	if v, ok := opts["group"]; ok {
		g, err := user.LookupGroup(v)
		if err != nil {
			return err
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	if uid >= 0 || gid >= 0 {
		return os.Chown(path, uid, gid)
	}
	return nil
}
