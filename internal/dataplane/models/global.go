package models

import (
	"fmt"
	"strings"
)

// Global is the global section's own lines (v3 "global_base"); its log
// lines are the log_targets child collection. Keywords without a v3 field
// (log-tag, nbproc, quiet, stats bind-process, ...) stay in the file
// untouched by a PUT.
type Global struct {
	Daemon             bool                `json:"daemon,omitempty" cfg:"daemon,flag"`
	MasterWorker       bool                `json:"master-worker,omitempty" cfg:"master-worker,flag"`
	Nbthread           int64               `json:"nbthread,omitempty" cfg:"nbthread,int"`
	Pidfile            string              `json:"pidfile,omitempty" cfg:"pidfile,word"`
	Chroot             string              `json:"chroot,omitempty" cfg:"chroot,word"`
	User               string              `json:"user,omitempty" cfg:"user,word"`
	Group              string              `json:"group,omitempty" cfg:"group,word"`
	UID                int64               `json:"uid,omitempty" cfg:"uid,int"`
	GID                int64               `json:"gid,omitempty" cfg:"gid,int"`
	UlimitN            int64               `json:"ulimit_n,omitempty" cfg:"ulimit-n,int"`
	Node               string              `json:"node,omitempty" cfg:"node,word"`
	Description        string              `json:"description,omitempty" cfg:"description,text"`
	HardStopAfter      *int64              `json:"hard_stop_after,omitempty" cfg:"hard-stop-after,ms"`
	ExternalCheck      bool                `json:"external_check,omitempty" cfg:"external-check,flag"`
	StrictLimits       bool                `json:"strict_limits,omitempty" cfg:"strict-limits,flag"`
	StatsMaxconn       *int64              `json:"stats_maxconn,omitempty" cfg:"stats maxconn,int"`
	StatsTimeout       *int64              `json:"stats_timeout,omitempty" cfg:"stats timeout,ms"`
	LogSendHostname    *LogSendHostname    `json:"log_send_hostname,omitempty"`
	RuntimeAPIs        []*RuntimeAPI       `json:"runtime_apis,omitempty"`
	CPUMaps            []*CPUMap           `json:"cpu_maps,omitempty"`
	EnvironmentOptions *EnvironmentOptions `json:"environment_options,omitempty"`
	PerformanceOptions *PerformanceOptions `json:"performance_options,omitempty" cfg:"group"`
	SSLOptions         *SSLOptions         `json:"ssl_options,omitempty" cfg:"group"`
	TuneOptions        *TuneOptions        `json:"tune_options,omitempty" cfg:"group"`
	TuneBufferOptions  *TuneBufferOptions  `json:"tune_buffer_options,omitempty" cfg:"group"`
	TuneSSLOptions     *TuneSSLOptions     `json:"tune_ssl_options,omitempty" cfg:"group"`

	Grace                        *int64         `json:"grace,omitempty" cfg:"grace,no"`
	CloseSpreadTime              *int64         `json:"close_spread_time,omitempty" cfg:"close-spread-time,no"`
	ClusterSecret                string         `json:"cluster_secret,omitempty" cfg:"cluster-secret,no"`
	CPUPolicy                    string         `json:"cpu_policy,omitempty" cfg:"cpu-policy,no"`
	CPUSet                       []any          `json:"cpu_set,omitempty" cfg:"cpu-set,no"`
	DefaultPath                  map[string]any `json:"default_path,omitempty" cfg:"default-path,no"`
	ExposeExperimentalDirectives bool           `json:"expose_experimental_directives,omitempty" cfg:"expose-experimental-directives,no"`
	H1AcceptPayloadWithAnyMethod bool           `json:"h1_accept_payload_with_any_method,omitempty" cfg:"h1-accept-payload-with-any-method,no"`
	H1CaseAdjust                 []any          `json:"h1_case_adjust,omitempty" cfg:"h1-case-adjust,no"`
	H1CaseAdjustFile             string         `json:"h1_case_adjust_file,omitempty" cfg:"h1-case-adjust-file,no"`
	H2WorkaroundBogusWebsocket   bool           `json:"h2_workaround_bogus_websocket_clients,omitempty" cfg:"h2-workaround-bogus-websocket-clients,no"`
	InsecureForkWanted           bool           `json:"insecure_fork_wanted,omitempty" cfg:"insecure-fork-wanted,no"`
	InsecureSetuidWanted         bool           `json:"insecure_setuid_wanted,omitempty" cfg:"insecure-setuid-wanted,no"`
	LimitedQuic                  bool           `json:"limited_quic,omitempty" cfg:"limited-quic,no"`
	Localpeer                    string         `json:"localpeer,omitempty" cfg:"localpeer,no"`
	LuaOptions                   map[string]any `json:"lua_options,omitempty" cfg:"lua-load,no"`
	MworkerMaxReloads            *int64         `json:"mworker_max_reloads,omitempty" cfg:"mworker-max-reloads,no"`
	NumaCPUMapping               string         `json:"numa_cpu_mapping,omitempty" cfg:"numa-cpu-mapping,no"`
	SetDumpable                  bool           `json:"set_dumpable,omitempty" cfg:"set-dumpable,no"`
	SetVar                       []any          `json:"set_var,omitempty" cfg:"set-var,no"`
	ThreadGroups                 int64          `json:"thread_groups,omitempty" cfg:"thread-groups,no"`
	ThreadGroupLines             []any          `json:"thread_group_lines,omitempty" cfg:"thread-group,no"`
	DeviceAtlasOptions           map[string]any `json:"device_atlas_options,omitempty" cfg:"deviceatlas-json-file,no"`
	FiftyOneDegreesOptions       map[string]any `json:"fifty_one_degrees_options,omitempty" cfg:"51degrees-data-file,no"`
	WurflOptions                 map[string]any `json:"wurfl_options,omitempty" cfg:"wurfl-data-file,no"`
	HTTPClientOptions            map[string]any `json:"http_client_options,omitempty" cfg:"httpclient.*,no"`
	OcspUpdateOptions            map[string]any `json:"ocsp_update_options,omitempty" cfg:"ocsp-update.*,no"`
	TuneQuicOptions              map[string]any `json:"tune_quic_options,omitempty" cfg:"tune.quic.*,no"`
	TuneLuaOptions               map[string]any `json:"tune_lua_options,omitempty" cfg:"tune.lua.*,no"`
	TuneVarsOptions              map[string]any `json:"tune_vars_options,omitempty" cfg:"tune.vars.*,no"`
	TuneZlibOptions              map[string]any `json:"tune_zlib_options,omitempty" cfg:"tune.zlib.*,no"`
	DebugOptions                 map[string]any `json:"debug_options,omitempty" cfg:"debug,no"`
}

