package l7

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/hawser-lb/hawser/internal/h1"
)

// startH2c serves one HTTP/2 connection over a pipe, each stream by run,
// and returns the client's end. The connection's loop must end once the
// client's end is closed.
func startH2c(t testing.TB, run func(s *h2s)) net.Conn {
	client, server := net.Pipe()
	hc := newH2c(NewHandler(slog.New(slog.DiscardHandler)), server, 1024, 4, 65535)
	hc.writeTO = 5 * time.Second
	hc.run = run
	done := make(chan struct{})
	go func() {
		defer close(done)
		hc.serve()
	}()
	t.Cleanup(func() {
		client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the connection's loop did not end")
		}
	})
	return client
}

// readHead reads a stream's request head as the transaction would.
func readHead(s *h2s) (*h1.Request, *bufio.Reader, error) {
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReaderSize(s, 1024)
	var head []byte
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return nil, br, err
		}
		head = append(head, line...)
		if len(line) <= 2 {
			break
		}
	}
	var req h1.Request
	return &req, br, h1.ParseRequest(head, &req)
}

// TestH2StreamResponse feeds HTTP/1.1 responses to a stream in the pieces
// a transaction may write them in, and checks what an HTTP/2 client gets.
func TestH2StreamResponse(t *testing.T) {
	t.Parallel()
	const ok = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-a: 1\r\nconnection: keep-alive\r\n\r\nhello"
	tests := []struct {
		name    string
		method  string
		raw     string
		status  int
		body    string
		trailer string // value of trailer x-t
		wantErr bool
	}{
		{name: "whole", raw: ok, status: 200, body: "hello"},
		{name: "extra bytes dropped", raw: ok + "junk", status: 200, body: "hello"},
		{name: "interim 103 relayed", raw: "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n" + ok, status: 200, body: "hello"},
		{name: "no body", raw: "HTTP/1.1 204 No Content\r\n\r\n", status: 204},
		{name: "empty body", raw: "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", status: 200},
		{name: "HEAD", method: "HEAD", raw: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", status: 200},
		{name: "chunked with trailer", raw: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n2;ext=1\r\nlo\r\n0\r\nx-t: v\r\n\r\n",
			status: 200, body: "hello", trailer: "v"},
		{name: "until close", raw: "HTTP/1.1 200 OK\r\n\r\nhello", status: 200, body: "hello"},
		{name: "truncated body", raw: "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nhello", status: 200, body: "hello", wantErr: true},
		{name: "truncated head", raw: "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n", wantErr: true},
		{name: "head too large", raw: "HTTP/1.1 200 OK\r\nx-big: " + strings.Repeat("a", 2000) + "\r\n\r\n", wantErr: true},
		{name: "bad chunk", raw: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", status: 200, wantErr: true},
	}
	for _, tc := range tests {
		for _, piece := range []int{1, 7, 1 << 20} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				conn := startH2c(t, func(s *h2s) {
					if _, _, err := readHead(s); err != nil {
						return
					}
					for raw := tc.raw; len(raw) > 0; {
						n := min(piece, len(raw))
						if _, err := s.Write([]byte(raw[:n])); err != nil {
							break
						}
						raw = raw[n:]
					}
					s.Close()
				})
				cc, err := (&http2.Transport{}).NewClientConn(conn)
				if err != nil {
					t.Fatal(err)
				}
				method := tc.method
				if method == "" {
					method = "GET"
				}
				req, _ := http.NewRequest(method, "http://example.test/", nil)
				res, err := cc.RoundTrip(req)
				var body []byte
				if err == nil {
					body, err = io.ReadAll(res.Body)
					res.Body.Close()
				}
				if (err != nil) != tc.wantErr {
					t.Fatalf("piece %d: err %v, want error %v", piece, err, tc.wantErr)
				}
				if tc.status == 0 || res == nil {
					return
				}
				if res.StatusCode != tc.status || string(body) != tc.body {
					t.Errorf("piece %d: got %d %q, want %d %q", piece, res.StatusCode, body, tc.status, tc.body)
				}
				if res.Header.Get("Connection") != "" {
					t.Errorf("piece %d: connection field relayed", piece)
				}
				if got := res.Trailer.Get("X-T"); got != tc.trailer && !tc.wantErr {
					t.Errorf("piece %d: trailer %q, want %q", piece, got, tc.trailer)
				}
			})
		}
	}
}

