package config

import (
	"strings"
	"testing"
	"time"
)

// TestRealWorldKeywords covers keywords that real configurations use
// (see TestCorpus): what each one sets in the Snapshot.
func TestRealWorldKeywords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   string
		check func(*Snapshot) bool
		warn  string
	}{
		{name: "send-proxy", cfg: "backend b\n    server s 10.0.0.1:80 send-proxy\n",
			check: func(s *Snapshot) bool { return s.Backends[0].Servers[0].SendProxy == 1 }},
		{name: "send-proxy-v2-ssl-cn", cfg: "backend b\n    server s 10.0.0.1:80 send-proxy-v2-ssl-cn\n",
			check: func(s *Snapshot) bool {
				v := s.Backends[0].Servers[0]
				return v.SendProxy == 2 && v.SendProxySSL && v.SendProxySSLCN
			}},
		{name: "no-send-proxy-v2", cfg: "backend b\n    default-server send-proxy-v2\n    server s 10.0.0.1:80 no-send-proxy-v2\n    server t 10.0.0.1:81\n",
			check: func(s *Snapshot) bool {
				return s.Backends[0].Servers[0].SendProxy == 0 && s.Backends[0].Servers[1].SendProxy == 2
			}},
		{name: "prefer-last-server", cfg: "defaults\n    option prefer-last-server\nbackend b\n    server s 10.0.0.1:80\n",
			check: func(s *Snapshot) bool { return s.Backends[0].PreferLastServer }},
		{name: "no prefer-last-server", cfg: "defaults\n    option prefer-last-server\nbackend b\n    no option prefer-last-server\n    server s 10.0.0.1:80\n",
			check: func(s *Snapshot) bool { return !s.Backends[0].PreferLastServer }},
		{name: "tcpka", cfg: "defaults\n    option tcpka\nfrontend f\n    bind :80\n    option clitcpka\nbackend b\n    option srvtcpka\n",
			check: func(s *Snapshot) bool { return true }},
		{name: "log fd@2", cfg: "global\n    log fd@2 local0\n",
			check: func(s *Snapshot) bool { return s.Global.Logs[0].Address == "fd@2" }},
		{name: "strict-limits", cfg: "global\n    strict-limits\n",
			check: func(s *Snapshot) bool { return s.Global.StrictLimits }},
		{name: "resolvers declared after use", cfg: "backend b\n    server s app.test:80 resolvers dns resolve-prefer ipv4 resolve-net 10.0.0.0/8,192.168.0.0/16 resolve-opts allow-dup-ip init-addr none\nresolvers dns\n    nameserver ns1 10.0.0.53:53\n    parse-resolv-conf\n    resolve_retries 5\n    timeout resolve 2s\n    timeout retry 500ms\n    hold valid 30s\n    hold nx 5s\n    accepted_payload_size 8192\n",
			check: func(s *Snapshot) bool {
				r, v := s.Resolvers[0], s.Backends[0].Servers[0]
				return r.Name == "dns" && r.Nameservers[0].Address == "10.0.0.53:53" && r.ParseResolvConf && r.ResolveRetries == 5 &&
					r.TimeoutResolve == 2*time.Second && r.TimeoutRetry == 500*time.Millisecond && r.HoldFor("valid") == 30*time.Second &&
					r.HoldFor("nx") == 5*time.Second && r.HoldFor("timeout") == 10*time.Second && r.AcceptedPayloadSize == 8192 &&
					v.Resolvers == "dns" && v.ResolvePrefer == "ipv4" && len(v.ResolveNet) == 2 && v.ResolveOpts[0] == "allow-dup-ip"
			}},
		{name: "source usesrc", cfg: "backend b\n    source 0.0.0.0 usesrc client\n    server s 10.0.0.1:80\n    server t 10.0.0.1:80 source 127.0.0.2:0 usesrc 192.0.2.1\n",
			check: func(s *Snapshot) bool {
				b := s.Backends[0]
				return b.Source.UseSrc == "client" && b.Servers[0].Source == nil &&
					b.Servers[1].Source.Addr.String() == "127.0.0.2:0" && b.Servers[1].Source.UseAddr.String() == "192.0.2.1:0"
			}},
		{name: "server-template", cfg: "backend b\n    server-template web 2-4 web.test:80 check weight 5\n",
			check: func(s *Snapshot) bool {
				v := s.Backends[0].Servers
				return len(v) == 3 && v[0].Name == "web2" && v[2].Name == "web4" && v[1].Address == "web.test:80" &&
					v[1].Weight == 5 && v[1].Check && v[1].Template
			}},
		{name: "socks4", cfg: "backend b\n    server s 192.0.2.2:25 socks4 127.0.0.1:1080 check-via-socks4\n",
			check: func(s *Snapshot) bool {
				v := s.Backends[0].Servers[0]
				return v.Socks4 == "127.0.0.1:1080" && v.CheckViaSocks4
			}},
		{name: "external-check", cfg: "global\n    external-check\nbackend b\n    option external-check\n    external-check path \"/bin:/usr/bin\"\n    external-check command check.sh\n",
			check: func(s *Snapshot) bool {
				b := s.Backends[0]
				return s.Global.ExternalCheck && b.ExternalCheck && b.ExternalCheckCommand == "check.sh" && b.ExternalCheckPath == "/bin:/usr/bin"
			}},
		{name: "stats bind-process", cfg: "global\n    stats bind-process 1\n",
			check: func(s *Snapshot) bool { return true }, warn: "'stats bind-process' is obsolete"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustLoad(t, tc.cfg)
			if !tc.check(s) {
				t.Errorf("unexpected snapshot for %q", tc.cfg)
			}
			if tc.warn != "" && !strings.Contains(strings.Join(warnTexts(s), "\n"), tc.warn) {
				t.Errorf("warnings %v, want %q", s.Warnings, tc.warn)
			}
		})
	}
}

func warnTexts(s *Snapshot) []string {
	var out []string
	for _, w := range s.Warnings {
		out = append(out, w.Msg)
	}
	return out
}
