package stats

import (
	"math"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"

	dto "github.com/prometheus/client_model/go"
)

// The metric catalogues follow HAProxy's exporter (addons/promex): the
// same names, types and help texts, so that dashboards and alerts written
// for HAProxy work unchanged. Help texts are those of HAProxy's stat
// column descriptions, or promex's overrides where it has one.

const (
	helpStatus  = "Current status of the service, per state label value."
	helpQTime   = "Avg. queue time for last 1024 successful connections."
	helpCTime   = "Avg. connect time for last 1024 successful connections."
	helpRTime   = "Avg. response time for last 1024 successful connections."
	helpTTime   = "Avg. total time for last 1024 successful connections."
	helpQTMax   = "Maximum observed time spent in the queue"
	helpCTMax   = "Maximum observed time spent waiting for a connection to complete"
	helpRTMax   = "Maximum observed time spent waiting for a server response"
	helpTTMax   = "Maximum observed total request+response time (request+queue+connect+response+processing)"
	helpHRsp    = "Total number of HTTP responses with status 100-199 returned by this object since the worker process started"
	helpSCur    = "Number of current sessions on the frontend, backend or server"
	helpSMax    = "Highest value of current sessions encountered since process started"
	helpSLim    = "Frontend/listener/server's maxconn, backend's fullconn"
	helpSTot    = "Total number of sessions since process started"
	helpBIn     = "Total number of request bytes since process started"
	helpBOut    = "Total number of response bytes since process started"
	helpDReq    = "Total number of denied requests since process started"
	helpDResp   = "Total number of denied responses since process started"
	helpEReq    = "Total number of invalid requests since process started"
	helpECon    = "Total number of failed connections to server since the worker process started"
	helpEResp   = "Total number of invalid responses since the worker process started"
	helpWRetr   = "Total number of server connection retries since the worker process started"
	helpWRedis  = "Total number of server redispatches due to connection failures since the worker process started"
	helpWeight  = "Server's effective weight, or sum of active servers' effective weights for a backend"
	helpUWeight = "Server's user weight, or sum of active servers' user weights for a backend"
	helpAct     = "Total number of active UP servers with a non-zero weight"
	helpBck     = "Total number of backup UP servers with a non-zero weight"
	helpChkFail = "Total number of failed individual health checks per server/backend, since the worker process started"
	helpChkDown = "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started"
	helpLastChg = "How long ago the last server state changed, in seconds"
	helpDown    = "Total time spent in DOWN state, for server or backend"
	helpLBTot   = "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)"
	helpRateMax = "Highest value of sessions per second observed since the worker process started"
	helpReqTot  = "Total number of HTTP requests processed by this object since the worker process started"
	helpCliAbrt = "Total number of requests or connections aborted by the client since the worker process started"
	helpSrvAbrt = "Total number of requests or connections aborted by the server since the worker process started"
	helpCompIn  = "Total number of bytes submitted to the HTTP compressor for this object since the worker process started"
	helpCompOut = "Total number of bytes emitted by the HTTP compressor for this object since the worker process started"
	helpCompByp = "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)"
	helpCompRsp = "Total number of HTTP responses that were compressed for this object since the worker process started"
	helpLastSes = "How long ago some traffic was seen on this object on this worker process, in seconds"
	helpWRew    = "Total number of failed HTTP header rewrites since the worker process started"
	helpConnect = "Total number of outgoing connection attempts on this backend/server since the worker process started"
	helpReuse   = "Total number of reused connection on this backend/server since the worker process started"
	helpCacheL  = "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started"
	helpCacheH  = "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started"
	helpEInt    = "Total number of internal errors since process started"
	helpQCur    = "Number of current queued connections"
	helpQMax    = "Highest value of queued connections encountered since process started"
)

