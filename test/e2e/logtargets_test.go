package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestLogUnixTargetsAndSampling logs requests to a stream unix socket
// (uxst@, octet-counted frames) that keeps one line in two ("sample 1:2")
// and to a datagram socket in Linux's abstract namespace (abnsz@) that
// gets every line.
func TestLogUnixTargetsAndSampling(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "hwlt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "log.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	stream := make(chan string, 16)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			var n int
			if _, err := fmt.Fscanf(r, "%d ", &n); err != nil {
				return
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				return
			}
			stream <- string(b)
		}
	}()
	abstract := fmt.Sprintf("hawser-e2e-%d", time.Now().UnixNano())
	pc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: "@" + abstract, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()

	_, vars := backends(t, "app")
	vars["sock"], vars["abstract"] = sock, abstract
	proc := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    log uxst@${sock} format raw sample 1:2 local0
    log abnsz@${abstract} format raw local0
    log-format "req %HP"
    default_backend app
backend app
    server s ${app}
`, vars)
	for i := 1; i <= 5; i++ {
		if r := lbtest.Get(t, proc.URL("fe", "/"+strconv.Itoa(i))); r.Status != 200 {
			t.Fatalf("request %d: status %d", i, r.Status)
		}
	}
	var all []string
	buf := make([]byte, 2048)
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(all) < 5 {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("abnsz target after %q: %v", all, err)
		}
		all = append(all, strings.TrimSpace(string(buf[:n])))
	}
	// %HP is the URI up to its query: an HTTP/2 request's is absolute.
	req := func(n int) string {
		return "req " + lbtest.RunProto().LogURI(proc.Authority("fe"), "/"+strconv.Itoa(n))
	}
	if diff := cmp.Diff([]string{req(1), req(2), req(3), req(4), req(5)}, all); diff != "" {
		t.Errorf("abnsz target (-want +got):\n%s", diff)
	}
	// The fifth line is the third of the sampled target; once it is in,
	// the second and fourth were left out, not late.
	var sampled []string
	for len(sampled) < 3 {
		select {
		case l := <-stream:
			sampled = append(sampled, strings.TrimSpace(l))
		case <-time.After(10 * time.Second):
			t.Fatalf("uxst target: got only %q", sampled)
		}
	}
	if diff := cmp.Diff([]string{req(1), req(3), req(5)}, sampled); diff != "" {
		t.Errorf("uxst target with sample 1:2 (-want +got):\n%s", diff)
	}
}