// LogSendHostname is "log-send-hostname [<name>]".
type LogSendHostname struct {
	Enabled string `json:"enabled" required:"true" enum:"enabled,disabled"`
	Param   string `json:"param,omitempty"`
}

// RuntimeAPI is one "stats socket <address> [options]" line.
type RuntimeAPI struct {
	Address string `json:"address" required:"true"`
	Name    string `json:"name,omitempty"`
	BindParams
}

// CPUMap is one "cpu-map <threads> <cpus>" line (accepted and ignored
// by hawser: the Go scheduler places threads).
type CPUMap struct {
	Process string `json:"process" required:"true"`
	CPUSet  string `json:"cpu_set" required:"true"`
}

// EnvironmentOptions are the setenv, presetenv, resetenv and unsetenv
// lines.
type EnvironmentOptions struct {
	Setenv    []*EnvVar `json:"setenv,omitempty"`
	Presetenv []*EnvVar `json:"presetenv,omitempty"`
	Resetenv  string    `json:"resetenv,omitempty"`
	Unsetenv  string    `json:"unsetenv,omitempty"`
}

// EnvVar is one variable of setenv or presetenv.
type EnvVar struct {
	Name  string `json:"name" required:"true"`
	Value string `json:"value" required:"true"`
}

// PerformanceOptions are global limits and check spreading.
type PerformanceOptions struct {
	Maxconn         int64  `json:"maxconn,omitempty" cfg:"maxconn,int"`
	SpreadChecks    int64  `json:"spread_checks,omitempty" cfg:"spread-checks,int"`
	ServerStateBase string `json:"server_state_base,omitempty" cfg:"server-state-base,word"`
	ServerStateFile string `json:"server_state_file,omitempty" cfg:"server-state-file,word"`

	BusyPolling     bool   `json:"busy_polling,omitempty" cfg:"busy-polling,no"`
	FdHardLimit     *int64 `json:"fd_hard_limit,omitempty" cfg:"fd-hard-limit,no"`
	MaxSpreadChecks *int64 `json:"max_spread_checks,omitempty" cfg:"max-spread-checks,no"`
	Maxcompcpuusage int64  `json:"maxcompcpuusage,omitempty" cfg:"maxcompcpuusage,no"`
	Maxcomprate     int64  `json:"maxcomprate,omitempty" cfg:"maxcomprate,no"`
	Maxconnrate     int64  `json:"maxconnrate,omitempty" cfg:"maxconnrate,no"`
	Maxpipes        int64  `json:"maxpipes,omitempty" cfg:"maxpipes,no"`
	Maxsessrate     int64  `json:"maxsessrate,omitempty" cfg:"maxsessrate,no"`
	Maxzlibmem      int64  `json:"maxzlibmem,omitempty" cfg:"maxzlibmem,no"`
	Noepoll         bool   `json:"noepoll,omitempty" cfg:"noepoll,no"`
	Noevports       bool   `json:"noevports,omitempty" cfg:"noevports,no"`
	Nogetaddrinfo   bool   `json:"nogetaddrinfo,omitempty" cfg:"nogetaddrinfo,no"`
	Nokqueue        bool   `json:"nokqueue,omitempty" cfg:"nokqueue,no"`
	Nopoll          bool   `json:"nopoll,omitempty" cfg:"nopoll,no"`
	Noreuseport     bool   `json:"noreuseport,omitempty" cfg:"noreuseport,no"`
	Nosplice        bool   `json:"nosplice,omitempty" cfg:"nosplice,flag"`
	ProfilingTasks  string `json:"profiling_tasks,omitempty" cfg:"profiling.tasks,no"`
}

