package logging

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
)

// DefaultQueueSize is how many lines a Logger buffers before it drops.
const DefaultQueueSize = 4096

// Logger sends lines to a set of "log" targets without blocking the
// caller: Log copies the line into a bounded queue that one goroutine
// drains; when the queue is full the line is dropped and counted, as
// HAProxy drops (and counts in DroppedLogs) what a target cannot take.
type Logger struct {
	targets  []*target // owned by the writer goroutine once started
	maxLevel int       // least severe level any target accepts
	clock    func() time.Time
	hdr      header // host, tag and pid; facility, level and time vary

	queue   chan *record
	pool    sync.Pool
	closed  atomic.Bool
	dropped atomic.Uint64
	errs    atomic.Uint64
	once    sync.Once
	done    chan struct{}
}

// record is one queued line; a nil *record asks the writer to stop.
type record struct {
	level int
	at    time.Time
	line  []byte
	// fwd is set for a message relayed by a log-forward section: its own
	// facility and header fields replace the Logger's, and raw sends it
	// unchanged.
	fwd, raw                  bool
	facility                  int
	host, tag, pid, msgid, sd string
}

// Option changes a Logger's defaults.
type Option func(*options)

type options struct {
	clock          func() time.Time
	hostname       string
	pid            int
	queueSize      int
	stdout, stderr io.Writer
	rings          *Rings
	dropped        *atomic.Uint64 // the Logger's counter, for TCP targets
	tcpWrite       time.Duration  // write timeout of TCP targets (tests)
}

// WithRings gives the rings "log ring@<name>" targets write to.
func WithRings(rs *Rings) Option { return func(o *options) { o.rings = rs } }

// WithClock sets the clock used for syslog header timestamps (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithHostname sets the host name sent in the header, as the global
// "log-send-hostname" does; it also makes "rfc3164" the default format.
func WithHostname(name string) Option { return func(o *options) { o.hostname = name } }

// WithPID sets the pid sent in the header (default: the process's).
func WithPID(pid int) Option { return func(o *options) { o.pid = pid } }

// WithQueueSize sets how many lines may wait for the writer.
func WithQueueSize(n int) Option { return func(o *options) { o.queueSize = n } }

// WithStdout replaces the process's stdout as the "stdout" and "fd@1"
// target (tests, embedding).
func WithStdout(w io.Writer) Option { return func(o *options) { o.stdout = w } }

// WithStderr replaces the process's stderr as the "stderr" and "fd@2"
// target (tests, embedding).
func WithStderr(w io.Writer) Option { return func(o *options) { o.stderr = w } }

// NewLogger compiles targets (already resolved with Resolve: no "log
// global" lines) and starts the writer goroutine. tag is the syslog tag
// ("log-tag"); empty means the program name, as in HAProxy. Callers must
// Close the Logger.
func NewLogger(targets []config.LogTarget, tag string, opts ...Option) (*Logger, error) {
	o := options{clock: time.Now, pid: os.Getpid(), queueSize: DefaultQueueSize, stdout: os.Stdout, stderr: os.Stderr}
	for _, opt := range opts {
		opt(&o)
	}
	if tag == "" {
		tag = filepath.Base(os.Args[0])
	}
	l := &Logger{
		clock:    o.clock,
		maxLevel: -1,
		hdr:      header{host: o.hostname, tag: tag, pid: strconv.Itoa(o.pid)},
		queue:    make(chan *record, max(o.queueSize, 1)),
		done:     make(chan struct{}),
	}
	o.dropped = &l.dropped
	for _, lt := range targets {
		t, err := newTarget(lt, &o)
		if err != nil {
			l.closeSinks()
			return nil, configError(lt, err)
		}
		l.targets = append(l.targets, t)
		l.maxLevel = max(l.maxLevel, t.maxLevel)
	}
	go l.run()
	return l, nil
}

// configError puts the config position, when known, in front of err, as
// "haproxy.cfg:12: unknown log level 'loud'".
func configError(lt config.LogTarget, err error) error {
	if lt.Pos.File == "" {
		return err
	}
	return fmt.Errorf("%s:%d: %w", lt.Pos.File, lt.Pos.Line, err)
}

