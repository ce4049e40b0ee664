package models

import (
	"fmt"
	"strconv"
	"strings"
)

// The frontend, backend and defaults models share most of their fields:
// ProxyParams are in all three, FrontendParams in frontend and defaults,
// BackendParams in backend and defaults. They are embedded, so their fields
// appear flattened in JSON as in HAProxy's API (encoding/json promotes
// them; the OpenAPI generator flattens them the same way).

// ProxyParams are the fields frontend, backend and defaults sections share.
type ProxyParams struct {
	Disabled              bool          `json:"disabled,omitempty" cfg:"disabled,flag"`
	Enabled               bool          `json:"enabled,omitempty" cfg:"enabled,flag"`
	LogTag                string        `json:"log_tag,omitempty" cfg:"log-tag,word"`
	HTTPRequestTimeout    *int64        `json:"http_request_timeout,omitempty" cfg:"timeout http-request,ms"`
	HTTPKeepAliveTimeout  *int64        `json:"http_keep_alive_timeout,omitempty" cfg:"timeout http-keep-alive,ms"`
	TarpitTimeout         *int64        `json:"tarpit_timeout,omitempty" cfg:"timeout tarpit,ms"`
	HTTPBufferRequest     string        `json:"http-buffer-request,omitempty" enum:"enabled,disabled" cfg:"option http-buffer-request,opt"`
	Tcpka                 string        `json:"tcpka,omitempty" enum:"enabled,disabled" cfg:"option tcpka,opt"`
	HTTPConnectionMode    string        `json:"http_connection_mode,omitempty" enum:"httpclose,http-server-close,http-keep-alive"`
	Forwardfor            *Forwardfor   `json:"forwardfor,omitempty"`
	ErrorFiles            []*Errorfile  `json:"error_files,omitempty"`
	ErrorfilesFromHTTPErr []*Errorfiles `json:"errorfiles_from_http_errors,omitempty"`
	Errorloc302           *Errorloc     `json:"errorloc302,omitempty"`
	Errorloc303           *Errorloc     `json:"errorloc303,omitempty"`
	StatsOptions          *StatsOptions `json:"stats_options,omitempty"`

	HTTPRestrictReqHdrNames string         `json:"http_restrict_req_hdr_names,omitempty" enum:"preserve,delete,reject" cfg:"option http-restrict-req-hdr-names,no"`
	IndependentStreams      string         `json:"independent_streams,omitempty" enum:"enabled,disabled" cfg:"option independent-streams,no"`
	Nolinger                string         `json:"nolinger,omitempty" enum:"enabled,disabled" cfg:"option nolinger,no"`
	SpliceAuto              string         `json:"splice_auto,omitempty" enum:"enabled,disabled" cfg:"option splice-auto,no"`
	SpliceRequest           string         `json:"splice_request,omitempty" enum:"enabled,disabled" cfg:"option splice-request,no"`
	SpliceResponse          string         `json:"splice_response,omitempty" enum:"enabled,disabled" cfg:"option splice-response,no"`
	Compression             map[string]any `json:"compression,omitempty" cfg:"compression,no"`
	Forwarded               map[string]any `json:"forwarded,omitempty" cfg:"option forwarded,no"`
	Originalto              map[string]any `json:"originalto,omitempty" cfg:"option originalto,no"`
	EmailAlert              map[string]any `json:"email_alert,omitempty" cfg:"email-alert,no"`
}

// FrontendParams are the fields frontend and defaults sections share.
type FrontendParams struct {
	Maxconn           *int64 `json:"maxconn,omitempty" cfg:"maxconn,int"`
	Backlog           *int64 `json:"backlog,omitempty" cfg:"backlog,int"`
	ClientTimeout     *int64 `json:"client_timeout,omitempty" cfg:"timeout client,ms"`
	ClientFinTimeout  *int64 `json:"client_fin_timeout,omitempty" cfg:"timeout client-fin,ms"`
	DefaultBackend    string `json:"default_backend,omitempty" cfg:"default_backend,word"`
	Httplog           bool   `json:"httplog,omitempty"`
	Clflog            bool   `json:"clflog,omitempty"`
	Tcplog            bool   `json:"tcplog,omitempty"`
	Httpslog          string `json:"httpslog,omitempty" enum:"enabled,disabled"`
	LogFormat         string `json:"log_format,omitempty" cfg:"log-format,text"`
	ErrorLogFormat    string `json:"error_log_format,omitempty" cfg:"error-log-format,text"`
	UniqueIDFormat    string `json:"unique_id_format,omitempty" cfg:"unique-id-format,text"`
	UniqueIDHeader    string `json:"unique_id_header,omitempty" cfg:"unique-id-header,word"`
	MonitorURI        string `json:"monitor_uri,omitempty" cfg:"monitor-uri,word"`
	Clitcpka          string `json:"clitcpka,omitempty" enum:"enabled,disabled" cfg:"option clitcpka,opt"`
	DontlogNormal     string `json:"dontlog_normal,omitempty" enum:"enabled,disabled" cfg:"option dontlog-normal,opt"`
	Dontlognull       string `json:"dontlognull,omitempty" enum:"enabled,disabled" cfg:"option dontlognull,opt"`
	LogSeparateErrors string `json:"log_separate_errors,omitempty" enum:"enabled,disabled" cfg:"option log-separate-errors,opt"`
	Logasap           string `json:"logasap,omitempty" enum:"enabled,disabled" cfg:"option logasap,opt"`
	SocketStats       string `json:"socket_stats,omitempty" enum:"enabled,disabled" cfg:"option socket-stats,opt"`

	LogFormatSD                         string   `json:"log_format_sd,omitempty" cfg:"log-format-sd,no"`
	LogSteps                            []string `json:"log_steps,omitempty" cfg:"log-steps,no"`
	AcceptInvalidHTTPRequest            string   `json:"accept_invalid_http_request,omitempty" enum:"enabled,disabled" cfg:"option accept-invalid-http-request,no"`
	AcceptUnsafeViolationsInHTTPRequest string   `json:"accept_unsafe_violations_in_http_request,omitempty" enum:"enabled,disabled" cfg:"option accept-unsafe-violations-in-http-request,no"`
	Contstats                           string   `json:"contstats,omitempty" enum:"enabled" cfg:"option contstats,no"`
	DisableH2Upgrade                    string   `json:"disable_h2_upgrade,omitempty" enum:"enabled,disabled" cfg:"option disable-h2-upgrade,no"`
	H1CaseAdjustBogusClient             string   `json:"h1_case_adjust_bogus_client,omitempty" enum:"enabled,disabled" cfg:"option h1-case-adjust-bogus-client,no"`
	HTTPIgnoreProbes                    string   `json:"http_ignore_probes,omitempty" enum:"enabled,disabled" cfg:"option http-ignore-probes,no"`
	HTTPNoDelay                         string   `json:"http_no_delay,omitempty" enum:"enabled,disabled" cfg:"option http-no-delay,no"`
	HTTPUseProxyHeader                  string   `json:"http_use_proxy_header,omitempty" enum:"enabled,disabled" cfg:"option http-use-proxy-header,no"`
	IdleCloseOnResponse                 string   `json:"idle_close_on_response,omitempty" enum:"enabled,disabled" cfg:"option idle-close-on-response,no"`
	TCPSmartAccept                      string   `json:"tcp_smart_accept,omitempty" enum:"enabled,disabled" cfg:"option tcp-smart-accept,no"`
	HTTPDropResponseTrailers            string   `json:"http-drop-response-trailers,omitempty" enum:"enabled,disabled" cfg:"option http-drop-response-trailers,no"`
	ClitcpkaCnt                         *int64   `json:"clitcpka_cnt,omitempty" cfg:"clitcpka-cnt,no"`
	ClitcpkaIdle                        *int64   `json:"clitcpka_idle,omitempty" cfg:"clitcpka-idle,no"`
	ClitcpkaIntvl                       *int64   `json:"clitcpka_intvl,omitempty" cfg:"clitcpka-intvl,no"`
}

