package l7

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/h1"
)

// h2c is one HTTP/2 client connection (HAProxy's h2c). One goroutine, the
// reader (serve), reads and decodes every frame and keeps the stream
// table; each stream's transaction runs in a goroutine of its own and
// writes its frames itself through the connection's writer: a
// mutex-guarded buffer and HPACK encoder, flushed by the last writer out,
// so that the responses of concurrent streams share a write and no frame
// goes through another goroutine.
type h2c struct {
	h    *Handler
	conn net.Conn
	br   *bufio.Reader
	fr   *http2.Framer // reads; the reader only
	// Settings of the connection, fixed before serve.
	bufSize    int
	maxStreams uint32
	window     int32         // the stream window hawser advertises
	connWindow int32         // the connection window hawser keeps open
	idleTO     time.Duration // no stream for this long: GOAWAY and close
	writeTO    time.Duration // a blocked write or flow-control wait fails after this
	connect    bool          // SETTINGS_ENABLE_CONNECT_PROTOCOL advertised (RFC 8441)
	// run serves one stream: the transaction (runStream) or, in the fuzz
	// test, a stand-in.
	run func(s *h2s)

	// smu guards sess, which a stream may move to a newer generation
	// (Rebind) while other streams copy it.
	smu  sync.Mutex
	sess *engine.Session

	// glitches counts the client's protocol anomalies (fc_glitches); at
	// glitchMax, when set, the connection ends with ENHANCE_YOUR_CALM
	// (tune.h2.fe.glitches-threshold).
	glitches  atomic.Int64
	glitchMax int64

	// lastSrv is the server the connection's latest stream was balanced
	// to, for "option prefer-last-server".
	lastSrv atomic.Pointer[balance.Server]

	// Reader-only state.
	sawSettings bool
	// peerMax is the highest stream the client opened, including those
	// past a GOAWAY that hawser ignores: frames for streams above it are
	// for idle streams, a protocol error; those between maxID and it are
	// ignored (RFC 9113 section 6.8).
	peerMax     uint32
	recvWin     int32 // connection-level bytes the client may still send
	recvUnacked int32 // received since the last connection WINDOW_UPDATE
	deferred    bool  // frames written without a flush

	// mu guards the stream table, the send windows and the connection's
	// state. The writer lock wmu is never taken while mu is held.
	mu        sync.Mutex
	cond      sync.Cond // on mu: a send window grew, a stream was reset or the connection ended
	streams   map[uint32]*h2s
	maxID     uint32 // highest stream the client opened and hawser took
	sendWin   int64  // connection send window
	peerWin   int64  // the client's SETTINGS_INITIAL_WINDOW_SIZE
	running   int    // transactions running
	queued    []*h2s // streams waiting for a transaction slot (rapid-reset bound)
	goingAway bool   // GOAWAY sent: no new stream is served
	// goAwayLast is the last stream id the GOAWAY announced: streams up
	// to it are still served.
	goAwayLast uint32
	// Workers waiting in work for a stream to serve; work is closed when
	// the connection ends.
	idleWorkers int
	work        chan *h2s
	dead        error // the connection ended: every wait fails with it

	// wmu guards the writer: bw, wfr, henc, hbuf, maxFrame, werr,
	// prefaced.
	wmu      sync.Mutex
	prefaced bool         // the server preface (SETTINGS) is written
	waiting  atomic.Int32 // writers holding or waiting for wmu
	bw       *bufio.Writer
	wfr      *http2.Framer
	henc     *hpack.Encoder
	hbuf     bytes.Buffer
	maxFrame int       // the client's SETTINGS_MAX_FRAME_SIZE
	werr     error     // a write failed, or the connection was half-closed
	wdl      time.Time // the write deadline set on conn

	wg        sync.WaitGroup // stream goroutines
	idleTimer *time.Timer
	closing   atomic.Bool // closeConn was called
}

// Errors a stream's transaction sees.
var (
	errStreamReset = errors.New("http2 stream reset")
	errConnDone    = errors.New("http2 connection closed")
	errH2Write     = errors.New("http2 write failed")
)

