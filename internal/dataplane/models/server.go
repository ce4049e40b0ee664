package models

import (
	"fmt"
	"strconv"
	"strings"
)

// ServerParams are the options of server, server-template and
// default-server lines (the v3 "server_params" object). Option kinds are
// described in codec.go; maintenance, tlsv1x, sslv3, no_verifyhost and
// source are converted by serverCustom.
type ServerParams struct {
	Check              string `json:"check,omitempty" enum:"enabled,disabled" cfg:"check,onoff"`
	CheckSSL           string `json:"check-ssl,omitempty" enum:"enabled,disabled" cfg:"check-ssl,onoff"`
	CheckSendProxy     string `json:"check-send-proxy,omitempty" enum:"enabled,disabled" cfg:"check-send-proxy,onoff"`
	CheckViaSocks4     string `json:"check_via_socks4,omitempty" enum:"enabled,disabled" cfg:"check-via-socks4,onoff"`
	CheckSNI           string `json:"check-sni,omitempty" cfg:"check-sni,val"`
	CheckAlpn          string `json:"check_alpn,omitempty" cfg:"check-alpn,val"`
	CheckProto         string `json:"check_proto,omitempty" cfg:"check-proto,val"`
	HealthCheckAddress string `json:"health_check_address,omitempty" cfg:"addr,val"`
	HealthCheckPort    *int64 `json:"health_check_port,omitempty" cfg:"port,int"`
	Inter              *int64 `json:"inter,omitempty" cfg:"inter,ms"`
	Fastinter          *int64 `json:"fastinter,omitempty" cfg:"fastinter,ms"`
	Downinter          *int64 `json:"downinter,omitempty" cfg:"downinter,ms"`
	Rise               *int64 `json:"rise,omitempty" cfg:"rise,int"`
	Fall               *int64 `json:"fall,omitempty" cfg:"fall,int"`
	ErrorLimit         *int64 `json:"error_limit,omitempty" cfg:"error-limit,int"`
	Observe            string `json:"observe,omitempty" enum:"layer4,layer7" cfg:"observe,val"`
	OnError            string `json:"on-error,omitempty" enum:"fastinter,fail-check,sudden-death,mark-down" cfg:"on-error,val"`
	OnMarkedDown       string `json:"on-marked-down,omitempty" enum:"shutdown-sessions" cfg:"on-marked-down,val"`
	OnMarkedUp         string `json:"on-marked-up,omitempty" enum:"shutdown-backup-sessions" cfg:"on-marked-up,val"`
	AgentCheck         string `json:"agent-check,omitempty" enum:"enabled,disabled" cfg:"agent-check,onoff"`
	AgentAddr          string `json:"agent-addr,omitempty" cfg:"agent-addr,val"`
	AgentPort          *int64 `json:"agent-port,omitempty" cfg:"agent-port,int"`
	AgentInter         *int64 `json:"agent-inter,omitempty" cfg:"agent-inter,ms"`
	AgentSend          string `json:"agent-send,omitempty" cfg:"agent-send,val"`
	Backup             string `json:"backup,omitempty" enum:"enabled,disabled" cfg:"backup,onoff"`
	Maintenance        string `json:"maintenance,omitempty" enum:"enabled,disabled"`
	InitState          string `json:"init-state,omitempty" enum:"fully-up,up,down,fully-down" cfg:"init-state,val"`
	Weight             *int64 `json:"weight,omitempty" cfg:"weight,int"`
	Maxconn            *int64 `json:"maxconn,omitempty" cfg:"maxconn,int"`
	Maxqueue           *int64 `json:"maxqueue,omitempty" cfg:"maxqueue,int"`
	Minconn            *int64 `json:"minconn,omitempty" cfg:"minconn,int"`
	Slowstart          *int64 `json:"slowstart,omitempty" cfg:"slowstart,ms"`
	Cookie             string `json:"cookie,omitempty" cfg:"cookie,val"`
	SendProxy          string `json:"send-proxy,omitempty" enum:"enabled,disabled" cfg:"send-proxy,onoff"`
	SendProxyV2        string `json:"send-proxy-v2,omitempty" enum:"enabled,disabled" cfg:"send-proxy-v2,onoff"`
	SendProxyV2SSL     string `json:"send_proxy_v2_ssl,omitempty" enum:"enabled,disabled" cfg:"send-proxy-v2-ssl,onoff"`
	SendProxyV2SSLCN   string `json:"send_proxy_v2_ssl_cn,omitempty" enum:"enabled,disabled" cfg:"send-proxy-v2-ssl-cn,onoff"`
	Proto              string `json:"proto,omitempty" cfg:"proto,val"`
	Socks4             string `json:"socks4,omitempty" cfg:"socks4,val"`
	Source             string `json:"source,omitempty"`
	Resolvers          string `json:"resolvers,omitempty" cfg:"resolvers,val"`
	ResolvePrefer      string `json:"resolve-prefer,omitempty" enum:"ipv4,ipv6" cfg:"resolve-prefer,val"`
	ResolveNet         string `json:"resolve-net,omitempty" cfg:"resolve-net,val"`
	ResolveOpts        string `json:"resolve_opts,omitempty" cfg:"resolve-opts,val"`
	InitAddr           string `json:"init-addr,omitempty" cfg:"init-addr,val"`
	SSL                string `json:"ssl,omitempty" enum:"enabled,disabled" cfg:"ssl,onoff"`
	SSLCafile          string `json:"ssl_cafile,omitempty" cfg:"ca-file,val"`
	SSLCertificate     string `json:"ssl_certificate,omitempty" cfg:"crt,val"`
	CrlFile            string `json:"crl_file,omitempty" cfg:"crl-file,val"`
	Verify             string `json:"verify,omitempty" enum:"none,required" cfg:"verify,val"`
	Verifyhost         string `json:"verifyhost,omitempty" cfg:"verifyhost,val"`
	NoVerifyhost       string `json:"no_verifyhost,omitempty" enum:"enabled,disabled"`
	SNI                string `json:"sni,omitempty" cfg:"sni,val"`
	Alpn               string `json:"alpn,omitempty" cfg:"alpn,val"`
	Ciphers            string `json:"ciphers,omitempty" cfg:"ciphers,val"`
	Ciphersuites       string `json:"ciphersuites,omitempty" cfg:"ciphersuites,val"`
	Curves             string `json:"curves,omitempty" cfg:"curves,val"`
	SSLMinVer          string `json:"ssl_min_ver,omitempty" enum:"SSLv3,TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3" cfg:"ssl-min-ver,val"`
	SSLMaxVer          string `json:"ssl_max_ver,omitempty" enum:"SSLv3,TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3" cfg:"ssl-max-ver,val"`
	SSLReuse           string `json:"ssl_reuse,omitempty" enum:"enabled,disabled" cfg:"ssl-reuse,onoff"`
	TLSTickets         string `json:"tls_tickets,omitempty" enum:"enabled,disabled" cfg:"tls-tickets,onoff"`
	Sslv3              string `json:"sslv3,omitempty" enum:"enabled,disabled"`
	Tlsv10             string `json:"tlsv10,omitempty" enum:"enabled,disabled"`
	Tlsv11             string `json:"tlsv11,omitempty" enum:"enabled,disabled"`
	Tlsv12             string `json:"tlsv12,omitempty" enum:"enabled,disabled"`
	Tlsv13             string `json:"tlsv13,omitempty" enum:"enabled,disabled"`

	Allow0rtt         bool           `json:"allow_0rtt,omitempty" cfg:"allow-0rtt,no"`
	Tfo               string         `json:"tfo,omitempty" enum:"enabled,disabled" cfg:"tfo,no"`
	Track             string         `json:"track,omitempty" cfg:"track,val"`
	PoolMaxConn       *int64         `json:"pool_max_conn,omitempty" cfg:"pool-max-conn,no"`
	PoolLowConn       *int64         `json:"pool_low_conn,omitempty" cfg:"pool-low-conn,no"`
	PoolPurgeDelay    *int64         `json:"pool_purge_delay,omitempty" cfg:"pool-purge-delay,no"`
	PoolConnName      string         `json:"pool_conn_name,omitempty" cfg:"pool-conn-name,no"`
	MaxReuse          *int64         `json:"max_reuse,omitempty" cfg:"max-reuse,no"`
	Redir             string         `json:"redir,omitempty" cfg:"redir,no"`
	Namespace         string         `json:"namespace,omitempty" cfg:"namespace,no"`
	ProxyV2Options    []string       `json:"proxy-v2-options,omitempty" cfg:"proxy-v2-options,no"`
	SetProxyV2TLVFmt  map[string]any `json:"set-proxy-v2-tlv-fmt,omitempty" cfg:"set-proxy-v2-tlv-fmt,no"`
	WS                string         `json:"ws,omitempty" enum:"auto,h1,h2" cfg:"ws,no"`
	HashKey           string         `json:"hash_key,omitempty" cfg:"hash-key,no"`
	LogProto          string         `json:"log_proto,omitempty" enum:"legacy,octet-count" cfg:"log-proto,no"`
	LogBufsize        *int64         `json:"log-bufsize,omitempty" cfg:"log-bufsize,no"`
	NPN               string         `json:"npn,omitempty" cfg:"npn,no"`
	Shard             int64          `json:"shard,omitempty" cfg:"shard,no"`
	Sigalgs           string         `json:"sigalgs,omitempty" cfg:"sigalgs,no"`
	ClientSigalgs     string         `json:"client_sigalgs,omitempty" cfg:"client-sigalgs,no"`
	SNIAuto           string         `json:"sni_auto,omitempty" enum:"enabled,disabled" cfg:"sni-auto,no"`
	CheckSNIAuto      string         `json:"check_sni_auto,omitempty" enum:"enabled,disabled" cfg:"check-sni-auto,no"`
	CheckPoolConnName string         `json:"check-pool-conn-name,omitempty" cfg:"check-pool-conn-name,no"`
	CheckReusePool    string         `json:"check-reuse-pool,omitempty" enum:"enabled,disabled" cfg:"check-reuse-pool,no"`
	CC                string         `json:"cc,omitempty" cfg:"cc,no"`
	GUID              string         `json:"guid,omitempty" cfg:"guid,no"`
	IdlePing          *int64         `json:"idle_ping,omitempty" cfg:"idle-ping,no"`
	KTLS              string         `json:"ktls,omitempty" enum:"on,off" cfg:"ktls,no"`
	QuicCCAlgo        string         `json:"quic-cc-algo,omitempty" cfg:"quic-cc-algo,no"`
	QuicCCAlgoMaxWin  *int64         `json:"quic_cc_algo_max_window,omitempty" cfg:"quic-cc-algo,no"`
	Renegotiate       string         `json:"renegotiate,omitempty" enum:"enabled,disabled" cfg:"renegotiate,no"`
	Stick             string         `json:"stick,omitempty" enum:"enabled,disabled" cfg:"non-stick,no"`
	StrictMaxconn     bool           `json:"strict-maxconn,omitempty" cfg:"strict-maxconn,no"`
	TCPMd5sig         string         `json:"tcp_md5sig,omitempty" cfg:"tcp-md5sig,no"`
	TCPUt             *int64         `json:"tcp_ut,omitempty" cfg:"tcp-ut,no"`
}

