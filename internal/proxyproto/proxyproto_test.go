package proxyproto

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	src4 = netip.MustParseAddrPort("192.0.2.1:56324")
	dst4 = netip.MustParseAddrPort("198.51.100.7:443")
	src6 = netip.MustParseAddrPort("[2001:db8::1]:1000")
	dst6 = netip.MustParseAddrPort("[2001:db8::2]:80")
)

func v2(verCmd, fam byte, body []byte) []byte {
	b := append([]byte(nil), v2Sig...)
	b = append(b, verCmd, fam, byte(len(body)>>8), byte(len(body)))
	return append(b, body...)
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []byte
		want    *Header
		wantLen int
		err     error
	}{
		{name: "v1 tcp4", in: []byte("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET"),
			want: &Header{Version: 1, Src: src4, Dst: dst4}, wantLen: 45},
		{name: "v1 tcp6", in: []byte("PROXY TCP6 2001:db8::1 2001:db8::2 1000 80\r\n"),
			want: &Header{Version: 1, Src: src6, Dst: dst6}, wantLen: 44},
		{name: "v1 unknown", in: []byte("PROXY UNKNOWN\r\n"), want: &Header{Version: 1, Local: true}, wantLen: 15},
		{name: "v1 unknown with junk", in: []byte("PROXY UNKNOWN ffff::1 x y z\r\n"), want: &Header{Version: 1, Local: true}, wantLen: 29},
		{name: "v1 prefix", in: []byte("PROXY TCP4 192.0"), err: ErrIncomplete},
		{name: "v1 short prefix", in: []byte("PRO"), err: ErrIncomplete},
		{name: "empty", in: nil, err: ErrIncomplete},
		{name: "v1 bare LF", in: []byte("PROXY TCP4 192.0.2.1 198.51.100.7 1 2\n"), err: ErrInvalid},
		{name: "v1 family mismatch", in: []byte("PROXY TCP4 2001:db8::1 198.51.100.7 1 2\r\n"), err: ErrInvalid},
		{name: "v1 port leading zero", in: []byte("PROXY TCP4 192.0.2.1 198.51.100.7 01 2\r\n"), err: ErrInvalid},
		{name: "v1 port too big", in: []byte("PROXY TCP4 192.0.2.1 198.51.100.7 65536 2\r\n"), err: ErrInvalid},
		{name: "v1 double space", in: []byte("PROXY TCP4  192.0.2.1 198.51.100.7 1 2\r\n"), err: ErrInvalid},
		{name: "v1 udp", in: []byte("PROXY UDP4 192.0.2.1 198.51.100.7 1 2\r\n"), err: ErrInvalid},
		{name: "v1 too long", in: append([]byte("PROXY UNKNOWN "), bytes.Repeat([]byte("x"), 100)...), err: ErrInvalid},
		{name: "not proxy", in: []byte("GET / HTTP/1.1\r\n"), err: ErrInvalid},
		{name: "lowercase", in: []byte("proxy TCP4 192.0.2.1 198.51.100.7 1 2\r\n"), err: ErrInvalid},
		{name: "v2 tcp4", in: AppendV2(nil, src4, dst4, nil), want: &Header{Version: 2, Src: src4, Dst: dst4}, wantLen: 28},
		{name: "v2 tcp6", in: AppendV2(nil, src6, dst6, nil), want: &Header{Version: 2, Src: src6, Dst: dst6}, wantLen: 52},
		{name: "v2 tlv", in: AppendV2(nil, src4, dst4, []byte{0x04, 0x00, 0x01, 'x'}),
			want: &Header{Version: 2, Src: src4, Dst: dst4, TLVs: []byte{0x04, 0x00, 0x01, 'x'}}, wantLen: 32},
		{name: "v2 local", in: v2(0x20, 0x00, nil), want: &Header{Version: 2, Local: true}, wantLen: 16},
		{name: "v2 unix stream", in: v2(0x21, 0x31, make([]byte, 216)), want: &Header{Version: 2, Local: true}, wantLen: 232},
		{name: "v2 udp4", in: v2(0x21, 0x12, make([]byte, 12)), want: &Header{Version: 2, Local: true}, wantLen: 28},
		{name: "v2 prefix", in: AppendV2(nil, src4, dst4, nil)[:20], err: ErrIncomplete},
		{name: "v2 sig prefix", in: v2Sig[:5], err: ErrIncomplete},
		{name: "v2 bad version", in: v2(0x11, 0x11, make([]byte, 12)), err: ErrInvalid},
		{name: "v2 bad command", in: v2(0x22, 0x11, make([]byte, 12)), err: ErrInvalid},
		{name: "v2 bad family", in: v2(0x21, 0x41, make([]byte, 12)), err: ErrInvalid},
		{name: "v2 short address", in: v2(0x21, 0x11, make([]byte, 8)), err: ErrInvalid},
		{name: "v2 truncated tlv", in: v2(0x21, 0x11, append(make([]byte, 12), 0x04, 0x00)), err: ErrInvalid},
		{name: "v2 overrunning tlv", in: v2(0x21, 0x11, append(make([]byte, 12), 0x04, 0x00, 0x09, 1)), err: ErrInvalid},
		{name: "v2 bad signature", in: []byte("\r\n\r\n\x00\r\nQUIX\n\x21\x11\x00\x0c"), err: ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, n, err := Parse(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Parse = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tc.want, h, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if n != tc.wantLen {
				t.Errorf("length = %d, want %d", n, tc.wantLen)
			}
		})
	}
}

