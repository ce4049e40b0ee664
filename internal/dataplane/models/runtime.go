package models

// Models of the runtime, storage and stats endpoints. They describe live
// state (served from the engine, changed through the runtime API's
// commands), not configuration lines, so they have no converters.

// RuntimeServer is a server's live state (v3 runtime_server). A PUT
// changes admin_state, operational_state, weight, address and port; the
// other fields are read-only.
type RuntimeServer struct {
	ID               string `json:"id,omitempty"`
	Name             string `json:"name,omitempty"`
	Address          string `json:"address,omitempty"`
	Port             *int   `json:"port,omitempty"`
	AdminState       string `json:"admin_state,omitempty" enum:"ready,maint,drain"`
	OperationalState string `json:"operational_state,omitempty" enum:"up,down,stopping"`
	Weight           *int   `json:"weight,omitempty"`
	IWeight          *int   `json:"iweight,omitempty"`
	UWeight          *int   `json:"uweight,omitempty"`
	BackendName      string `json:"backend_name,omitempty"`
	LastTimeChange   *int64 `json:"last_time_change,omitempty"`
}

// RuntimeAddServer is the body of a server added at run time (v3
// runtime_add_server): the keywords "add server" accepts that hawser
// implements. The server starts in maintenance, as with "add server".
type RuntimeAddServer struct {
	Name    string `json:"name" required:"true"`
	Address string `json:"address" required:"true"`
	Port    *int   `json:"port,omitempty"`
	Weight  *int   `json:"weight,omitempty"`
	Check   string `json:"check,omitempty" enum:"enabled,disabled"`
	Backup  string `json:"backup,omitempty" enum:"enabled,disabled"`
	Maxconn *int   `json:"maxconn,omitempty"`
	Inter   *int   `json:"inter,omitempty"`
	ID      string `json:"id,omitempty"`
	SSL     string `json:"ssl,omitempty" enum:"enabled,disabled"`
	Verify  string `json:"verify,omitempty" enum:"none,required"`
}

// MapFile is a map known to the running process (v3 map).
type MapFile struct {
	ID          string `json:"id,omitempty"`
	File        string `json:"file,omitempty"`
	StorageName string `json:"storage_name,omitempty"`
	Description string `json:"description,omitempty"`
	Size        *int64 `json:"size,omitempty"`
}