// serveH2 serves an HTTP/2 connection until it closes. c has not had its
// preface read.
func (h *Handler) serveH2(c net.Conn, s *engine.Session) {
	g := &s.Gen.Snap.Global
	bufSize := g.BufSize
	if bufSize <= 0 {
		bufSize = 16384
	}
	streams, window := h2Settings(g)
	to := &s.Frontend.Cfg.Timeouts
	hc := newH2c(h, c, bufSize, streams, window)
	hc.sess = s
	// "timeout http-keep-alive" bounds a connection without streams,
	// falling back to "timeout client" as for HTTP/1.
	hc.idleTO = firstNonZero(to.HTTPKeepAlive, to.Client)
	hc.writeTO = to.Client
	hc.glitchMax = int64(g.H2.FeGlitchesThreshold)
	hc.run = hc.runStream
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-s.Gen.Engine.Stopped():
			hc.shutdown()
		}
	}()
	// An HTTP/2 connection is idle for the engine (which may close it on
	// a soft stop or when a reload drops its socket) only between streams.
	s.Idle.Store(true)
	hc.serve()
	s.Idle.Store(false)
}

func newH2c(h *Handler, c net.Conn, bufSize int, streams uint32, window int32) *h2c {
	hc := &h2c{h: h, conn: c, bufSize: bufSize, maxStreams: streams, window: window,
		connWindow: max(window, 1<<20), streams: map[uint32]*h2s{}, peerWin: 65535, sendWin: 65535,
		maxFrame: 16384, connect: true}
	hc.cond.L = &hc.mu
	hc.work = make(chan *h2s, streams)
	hc.br = bufio.NewReaderSize(c, 32<<10)
	hc.fr = http2.NewFramer(nil, hc.br)
	// HAProxy's frame size (tune.h2.max-frame-size, 16384).
	hc.fr.SetMaxReadFrameSize(16384)
	hc.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	// The header list a stream may carry is bounded like an HTTP/1 head:
	// it must fit the buffer the transaction parses it in.
	hc.fr.MaxHeaderListSize = uint32(bufSize)
	hc.fr.SetReuseFrames()
	hc.bw = bufio.NewWriterSize(c, 32<<10)
	hc.wfr = http2.NewFramer(hc.bw, nil)
	hc.henc = hpack.NewEncoder(&hc.hbuf)
	hc.recvWin = 65535
	return hc
}

// lockW takes the writer.
func (c *h2c) lockW() {
	c.waiting.Add(1)
	c.wmu.Lock()
	if c.writeTO > 0 {
		// Any write may reach the socket (a full buffer flushes). The
		// deadline moves once half of it passed: a blocked write fails
		// after between half and all of the timeout, without a timer
		// update per write.
		if now := time.Now(); c.wdl.Sub(now) < c.writeTO/2 {
			c.wdl = now.Add(c.writeTO)
			c.conn.SetWriteDeadline(c.wdl)
		}
	}
}

// unlockW releases the writer. The last writer out flushes what the
// others left buffered; flush false leaves it for a later writer (the
// reader, while more frames are buffered in front of it).
func (c *h2c) unlockW(flush bool) {
	if c.waiting.Add(-1) != 0 || !flush || c.werr != nil || c.bw.Buffered() == 0 {
		c.wmu.Unlock()
		return
	}
	// Let the goroutines ready to run write their frames first, so that
	// one write carries them all.
	c.wmu.Unlock()
	runtime.Gosched()
	c.waiting.Add(1)
	c.wmu.Lock()
	if c.waiting.Add(-1) == 0 && c.werr == nil && c.bw.Buffered() > 0 {
		if err := c.bw.Flush(); err != nil {
			c.werr = err
			// The reader sees the close and ends every stream.
			c.conn.Close()
		}
	}
	c.wmu.Unlock()
}

