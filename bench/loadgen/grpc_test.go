package main

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// fakeGRPC answers EmptyCall the way a gRPC server does: an empty
// message, then grpc-status in the trailers.
func fakeGRPC(t *testing.T, status string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != grpcEmptyCallPath || r.Header.Get("Content-Type") != "application/grpc" {
			w.WriteHeader(404)
			return
		}
		w.Header().Set("Trailer", "Grpc-Status")
		w.Write([]byte{0, 0, 0, 0, 0})
		w.Header().Set("Grpc-Status", status)
	})
	srv := &http.Server{Handler: h}
	h2 := &http2.Server{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go h2.ServeConn(c, &http2.ServeConnOpts{BaseConfig: srv, Handler: h})
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func TestRunGRPC(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		status     string
		wantFailed bool
	}{
		{name: "ok", status: "0"},
		{name: "error status counts as failed", status: "12", wantFailed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := runGRPC(fakeGRPC(t, tc.status), 2, 4, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if res.requests == 0 || res.sockErrors != 0 || (res.non2xx == res.requests) != tc.wantFailed {
				t.Errorf("requests %d failed %d sock errors %d", res.requests, res.non2xx, res.sockErrors)
			}
			if !strings.HasPrefix(res.summaryLine(), "HAWSER_BENCH\t") {
				t.Errorf("summary %q", res.summaryLine())
			}
		})
	}
}

func TestRunGRPCRefusesNonGRPC(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	if _, err := runGRPC(ln.Addr().String(), 1, 1, 10*time.Millisecond); err == nil {
		t.Error("no error from an HTTP/1 server")
	}
}
