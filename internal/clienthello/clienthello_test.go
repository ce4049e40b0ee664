package clienthello

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// capture returns the first TLS record a crypto/tls client writes with cfg:
// its ClientHello.
func capture(t testing.TB, cfg *tls.Config) []byte {
	t.Helper()
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// The handshake fails when the server side closes; only the
		// bytes written matter.
		_ = tls.Client(client, cfg).Handshake()
	}()
	hdr := make([]byte, recordHeaderLen)
	if _, err := io.ReadFull(server, hdr); err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, recordHeaderLen+(int(hdr[3])<<8|int(hdr[4])))
	copy(rec, hdr)
	if _, err := io.ReadFull(server, rec[recordHeaderLen:]); err != nil {
		t.Fatal(err)
	}
	server.Close()
	<-done
	client.Close()
	return rec
}

func TestParseCryptoTLS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		cfg          *tls.Config
		wantSNI      string
		wantALPN     []string
		wantVersions bool // supported_versions present (TLS 1.3 offered)
		wantKeyShare bool
	}{
		{
			name:         "tls13 sni alpn",
			cfg:          &tls.Config{ServerName: "www.example.com", NextProtos: []string{"h2", "http/1.1"}},
			wantSNI:      "www.example.com",
			wantALPN:     []string{"h2", "http/1.1"},
			wantVersions: true,
			wantKeyShare: true,
		},
		{
			name:    "tls12 only",
			cfg:     &tls.Config{ServerName: "api.example.org", MaxVersion: tls.VersionTLS12},
			wantSNI: "api.example.org",
		},
		{
			name:         "tls13 only no alpn",
			cfg:          &tls.Config{ServerName: "a.b", MinVersion: tls.VersionTLS13},
			wantSNI:      "a.b",
			wantVersions: true,
			wantKeyShare: true,
		},
		{
			// crypto/tls sends no SNI for an IP address (RFC 6066).
			name:         "ip address no sni",
			cfg:          &tls.Config{ServerName: "192.0.2.1", NextProtos: []string{"acme-tls/1"}},
			wantALPN:     []string{"acme-tls/1"},
			wantVersions: true,
			wantKeyShare: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := capture(t, tc.cfg)
			h, err := Parse(rec)
			if err != nil {
				t.Fatal(err)
			}
			if h.ServerName != tc.wantSNI {
				t.Errorf("ServerName %q, want %q", h.ServerName, tc.wantSNI)
			}
			if diff := cmp.Diff(tc.wantALPN, h.ALPN); diff != "" {
				t.Errorf("ALPN (-want +got):\n%s", diff)
			}
			if got := slices.Contains(h.SupportedVersions, tls.VersionTLS13); got != tc.wantVersions {
				t.Errorf("TLS 1.3 in supported_versions = %v, want %v", got, tc.wantVersions)
			}
			if got := len(h.KeyShareGroups) > 0; got != tc.wantKeyShare {
				t.Errorf("key shares %v, want some = %v", h.KeyShareGroups, tc.wantKeyShare)
			}
			if h.Len != len(rec) || h.Version != tls.VersionTLS12 || !h.ECExt ||
				len(h.CipherSuites) == 0 || len(h.SignatureAlgorithms) == 0 {
				t.Errorf("unexpected hello %+v", h)
			}
			if v, err := Version(rec); err != nil || v != 0x30003 {
				t.Errorf("Version = %#x, %v", v, err)
			}
			if typ, err := HelloType(rec); err != nil || typ != typeClientHello {
				t.Errorf("HelloType = %d, %v", typ, err)
			}
		})
	}
}

// TestParseEveryPrefix checks that every strict prefix of a ClientHello asks
// for more bytes, and that bytes after the record are left alone.
func TestParseEveryPrefix(t *testing.T) {
	t.Parallel()
	rec := capture(t, &tls.Config{ServerName: "example.com", NextProtos: []string{"h2"}})
	for i := range len(rec) {
		if _, err := Parse(rec[:i]); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("prefix %d: error %v, want ErrIncomplete", i, err)
		}
		if _, err := Version(rec[:i]); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("Version prefix %d: error %v, want ErrIncomplete", i, err)
		}
		if _, err := HelloType(rec[:i]); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("HelloType prefix %d: error %v, want ErrIncomplete", i, err)
		}
	}
	more := append(slices.Clone(rec), 0x17, 0x03, 0x03, 0x00)
	h, err := Parse(more)
	if err != nil || h.Len != len(rec) || h.ServerName != "example.com" {
		t.Fatalf("with trailing bytes: %+v, %v", h, err)
	}
}

// ext is one extension for build.
type ext struct {
	typ  uint16
	data []byte
}

