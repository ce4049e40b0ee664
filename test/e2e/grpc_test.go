package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// grpcInteropCases are the standard gRPC interop cases (grpc-go's
// interop client names) that a proxy must carry: trailers (grpc-status),
// deadlines (grpc-timeout), cancellation (RST_STREAM), streaming both ways
// and metadata.
var grpcInteropCases = []string{
	"empty_unary", "large_unary", "client_streaming", "server_streaming",
	"ping_pong", "empty_stream", "timeout_on_sleeping_server",
	"cancel_after_begin", "cancel_after_first_response",
	"status_code_and_message", "custom_metadata", "special_status_message",
	"unimplemented_method", "unimplemented_service",
}

// TestGRPCInterop runs grpc-go's interop client through hawser (h2c on
// both sides) against grpc-go's interop server.
func TestGRPCInterop(t *testing.T) {
	t.Parallel()
	server := lbtest.NeedTool(t, "grpc-interop-server")
	client := lbtest.NeedTool(t, "grpc-interop-client")
	srvAddr := lbtest.FreeAddr(t)
	_, port, _ := net.SplitHostPort(srvAddr)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, server, "-port", port, "-use_tls=false")
	var srvOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &srvOut, &srvOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	lbtest.WaitUntil(t, "interop server listening", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe} proto h2
    default_backend grpc

backend grpc
    server s1 ${grpc} proto h2
`, lbtest.Vars{"grpc": "127.0.0.1:" + port})
	if !speaksH2(t, p.Addr("fe")) {
		t.Fatal("the frontend does not answer an HTTP/2 preface (bind … proto h2)")
	}
	host, fePort, _ := net.SplitHostPort(p.Addr("fe"))
	for _, tc := range grpcInteropCases {
		t.Run(tc, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, client, "-server_host", host, "-server_port", fePort,
				"-use_tls=false", "-test_case", tc).CombinedOutput()
			if err != nil {
				t.Errorf("%s: %v\n%s", tc, err, out)
			}
		})
	}
}

// speaksH2 reports whether addr answers an HTTP/2 connection preface with
// HTTP/2 frames rather than an HTTP/1 error.
func speaksH2(t *testing.T, addr string) bool {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	// The preface, then an empty SETTINGS frame.
	io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
	buf := make([]byte, 9)
	n, _ := io.ReadFull(c, buf)
	return n == 9 && !strings.HasPrefix(string(buf), "HTTP/")
}

// TestH2CBothSidesLargeStreams: 10 MB each way on one stream, h2c from
// the client to hawser and from hawser to the server, so that flow
// control moves on both connections (gRPC streams of large messages).
func TestH2CBothSidesLargeStreams(t *testing.T) {
	t.Parallel()
	const size = 10 << 20
	be := newH2CBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Grpc-Status")
		w.WriteHeader(200)
		n, _ := io.Copy(w, r.Body)
		w.Header().Set("Grpc-Status", fmt.Sprint(n))
	})
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe} proto h2
    default_backend h2

backend h2
    server s1 ${h2} proto h2
`, lbtest.Vars{"h2": be.addr})
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	defer tr.CloseIdleConnections()
	payload := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	req, _ := http.NewRequest("POST", p.URL("fe", "/echo"), io.NopCloser(bytes.NewReader(payload)))
	req.ContentLength = -1
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("%d bytes back of %d, err %v", len(got), size, err)
	}
	if n := resp.Trailer.Get("Grpc-Status"); n != fmt.Sprint(size) {
		t.Errorf("trailer %q, want the server's count %d", n, size)
	}
}
