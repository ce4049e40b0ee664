package logging

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
)

// Ring is a "ring" section's buffer: the last Size bytes of log lines,
// shared by every "log ring@<name>" writer. Writing never blocks on a
// reader: when a line does not fit, the oldest lines are discarded, as in
// HAProxy's rings. Readers (the ring's servers, the Runtime API's "show
// events") walk it by sequence number with Next and wait with Changed.
type Ring struct {
	name string

	mu sync.Mutex // guards everything below
	// cfg is the section the ring was last configured from.
	cfg *config.Ring
	// lines[i] has sequence number first+i; used is their total length.
	lines   [][]byte
	first   uint64
	used    int
	size    int
	changed chan struct{} // closed at the next write
	// servers are the forwarders running for cfg.Servers.
	servers []*ringServer
}

// Name returns the ring's name.
func (r *Ring) Name() string { return r.name }

// Write stores one line (without its trailing '\n'), discarding the
// oldest lines to make room. A line larger than the ring is truncated.
func (r *Ring) Write(line []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(line) > r.size {
		line = line[:r.size]
	}
	for r.used+len(line) > r.size && len(r.lines) > 0 {
		r.used -= len(r.lines[0])
		r.lines[0] = nil
		r.lines = r.lines[1:]
		r.first++
	}
	r.lines = append(r.lines, append([]byte(nil), line...))
	r.used += len(line)
	close(r.changed)
	r.changed = make(chan struct{})
}

// Next appends to dst the line with sequence number seq, or the oldest one
// still stored if seq was overwritten, and returns the extended dst and the
// sequence number to ask for next. ok is false when there is no such line
// yet; then next is seq (or the oldest stored line's number).
func (r *Ring) Next(dst []byte, seq uint64) (line []byte, next uint64, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seq = max(seq, r.first)
	i := seq - r.first
	if i >= uint64(len(r.lines)) {
		return dst, seq, false
	}
	return append(dst, r.lines[i]...), seq + 1, true
}

// Oldest returns the sequence number of the oldest line stored, End that
// of the next line to be written: a reader that only wants new lines
// starts at End.
func (r *Ring) Oldest() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

// End returns the sequence number the next line written will get.
func (r *Ring) End() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first + uint64(len(r.lines))
}

// Changed returns a channel closed when a line is next written.
func (r *Ring) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// Lines returns copies of the lines stored, oldest first.
func (r *Ring) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.lines))
	for i, l := range r.lines {
		out[i] = string(l)
	}
	return out
}

// config returns the section the ring was configured from.
func (r *Ring) config() *config.Ring {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg
}

// Rings holds the rings of the running configuration. A ring keeps its
// contents across reloads as long as a ring of that name exists, so that
// loggers and readers holding it stay valid; a new size applies to the
// lines written after the reload.
type Rings struct {
	mu    sync.Mutex
	rings map[string]*Ring
	log   *slog.Logger
}

// NewRings returns an empty set; log receives the servers' connection
// errors (nil: slog.Default).
func NewRings(log *slog.Logger) *Rings {
	if log == nil {
		log = slog.Default()
	}
	return &Rings{rings: map[string]*Ring{}, log: log.With("component", "ring")}
}

// Get returns the ring called name, or nil.
func (rs *Rings) Get(name string) *Ring {
	if rs == nil {
		return nil
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.rings[name]
}

// Names returns the rings' names, in no particular order.
func (rs *Rings) Names() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []string
	for n := range rs.rings {
		out = append(out, n)
	}
	return out
}