// BackendParams are the fields backend and defaults sections share.
type BackendParams struct {
	Balance                 *Balance          `json:"balance,omitempty"`
	HashType                *HashType         `json:"hash_type,omitempty"`
	ConnectTimeout          *int64            `json:"connect_timeout,omitempty" cfg:"timeout connect,ms"`
	ServerTimeout           *int64            `json:"server_timeout,omitempty" cfg:"timeout server,ms"`
	QueueTimeout            *int64            `json:"queue_timeout,omitempty" cfg:"timeout queue,ms"`
	TunnelTimeout           *int64            `json:"tunnel_timeout,omitempty" cfg:"timeout tunnel,ms"`
	ServerFinTimeout        *int64            `json:"server_fin_timeout,omitempty" cfg:"timeout server-fin,ms"`
	CheckTimeout            *int64            `json:"check_timeout,omitempty" cfg:"timeout check,ms"`
	Fullconn                *int64            `json:"fullconn,omitempty" cfg:"fullconn,int"`
	Retries                 *int64            `json:"retries,omitempty" cfg:"retries,int"`
	RetryOn                 string            `json:"retry_on,omitempty" cfg:"retry-on,words"`
	HTTPReuse               string            `json:"http_reuse,omitempty" enum:"aggressive,always,never,safe" cfg:"http-reuse,word"`
	Cookie                  *Cookie           `json:"cookie,omitempty"`
	DynamicCookieKey        string            `json:"dynamic_cookie_key,omitempty" cfg:"dynamic-cookie-key,word"`
	DefaultServer           *ServerParams     `json:"default_server,omitempty"`
	AdvCheck                string            `json:"adv_check,omitempty" enum:"httpchk,ldap-check,mysql-check,pgsql-check,redis-check,smtpchk,ssl-hello-chk,tcp-check"`
	HttpchkParams           *HttpchkParams    `json:"httpchk_params,omitempty"`
	MysqlCheckParams        *MysqlCheckParams `json:"mysql_check_params,omitempty"`
	PgsqlCheckParams        *PgsqlCheckParams `json:"pgsql_check_params,omitempty"`
	SmtpchkParams           *SmtpchkParams    `json:"smtpchk_params,omitempty"`
	ExternalCheck           string            `json:"external_check,omitempty" enum:"enabled,disabled" cfg:"option external-check,opt"`
	ExternalCheckCommand    string            `json:"external_check_command,omitempty" cfg:"external-check command,word"`
	ExternalCheckPath       string            `json:"external_check_path,omitempty" cfg:"external-check path,word"`
	Redispatch              *Redispatch       `json:"redispatch,omitempty"`
	Source                  *Source           `json:"source,omitempty"`
	LoadServerStateFromFile string            `json:"load_server_state_from_file,omitempty" enum:"global,local,none" cfg:"load-server-state-from-file,word"`
	Abortonclose            string            `json:"abortonclose,omitempty" enum:"enabled,disabled" cfg:"option abortonclose,opt"`
	Allbackups              string            `json:"allbackups,omitempty" enum:"enabled,disabled" cfg:"option allbackups,opt"`
	LogHealthChecks         string            `json:"log_health_checks,omitempty" enum:"enabled,disabled" cfg:"option log-health-checks,opt"`
	Persist                 string            `json:"persist,omitempty" enum:"enabled,disabled" cfg:"option persist,opt"`
	PreferLastServer        string            `json:"prefer_last_server,omitempty" enum:"enabled,disabled" cfg:"option prefer-last-server,opt"`
	Srvtcpka                string            `json:"srvtcpka,omitempty" enum:"enabled,disabled" cfg:"option srvtcpka,opt"`

	AcceptInvalidHTTPResponse            string         `json:"accept_invalid_http_response,omitempty" enum:"enabled,disabled" cfg:"option accept-invalid-http-response,no"`
	AcceptUnsafeViolationsInHTTPResponse string         `json:"accept_unsafe_violations_in_http_response,omitempty" enum:"enabled,disabled" cfg:"option accept-unsafe-violations-in-http-response,no"`
	Checkcache                           string         `json:"checkcache,omitempty" enum:"enabled,disabled" cfg:"option checkcache,no"`
	H1CaseAdjustBogusServer              string         `json:"h1_case_adjust_bogus_server,omitempty" enum:"enabled,disabled" cfg:"option h1-case-adjust-bogus-server,no"`
	HashBalanceFactor                    *int64         `json:"hash_balance_factor,omitempty" cfg:"hash-balance-factor,no"`
	HashPreserveAffinity                 string         `json:"hash_preserve_affinity,omitempty" enum:"always,maxconn,maxqueue" cfg:"hash-preserve-affinity,no"`
	HTTPDropRequestTrailers              string         `json:"http-drop-request-trailers,omitempty" enum:"enabled,disabled" cfg:"option http-drop-request-trailers,no"`
	HTTPPretendKeepalive                 string         `json:"http_pretend_keepalive,omitempty" enum:"enabled,disabled" cfg:"option http-pretend-keepalive,no"`
	HTTPSendNameHeader                   *string        `json:"http_send_name_header,omitempty" cfg:"http-send-name-header,no"`
	MaxKeepAliveQueue                    *int64         `json:"max_keep_alive_queue,omitempty" cfg:"max-keep-alive-queue,no"`
	PersistRule                          map[string]any `json:"persist_rule,omitempty" cfg:"persist,no"`
	SrvtcpkaCnt                          *int64         `json:"srvtcpka_cnt,omitempty" cfg:"srvtcpka-cnt,no"`
	SrvtcpkaIdle                         *int64         `json:"srvtcpka_idle,omitempty" cfg:"srvtcpka-idle,no"`
	SrvtcpkaIntvl                        *int64         `json:"srvtcpka_intvl,omitempty" cfg:"srvtcpka-intvl,no"`
	TCPSmartConnect                      string         `json:"tcp_smart_connect,omitempty" enum:"enabled,disabled" cfg:"option tcp-smart-connect,no"`
	Transparent                          string         `json:"transparent,omitempty" enum:"enabled,disabled" cfg:"option transparent,no"`
	UseSmallBuffers                      map[string]any `json:"use_small_buffers,omitempty" cfg:"use-small-buffers,no"`
}