// TestH2RequestHead checks the HTTP/1.1 head a stream's transaction reads:
// fields in the order the client sent them, cookies joined, the body
// chunked when its length is unknown.
func TestH2RequestHead(t *testing.T) {
	t.Parallel()
	heads := make(chan string, 1)
	conn := startH2c(t, func(s *h2s) {
		s.SetReadDeadline(time.Now().Add(5 * time.Second))
		var all []byte
		buf := make([]byte, 7)
		for !bytes.HasSuffix(all, []byte("0\r\n\r\n")) {
			n, err := s.Read(buf)
			all = append(all, buf[:n]...)
			if err != nil {
				break
			}
		}
		heads <- string(all)
		s.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
	})
	conn.Write([]byte(http2.ClientPreface))
	fr := http2.NewFramer(conn, conn)
	go io.Copy(io.Discard, conn)
	fr.WriteSettings()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "https"}, {":authority", "a.test"},
		{":path", "/p?q"}, {"z-last", "1"}, {"cookie", "a=1"}, {"accept", "*/*"}, {"cookie", "b=2"}, {"b-first", "2"}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndHeaders: true})
	fr.WriteData(1, true, []byte("hi"))
	want := "POST https://a.test/p?q HTTP/1.1\r\nhost: a.test\r\nz-last: 1\r\ncookie: a=1; b=2\r\naccept: */*\r\nb-first: 2\r\n" +
		"transfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
	select {
	case got := <-heads:
		if got != want {
			t.Errorf("request as read:\n%q\nwant\n%q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no request")
	}
}

// FuzzH2Conn feeds raw client bytes after the preface to a connection
// whose streams answer like transactions (reading the request, then a
// chunked, fixed-length or until-close response): the loop must never
// panic, and must end once the client is gone.
func FuzzH2Conn(f *testing.F) {
	frames := func(write func(fr *http2.Framer, enc func(...string) []byte)) []byte {
		var b bytes.Buffer
		fr := http2.NewFramer(&b, nil)
		var hb bytes.Buffer
		henc := hpack.NewEncoder(&hb)
		enc := func(kv ...string) []byte {
			hb.Reset()
			for i := 0; i+1 < len(kv); i += 2 {
				henc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
			}
			return bytes.Clone(hb.Bytes())
		}
		fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 10})
		write(fr, enc)
		return b.Bytes()
	}
	get := []string{":method", "GET", ":scheme", "http", ":authority", "x", ":path", "/"}
	f.Add(frames(func(fr *http2.Framer, enc func(...string) []byte) {
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: enc(get...), EndHeaders: true, EndStream: true})
	}))
	f.Add(frames(func(fr *http2.Framer, enc func(...string) []byte) {
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: enc(append(get, "content-length", "3")...), EndHeaders: true})
		fr.WriteData(1, false, []byte("ab"))
		fr.WriteWindowUpdate(1, 100)
		fr.WriteData(1, true, []byte("c"))
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: enc(get...), EndHeaders: true})
		fr.WriteRSTStream(3, http2.ErrCodeCancel)
		fr.WritePing(false, [8]byte{1})
		fr.WriteWindowUpdate(0, 1000)
	}))
	f.Add(frames(func(fr *http2.Framer, enc func(...string) []byte) {
		block := enc(append(get, "cookie", "a=1", "cookie", "b=2")...)
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: block[:3]})
		fr.WriteContinuation(5, true, block[3:])
		fr.WriteData(5, false, []byte("body"))
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: enc("x-t", "1"), EndHeaders: true, EndStream: true})
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 7, BlockFragment: enc(":method", "CONNECT", ":authority", "x:1"), EndHeaders: true})
		fr.WriteData(7, true, []byte("tunnel"))
		fr.WriteGoAway(0, http2.ErrCodeNo, nil)
	}))
	f.Fuzz(func(t *testing.T, in []byte) {
		conn := startH2c(t, func(s *h2s) {
			req, br, err := readHead(s)
			if err != nil {
				return
			}
			s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			io.Copy(io.Discard, br)
			switch {
			case req.Chunked:
				s.Write([]byte("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-t: 1\r\n\r\n"))
			case string(req.Method) == "CONNECT":
				s.Write([]byte("HTTP/1.1 200 OK\r\n\r\ntunnel"))
			default:
				s.Write([]byte("HTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\n01234567890123456789"))
			}
			s.Close()
		})
		go io.Copy(io.Discard, conn)
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		conn.Write([]byte(http2.ClientPreface))
		conn.Write(in)
	})
}