// control writes a frame of the reader's; it is flushed before the reader
// waits for more input.
func (c *h2c) control(write func() error) {
	c.lockW()
	if c.werr == nil {
		if err := write(); err != nil {
			c.werr = err
		}
	}
	c.unlockW(c.br.Buffered() == 0)
	c.deferred = c.br.Buffered() > 0
}

// serve reads and processes frames until the connection ends, then waits
// for the streams' transactions.
func (c *h2c) serve() {
	c.idleTimer = time.AfterFunc(c.idleOrNever(), c.idleExpired)
	var pre [len(h2Preface)]byte
	if _, err := io.ReadFull(c.br, pre[:]); err != nil || string(pre[:]) != h2Preface {
		c.end(errConnDone, false)
		return
	}
	c.control(c.prefaceLocked)
	c.recvWin = c.connWindow
	graceful := false
	for {
		if c.deferred && c.br.Buffered() == 0 {
			c.lockW()
			c.unlockW(true)
			c.deferred = false
		}
		f, err := c.fr.ReadFrame()
		if err == nil {
			err = c.process(f)
		}
		if err == nil {
			continue
		}
		if isTimeout(err) && !c.closing.Load() && c.sess != nil && c.sess.Woken() {
			// The engine wakes idle connections to close them (soft stop,
			// a reload that dropped the socket): a GOAWAY first, so that
			// the client moves on without losing a request in flight.
			c.conn.SetReadDeadline(time.Time{})
			c.shutdown()
			continue
		}
		if !c.handleErr(err) {
			graceful = c.closing.Load()
			break
		}
	}
	c.end(errConnDone, graceful)
}

// prefaceLocked writes the server's connection preface, SETTINGS (and
// the connection window beyond the default), unless it is written: it
// must be the first frame, even when a GOAWAY is the second. The caller
// holds the writer.
func (c *h2c) prefaceLocked() error {
	if c.prefaced {
		return nil
	}
	c.prefaced = true
	settings := []http2.Setting{
		{ID: http2.SettingMaxConcurrentStreams, Val: c.maxStreams},
		{ID: http2.SettingInitialWindowSize, Val: uint32(c.window)},
		{ID: http2.SettingMaxHeaderListSize, Val: uint32(c.bufSize)},
	}
	if c.connect {
		settings = append(settings, http2.Setting{ID: http2.SettingEnableConnectProtocol, Val: 1})
	}
	if err := c.wfr.WriteSettings(settings...); err != nil {
		return err
	}
	if c.connWindow > 65535 {
		return c.wfr.WriteWindowUpdate(0, uint32(c.connWindow-65535))
	}
	return nil
}

// handleErr answers a frame error and reports whether the connection goes
// on.
func (c *h2c) handleErr(err error) bool {
	var se http2.StreamError
	var ce http2.ConnectionError
	switch {
	case errors.As(err, &se):
		c.resetStream(se.StreamID, se.Code)
		if c.glitch(1) != nil {
			c.goAwayNow(http2.ErrCodeEnhanceYourCalm)
			return false
		}
		return true
	case errors.As(err, &ce):
		c.glitch(1)
		c.goAwayNow(http2.ErrCode(ce))
		return false
	case err == http2.ErrFrameTooLarge:
		c.goAwayNow(http2.ErrCodeFrameSize)
		return false
	}
	return false
}

// goAwayNow ends the connection on an error: GOAWAY with the code and the
// last stream served.
func (c *h2c) goAwayNow(code http2.ErrCode) {
	c.mu.Lock()
	c.goingAway = true
	last := c.maxID
	c.goAwayLast = last
	c.mu.Unlock()
	c.lockW()
	if c.werr == nil && c.prefaceLocked() == nil {
		c.wfr.WriteGoAway(last, code, nil)
	}
	c.unlockW(true)
}