// Apply configures the rings of a new configuration: rings keep their
// lines, new ones are created, and forwarders restart where the servers
// changed. Rings the configuration does not name stay until Retain, so
// that a configuration that fails to apply can be undone by applying the
// running one again.
func (rs *Rings) Apply(cfgs []*config.Ring) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, c := range cfgs {
		r := rs.rings[c.Name]
		if r == nil {
			r = &Ring{name: c.Name, changed: make(chan struct{})}
			rs.rings[c.Name] = r
		}
		r.mu.Lock()
		old := r.cfg
		r.cfg, r.size = c, max(c.Size, 1)
		restart := old == nil || fmt.Sprint(old.Servers, old.TimeoutConnect, old.TimeoutServer) != fmt.Sprint(c.Servers, c.TimeoutConnect, c.TimeoutServer)
		var stop []*ringServer
		if restart {
			stop, r.servers = r.servers, nil
			for _, s := range c.Servers {
				r.servers = append(r.servers, startRingServer(r, s, c, rs.log))
			}
		}
		r.mu.Unlock()
		for _, s := range stop {
			s.close()
		}
	}
}

// Retain forgets the rings cfgs does not name and stops their forwarders.
func (rs *Rings) Retain(cfgs []*config.Ring) {
	keep := map[string]bool{}
	for _, c := range cfgs {
		keep[c.Name] = true
	}
	rs.mu.Lock()
	var stop []*Ring
	for name, r := range rs.rings {
		if !keep[name] {
			delete(rs.rings, name)
			stop = append(stop, r)
		}
	}
	rs.mu.Unlock()
	for _, r := range stop {
		r.stopServers()
	}
}

// Close stops every ring's forwarders.
func (rs *Rings) Close() {
	rs.Retain(nil)
}

func (r *Ring) stopServers() {
	r.mu.Lock()
	stop := r.servers
	r.servers = nil
	r.mu.Unlock()
	for _, s := range stop {
		s.close()
	}
}

// ringServer forwards a ring's lines to one TCP server with octet-counting
// framing, from the oldest line stored when it starts, resuming after the
// last line sent when it reconnects.
type ringServer struct {
	stop chan struct{}
	done chan struct{}
}

func startRingServer(r *Ring, s config.RingServer, c *config.Ring, log *slog.Logger) *ringServer {
	rs := &ringServer{stop: make(chan struct{}), done: make(chan struct{})}
	connect, write := c.TimeoutConnect, c.TimeoutServer
	if connect <= 0 {
		connect = defaultStreamConnect
	}
	if write <= 0 {
		write = defaultStreamWrite
	}
	log = log.With("ring", r.name, "server", s.Name)
	go rs.run(r, s.Address, connect, write, log)
	return rs
}

func (rs *ringServer) close() {
	close(rs.stop)
	<-rs.done
}

func (rs *ringServer) run(r *Ring, addr string, connect, write time.Duration, log *slog.Logger) {
	defer close(rs.done)
	seq := r.Oldest()
	var conn net.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	delay := 50 * time.Millisecond
	var buf, line []byte
	for {
		if conn == nil {
			c, err := net.DialTimeout("tcp", addr, connect)
			if err != nil {
				log.Debug("ring server unreachable", "err", err)
				if !sleepOrStop(delay, rs.stop) {
					return
				}
				delay = min(delay*2, maxRedialDelay)
				continue
			}
			conn, delay = c, 50*time.Millisecond
		}
		changed := r.Changed()
		// Send everything available in one write when possible.
		buf = buf[:0]
		next := seq
		for len(buf) < 64<<10 {
			var ok bool
			line, next, ok = r.Next(line[:0], next)
			if !ok {
				break
			}
			buf = strconv.AppendInt(buf, int64(len(line)), 10)
			buf = append(buf, ' ')
			buf = append(buf, line...)
		}
		if len(buf) == 0 {
			select {
			case <-changed:
				continue
			case <-rs.stop:
				return
			}
		}
		conn.SetWriteDeadline(time.Now().Add(write))
		if _, err := conn.Write(buf); err != nil {
			log.Debug("ring server write failed", "err", err)
			conn.Close()
			conn = nil
			continue
		}
		seq = next
	}
}

// sleepOrStop waits d unless stop is closed first.
func sleepOrStop(d time.Duration, stop <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	}
}

// ringSink is a "log ring@<name>" target.
type ringSink struct{ r *Ring }

func (s ringSink) write(line []byte) error {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	s.r.Write(line)
	return nil
}

func (s ringSink) close() error { return nil }
