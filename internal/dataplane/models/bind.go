package models

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// BindParams are the options of a bind line (the v3 "bind_params"
// object; most are booleans, unlike server options).
type BindParams struct {
	SSL bool `json:"ssl,omitempty" cfg:"ssl,flag"`
	// SSLCertificate holds the crt options; several are joined with ':'
	// as HAProxy's API does ("a.pem:b.pem" is "crt a.pem crt b.pem").
	SSLCertificate      string   `json:"ssl_certificate,omitempty"`
	CrtList             string   `json:"crt_list,omitempty" cfg:"crt-list,val"`
	DefaultCrtList      []string `json:"default_crt_list,omitempty"`
	SSLCafile           string   `json:"ssl_cafile,omitempty" cfg:"ca-file,val"`
	CrlFile             string   `json:"crl_file,omitempty" cfg:"crl-file,val"`
	CaIgnoreErr         string   `json:"ca_ignore_err,omitempty" cfg:"ca-ignore-err,val"`
	CrtIgnoreErr        string   `json:"crt_ignore_err,omitempty" cfg:"crt-ignore-err,val"`
	Verify              string   `json:"verify,omitempty" enum:"none,optional,required" cfg:"verify,val"`
	Alpn                string   `json:"alpn,omitempty" cfg:"alpn,val"`
	NoAlpn              bool     `json:"no_alpn,omitempty" cfg:"no-alpn,flag"`
	Ciphers             string   `json:"ciphers,omitempty" cfg:"ciphers,val"`
	Ciphersuites        string   `json:"ciphersuites,omitempty" cfg:"ciphersuites,val"`
	Curves              string   `json:"curves,omitempty" cfg:"curves,val"`
	Ecdhe               string   `json:"ecdhe,omitempty" cfg:"ecdhe,val"`
	SSLMinVer           string   `json:"ssl_min_ver,omitempty" enum:"SSLv3,TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3" cfg:"ssl-min-ver,val"`
	SSLMaxVer           string   `json:"ssl_max_ver,omitempty" enum:"SSLv3,TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3" cfg:"ssl-max-ver,val"`
	ForceStrictSNI      string   `json:"force_strict_sni,omitempty" enum:"enabled,disabled" cfg:"strict-sni,onoff"`
	PreferClientCiphers bool     `json:"prefer_client_ciphers,omitempty" cfg:"prefer-client-ciphers,flag"`
	TLSTickets          string   `json:"tls_tickets,omitempty" enum:"enabled,disabled" cfg:"tls-tickets,onoff"`
	Sslv3               string   `json:"sslv3,omitempty" enum:"enabled,disabled"`
	Tlsv10              string   `json:"tlsv10,omitempty" enum:"enabled,disabled"`
	Tlsv11              string   `json:"tlsv11,omitempty" enum:"enabled,disabled"`
	Tlsv12              string   `json:"tlsv12,omitempty" enum:"enabled,disabled"`
	Tlsv13              string   `json:"tlsv13,omitempty" enum:"enabled,disabled"`
	AcceptProxy         bool     `json:"accept_proxy,omitempty" cfg:"accept-proxy,flag"`
	DeferAccept         bool     `json:"defer_accept,omitempty" cfg:"defer-accept,flag"`
	Tfo                 bool     `json:"tfo,omitempty" cfg:"tfo,flag"`
	Transparent         bool     `json:"transparent,omitempty" cfg:"transparent,flag"`
	V4v6                bool     `json:"v4v6,omitempty" cfg:"v4v6,flag"`
	V6only              bool     `json:"v6only,omitempty" cfg:"v6only,flag"`
	Maxconn             int64    `json:"maxconn,omitempty" cfg:"maxconn,int"`
	Backlog             string   `json:"backlog,omitempty" cfg:"backlog,val"`
	Interface           string   `json:"interface,omitempty" cfg:"interface,val"`
	Thread              string   `json:"thread,omitempty" cfg:"thread,val"`
	Shards              string   `json:"shards,omitempty" cfg:"shards,val"`
	Proto               string   `json:"proto,omitempty" cfg:"proto,val"`
	ID                  string   `json:"id,omitempty" cfg:"id,val"`
	Mode                string   `json:"mode,omitempty" cfg:"mode,val"`
	User                string   `json:"user,omitempty" cfg:"user,val"`
	UID                 string   `json:"uid,omitempty" cfg:"uid,val"`
	Group               string   `json:"group,omitempty" cfg:"group,val"`
	GID                 int64    `json:"gid,omitempty" cfg:"gid,int"`
	Level               string   `json:"level,omitempty" enum:"user,operator,admin" cfg:"level,val"`
	SeverityOutput      string   `json:"severity_output,omitempty" enum:"none,number,string" cfg:"severity-output,val"`
	ExposeFdListeners   bool     `json:"expose_fd_listeners,omitempty"`

	AcceptNetscalerCip   int64  `json:"accept_netscaler_cip,omitempty" cfg:"accept-netscaler-cip,no"`
	Allow0rtt            bool   `json:"allow_0rtt,omitempty" cfg:"allow-0rtt,no"`
	CaSignFile           string `json:"ca_sign_file,omitempty" cfg:"ca-sign-file,no"`
	CaSignPass           string `json:"ca_sign_pass,omitempty" cfg:"ca-sign-pass,no"`
	CaVerifyFile         string `json:"ca_verify_file,omitempty" cfg:"ca-verify-file,no"`
	CC                   string `json:"cc,omitempty" cfg:"cc,no"`
	ClientSigalgs        string `json:"client_sigalgs,omitempty" cfg:"client-sigalgs,no"`
	GenerateCertificates bool   `json:"generate_certificates,omitempty" cfg:"generate-certificates,no"`
	GUIDPrefix           string `json:"guid_prefix,omitempty" cfg:"guid-prefix,no"`
	IdlePing             *int64 `json:"idle_ping,omitempty" cfg:"idle-ping,no"`
	KTLS                 string `json:"ktls,omitempty" enum:"on,off" cfg:"ktls,no"`
	Label                string `json:"label,omitempty" cfg:"label,no"`
	MSS                  string `json:"mss,omitempty" cfg:"mss,no"`
	Namespace            string `json:"namespace,omitempty" cfg:"namespace,no"`
	Nbconn               int64  `json:"nbconn,omitempty" cfg:"nbconn,no"`
	Nice                 int64  `json:"nice,omitempty" cfg:"nice,no"`
	NoCaNames            bool   `json:"no_ca_names,omitempty" cfg:"no-ca-names,no"`
	NPN                  string `json:"npn,omitempty" cfg:"npn,no"`
	QuicCCAlgo           string `json:"quic-cc-algo,omitempty" cfg:"quic-cc-algo,no"`
	QuicForceRetry       bool   `json:"quic-force-retry,omitempty" cfg:"quic-force-retry,no"`
	QuicSocket           string `json:"quic-socket,omitempty" cfg:"quic-socket,no"`
	QuicCCAlgoBurstSize  *int64 `json:"quic_cc_algo_burst_size,omitempty" cfg:"quic-cc-algo,no"`
	QuicCCAlgoMaxWindow  *int64 `json:"quic_cc_algo_max_window,omitempty" cfg:"quic-cc-algo,no"`
	Sigalgs              string `json:"sigalgs,omitempty" cfg:"sigalgs,no"`
	TCPMd5sig            string `json:"tcp_md5sig,omitempty" cfg:"tcp-md5sig,no"`
	TCPSs                int64  `json:"tcp_ss,omitempty" cfg:"tcp-ss,no"`
	TCPUserTimeout       *int64 `json:"tcp_user_timeout,omitempty" cfg:"tcp-ut,no"`
	TLSTicketKeys        string `json:"tls_ticket_keys,omitempty" cfg:"tls-ticket-keys,no"`
}

