package logging

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/listener"
)

// maxSyslogMessage bounds one received message: larger octet counts close
// the connection, longer LF-terminated lines are cut.
const maxSyslogMessage = 64 << 10

// Relays runs the "log-forward" sections: UDP and TCP listeners that parse
// syslog messages and hand them to each section's Logger. Sockets outlive
// reloads: a listener whose address is still configured keeps its socket
// and only switches to the new section's settings, so a reload loses no
// datagram and closes no connection.
type Relays struct {
	mu        sync.Mutex // serialises Apply and Close
	listeners map[string]*relayListener
	log       *slog.Logger
}

// NewRelays returns an empty set; log receives listener errors.
func NewRelays(log *slog.Logger) *Relays {
	if log == nil {
		log = slog.Default()
	}
	return &Relays{listeners: map[string]*relayListener{}, log: log.With("component", "log-forward")}
}

// RelayConfig is one log-forward section compiled: its settings and the
// Logger of its "log" lines.
type RelayConfig struct {
	Cfg *config.LogForward
	Log *Logger
	// sem bounds the section's TCP connections (maxconn); nil = no limit.
	sem chan struct{}
}

// relayListener is one bound socket of a log-forward section.
type relayListener struct {
	key   string
	cfg   atomic.Pointer[RelayConfig]
	pc    net.PacketConn // dgram-bind
	ln    net.Listener   // bind
	conns sync.WaitGroup
	mu    sync.Mutex
	open  map[net.Conn]struct{} // TCP connections, closed with the listener
	done  chan struct{}
	// closing is closed when the listener is being closed.
	closing chan struct{}
}

// Addr returns the bound address of a log-forward bind ("tcp" or "udp"
// and the configured address), for tests that bind port 0.
func (rs *Relays) Addr(network, address string) net.Addr {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	l := rs.listeners[network+"|"+address]
	switch {
	case l == nil:
		return nil
	case l.pc != nil:
		return l.pc.LocalAddr()
	}
	return l.ln.Addr()
}

// Apply makes cfgs the running log-forward sections. loggerFor returns the
// Logger of a section's targets. On error (a socket that cannot be bound)
// nothing changes.
func (rs *Relays) Apply(cfgs []*config.LogForward, loggerFor func(*config.LogForward) (*Logger, error)) error {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	want := map[string]*RelayConfig{}
	for _, c := range cfgs {
		lg, err := loggerFor(c)
		if err != nil {
			return fmt.Errorf("log-forward '%s': %w", c.Name, err)
		}
		rc := &RelayConfig{Cfg: c, Log: lg}
		if c.MaxConn > 0 {
			rc.sem = make(chan struct{}, c.MaxConn)
		}
		for _, b := range c.DgramBinds {
			if prev := want["udp|"+b.Address]; prev != nil {
				return fmt.Errorf("log-forward '%s': dgram-bind %s is also used by log-forward '%s'", c.Name, b.Address, prev.Cfg.Name)
			}
			want["udp|"+b.Address] = rc
		}
		for _, b := range c.Binds {
			if prev := want["tcp|"+b.Address]; prev != nil {
				return fmt.Errorf("log-forward '%s': bind %s is also used by log-forward '%s'", c.Name, b.Address, prev.Cfg.Name)
			}
			want["tcp|"+b.Address] = rc
		}
	}
	var opened []*relayListener
	for key, rc := range want {
		if rs.listeners[key] != nil {
			continue
		}
		l, err := rs.listen(key, rc)
		if err != nil {
			for _, o := range opened {
				o.close()
			}
			return fmt.Errorf("log-forward '%s': %w", rc.Cfg.Name, err)
		}
		opened = append(opened, l)
	}
	for key, l := range rs.listeners {
		if rc := want[key]; rc != nil {
			l.cfg.Store(rc)
			continue
		}
		delete(rs.listeners, key)
		l.close()
	}
	for _, l := range opened {
		rs.listeners[l.key] = l
		l.start(rs.log)
	}
	return nil
}

// Close closes every socket and waits for the listeners to stop.
func (rs *Relays) Close() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for key, l := range rs.listeners {
		delete(rs.listeners, key)
		l.close()
	}
}