// SSLOptions are the global TLS defaults.
type SSLOptions struct {
	CaBase                    string `json:"ca_base,omitempty" cfg:"ca-base,word"`
	CrtBase                   string `json:"crt_base,omitempty" cfg:"crt-base,word"`
	DefaultBindCiphers        string `json:"default_bind_ciphers,omitempty" cfg:"ssl-default-bind-ciphers,word"`
	DefaultBindCiphersuites   string `json:"default_bind_ciphersuites,omitempty" cfg:"ssl-default-bind-ciphersuites,word"`
	DefaultBindCurves         string `json:"default_bind_curves,omitempty" cfg:"ssl-default-bind-curves,word"`
	DefaultBindOptions        string `json:"default_bind_options,omitempty" cfg:"ssl-default-bind-options,words"`
	DefaultServerCiphers      string `json:"default_server_ciphers,omitempty" cfg:"ssl-default-server-ciphers,word"`
	DefaultServerCiphersuites string `json:"default_server_ciphersuites,omitempty" cfg:"ssl-default-server-ciphersuites,word"`
	DefaultServerCurves       string `json:"default_server_curves,omitempty" cfg:"ssl-default-server-curves,word"`
	DefaultServerOptions      string `json:"default_server_options,omitempty" cfg:"ssl-default-server-options,words"`
	DhParamFile               string `json:"dh_param_file,omitempty" cfg:"ssl-dh-param-file,word"`
	ServerVerify              string `json:"server_verify,omitempty" enum:"none,required" cfg:"ssl-server-verify,word"`

	Engines          []any  `json:"engines,omitempty" cfg:"ssl-engine,no"`
	IssuersChainPath string `json:"issuers_chain_path,omitempty" cfg:"issuers-chain-path,no"`
	LoadExtraFiles   string `json:"load_extra_files,omitempty" cfg:"ssl-load-extra-files,no"`
	Maxsslconn       int64  `json:"maxsslconn,omitempty" cfg:"maxsslconn,no"`
	Maxsslrate       int64  `json:"maxsslrate,omitempty" cfg:"maxsslrate,no"`
	ModeAsync        string `json:"mode_async,omitempty" cfg:"ssl-mode-async,no"`
	SkipSelfIssuedCa bool   `json:"skip_self_issued_ca,omitempty" cfg:"ssl-skip-self-issued-ca,no"`
}