// Bind is one "bind" line of a frontend. Its name is the "name" option
// or, as in HAProxy's API, the address as written ("0.0.0.0:80",
// "unix@/run/x.sock").
type Bind struct {
	Name         string `json:"name" required:"true"`
	Address      string `json:"address,omitempty"`
	Port         *int64 `json:"port,omitempty"`
	PortRangeEnd *int64 `json:"port-range-end,omitempty"`
	BindParams
}

func bindCustom(f fields, w []string, i int) (int, error) {
	switch w[i] {
	case "name":
		return 0, nil
	case "process":
		// Accepted and ignored by hawser (one process); v3 has no
		// field for it, so a rewritten line loses it harmlessly.
		if i+1 >= len(w) {
			return 0, fmt.Errorf("option \"process\" expects a set")
		}
		return 2, nil
	case "crt":
		if i+1 >= len(w) {
			return 0, fmt.Errorf("option \"crt\" expects a file")
		}
		if p := f.ptr("ssl_certificate").(*string); *p == "" {
			*p = w[i+1]
		} else {
			*p += ":" + w[i+1]
		}
		return 2, nil
	case "expose-fd":
		if i+1 >= len(w) || w[i+1] != "listeners" {
			return 0, fmt.Errorf("option \"expose-fd\" expects \"listeners\"")
		}
		*f.ptr("expose_fd_listeners").(*bool) = true
		return 2, nil
	case "default-crt":
		if i+1 >= len(w) {
			return 0, fmt.Errorf("option \"default-crt\" expects a file")
		}
		p := f.ptr("default_crt_list").(*[]string)
		*p = append(*p, w[i+1])
		return 2, nil
	}
	return tlsVersionOpt(f, w[i])
}

