package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"golang.org/x/net/websocket"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// h2Config serves every feature the HTTP/2 tests use from one process:
// "fe" detects the protocol, "h2" has "proto h2".
const h2Config = `
global
    log stdout format raw local0

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    bind ${h2} proto h2
    bind ${tls} ssl crt ${crt}
    log-format "LOG %HV %ST %HM %HU %b"
    http-request deny if { path /deny }
    http-request return status 200 content-type text/plain lf-string "ver=%[req.ver] host=%[req.hdr(host)]" if { path /ver }
    http-request redirect location /moved code 302 if { path /old }
    http-request set-header X-Added yes
    http-response set-header X-Resp yes
    use_backend bk_dead if { path_beg /dead }
    use_backend bk_trailers if { path_beg /trailers }
    default_backend bk

backend bk
    server s ${app}
backend bk_dead
    # No retries: each would wait a second before connecting again.
    retries 0
    server s ${dead}
backend bk_trailers
    server s ${trailers}
`

// trailerBackend answers with a chunked body, trailers and fields HTTP/2
// forbids.
func trailerBackend(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.WriteHeader(200)
		io.WriteString(w, "part1;")
		w.(http.Flusher).Flush()
		io.WriteString(w, "part2")
		w.Header().Set("X-Sum", "42")
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func startH2(t *testing.T) (*lbtest.Proc, map[string]*lbtest.Backend) {
	bs, vars := backends(t, "app")
	vars["dead"] = lbtest.DeadAddr(t)
	vars["trailers"] = trailerBackend(t)
	vars["crt"], _ = newPKI(t).write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	return lbtest.Start(t, h2Config, vars), bs
}

func TestH2Requests(t *testing.T) {
	t.Parallel()
	p, _ := startH2(t)
	tests := []struct {
		name       string
		method     string
		path       string
		headers    []string
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{name: "forwarded", method: "GET", path: "/", wantStatus: 200, wantBody: "app", wantHeader: map[string]string{"X-Server": "app", "X-Resp": "yes"}},
		{name: "deny", method: "GET", path: "/deny", wantStatus: 403},
		{name: "return with req.ver and host", method: "GET", path: "/ver", headers: []string{"Host: h.example"}, wantStatus: 200, wantBody: "ver=2.0 host=h.example"},
		{name: "redirect", method: "GET", path: "/old", wantStatus: 302, wantHeader: map[string]string{"Location": "/moved"}},
		{name: "error page", method: "GET", path: "/dead", wantStatus: 503},
		{name: "streamed chunked", method: "GET", path: "/chunked", wantStatus: 200, wantBody: "app-part0;app-part1;app-part2;"},
		{name: "head", method: "HEAD", path: "/", wantStatus: 200, wantHeader: map[string]string{"Content-Length": "3"}},
		{name: "connection fields dropped", method: "GET", path: "/trailers", wantStatus: 200, wantBody: "part1;part2", wantHeader: map[string]string{"Keep-Alive": ""}},
	}
	t.Run("group", func(t *testing.T) {
		for _, bind := range []string{"fe", "h2"} {
			for _, tc := range tests {
				t.Run(bind+"/"+tc.name, func(t *testing.T) {
					t.Parallel()
					r := lbtest.DoProto(t, lbtest.H2C, tc.method, p.URL(bind, tc.path), tc.headers...)
					if r.Status != tc.wantStatus {
						t.Fatalf("status %d, want %d (body %q)", r.Status, tc.wantStatus, r.Body)
					}
					if tc.wantBody != "" && r.Body != tc.wantBody {
						t.Errorf("body %q, want %q", r.Body, tc.wantBody)
					}
					for k, v := range tc.wantHeader {
						if got := r.Header.Get(k); got != v {
							t.Errorf("%s: %q, want %q", k, got, v)
						}
					}
				})
			}
		}
	})
	// The target of an HTTP/2 request is its absolute URI, as HAProxy
	// logs it.
	p.WaitLog(t, "LOG HTTP/2.0 200 GET "+lbtest.H2C.LogURI(p.Authority("fe"), "/chunked")+" bk", 10*time.Second)
}

func TestH2RequestTranslation(t *testing.T) {
	t.Parallel()
	p, bs := startH2(t)
	c := lbtest.ProtoClient(lbtest.H2C, true)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	tests := []struct {
		name        string
		body        func() io.Reader
		length      int64
		wantChunked bool
	}{
		{name: "large with content-length", body: func() io.Reader { return bytes.NewReader(big) }, length: int64(len(big))},
		{name: "large without content-length", body: func() io.Reader { return io.MultiReader(bytes.NewReader(big)) }, length: -1, wantChunked: true},
		{name: "small without content-length", body: func() io.Reader { return strings.NewReader("hello") }, length: -1, wantChunked: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One backend: these subtests share its LastRequest.
			req, _ := http.NewRequest("POST", p.URL("fe", "/echo"), tc.body())
			req.ContentLength = tc.length
			req.Header.Add("Cookie", "a=1")
			req.Header.Add("Cookie", "b=2")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("status %d err %v", resp.StatusCode, err)
			}
			want := big
			if tc.name == "small without content-length" {
				want = []byte("hello")
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("echoed %d bytes, want %d", len(got), len(want))
			}
			last, _ := bs["app"].LastRequest()
			chunked := len(last.TransferEncoding) > 0 && last.TransferEncoding[0] == "chunked"
			if chunked != tc.wantChunked {
				t.Errorf("server saw transfer-encoding %v, want chunked=%v", last.TransferEncoding, tc.wantChunked)
			}
			if got := last.Header.Get("X-Added"); got != "yes" {
				t.Errorf("set-header: %q", got)
			}
			if got := last.Header.Get("Cookie"); got != "a=1; b=2" {
				t.Errorf("cookies: %q, want them joined", got)
			}
			if last.Proto != "HTTP/1.1" {
				t.Errorf("server side speaks %s", last.Proto)
			}
		})
	}
}