// Log queues line for the targets whose level accepts level (a syslog
// severity, LevelInfo for traffic). It copies line, never blocks, and drops
// the line when the queue is full. Lines logged after Close are discarded.
// As in HAProxy, trailing newlines and NULs are removed (every target adds
// its own '\n') and empty lines are not sent.
func (l *Logger) Log(level int, line []byte) {
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == 0) {
		line = line[:len(line)-1]
	}
	if len(line) == 0 || level < 0 || level > l.maxLevel || l.closed.Load() {
		return
	}
	r, _ := l.pool.Get().(*record)
	if r == nil {
		r = new(record)
	}
	r.level, r.at = level, l.clock()
	r.fwd, r.raw = false, false
	r.line = append(r.line[:0], line...)
	select {
	case l.queue <- r:
	default:
		l.dropped.Add(1)
		droppedLogs.Add(1)
		l.pool.Put(r)
	}
}

// Forward queues a message received by a log-forward section for the
// targets whose level accepts it. Its facility, time and header fields are
// kept and written in each target's format (translating RFC 3164 to RFC
// 5424 and back); with raw, the message is sent as received. Like Log, it
// never blocks and drops the message when the queue is full.
func (l *Logger) Forward(m *Message, raw bool) {
	if m.Level > l.maxLevel || l.closed.Load() {
		return
	}
	r, _ := l.pool.Get().(*record)
	if r == nil {
		r = new(record)
	}
	r.level, r.at = m.Level, m.Time
	if r.at.IsZero() {
		r.at = l.clock()
	}
	r.fwd, r.raw, r.facility = true, raw, m.Facility
	r.host, r.tag, r.pid, r.msgid, r.sd = m.Host, m.Tag, m.PID, m.MsgID, m.SD
	if raw {
		r.line = append(r.line[:0], m.Raw...)
	} else {
		r.line = append(r.line[:0], m.Text...)
	}
	select {
	case l.queue <- r:
	default:
		l.dropped.Add(1)
		droppedLogs.Add(1)
		l.pool.Put(r)
	}
}

// Dropped returns how many lines were dropped because a queue was full
// (the Logger's or a TCP target's) or a TCP target was down.
func (l *Logger) Dropped() uint64 { return l.dropped.Load() }

// Errors returns how many writes to a target failed.
func (l *Logger) Errors() uint64 { return l.errs.Load() }

// Close writes the lines already queued, stops the writer and closes the
// targets' sockets. Lines logged concurrently with Close may be lost.
func (l *Logger) Close() error {
	var err error
	l.once.Do(func() {
		l.closed.Store(true)
		// The queue is never closed, so a racing Log cannot panic; a nil
		// record tells the writer to stop once it has drained.
		l.queue <- nil
		<-l.done
		err = l.closeSinks()
	})
	return err
}

func (l *Logger) closeSinks() error {
	var errs []error
	for _, t := range l.targets {
		errs = append(errs, t.sink.close())
	}
	return errors.Join(errs...)
}

// run is the writer goroutine: the only user of the targets.
func (l *Logger) run() {
	defer close(l.done)
	for r := range l.queue {
		if r == nil {
			return
		}
		l.send(r)
		l.pool.Put(r)
	}
}

// send writes one record to every target that accepts its level. A panic
// is logged and counted instead of killing the process: losing a log line
// is better than losing the proxy.
func (l *Logger) send(r *record) {
	defer func() {
		if p := recover(); p != nil {
			l.errs.Add(1)
			slog.Error("log writer panic", "component", "logging", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	h := l.hdr
	h.at = r.at
	if r.fwd {
		h.host, h.tag, h.pid, h.msgid, h.sd = r.host, r.tag, r.pid, r.msgid, r.sd
	}
	for _, t := range l.targets {
		if r.level > t.maxLevel || !t.sampled() {
			continue
		}
		h.facility, h.level = t.facility, max(r.level, t.minLevel)
		f := t.format
		if r.fwd {
			h.facility = r.facility
			if r.raw {
				f = fmtRaw
			}
		}
		if err := t.sink.write(t.frame(f, &h, r.line)); err != nil {
			l.errs.Add(1)
		}
	}
}
