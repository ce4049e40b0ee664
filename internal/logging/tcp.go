package logging

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// droppedLogs counts, process-wide, the lines any Logger, TCP target or
// log-forward section dropped because a queue was full or a target was
// down: HAProxy's DroppedLogs ("show info").
var droppedLogs atomic.Uint64

// DroppedLogs returns how many log lines the process dropped.
func DroppedLogs() uint64 { return droppedLogs.Load() }

// logCounter numbers the traffic log lines of the process (%lc).
var logCounter atomic.Uint64

// NextLogCounter returns the number of the next traffic log line, for
// Entry.LogCounter (%lc).
func NextLogCounter() uint64 { return logCounter.Add(1) }

// Stream sink defaults: how many lines wait for a TCP target, and how long
// connecting and writing may take before the target counts as down.
const (
	streamQueueSize      = 1024
	defaultStreamConnect = 2 * time.Second
	defaultStreamWrite   = 5 * time.Second
	maxRedialDelay       = 2 * time.Second
)

// tcpSink sends lines to a TCP syslog server with octet-counting
// framing (RFC 6587 section 3.4.1: "<length> <message>", no trailer). It
// has its own goroutine and bounded queue so that a slow or unreachable
// server never holds up the Logger's other targets: lines that do not fit
// are dropped and counted. It reconnects after errors, backing off up to
// maxRedialDelay.
type tcpSink struct {
	network, addr    string // "tcp" or "unix" (uxst@)
	connect, timeout time.Duration
	dropped          *atomic.Uint64 // the Logger's counter

	queue chan []byte // framed lines, owned by the sender once queued
	free  chan []byte // buffers to reuse, so that steady logging does not allocate
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// newTCPSink returns a sink for addr; start it with go s.run() once its
// settings are final.
func newTCPSink(network, addr string, dropped *atomic.Uint64) *tcpSink {
	s := &tcpSink{
		network: network, addr: addr, connect: defaultStreamConnect, timeout: defaultStreamWrite, dropped: dropped,
		queue: make(chan []byte, streamQueueSize),
		free:  make(chan []byte, streamQueueSize),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	return s
}

// write frames line (which ends with '\n') and queues it; it never blocks.
func (s *tcpSink) write(line []byte) error {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	var b []byte
	select {
	case b = <-s.free:
	default:
	}
	b = strconv.AppendInt(b[:0], int64(len(line)), 10)
	b = append(b, ' ')
	b = append(b, line...)
	select {
	case s.queue <- b:
	default:
		s.drop(b)
	}
	return nil
}

func (s *tcpSink) drop(b []byte) {
	s.dropped.Add(1)
	droppedLogs.Add(1)
	s.recycle(b)
}

func (s *tcpSink) recycle(b []byte) {
	select {
	case s.free <- b:
	default:
	}
}

// close stops the sender; lines still queued are sent if the server takes
// them within the write timeout.
func (s *tcpSink) close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

// run owns the connection.
func (s *tcpSink) run() {
	defer close(s.done)
	var conn net.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	delay := 50 * time.Millisecond
	for {
		var b []byte
		select {
		case b = <-s.queue:
		case <-s.stop:
			s.flush(conn)
			return
		}
		if conn == nil {
			c, err := net.DialTimeout(s.network, s.addr, s.connect)
			if err != nil {
				s.drop(b)
				if !s.sleep(delay) {
					s.flush(nil)
					return
				}
				delay = min(delay*2, maxRedialDelay)
				continue
			}
			conn, delay = c, 50*time.Millisecond
		}
		if err := s.send(conn, b); err != nil {
			conn.Close()
			conn = nil
		}
	}
}

// flush sends what is queued once the sink is closed, without waiting for
// a dead server: what cannot be sent is counted as dropped.
func (s *tcpSink) flush(conn net.Conn) {
	for {
		select {
		case b := <-s.queue:
			if conn == nil {
				s.drop(b)
			} else if s.send(conn, b) != nil {
				conn.Close()
				conn = nil
			}
		default:
			return
		}
	}
}

func (s *tcpSink) send(conn net.Conn, b []byte) error {
	conn.SetWriteDeadline(time.Now().Add(s.timeout))
	_, err := conn.Write(b)
	if err != nil {
		s.drop(b)
		return err
	}
	s.recycle(b)
	return nil
}

// sleep waits d unless the sink is closed first.
func (s *tcpSink) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop:
		return false
	}
}