func TestH2Trailers(t *testing.T) {
	t.Parallel()
	p, _ := startH2(t)
	resp, err := lbtest.ProtoClient(lbtest.H2C, false).Get(p.URL("fe", "/trailers"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "part1;part2" || resp.Trailer.Get("X-Sum") != "42" {
		t.Fatalf("body %q trailers %v", body, resp.Trailer)
	}
}

// TestH2ConcurrentStreams holds 100 requests at the server at once, all on
// one client connection: HAProxy's default of 100 concurrent streams.
func TestH2ConcurrentStreams(t *testing.T) {
	t.Parallel()
	p, bs := startH2(t)
	var dials atomic.Int32
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			dials.Add(1)
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
	// Open the connection first, so that the 100 streams share it.
	if r, err := lbtest.DoErr(c, "GET", "http://"+p.Addr("fe")+"/"); err != nil || r.Status != 200 {
		t.Fatalf("%v %v", r, err)
	}
	bs["app"].Hold()
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			r, err := lbtest.DoErr(c, "GET", "http://"+p.Addr("fe")+"/")
			if err == nil && (r.Status != 200 || r.Body != "app") {
				err = io.ErrUnexpectedEOF
			}
			errs <- err
		})
	}
	bs["app"].WaitEntered(t, n, 20*time.Second)
	bs["app"].Release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if d := dials.Load(); d != 1 {
		t.Errorf("%d connections, want 1", d)
	}
}

