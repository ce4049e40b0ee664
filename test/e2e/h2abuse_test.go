package e2e

import (
	"bytes"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

func hpackEncoder(b *bytes.Buffer) func(name, value string) {
	enc := hpack.NewEncoder(b)
	return func(name, value string) { enc.WriteField(hpack.HeaderField{Name: name, Value: value}) }
}

// rawH2 opens an h2c connection and exchanges SETTINGS.
func rawH2(t *testing.T, addr string) (net.Conn, *http2.Framer) {
	t.Helper()
	conn := lbtest.Dial(t, addr)
	conn.Write([]byte(http2.ClientPreface))
	fr := http2.NewFramer(conn, conn)
	fr.WriteSettings()
	// A hang guard only: every test below ends on a frame or a close.
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return conn, fr
}

// startH2Front starts hawser with one HTTP frontend "fe" in front of one
// backend server, a global line and a frontend line added (either may
// be empty), for the tests that talk raw HTTP/2 to it.
func startH2Front(t *testing.T, global, frontend string) (*lbtest.Proc, *lbtest.Backend) {
	t.Helper()
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
global
    `+global+`
frontend fe
    bind ${fe}
    `+frontend+`
    default_backend bk
backend bk
    server s ${app}
`, vars)
	return p, bs["app"]
}

// untilGoAway reads frames until a GOAWAY or the connection's end and
// returns the GOAWAY's code, or -1 when the connection ended without one.
func untilGoAway(t *testing.T, fr *http2.Framer) int {
	t.Helper()
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("connection still open, no GOAWAY")
			}
			return -1
		}
		if g, ok := f.(*http2.GoAwayFrame); ok {
			return int(g.ErrCode)
		}
	}
}

func TestH2Abuse(t *testing.T) {
	t.Parallel()
	p, app := startH2Front(t, "tune.h2.fe.max-concurrent-streams 10", "")
	bs := map[string]*lbtest.Backend{"app": app}
	t.Run("continuation flood", func(t *testing.T) {
		_, fr := rawH2(t, p.Addr("fe"))
		var hb bytes.Buffer
		enc := hpackEncoder(&hb)
		enc(":method", "GET")
		enc(":scheme", "http")
		enc(":authority", "x")
		enc(":path", "/")
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndStream: true})
		junk := bytes.Repeat([]byte{0x40, 0x01, 'x', 0x7f}, 1024) // literal fields, never completed
		for range 5000 {
			if err := fr.WriteContinuation(1, false, junk); err != nil {
				break // the server closed: what we want
			}
		}
		if code := untilGoAway(t, fr); code == int(http2.ErrCodeNo) {
			t.Fatalf("GOAWAY NO_ERROR after a CONTINUATION flood")
		}
	})
	t.Run("rapid reset", func(t *testing.T) {
		bs["app"].Hold()
		defer bs["app"].Release()
		_, fr := rawH2(t, p.Addr("fe"))
		for i := range 2000 {
			id := uint32(2*i + 1)
			var hb bytes.Buffer
			enc := hpackEncoder(&hb)
			enc(":method", "GET")
			enc(":scheme", "http")
			enc(":authority", "x")
			enc(":path", "/held")
			if fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true}) != nil ||
				fr.WriteRSTStream(id, http2.ErrCodeCancel) != nil {
				break
			}
		}
		if code := untilGoAway(t, fr); code != int(http2.ErrCodeEnhanceYourCalm) && code != -1 {
			t.Errorf("GOAWAY code %d, want ENHANCE_YOUR_CALM", code)
		}
		if m := bs["app"].MaxConcurrent(); m > 10 {
			t.Errorf("%d requests reached the server at once; max-concurrent-streams is 10", m)
		}
	})
	t.Run("header list larger than tune.bufsize", func(t *testing.T) {
		_, fr := rawH2(t, p.Addr("fe"))
		var hb bytes.Buffer
		enc := hpackEncoder(&hb)
		enc(":method", "GET")
		enc(":scheme", "http")
		enc(":authority", "x")
		enc(":path", "/")
		enc("x-big", strings.Repeat("a", 20000))
		block := hb.Bytes()
		half := len(block) / 2
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block[:half], EndStream: true})
		fr.WriteContinuation(1, true, block[half:])
		// x/net answers 431 when the list is merely over the limit it
		// advertised, and ends the connection when the block is far
		// beyond it; either way the request is not served.
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				return
			}
			if h, ok := f.(*http2.HeadersFrame); ok {
				fields, err := hpack.NewDecoder(4096, nil).DecodeFull(h.HeaderBlockFragment())
				if err != nil || len(fields) == 0 || fields[0].Value != "431" {
					t.Fatalf("response head %v %v, want :status 431", fields, err)
				}
				return
			}
			if _, ok := f.(*http2.RSTStreamFrame); ok {
				return // refused as a stream error: also acceptable
			}
		}
	})
}

// TestH2Spec runs h2spec's strict conformance suite against an h2c bind
// and a TLS bind.
func TestH2Spec(t *testing.T) {
	t.Parallel()
	h2spec := lbtest.NeedTool(t, "h2spec")
	// The backend's name is its response body: h2spec skips its
	// flow-control cases on a body shorter than their windows.
	_, vars := backends(t, "h2specbackendansweringalongerbody")
	vars["crt"], _ = newPKI(t).write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe} proto h2
    bind ${tls} ssl crt ${crt}
    default_backend bk
backend bk
    server s ${h2specbackendansweringalongerbody}
`, vars)
	for _, bind := range []string{"fe", "tls"} {
		t.Run(bind, func(t *testing.T) {
			t.Parallel()
			host, port, _ := net.SplitHostPort(p.Addr(bind))
			args := []string{"-S", "-h", host, "-p", port, "-o", "5"}
			if bind == "tls" {
				args = append(args, "-t", "-k")
			}
			runH2Spec(t, h2spec, args)
		})
	}
}