// TestReadStopsAtHeader checks that Read leaves the bytes after the header
// unread, for every header kind.
func TestReadStopsAtHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hdr  []byte
	}{
		{name: "v1 tcp4", hdr: AppendV1(nil, src4, dst4)},
		{name: "v1 tcp6", hdr: AppendV1(nil, src6, dst6)},
		{name: "v1 unknown", hdr: AppendV1(nil, src4, dst6)},
		{name: "v2 tcp4", hdr: AppendV2(nil, src4, dst4, nil)},
		{name: "v2 local", hdr: AppendV2(nil, netip.AddrPort{}, netip.AddrPort{}, nil)},
		{name: "v2 tlv", hdr: AppendV2(nil, src6, dst6, bytes.Repeat([]byte{1, 0, 0}, 50))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := bytes.NewReader(append(append([]byte(nil), tc.hdr...), "payload"...))
			if _, err := Read(r); err != nil {
				t.Fatalf("Read: %v", err)
			}
			rest := make([]byte, 16)
			n, _ := r.Read(rest)
			if got := string(rest[:n]); got != "payload" {
				t.Errorf("left %q, want %q", got, "payload")
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
	}{
		{name: "closed early", in: "PROXY TCP4 1.2.3.4"},
		{name: "garbage", in: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "empty", in: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Read(bytes.NewReader([]byte(tc.in))); !errors.Is(err, ErrInvalid) {
				t.Errorf("Read = %v, want ErrInvalid", err)
			}
		})
	}
}

// FuzzParse checks that Parse never panics, never claims more bytes than
// it got, and that what it accepts round-trips through the writers.
func FuzzParse(f *testing.F) {
	f.Add([]byte("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add(AppendV2(nil, src6, dst6, []byte{1, 0, 1, 'h'}))
	f.Add(v2(0x20, 0x00, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := Parse(b)
		if err != nil {
			if h != nil || n != 0 {
				t.Fatalf("error %v with a header", err)
			}
			if !errors.Is(err, ErrIncomplete) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("unexpected error kind %v", err)
			}
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("length %d of %d bytes", n, len(b))
		}
		if h.Local {
			return
		}
		var again []byte
		if h.Version == 1 {
			again = AppendV1(nil, h.Src, h.Dst)
		} else {
			again = AppendV2(nil, h.Src, h.Dst, h.TLVs)
		}
		h2, _, err := Parse(again)
		if err != nil || h2.Src != h.Src || h2.Dst != h.Dst {
			t.Fatalf("round trip of %+v: %+v, %v", h, h2, err)
		}
		// Read must agree with Parse on the same bytes.
		if _, err := Read(bytes.NewReader(b[:n])); err != nil {
			t.Fatalf("Read rejects what Parse accepted: %v", err)
		}
	})
}
