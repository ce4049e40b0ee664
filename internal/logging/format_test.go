package logging

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
)

// cet is a fixed zone so that local-time fields do not depend on TZ.
var cet = time.FixedZone("CET", 3600)

// httpEntry is the request of configuration.txt's HTTP log example.
func httpEntry() *Entry {
	accept := time.Date(2009, time.February, 6, 12, 14, 14, 655_000_000, cet)
	return &Entry{
		ClientAddr:   netip.MustParseAddrPort("10.0.1.2:33317"),
		FrontendAddr: netip.MustParseAddrPort("10.0.3.31:80"),
		ServerAddr:   netip.MustParseAddrPort("127.0.0.1:8000"),
		Accept:       accept,
		ReqStart:     accept,
		Frontend:     "http-in",
		Backend:      "static",
		Server:       "srv1",
		TR:           10 * time.Millisecond,
		Tw:           0,
		Tc:           30 * time.Millisecond,
		Tr:           69 * time.Millisecond,
		Ta:           109 * time.Millisecond,
		Tt:           150 * time.Millisecond,
		Th:           0,
		Ti:           41 * time.Millisecond,
		Status:       200,
		BytesOut:     2750,
		BytesIn:      512,
		TermState:    [2]byte{'-', '-'},
		ActConn:      1, FeConn: 1, BeConn: 1, SrvConn: 1, Retries: 0,
		RequestLine: "GET /index.html HTTP/1.1",
		CapturedReq: []string{"haproxy.1wt.eu"},
		CapturedRes: []string{""},
		PID:         14389,
	}
}

// tcpEntry is the session of configuration.txt's TCP log example.
func tcpEntry() *Entry {
	return &Entry{
		ClientAddr: netip.MustParseAddrPort("10.0.1.2:33313"),
		Accept:     time.Date(2009, time.February, 6, 12, 12, 51, 443_000_000, cet),
		Frontend:   "fnt",
		Backend:    "bck",
		Server:     "srv1",
		TR:         -1, Tr: -1, Ta: -1,
		Tt:        5007 * time.Millisecond,
		Status:    -1,
		BytesOut:  212,
		BytesIn:   57,
		TermState: [2]byte{'-', '-'},
		Retries:   3,
	}
}

func TestBuiltinFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		entry  *Entry
		want   string
	}{
		{
			name:   "httplog",
			format: HTTPLogFormat,
			entry:  httpEntry(),
			want:   `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {haproxy.1wt.eu} {} "GET /index.html HTTP/1.1"`,
		},
		{
			name:   "httplog clf",
			format: HTTPLogCLFFormat,
			entry:  httpEntry(),
			want:   `10.0.1.2 - - [06/Feb/2009:11:14:14 +0000] "GET /index.html HTTP/1.1" 200 2750 "" "" 33317 655 "http-in" "static" "srv1" 10 0 30 69 109 ---- 1 1 1 1 0 0 0 "" "" "haproxy.1wt.eu" ""`,
		},
		{
			name:   "tcplog",
			format: TCPLogFormat,
			entry:  tcpEntry(),
			want:   `10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0`,
		},
		{
			name:   "tcplog clf",
			format: TCPLogCLFFormat,
			entry:  tcpEntry(),
			want:   `10.0.1.2 - - [06/Feb/2009:11:12:51 +0000] "TCP " 000 212 "" "" 33313 443 "fnt" "bck" "srv1" 0 0 0 5007 57 ---- 0 0 0 0 3 0 0 "" "" `,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFormat(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(f.Append(nil, tc.entry)); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestAppendAliases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		edit   func(e *Entry)
		want   string
	}{
		{name: "dates", format: "%t|%tr|%T|%trg|%Tl|%trl|%Ts|%ms", want: "06/Feb/2009:12:14:14.655|06/Feb/2009:12:14:14.700|06/Feb/2009:11:14:14 +0000|06/Feb/2009:11:14:14 +0000|06/Feb/2009:12:14:14 +0100|06/Feb/2009:12:14:14 +0100|1233918854|655",
			edit: func(e *Entry) { e.ReqStart = e.Accept.Add(45 * time.Millisecond) }},
		{name: "request date defaults to accept", format: "%tr", want: "06/Feb/2009:12:14:14.655", edit: func(e *Entry) { e.ReqStart = time.Time{} }},
		{name: "derived timers", format: "%Th %Ti %Tq %Td %Tu", want: "0 41 51 0 109"},
		{name: "negative timers", format: "%TR/%Tw/%Tc/%Tr/%Tq/%Td", want: "-1/-1/-1/-1/-1/-1",
			edit: func(e *Entry) { e.TR, e.Tw, e.Tc, e.Tr = -1, -time.Second, -1, -1 }},
		{name: "logasap", format: "%Ta %Tt %Tu %B %U", want: "+109 +150 +109 +2750 512", edit: func(e *Entry) { e.Partial = true }},
		{name: "redispatch", format: "%rc", want: "+2", edit: func(e *Entry) { e.Retries, e.Redispatched = 2, true }},
		{name: "addresses", format: "%ci:%cp %fi:%fp %si:%sp %bi:%bp", want: "10.0.1.2:33317 10.0.3.31:80 127.0.0.1:8000 -:-"},
		{name: "ipv6", format: "%ci %cp", want: "2001:db8::1 443", edit: func(e *Entry) { e.ClientAddr = netip.MustParseAddrPort("[2001:db8::1]:443") }},
		{name: "hex", format: "%{+X}ci:%{+X}cp %{+X}pid %{+X}Ts %{+X}ms %{+X}rt", want: "0A000102:8225 3835 498C1B86 28F 002A",
			edit: func(e *Entry) { e.RequestCounter = 42 }},
		{name: "hex ipv6", format: "%{+X}ci", want: "20010DB8000000000000000000000001", edit: func(e *Entry) { e.ClientAddr = netip.MustParseAddrPort("[2001:db8::1]:443") }},
		{name: "quote", format: "%{+Q}o %f %b %s %ci %cp %ST %ts %r", want: `"http-in" "static" "srv1" "10.0.1.2" 33317 200 -- "GET /index.html HTTP/1.1"`},
		{name: "quote empty", format: "%{+Q}CC %{+Q}ci", want: `"" ""`, edit: func(e *Entry) { e.ClientAddr = netip.AddrPort{} }},
		{name: "mandatory off", format: "[%{-M}CC]", want: "[]"},
		{name: "signless option ignored", format: "%{Q}o %b", want: "static"},
		{name: "escape", format: "%{+E}CC %{+E,+Q}r", want: `a\"b\\c\] "GET /#22a\] HTTP/1.1"`,
			edit: func(e *Entry) { e.ReqCookie, e.RequestLine = `a"b\c]`, `GET /"a] HTTP/1.1` }},
		{name: "request encoding", format: "%r", want: "GET /a#09b#23#C3#A9 HTTP/1.1", edit: func(e *Entry) { e.RequestLine = "GET /a\tb#é HTTP/1.1" }},
		{name: "no server", format: "%b/%s", want: "static/<NOSRV>", edit: func(e *Entry) { e.Server = "" }},
		{name: "frontend tls", format: "%ft %f", want: "http-in~ http-in", edit: func(e *Entry) { e.FrontendTLS = true }},
		{name: "term state with cookie", format: "%ts %tsc", want: "cD cDNI", edit: func(e *Entry) { e.TermState, e.CookieState = [2]byte{'c', 'D'}, [2]byte{'N', 'I'} }},
		{name: "captures", format: "%hr %hs|%hrl|%hsl", want: "{a#7Cb|#7B#7D} {}|a#7Cb #7B#7D|-",
			edit: func(e *Entry) { e.CapturedReq = []string{"a|b", "{}"} }},
		{name: "no captures leave no gap", format: "%ST %hr %hs %hrl %hsl %B", want: "200 2750", edit: func(e *Entry) { e.CapturedReq, e.CapturedRes = nil, nil }},
		{name: "http parts", format: "%HM|%HU|%HP|%HPO|%HQ|%HV", want: "GET|http://h/p/a?x=1|http://h/p/a|/p/a|?x=1|HTTP/1.1",
			edit: func(e *Entry) { e.RequestLine = "GET http://h/p/a?x=1 HTTP/1.1" }},
		{name: "http/0.9", format: "%HV %HQ", want: "HTTP/0.9 ", edit: func(e *Entry) { e.RequestLine = "GET /" }},
		{name: "bad request", format: "%r|%HM|%HU|%HP|%HPO|%HQ|%HV", want: "<BADREQ>|<BADREQ>|<BADREQ>|<BADREQ>|<BADREQ>|<BADREQ>|<BADREQ>",
			edit: func(e *Entry) { e.RequestLine = "" }},
		{name: "misc", format: "%ID %sslv %sslc %lc %rt %pid %ac/%fc/%bc/%sc %sq/%bq", want: "abc TLSv1.3 TLS_AES_128_GCM_SHA256 7 9 14389 1/2/3/4 5/6",
			edit: func(e *Entry) {
				e.UniqueID, e.TLSVersion, e.TLSCipher, e.LogCounter, e.RequestCounter = "abc", "TLSv1.3", "TLS_AES_128_GCM_SHA256", 7, 9
				e.ActConn, e.FeConn, e.BeConn, e.SrvConn, e.SrvQueue, e.BackendQueue = 1, 2, 3, 4, 5, 6
			}},
		{name: "literal percent and merged spaces", format: "  100%%   %b  ", want: "100% static "},
		{name: "percent before punctuation is dropped", format: "%-x", want: "-x"},
		{name: "named items", format: "%(client)ci %(b:str){+Q}b", want: `10.0.1.2 "static"`},
		{name: "hostname", format: "%H", want: hostname()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFormat(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			e := httpEntry()
			if tc.edit != nil {
				tc.edit(e)
			}
			want := tc.want
			if tc.name == "hostname" && want == "" {
				want = "-"
			}
			if got := string(f.Append(nil, e)); got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func TestParseFormatErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, format, want string
	}{
		{name: "trailing percent", format: "abc %", want: "'%' at the end"},
		{name: "unknown alias", format: "%ci %foo", want: "unknown log-format variable '%foo'"},
		{name: "unknown alias after known prefix", format: "%Tqx", want: "'%Tqx'"},
		{name: "bad sample expression", format: "%[nope]", want: "unknown fetch method 'nope'"},
		{name: "unclosed sample expression", format: "%[src", want: "missing ']'"},
		{name: "unsupported converter", format: "%[src,jwt_header_query]", want: "not supported by hawser"},
		{name: "args without alias at end", format: "%{+Q}", want: "missing variable name"},
		{name: "unterminated args", format: "%{+Q", want: "missing '}'"},
		{name: "args without alias", format: "%{+Q} x", want: "'%{+Q}' is not followed by a variable name"},
		{name: "digit", format: "50%1", want: "'%' followed by '1'"},
		{name: "space", format: "50% off", want: "'%' followed by ' '"},
		{name: "unknown option", format: "%{+Z}r", want: `unknown option "Z"`},
		{name: "json", format: "%{+json}o %r", want: `option "json" is not supported by hawser`},
		{name: "unsupported alias", format: "%OG", want: "'%OG' is not supported by hawser"},
		{name: "bad name", format: "%(a b)r", want: "invalid character ' ' in item name"},
		{name: "bad type", format: "%(a:int)r", want: `unknown output type "int"`},
		{name: "unterminated name", format: "%(abc", want: "missing ')'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFormat(tc.format)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseFormat(%q) = %v, want error containing %q", tc.format, err, tc.want)
			}
		})
	}
}