// splitBindAddr splits a bind address into address, port and port range
// end; paths, lists and anything unusual stay whole in the address.
func splitBindAddr(s string) (addr string, port, end *int64) {
	if strings.HasPrefix(s, "/") || strings.Contains(s, ",") || strings.HasPrefix(s, "unix@") || strings.HasPrefix(s, "abns@") || strings.HasPrefix(s, "abnsz@") || strings.HasPrefix(s, "fd@") || strings.HasPrefix(s, "sockpair@") {
		return s, nil, nil
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, nil, nil
	}
	lo, hi, isRange := strings.Cut(s[i+1:], "-")
	p, err := strconv.ParseInt(lo, 10, 64)
	if err != nil || strings.HasPrefix(lo, "+") {
		return s, nil, nil
	}
	if isRange {
		e, err := strconv.ParseInt(hi, 10, 64)
		if err != nil {
			return s, nil, nil
		}
		end = &e
	}
	return s[:i], &p, end
}

func joinBindAddr(b *Bind) string {
	s := b.Address
	if b.Port != nil {
		s += ":" + strconv.FormatInt(*b.Port, 10)
		if b.PortRangeEnd != nil {
			s += "-" + strconv.FormatInt(*b.PortRangeEnd, 10)
		}
	}
	return s
}

var _ = registerChild(&Child{
	Path:    "binds",
	Parents: []string{"frontend", "log-forward"},
	New:     func() any { return &Bind{} },
	Owns:    func(w []string) bool { return len(w) > 0 && w[0] == "bind" },
	Name:    bindName,
	Decode: func(w []string) (any, error) {
		if len(w) < 2 || w[0] != "bind" {
			return nil, fmt.Errorf("expects bind <address>[:<port>] [options]")
		}
		b := &Bind{Name: bindName(w)}
		b.Address, b.Port, b.PortRangeEnd = splitBindAddr(w[1])
		opts := make([]string, 0, len(w))
		for i := 2; i < len(w); i++ {
			if w[i] == "name" && i+1 < len(w) {
				i++
				continue
			}
			opts = append(opts, w[i])
		}
		if err := decodeOpts(b, opts, bindCustom); err != nil {
			return nil, fmt.Errorf("bind %q: %w", b.Name, err)
		}
		return b, nil
	},
	Encode: func(m any) ([]string, error) {
		b := m.(*Bind)
		if b.Name == "" || strings.ContainsAny(b.Name, " \t\n\r\"'#") {
			return nil, fmt.Errorf("field \"name\" is required and may not contain blanks, quotes or '#'")
		}
		if err := checkPort("port", b.Port); err != nil {
			return nil, err
		}
		if err := checkPort("port-range-end", b.PortRangeEnd); err != nil {
			return nil, err
		}
		if b.PortRangeEnd != nil && b.Port == nil {
			return nil, fmt.Errorf("field \"port-range-end\" needs \"port\"")
		}
		if b.Address == "" && b.Port == nil {
			return nil, fmt.Errorf("field \"address\" or \"port\" is required")
		}
		if strings.ContainsAny(b.Address, " \t") {
			return nil, fmt.Errorf("field \"address\" may not contain blanks")
		}
		addr := joinBindAddr(b)
		line := []string{"bind", addr}
		if b.Name != addr {
			line = append(line, "name", b.Name)
		}
		opts, err := encodeBindOpts(&b.BindParams)
		if err != nil {
			return nil, err
		}
		return append(line, opts...), nil
	},
})

// encodeBindOpts renders bind options (also those of "stats socket"):
// the tagged ones in struct order, then those bindCustom reads.
func encodeBindOpts(p *BindParams) ([]string, error) {
	out, err := encodeOpts(p)
	if err != nil {
		return nil, err
	}
	if p.SSLCertificate != "" {
		var crts []string
		for c := range strings.SplitSeq(p.SSLCertificate, ":") {
			if c == "" {
				return nil, fmt.Errorf("field \"ssl_certificate\": an empty file name")
			}
			crts = append(crts, "crt", c)
		}
		// Right after "ssl", where people write them.
		at := 0
		if len(out) > 0 && out[0] == "ssl" {
			at = 1
		}
		out = slices.Insert(out, at, crts...)
	}
	for _, c := range p.DefaultCrtList {
		if c == "" {
			return nil, fmt.Errorf("field \"default_crt_list\": an empty file name")
		}
		out = append(out, "default-crt", c)
	}
	if p.ExposeFdListeners {
		out = append(out, "expose-fd", "listeners")
	}
	tls, err := encodeTLSVersions(p)
	if err != nil {
		return nil, err
	}
	return append(out, tls...), nil
}

// bindName is a bind line's name: its "name" option, else its address.
func bindName(w []string) string {
	for i := 2; i+1 < len(w); i++ {
		if w[i] == "name" {
			return w[i+1]
		}
	}
	if len(w) > 1 {
		return w[1]
	}
	return ""
}