// Balance is the "balance" line.
type Balance struct {
	Algorithm         string `json:"algorithm" required:"true" enum:"first,hash,hdr,leastconn,random,rdp-cookie,roundrobin,source,static-rr,uri,url_param"`
	HashExpression    string `json:"hash_expression,omitempty"`
	HdrName           string `json:"hdr_name,omitempty"`
	HdrUseDomainOnly  bool   `json:"hdr_use_domain_only,omitempty"`
	RandomDraws       int64  `json:"random_draws,omitempty"`
	RdpCookieName     string `json:"rdp_cookie_name,omitempty"`
	URIDepth          int64  `json:"uri_depth,omitempty"`
	URILen            int64  `json:"uri_len,omitempty"`
	URIPathOnly       bool   `json:"uri_path_only,omitempty"`
	URIWhole          bool   `json:"uri_whole,omitempty"`
	URLParam          string `json:"url_param,omitempty"`
	URLParamCheckPost int64  `json:"url_param_check_post,omitempty"`
	URLParamMaxWait   int64  `json:"url_param_max_wait,omitempty"`
}

// HashType is the "hash-type" line.
type HashType struct {
	Method   string `json:"method,omitempty" enum:"map-based,consistent"`
	Function string `json:"function,omitempty" enum:"sdbm,djb2,wt6,crc32,none"`
	Modifier string `json:"modifier,omitempty" enum:"avalanche"`
}

// Cookie is the "cookie" line of a backend.
type Cookie struct {
	Name     string         `json:"name" required:"true"`
	Type     string         `json:"type,omitempty" enum:"rewrite,insert,prefix"`
	Indirect bool           `json:"indirect,omitempty"`
	Nocache  bool           `json:"nocache,omitempty"`
	Postonly bool           `json:"postonly,omitempty"`
	Preserve bool           `json:"preserve,omitempty"`
	Httponly bool           `json:"httponly,omitempty"`
	Secure   bool           `json:"secure,omitempty"`
	Dynamic  bool           `json:"dynamic,omitempty"`
	Domain   []*CookieValue `json:"domain,omitempty"`
	Attr     []*CookieValue `json:"attr,omitempty"`
	Maxidle  int64          `json:"maxidle,omitempty"`
	Maxlife  int64          `json:"maxlife,omitempty"`
}

// CookieValue is one "domain" or "attr" of a cookie line.
type CookieValue struct {
	Value string `json:"value"`
}

// Forwardfor is "option forwardfor".
type Forwardfor struct {
	Enabled string `json:"enabled" required:"true" enum:"enabled"`
	Except  string `json:"except,omitempty"`
	Header  string `json:"header,omitempty"`
	Ifnone  bool   `json:"ifnone,omitempty"`
}

// Redispatch is "option redispatch [<interval>]".
type Redispatch struct {
	Enabled  string `json:"enabled" required:"true" enum:"enabled,disabled"`
	Interval *int64 `json:"interval,omitempty"`
}

// HttpchkParams are the arguments of "option httpchk".
type HttpchkParams struct {
	Method  string `json:"method,omitempty" enum:"HEAD,PUT,POST,GET,TRACE,PATCH,DELETE,CONNECT,OPTIONS"`
	URI     string `json:"uri,omitempty"`
	Version string `json:"version,omitempty"`
	Host    string `json:"host,omitempty"`
}

// MysqlCheckParams are the arguments of "option mysql-check".
type MysqlCheckParams struct {
	Username      string `json:"username,omitempty"`
	ClientVersion string `json:"client_version,omitempty" enum:"pre-41,post-41"`
}

// PgsqlCheckParams are the arguments of "option pgsql-check".
type PgsqlCheckParams struct {
	Username string `json:"username,omitempty"`
}

// SmtpchkParams are the arguments of "option smtpchk".
type SmtpchkParams struct {
	Hello  string `json:"hello,omitempty"`
	Domain string `json:"domain,omitempty"`
}

// Source is the "source" line of a backend.
type Source struct {
	Address       string `json:"address" required:"true"`
	Port          int64  `json:"port,omitempty"`
	Usesrc        string `json:"usesrc,omitempty" enum:"address,client,clientip,hdr_ip"`
	AddressSecond string `json:"address_second,omitempty"`
	PortSecond    int64  `json:"port_second,omitempty"`
	Hdr           string `json:"hdr,omitempty"`
	Occ           string `json:"occ,omitempty"`
	Interface     string `json:"interface,omitempty"`
}

// Errorfile is one "errorfile <code> <file>" line.
type Errorfile struct {
	Code int64  `json:"code,omitempty" enum:"200,400,401,403,404,405,407,408,410,413,425,429,500,501,502,503,504"`
	File string `json:"file,omitempty"`
}

// Errorfiles is one "errorfiles <http-errors name> [<code>...]" line.
type Errorfiles struct {
	Name  string  `json:"name,omitempty"`
	Codes []int64 `json:"codes,omitempty"`
}

// Errorloc is an "errorloc302" or "errorloc303" line.
type Errorloc struct {
	Code int64  `json:"code" required:"true" enum:"200,400,401,403,404,405,407,408,410,413,425,429,500,501,502,503,504"`
	URL  string `json:"url" required:"true"`
}

// StatsOptions are the "stats ..." lines of a proxy.
type StatsOptions struct {
	StatsEnable        bool                `json:"stats_enable,omitempty"`
	StatsURIPrefix     string              `json:"stats_uri_prefix,omitempty"`
	StatsRealm         bool                `json:"stats_realm,omitempty"`
	StatsRealmRealm    *string             `json:"stats_realm_realm,omitempty"`
	StatsAuths         []*StatsAuth        `json:"stats_auths,omitempty"`
	StatsRefreshDelay  *int64              `json:"stats_refresh_delay,omitempty"`
	StatsHideVersion   bool                `json:"stats_hide_version,omitempty"`
	StatsShowLegends   bool                `json:"stats_show_legends,omitempty"`
	StatsShowDesc      *string             `json:"stats_show_desc,omitempty"`
	StatsShowNodeName  *string             `json:"stats_show_node_name,omitempty"`
	StatsAdmin         bool                `json:"stats_admin,omitempty"`
	StatsAdminCond     string              `json:"stats_admin_cond,omitempty" enum:"if,unless"`
	StatsAdminCondTest string              `json:"stats_admin_cond_test,omitempty"`
	StatsHTTPRequests  []*StatsHTTPRequest `json:"stats_http_requests,omitempty"`
}

// StatsHTTPRequest is one "stats http-request" line.
type StatsHTTPRequest struct {
	Type     string `json:"type" required:"true" enum:"allow,deny,auth"`
	Realm    string `json:"realm,omitempty"`
	Cond     string `json:"cond,omitempty" enum:"if,unless"`
	CondTest string `json:"cond_test,omitempty"`
}

// StatsAuth is one "stats auth <user>:<passwd>" line.
type StatsAuth struct {
	User   string `json:"user" required:"true"`
	Passwd string `json:"passwd" required:"true"`
}

// MonitorFail is "monitor fail if|unless <condition>".
type MonitorFail struct {
	Cond     string `json:"cond" required:"true" enum:"if,unless"`
	CondTest string `json:"cond_test" required:"true"`
}

// PersistCond is one "force-persist" or "ignore-persist" line.
type PersistCond struct {
	Cond     string `json:"cond" required:"true" enum:"if,unless"`
	CondTest string `json:"cond_test" required:"true"`
}

// ConfigStickTable is the "stick-table" line of a frontend or backend.
type ConfigStickTable struct {
	Type    string `json:"type,omitempty" enum:"ip,ipv6,integer,string,binary"`
	Size    *int64 `json:"size,omitempty"`
	Expire  *int64 `json:"expire,omitempty"`
	Keylen  *int64 `json:"keylen,omitempty"`
	Nopurge bool   `json:"nopurge,omitempty"`
	Peers   string `json:"peers,omitempty"`
	Store   string `json:"store,omitempty"`
	Srvkey  string `json:"srvkey,omitempty" enum:"addr,name"`
	WriteTo string `json:"write_to,omitempty"`
}

