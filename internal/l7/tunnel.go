package l7

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// tunnel relays bytes both ways after a 101 Switching Protocols or a
// successful CONNECT, until both sides have closed or the tunnel has been
// idle for "timeout tunnel" (or the client/server timeouts when unset).
func (t *txn) tunnel(sc *serverConn) error {
	t.writeResponseHead(true, false)
	sc.br.Discard(t.headLen)
	t.headLen = 0
	if err := t.bw.Flush(); err != nil {
		t.releaseServerConn(false)
		t.closeClient = true
		return nil
	}
	t.closeClient = true
	t.sc = nil // the tunnel owns the server connection now
	// pipe manages deadlines itself, across both directions, on the bare
	// sockets.
	defer sc.close()

	idle := t.tunnelTimeout()
	var last atomic.Int64 // unix nanos of the last byte either way
	last.Store(time.Now().UnixNano())
	var wg sync.WaitGroup
	var up, down int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		down = pipe(t.conn, sc.c.Conn, sc.br, idle, &last)
	}()
	up = pipe(sc.c.Conn, t.conn, t.br, idle, &last)
	wg.Wait()
	t.entry.BytesOut += down
	t.entry.BytesIn += up
	return nil
}

// pipe copies src to dst until src ends, then half-closes dst. Buffered
// bytes already read from src go first. A read deadline expiry ends the
// copy only if neither direction moved a byte for idle.
func pipe(dst, src net.Conn, srcBuf *bufio.Reader, idle time.Duration, last *atomic.Int64) int64 {
	var n int64
	if k := srcBuf.Buffered(); k > 0 {
		b, _ := srcBuf.Peek(k)
		w, err := dst.Write(b)
		n += int64(w)
		srcBuf.Discard(k)
		if err != nil {
			src.Close()
			return n
		}
	}
	buf := make([]byte, 16<<10)
	for {
		if idle > 0 {
			src.SetReadDeadline(time.Unix(0, last.Load()).Add(idle))
		}
		r, err := src.Read(buf)
		if r > 0 {
			last.Store(time.Now().UnixNano())
			dst.SetWriteDeadline(deadline(idle))
			w, werr := dst.Write(buf[:r])
			n += int64(w)
			if werr != nil {
				src.Close()
				return n
			}
		}
		if err != nil {
			if isTimeout(err) && idle > 0 && time.Since(time.Unix(0, last.Load())) < idle {
				continue
			}
			closeWrite(dst)
			if isTimeout(err) {
				// Idle for too long: end both directions.
				src.Close()
				dst.Close()
			}
			return n
		}
	}
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	c.Close()
}