// end fails every stream, closes the connection once what was written
// left (a socket closed with unread input resets and loses it) and waits
// for the transactions.
func (c *h2c) end(err error, graceful bool) {
	c.mu.Lock()
	c.dead = err
	// (After dead is set: a stream ending now does not re-arm it.)
	c.idleTimer.Stop()
	for _, s := range c.streams {
		s.closeLocked()
		s.failRead(errConnDone)
	}
	for _, s := range c.queued {
		s.failRead(errConnDone)
	}
	c.queued = nil
	close(c.work)
	c.cond.Broadcast()
	c.mu.Unlock()
	c.lockW()
	if c.werr == nil {
		c.werr = errConnDone
		if c.bw.Buffered() > 0 {
			c.conn.SetWriteDeadline(time.Now().Add(time.Second))
			c.bw.Flush()
		}
		if cw, ok := c.conn.(interface{ CloseWrite() error }); ok && !graceful && cw.CloseWrite() == nil {
			c.conn.SetReadDeadline(time.Now().Add(time.Second))
			io.CopyN(io.Discard, c.br, 1<<20)
		}
	}
	c.wmu.Unlock()
	c.waiting.Add(-1)
	c.conn.Close()
	c.wg.Wait()
}

// closeConn ends a connection without streams after its GOAWAY: the write
// side closes, and the reader drains what the client still sends until
// it closes too (or a second passes).
func (c *h2c) closeConn() {
	if !c.closing.CompareAndSwap(false, true) {
		return
	}
	c.lockW()
	if c.werr == nil {
		if c.bw.Buffered() > 0 {
			c.bw.Flush()
		}
		c.werr = errConnDone
		if cw, ok := c.conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			c.conn.SetReadDeadline(time.Now().Add(time.Second))
		} else {
			c.conn.Close()
		}
	}
	c.unlockW(false)
}

func (c *h2c) idleOrNever() time.Duration {
	if c.idleTO > 0 {
		return c.idleTO
	}
	return 1<<63 - 1
}

// idleExpired closes a connection that had no stream for the idle timeout.
func (c *h2c) idleExpired() {
	c.mu.Lock()
	idle := c.running == 0 && len(c.queued) == 0
	c.mu.Unlock()
	if idle {
		c.shutdown()
	}
}

// shutdown sends GOAWAY with the last stream opened: the streams in
// flight finish, later ones are not served, and the connection closes
// once the last stream ends (soft stop, reload retirement, idle timeout,
// the client's own GOAWAY).
//
// A connection that has not opened a stream yet may have its first
// request on the way (a client that connected just as a reload or an
// upgrade began): as HAProxy does, its GOAWAY names the highest stream
// id, the requests in flight are served, and the connection closes when
// they are done, or after freshGrace without any.
func (c *h2c) shutdown() {
	c.mu.Lock()
	if c.goingAway {
		c.mu.Unlock()
		return
	}
	c.goingAway = true
	last := c.maxID
	fresh := last == 0
	if fresh {
		last = 1<<31 - 1
	}
	c.goAwayLast = last
	idle := c.running == 0 && len(c.queued) == 0
	c.mu.Unlock()
	c.lockW()
	if c.werr == nil && c.prefaceLocked() == nil {
		c.wfr.WriteGoAway(last, http2.ErrCodeNo, nil)
	}
	c.unlockW(true)
	switch {
	case idle && fresh:
		time.AfterFunc(freshGrace, func() {
			c.mu.Lock()
			idle := c.running == 0 && len(c.queued) == 0
			c.mu.Unlock()
			if idle {
				c.closeConn()
			}
		})
	case idle:
		c.closeConn()
	}
}

// freshGrace is how long a connection told to go away before its first
// stream waits for requests already sent.
const freshGrace = time.Second