// proxyLines converts the lines of frontend, backend and defaults sections.
var proxyLines = &lineCodec{extras: []*extra{
	{json: []string{"balance"}, kws: []string{"balance"}, decode: decodeBalance, encode: encodeBalance},
	{json: []string{"hash_type"}, kws: []string{"hash-type"}, decode: decodeHashType, encode: encodeHashType},
	{json: []string{"cookie"}, kws: []string{"cookie"}, decode: decodeCookie, encode: encodeCookie},
	{json: []string{"default_server"}, kws: []string{"default-server"}, decode: decodeDefaultServer, encode: encodeDefaultServer},
	{json: []string{"adv_check", "httpchk_params", "mysql_check_params", "pgsql_check_params", "smtpchk_params"},
		kws:    []string{"option httpchk", "option ssl-hello-chk", "option smtpchk", "option ldap-check", "option mysql-check", "option pgsql-check", "option redis-check", "option tcp-check"},
		decode: decodeAdvCheck, encode: encodeAdvCheck},
	{json: []string{"redispatch"}, kws: []string{"option redispatch"}, neg: []string{"option redispatch"}, decode: decodeRedispatch, encode: encodeRedispatch},
	{json: []string{"source"}, kws: []string{"source"}, decode: decodeSource, encode: encodeSource},
	{json: []string{"forwardfor"}, kws: []string{"option forwardfor"}, decode: decodeForwardfor, encode: encodeForwardfor},
	{json: []string{"http_connection_mode"}, kws: []string{"option http-keep-alive", "option http-server-close", "option httpclose"}, decode: decodeConnMode, encode: encodeConnMode},
	{json: []string{"httplog", "clflog", "tcplog", "httpslog"}, kws: []string{"option httplog", "option tcplog", "option httpslog"}, neg: []string{"option httpslog"}, decode: decodeLogOpts, encode: encodeLogOpts},
	{json: []string{"error_files"}, kws: []string{"errorfile"}, decode: decodeErrorfile, encode: encodeErrorfile},
	{json: []string{"errorfiles_from_http_errors"}, kws: []string{"errorfiles"}, decode: decodeErrorfiles, encode: encodeErrorfiles},
	{json: []string{"errorloc302", "errorloc303"}, kws: []string{"errorloc", "errorloc302", "errorloc303"}, decode: decodeErrorloc, encode: encodeErrorloc},
	{json: []string{"stats_options"}, kws: []string{"stats enable", "stats uri", "stats realm", "stats auth", "stats refresh", "stats hide-version", "stats show-legends", "stats show-desc", "stats show-node", "stats admin", "stats http-request"}, decode: decodeStats, encode: encodeStats},
	{json: []string{"monitor_fail"}, kws: []string{"monitor fail"}, decode: decodeMonitorFail, encode: encodeMonitorFail},
	{json: []string{"stick_table"}, kws: []string{"stick-table"}, decode: decodeStickTable, encode: encodeStickTable},
	{json: []string{"force_persist_list"}, kws: []string{"force-persist"}, decode: decodePersist("force_persist_list"), encode: encodePersist("force-persist", "force_persist_list")},
	{json: []string{"ignore_persist_list"}, kws: []string{"ignore-persist"}, decode: decodePersist("ignore_persist_list"), encode: encodePersist("ignore-persist", "ignore_persist_list")},
}}

func decodeBalance(f fields, w []string) error {
	if len(w) < 2 {
		return fmt.Errorf("expects an algorithm")
	}
	b := &Balance{Algorithm: w[1]}
	args := w[2:]
	if i := strings.IndexByte(w[1], '('); i > 0 && strings.HasSuffix(w[1], ")") {
		b.Algorithm = w[1][:i]
		p := w[1][i+1 : len(w[1])-1]
		switch b.Algorithm {
		case "hdr":
			b.HdrName = p
		case "random":
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return fmt.Errorf("random(%s): not a number", p)
			}
			b.RandomDraws = n
		case "rdp-cookie":
			b.RdpCookieName = p
		default:
			return fmt.Errorf("unexpected argument %q", p)
		}
	}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case b.Algorithm == "uri" && a == "whole":
			b.URIWhole = true
		case b.Algorithm == "uri" && a == "path-only":
			b.URIPathOnly = true
		case b.Algorithm == "uri" && (a == "len" || a == "depth") && i+1 < len(args):
			n, err := strconv.ParseInt(args[i+1], 10, 64)
			if err != nil {
				return fmt.Errorf("%s %q: not a number", a, args[i+1])
			}
			if a == "len" {
				b.URILen = n
			} else {
				b.URIDepth = n
			}
			i++
		case b.Algorithm == "url_param" && b.URLParam == "":
			b.URLParam = a
		case b.Algorithm == "hdr" && a == "use_domain_only":
			b.HdrUseDomainOnly = true
		case b.Algorithm == "hash":
			b.HashExpression = strings.Join(args[i:], " ")
			i = len(args)
		default:
			return fmt.Errorf("unexpected argument %q", a)
		}
	}
	*f.ptr("balance").(**Balance) = b
	return nil
}

func encodeBalance(f fields) ([][]string, error) {
	b := *f.ptr("balance").(**Balance)
	if b == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(b)); err != nil {
		return nil, fmt.Errorf("balance: %w", err)
	}
	switch b.Algorithm {
	case "":
		return nil, fmt.Errorf("balance: field \"algorithm\" is required")
	case "rdp-cookie", "hash":
		return nil, fmt.Errorf("balance: algorithm %q is not supported by hawser", b.Algorithm)
	}
	if b.URLParamCheckPost != 0 || b.URLParamMaxWait != 0 {
		return nil, fmt.Errorf("balance: fields \"url_param_check_post\" and \"url_param_max_wait\" are not supported by hawser")
	}
	line := []string{"balance", b.Algorithm}
	switch b.Algorithm {
	case "hdr":
		if b.HdrName == "" {
			return nil, fmt.Errorf("balance: algorithm hdr needs field \"hdr_name\"")
		}
		line[1] = "hdr(" + b.HdrName + ")"
		if b.HdrUseDomainOnly {
			line = append(line, "use_domain_only")
		}
	case "random":
		if b.RandomDraws != 0 {
			line[1] = "random(" + strconv.FormatInt(b.RandomDraws, 10) + ")"
		}
	case "url_param":
		if b.URLParam == "" {
			return nil, fmt.Errorf("balance: algorithm url_param needs field \"url_param\"")
		}
		line = append(line, b.URLParam)
	case "uri":
		if b.URILen != 0 {
			line = append(line, "len", strconv.FormatInt(b.URILen, 10))
		}
		if b.URIDepth != 0 {
			line = append(line, "depth", strconv.FormatInt(b.URIDepth, 10))
		}
		if b.URIPathOnly {
			line = append(line, "path-only")
		}
		if b.URIWhole {
			line = append(line, "whole")
		}
	}
	return [][]string{line}, nil
}