// Server is one "server" line of a backend.
type Server struct {
	Name    string `json:"name" required:"true"`
	Address string `json:"address" required:"true"`
	Port    *int64 `json:"port,omitempty"`
	ID      *int64 `json:"id,omitempty" cfg:"id,int"`
	ServerParams
}

// ServerTemplate is one "server-template" line of a backend.
type ServerTemplate struct {
	Prefix     string `json:"prefix" required:"true"`
	NumOrRange string `json:"num_or_range" required:"true"`
	Fqdn       string `json:"fqdn" required:"true"`
	Port       *int64 `json:"port,omitempty"`
	ID         *int64 `json:"id,omitempty" cfg:"id,int"`
	ServerParams
}

var tlsVersions = []struct{ word, json string }{
	{"sslv3", "sslv3"}, {"tlsv10", "tlsv10"}, {"tlsv11", "tlsv11"}, {"tlsv12", "tlsv12"}, {"tlsv13", "tlsv13"},
}

// serverCustom decodes the server options that are not one word to one
// field. It returns how many words it consumed (0: not its option).
func serverCustom(f fields, w []string, i int) (int, error) {
	switch word := w[i]; word {
	case "disabled":
		*f.ptr("maintenance").(*string) = "enabled"
		return 1, nil
	case "enabled":
		*f.ptr("maintenance").(*string) = "disabled"
		return 1, nil
	case "no-verifyhost":
		*f.ptr("no_verifyhost").(*string) = "enabled"
		return 1, nil
	case "ecdhe":
		// One curve, the old spelling of curves.
		if i+1 >= len(w) {
			return 0, fmt.Errorf("option \"ecdhe\" expects a curve")
		}
		*f.ptr("curves").(*string) = w[i+1]
		return 2, nil
	case "usesrc":
		if i+1 >= len(w) {
			return 0, fmt.Errorf("option \"usesrc\" expects an address")
		}
		p := f.ptr("source").(*string)
		*p = strings.TrimSpace(*p + " " + wordsText(w[i:i+2]))
		return 2, nil
	case "source":
		if i+1 >= len(w) {
			return 0, fmt.Errorf("option \"source\" expects an address")
		}
		n := 2
		src := []string{w[i+1]}
		for i+n+1 < len(w) && (w[i+n] == "usesrc" || w[i+n] == "interface") {
			src = append(src, w[i+n], w[i+n+1])
			n += 2
		}
		*f.ptr("source").(*string) = wordsText(src)
		return n, nil
	}
	return tlsVersionOpt(f, w[i])
}