// process handles one frame in the reader. A returned StreamError resets
// the stream; a ConnectionError ends the connection.
func (c *h2c) process(f http2.Frame) error {
	if !c.sawSettings {
		if _, ok := f.(*http2.SettingsFrame); !ok {
			return http2.ConnectionError(http2.ErrCodeProtocol)
		}
		c.sawSettings = true
	}
	switch f := f.(type) {
	case *http2.SettingsFrame:
		return c.processSettings(f)
	case *http2.MetaHeadersFrame:
		return c.processHeaders(f)
	case *http2.DataFrame:
		return c.processData(f)
	case *http2.WindowUpdateFrame:
		return c.processWindowUpdate(f)
	case *http2.RSTStreamFrame:
		return c.processReset(f)
	case *http2.PingFrame:
		if f.StreamID != 0 {
			return http2.ConnectionError(http2.ErrCodeProtocol)
		}
		if !f.IsAck() {
			data := f.Data
			c.control(func() error { return c.wfr.WritePing(true, data) })
		}
	case *http2.PriorityFrame:
		if f.StreamDep == f.StreamID {
			return http2.StreamError{StreamID: f.StreamID, Code: http2.ErrCodeProtocol}
		}
	case *http2.GoAwayFrame:
		// The client leaves: finish what is in flight.
		go c.shutdown()
	case *http2.PushPromiseFrame:
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	return nil
}

func (c *h2c) processSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	// Settings apply in order; a repeated one takes its last value (RFC
	// 9113 section 6.5.3).
	err := f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			return err
		}
		switch s.ID {
		case http2.SettingHeaderTableSize:
			c.lockW()
			c.henc.SetMaxDynamicTableSizeLimit(s.Val)
			c.unlockW(false)
		case http2.SettingMaxFrameSize:
			c.lockW()
			c.maxFrame = int(s.Val)
			c.unlockW(false)
		case http2.SettingInitialWindowSize:
			c.mu.Lock()
			defer c.mu.Unlock()
			delta := int64(s.Val) - c.peerWin
			c.peerWin = int64(s.Val)
			for _, st := range c.streams {
				st.sendWin += delta
				if st.sendWin > 1<<31-1 {
					return http2.ConnectionError(http2.ErrCodeFlowControl)
				}
			}
			c.cond.Broadcast()
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.control(c.wfr.WriteSettingsAck)
	return nil
}

func (c *h2c) processWindowUpdate(f *http2.WindowUpdateFrame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	inc := int64(f.Increment)
	if f.StreamID == 0 {
		c.sendWin += inc
		if c.sendWin > 1<<31-1 {
			return http2.ConnectionError(http2.ErrCodeFlowControl)
		}
		c.cond.Broadcast()
		return nil
	}
	if f.StreamID > c.peerMax {
		return http2.ConnectionError(http2.ErrCodeProtocol) // idle stream
	}
	s := c.streams[f.StreamID]
	if s == nil {
		return nil // closed: the update may have crossed the end
	}
	s.sendWin += inc
	if s.sendWin > 1<<31-1 {
		return http2.StreamError{StreamID: f.StreamID, Code: http2.ErrCodeFlowControl}
	}
	c.cond.Broadcast()
	return nil
}

func (c *h2c) processReset(f *http2.RSTStreamFrame) error {
	c.mu.Lock()
	if f.StreamID > c.peerMax {
		c.mu.Unlock()
		return http2.ConnectionError(http2.ErrCodeProtocol) // idle stream
	}
	s := c.streams[f.StreamID]
	unanswered := s != nil && !s.localEnd.Load()
	if s != nil {
		s.closeLocked()
		s.failRead(errStreamReset)
		c.cond.Broadcast()
	}
	c.mu.Unlock()
	if unanswered {
		// A stream cancelled before its response: once in a while a
		// client changes its mind, a flood of them is rapid reset.
		return c.glitch(1)
	}
	return nil
}

// openStreams counts the streams that are open for the client: those in
// the table minus those whose response has ended (END_STREAM sent) and
// whose request had ended too, closed for the client though their
// transaction is still winding down. Without this a client keeping
// exactly the advertised number of streams in flight could be refused
// one. It runs in the reader, which alone sets remoteEnd, and only when
// the table is full.
func (c *h2c) openStreams() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.streams {
		if !s.localEnd.Load() || !s.remoteEnd {
			n++
		}
	}
	return n
}

