package e2e

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// socks4Proxy is a minimal SOCKS4 CONNECT proxy counting the
// connections it relayed.
type socks4Proxy struct {
	Addr    string
	relayed atomic.Int64
}

func newSocks4Proxy(t *testing.T) *socks4Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &socks4Proxy{Addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return p
}

func (p *socks4Proxy) serve(c net.Conn) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	var head [8]byte
	if _, err := io.ReadFull(br, head[:]); err != nil || head[0] != 4 || head[1] != 1 {
		return
	}
	if _, err := br.ReadString(0); err != nil { // user id
		return
	}
	c.SetReadDeadline(time.Time{})
	dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte(head[4:8])), binary.BigEndian.Uint16(head[2:4]))
	s, err := net.Dial("tcp", dst.String())
	if err != nil {
		c.Write([]byte{0, 91, 0, 0, 0, 0, 0, 0})
		return
	}
	defer s.Close()
	p.relayed.Add(1)
	c.Write([]byte{0, 90, 0, 0, 0, 0, 0, 0})
	go func() { io.Copy(s, br); s.(*net.TCPConn).CloseWrite() }()
	io.Copy(c, s)
}

// TestSocks4 reaches servers through a SOCKS4 proxy in mode http and
// mode tcp, health checks included (check-via-socks4).
func TestSocks4(t *testing.T) {
	t.Parallel()
	be := lbtest.NewBackend(t, "via-socks")
	proxy := newSocks4Proxy(t)
	p := lbtest.Start(t, httpDefaults+`
frontend http
    bind ${http}
    default_backend http
frontend tcp
    bind ${tcp}
    mode tcp
    default_backend tcp
backend http
    option httpchk GET /
    server s ${be} socks4 ${socks} check-via-socks4 check inter 100ms
backend tcp
    mode tcp
    server s ${be} socks4 ${socks}
`, lbtest.Vars{"be": be.Addr, "socks": proxy.Addr})
	for _, fe := range []string{"http", "tcp"} {
		get := lbtest.Get
		if fe == "tcp" {
			get = lbtest.GetH1 // the backend speaks HTTP/1 only
		}
		r := get(t, p.URL(fe, "/"))
		if r.Status != 200 || r.Header.Get("X-Server") != "via-socks" {
			t.Errorf("%s: %d %q", fe, r.Status, r.Header.Get("X-Server"))
		}
	}
	n := proxy.relayed.Load()
	lbtest.WaitUntil(t, "health checks through the proxy", 10*time.Second, func() bool { return proxy.relayed.Load() > n })
}