// tlsVersionOpt reads no-tlsv12 (disabled) and force-tlsv12 (enabled).
func tlsVersionOpt(f fields, word string) (int, error) {
	for _, v := range tlsVersions {
		switch word {
		case "no-" + v.word:
			*f.ptr(v.json).(*string) = "disabled"
			return 1, nil
		case "force-" + v.word:
			*f.ptr(v.json).(*string) = "enabled"
			return 1, nil
		}
	}
	return 0, nil
}

func encodeTLSVersions(p any) ([]string, error) {
	f := fieldsOf(p)
	var out []string
	for _, v := range tlsVersions {
		val := *f.ptr(v.json).(*string)
		w := ""
		switch val {
		case "disabled":
			w = "no-" + v.word
		case "enabled":
			w = "force-" + v.word
		default:
			continue
		}
		if err := checkOpt(p, v.json, val, w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func decodeServerOpts(p *ServerParams, words []string) error {
	return decodeOpts(p, words, serverCustom)
}

// encodeServerOpts renders server options: the tagged ones in struct
// order, then those serverCustom reads.
func encodeServerOpts(p *ServerParams) ([]string, error) {
	out, err := encodeOpts(p)
	if err != nil {
		return nil, err
	}
	switch p.Maintenance {
	case "enabled":
		out = append(out, "disabled")
	case "disabled":
		out = append(out, "enabled")
	}
	if p.NoVerifyhost == "enabled" {
		out = append(out, "no-verifyhost")
	}
	if p.Source != "" {
		ws, err := manyWords("source", p.Source)
		if err != nil {
			return nil, err
		}
		out = append(append(out, "source"), ws...)
	}
	tls, err := encodeTLSVersions(p)
	if err != nil {
		return nil, err
	}
	return append(out, tls...), nil
}

// splitServerAddr splits a server address into address and port. Paths and
// addresses whose port is not a plain number (a "+1000" offset, a range)
// stay whole in the address.
func splitServerAddr(s string) (string, *int64) {
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "unix@") || strings.HasPrefix(s, "abns@") || strings.HasPrefix(s, "abnsz@") || strings.HasPrefix(s, "fd@") || strings.HasPrefix(s, "sockpair@") {
		return s, nil
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, nil
	}
	n, err := strconv.ParseInt(s[i+1:], 10, 64)
	if err != nil || s[i+1] == '+' || s[i+1] == '-' {
		return s, nil
	}
	return s[:i], &n
}

func joinServerAddr(addr string, port *int64) string {
	if port == nil {
		return addr
	}
	return addr + ":" + strconv.FormatInt(*port, 10)
}

func checkPort(field string, p *int64) error {
	if p != nil && (*p < 1 || *p > 65535) {
		return fmt.Errorf("field %q: %d is not a port (1-65535)", field, *p)
	}
	return nil
}

var _ = registerChild(&Child{
	Path:    "servers",
	Parents: []string{"backend", "ring"},
	New:     func() any { return &Server{} },
	Owns:    func(w []string) bool { return len(w) > 0 && w[0] == "server" },
	Name: func(w []string) string {
		if len(w) > 1 {
			return w[1]
		}
		return ""
	},
	Decode: func(w []string) (any, error) {
		if len(w) < 3 || w[0] != "server" {
			return nil, fmt.Errorf("expects server <name> <address>[:<port>] [options]")
		}
		s := &Server{Name: w[1]}
		s.Address, s.Port = splitServerAddr(w[2])
		err := decodeOpts(s, w[3:], serverCustom)
		if err != nil {
			return nil, fmt.Errorf("server %q: %w", s.Name, err)
		}
		return s, nil
	},
	Encode: func(m any) ([]string, error) {
		s := m.(*Server)
		if err := checkName("name", s.Name); err != nil {
			return nil, err
		}
		if s.Address == "" || strings.ContainsAny(s.Address, " \t") {
			return nil, fmt.Errorf("field \"address\" is required and may not contain blanks")
		}
		if err := checkPort("port", s.Port); err != nil {
			return nil, err
		}
		opts, err := encodeServerOpts(&s.ServerParams)
		if err != nil {
			return nil, err
		}
		line := []string{"server", s.Name, joinServerAddr(s.Address, s.Port)}
		if s.ID != nil {
			line = append(line, "id", strconv.FormatInt(*s.ID, 10))
		}
		return append(line, opts...), nil
	},
})

var _ = registerChild(&Child{
	Path:    "server_templates",
	Parents: []string{"backend"},
	New:     func() any { return &ServerTemplate{} },
	Owns:    func(w []string) bool { return len(w) > 0 && w[0] == "server-template" },
	Name: func(w []string) string {
		if len(w) > 1 {
			return w[1]
		}
		return ""
	},
	Decode: func(w []string) (any, error) {
		if len(w) < 4 || w[0] != "server-template" {
			return nil, fmt.Errorf("expects server-template <prefix> <num|range> <fqdn>[:<port>] [options]")
		}
		s := &ServerTemplate{Prefix: w[1], NumOrRange: w[2]}
		s.Fqdn, s.Port = splitServerAddr(w[3])
		err := decodeOpts(s, w[4:], serverCustom)
		if err != nil {
			return nil, fmt.Errorf("server-template %q: %w", s.Prefix, err)
		}
		return s, nil
	},
	Encode: func(m any) ([]string, error) {
		s := m.(*ServerTemplate)
		if err := checkName("prefix", s.Prefix); err != nil {
			return nil, err
		}
		if s.NumOrRange == "" || strings.Trim(s.NumOrRange, "0123456789-") != "" {
			return nil, fmt.Errorf("field \"num_or_range\" must be a number or a range like 1-5")
		}
		if s.Fqdn == "" || strings.ContainsAny(s.Fqdn, " \t") {
			return nil, fmt.Errorf("field \"fqdn\" is required and may not contain blanks")
		}
		if err := checkPort("port", s.Port); err != nil {
			return nil, err
		}
		opts, err := encodeServerOpts(&s.ServerParams)
		if err != nil {
			return nil, err
		}
		line := []string{"server-template", s.Prefix, s.NumOrRange, joinServerAddr(s.Fqdn, s.Port)}
		if s.ID != nil {
			line = append(line, "id", strconv.FormatInt(*s.ID, 10))
		}
		return append(line, opts...), nil
	},
})