// TestH2ReloadInFlight reloads while a stream waits for the server: it
// finishes, and the next stream on the same connection sees the new
// configuration.
func TestH2ReloadInFlight(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	cfg := httpDefaults + `
frontend fe
    bind ${fe}
    default_backend bk
backend bk
    server s ${app}
`
	p := lbtest.Start(t, cfg, vars)
	c := lbtest.ProtoClient(lbtest.H2C, true)
	bs["app"].Hold()
	done := make(chan lbtest.Response, 1)
	go func() {
		r, err := lbtest.DoErr(c, "GET", p.URL("fe", "/slow"))
		if err != nil {
			r.Body = err.Error()
		}
		done <- r
	}()
	bs["app"].WaitEntered(t, 1, 10*time.Second)
	if !p.ReloadWith(t, strings.Replace(cfg, "    default_backend bk", "    http-request return status 200 content-type text/plain string reloaded if { path /new }\n    default_backend bk", 1), nil) {
		t.Fatal("reload failed")
	}
	lbtest.WaitUntil(t, "the new configuration on the same connection", 10*time.Second, func() bool {
		r, err := lbtest.DoErr(c, "GET", p.URL("fe", "/new"))
		return err == nil && r.Body == "reloaded"
	})
	bs["app"].Release()
	if r := <-done; r.Status != 200 || r.Body != "app" {
		t.Fatalf("in-flight stream: %d %q", r.Status, r.Body)
	}
}

// TestH2SoftStop: a soft stop sends GOAWAY, lets the stream in flight
// finish, then the process exits.
func TestH2SoftStop(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe} proto h2
    default_backend bk
backend bk
    server s ${app}
`, vars)
	conn := lbtest.Dial(t, p.Addr("fe"))
	fr := http2.NewFramer(conn, conn)
	conn.Write([]byte(http2.ClientPreface))
	fr.WriteSettings()
	bs["app"].Hold()
	writeGet(t, fr, 1, p.Addr("fe"), "/slow")
	bs["app"].WaitEntered(t, 1, 10*time.Second)
	p.SoftStop(t)
	var goAway, ended bool
	conn.SetReadDeadline(time.Now().Add(20 * time.Second)) // a hang guard only
	released := false
	for !ended {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("goaway %v, stream ended %v: %v", goAway, ended, err)
		}
		switch f := f.(type) {
		case *http2.GoAwayFrame:
			goAway = true
			if !released {
				released = true
				bs["app"].Release()
			}
		case *http2.DataFrame:
			ended = f.StreamEnded()
		case *http2.HeadersFrame:
			ended = f.StreamEnded()
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		}
	}
	if !goAway {
		t.Fatal("stream ended without a GOAWAY first")
	}
	if code := p.Wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// writeGet sends a GET request on a raw framer.
func writeGet(t *testing.T, fr *http2.Framer, id uint32, authority, path string) {
	t.Helper()
	var hb bytes.Buffer
	enc := hpackEncoder(&hb)
	enc(":method", "GET")
	enc(":scheme", "http")
	enc(":authority", authority)
	enc(":path", path)
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true}); err != nil {
		t.Fatal(err)
	}
}

// TestH2Streaming reads the first part of a response while the server
// still holds the rest back: hawser relays it without waiting for the end.
func TestH2Streaming(t *testing.T) {
	t.Parallel()
	next := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first;")
		w.(http.Flusher).Flush()
		select {
		case <-next:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second")
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(next) })
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend bk
backend bk
    server s ${stream}
`, lbtest.Vars{"stream": srv.Listener.Addr().String()})
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		resp, err := lbtest.ProtoClient(proto, false).Get(p.URL("fe", "/"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		buf := make([]byte, len("first;"))
		if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first;" {
			t.Fatalf("first part %q %v", buf, err)
		}
		next <- struct{}{}
		rest, err := io.ReadAll(resp.Body)
		if err != nil || string(rest) != "second" {
			t.Fatalf("rest %q %v", rest, err)
		}
	})
}

// TestH2Connect tunnels a CONNECT stream through hawser to a server that
// accepts it, both directions streaming.
func TestH2Connect(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					l, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if l == "\r\n" {
						break
					}
				}
				io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
				io.Copy(c, br) // echo
			}()
		}
	}()
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend bk
backend bk
    server s ${tunnel}