func decodeHashType(f fields, w []string) error {
	h := &HashType{}
	for _, a := range w[1:] {
		switch a {
		case "map-based", "consistent":
			h.Method = a
		case "sdbm", "djb2", "wt6", "crc32", "none":
			h.Function = a
		case "avalanche":
			h.Modifier = a
		default:
			return fmt.Errorf("unexpected argument %q", a)
		}
	}
	*f.ptr("hash_type").(**HashType) = h
	return nil
}

func encodeHashType(f fields) ([][]string, error) {
	h := *f.ptr("hash_type").(**HashType)
	if h == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(h)); err != nil {
		return nil, fmt.Errorf("hash_type: %w", err)
	}
	if h.Method == "" {
		return nil, fmt.Errorf("hash_type: field \"method\" is required")
	}
	line := []string{"hash-type", h.Method}
	if h.Function != "" {
		line = append(line, h.Function)
	}
	if h.Modifier != "" {
		if h.Function == "" {
			line = append(line, "sdbm")
		}
		line = append(line, h.Modifier)
	}
	return [][]string{line}, nil
}

func decodeCookie(f fields, w []string) error {
	if len(w) < 2 {
		return fmt.Errorf("expects a cookie name")
	}
	c := &Cookie{Name: w[1]}
	for i := 2; i < len(w); i++ {
		switch a := w[i]; a {
		case "rewrite", "insert", "prefix":
			c.Type = a
		case "indirect":
			c.Indirect = true
		case "nocache":
			c.Nocache = true
		case "postonly":
			c.Postonly = true
		case "preserve":
			c.Preserve = true
		case "httponly":
			c.Httponly = true
		case "secure":
			c.Secure = true
		case "dynamic":
			c.Dynamic = true
		case "domain", "attr", "maxidle", "maxlife":
			if i+1 == len(w) {
				return fmt.Errorf("%s expects a value", a)
			}
			i++
			switch a {
			case "domain":
				c.Domain = append(c.Domain, &CookieValue{Value: w[i]})
			case "attr":
				c.Attr = append(c.Attr, &CookieValue{Value: w[i]})
			default:
				n, err := parseSeconds(w[i])
				if err != nil {
					return fmt.Errorf("%s: %w", a, err)
				}
				if a == "maxidle" {
					c.Maxidle = n
				} else {
					c.Maxlife = n
				}
			}
		default:
			return fmt.Errorf("unexpected argument %q", a)
		}
	}
	*f.ptr("cookie").(**Cookie) = c
	return nil
}

// parseSeconds parses a time whose default unit is the second.
func parseSeconds(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	ms, err := parseTime(s)
	return ms / 1000, err
}

func encodeCookie(f fields) ([][]string, error) {
	c := *f.ptr("cookie").(**Cookie)
	if c == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(c)); err != nil {
		return nil, fmt.Errorf("cookie: %w", err)
	}
	if c.Name == "" || strings.ContainsAny(c.Name, " \t") {
		return nil, fmt.Errorf("cookie: field \"name\" is required and may not contain spaces")
	}
	line := []string{"cookie", c.Name}
	if c.Type != "" {
		line = append(line, c.Type)
	}
	for _, fl := range []struct {
		on   bool
		word string
	}{{c.Indirect, "indirect"}, {c.Nocache, "nocache"}, {c.Postonly, "postonly"}, {c.Preserve, "preserve"}, {c.Httponly, "httponly"}, {c.Secure, "secure"}, {c.Dynamic, "dynamic"}} {
		if fl.on {
			line = append(line, fl.word)
		}
	}
	for _, d := range c.Domain {
		if d == nil || d.Value == "" {
			return nil, fmt.Errorf("cookie: an empty domain")
		}
		line = append(line, "domain", d.Value)
	}
	if c.Maxidle != 0 {
		line = append(line, "maxidle", strconv.FormatInt(c.Maxidle, 10))
	}
	if c.Maxlife != 0 {
		line = append(line, "maxlife", strconv.FormatInt(c.Maxlife, 10))
	}
	for _, a := range c.Attr {
		if a == nil || a.Value == "" {
			return nil, fmt.Errorf("cookie: an empty attr")
		}
		line = append(line, "attr", a.Value)
	}
	return [][]string{line}, nil
}

func decodeDefaultServer(f fields, w []string) error {
	p := f.ptr("default_server").(**ServerParams)
	if *p == nil {
		*p = &ServerParams{}
	}
	// default-server lines add up.
	return decodeServerOpts(*p, w[1:])
}

func encodeDefaultServer(f fields) ([][]string, error) {
	p := *f.ptr("default_server").(**ServerParams)
	if p == nil {
		return nil, nil
	}
	opts, err := encodeServerOpts(p)
	if err != nil {
		return nil, fmt.Errorf("default_server: %w", err)
	}
	if len(opts) == 0 {
		return nil, nil
	}
	return [][]string{append([]string{"default-server"}, opts...)}, nil
}

func decodeAdvCheck(f fields, w []string) error {
	kind, args := w[1], w[2:]
	*f.ptr("adv_check").(*string) = kind
	switch kind {
	case "httpchk":
		p := &HttpchkParams{}
		switch len(args) {
		case 0:
			p = nil
		case 1:
			p.URI = args[0]
		default:
			p.Method, p.URI = args[0], args[1]
			if len(args) > 2 {
				p.Version = args[2]
			}
			if len(args) > 3 {
				p.Host = args[3]
			}
			if len(args) > 4 {
				return fmt.Errorf("too many arguments")
			}
		}
		*f.ptr("httpchk_params").(**HttpchkParams) = p
	case "mysql-check":
		if len(args) == 0 {
			return nil
		}
		if args[0] != "user" || len(args) < 2 || len(args) > 3 {
			return fmt.Errorf("expects user <name> [post-41|pre-41]")
		}
		p := &MysqlCheckParams{Username: args[1]}
		if len(args) == 3 {
			p.ClientVersion = args[2]
		}
		*f.ptr("mysql_check_params").(**MysqlCheckParams) = p
	case "pgsql-check":
		if len(args) == 0 {
			return nil
		}
		if args[0] != "user" || len(args) != 2 {
			return fmt.Errorf("expects user <name>")
		}
		*f.ptr("pgsql_check_params").(**PgsqlCheckParams) = &PgsqlCheckParams{Username: args[1]}
	case "smtpchk":
		if len(args) == 0 {
			return nil
		}
		p := &SmtpchkParams{Hello: args[0]}
		if len(args) > 1 {
			p.Domain = args[1]
		}
		*f.ptr("smtpchk_params").(**SmtpchkParams) = p
	default:
		if len(args) > 0 {
			return fmt.Errorf("takes no argument")
		}
	}
	return nil
}