// glitch counts n glitches and, past tune.h2.fe.glitches-threshold, ends
// the connection.
func (c *h2c) glitch(n int64) error {
	if c.glitches.Add(n) >= c.glitchMax && c.glitchMax > 0 {
		return http2.ConnectionError(http2.ErrCodeEnhanceYourCalm)
	}
	return nil
}

// resetStream sends RST_STREAM and closes the stream if it is open. It
// runs in the reader; a stream's goroutine calls closeStream.
func (c *h2c) resetStream(id uint32, code http2.ErrCode) {
	c.mu.Lock()
	if s := c.streams[id]; s != nil {
		s.closeLocked()
		s.failRead(errStreamReset)
		c.cond.Broadcast()
	}
	c.mu.Unlock()
	c.control(func() error { return c.wfr.WriteRSTStream(id, code) })
}

// closeStream resets a stream from its own goroutine.
func (c *h2c) closeStream(s *h2s, code http2.ErrCode) {
	c.mu.Lock()
	s.closeLocked()
	c.mu.Unlock()
	c.lockW()
	if c.werr == nil {
		c.wfr.WriteRSTStream(s.id, code)
	}
	c.unlockW(true)
}

func (c *h2c) processData(f *http2.DataFrame) error {
	id, length := f.StreamID, int32(f.Length)
	if length == 0 && !f.StreamEnded() {
		// An empty frame that does not even end the stream does nothing
		// but cost a wake-up.
		if err := c.glitch(1); err != nil {
			return err
		}
	}
	// Connection-level flow control: credit comes back at once, the
	// stream windows bound what is buffered.
	c.recvWin -= length
	if c.recvWin < 0 {
		return http2.ConnectionError(http2.ErrCodeFlowControl)
	}
	c.recvUnacked += length
	if c.recvUnacked >= c.connWindow/4 {
		n := c.recvUnacked
		c.recvUnacked = 0
		c.recvWin += n
		c.control(func() error { return c.wfr.WriteWindowUpdate(0, uint32(n)) })
	}
	if id > c.peerMax {
		return http2.ConnectionError(http2.ErrCodeProtocol) // idle stream
	}
	c.mu.Lock()
	s := c.streams[id]
	ignored := id > c.maxID
	c.mu.Unlock()
	if s == nil {
		if ignored {
			return nil // opened after the GOAWAY: ignored
		}
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeStreamClosed}
	}
	return s.receive(f.Data(), length, f.StreamEnded())
}

// processHeaders opens a stream, or takes the trailers of an open one.
func (c *h2c) processHeaders(f *http2.MetaHeadersFrame) error {
	id := f.StreamID
	if id%2 != 1 {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	c.mu.Lock()
	s := c.streams[id]
	c.mu.Unlock()
	if s != nil {
		return s.receiveTrailers(f)
	}
	if id <= c.peerMax {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	c.peerMax = id
	c.mu.Lock()
	if c.goingAway && id > c.goAwayLast {
		// Past the GOAWAY's last stream: not served, the client retries
		// it elsewhere.
		c.mu.Unlock()
		return nil
	}
	c.maxID = id
	open := len(c.streams)
	c.mu.Unlock()
	if f.HasPriority() && f.Priority.StreamDep == id {
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol}
	}
	if open >= int(c.maxStreams) && c.openStreams() >= int(c.maxStreams) {
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeRefusedStream}
	}
	if f.Truncated {
		// The header list is over the limit advertised: answered here,
		// as no transaction could parse it.
		c.control(func() error {
			c.hbuf.Reset()
			c.henc.WriteField(hpack.HeaderField{Name: ":status", Value: "431"})
			c.henc.WriteField(hpack.HeaderField{Name: "content-length", Value: "0"})
			return c.wfr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(),
				EndHeaders: true, EndStream: true})
		})
		if !f.StreamEnded() {
			c.control(func() error { return c.wfr.WriteRSTStream(id, http2.ErrCodeNo) })
		}
		return nil
	}
	s, err := newH2s(c, f)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s.sendWin = c.peerWin
	c.streams[id] = s
	switch {
	case c.running < int(c.maxStreams):
		c.startLocked(s)
	case len(c.queued) < 4*int(c.maxStreams):
		// The client reset streams whose transactions still run: the
		// new one waits for a slot, so that no more than the advertised
		// number of transactions run at once.
		c.queued = append(c.queued, s)
	default:
		// Rapid reset (CVE-2023-44487): streams opened and reset faster
		// than their transactions end.
		return http2.ConnectionError(http2.ErrCodeEnhanceYourCalm)
	}
	return nil
}