var frontendDefs = []promDef{
	{name: "current_sessions", help: helpSCur, col: FSCur},
	{name: "max_sessions", help: helpSMax, col: FSMax},
	{name: "limit_sessions", help: helpSLim, col: FSLim},
	{name: "sessions_total", counter: true, help: helpSTot, col: FSTot},
	{name: "bytes_in_total", counter: true, help: helpBIn, col: FBIn},
	{name: "bytes_out_total", counter: true, help: helpBOut, col: FBOut},
	{name: "requests_denied_total", counter: true, help: helpDReq, col: FDReq},
	{name: "responses_denied_total", counter: true, help: helpDResp, col: FDResp},
	{name: "request_errors_total", counter: true, help: helpEReq, col: FEReq},
	{name: "status", help: helpStatus, series: proxyState},
	{name: "limit_session_rate", help: "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)", col: FRateLim},
	{name: "max_session_rate", help: helpRateMax, col: FRateMax},
	{name: "http_responses_total", counter: true, help: helpHRsp, http: true, series: httpResponses},
	{name: "http_requests_rate_max", help: "Highest value of http requests observed since the worker process started", col: FReqRateMax, http: true},
	{name: "http_requests_total", counter: true, help: helpReqTot, col: FReqTot, http: true},
	{name: "http_comp_bytes_in_total", counter: true, help: helpCompIn, col: FCompIn, http: true},
	{name: "http_comp_bytes_out_total", counter: true, help: helpCompOut, col: FCompOut, http: true},
	{name: "http_comp_bytes_bypassed_total", counter: true, help: helpCompByp, col: FCompByp, http: true},
	{name: "http_comp_responses_total", counter: true, help: helpCompRsp, col: FCompRsp, http: true},
	{name: "connections_rate_max", help: "Highest value of connections per second observed since the worker process started", col: FConnRateMax},
	{name: "connections_total", counter: true, help: "Total number of new connections accepted on this frontend since the worker process started", col: FConnTot},
	{name: "intercepted_requests_total", counter: true, help: "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started", col: FIntercepted, http: true},
	{name: "denied_connections_total", counter: true, help: "Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started", col: FDCon},
	{name: "denied_sessions_total", counter: true, help: "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started", col: FDSes},
	{name: "failed_header_rewriting_total", counter: true, help: helpWRew, col: FWRew},
	{name: "http_cache_lookups_total", counter: true, help: helpCacheL, col: FCacheLookups, http: true},
	{name: "http_cache_hits_total", counter: true, help: helpCacheH, col: FCacheHits, http: true},
	{name: "internal_errors_total", counter: true, help: helpEInt, col: FEInt},
}

// listenerDefs are the metrics of listening sockets (option socket-stats).
var listenerDefs = []promDef{
	{name: "current_sessions", help: helpSCur, col: FSCur},
	{name: "max_sessions", help: helpSMax, col: FSMax},
	{name: "limit_sessions", help: helpSLim, col: FSLim},
	{name: "sessions_total", counter: true, help: helpSTot, col: FSTot},
	{name: "bytes_in_total", counter: true, help: helpBIn, col: FBIn},
	{name: "bytes_out_total", counter: true, help: helpBOut, col: FBOut},
	{name: "requests_denied_total", counter: true, help: helpDReq, col: FDReq},
	{name: "responses_denied_total", counter: true, help: helpDResp, col: FDResp},
	{name: "request_errors_total", counter: true, help: helpEReq, col: FEReq},
	{name: "status", help: helpStatus, series: listenerState},
	{name: "denied_connections_total", counter: true, help: "Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started", col: FDCon},
	{name: "denied_sessions_total", counter: true, help: "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started", col: FDSes},
	{name: "failed_header_rewriting_total", counter: true, help: helpWRew, col: FWRew},
	{name: "internal_errors_total", counter: true, help: helpEInt, col: FEInt},
}