func encodeAdvCheck(f fields) ([][]string, error) {
	kind := *f.ptr("adv_check").(*string)
	hp := *f.ptr("httpchk_params").(**HttpchkParams)
	mp := *f.ptr("mysql_check_params").(**MysqlCheckParams)
	pp := *f.ptr("pgsql_check_params").(**PgsqlCheckParams)
	sp := *f.ptr("smtpchk_params").(**SmtpchkParams)
	for js, set := range map[string]bool{"httpchk": hp != nil, "mysql-check": mp != nil, "pgsql-check": pp != nil, "smtpchk": sp != nil} {
		if set && kind != js {
			return nil, fmt.Errorf("adv_check: its parameters are set but adv_check is not %q", js)
		}
	}
	if kind == "" {
		return nil, nil
	}
	line := []string{"option", kind}
	switch kind {
	case "httpchk":
		if hp != nil {
			if err := validate(fieldsOf(hp)); err != nil {
				return nil, fmt.Errorf("httpchk_params: %w", err)
			}
			switch {
			case hp.Method == "" && hp.Version == "" && hp.Host == "":
				if hp.URI != "" {
					line = append(line, hp.URI)
				}
			default:
				uri := hp.URI
				if uri == "" {
					uri = "/"
				}
				method := hp.Method
				if method == "" {
					method = "OPTIONS"
				}
				line = append(line, method, uri)
				if hp.Version != "" {
					line = append(line, hp.Version)
				}
				if hp.Host != "" {
					if hp.Version == "" {
						return nil, fmt.Errorf("httpchk_params: field \"host\" needs \"version\"")
					}
					line = append(line, hp.Host)
				}
			}
		}
	case "mysql-check":
		if mp != nil && mp.Username != "" {
			if err := validate(fieldsOf(mp)); err != nil {
				return nil, fmt.Errorf("mysql_check_params: %w", err)
			}
			line = append(line, "user", mp.Username)
			if mp.ClientVersion != "" {
				line = append(line, mp.ClientVersion)
			}
		}
	case "pgsql-check":
		if pp == nil || pp.Username == "" {
			return nil, fmt.Errorf("pgsql_check_params: field \"username\" is required")
		}
		line = append(line, "user", pp.Username)
	case "smtpchk":
		if sp != nil && sp.Hello != "" {
			line = append(line, sp.Hello)
			if sp.Domain != "" {
				line = append(line, sp.Domain)
			}
		}
	}
	return [][]string{line}, nil
}

func decodeRedispatch(f fields, w []string) error {
	r := &Redispatch{Enabled: "enabled"}
	if w[0] == "no" {
		r.Enabled = "disabled"
	} else if len(w) > 2 {
		n, err := strconv.ParseInt(w[2], 10, 64)
		if err != nil {
			return fmt.Errorf("interval %q: not a number", w[2])
		}
		r.Interval = &n
	}
	*f.ptr("redispatch").(**Redispatch) = r
	return nil
}

func encodeRedispatch(f fields) ([][]string, error) {
	r := *f.ptr("redispatch").(**Redispatch)
	if r == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(r)); err != nil {
		return nil, fmt.Errorf("redispatch: %w", err)
	}
	switch r.Enabled {
	case "disabled":
		return [][]string{{"no", "option", "redispatch"}}, nil
	case "enabled":
		line := []string{"option", "redispatch"}
		if r.Interval != nil {
			line = append(line, strconv.FormatInt(*r.Interval, 10))
		}
		return [][]string{line}, nil
	}
	return nil, fmt.Errorf("redispatch: field \"enabled\" is required")
}

func decodeSource(f fields, w []string) error {
	if len(w) < 2 {
		return fmt.Errorf("expects an address")
	}
	s := &Source{}
	var err error
	if s.Address, s.Port, err = splitAddrPort(w[1]); err != nil {
		return err
	}
	for i := 2; i < len(w); i++ {
		if i+1 == len(w) {
			return fmt.Errorf("%s expects a value", w[i])
		}
		switch w[i] {
		case "usesrc":
			v := w[i+1]
			switch {
			case v == "client" || v == "clientip":
				s.Usesrc = v
			case strings.HasPrefix(v, "hdr_ip(") && strings.HasSuffix(v, ")"):
				s.Usesrc = "hdr_ip"
				s.Hdr, s.Occ, _ = strings.Cut(v[len("hdr_ip("):len(v)-1], ",")
			default:
				s.Usesrc = "address"
				if s.AddressSecond, s.PortSecond, err = splitAddrPort(v); err != nil {
					return err
				}
			}
		case "interface":
			s.Interface = w[i+1]
		default:
			return fmt.Errorf("unexpected argument %q", w[i])
		}
		i++
	}
	*f.ptr("source").(**Source) = s
	return nil
}

// splitAddrPort splits "addr[:port]"; IPv6 addresses keep their colons
// unless the port is explicit after the last one ("::1:80" is ambiguous in
// haproxy.cfg too: HAProxy takes the last colon as the port separator).
func splitAddrPort(s string) (string, int64, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, 0, nil
	}
	p := s[i+1:]
	if p == "" {
		return s[:i], 0, nil
	}
	n, err := strconv.ParseInt(p, 10, 64)
	if err != nil {
		return s, 0, nil
	}
	return s[:i], n, nil
}

func joinAddrPort(addr string, port int64) string {
	if port == 0 {
		return addr
	}
	return addr + ":" + strconv.FormatInt(port, 10)
}

func encodeSource(f fields) ([][]string, error) {
	s := *f.ptr("source").(**Source)
	if s == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(s)); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if s.Address == "" {
		return nil, fmt.Errorf("source: field \"address\" is required")
	}
	line := []string{"source", joinAddrPort(s.Address, s.Port)}
	switch s.Usesrc {
	case "client", "clientip":
		line = append(line, "usesrc", s.Usesrc)
	case "address":
		line = append(line, "usesrc", joinAddrPort(s.AddressSecond, s.PortSecond))
	case "hdr_ip":
		v := s.Hdr
		if s.Occ != "" {
			v += "," + s.Occ
		}
		line = append(line, "usesrc", "hdr_ip("+v+")")
	}
	if s.Interface != "" {
		line = append(line, "interface", s.Interface)
	}
	return [][]string{line}, nil
}

func decodeForwardfor(f fields, w []string) error {
	ff := &Forwardfor{Enabled: "enabled"}
	for i := 2; i < len(w); i++ {
		switch w[i] {
		case "if-none":
			ff.Ifnone = true
		case "except", "header":
			if i+1 == len(w) {
				return fmt.Errorf("%s expects a value", w[i])
			}
			if w[i] == "except" {
				ff.Except = w[i+1]
			} else {
				ff.Header = w[i+1]
			}
			i++
		default:
			return fmt.Errorf("unexpected argument %q", w[i])
		}
	}
	*f.ptr("forwardfor").(**Forwardfor) = ff
	return nil
}

func encodeForwardfor(f fields) ([][]string, error) {
	ff := *f.ptr("forwardfor").(**Forwardfor)
	if ff == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(ff)); err != nil {
		return nil, fmt.Errorf("forwardfor: %w", err)
	}
	if ff.Enabled != "enabled" {
		return nil, fmt.Errorf("forwardfor: field \"enabled\" is required")
	}
	line := []string{"option", "forwardfor"}
	if ff.Except != "" {
		line = append(line, "except", ff.Except)
	}
	if ff.Header != "" {
		line = append(line, "header", ff.Header)
	}
	if ff.Ifnone {
		line = append(line, "if-none")
	}
	return [][]string{line}, nil
}

func decodeConnMode(f fields, w []string) error {
	*f.ptr("http_connection_mode").(*string) = w[1]
	return nil
}

func encodeConnMode(f fields) ([][]string, error) {
	m := *f.ptr("http_connection_mode").(*string)
	if m == "" {
		return nil, nil
	}
	return [][]string{{"option", m}}, nil
}