// startLocked runs s's transaction, on an idle worker of the connection
// when there is one: a worker keeps the stack a transaction grew, which a
// new goroutine would grow again.
func (c *h2c) startLocked(s *h2s) {
	if c.running == 0 && len(c.queued) == 0 {
		c.idleTimer.Stop()
		if c.sess != nil {
			c.sess.Idle.Store(false)
		}
	}
	c.running++
	if c.idleWorkers > 0 {
		c.idleWorkers--
		c.work <- s
		return
	}
	c.wg.Add(1)
	go c.worker(s)
}

// worker serves streams until the connection ends.
func (c *h2c) worker(s *h2s) {
	defer c.wg.Done()
	for s != nil {
		c.serveStream(s)
		c.mu.Lock()
		if c.dead != nil {
			c.mu.Unlock()
			return
		}
		c.idleWorkers++
		c.mu.Unlock()
		s = <-c.work
	}
}

// serveStream runs a stream's transaction, then ends the stream and
// starts a waiting one.
func (c *h2c) serveStream(s *h2s) {
	func() {
		defer func() {
			if v := recover(); v != nil {
				c.h.log.Error("panic serving http2 stream", "panic", v)
				s.werr = errStreamDone
			}
		}()
		c.run(s)
	}()
	s.finish()
	c.mu.Lock()
	s.closeLocked()
	c.running--
	for len(c.queued) > 0 && c.running < int(c.maxStreams) {
		next := c.queued[0]
		c.queued = c.queued[1:]
		if !next.closed {
			c.startLocked(next)
		}
	}
	idle := c.running == 0 && len(c.queued) == 0
	goingAway := c.goingAway
	if idle && c.dead == nil {
		if c.sess != nil {
			c.sess.Idle.Store(true)
		}
		c.idleTimer.Reset(c.idleOrNever())
	}
	c.mu.Unlock()
	switch {
	case idle && goingAway:
		c.closeConn()
	case idle:
		c.goAwayIfRetired()
	}
}

// goAwayIfRetired shuts down a connection that just became idle when its
// configuration no longer serves its socket or the process is stopping.
// The engine wakes the connections idle at a reload or a stop; one whose
// last stream was still running then is caught here, as it is marked idle
// before it looks.
func (c *h2c) goAwayIfRetired() {
	c.smu.Lock()
	s := c.sess
	gone := s != nil && (s.Gen.Engine.Stopping() || s.Gen.Retired() && !s.Gen.Engine.Rebind(s))
	c.smu.Unlock()
	if gone {
		c.shutdown()
	}
}

var errStreamDone = errors.New("http2 stream done")

// runStream serves one stream with a transaction.
func (c *h2c) runStream(s *h2s) {
	ss := c.streamSession(s)
	if ss.Gen.Engine.Stopping() {
		go c.shutdown()
	}
	defer func() {
		c.smu.Lock()
		conn := c.sess
		c.smu.Unlock()
		ss.EndStream(conn)
	}()
	c.h.serveTxn(s, ss, true)
}

// streamSession returns a session for a new stream, on the newest
// generation that still serves the socket.
func (c *h2c) streamSession(conn net.Conn) *engine.Session {
	c.smu.Lock()
	defer c.smu.Unlock()
	s := c.sess
	if s.Gen.Retired() && !s.Gen.Engine.Rebind(s) {
		// The new configuration no longer serves this socket: finish on
		// the old one and tell the client to go away.
		go c.shutdown()
	}
	return s.Stream(conn)
}