var backendDefs = []promDef{
	{name: "current_queue", help: helpQCur, col: FQCur},
	{name: "max_queue", help: helpQMax, col: FQMax},
	{name: "current_sessions", help: helpSCur, col: FSCur},
	{name: "max_sessions", help: helpSMax, col: FSMax},
	{name: "limit_sessions", help: helpSLim, col: FSLim},
	{name: "sessions_total", counter: true, help: helpSTot, col: FSTot},
	{name: "bytes_in_total", counter: true, help: helpBIn, col: FBIn},
	{name: "bytes_out_total", counter: true, help: helpBOut, col: FBOut},
	{name: "requests_denied_total", counter: true, help: helpDReq, col: FDReq},
	{name: "responses_denied_total", counter: true, help: helpDResp, col: FDResp},
	{name: "connection_errors_total", counter: true, help: helpECon, col: FECon},
	{name: "response_errors_total", counter: true, help: helpEResp, col: FEResp},
	{name: "retry_warnings_total", counter: true, help: helpWRetr, col: FWRetr},
	{name: "redispatch_warnings_total", counter: true, help: helpWRedis, col: FWRedis},
	{name: "status", help: helpStatus, series: proxyState},
	{name: "weight", help: helpWeight, col: FWeight},
	{name: "active_servers", help: helpAct, col: FAct},
	{name: "backup_servers", help: helpBck, col: FBck},
	{name: "check_up_down_total", counter: true, help: helpChkDown, col: FChkDown},
	{name: "check_last_change_seconds", help: helpLastChg, col: FLastChg},
	{name: "downtime_seconds_total", counter: true, help: helpDown, col: FDowntime},
	{name: "loadbalanced_total", counter: true, help: helpLBTot, col: FLBTot},
	{name: "max_session_rate", help: helpRateMax, col: FRateMax},
	{name: "http_responses_total", counter: true, help: helpHRsp, http: true, series: httpResponses},
	{name: "http_requests_total", counter: true, help: helpReqTot, col: FReqTot, http: true},
	{name: "client_aborts_total", counter: true, help: helpCliAbrt, col: FCliAbrt},
	{name: "server_aborts_total", counter: true, help: helpSrvAbrt, col: FSrvAbrt},
	{name: "http_comp_bytes_in_total", counter: true, help: helpCompIn, col: FCompIn, http: true},
	{name: "http_comp_bytes_out_total", counter: true, help: helpCompOut, col: FCompOut, http: true},
	{name: "http_comp_bytes_bypassed_total", counter: true, help: helpCompByp, col: FCompByp, http: true},
	{name: "http_comp_responses_total", counter: true, help: helpCompRsp, col: FCompRsp, http: true},
	{name: "last_session_seconds", help: helpLastSes, col: FLastSess},
	{name: "queue_time_average_seconds", help: helpQTime, col: FQTime, scale: sec},
	{name: "connect_time_average_seconds", help: helpCTime, col: FCTime, scale: sec},
	{name: "response_time_average_seconds", help: helpRTime, col: FRTime, scale: sec},
	{name: "total_time_average_seconds", help: helpTTime, col: FTTime, scale: sec},
	{name: "failed_header_rewriting_total", counter: true, help: helpWRew, col: FWRew},
	{name: "connection_attempts_total", counter: true, help: helpConnect, col: FConnect},
	{name: "connection_reuses_total", counter: true, help: helpReuse, col: FReuse},
	{name: "http_cache_lookups_total", counter: true, help: helpCacheL, col: FCacheLookups, http: true},
	{name: "http_cache_hits_total", counter: true, help: helpCacheH, col: FCacheHits, http: true},
	{name: "max_queue_time_seconds", help: helpQTMax, col: FQTimeMax, scale: sec},
	{name: "max_connect_time_seconds", help: helpCTMax, col: FCTimeMax, scale: sec},
	{name: "max_response_time_seconds", help: helpRTMax, col: FRTimeMax, scale: sec},
	{name: "max_total_time_seconds", help: helpTTMax, col: FTTimeMax, scale: sec},
	{name: "internal_errors_total", counter: true, help: helpEInt, col: FEInt},
	{name: "uweight", help: helpUWeight, col: FUWeight},
	{name: "agg_server_status", help: "Backend's aggregated gauge of servers' status", series: aggServerStatus},
	{name: "agg_check_status", help: "Backend's aggregated gauge of servers' state check status", series: aggCheckStatus},
}

