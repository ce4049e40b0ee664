// Package config turns parsed haproxy.cfg text into a validated, immutable
// Snapshot. Keywords are declared in tables next to the feature that
// implements them (see keywords*.go); the tables also generate docs/config.md.
package config

import (
	"net/netip"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Mode is a proxy's "mode".
type Mode int

// Proxy modes.
const (
	ModeTCP Mode = iota
	ModeHTTP
)

func (m Mode) String() string {
	if m == ModeHTTP {
		return "http"
	}
	return "tcp"
}

// MarshalText writes the mode as in the configuration, for readable JSON.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// MarshalText writes the connection mode as the option that selects it.
func (m ConnMode) MarshalText() ([]byte, error) {
	switch m {
	case ServerClose:
		return []byte("http-server-close"), nil
	case HTTPClose:
		return []byte("httpclose"), nil
	}
	return []byte("http-keep-alive"), nil
}

// Snapshot is a complete configuration. Once published it is never mutated.
type Snapshot struct {
	Global    Global
	Frontends []*Frontend // frontends and the frontend half of listen sections, in file order
	Backends  []*Backend  // backends and the backend half of listen sections, in file order
	Userlists []*Userlist
	// Rings are the "ring" sections and LogForwards the "log-forward"
	// sections, in file order.
	Rings []*Ring `json:",omitempty"`
	// Resolvers are the "resolvers" sections.
	Resolvers   []*Resolvers  `json:",omitempty"`
	LogForwards []*LogForward `json:",omitempty"`
	// Files are the parsed files this snapshot came from, kept for the
	// writer (Data Plane API). Nil for snapshots built in code.
	Files []*cfgfile.File
	// Warnings are problems that did not prevent loading, printed by the
	// command as "[WARNING] FILE:LINE : message".
	Warnings []*Error
}

// Backend returns the backend called name, or nil.
func (s *Snapshot) Backend(name string) *Backend {
	for _, b := range s.Backends {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// Global is the global section.
type Global struct {
	Pos     cfgfile.Pos
	MaxConn int // 0 = no limit
	// ExternalCheck is the global "external-check": it allows backends
	// to run programs as health checks.
	ExternalCheck bool
	// StrictLimits is "strict-limits": refuse to run when the open file
	// limit cannot hold maxconn proxied connections.
	StrictLimits bool
	NbThread     int // 0 = all cores
	Daemon       bool
	PidFile      string
	User, Group  string
	Chroot       string
	BufSize      int // tune.bufsize, default 16384
	// NoSplice is "nosplice": bodies are copied through the buffers,
	// never spliced (internal/l7/splice.go).
	NoSplice      bool `json:",omitempty"`
	Logs          []LogTarget
	StatsSocket   []StatsSocket
	HardStopAfter time.Duration
	// ServerStateFile and ServerStateBase are "server-state-file" and
	// "server-state-base".
	ServerStateFile string `json:",omitzero"`
	ServerStateBase string `json:",omitzero"`

	UID, GID        int     // uid, gid; 0 = unset
	MaxRewrite      int     // tune.maxrewrite, default 8192
	LogSendHostname *string // log-send-hostname: nil = off, "" = the system host name
	LogTag          string  `json:",omitempty"` // log-tag: the syslog tag, "" = the program name
	StatsTimeout    time.Duration
	StatsMaxConn    int
	SpreadChecks    int // percent, 0..50
	Node            string
	Description     string
	MasterWorker    bool
	// H2 are the tune.h2.* settings of HTTP/2 client connections.
	H2 H2Tune `json:",omitzero"`
	// Env are the setenv/presetenv/resetenv/unsetenv lines in order. LoadFiles
	// applies them to "${VAR}" expansion; the command applies them to the
	// process environment.
	Env []EnvVar

	// TLS settings (keywords_tls.go).
	CrtBase, CABase string `json:",omitempty"`
	// SSLServerVerify is ssl-server-verify: "" (required) or none.
	SSLServerVerify  string     `json:",omitempty"`
	SSLDefaultBind   TLSOptions `json:",omitzero"`
	SSLDefaultServer TLSOptions `json:",omitzero"`
}

// H2Tune are the global tune.h2.* settings; zero means unset (HAProxy's
// default applies).
type H2Tune struct {
	MaxConcurrentStreams   int `json:",omitempty"` // tune.h2.max-concurrent-streams
	FeMaxConcurrentStreams int `json:",omitempty"` // tune.h2.fe.max-concurrent-streams, wins over the above
	InitialWindowSize      int `json:",omitempty"` // tune.h2.initial-window-size
	FeInitialWindowSize    int `json:",omitempty"` // tune.h2.fe.initial-window-size, wins over the above
	// FeGlitchesThreshold is tune.h2.fe.glitches-threshold: a client
	// connection whose glitch count reaches it is closed (0: never).
	FeGlitchesThreshold int `json:",omitempty"`
}

// EnvVar is one setenv, presetenv, resetenv or unsetenv line.
type EnvVar struct {
	Pos   cfgfile.Pos
	Op    string // setenv, presetenv, resetenv, unsetenv
	Name  string // setenv/presetenv/unsetenv: the variable; resetenv: "" (Names lists the kept ones)
	Value string
	Names []string // resetenv: variables kept; unsetenv: all variables named
}

// LogTarget is one "log" line.
type LogTarget struct {
	Pos      cfgfile.Pos
	Global   bool   // "log global" in a proxy: use the global targets
	Address  string // "stdout", "stderr", "127.0.0.1:514", "/dev/log", "ring@x"
	Format   string // raw, rfc3164, rfc5424, short, ...; "" means rfc3164
	Len      int
	Facility string
	Level    string // max level, "" = all
	MinLevel string
	// Sample is "sample <ranges>:<size>": of every Size lines, only those
	// whose position (1..Size) is in Ranges are sent. Nil sends all.
	Sample *LogSample `json:",omitempty"`
}

// LogSample is the "sample" option of a "log" line.
type LogSample struct {
	Ranges [][2]int // inclusive, 1-based, each within 1..Size
	Size   int
}

// StatsSocket is a "stats socket" line; it is served by the runtime API.
type StatsSocket struct {
	Pos     cfgfile.Pos
	Address string
	Mode    uint32 // unix socket permissions, 0 = default
	Level   string // user, operator, admin
	Options []string
}

// Timeouts are a proxy's "timeout" settings; zero means not set.
type Timeouts struct {
	Client        time.Duration
	Server        time.Duration
	Connect       time.Duration
	Queue         time.Duration
	Tunnel        time.Duration
	HTTPRequest   time.Duration
	HTTPKeepAlive time.Duration
	Check         time.Duration
	ClientFin     time.Duration
	ServerFin     time.Duration
	Tarpit        time.Duration
}

// ConnMode is the HTTP connection mode chosen with option http-keep-alive /
// http-server-close / httpclose.
type ConnMode int

// HTTP connection modes.
const (
	KeepAlive   ConnMode = iota // the default
	ServerClose                 // keep the client side alive, close the server side
	HTTPClose                   // close both sides after each response
)

// Forwardfor is "option forwardfor".
type Forwardfor struct {
	Enabled bool
	Header  string // default "X-Forwarded-For"
	Except  string // a network (CIDR) whose clients get no header
	IfNone  bool
}

// Proxy holds what frontends, backends and defaults share.
type Proxy struct {
	Pos        cfgfile.Pos
	Name       string
	Listen     bool // declared in a listen section
	Mode       Mode
	Timeouts   Timeouts
	Logs       []LogTarget
	NoLog      bool
	HTTPLog    bool // option httplog
	HTTPLogCLF bool // option httplog clf
	// HTTPSLog is "option httpslog": the httplog line plus TLS fields.
	HTTPSLog    bool `json:",omitempty"`
	TCPLog      bool // option tcplog
	DontLogNull bool
	// SocketStats is "option socket-stats": statistics per listening
	// socket (listener rows, haproxy_listener_* metrics).
	SocketStats bool `json:",omitempty"`
	// LogSeparateErrors and DontLogNormal are "option log-separate-errors"
	// and "option dontlog-normal" (see logging.Entry.IsError).
	LogSeparateErrors bool `json:",omitempty"`
	DontLogNormal     bool `json:",omitempty"`
	// LogASAP is "option logasap": log before the end, totals partial.
	LogASAP   bool `json:",omitempty"`
	LogFormat string
	// ErrorLogFormat is "error-log-format": the line logged for a
	// connection that failed before a stream (a TLS handshake error).
	ErrorLogFormat string `json:",omitempty"`
	LogTag         string `json:",omitempty"` // log-tag; "" = the global one
	// UniqueIDFormat and UniqueIDHeader are unique-id-format and
	// unique-id-header.
	UniqueIDFormat string `json:",omitempty"`
	UniqueIDHeader string `json:",omitempty"`
	ConnMode       ConnMode
	Forwardfor     Forwardfor
	MaxConn        int
	Disabled       bool
	ACLs           []*ACL // named ACLs, in order
	// HTTPRequest are the http-request rules in order.
	HTTPRequest []*HTTPRule
	// HTTPResponse are the http-response rules in order.
	HTTPResponse []*HTTPRule
	// HTTPAfterResponse are the http-after-response rules in order; they
	// also apply to responses the proxy generates.
	HTTPAfterResponse []*HTTPRule `json:",omitempty"`
	// StickTable is the proxy's "stick-table" line, nil if none.
	StickTable *StickTable `json:",omitempty"`
	Redirects  []*HTTPRule // "redirect" lines, as http-request redirect rules
	// ErrorFiles maps a status code to a file's full contents (a complete
	// HTTP response, as HAProxy's errorfile).
	ErrorFiles map[int][]byte

	Description string
	ID          int // "id"; 0 = assigned automatically
	// TCP are the tcp-request and tcp-response rules (keywords_tcp.go).
	TCP TCPRules `json:",omitzero"`
	// HTTPBufferRequest is "option http-buffer-request": the request body
	// is buffered before the proxy's http-request rules run.
	HTTPBufferRequest bool `json:",omitempty"`
	// DefaultsRules are the rules of the named defaults section the proxy
	// inherits from, run before its own; nil if that section has none.
	DefaultsRules *DefaultsRules `json:",omitempty"`
	// Stats is the stats page served by this proxy, nil if none
	// (keywords_statspage.go).
	Stats *Stats `json:",omitempty"`
}

// Frontend is a frontend (or the frontend half of a listen section).
type Frontend struct {
	Proxy
	Binds          []*Bind
	DefaultBackend string
	UseBackends    []*UseBackend
	Backlog        int
	// MonitorURI answers 200 to requests for this path (monitor-uri).
	MonitorURI string
	// MonitorFail are the "monitor fail" conditions: monitor-uri answers
	// 503 instead of 200 when any of them holds.
	MonitorFail []*Cond `json:",omitempty"`
	// ReqCaptures and ResCaptures are the frontend's capture slots, each
	// numbered from 0 in declaration order ("capture request|response
	// header", "declare capture", "http-request capture ... len").
	ReqCaptures []Capture `json:",omitempty"`
	ResCaptures []Capture `json:",omitempty"`
}

// Bind is one "bind" line; a line with a port range or a comma list yields
// several Binds.
type Bind struct {
	Pos     cfgfile.Pos
	Network string // "tcp", "tcp4", "tcp6", "unix"
	Address string // host:port for tcp, a path for unix
	Name    string
	MaxConn int
	Backlog int
	Options []string // accepted options hawser ignores safely, for the writer
	// Mode is the unix socket permission bits (bind ... mode 600).
	Mode uint32
	// AcceptProxy is "accept-proxy": every connection starts with a
	// PROXY protocol header.
	AcceptProxy bool `json:",omitempty"`
	// Proto is the "proto" option: "h2" makes a cleartext bind speak
	// HTTP/2 with prior knowledge (h2c); "" or "h1" detects the protocol.
	Proto string `json:",omitempty"`
	// TLS holds ssl, crt and the other TLS options; nil when the line has
	// none.
	TLS *BindTLS `json:",omitempty"`
}

// UseBackend is "use_backend NAME if|unless COND".
type UseBackend struct {
	Pos cfgfile.Pos
	// Backend is the backend's name or, when Dynamic, a log-format string
	// that yields it for each request.
	Backend string
	Cond    *Cond // nil = always
}

// Dynamic reports whether the backend name is a log-format string
// ("use_backend be_%[req.hdr(host),lower]"), evaluated for each request
// as HAProxy does.
func (u *UseBackend) Dynamic() bool { return strings.Contains(u.Backend, "%") }

// Backend is a backend (or the backend half of a listen section).
type Backend struct {
	Proxy
	Balance Balance
	Servers []*Server
	// DefaultServer is the backend's default-server settings at the end
	// of the section, for "add server … from be:<backend>"; not part of
	// the JSON.
	DefaultServer *Server    `json:"-"`
	HTTPCheck     *HTTPCheck // nil unless option httpchk
	Retries       int        // default 3
	Redispatch    bool
	// RedispatchInterval is "option redispatch <interval>": 0 is the
	// default, -1 (redispatch on the last retry).
	RedispatchInterval int `json:",omitzero"`
	// RetryOn is "retry-on"; zero is the default, conn-failure.
	RetryOn   RetryOn `json:",omitzero"`
	HTTPReuse string  // never, safe (default), aggressive, always
	// LoadServerState is "load-server-state-from-file": "" (none),
	// "global" or "local"; ServerStateFileName is "server-state-file-name"
	// ("" or "use-backend-name": the backend's name).
	LoadServerState     string `json:",omitzero"`
	ServerStateFileName string `json:",omitzero"`
	FullConn            int

	AllBackups bool // option allbackups
	// PreferLastServer is "option prefer-last-server": a request goes to
	// the server its client connection's last request used, if usable.
	PreferLastServer bool
	// ExternalCheck is "option external-check" with "external-check
	// command" and "external-check path": checks run a program.
	ExternalCheck        bool   `json:",omitempty"`
	ExternalCheckCommand string `json:",omitempty"`
	ExternalCheckPath    string `json:",omitempty"`
	// Source is the backend's "source" line, nil without one.
	Source          *Source `json:",omitempty"`
	AbortOnClose    bool    // option abortonclose
	LogHealthChecks bool    // option log-health-checks

	// Persist is the server persistence configuration (keywords_persist.go).
	Persist Persist `json:",omitzero"`

	// Check is set by option tcp-check, redis-check and the other
	// protocol checks (keywords_check.go); nil for connect or httpchk.
	Check *CheckSpec `json:",omitempty"`
}

// Balance is "balance" and "hash-type".
type Balance struct {
	Algorithm string // roundrobin, static-rr, leastconn, first, source, uri, url_param, hdr, random
	// Param is the url_param name or the hdr() header name.
	Param string
	// URILen, URIDepth, URIWhole, URIPathOnly are "balance uri" options.
	URILen, URIDepth      int
	URIWhole, URIPathOnly bool
	HdrUseDomainOnly      bool
	RandomDraws           int    // random(<draws>), default 2
	HashType              string // map-based (default) or consistent
	HashFunc              string // sdbm (default), djb2, wt6, crc32, none
	Avalanche             bool
}

// Server is a "server" line with "default-server" settings applied.
type Server struct {
	Pos       cfgfile.Pos
	Name      string
	Address   string // host:port as given; port may be empty (use client's dst port)
	Weight    int    // 0..256, default 1
	Backup    bool
	Disabled  bool
	MaxConn   int
	MaxQueue  int
	Check     bool
	Inter     time.Duration // default 2s
	FastInter time.Duration // default = Inter
	DownInter time.Duration // default = Inter
	Rise      int           // default 2
	Fall      int           // default 3
	CheckPort int
	CheckAddr string
	ID        int
	Cookie    string
	MinConn   int
	InitAddr  string // init-addr, as given
	// Resolvers names the resolvers section that resolves Address at run
	// time; ResolvePrefer is the address family preferred ("ipv4" or
	// "ipv6", the default) and ResolveNet the networks preferred;
	// ResolveOpts are the resolve-opts flags.
	Resolvers     string         `json:",omitempty"`
	ResolvePrefer string         `json:",omitempty"`
	ResolveNet    []netip.Prefix `json:",omitempty"`
	ResolveOpts   []string       `json:",omitempty"`
	// Socks4 is "socks4 <addr>:<port>": connect through this SOCKS4
	// proxy; CheckViaSocks4 sends health checks through it too.
	Socks4         string `json:",omitempty"`
	CheckViaSocks4 bool   `json:",omitempty"`
	// Track is "track [<backend>/]<server>": the server takes the up/down
	// state of that one instead of running checks.
	Track string `json:",omitempty"`
	// Template is set on the servers of a "server-template" line: with
	// resolvers, one without an address of its own stays in maintenance.
	Template bool `json:",omitempty"`
	// Source is the server's "source" (with "usesrc"); nil uses the
	// backend's.
	Source  *Source  `json:",omitempty"`
	Options []string // accepted options hawser ignores safely

	// Health-check options of keywords_check.go.
	Agent          *AgentCheck   `json:",omitempty"`
	InitState      string        `json:",omitempty"` // fully-up, up, down, fully-down
	Observe        string        `json:",omitempty"` // none, layer4, layer7
	ErrorLimit     int           `json:",omitempty"` // default 10
	OnError        string        `json:",omitempty"` // fastinter (default), fail-check, sudden-death, mark-down
	OnMarkedDown   string        `json:",omitempty"` // shutdown-sessions
	OnMarkedUp     string        `json:",omitempty"` // shutdown-backup-sessions
	SlowStart      time.Duration `json:",omitempty"`
	CheckSendProxy bool          `json:",omitempty"`
	// SendProxy is the PROXY protocol version sent first on every
	// connection to the server: 1 for "send-proxy", 2 for
	// "send-proxy-v2" (and its -ssl forms), 0 for none.
	SendProxy int `json:",omitempty"`
	// SendProxySSL adds the PP2_TYPE_SSL TLV ("send-proxy-v2-ssl");
	// SendProxySSLCN adds the client certificate's CN to it
	// ("send-proxy-v2-ssl-cn").
	SendProxySSL   bool `json:",omitempty"`
	SendProxySSLCN bool `json:",omitempty"`
	// Proto is "proto": "h2" speaks HTTP/2 to the server, "h1" or ""
	// HTTP/1.1. CheckProto is "check-proto" for HTTP checks.
	Proto      string `json:",omitempty"`
	CheckProto string `json:",omitempty"`
	// TLS holds ssl, verify, ca-file and the other TLS options; nil when
	// the line (and its default-server) has none.
	TLS *ServerTLS `json:",omitempty"`
}

// HTTP2 reports whether requests go to the server as HTTP/2 streams:
// "proto h2", or TLS whose ALPN offers h2 alone (the server can only
// choose it).
func (s *Server) HTTP2() bool {
	if s.Proto != "" {
		return s.Proto == "h2"
	}
	t := s.TLS
	return t != nil && t.SSL && len(t.ALPN) == 1 && t.ALPN[0] == "h2"
}

// HTTPCheck is "option httpchk" with its "http-check" lines.
type HTTPCheck struct {
	Pos     cfgfile.Pos
	Method  string // default OPTIONS
	URI     string // default /
	Version string // default HTTP/1.0
	Host    string
	Headers [][2]string // http-check send hdr
	Body    string
	Expect  *HTTPExpect // nil = status 2xx or 3xx
	// Rules are the http-check connect, send, expect and comment lines in
	// order; the fields above hold the first send merged into option
	// httpchk and the first expect.
	Rules        []*CheckRule `json:",omitempty"`
	DisableOn404 bool         `json:",omitempty"` // http-check disable-on-404
	SendState    bool         `json:",omitempty"` // http-check send-state
}

// HTTPExpect is "http-check expect".
type HTTPExpect struct {
	Negate bool
	Kind   string // status, rstatus, string, rstring
	Value  string
}

// ACL is a named "acl" line. Several lines with the same name OR together.
type ACL struct {
	Pos   cfgfile.Pos
	Name  string
	Words []string // criterion, flags and values as written
}

// Cond is an "if|unless <condition>" clause, kept as written; package acl
// compiles it.
type Cond struct {
	Pos    cfgfile.Pos
	Unless bool
	Words  []string
}

// HTTPRule is one http-request, http-response or http-after-response
// rule (or a "redirect" line), kept as written: package rules validates
// the arguments at load time and the engine compiles them.
type HTTPRule struct {
	Pos cfgfile.Pos
	// Action is the action as written, with any argument in parentheses
	// ("set-header", "set-var(txn.x)").
	Action string
	// Args are the words after the action, the condition removed.
	Args []string
	Cond *Cond
}

// Userlist is a "userlist" section.
type Userlist struct {
	Pos    cfgfile.Pos
	Name   string
	Users  []*User
	Groups []*Group
}

// User is a "user" line of a userlist.
type User struct {
	Pos      cfgfile.Pos
	Name     string
	Password string
	Insecure bool // insecure-password: plain text
	Groups   []string
}

// Group is a "group" line of a userlist.
type Group struct {
	Pos   cfgfile.Pos
	Name  string
	Users []string
}