// TuneOptions are the tune.* keywords hawser implements.
type TuneOptions struct {
	Maxrewrite               int64  `json:"maxrewrite,omitempty" cfg:"tune.maxrewrite,int"`
	H2InitialWindowSize      *int64 `json:"h2_initial_window_size,omitempty" cfg:"tune.h2.initial-window-size,int"`
	H2MaxConcurrentStreams   int64  `json:"h2_max_concurrent_streams,omitempty" cfg:"tune.h2.max-concurrent-streams,int"`
	H2FeInitialWindowSize    int64  `json:"h2_fe_initial_window_size,omitempty" cfg:"tune.h2.fe.initial-window-size,int"`
	H2FeMaxConcurrentStreams int64  `json:"h2_fe_max_concurrent_streams,omitempty" cfg:"tune.h2.fe.max-concurrent-streams,int"`

	CompMaxlevel            int64  `json:"comp_maxlevel,omitempty" cfg:"tune.comp.maxlevel,no"`
	FdEdgeTriggered         string `json:"fd_edge_triggered,omitempty" cfg:"tune.fd.edge-triggered,no"`
	H2BeInitialWindowSize   int64  `json:"h2_be_initial_window_size,omitempty" cfg:"tune.h2.be.initial-window-size,no"`
	H2BeMaxConcurrentStream int64  `json:"h2_be_max_concurrent_streams,omitempty" cfg:"tune.h2.be.max-concurrent-streams,no"`
	H2HeaderTableSize       int64  `json:"h2_header_table_size,omitempty" cfg:"tune.h2.header-table-size,no"`
	H2MaxFrameSize          int64  `json:"h2_max_frame_size,omitempty" cfg:"tune.h2.max-frame-size,no"`
	HTTPCookielen           int64  `json:"http_cookielen,omitempty" cfg:"tune.http.cookielen,no"`
	HTTPLogurilen           int64  `json:"http_logurilen,omitempty" cfg:"tune.http.logurilen,no"`
	HTTPMaxhdr              int64  `json:"http_maxhdr,omitempty" cfg:"tune.http.maxhdr,no"`
	Idletimer               *int64 `json:"idletimer,omitempty" cfg:"tune.idletimer,no"`
	ListenerMultiQueue      string `json:"listener_multi_queue,omitempty" cfg:"tune.listener.multi-queue,no"`
	Maxaccept               int64  `json:"maxaccept,omitempty" cfg:"tune.maxaccept,no"`
	Maxpollevents           int64  `json:"maxpollevents,omitempty" cfg:"tune.maxpollevents,no"`
	PatternCacheSize        *int64 `json:"pattern_cache_size,omitempty" cfg:"tune.pattern.cache-size,no"`
	RunqueueDepth           int64  `json:"runqueue_depth,omitempty" cfg:"tune.runqueue-depth,no"`
	SchedLowLatency         string `json:"sched_low_latency,omitempty" cfg:"tune.sched.low-latency,no"`
}