var serverDefs = []promDef{
	{name: "current_queue", help: helpQCur, col: FQCur},
	{name: "max_queue", help: helpQMax, col: FQMax},
	{name: "current_sessions", help: helpSCur, col: FSCur},
	{name: "max_sessions", help: helpSMax, col: FSMax},
	{name: "limit_sessions", help: helpSLim, col: FSLim},
	{name: "sessions_total", counter: true, help: helpSTot, col: FSTot},
	{name: "bytes_in_total", counter: true, help: helpBIn, col: FBIn},
	{name: "bytes_out_total", counter: true, help: helpBOut, col: FBOut},
	{name: "responses_denied_total", counter: true, help: helpDResp, col: FDResp},
	{name: "connection_errors_total", counter: true, help: helpECon, col: FECon},
	{name: "response_errors_total", counter: true, help: helpEResp, col: FEResp},
	{name: "retry_warnings_total", counter: true, help: helpWRetr, col: FWRetr},
	{name: "redispatch_warnings_total", counter: true, help: helpWRedis, col: FWRedis},
	{name: "status", help: helpStatus, series: serverState},
	{name: "weight", help: helpWeight, col: FWeight},
	{name: "active", help: helpAct, col: FAct},
	{name: "backup", help: helpBck, col: FBck},
	{name: "check_failures_total", counter: true, help: helpChkFail, col: FChkFail},
	{name: "check_up_down_total", counter: true, help: helpChkDown, col: FChkDown},
	{name: "check_last_change_seconds", help: helpLastChg, col: FLastChg},
	{name: "downtime_seconds_total", counter: true, help: helpDown, col: FDowntime},
	{name: "queue_limit", help: "Limit on the number of connections in queue, for servers only (maxqueue argument)", col: FQLimit},
	{name: "current_throttle", help: "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)", col: FThrottle},
	{name: "loadbalanced_total", counter: true, help: helpLBTot, col: FLBTot},
	{name: "max_session_rate", help: helpRateMax, col: FRateMax},
	{name: "check_status", help: "Status of last health check, per state label value.", series: checkState, skip: noCheck},
	{name: "check_code", help: "layer5-7 code, if available of the last health check.", col: FCheckCode, skip: noCheck},
	{name: "check_duration_seconds", help: "Total duration of the latest server health check, in seconds.", col: FCheckDuration, scale: sec, skip: func(r *Row) bool { return r.Get(FCheckDuration).Empty() }},
	{name: "http_responses_total", counter: true, help: helpHRsp, http: true, series: httpResponses},
	{name: "client_aborts_total", counter: true, help: helpCliAbrt, col: FCliAbrt},
	{name: "server_aborts_total", counter: true, help: helpSrvAbrt, col: FSrvAbrt},
	{name: "last_session_seconds", help: helpLastSes, col: FLastSess},
	{name: "queue_time_average_seconds", help: helpQTime, col: FQTime, scale: sec},
	{name: "connect_time_average_seconds", help: helpCTime, col: FCTime, scale: sec},
	{name: "response_time_average_seconds", help: helpRTime, col: FRTime, scale: sec},
	{name: "total_time_average_seconds", help: helpTTime, col: FTTime, scale: sec},
	{name: "failed_header_rewriting_total", counter: true, help: helpWRew, col: FWRew},
	{name: "connection_attempts_total", counter: true, help: helpConnect, col: FConnect},
	{name: "connection_reuses_total", counter: true, help: helpReuse, col: FReuse},
	{name: "idle_connections_current", help: "Current number of idle connections available for reuse on this server", col: FSrvICur},
	{name: "idle_connections_limit", help: "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)", col: FSrcILim},
	{name: "max_queue_time_seconds", help: helpQTMax, col: FQTimeMax, scale: sec},
	{name: "max_connect_time_seconds", help: helpCTMax, col: FCTimeMax, scale: sec},
	{name: "max_response_time_seconds", help: helpRTMax, col: FRTimeMax, scale: sec},
	{name: "max_total_time_seconds", help: helpTTMax, col: FTTimeMax, scale: sec},
	{name: "internal_errors_total", counter: true, help: helpEInt, col: FEInt},
	{name: "unsafe_idle_connections_current", help: "Current number of unsafe idle connections", col: FIdleConnCur},
	{name: "safe_idle_connections_current", help: "Current number of safe idle connections", col: FSafeConnCur},
	{name: "used_connections_current", help: "Current number of connections in use", col: FUsedConnCur},
	{name: "need_connections_current", help: "Estimated needed number of connections", col: FNeedConnEst},
	{name: "uweight", help: helpUWeight, col: FUWeight},
}

