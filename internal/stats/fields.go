package stats

// Column indices of a Row. The list follows HAProxy's stat_idx_px enum
// (include/haproxy/stats-t.h), which "show stat" prints in order; keep it
// so.
const (
	FPxName               Col = iota // pxname
	FSvName                          // svname
	FQCur                            // qcur
	FQMax                            // qmax
	FSCur                            // scur
	FSMax                            // smax
	FSLim                            // slim
	FSTot                            // stot
	FBIn                             // bin
	FBOut                            // bout
	FDReq                            // dreq
	FDResp                           // dresp
	FEReq                            // ereq
	FECon                            // econ
	FEResp                           // eresp
	FWRetr                           // wretr
	FWRedis                          // wredis
	FStatus                          // status
	FWeight                          // weight
	FAct                             // act
	FBck                             // bck
	FChkFail                         // chkfail
	FChkDown                         // chkdown
	FLastChg                         // lastchg
	FDowntime                        // downtime
	FQLimit                          // qlimit
	FPID                             // pid
	FIID                             // iid
	FSID                             // sid
	FThrottle                        // throttle
	FLBTot                           // lbtot
	FTracked                         // tracked
	FType                            // type
	FRate                            // rate
	FRateLim                         // rate_lim
	FRateMax                         // rate_max
	FCheckStatus                     // check_status
	FCheckCode                       // check_code
	FCheckDuration                   // check_duration
	FHRsp1xx                         // hrsp_1xx
	FHRsp2xx                         // hrsp_2xx
	FHRsp3xx                         // hrsp_3xx
	FHRsp4xx                         // hrsp_4xx
	FHRsp5xx                         // hrsp_5xx
	FHRspOther                       // hrsp_other
	FHanaFail                        // hanafail
	FReqRate                         // req_rate
	FReqRateMax                      // req_rate_max
	FReqTot                          // req_tot
	FCliAbrt                         // cli_abrt
	FSrvAbrt                         // srv_abrt
	FCompIn                          // comp_in
	FCompOut                         // comp_out
	FCompByp                         // comp_byp
	FCompRsp                         // comp_rsp
	FLastSess                        // lastsess
	FLastChk                         // last_chk
	FLastAgt                         // last_agt
	FQTime                           // qtime
	FCTime                           // ctime
	FRTime                           // rtime
	FTTime                           // ttime
	FAgentStatus                     // agent_status
	FAgentCode                       // agent_code
	FAgentDuration                   // agent_duration
	FCheckDesc                       // check_desc
	FAgentDesc                       // agent_desc
	FCheckRise                       // check_rise
	FCheckFall                       // check_fall
	FCheckHealth                     // check_health
	FAgentRise                       // agent_rise
	FAgentFall                       // agent_fall
	FAgentHealth                     // agent_health
	FAddr                            // addr
	FCookie                          // cookie
	FMode                            // mode
	FAlgo                            // algo
	FConnRate                        // conn_rate
	FConnRateMax                     // conn_rate_max
	FConnTot                         // conn_tot
	FIntercepted                     // intercepted
	FDCon                            // dcon
	FDSes                            // dses
	FWRew                            // wrew
	FConnect                         // connect
	FReuse                           // reuse
	FCacheLookups                    // cache_lookups
	FCacheHits                       // cache_hits
	FSrvICur                         // srv_icur
	FSrcILim                         // src_ilim
	FQTimeMax                        // qtime_max
	FCTimeMax                        // ctime_max
	FRTimeMax                        // rtime_max
	FTTimeMax                        // ttime_max
	FEInt                            // eint
	FIdleConnCur                     // idle_conn_cur
	FSafeConnCur                     // safe_conn_cur
	FUsedConnCur                     // used_conn_cur
	FNeedConnEst                     // need_conn_est
	FUWeight                         // uweight
	FAggServerStatus                 // agg_server_status
	FAggServerCheckStatus            // agg_server_check_status
	FAggCheckStatus                  // agg_check_status
	FSRID                            // srid
	FSessOther                       // sess_other
	FH1Sess                          // h1sess
	FH2Sess                          // h2sess
	FH3Sess                          // h3sess
	FReqOther                        // req_other
	FH1Req                           // h1req
	FH2Req                           // h2req
	FH3Req                           // h3req
	FProto                           // proto
	NumCols               int = iota
)

// ColNames are the CSV column names, by column index.
var ColNames = [...]string{
	"pxname",
	"svname",
	"qcur",
	"qmax",
	"scur",
	"smax",
	"slim",
	"stot",
	"bin",
	"bout",
	"dreq",
	"dresp",
	"ereq",
	"econ",
	"eresp",
	"wretr",
	"wredis",
	"status",
	"weight",
	"act",
	"bck",
	"chkfail",
	"chkdown",
	"lastchg",
	"downtime",
	"qlimit",
	"pid",
	"iid",
	"sid",
	"throttle",
	"lbtot",
	"tracked",
	"type",
	"rate",
	"rate_lim",
	"rate_max",
	"check_status",
	"check_code",
	"check_duration",
	"hrsp_1xx",
	"hrsp_2xx",
	"hrsp_3xx",
	"hrsp_4xx",
	"hrsp_5xx",
	"hrsp_other",
	"hanafail",
	"req_rate",
	"req_rate_max",
	"req_tot",
	"cli_abrt",
	"srv_abrt",
	"comp_in",
	"comp_out",
	"comp_byp",
	"comp_rsp",
	"lastsess",
	"last_chk",
	"last_agt",
	"qtime",
	"ctime",
	"rtime",
	"ttime",
	"agent_status",
	"agent_code",
	"agent_duration",
	"check_desc",
	"agent_desc",
	"check_rise",
	"check_fall",
	"check_health",
	"agent_rise",
	"agent_fall",
	"agent_health",
	"addr",
	"cookie",
	"mode",
	"algo",
	"conn_rate",
	"conn_rate_max",
	"conn_tot",
	"intercepted",
	"dcon",
	"dses",
	"wrew",
	"connect",
	"reuse",
	"cache_lookups",
	"cache_hits",
	"srv_icur",
	"src_ilim",
	"qtime_max",
	"ctime_max",
	"rtime_max",
	"ttime_max",
	"eint",
	"idle_conn_cur",
	"safe_conn_cur",
	"used_conn_cur",
	"need_conn_est",
	"uweight",
	"agg_server_status",
	"agg_server_check_status",
	"agg_check_status",
	"srid",
	"sess_other",
	"h1sess",
	"h2sess",
	"h3sess",
	"req_other",
	"h1req",
	"h2req",
	"h3req",
	"proto",
}