func decodeLogOpts(f fields, w []string) error {
	neg := w[0] == "no"
	if neg {
		w = w[1:]
	}
	switch w[1] {
	case "httplog":
		if neg {
			return nil
		}
		*f.ptr("httplog").(*bool) = true
		if len(w) > 2 && w[2] == "clf" {
			*f.ptr("clflog").(*bool) = true
		}
	case "tcplog":
		if !neg {
			*f.ptr("tcplog").(*bool) = true
		}
	case "httpslog":
		if neg {
			*f.ptr("httpslog").(*string) = "disabled"
		} else {
			*f.ptr("httpslog").(*string) = "enabled"
		}
	}
	return nil
}

func encodeLogOpts(f fields) ([][]string, error) {
	var lines [][]string
	httplog, clf := *f.ptr("httplog").(*bool), *f.ptr("clflog").(*bool)
	tcplog, https := *f.ptr("tcplog").(*bool), *f.ptr("httpslog").(*string)
	n := 0
	for _, on := range []bool{httplog || clf, tcplog, https == "enabled"} {
		if on {
			n++
		}
	}
	if n > 1 {
		return nil, fmt.Errorf("fields \"httplog\"/\"clflog\", \"tcplog\" and \"httpslog\" exclude each other")
	}
	switch {
	case clf:
		lines = append(lines, []string{"option", "httplog", "clf"})
	case httplog:
		lines = append(lines, []string{"option", "httplog"})
	case tcplog:
		lines = append(lines, []string{"option", "tcplog"})
	case https == "enabled":
		lines = append(lines, []string{"option", "httpslog"})
	case https == "disabled":
		lines = append(lines, []string{"no", "option", "httpslog"})
	}
	return lines, nil
}

func decodeErrorfile(f fields, w []string) error {
	if len(w) != 3 {
		return fmt.Errorf("expects <code> <file>")
	}
	code, err := strconv.ParseInt(w[1], 10, 64)
	if err != nil {
		return fmt.Errorf("code %q: not a number", w[1])
	}
	p := f.ptr("error_files").(*[]*Errorfile)
	*p = append(*p, &Errorfile{Code: code, File: w[2]})
	return nil
}

func encodeErrorfile(f fields) ([][]string, error) {
	var lines [][]string
	for _, e := range *f.ptr("error_files").(*[]*Errorfile) {
		if e == nil {
			continue
		}
		if err := validate(fieldsOf(e)); err != nil {
			return nil, fmt.Errorf("error_files: %w", err)
		}
		if e.Code == 0 || e.File == "" {
			return nil, fmt.Errorf("error_files: fields \"code\" and \"file\" are required")
		}
		lines = append(lines, []string{"errorfile", strconv.FormatInt(e.Code, 10), e.File})
	}
	return lines, nil
}

func decodeErrorfiles(f fields, w []string) error {
	if len(w) < 2 {
		return fmt.Errorf("expects an http-errors section name")
	}
	e := &Errorfiles{Name: w[1]}
	for _, c := range w[2:] {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			return fmt.Errorf("code %q: not a number", c)
		}
		e.Codes = append(e.Codes, n)
	}
	p := f.ptr("errorfiles_from_http_errors").(*[]*Errorfiles)
	*p = append(*p, e)
	return nil
}

func encodeErrorfiles(f fields) ([][]string, error) {
	var lines [][]string
	for _, e := range *f.ptr("errorfiles_from_http_errors").(*[]*Errorfiles) {
		if e == nil {
			continue
		}
		if err := checkName("errorfiles_from_http_errors.name", e.Name); err != nil {
			return nil, err
		}
		line := []string{"errorfiles", e.Name}
		for _, c := range e.Codes {
			line = append(line, strconv.FormatInt(c, 10))
		}
		lines = append(lines, line)
	}
	return lines, nil
}

func decodeErrorloc(f fields, w []string) error {
	if len(w) != 3 {
		return fmt.Errorf("expects <code> <url>")
	}
	code, err := strconv.ParseInt(w[1], 10, 64)
	if err != nil {
		return fmt.Errorf("code %q: not a number", w[1])
	}
	js := "errorloc302"
	if w[0] == "errorloc303" {
		js = "errorloc303"
	}
	*f.ptr(js).(**Errorloc) = &Errorloc{Code: code, URL: w[2]}
	return nil
}

func encodeErrorloc(f fields) ([][]string, error) {
	var lines [][]string
	for _, js := range []string{"errorloc302", "errorloc303"} {
		e := *f.ptr(js).(**Errorloc)
		if e == nil {
			continue
		}
		if err := validate(fieldsOf(e)); err != nil {
			return nil, fmt.Errorf("%s: %w", js, err)
		}
		if e.Code == 0 || e.URL == "" {
			return nil, fmt.Errorf("%s: fields \"code\" and \"url\" are required", js)
		}
		lines = append(lines, []string{js, strconv.FormatInt(e.Code, 10), e.URL})
	}
	return lines, nil
}

func decodeStats(f fields, w []string) error {
	p := f.ptr("stats_options").(**StatsOptions)
	if *p == nil {
		*p = &StatsOptions{}
	}
	s, args := *p, w[2:]
	one := func() (string, error) {
		if len(args) != 1 {
			return "", fmt.Errorf("expects one argument")
		}
		return args[0], nil
	}
	var err error
	switch w[1] {
	case "enable":
		s.StatsEnable = true
	case "uri":
		s.StatsURIPrefix, err = one()
	case "realm":
		var r string
		if r, err = one(); err == nil {
			s.StatsRealm, s.StatsRealmRealm = true, &r
		}
	case "auth":
		var a string
		if a, err = one(); err == nil {
			u, pw, ok := strings.Cut(a, ":")
			if !ok {
				return fmt.Errorf("expects <user>:<password>")
			}
			s.StatsAuths = append(s.StatsAuths, &StatsAuth{User: u, Passwd: pw})
		}
	case "refresh":
		var r string
		if r, err = one(); err == nil {
			var n int64
			if n, err = parseSeconds(r); err == nil {
				s.StatsRefreshDelay = &n
			}
		}
	case "hide-version":
		s.StatsHideVersion = true
	case "show-legends":
		s.StatsShowLegends = true
	case "show-desc":
		d := strings.Join(args, " ")
		s.StatsShowDesc = &d
	case "show-node":
		d := strings.Join(args, " ")
		s.StatsShowNodeName = &d
	case "http-request":
		if len(args) == 0 {
			return fmt.Errorf("expects allow, deny or auth")
		}
		rest, cond, test, err := splitCond(args[1:])
		if err != nil {
			return err
		}
		r := &StatsHTTPRequest{Type: args[0], Cond: cond, CondTest: test}
		switch {
		case len(rest) == 2 && rest[0] == "realm" && r.Type == "auth":
			r.Realm = rest[1]
		case len(rest) != 0:
			return fmt.Errorf("unexpected %q", rest[0])
		}
		s.StatsHTTPRequests = append(s.StatsHTTPRequests, r)
	case "admin":
		if len(args) < 2 || (args[0] != "if" && args[0] != "unless") {
			return fmt.Errorf("expects if|unless <condition>")
		}
		s.StatsAdmin, s.StatsAdminCond, s.StatsAdminCondTest = true, args[0], wordsText(args[1:])
	}
	return err
}