// processDef is one haproxy_process_* metric.
type processDef struct {
	name    string
	counter bool
	help    string
	value   func(in *Info) float64
}

var processDefs = []processDef{
	{name: "nbthread", help: "Number of started threads (global.nbthread)", value: func(in *Info) float64 {
		if in.NbThread > 0 {
			return float64(in.NbThread)
		}
		return float64(runtime.GOMAXPROCS(0))
	}},
	{name: "nbproc", help: "Number of started worker processes (global.nbproc)", value: func(*Info) float64 { return 1 }},
	{name: "relative_process_id", help: "Relative worker process number (1..Nbproc)", value: func(*Info) float64 { return 1 }},
	{name: "uptime_seconds", help: "How long ago this worker process was started (seconds)", value: func(in *Info) float64 { return float64(int64(in.Uptime.Seconds())) }},
	{name: "start_time_seconds", help: "Start time in seconds", value: func(in *Info) float64 { return float64(in.Start.Unix()) }},
	{name: "pool_allocated_bytes", help: "Total amount of memory allocated in pools (in bytes)", value: func(*Info) float64 { return memory("/memory/classes/total:bytes") }},
	{name: "pool_used_bytes", help: "Total amount of memory used in pools (in bytes)", value: func(*Info) float64 { return memory("/memory/classes/heap/objects:bytes") }},
	{name: "max_fds", help: "Hard limit on the number of per-process file descriptors", value: func(*Info) float64 { return maxFDs() }},
	{name: "max_connections", help: "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)", value: func(in *Info) float64 { return float64(in.MaxConn) }},
	{name: "current_connections", help: "Current number of connections on this worker process", value: func(in *Info) float64 { return float64(in.CurConns) }},
	{name: "connections_total", counter: true, help: "Total number of connections on this worker process since started", value: func(in *Info) float64 { return float64(in.CumConns) }},
	{name: "requests_total", counter: true, help: "Total number of requests on this worker process since started", value: func(in *Info) float64 { return float64(in.CumReq) }},
	{name: "current_ssl_connections", help: "Current number of SSL endpoints on this worker process (front+back)", value: func(in *Info) float64 { return float64(in.CurSSL) }},
	{name: "current_connection_rate", help: "Number of front connections created on this worker process over the last second", value: func(in *Info) float64 { return float64(in.ConnRate) }},
	{name: "current_session_rate", help: "Number of sessions created on this worker process over the last second", value: func(in *Info) float64 { return float64(in.SessRate) }},
	{name: "current_tasks", help: "Total number of tasks in the current worker process (active + sleeping)", value: func(*Info) float64 { return float64(runtime.NumGoroutine()) }},
	{name: "stopping", help: "1 if the worker process is currently stopping, otherwise zero", value: func(in *Info) float64 { return b2f(in.Stopping) }},
	{name: "jobs", help: "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)", value: func(in *Info) float64 { return float64(in.CurConns + int64(in.Listeners)) }},
	{name: "listeners", help: "Current number of active listeners on the current worker process", value: func(in *Info) float64 { return float64(in.Listeners) }},
	{name: "dropped_logs_total", counter: true, help: "Total number of dropped logs for current worker process since started", value: func(in *Info) float64 { return float64(in.DroppedLogs) }},
	{name: "failed_resolutions", counter: true, help: "Total number of failed DNS resolutions in current worker process since started", value: func(*Info) float64 { return 0 }},
	{name: "bytes_out_total", counter: true, help: "Total number of bytes emitted by current worker process since started", value: func(in *Info) float64 { return float64(in.BytesOut) }},
	// The rest of promex's process metrics. Those about features hawser
	// does not have (pipes, zlib, peers, busy polling, OpenSSL's session
	// cache, -m) are 0 as in an HAProxy that does not use them.
	{name: "pool_failures_total", counter: true, help: "Number of failed pool allocations since this worker was started", value: zero},
	{name: "max_sockets", help: "Hard limit on the number of per-process sockets", value: func(*Info) float64 { return maxFDs() }},
	{name: "hard_max_connections", help: "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)", value: func(in *Info) float64 { return float64(in.MaxConn) }},
	{name: "max_ssl_connections", help: "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited", value: zero},
	{name: "ssl_connections_total", counter: true, help: "Total number of SSL endpoints on this worker process since started (front+back)", value: func(in *Info) float64 { return float64(in.CumSSL) }},
	{name: "max_pipes", help: "Hard limit on the number of pipes for splicing, 0=unlimited", value: zero},
	{name: "pipes_used_total", counter: true, help: "Current number of pipes in use in this worker process", value: zero},
	{name: "pipes_free_total", counter: true, help: "Current number of allocated and available pipes in this worker process", value: zero},
	{name: "limit_connection_rate", help: "Hard limit for ConnRate (global.maxconnrate)", value: func(in *Info) float64 { return float64(in.ConnRateLimit) }},
	{name: "max_connection_rate", help: "Highest ConnRate reached on this worker process since started (in connections per second)", value: func(in *Info) float64 { return float64(in.MaxConnRate) }},
	{name: "limit_session_rate", help: "Hard limit for SessRate (global.maxsessrate)", value: func(in *Info) float64 { return float64(in.SessRateLimit) }},
	{name: "max_session_rate", help: "Highest SessRate reached on this worker process since started (in sessions per second)", value: func(in *Info) float64 { return float64(in.MaxConnRate) }},
	{name: "current_ssl_rate", help: "Number of SSL connections created on this worker process over the last second", value: func(in *Info) float64 { return float64(in.SSLRate) }},
	{name: "limit_ssl_rate", help: "Hard limit for SslRate (global.maxsslrate)", value: func(in *Info) float64 { return float64(in.SSLRateLimit) }},
	{name: "max_ssl_rate", help: "Highest SslRate reached on this worker process since started (in connections per second)", value: func(in *Info) float64 { return float64(in.MaxSSLRate) }},
	{name: "current_frontend_ssl_key_rate", help: "Number of SSL keys created on frontends in this worker process over the last second", value: func(in *Info) float64 { return float64(in.SSLKeyRate) }},
	{name: "max_frontend_ssl_key_rate", help: "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)", value: func(in *Info) float64 { return float64(in.MaxSSLKeyRate) }},
	{name: "frontend_ssl_reuse", help: "Percent of frontend SSL connections which did not require a new key", value: func(in *Info) float64 { return float64(in.SSLReusePct) }},
	{name: "current_backend_ssl_key_rate", help: "Number of SSL keys created on backends in this worker process over the last second", value: zero},
	{name: "max_backend_ssl_key_rate", help: "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)", value: zero},
	{name: "ssl_cache_lookups_total", counter: true, help: "Total number of SSL session ID lookups in the SSL session cache on this worker since started", value: zero},
	{name: "ssl_cache_misses_total", counter: true, help: "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started", value: zero},
	{name: "http_comp_bytes_in_total", counter: true, help: "Number of bytes submitted to the HTTP compressor in this worker process over the last second", value: zero},
	{name: "http_comp_bytes_out_total", counter: true, help: "Number of bytes emitted by the HTTP compressor in this worker process over the last second", value: zero},
	{name: "limit_http_comp", help: "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled", value: zero},
	{name: "current_zlib_memory", help: "Amount of memory currently used by HTTP compression on the current worker process (in bytes)", value: nan},
	{name: "max_zlib_memory", help: "Limit on the amount of memory used by HTTP compression above which it is automatically disabled (in bytes, see global.maxzlibmem)", value: nan},
	{name: "current_run_queue", help: "Total number of active tasks+tasklets in the current worker process", value: func(*Info) float64 { return runQueue() }},
	{name: "idle_time_percent", help: "Percentage of last second spent waiting in the current worker thread", value: func(*Info) float64 { return idlePercent() }},
	{name: "unstoppable_jobs", help: "Current number of unstoppable jobs on the current worker process (master connections)", value: zero},
	{name: "active_peers", help: "Current number of verified active peers connections on the current worker process", value: zero},
	{name: "connected_peers", help: "Current number of peers having passed the connection step on the current worker process", value: zero},
	{name: "busy_polling_enabled", help: "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)", value: zero},
	{name: "spliced_bytes_out_total", counter: true, help: "Total number of bytes emitted by current worker process through a kernel pipe since started", value: zero},
	{name: "bytes_out_rate", help: "Number of bytes emitted by current worker process over the last second", value: zero},
	{name: "recv_logs_total", counter: true, help: "Total number of log messages received by log-forwarding listeners on this worker process since started", value: func(in *Info) float64 { return float64(in.RecvLogs) }},
	{name: "max_memory_bytes", help: "Worker process's hard limit on memory usage in byes (-m on command line)", value: zero},
}