// TuneBufferOptions are the buffer tune.* keywords hawser implements.
type TuneBufferOptions struct {
	Bufsize int64 `json:"bufsize,omitempty" cfg:"tune.bufsize,size"`

	Pipesize     int64  `json:"pipesize,omitempty" cfg:"tune.pipesize,no"`
	RcvbufClient *int64 `json:"rcvbuf_client,omitempty" cfg:"tune.rcvbuf.client,no"`
	RcvbufServer *int64 `json:"rcvbuf_server,omitempty" cfg:"tune.rcvbuf.server,no"`
	SndbufClient *int64 `json:"sndbuf_client,omitempty" cfg:"tune.sndbuf.client,no"`
	SndbufServer *int64 `json:"sndbuf_server,omitempty" cfg:"tune.sndbuf.server,no"`
	RecvEnough   int64  `json:"recv_enough,omitempty" cfg:"tune.recv_enough,no"`
}

// TuneSSLOptions are the tune.ssl.* keywords hawser accepts.
type TuneSSLOptions struct {
	Cachesize      *int64 `json:"cachesize,omitempty" cfg:"tune.ssl.cachesize,int"`
	DefaultDhParam int64  `json:"default_dh_param,omitempty" cfg:"tune.ssl.default-dh-param,int"`
	Lifetime       *int64 `json:"lifetime,omitempty" cfg:"tune.ssl.lifetime,sec"`

	CaptureBufferSize *int64 `json:"capture_buffer_size,omitempty" cfg:"tune.ssl.capture-buffer-size,no"`
	CtxCacheSize      int64  `json:"ctx_cache_size,omitempty" cfg:"tune.ssl.ssl-ctx-cache-size,no"`
	ForcePrivateCache bool   `json:"force_private_cache,omitempty" cfg:"tune.ssl.force-private-cache,no"`
	Maxrecord         *int64 `json:"maxrecord,omitempty" cfg:"tune.ssl.maxrecord,no"`
}

var globalLines = &lineCodec{extras: []*extra{
	{json: []string{"log_send_hostname"}, kws: []string{"log-send-hostname"}, decode: decodeSendHostname, encode: encodeSendHostname},
	{json: []string{"runtime_apis"}, kws: []string{"stats socket"}, decode: decodeRuntimeAPI, encode: encodeRuntimeAPIs},
	{json: []string{"cpu_maps"}, kws: []string{"cpu-map"}, decode: decodeCPUMap, encode: encodeCPUMaps},
	{json: []string{"environment_options"}, kws: []string{"setenv", "presetenv", "resetenv", "unsetenv"}, decode: decodeEnv, encode: encodeEnv},
}}

func decodeSendHostname(f fields, w []string) error {
	h := &LogSendHostname{Enabled: "enabled"}
	if len(w) > 1 {
		h.Param = w[1]
	}
	*f.ptr("log_send_hostname").(**LogSendHostname) = h
	return nil
}

func encodeSendHostname(f fields) ([][]string, error) {
	h := *f.ptr("log_send_hostname").(**LogSendHostname)
	if h == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(h)); err != nil {
		return nil, fmt.Errorf("log_send_hostname: %w", err)
	}
	switch h.Enabled {
	case "disabled":
		return nil, nil
	case "enabled":
		if h.Param != "" {
			return [][]string{{"log-send-hostname", h.Param}}, nil
		}
		return [][]string{{"log-send-hostname"}}, nil
	}
	return nil, fmt.Errorf("log_send_hostname: field \"enabled\" is required")
}

func decodeRuntimeAPI(f fields, w []string) error {
	if len(w) < 3 {
		return fmt.Errorf("expects an address")
	}
	r := &RuntimeAPI{Address: w[2]}
	var opts []string
	for i := 3; i < len(w); i++ {
		if w[i] == "name" && i+1 < len(w) {
			r.Name = w[i+1]
			i++
			continue
		}
		opts = append(opts, w[i])
	}
	if err := decodeOpts(&r.BindParams, opts, bindCustom); err != nil {
		return err
	}
	p := f.ptr("runtime_apis").(*[]*RuntimeAPI)
	*p = append(*p, r)
	return nil
}