func (rs *Relays) listen(key string, rc *RelayConfig) (*relayListener, error) {
	network, addr := key[:3], key[4:]
	l := &relayListener{key: key, open: map[net.Conn]struct{}{}, done: make(chan struct{}), closing: make(chan struct{})}
	l.cfg.Store(rc)
	var err error
	if network == "udp" {
		l.pc, err = listener.ListenPacket("udp", addr)
	} else {
		l.ln, err = listener.Listen("tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (l *relayListener) start(log *slog.Logger) {
	if l.pc != nil {
		go l.serveUDP(log)
	} else {
		go l.serveTCP(log)
	}
}

func (l *relayListener) close() {
	close(l.closing)
	if l.pc != nil {
		l.pc.Close()
	} else {
		l.ln.Close()
		l.mu.Lock()
		for c := range l.open {
			c.Close()
		}
		l.mu.Unlock()
	}
	<-l.done
	l.conns.Wait()
}

// receivedLogs counts the messages log-forward sections received,
// process-wide (HAProxy's CumRecvLogs, haproxy_process_recv_logs_total).
var receivedLogs atomic.Uint64

// ReceivedLogs returns how many messages log-forward sections received.
func ReceivedLogs() uint64 { return receivedLogs.Load() }

// deliver parses one message from src and gives it to the section's
// Logger, with its host field set as "option host" says.
func deliver(rc *RelayConfig, b []byte, src netip.Addr) {
	if len(b) == 0 {
		return
	}
	receivedLogs.Add(1)
	m := ParseMessage(b, time.Now())
	if !rc.Cfg.DontParse && src.IsValid() {
		addr := func() string { return src.Unmap().String() }
		switch rc.Cfg.Host {
		case "replace":
			m.Host = addr()
		case "append":
			if m.Host != "" {
				m.Host += "," + addr()
			} else {
				m.Host = addr()
			}
		case "keep":
		default: // fill
			if m.Host == "" {
				m.Host = addr()
			}
		}
	}
	rc.Log.Forward(&m, rc.Cfg.DontParse)
}

func (l *relayListener) serveUDP(log *slog.Logger) {
	defer close(l.done)
	defer recoverLog(log, "log-forward UDP listener")
	buf := make([]byte, maxSyslogMessage)
	for {
		n, src, err := l.pc.(*net.UDPConn).ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Warn("log-forward read failed", "addr", l.key, "err", err)
			continue
		}
		deliver(l.cfg.Load(), buf[:n], src.Addr())
	}
}

func (l *relayListener) serveTCP(log *slog.Logger) {
	defer close(l.done)
	for {
		rc := l.cfg.Load()
		if rc.sem != nil {
			// maxconn: stop accepting until a connection ends, as HAProxy
			// pauses a full listener; a reload gives a fresh limit.
			t := time.NewTimer(100 * time.Millisecond)
			select {
			case rc.sem <- struct{}{}:
				t.Stop()
			case <-l.closing:
				t.Stop()
				return
			case <-t.C:
				continue // look again: a reload may have raised the limit
			}
		}
		c, err := l.ln.Accept()
		if err != nil {
			if rc.sem != nil {
				<-rc.sem
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Warn("log-forward accept failed", "addr", l.key, "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		l.mu.Lock()
		l.open[c] = struct{}{}
		l.conns.Add(1)
		l.mu.Unlock()
		go func() {
			defer func() {
				l.mu.Lock()
				delete(l.open, c)
				l.mu.Unlock()
				c.Close()
				if rc.sem != nil {
					<-rc.sem
				}
				l.conns.Done()
			}()
			defer recoverLog(log, "log-forward connection")
			l.serveConn(c)
		}()
	}
}

// serveConn reads messages framed with octet counting ("LEN SP MSG", RFC
// 6587 section 3.4.1) or terminated by LF (section 3.4.2), choosing per
// message as rsyslog does: a message that starts with a digit is
// octet-counted, unless "option assume-rfc6587-ntf" is set.
func (l *relayListener) serveConn(c net.Conn) {
	var src netip.Addr
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		src = ta.AddrPort().Addr()
	}
	r := bufio.NewReaderSize(c, 16<<10)
	msg := make([]byte, 0, 1024)
	for {
		if t := l.cfg.Load().Cfg.Timeout; t > 0 {
			c.SetReadDeadline(time.Now().Add(t))
		}
		first, err := r.Peek(1)
		if err != nil {
			return
		}
		// Loaded once the message arrives: a reload while the connection
		// waited applies to it.
		rc := l.cfg.Load()
		if !rc.Cfg.AssumeNTF && first[0] >= '1' && first[0] <= '9' {
			n, err := readOctetCount(r)
			if err != nil {
				return
			}
			msg = slices.Grow(msg[:0], n)[:n]
			if _, err := io.ReadFull(r, msg); err != nil {
				return
			}
		} else {
			msg = msg[:0]
			for {
				chunk, err := r.ReadSlice('\n')
				if len(msg) < maxSyslogMessage {
					msg = append(msg, chunk[:min(len(chunk), maxSyslogMessage-len(msg))]...)
				}
				if err == bufio.ErrBufferFull {
					continue
				}
				if err != nil {
					deliver(rc, msg, src)
					return
				}
				break
			}
		}
		deliver(rc, msg, src)
	}
}

// readOctetCount reads "LEN " and returns LEN.
func readOctetCount(r *bufio.Reader) (int, error) {
	n := 0
	for i := 0; ; i++ {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		if b == ' ' && i > 0 {
			return n, nil
		}
		if b < '0' || b > '9' || i > 6 {
			return 0, fmt.Errorf("invalid octet count")
		}
		n = n*10 + int(b-'0')
		if n > maxSyslogMessage {
			return 0, fmt.Errorf("message of %s bytes is too large", strconv.Itoa(n))
		}
	}
}

func recoverLog(log *slog.Logger, what string) {
	if p := recover(); p != nil {
		log.Error(what+" panic", "panic", p, "stack", string(debug.Stack()))
	}
}