func zero(*Info) float64 { return 0 }
func nan(*Info) float64  { return math.NaN() }

func maxFDs() float64 {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) != nil {
		return 0
	}
	return float64(rl.Cur)
}

// runQueue is the number of goroutines running or ready to run: the Go
// scheduler's counterpart of HAProxy's run queue.
func runQueue() float64 {
	s := []metrics.Sample{{Name: "/sched/goroutines/runnable:goroutines"}, {Name: "/sched/goroutines/running:goroutines"}}
	metrics.Read(s)
	var n float64
	for _, v := range s {
		if v.Value.Kind() == metrics.KindUint64 {
			n += float64(v.Value.Uint64())
		}
	}
	return n
}

// idleSample is the CPU time the Go runtime saw idle and in total at the
// previous scrape, for idlePercent.
var idleSample struct {
	sync.Mutex
	idle, total float64
}

// idlePercent is the share of the CPU time available to the process
// (GOMAXPROCS) that went unused since the previous scrape (since start
// for the first one), as a percentage: HAProxy's idle_time_percent is
// the same over the last second.
func idlePercent() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/idle:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 100
	}
	idle, total := s[0].Value.Float64(), s[1].Value.Float64()
	idleSample.Lock()
	dIdle, dTotal := idle-idleSample.idle, total-idleSample.total
	idleSample.idle, idleSample.total = idle, total
	idleSample.Unlock()
	if dTotal <= 0 {
		return 100
	}
	return math.Round(100 * dIdle / dTotal)
}

// memory reads one runtime/metrics byte count (no stop-the-world).
func memory(name string) float64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(s[0].Value.Uint64())
}

func processFamilies(version string, in Info) []*dto.MetricFamily {
	var fams []*dto.MetricFamily
	for i := range processDefs {
		d := &processDefs[i]
		f := &dto.MetricFamily{Name: ptr("haproxy_process_" + d.name), Help: ptr(d.help)}
		if d.counter {
			f.Type = dto.MetricType_COUNTER.Enum()
		} else {
			f.Type = dto.MetricType_GAUGE.Enum()
		}
		f.Metric = []*dto.Metric{metric(d.counter, nil, d.value(&in))}
		fams = append(fams, f)
	}
	fams = append(fams, &dto.MetricFamily{
		Name:   ptr("haproxy_process_build_info"),
		Help:   ptr("Build info"),
		Type:   dto.MetricType_GAUGE.Enum(),
		Metric: []*dto.Metric{metric(false, []*dto.LabelPair{{Name: ptr("version"), Value: ptr(version)}}, 1)},
	})
	return fams
}