func encodeRuntimeAPIs(f fields) ([][]string, error) {
	var lines [][]string
	for _, r := range *f.ptr("runtime_apis").(*[]*RuntimeAPI) {
		if r == nil {
			continue
		}
		if r.Address == "" || strings.ContainsAny(r.Address, " \t") {
			return nil, fmt.Errorf("runtime_apis: field \"address\" is required and may not contain blanks")
		}
		line := []string{"stats", "socket", r.Address}
		if r.Name != "" {
			line = append(line, "name", r.Name)
		}
		opts, err := encodeBindOpts(&r.BindParams)
		if err != nil {
			return nil, fmt.Errorf("runtime_apis: %w", err)
		}
		lines = append(lines, append(line, opts...))
	}
	return lines, nil
}

func decodeCPUMap(f fields, w []string) error {
	if len(w) < 3 {
		return fmt.Errorf("expects <threads> <cpus>")
	}
	p := f.ptr("cpu_maps").(*[]*CPUMap)
	*p = append(*p, &CPUMap{Process: w[1], CPUSet: strings.Join(w[2:], " ")})
	return nil
}

func encodeCPUMaps(f fields) ([][]string, error) {
	var lines [][]string
	for _, c := range *f.ptr("cpu_maps").(*[]*CPUMap) {
		if c == nil {
			continue
		}
		if c.Process == "" || c.CPUSet == "" {
			return nil, fmt.Errorf("cpu_maps: fields \"process\" and \"cpu_set\" are required")
		}
		lines = append(lines, append([]string{"cpu-map", c.Process}, strings.Fields(c.CPUSet)...))
	}
	return lines, nil
}

func decodeEnv(f fields, w []string) error {
	p := f.ptr("environment_options").(**EnvironmentOptions)
	if *p == nil {
		*p = &EnvironmentOptions{}
	}
	e := *p
	switch w[0] {
	case "setenv", "presetenv":
		if len(w) != 3 {
			return fmt.Errorf("expects <name> <value>")
		}
		v := &EnvVar{Name: w[1], Value: w[2]}
		if w[0] == "setenv" {
			e.Setenv = append(e.Setenv, v)
		} else {
			e.Presetenv = append(e.Presetenv, v)
		}
	case "resetenv":
		e.Resetenv = strings.TrimSpace(e.Resetenv + " " + strings.Join(w[1:], " "))
	case "unsetenv":
		e.Unsetenv = strings.TrimSpace(e.Unsetenv + " " + strings.Join(w[1:], " "))
	}
	return nil
}

func encodeEnv(f fields) ([][]string, error) {
	e := *f.ptr("environment_options").(**EnvironmentOptions)
	if e == nil {
		return nil, nil
	}
	var lines [][]string
	for _, set := range []struct {
		kw   string
		vars []*EnvVar
	}{{"presetenv", e.Presetenv}, {"setenv", e.Setenv}} {
		for _, v := range set.vars {
			if v == nil || v.Name == "" || strings.ContainsAny(v.Name, " \t=") {
				return nil, fmt.Errorf("environment_options: %s: field \"name\" is required and may not contain blanks or '='", set.kw)
			}
			lines = append(lines, []string{set.kw, v.Name, v.Value})
		}
	}
	if e.Resetenv != "" {
		lines = append(lines, append([]string{"resetenv"}, strings.Fields(e.Resetenv)...))
	}
	if e.Unsetenv != "" {
		lines = append(lines, append([]string{"unsetenv"}, strings.Fields(e.Unsetenv)...))
	}
	return lines, nil
}

var _ = registerSection(sectionOf("global", "global", func() any { return &Global{} }, globalLines, true))