func encodeStats(f fields) ([][]string, error) {
	s := *f.ptr("stats_options").(**StatsOptions)
	if s == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(s)); err != nil {
		return nil, fmt.Errorf("stats_options: %w", err)
	}
	var lines [][]string
	add := func(w ...string) { lines = append(lines, append([]string{"stats"}, w...)) }
	if s.StatsEnable {
		add("enable")
	}
	if s.StatsURIPrefix != "" {
		add("uri", s.StatsURIPrefix)
	}
	if s.StatsRealm || s.StatsRealmRealm != nil {
		if s.StatsRealmRealm == nil || *s.StatsRealmRealm == "" {
			return nil, fmt.Errorf("stats_options: stats_realm needs stats_realm_realm")
		}
		add("realm", *s.StatsRealmRealm)
	}
	for _, a := range s.StatsAuths {
		if a == nil || a.User == "" || strings.Contains(a.User, ":") {
			return nil, fmt.Errorf("stats_options: stats_auths: field \"user\" is required and may not contain ':'")
		}
		add("auth", a.User+":"+a.Passwd)
	}
	if s.StatsRefreshDelay != nil {
		add("refresh", strconv.FormatInt(*s.StatsRefreshDelay, 10)+"s")
	}
	if s.StatsHideVersion {
		add("hide-version")
	}
	if s.StatsShowLegends {
		add("show-legends")
	}
	if s.StatsShowDesc != nil {
		if *s.StatsShowDesc == "" {
			add("show-desc")
		} else {
			add("show-desc", *s.StatsShowDesc)
		}
	}
	if s.StatsShowNodeName != nil {
		if *s.StatsShowNodeName == "" {
			add("show-node")
		} else {
			add("show-node", *s.StatsShowNodeName)
		}
	}
	if s.StatsAdmin {
		if s.StatsAdminCond == "" || s.StatsAdminCondTest == "" {
			return nil, fmt.Errorf("stats_options: stats_admin needs stats_admin_cond and stats_admin_cond_test")
		}
		line, err := appendCond([]string{"admin"}, s.StatsAdminCond, s.StatsAdminCondTest)
		if err != nil {
			return nil, fmt.Errorf("stats_options: stats_admin: %w", err)
		}
		add(line...)
	}
	for _, r := range s.StatsHTTPRequests {
		if r == nil {
			continue
		}
		if err := validate(fieldsOf(r)); err != nil {
			return nil, fmt.Errorf("stats_options: stats_http_requests: %w", err)
		}
		line := []string{"http-request", r.Type}
		switch {
		case r.Type == "":
			return nil, fmt.Errorf("stats_options: stats_http_requests: field \"type\" is required")
		case r.Realm != "" && r.Type != "auth":
			return nil, fmt.Errorf("stats_options: stats_http_requests: field \"realm\" is only for type auth")
		case r.Realm != "":
			realm, err := oneWord("realm", r.Realm, true)
			if err != nil {
				return nil, fmt.Errorf("stats_options: stats_http_requests: %w", err)
			}
			line = append(line, "realm", realm)
		}
		line, err := appendCond(line, r.Cond, r.CondTest)
		if err != nil {
			return nil, fmt.Errorf("stats_options: stats_http_requests: %w", err)
		}
		add(line...)
	}
	return lines, nil
}

func decodeMonitorFail(f fields, w []string) error {
	if len(w) < 4 || (w[2] != "if" && w[2] != "unless") {
		return fmt.Errorf("expects if|unless <condition>")
	}
	*f.ptr("monitor_fail").(**MonitorFail) = &MonitorFail{Cond: w[2], CondTest: wordsText(w[3:])}
	return nil
}

func encodeMonitorFail(f fields) ([][]string, error) {
	m := *f.ptr("monitor_fail").(**MonitorFail)
	if m == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(m)); err != nil {
		return nil, fmt.Errorf("monitor_fail: %w", err)
	}
	line, err := appendCond([]string{"monitor", "fail"}, m.Cond, m.CondTest)
	if err != nil || m.Cond == "" {
		return nil, fmt.Errorf("monitor_fail: fields \"cond\" and \"cond_test\" are required (%v)", err)
	}
	return [][]string{line}, nil
}

func decodeStickTable(f fields, w []string) error {
	t := &ConfigStickTable{}
	var store []string
	for i := 1; i < len(w); i++ {
		a := w[i]
		if a == "nopurge" {
			t.Nopurge = true
			continue
		}
		if i+1 == len(w) {
			return fmt.Errorf("%s expects a value", a)
		}
		v := w[i+1]
		i++
		var err error
		switch a {
		case "type":
			t.Type = v
		case "len":
			t.Keylen, err = intPtr(v)
		case "size":
			var n int64
			n, err = parseSize(v)
			t.Size = &n
		case "expire":
			var n int64
			n, err = parseTime(v)
			t.Expire = &n
		case "peers":
			t.Peers = v
		case "srvkey":
			t.Srvkey = v
		case "write-to":
			t.WriteTo = v
		case "store":
			store = append(store, v)
		default:
			return fmt.Errorf("unexpected argument %q", a)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
	}
	t.Store = strings.Join(store, ",")
	*f.ptr("stick_table").(**ConfigStickTable) = t
	return nil
}

func intPtr(s string) (*int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%q is not an integer", s)
	}
	return &n, nil
}

func encodeStickTable(f fields) ([][]string, error) {
	t := *f.ptr("stick_table").(**ConfigStickTable)
	if t == nil {
		return nil, nil
	}
	if err := validate(fieldsOf(t)); err != nil {
		return nil, fmt.Errorf("stick_table: %w", err)
	}
	if t.Type == "" || t.Size == nil {
		return nil, fmt.Errorf("stick_table: fields \"type\" and \"size\" are required")
	}
	line := []string{"stick-table", "type", t.Type}
	if t.Keylen != nil {
		line = append(line, "len", strconv.FormatInt(*t.Keylen, 10))
	}
	line = append(line, "size", fmtSize(*t.Size))
	if t.Expire != nil {
		line = append(line, "expire", fmtTime(*t.Expire))
	}
	if t.Nopurge {
		line = append(line, "nopurge")
	}
	if t.Peers != "" {
		line = append(line, "peers", t.Peers)
	}
	if t.Srvkey != "" {
		line = append(line, "srvkey", t.Srvkey)
	}
	if t.WriteTo != "" {
		line = append(line, "write-to", t.WriteTo)
	}
	if t.Store != "" {
		if strings.ContainsAny(t.Store, " \t") {
			return nil, fmt.Errorf("stick_table: field \"store\" is a comma-separated list without spaces")
		}
		line = append(line, "store", t.Store)
	}
	return [][]string{line}, nil
}

func decodePersist(js string) func(f fields, w []string) error {
	return func(f fields, w []string) error {
		if len(w) < 3 || (w[1] != "if" && w[1] != "unless") {
			return fmt.Errorf("expects if|unless <condition>")
		}
		p := f.ptr(js).(*[]*PersistCond)
		*p = append(*p, &PersistCond{Cond: w[1], CondTest: wordsText(w[2:])})
		return nil
	}
}

func encodePersist(kw, js string) func(f fields) ([][]string, error) {
	return func(f fields) ([][]string, error) {
		var lines [][]string
		for _, c := range *f.ptr(js).(*[]*PersistCond) {
			if c == nil {
				continue
			}
			line, err := appendCond([]string{kw}, c.Cond, c.CondTest)
			if err != nil || c.Cond == "" {
				return nil, fmt.Errorf("%s: fields \"cond\" (if or unless) and \"cond_test\" are required", js)
			}
			lines = append(lines, line)
		}
		return lines, nil
	}
}
