package l7

import (
	"bufio"
	"crypto/tls"
	"github.com/hawser-lb/hawser/internal/balance"
	"io"
	"sync"
	"time"
)

// serverConn is a connection to a server with its buffers. The buffers
// are only held while a request uses the connection: an idle one (in the
// pool, or attached to an idle client connection) costs its socket and
// this struct, which is what lets thousands of idle keep-alive
// connections stay cheap.
type serverConn struct {
	key  string          // pool key: backend/server@addr
	srv  *balance.Server // the server it connects to (prefer-last-server)
	c    idleConn
	raw  moreWriter    // c's raw socket calls, on a bare TCP socket (more.go)
	br   *bufio.Reader // nil while idle
	bw   *bufio.Writer // nil while idle
	used bool          // has carried at least one request
	idle time.Time
	// tls is the TLS state of a connection to a server with "ssl", for
	// the ssl_bc fetches; nil in cleartext.
	tls *tls.ConnectionState
}

// takeBuffers gives sc read and write buffers of size from the pools.
func (sc *serverConn) takeBuffers(size int) {
	if sc.br == nil {
		sc.br = getReader(&sc.c, size)
		sc.bw = getWriter(&sc.c, size)
	}
}

// dropBuffers returns sc's buffers to the pools. It reports false, and
// keeps them, when they hold bytes: bytes a server sent after a complete
// response make the connection unusable.
func (sc *serverConn) dropBuffers() bool {
	if sc.br == nil {
		return true
	}
	if sc.br.Buffered() > 0 || sc.bw.Buffered() > 0 {
		return false
	}
	putReader(sc.br)
	putWriter(sc.bw)
	sc.br, sc.bw = nil, nil
	return true
}

// close closes the socket and returns the buffers to the pools. Only the
// goroutine using sc may call it while sc has buffers.
func (sc *serverConn) close() {
	sc.c.Close()
	if sc.br != nil {
		putReader(sc.br)
		putWriter(sc.bw)
		sc.br, sc.bw = nil, nil
	}
}

// connPool keeps idle server connections for reuse (http-reuse), keyed by
// backend, server and address so that a server whose address changes never
// gets a connection meant for the old one.
type connPool struct {
	mu      sync.Mutex
	idle    map[string][]*serverConn
	maxIdle int
	purge   time.Duration
	stop    chan struct{}
	bufSize int
}

func newConnPool(bufSize int) *connPool {
	p := &connPool{
		idle:    make(map[string][]*serverConn),
		maxIdle: 256,
		// HAProxy's pool-purge-delay default.
		purge:   5 * time.Second,
		stop:    make(chan struct{}),
		bufSize: bufSize,
	}
	go p.janitor()
	return p
}

// get returns the most recently used idle connection for key, or nil.
func (p *connPool) get(key string) *serverConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.idle[key]
	if len(l) == 0 {
		return nil
	}
	sc := l[len(l)-1]
	l[len(l)-1] = nil
	p.idle[key] = l[:len(l)-1]
	return sc
}

// put makes sc available for reuse, or closes it if the pool is full.
func (p *connPool) put(sc *serverConn) {
	sc.idle = time.Now()
	p.mu.Lock()
	l := p.idle[sc.key]
	if len(l) >= p.maxIdle {
		p.mu.Unlock()
		sc.close()
		return
	}
	p.idle[sc.key] = append(l, sc)
	p.mu.Unlock()
}

// janitor closes connections idle for longer than the purge delay.
func (p *connPool) janitor() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			p.mu.Lock()
			for k, l := range p.idle {
				n := 0
				for _, sc := range l {
					if now.Sub(sc.idle) > p.purge {
						sc.close()
						continue
					}
					l[n] = sc
					n++
				}
				clear(l[n:])
				if n == 0 {
					delete(p.idle, k)
				} else {
					p.idle[k] = l[:n]
				}
			}
			p.mu.Unlock()
		}
	}
}

func (p *connPool) close() {
	close(p.stop)
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, l := range p.idle {
		for _, sc := range l {
			sc.close()
		}
		delete(p.idle, k)
	}
}

var readerPool, writerPool sync.Pool

func getReader(c io.Reader, size int) *bufio.Reader {
	if v := readerPool.Get(); v != nil {
		br := v.(*bufio.Reader)
		if br.Size() == size {
			br.Reset(c)
			return br
		}
	}
	return bufio.NewReaderSize(c, size)
}

func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readerPool.Put(br)
}

func getWriter(c io.Writer, size int) *bufio.Writer {
	if v := writerPool.Get(); v != nil {
		bw := v.(*bufio.Writer)
		if bw.Size() == size {
			bw.Reset(c)
			return bw
		}
	}
	return bufio.NewWriterSize(c, size)
}

func putWriter(bw *bufio.Writer) {
	bw.Reset(nil)
	writerPool.Put(bw)
}
