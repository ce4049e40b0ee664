package stick

// DataType is a kind of value a stick-table entry can store ("store" in a
// stick-table declaration). The constants follow HAProxy's
// STKTABLE_DT_* order, which is also the order "show table" prints them in.
type DataType uint8

// The data types HAProxy documents in configuration.txt section 11.1.
const (
	ServerID DataType = iota
	GPT0
	GPC0
	GPC0Rate
	ConnCnt
	ConnRate
	ConnCur
	SessCnt
	SessRate
	HTTPReqCnt
	HTTPReqRate
	HTTPErrCnt
	HTTPErrRate
	BytesInCnt
	BytesInRate
	BytesOutCnt
	BytesOutRate
	GPC1
	GPC1Rate
	ServerKey
	HTTPFailCnt
	HTTPFailRate
	GPT
	GPC
	GPCRate
	GlitchCnt
	GlitchRate
	numDataTypes
)

// storage is how a data type's value is kept and printed (HAProxy STD_T_*).
type storage uint8

const (
	stdSInt storage = iota // signed 32-bit, printed with %d
	stdUInt                // unsigned 32-bit, wraps like a C unsigned int
	stdULL                 // unsigned 64-bit
	stdFreq                // frequency counter over a period
	stdDict                // a string (server_key)
)

// dataSpec describes one data type: its keyword, storage and arguments.
type dataSpec struct {
	name    string
	std     storage
	isArray bool // takes an element count as first argument: gpc(3)
	period  bool // takes a period argument: conn_rate(10s)
}

var dataSpecs = [numDataTypes]dataSpec{
	ServerID:     {name: "server_id", std: stdSInt},
	GPT0:         {name: "gpt0", std: stdUInt},
	GPC0:         {name: "gpc0", std: stdUInt},
	GPC0Rate:     {name: "gpc0_rate", std: stdFreq, period: true},
	ConnCnt:      {name: "conn_cnt", std: stdUInt},
	ConnRate:     {name: "conn_rate", std: stdFreq, period: true},
	ConnCur:      {name: "conn_cur", std: stdUInt},
	SessCnt:      {name: "sess_cnt", std: stdUInt},
	SessRate:     {name: "sess_rate", std: stdFreq, period: true},
	HTTPReqCnt:   {name: "http_req_cnt", std: stdUInt},
	HTTPReqRate:  {name: "http_req_rate", std: stdFreq, period: true},
	HTTPErrCnt:   {name: "http_err_cnt", std: stdUInt},
	HTTPErrRate:  {name: "http_err_rate", std: stdFreq, period: true},
	BytesInCnt:   {name: "bytes_in_cnt", std: stdULL},
	BytesInRate:  {name: "bytes_in_rate", std: stdFreq, period: true},
	BytesOutCnt:  {name: "bytes_out_cnt", std: stdULL},
	BytesOutRate: {name: "bytes_out_rate", std: stdFreq, period: true},
	GPC1:         {name: "gpc1", std: stdUInt},
	GPC1Rate:     {name: "gpc1_rate", std: stdFreq, period: true},
	ServerKey:    {name: "server_key", std: stdDict},
	HTTPFailCnt:  {name: "http_fail_cnt", std: stdUInt},
	HTTPFailRate: {name: "http_fail_rate", std: stdFreq, period: true},
	GPT:          {name: "gpt", std: stdUInt, isArray: true},
	GPC:          {name: "gpc", std: stdUInt, isArray: true},
	GPCRate:      {name: "gpc_rate", std: stdFreq, isArray: true, period: true},
	GlitchCnt:    {name: "glitch_cnt", std: stdUInt},
	GlitchRate:   {name: "glitch_rate", std: stdFreq, period: true},
}

// maxArray is HAProxy's STKTABLE_MAX_DT_ARRAY_SIZE: gpc(100) at most.
const maxArray = 100

// String returns the keyword of the data type, as written after "store".
func (dt DataType) String() string {
	if dt >= numDataTypes {
		return "unknown"
	}
	return dataSpecs[dt].name
}

// IsRate reports whether the data type is a frequency counter with a period.
func (dt DataType) IsRate() bool { return dt < numDataTypes && dataSpecs[dt].std == stdFreq }

// IsArray reports whether the data type is an array (gpt, gpc, gpc_rate).
func (dt DataType) IsArray() bool { return dt < numDataTypes && dataSpecs[dt].isArray }

// ParseDataType returns the data type named by a "store" keyword or a
// "data.<type>" filter, without its arguments.
func ParseDataType(name string) (DataType, bool) {
	for i := range dataSpecs {
		if dataSpecs[i].name == name {
			return DataType(i), true
		}
	}
	return 0, false
}

// Event is something the data path counts on a tracked entry. Recording an
// event bumps both its cumulative counter and its rate when the table
// stores them, as HAProxy does for every tracked counter.
type Event uint8

// Events and the data types they feed.
const (
	EventConn     Event = iota // conn_cnt, conn_rate
	EventSess                  // sess_cnt, sess_rate
	EventHTTPReq               // http_req_cnt, http_req_rate
	EventHTTPErr               // http_err_cnt, http_err_rate
	EventHTTPFail              // http_fail_cnt, http_fail_rate
	EventBytesIn               // bytes_in_cnt, bytes_in_rate
	EventBytesOut              // bytes_out_cnt, bytes_out_rate
	EventGlitch                // glitch_cnt, glitch_rate
)

var eventTypes = [...][2]DataType{
	EventConn:     {ConnCnt, ConnRate},
	EventSess:     {SessCnt, SessRate},
	EventHTTPReq:  {HTTPReqCnt, HTTPReqRate},
	EventHTTPErr:  {HTTPErrCnt, HTTPErrRate},
	EventHTTPFail: {HTTPFailCnt, HTTPFailRate},
	EventBytesIn:  {BytesInCnt, BytesInRate},
	EventBytesOut: {BytesOutCnt, BytesOutRate},
	EventGlitch:   {GlitchCnt, GlitchRate},
}
