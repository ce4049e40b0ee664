package bench

import (
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hawser-lb/hawser/internal/logging"
)

// udpSink is a syslog server that reads and counts datagrams.
func udpSink(tb testing.TB) (addr string, received *atomic.Int64) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	received = new(atomic.Int64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			// Read, unlike ReadFrom, allocates no address per datagram.
			if _, err := pc.(*net.UDPConn).Read(buf); err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			received.Add(1)
		}
	}()
	tb.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr().String(), received
}

// httplogConfig is proxyConfig with "option httplog" sent to a UDP syslog
// target.
func httplogConfig(server, syslog string) string {
	return strings.Replace(proxyConfig(server), "frontend fe\n", "frontend fe\n  log "+syslog+" local0\n  option httplog\n", 1)
}

// BenchmarkProxyKeepAliveHTTPLogUDP is BenchmarkProxyKeepAlive with every
// request logged in "option httplog" format to a UDP syslog target: the
// difference is the cost of logging on the request path (formatting and
// queueing) plus what the log writer goroutine takes from the CPUs.
// lines/op below 1 means the writer dropped lines (DroppedLogs).
func BenchmarkProxyKeepAliveHTTPLogUDP(b *testing.B) {
	syslog, received := udpSink(b)
	_, proxy := startProxy(b, httplogConfig(startBackend(b), syslog))
	cl := dial(b, proxy)
	dropped := logging.DroppedLogs()
	b.ReportAllocs()
	for b.Loop() {
		if err := cl.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(logging.DroppedLogs()-dropped)/float64(b.N), "dropped/op")
	_ = received
}

// BenchmarkProxyKeepAliveParallelHTTPLogUDP is the parallel variant: the
// proxy at full load, every request logged to UDP.
func BenchmarkProxyKeepAliveParallelHTTPLogUDP(b *testing.B) {
	syslog, _ := udpSink(b)
	_, proxy := startProxy(b, httplogConfig(startBackend(b), syslog))
	dropped := logging.DroppedLogs()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		cl := dial(b, proxy)
		for pb.Next() {
			if err := cl.roundTrip(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(logging.DroppedLogs()-dropped)/float64(b.N), "dropped/op")
}