// MapEntry is one entry of a runtime map (v3 map_entry).
type MapEntry struct {
	ID    string `json:"id,omitempty"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
}

// ACLFileEntry is one pattern of a runtime ACL file (v3 acl_file_entry).
type ACLFileEntry struct {
	ID    string `json:"id,omitempty"`
	Value string `json:"value,omitempty"`
}

// ACLFile is an ACL pattern file of the running process (v3 acl_file).
type ACLFile struct {
	ID          string `json:"id,omitempty"`
	StorageName string `json:"storage_name,omitempty"`
	Description string `json:"description,omitempty"`
}

// StickTable is a stick table of the running process (v3 stick_table).
type StickTable struct {
	Name   string            `json:"name,omitempty"`
	Type   string            `json:"type,omitempty" enum:"ip,ipv6,integer,string,binary"`
	Size   *int64            `json:"size,omitempty"`
	Used   *int64            `json:"used,omitempty"`
	Fields []StickTableField `json:"fields,omitempty"`
}

// StickTableField is a data type a stick table stores.
type StickTableField struct {
	Field  string `json:"field,omitempty"`
	Type   string `json:"type,omitempty" enum:"rate,counter"`
	Period *int64 `json:"period,omitempty"`
}

// StickTableEntry is one entry of a stick table (v3 stick_table_entry):
// its key, expiry (ms) and the data the table stores, under the names
// "show table" prints (array elements as gpc0, gpt1, gpc0_rate).
type StickTableEntry struct {
	ID           string `json:"id,omitempty"`
	Key          string `json:"key,omitempty"`
	Use          *bool  `json:"use,omitempty"`
	Exp          *int64 `json:"exp,omitempty"`
	ServerID     *int64 `json:"server_id,omitempty"`
	Gpc0         *int64 `json:"gpc0,omitempty"`
	Gpc0Rate     *int64 `json:"gpc0_rate,omitempty"`
	Gpc1         *int64 `json:"gpc1,omitempty"`
	Gpc1Rate     *int64 `json:"gpc1_rate,omitempty"`
	Gpt0         *int64 `json:"gpt0,omitempty"`
	ConnCnt      *int64 `json:"conn_cnt,omitempty"`
	ConnCur      *int64 `json:"conn_cur,omitempty"`
	ConnRate     *int64 `json:"conn_rate,omitempty"`
	SessCnt      *int64 `json:"sess_cnt,omitempty"`
	SessRate     *int64 `json:"sess_rate,omitempty"`
	HTTPReqCnt   *int64 `json:"http_req_cnt,omitempty"`
	HTTPReqRate  *int64 `json:"http_req_rate,omitempty"`
	HTTPErrCnt   *int64 `json:"http_err_cnt,omitempty"`
	HTTPErrRate  *int64 `json:"http_err_rate,omitempty"`
	HTTPFailCnt  *int64 `json:"http_fail_cnt,omitempty"`
	HTTPFailRate *int64 `json:"http_fail_rate,omitempty"`
	BytesInCnt   *int64 `json:"bytes_in_cnt,omitempty"`
	BytesInRate  *int64 `json:"bytes_in_rate,omitempty"`
	BytesOutCnt  *int64 `json:"bytes_out_cnt,omitempty"`
	BytesOutRate *int64 `json:"bytes_out_rate,omitempty"`
	GlitchCnt    *int64 `json:"glitch_cnt,omitempty"`
	GlitchRate   *int64 `json:"glitch_rate,omitempty"`
}

// StickTableSet is the body that creates or updates a stick table entry
// ("set table <t> key <k> data.<type> <v>...").
type StickTableSet struct {
	Key      string           `json:"key" required:"true"`
	DataType map[string]int64 `json:"data_type" required:"true"`
}

// ProcessInfo is "show info" as the API renders it (v3 process_info).
type ProcessInfo struct {
	Info       ProcessInfoItem `json:"info"`
	Error      string          `json:"error,omitempty"`
	RuntimeAPI string          `json:"runtimeAPI,omitempty"`
}

// ProcessInfoItem are the fields of "show info" the v3 model names.
type ProcessInfoItem struct {
	Version      string `json:"version,omitempty"`
	ReleaseDate  string `json:"release_date,omitempty"`
	Node         string `json:"node,omitempty"`
	Description  string `json:"description,omitempty"`
	Pid          *int64 `json:"pid,omitempty"`
	Uptime       *int64 `json:"uptime,omitempty"`
	Nbthread     *int64 `json:"nbthread,omitempty"`
	MaxConn      *int64 `json:"max_conn,omitempty"`
	HardMaxConn  *int64 `json:"hard_max_conn,omitempty"`
	MaxSock      *int64 `json:"max_sock,omitempty"`
	Ulimit       *int64 `json:"ulimit_n,omitempty"`
	CurrConns    *int64 `json:"curr_conns,omitempty"`
	CumConns     *int64 `json:"cum_conns,omitempty"`
	CumReq       *int64 `json:"cum_req,omitempty"`
	ConnRate     *int64 `json:"conn_rate,omitempty"`
	MaxConnRate  *int64 `json:"max_conn_rate,omitempty"`
	SessRate     *int64 `json:"sess_rate,omitempty"`
	MaxSessRate  *int64 `json:"max_sess_rate,omitempty"`
	Jobs         *int64 `json:"jobs,omitempty"`
	Listeners    *int64 `json:"listeners,omitempty"`
	Stopping     *bool  `json:"stopping,omitempty"`
	IdlePct      *int64 `json:"idle_pct,omitempty"`
	Tasks        *int64 `json:"tasks,omitempty"`
	RunQueue     *int64 `json:"run_queue,omitempty"`
	DroppedLogs  *int64 `json:"dropped_logs,omitempty"`
	CurrSSLConns *int64 `json:"curr_ssl_conns,omitempty"`
	CumSSLConns  *int64 `json:"cum_ssl_conns,omitempty"`
}

// InfoFields maps the v3 process_info_item fields to "show info" names.
var InfoFields = map[string]string{
	"version": "Version", "release_date": "Release_date", "node": "node", "description": "description",
	"pid": "Pid", "uptime": "Uptime_sec", "nbthread": "Nbthread", "max_conn": "Maxconn",
	"hard_max_conn": "Hard_maxconn", "max_sock": "Maxsock", "ulimit_n": "Ulimit-n",
	"curr_conns": "CurrConns", "cum_conns": "CumConns", "cum_req": "CumReq", "conn_rate": "ConnRate",
	"max_conn_rate": "MaxConnRate", "sess_rate": "SessRate", "max_sess_rate": "MaxSessRate",
	"jobs": "Jobs", "listeners": "Listeners", "stopping": "Stopping", "idle_pct": "Idle_pct",
	"tasks": "Tasks", "run_queue": "Run_queue", "dropped_logs": "DroppedLogs",
	"curr_ssl_conns": "CurrSslConns", "cum_ssl_conns": "CumSslConns",
}

// NativeStats is stats/native (v3 native_stats).
type NativeStats struct {
	RuntimeAPI string       `json:"runtimeAPI,omitempty"`
	Error      string       `json:"error,omitempty"`
	Stats      []NativeStat `json:"stats,omitempty"`
}

// NativeStat is one frontend, backend or server's counters.
type NativeStat struct {
	Type        string          `json:"type" enum:"backend,server,frontend"`
	Name        string          `json:"name,omitempty"`
	BackendName string          `json:"backend_name,omitempty"`
	Stats       NativeStatStats `json:"stats"`
}

// NativeStatStats are the counters of "show stat" under their CSV names
// (the json tags are the column names, which is what fills them).
type NativeStatStats struct {
	AgentCode     *int64 `json:"agent_code,omitempty"`
	AgentDesc     string `json:"agent_desc,omitempty"`
	AgentDuration *int64 `json:"agent_duration,omitempty"`
	AgentFall     *int64 `json:"agent_fall,omitempty"`
	AgentHealth   *int64 `json:"agent_health,omitempty"`
	AgentRise     *int64 `json:"agent_rise,omitempty"`
	AgentStatus   string `json:"agent_status,omitempty"`
	Algo          string `json:"algo,omitempty"`
	Act           *int64 `json:"act,omitempty"`
	Bck           *int64 `json:"bck,omitempty"`
	Bin           *int64 `json:"bin,omitempty"`
	Bout          *int64 `json:"bout,omitempty"`
	CheckCode     *int64 `json:"check_code,omitempty"`
	CheckDesc     string `json:"check_desc,omitempty"`
	CheckDuration *int64 `json:"check_duration,omitempty"`
	CheckFall     *int64 `json:"check_fall,omitempty"`
	CheckHealth   *int64 `json:"check_health,omitempty"`
	CheckRise     *int64 `json:"check_rise,omitempty"`
	CheckStatus   string `json:"check_status,omitempty"`
	Chkdown       *int64 `json:"chkdown,omitempty"`
	Chkfail       *int64 `json:"chkfail,omitempty"`
	CliAbrt       *int64 `json:"cli_abrt,omitempty"`
	CompByp       *int64 `json:"comp_byp,omitempty"`
	CompIn        *int64 `json:"comp_in,omitempty"`
	CompOut       *int64 `json:"comp_out,omitempty"`
	CompRsp       *int64 `json:"comp_rsp,omitempty"`
	ConnRate      *int64 `json:"conn_rate,omitempty"`
	ConnRateMax   *int64 `json:"conn_rate_max,omitempty"`
	ConnTot       *int64 `json:"conn_tot,omitempty"`
	Cookie        string `json:"cookie,omitempty"`
	Ctime         *int64 `json:"ctime,omitempty"`
	Dcon          *int64 `json:"dcon,omitempty"`
	Downtime      *int64 `json:"downtime,omitempty"`
	Dreq          *int64 `json:"dreq,omitempty"`
	Dresp         *int64 `json:"dresp,omitempty"`
	Dses          *int64 `json:"dses,omitempty"`
	Econ          *int64 `json:"econ,omitempty"`
	Ereq          *int64 `json:"ereq,omitempty"`
	Eresp         *int64 `json:"eresp,omitempty"`
	Hanafail      string `json:"hanafail,omitempty"`
	Hrsp1xx       *int64 `json:"hrsp_1xx,omitempty"`
	Hrsp2xx       *int64 `json:"hrsp_2xx,omitempty"`
	Hrsp3xx       *int64 `json:"hrsp_3xx,omitempty"`
	Hrsp4xx       *int64 `json:"hrsp_4xx,omitempty"`
	Hrsp5xx       *int64 `json:"hrsp_5xx,omitempty"`
	HrspOther     *int64 `json:"hrsp_other,omitempty"`
	Iid           *int64 `json:"iid,omitempty"`
	Intercepted   *int64 `json:"intercepted,omitempty"`
	LastAgt       string `json:"last_agt,omitempty"`
	LastChk       string `json:"last_chk,omitempty"`
	Lastchg       *int64 `json:"lastchg,omitempty"`
	Lastsess      *int64 `json:"lastsess,omitempty"`
	Lbtot         *int64 `json:"lbtot,omitempty"`
	Mode          string `json:"mode,omitempty" enum:"tcp,http,health,unknown"`
	Pid           *int64 `json:"pid,omitempty"`
	Qcur          *int64 `json:"qcur,omitempty"`
	Qlimit        *int64 `json:"qlimit,omitempty"`
	Qmax          *int64 `json:"qmax,omitempty"`
	Qtime         *int64 `json:"qtime,omitempty"`
	Rate          *int64 `json:"rate,omitempty"`
	RateLim       *int64 `json:"rate_lim,omitempty"`
	RateMax       *int64 `json:"rate_max,omitempty"`
	ReqRate       *int64 `json:"req_rate,omitempty"`
	ReqRateMax    *int64 `json:"req_rate_max,omitempty"`
	ReqTot        *int64 `json:"req_tot,omitempty"`
	Rtime         *int64 `json:"rtime,omitempty"`
	Scur          *int64 `json:"scur,omitempty"`
	Sid           *int64 `json:"sid,omitempty"`
	Slim          *int64 `json:"slim,omitempty"`
	Smax          *int64 `json:"smax,omitempty"`
	SrvAbrt       *int64 `json:"srv_abrt,omitempty"`
	Status        string `json:"status,omitempty"`
	Stot          *int64 `json:"stot,omitempty"`
	Throttle      *int64 `json:"throttle,omitempty"`
	Tracked       string `json:"tracked,omitempty"`
	Ttime         *int64 `json:"ttime,omitempty"`
	Weight        *int64 `json:"weight,omitempty"`
	Wredis        *int64 `json:"wredis,omitempty"`
	Wretr         *int64 `json:"wretr,omitempty"`
}

// SSLCertificate is a certificate file in storage (v3 ssl_certificate),
// described from its first certificate.
type SSLCertificate struct {
	StorageName string `json:"storage_name,omitempty"`
	File        string `json:"file,omitempty"`
	Description string `json:"description,omitempty"`
	Size        *int64 `json:"size,omitempty"`
	Domains     string `json:"domains,omitempty"`
	IPAddresses string `json:"ip_addresses,omitempty"`
	Issuers     string `json:"issuers,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Serial      string `json:"serial,omitempty"`
	NotBefore   string `json:"not_before,omitempty"`
	NotAfter    string `json:"not_after,omitempty"`
	Algorithm   string `json:"algorithm,omitempty"`
	Status      string `json:"status,omitempty"`
}

// GeneralFile is a file in general storage (v3 general_file).
type GeneralFile struct {
	ID          string `json:"id,omitempty"`
	StorageName string `json:"storage_name,omitempty"`
	File        string `json:"file,omitempty"`
	Description string `json:"description,omitempty"`
	Size        *int64 `json:"size,omitempty"`
}