// build returns a ClientHello record with the given client_version and
// extensions (nil for none at all), and one cipher suite.
func build(version uint16, exts []ext) []byte {
	body := []byte{byte(version >> 8), byte(version)}
	body = append(body, make([]byte, randomLen)...)
	body = append(body, 0)                // session id
	body = append(body, 0, 2, 0x13, 0x01) // cipher suites
	body = append(body, 1, 0)             // compression: null
	if exts != nil {
		var list []byte
		for _, e := range exts {
			list = append(list, byte(e.typ>>8), byte(e.typ), byte(len(e.data)>>8), byte(len(e.data)))
			list = append(list, e.data...)
		}
		body = append(body, byte(len(list)>>8), byte(len(list)))
		body = append(body, list...)
	}
	msg := append([]byte{typeClientHello, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	return append([]byte{recordTypeHandshake, 3, 1, byte(len(msg) >> 8), byte(len(msg))}, msg...)
}

func TestParseBuilt(t *testing.T) {
	t.Parallel()
	sni := func(entries ...byte) []byte {
		return append([]byte{0, byte(len(entries))}, entries...)
	}
	tests := []struct {
		name    string
		rec     []byte
		want    *Hello // compared on the fields below when err is nil
		wantErr error
	}{
		{
			name: "no extensions",
			rec:  build(0x0301, nil),
			want: &Hello{Version: 0x0301},
		},
		{
			name: "sslv3 client version",
			rec:  build(0x0300, nil),
			want: &Hello{Version: 0x0300},
		},
		{
			name: "sni skips non-host entry",
			rec:  build(0x0303, []ext{{extServerName, sni(1, 0, 1, 'x', 0, 0, 3, 'a', '.', 'b')}}),
			want: &Hello{Version: 0x0303, ServerName: "a.b", Extensions: []uint16{0}},
		},
		{
			name: "session ticket empty and unknown extension",
			rec:  build(0x0303, []ext{{extSessionTicket, nil}, {0xfe0d, []byte{1, 2, 3}}}),
			want: &Hello{Version: 0x0303, SessionTicket: sessionTicketEmpty, Extensions: []uint16{35, 0xfe0d}},
		},
		{
			name: "session ticket with ticket",
			rec:  build(0x0303, []ext{{extSessionTicket, []byte{9, 9}}}),
			want: &Hello{Version: 0x0303, SessionTicket: sessionTicketPresent, Extensions: []uint16{35}},
		},
		{
			name: "groups versions keyshare sigalgs",
			rec: build(0x0303, []ext{
				{extSupportedGroups, []byte{0, 4, 0, 29, 0, 23}},
				{extSupportedVersions, []byte{4, 3, 4, 3, 3}},
				{extKeyShare, []byte{0, 6, 0, 29, 0, 2, 0xaa, 0xbb}},
				{extSignatureAlgs, []byte{0, 2, 4, 3}},
			}),
			want: &Hello{
				Version: 0x0303, ECExt: true, SupportedGroups: []uint16{29, 23},
				SupportedVersions: []uint16{0x0304, 0x0303}, KeyShareGroups: []uint16{29},
				SignatureAlgorithms: []uint16{0x0403}, Extensions: []uint16{10, 43, 51, 13},
			},
		},
		{name: "duplicate extension", rec: build(0x0303, []ext{{0, sni(0, 0, 1, 'a')}, {0, sni(0, 0, 1, 'b')}}), wantErr: ErrNotHello},
		{name: "sni name overruns list", rec: build(0x0303, []ext{{0, sni(0, 0, 9, 'a')}}), wantErr: ErrNotHello},
		{name: "sni empty list", rec: build(0x0303, []ext{{0, []byte{0, 0}}}), wantErr: ErrNotHello},
		{name: "alpn empty name", rec: build(0x0303, []ext{{extALPN, []byte{0, 1, 0}}}), wantErr: ErrNotHello},
		{name: "alpn trailing byte", rec: build(0x0303, []ext{{extALPN, []byte{0, 3, 2, 'h', '2', 0}}}), wantErr: ErrNotHello},
		{name: "odd supported versions", rec: build(0x0303, []ext{{extSupportedVersions, []byte{3, 3, 4, 3}}}), wantErr: ErrNotHello},
		{name: "key share overrun", rec: build(0x0303, []ext{{extKeyShare, []byte{0, 4, 0, 29, 0, 9}}}), wantErr: ErrNotHello},
		{name: "client version 2", rec: build(0x0200, nil), wantErr: ErrNotHello},
		{name: "plain http", rec: []byte("GET / HTTP/1.1\r\n"), wantErr: ErrNotHello},
		{name: "plain http first byte", rec: []byte("G"), wantErr: ErrNotHello},
		{name: "record major version 2", rec: []byte{0x16, 2}, wantErr: ErrNotHello},
		{name: "record too long", rec: []byte{0x16, 3, 1, 0x40, 0x01}, wantErr: ErrNotHello},
		{name: "empty record", rec: []byte{0x16, 3, 1, 0, 0}, wantErr: ErrNotHello},
		{name: "server hello", rec: []byte{0x16, 3, 3, 0, 4, 2, 0, 0, 0}, wantErr: ErrNotHello},
		{name: "empty", rec: nil, wantErr: ErrIncomplete},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := Parse(tc.rec)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Len = len(tc.rec)
			tc.want.RecordVersion = 0x0301
			tc.want.SessionID = []byte{}
			tc.want.CipherSuites = []uint16{0x1301}
			tc.want.CompressionMethods = []byte{0}
			if diff := cmp.Diff(tc.want, h); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseFragmented splits a real ClientHello over two records, which
// HAProxy cannot read either.
func TestParseFragmented(t *testing.T) {
	t.Parallel()
	rec := capture(t, &tls.Config{ServerName: "example.com"})
	msg := rec[recordHeaderLen:]
	half := len(msg) / 2
	var split []byte
	for _, part := range [][]byte{msg[:half], msg[half:]} {
		split = append(split, recordTypeHandshake, rec[1], rec[2], byte(len(part)>>8), byte(len(part)))
		split = append(split, part...)
	}
	if _, err := Parse(split); !errors.Is(err, ErrFragmented) || !errors.Is(err, ErrNotHello) {
		t.Fatalf("error %v, want ErrFragmented", err)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	// An SSLv2-format CLIENT-HELLO asking for TLS 1.0, with one cipher, no
	// session id and a 16-byte challenge: 9+3+0+16 = 28 bytes.
	v2 := append([]byte{0x80, 28, 1, 3, 1, 0, 3, 0, 0, 0, 16, 0, 0, 0x2f}, make([]byte, 16)...)
	tests := []struct {
		name    string
		in      []byte
		want    int
		wantErr error
	}{
		{name: "sslv2 hello", in: v2, want: 0x30001},
		{name: "sslv2 hello truncated", in: v2[:len(v2)-1], wantErr: ErrIncomplete},
		{name: "sslv2 long header truncated", in: []byte{0x00, 28}, wantErr: ErrIncomplete},
		{name: "sslv2 bad challenge", in: []byte{0x80, 28, 1, 3, 1, 0, 3, 0, 0, 0, 8}, wantErr: ErrNotHello},
		{name: "sslv2 not a hello", in: []byte{0x80, 28, 2}, wantErr: ErrNotHello},
		{name: "tls record any type", in: []byte{0x15, 3, 1, 0, 6, 1, 0, 0, 2, 3, 2}, want: 0x30002},
		{name: "tls record too short", in: []byte{0x16, 3, 1, 0, 5, 1, 0, 0, 1, 3, 2}, wantErr: ErrNotHello},
		{name: "plain http", in: []byte("GET / HTTP/1.1\r\n"), wantErr: ErrNotHello},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Version(tc.in)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("Version = %#x, %v; want %#x, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestHelloType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []byte
		want    int
		wantErr error
	}{
		{name: "server hello", in: []byte{0x16, 3, 3, 0, 4, 2, 0, 0, 0}, want: 2},
		{name: "body missing", in: []byte{0x16, 3, 3, 0, 6, 1, 0, 0, 2, 3}, wantErr: ErrIncomplete},
		{name: "record too short", in: []byte{0x16, 3, 3, 0, 3, 1, 0, 0, 0}, wantErr: ErrNotHello},
		{name: "sslv2", in: []byte{0x80, 28, 1, 3, 1, 0, 3, 0, 0}, wantErr: ErrNotHello},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := HelloType(tc.in)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("HelloType = %d, %v; want %d, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(capture(f, &tls.Config{ServerName: "example.com", NextProtos: []string{"h2", "http/1.1"}}))
	f.Add(capture(f, &tls.Config{ServerName: "example.com", MaxVersion: tls.VersionTLS12}))
	f.Add(build(0x0303, []ext{{extKeyShare, []byte{0, 6, 0, 29, 0, 2, 0xaa, 0xbb}}}))
	f.Add([]byte{0x80, 28, 1, 3, 1, 0, 3, 0, 0, 0, 16})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Cap the capacity so that reading past len(b) panics instead of
		// silently reading the slice's spare capacity.
		b = b[:len(b):len(b)]
		h, err := Parse(b)
		if err == nil && (h.Len > len(b) || h.Len < recordHeaderLen) {
			t.Fatalf("Len %d for %d bytes", h.Len, len(b))
		}
		if err != nil && h != nil {
			t.Fatal("hello with an error")
		}
		_, _ = Version(b)
		_, _ = HelloType(b)
	})
}

func BenchmarkParse(b *testing.B) {
	rec := capture(b, &tls.Config{ServerName: "www.example.com", NextProtos: []string{"h2", "http/1.1"}})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(rec); err != nil {
			b.Fatal(err)
		}
	}
}