`, lbtest.Vars{"tunnel": ln.Addr().String()})
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("CONNECT", p.URL("fe", ""), pr)
	req.Host = "target.example:443"
	resp, err := lbtest.ProtoClient(lbtest.H2C, false).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	br := bufio.NewReader(resp.Body)
	for _, msg := range []string{"ping\n", "pong\n"} {
		io.WriteString(pw, msg)
		if got, err := br.ReadString('\n'); got != msg {
			t.Fatalf("echo %q %v, want %q", got, err, msg)
		}
	}
	pw.Close()
	// The client's half-close reaches the server, whose close ends the
	// response.
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after close: %q %v", rest, err)
	}
}

// TestH2GoAwayIdle: an idle HTTP/2 connection gets GOAWAY(NO_ERROR, last
// stream served) before it closes, on a soft stop and when a reload drops
// its socket, so that its client reconnects without losing a request.
func TestH2GoAwayIdle(t *testing.T) {
	t.Parallel()
	cfg := httpDefaults + `
frontend fe
    bind ${fe} proto h2
    default_backend bk
backend bk
    server s ${app}
`
	tests := []struct {
		name    string
		trigger func(t *testing.T, p *lbtest.Proc)
	}{
		{name: "soft stop", trigger: func(t *testing.T, p *lbtest.Proc) { p.SoftStop(t) }},
		{name: "reload drops the bind", trigger: func(t *testing.T, p *lbtest.Proc) {
			if !p.ReloadWith(t, strings.Replace(cfg, "${fe}", "${fe2}", 1), nil) {
				t.Fatal("reload failed")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, vars := backends(t, "app")
			p := lbtest.Start(t, cfg, vars)
			conn, fr := rawH2(t, p.Addr("fe"))
			defer conn.Close()
			writeGet(t, fr, 1, p.Addr("fe"), "/")
			for ended := false; !ended; {
				f, err := fr.ReadFrame()
				if err != nil {
					t.Fatal(err)
				}
				switch f := f.(type) {
				case *http2.DataFrame:
					ended = f.StreamEnded()
				case *http2.HeadersFrame:
					ended = f.StreamEnded()
				case *http2.SettingsFrame:
					if !f.IsAck() {
						fr.WriteSettingsAck()
					}
				}
			}
			tc.trigger(t, p)
			for {
				f, err := fr.ReadFrame()
				if err != nil {
					t.Fatalf("connection ended without GOAWAY: %v", err)
				}
				if g, ok := f.(*http2.GoAwayFrame); ok {
					if g.ErrCode != http2.ErrCodeNo || g.LastStreamID != 1 {
						t.Errorf("GOAWAY %v last stream %d, want NO_ERROR and 1", g.ErrCode, g.LastStreamID)
					}
					break
				}
			}
			if _, err := fr.ReadFrame(); err == nil {
				t.Error("a frame after GOAWAY on an idle connection")
			}
		})
	}
}

// h2Exchange sends a request's header fields (pseudo-headers first) and
// body on a raw framer, and returns the response's header fields.
func h2Exchange(t *testing.T, fr *http2.Framer, id uint32, fields [][2]string, body []byte, endStream bool) (head []hpack.HeaderField) {
	t.Helper()
	var hb bytes.Buffer
	enc := hpackEncoder(&hb)
	for _, f := range fields {
		enc(f[0], f[1])
	}
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(),
		EndStream: endStream && body == nil, EndHeaders: true}); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		fr.WriteData(id, endStream, body)
	}
	dec := hpack.NewDecoder(4096, nil)
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		switch f := f.(type) {
		case *http2.HeadersFrame:
			if f.StreamID == id {
				head, err = dec.DecodeFull(f.HeaderBlockFragment())
				if err != nil {
					t.Fatal(err)
				}
				return head
			}
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.RSTStreamFrame:
			t.Fatalf("stream reset: %v", f.ErrCode)
		case *http2.GoAwayFrame:
			t.Fatalf("GOAWAY: %v", f.ErrCode)
		}
	}
}

// TestH2HeaderOrder: the server sees the fields of an HTTP/2 request in
// the order the client sent them ("host" from :authority first).
func TestH2HeaderOrder(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	heads := make(chan string, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				var head strings.Builder
				for {
					l, err := br.ReadString('\n')
					if err != nil {
						return
					}
					head.WriteString(l)
					if l == "\r\n" {
						break
					}
				}
				if !strings.HasPrefix(head.String(), "GET /health") {
					heads <- head.String()
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
			}()
		}
	}()
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe} proto h2
    default_backend bk
backend bk
    server s ${raw}
`, lbtest.Vars{"raw": ln.Addr().String()})
	_, fr := rawH2(t, p.Addr("fe"))
	head := h2Exchange(t, fr, 1, [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "order.test"},
		{":path", "/o"}, {"zz-first", "1"}, {"accept", "*/*"}, {"mm-middle", "2"}, {"aa-last", "3"}}, nil, true)
	if len(head) == 0 || head[0].Value != "200" {
		t.Fatalf("response head %v", head)
	}
	got := <-heads
	var names []string
	for _, l := range strings.Split(got, "\r\n")[1:] {
		if name, _, ok := strings.Cut(l, ":"); ok {
			names = append(names, strings.ToLower(name))
		}
	}
	want := []string{"host", "zz-first", "accept", "mm-middle", "aa-last"}
	if len(names) < len(want) || !slices.Equal(names[:len(want)], want) {
		t.Errorf("server saw fields %v, want %v first\n%s", names, want, got)
	}
}