// waitSend reserves up to n bytes of the send windows for s, waiting
// while both are not open. It fails when the stream or the connection
// ended, or after the write timeout.
func (c *h2c) waitSend(s *h2s, n int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var timer *time.Timer
	timedOut := false
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		switch {
		case c.dead != nil:
			return 0, c.dead
		case s.closed:
			return 0, errStreamReset
		case timedOut:
			return 0, os.ErrDeadlineExceeded
		}
		if w := min(c.sendWin, s.sendWin); w > 0 {
			k := int(min(int64(n), w))
			c.sendWin -= int64(k)
			s.sendWin -= int64(k)
			return k, nil
		}
		if timer == nil && c.writeTO > 0 {
			timer = time.AfterFunc(c.writeTO, func() {
				c.mu.Lock()
				timedOut = true
				c.cond.Broadcast()
				c.mu.Unlock()
			})
		}
		c.cond.Wait()
	}
}

// statusValues are the :status values, without an allocation per
// response.
var statusValues = func() []string {
	v := make([]string, 600)
	for i := 100; i < 600; i++ {
		v[i] = strconv.Itoa(i)
	}
	return v
}()

// encodeHead encodes a response head (status > 0) or trailers into hbuf.
// The fields' strings are copied into one string: the encoder's dynamic
// table keeps them after the transaction reuses its buffers.
func (c *h2c) encodeHead(status int, fields []h1.Header) {
	c.hbuf.Reset()
	if status > 0 {
		v := ""
		if status < len(statusValues) {
			v = statusValues[status]
		} else {
			v = strconv.Itoa(status)
		}
		c.henc.WriteField(hpack.HeaderField{Name: ":status", Value: v})
	}
	size := 0
	for _, f := range fields {
		if !isConnSpecific(f.Name) {
			size += len(f.Name) + len(f.Value)
		}
	}
	if size == 0 {
		return
	}
	var sb strings.Builder
	sb.Grow(size)
	for _, f := range fields {
		if isConnSpecific(f.Name) {
			continue
		}
		for _, b := range f.Name {
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			sb.WriteByte(b)
		}
		sb.Write(f.Value)
	}
	all := sb.String()
	off := 0
	for _, f := range fields {
		if isConnSpecific(f.Name) {
			continue
		}
		name := all[off : off+len(f.Name)]
		off += len(f.Name)
		value := all[off : off+len(f.Value)]
		off += len(f.Value)
		c.henc.WriteField(hpack.HeaderField{Name: name, Value: value})
	}
}

// writeBlockLocked writes the header block in hbuf as HEADERS and, past
// the client's frame size, CONTINUATION frames.
func (c *h2c) writeBlockLocked(id uint32, end bool) error {
	block := c.hbuf.Bytes()
	first := true
	for first || len(block) > 0 {
		n := min(len(block), c.maxFrame)
		frag := block[:n]
		block = block[n:]
		var err error
		if first {
			err = c.wfr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: frag,
				EndStream: end, EndHeaders: len(block) == 0})
			first = false
		} else {
			err = c.wfr.WriteContinuation(id, len(block) == 0, frag)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeDataLocked writes p as DATA frames of the client's frame size, the
// last one with END_STREAM when end is set.
func (c *h2c) writeDataLocked(id uint32, p []byte, end bool) error {
	for {
		n := min(len(p), c.maxFrame)
		last := n == len(p)
		if err := c.wfr.WriteData(id, end && last, p[:n]); err != nil {
			return err
		}
		p = p[n:]
		if last {
			return nil
		}
	}
}

// connSpecific are the fields HTTP/2 forbids (RFC 9113 section 8.2.2);
// HAProxy drops them when converting an HTTP/1 message.
var connSpecific = []string{"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}

func isConnSpecific(name []byte) bool {
	for _, n := range connSpecific {
		if h1.EqualFold(name, n) {
			return true
		}
	}
	return false
}