func TestFormatString(t *testing.T) {
	t.Parallel()
	if got := MustParseFormat(TCPLogFormat).String(); got != TCPLogFormat {
		t.Errorf("String() = %q", got)
	}
}

// TestAppendDoesNotAllocate checks the steady-state promise of Append. It
// is not parallel: allocation counts are process-wide.
func TestAppendDoesNotAllocate(t *testing.T) {
	for _, s := range []string{HTTPLogFormat, HTTPLogCLFFormat, TCPLogFormat, TCPLogCLFFormat} {
		f := MustParseFormat(s)
		e := httpEntry()
		buf := f.Append(nil, e)
		if n := testing.AllocsPerRun(100, func() { buf = f.Append(buf[:0], e) }); n != 0 {
			t.Errorf("%s: %v allocations per Append", s, n)
		}
	}
}

func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{HTTPLogFormat, HTTPLogCLFFormat, TCPLogFormat, TCPLogCLFFormat,
		"%", "%{", "%(", "%(a:str){+Q,-M,+X,+E}r", "%%%", "%{+Q}o %[src]", "%-", "% 1"} {
		f.Add(s)
	}
	e := httpEntry()
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := ParseFormat(s)
		if err != nil {
			return
		}
		line := fm.Append(nil, e)
		again, err := ParseFormat(fm.String())
		if err != nil {
			t.Fatalf("reparse %q: %v", s, err)
		}
		if got := again.Append(nil, e); string(got) != string(line) {
			t.Fatalf("reparse %q: %q != %q", s, got, line)
		}
	})
}

func BenchmarkAppendHTTPLog(b *testing.B) {
	f := MustParseFormat(HTTPLogFormat)
	e := httpEntry()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = f.Append(buf[:0], e)
	}
}

func TestForProxy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		proxy config.Proxy
		want  string // format source, "" for nil
	}{
		{name: "nothing", proxy: config.Proxy{Mode: config.ModeHTTP}},
		{name: "httplog", proxy: config.Proxy{Mode: config.ModeHTTP, HTTPLog: true}, want: HTTPLogFormat},
		{name: "httplog clf", proxy: config.Proxy{Mode: config.ModeHTTP, HTTPLog: true, HTTPLogCLF: true}, want: HTTPLogCLFFormat},
		{name: "httplog in tcp mode", proxy: config.Proxy{Mode: config.ModeTCP, HTTPLog: true}, want: TCPLogFormat},
		{name: "tcplog", proxy: config.Proxy{TCPLog: true}, want: TCPLogFormat},
		{name: "log-format wins", proxy: config.Proxy{Mode: config.ModeHTTP, HTTPLog: true, LogFormat: "%ci %r"}, want: "%ci %r"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := ForProxy(&tc.proxy)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if f != nil {
				got = f.String()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ForProxy(&config.Proxy{LogFormat: "%bogus"}); err == nil {
		t.Error("ForProxy accepted an invalid log-format")
	}
}
