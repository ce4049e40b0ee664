package e2e

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// fakeRedis answers PING (inline or RESP) with +PONG while healthy, and
// with an error, then a close, while not.
type fakeRedis struct {
	addr    string
	healthy atomic.Bool
}

func newFakeRedis(t *testing.T) *fakeRedis {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	r := &fakeRedis{addr: ln.Addr().String()}
	r.healthy.Store(true)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(c)
		}
	}()
	return r
}

func (r *fakeRedis) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if strings.TrimSpace(line) != "PING" {
			continue // RESP array and length lines
		}
		if !r.healthy.Load() {
			io.WriteString(c, "-LOADING Redis is loading the dataset in memory\r\n")
			return
		}
		io.WriteString(c, "+PONG\r\n")
	}
}

func TestTCPCheckRulesMarkDownAndUp(t *testing.T) {
	t.Parallel()
	redis := newFakeRedis(t)
	p := lbtest.Start(t, tcpDefaults+`
listen fe
    bind ${fe}
    option tcp-check
    tcp-check send PING\r\n
    tcp-check expect string +PONG
    server r1 ${r1} check inter 100ms fall 2 rise 2
`, lbtest.Vars{"r1": redis.addr})

	redis.healthy.Store(false)
	p.WaitLog(t, `Server fe/r1 is DOWN, reason: Layer7 invalid response, info: "TCPCHK did not match content '+PONG' at step 2", check duration: `, healthWait)
	redis.healthy.Store(true)
	p.WaitLog(t, "Server fe/r1 is UP, reason: Layer7 check passed, code: 0, check duration: ", healthWait)
}

func TestRedisCheck(t *testing.T) {
	t.Parallel()
	redis := newFakeRedis(t)
	p := lbtest.Start(t, tcpDefaults+`
listen fe
    bind ${fe}
    option redis-check
    server r1 ${r1} check inter 100ms fall 2 rise 2
`, lbtest.Vars{"r1": redis.addr})

	redis.healthy.Store(false)
	p.WaitLog(t, `Server fe/r1 is DOWN, reason: Layer7 wrong status, code: 0, info: "-LOADING Redis is loading the dataset in memory", check duration: `, healthWait)
	redis.healthy.Store(true)
	p.WaitLog(t, `Server fe/r1 is UP, reason: Layer7 check passed, code: 0, info: "Redis server is ok", check duration: `, healthWait)
}