func runH2Spec(t *testing.T, h2spec string, args []string) {
	out, _ := exec.Command(h2spec, args...).CombinedOutput()
	if !strings.Contains(string(out), "146 tests") {
		t.Fatalf("h2spec did not run the whole suite:\n%s", out)
	}
	if _, failures, ok := strings.Cut(string(out), "Failures:"); ok {
		for _, line := range strings.Split(failures, "\n") {
			if _, _, isCase := strings.Cut(line, "× "); isCase {
				t.Errorf("h2spec case failed: %s", strings.TrimSpace(line))
			}
		}
	}
	if summary := lastLines(string(out), 1); !strings.Contains(summary, "146 passed, 0 skipped, 0 failed") {
		t.Errorf("h2spec: %s, want every case passed", summary)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestH2Glitches: fc_glitches counts an HTTP/2 client's protocol
// anomalies, and tune.h2.fe.glitches-threshold closes the connection with
// ENHANCE_YOUR_CALM when the count reaches it.
func TestH2Glitches(t *testing.T) {
	t.Parallel()
	p, _ := startH2Front(t, "tune.h2.fe.glitches-threshold 5", "http-response set-header X-Glitches %[fc_glitches]")
	// post opens a stream with a request body to come, sends n empty DATA
	// frames that do not end it (each a glitch), then ends it.
	post := func(fr *http2.Framer, id uint32, n int) {
		var hb bytes.Buffer
		enc := hpackEncoder(&hb)
		enc(":method", "POST")
		enc(":scheme", "http")
		enc(":authority", "x")
		enc(":path", "/")
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndHeaders: true})
		for range n {
			fr.WriteData(id, false, nil)
		}
		fr.WriteData(id, true, []byte("x"))
	}
	t.Run("counted", func(t *testing.T) {
		_, fr := rawH2(t, p.Addr("fe"))
		post(fr, 1, 3)
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if h, ok := f.(*http2.HeadersFrame); ok {
				fields, _ := hpack.NewDecoder(4096, nil).DecodeFull(h.HeaderBlockFragment())
				got := ""
				for _, hf := range fields {
					if hf.Name == "x-glitches" {
						got = hf.Value
					}
				}
				if got != "3" {
					t.Fatalf("fc_glitches = %q, want 3 (fields %v)", got, fields)
				}
				return
			}
		}
	})
	t.Run("threshold", func(t *testing.T) {
		_, fr := rawH2(t, p.Addr("fe"))
		post(fr, 1, 5)
		if code := untilGoAway(t, fr); code != int(http2.ErrCodeEnhanceYourCalm) {
			t.Errorf("GOAWAY code %d, want ENHANCE_YOUR_CALM", code)
		}
	})
}

// TestH2StreamLimitCountsClosedStreams: a stream whose response has ended
// no longer counts against SETTINGS_MAX_CONCURRENT_STREAMS, even while its
// transaction winds down, so a client that opens a new stream as soon as
// one ends, keeping exactly the limit in flight, is never refused one.
func TestH2StreamLimitCountsClosedStreams(t *testing.T) {
	t.Parallel()
	p, _ := startH2Front(t, "tune.h2.fe.max-concurrent-streams 2", "")
	_, fr := rawH2(t, p.Addr("fe"))
	next := uint32(1)
	open := func() {
		writeGet(t, fr, next, p.Addr("fe"), "/")
		next += 2
	}
	open()
	open()
	for done := 0; done < 300; {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("after %d responses: %v", done, err)
		}
		switch f := f.(type) {
		case *http2.RSTStreamFrame:
			t.Fatalf("stream %d reset (%v) after %d responses", f.StreamID, f.ErrCode, done)
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.DataFrame:
			if f.StreamEnded() {
				done++
				open()
			}
		case *http2.HeadersFrame:
			if f.StreamEnded() {
				done++
				open()
			}
		}
	}
}