// TestH2WebSocket tunnels a WebSocket over HTTP/2 (Extended CONNECT, RFC
// 8441) to an HTTP/1.1 WebSocket server, which gets an Upgrade request, and
// echoes a message through it.
func TestH2WebSocket(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(websocket.Handler(func(ws *websocket.Conn) { io.Copy(ws, ws) }))
	t.Cleanup(srv.Close)
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe} proto h2
    default_backend ws
backend ws
    server s ${ws}
`, lbtest.Vars{"ws": srv.Listener.Addr().String()})
	_, fr := rawH2(t, p.Addr("fe"))
	// The server's SETTINGS announce Extended CONNECT.
	for enabled := false; !enabled; {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := f.(*http2.SettingsFrame); ok && !s.IsAck() {
			v, ok := s.Value(http2.SettingEnableConnectProtocol)
			if !ok || v != 1 {
				t.Fatalf("SETTINGS_ENABLE_CONNECT_PROTOCOL %d %v, want 1", v, ok)
			}
			enabled = true
			fr.WriteSettingsAck()
		}
	}
	head := h2Exchange(t, fr, 1, [][2]string{{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "http"},
		{":authority", "ws.test"}, {":path", "/chat"}, {"sec-websocket-version", "13"}, {"origin", "http://ws.test"}}, nil, false)
	if len(head) == 0 || head[0].Value != "200" {
		t.Fatalf("response head %v, want :status 200", head)
	}
	for _, msg := range []string{"hello", "over h2"} {
		// A masked text frame, as a client sends it (RFC 6455 section 5.2).
		frame := []byte{0x81, 0x80 | byte(len(msg)), 1, 2, 3, 4}
		for i := range len(msg) {
			frame = append(frame, msg[i]^frame[2+i%4])
		}
		if err := fr.WriteData(1, false, frame); err != nil {
			t.Fatal(err)
		}
		var got []byte
		for len(got) < 2+len(msg) {
			f, err := fr.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if d, ok := f.(*http2.DataFrame); ok && d.StreamID == 1 {
				got = append(got, d.Data()...)
				if d.StreamEnded() {
					break
				}
			}
		}
		if want := append([]byte{0x81, byte(len(msg))}, msg...); !bytes.Equal(got, want) {
			t.Fatalf("echo %q, want %q", got, want)
		}
	}
}
