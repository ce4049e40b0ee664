package runtimeapi

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hawser-lb/hawser/internal/stats"
)

func init() {
	Register(&Command{Words: []string{"show", "info"}, Level: LevelUser, Usage: "show info [desc|json|typed]*", Help: "report information about the running process", Handler: showInfo})
	Register(&Command{Words: []string{"show", "version"}, Level: LevelUser, Usage: "show version", Help: "show version of the current process", Handler: showVersion})
	Register(&Command{Words: []string{"show", "env"}, Level: LevelOperator, Usage: "show env [var]", Help: "dump environment variables known to the process", Handler: showEnv})
	Register(&Command{Words: []string{"show", "errors"}, Level: LevelOperator, Usage: "show errors [<px>] [request|response]", Help: "report last request and/or response errors for each proxy", Handler: showErrors})
	Register(&Command{Words: []string{"show", "activity"}, Level: LevelUser, Usage: "show activity", Help: "show per-thread activity stats (for support/developers)", Handler: showActivity})
}

// infoField is one line of "show info": its stable position, name, tags
// (origin, nature, scope letters) and type.
type infoField struct {
	name, tags, typ string
}

// infoFields are HAProxy's info fields by position (enum info_field);
// positions never change, new fields go at the end.
var infoFields = [...]infoField{
	{"Name", "POS", "str"}, {"Version", "POS", "str"}, {"Release_date", "POS", "str"},
	{"Nbthread", "CGS", "u32"}, {"Nbproc", "CGS", "u32"}, {"Process_num", "KGP", "u32"},
	{"Pid", "SGP", "u32"}, {"Uptime", "MDP", "str"}, {"Uptime_sec", "MDP", "u32"},
	{"Memmax_MB", "CLP", "u32"}, {"PoolAlloc_MB", "MGP", "u32"}, {"PoolUsed_MB", "MGP", "u32"},
	{"PoolFailed", "MCP", "u32"}, {"Ulimit-n", "CLP", "u32"}, {"Maxsock", "CLP", "u32"},
	{"Maxconn", "CLP", "u32"}, {"Hard_maxconn", "CLP", "u32"}, {"CurrConns", "MGP", "u32"},
	{"CumConns", "MCP", "u32"}, {"CumReq", "MCP", "u32"}, {"MaxSslConns", "MMP", "u32"},
	{"CurrSslConns", "MGP", "u32"}, {"CumSslConns", "MCP", "u32"}, {"Maxpipes", "CLP", "u32"},
	{"PipesUsed", "MGP", "u32"}, {"PipesFree", "MGP", "u32"}, {"ConnRate", "MRP", "u32"},
	{"ConnRateLimit", "CLP", "u32"}, {"MaxConnRate", "MMP", "u32"}, {"SessRate", "MRP", "u32"},
	{"SessRateLimit", "CLP", "u32"}, {"MaxSessRate", "MRP", "u32"}, {"SslRate", "MRP", "u32"},
	{"SslRateLimit", "CLP", "u32"}, {"MaxSslRate", "MMP", "u32"}, {"SslFrontendKeyRate", "MGP", "u32"},
	{"SslFrontendMaxKeyRate", "MMP", "u32"}, {"SslFrontendSessionReuse_pct", "MGP", "u32"}, {"SslBackendKeyRate", "MRP", "u32"},
	{"SslBackendMaxKeyRate", "MMP", "u32"}, {"SslCacheLookups", "MCP", "u32"}, {"SslCacheMisses", "MCP", "u32"},
	{"CompressBpsIn", "MRP", "u32"}, {"CompressBpsOut", "MRP", "u32"}, {"CompressBpsRateLim", "CLP", "u32"},
	{"ZlibMemUsage", "MGP", "u32"}, {"MaxZlibMemUsage", "CLP", "u32"}, {"Tasks", "MGP", "u32"},
	{"Run_queue", "MGP", "u32"}, {"Idle_pct", "MaP", "u32"}, {"node", "COS", "str"},
	{"description", "COS", "str"}, {"Stopping", "MGP", "u32"}, {"Jobs", "MGP", "u32"},
	{"Unstoppable Jobs", "MGP", "u32"}, {"Listeners", "MGP", "u32"}, {"ActivePeers", "MGP", "u32"},
	{"ConnectedPeers", "MGP", "u32"}, {"DroppedLogs", "MGP", "u32"}, {"BusyPolling", "MGP", "u32"},
	{"FailedResolutions", "MGP", "u32"}, {"TotalBytesOut", "MGP", "u64"}, {"TotalSplicedBytesOut", "MGP", "u64"},
	{"BytesOutRate", "MRP", "u64"}, {"DebugCommandsIssued", "MGP", "u32"}, {"CumRecvLogs", "MCP", "u32"},
	{"Build info", "POS", "str"}, {"Memmax_bytes", "CLP", "u32"}, {"PoolAlloc_bytes", "MGP", "u64"},
	{"PoolUsed_bytes", "MGP", "u64"}, {"Start_time_sec", "MDP", "u32"}, {"Tainted", "SGP", "str"},
}

// ReleaseDate is the release date "show info" reports (YYYY/MM/DD); main
// may set it, else the build's commit date is used.
var ReleaseDate = ""

func releaseDate(start time.Time) string {
	if ReleaseDate != "" {
		return ReleaseDate
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.time" {
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					return t.UTC().Format("2006/01/02")
				}
			}
		}
	}
	return start.UTC().Format("2006/01/02")
}

// infoValues returns the value of each info field, "" for the empty ones.
func infoValues(ctx *Context) []string {
	in := ctx.Engine.Info()
	v := make([]string, len(infoFields))
	u := func(n uint64) string { return strconv.FormatUint(n, 10) }
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	nbthread := in.NbThread
	if nbthread <= 0 {
		nbthread = runtime.GOMAXPROCS(0)
	}
	up := in.Uptime
	secs := int64(up / time.Second)
	node, desc := "", ""
	if g := ctx.Engine.Active(); g != nil {
		node, desc = g.Snap.Global.Node, g.Snap.Global.Description
	}
	if node == "" {
		node, _ = os.Hostname()
	}
	stopping := "0"
	if in.Stopping {
		stopping = "1"
	}
	v[0], v[1], v[2] = "hawser", stats.Version, releaseDate(in.Start)
	v[3], v[4], v[5], v[6] = i(int64(nbthread)), "1", "1", i(int64(in.PID))
	v[7] = fmt.Sprintf("%dd %dh%02dm%02ds", secs/86400, secs/3600%24, secs/60%60, secs%60)
	v[8] = i(secs)
	v[9], v[10], v[11], v[12] = "0", u(ms.HeapSys>>20), u(ms.HeapInuse>>20), "0"
	v[13], v[14] = u(rl.Cur), u(rl.Cur)
	v[15], v[16] = i(int64(in.MaxConn)), i(int64(in.MaxConn))
	v[17], v[18], v[19] = i(in.CurConns), u(in.CumConns), u(in.CumReq)
	for k := 20; k <= 44; k++ {
		v[k] = "0"
	}
	v[26], v[29] = u(uint64(in.ConnRate)), u(uint64(in.SessRate))
	v[27], v[30] = i(int64(in.ConnRateLimit)), i(int64(in.SessRateLimit))
	v[28], v[31] = u(uint64(in.MaxConnRate)), u(uint64(in.MaxConnRate))
	v[21], v[22] = i(in.CurSSL), u(in.CumSSL)
	v[32], v[33], v[34] = u(uint64(in.SSLRate)), i(int64(in.SSLRateLimit)), u(uint64(in.MaxSSLRate))
	v[35], v[36], v[37] = u(uint64(in.SSLKeyRate)), u(uint64(in.MaxSSLKeyRate)), u(uint64(in.SSLReusePct))
	if g := ctx.Engine.Active(); g != nil {
		v[16] = i(int64(g.Snap.Global.MaxConn)) // Hard_maxconn: the configured one
	}
	connLim, sessLim := ctx.Engine.RateLimits()
	v[27], v[30] = i(int64(connLim)), i(int64(sessLim))
	v[47], v[48], v[49] = i(int64(runtime.NumGoroutine())), "0", "100"
	v[50], v[51] = node, desc
	v[52], v[53], v[54], v[55] = stopping, i(in.CurConns+int64(in.Listeners)), "0", i(int64(in.Listeners))
	v[56], v[57], v[58], v[59], v[60] = "0", "0", u(in.DroppedLogs), "0", "0"
	v[61], v[62], v[63], v[64], v[65] = u(in.BytesOut), "0", "0", "0", u(in.RecvLogs)
	v[66] = stats.Version
	v[67], v[68], v[69] = "0", u(ms.HeapSys), u(ms.HeapInuse)
	v[70], v[71] = i(in.Start.Unix()), "0"
	return v
}

var (
	originWords = map[byte]string{'M': "Metric", 'S': "Status", 'K': "Key", 'C': "Config", 'P': "Product"}
	natureWords = map[byte]string{'A': "Age", 'a': "Avg", 'C': "Counter", 'D': "Duration", 'G': "Gauge", 'L': "Limit", 'M': "Max", 'm': "Min", 'O': "Output", 'R': "Rate", 'T': "Time", 'N': "Name"}
	scopeWords  = map[byte]string{'G': "Global", 'P': "Process", 'S': "Service", 's': "System"}
)

func showInfo(ctx *Context, args []string, _ string) (string, error) {
	format := ""
	for _, a := range args {
		switch a {
		case "typed", "json":
			format = a
		}
		// desc, float and unknown words are ignored, as HAProxy does.
	}
	vals := infoValues(ctx)
	var b strings.Builder
	switch format {
	case "typed":
		for pos, f := range infoFields {
			if vals[pos] == "" {
				continue
			}
			fmt.Fprintf(&b, "%d.%s.1:%s:%s:%s\n", pos, f.name, f.tags, f.typ, vals[pos])
		}
	case "json":
		b.WriteByte('[')
		first := true
		for pos, f := range infoFields {
			if vals[pos] == "" {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			val := vals[pos]
			if f.typ == "str" {
				val = strconv.Quote(val)
			}
			fmt.Fprintf(&b, `{"field":{"pos":%d,"name":%q},"processNum":1,"tags":{"origin":%q,"nature":%q,"scope":%q},"value":{"type":%q,"value":%s}}`,
				pos, f.name, originWords[f.tags[0]], natureWords[f.tags[1]], scopeWords[f.tags[2]], f.typ, val)
		}
		b.WriteString("]\n")
	default:
		for pos, f := range infoFields {
			if vals[pos] == "" {
				continue
			}
			b.WriteString(f.name + ": " + vals[pos] + "\n")
		}
	}
	ctx.W.WriteString(b.String())
	return "", nil
}

func showVersion(ctx *Context, _ []string, _ string) (string, error) {
	ctx.W.WriteString(stats.Version + "\n")
	return "", nil
}

func showEnv(ctx *Context, args []string, _ string) (string, error) {
	if len(args) > 0 {
		v, ok := os.LookupEnv(args[0])
		if !ok {
			return "", Errorf("Variable not found")
		}
		ctx.W.WriteString(args[0] + "=" + v + "\n")
		return "", nil
	}
	for _, kv := range os.Environ() {
		ctx.W.WriteString(kv + "\n")
	}
	return "", nil
}

// showErrors reports captured protocol errors; hawser keeps none yet, so
// the answer is HAProxy's header with no event.
func showErrors(ctx *Context, _ []string, _ string) (string, error) {
	now := time.Now()
	fmt.Fprintf(ctx.W, "Total events captured on [%s] : 0\n", now.Format("02/Jan/2006:15:04:05.000"))
	return "", nil
}

func showActivity(ctx *Context, _ []string, _ string) (string, error) {
	in := ctx.Engine.Info()
	fmt.Fprintf(ctx.W, "thread_id: 1 (%d..%d)\n", 1, runtime.GOMAXPROCS(0))
	fmt.Fprintf(ctx.W, "date_now: %d.%06d\n", time.Now().Unix(), time.Now().Nanosecond()/1000)
	fmt.Fprintf(ctx.W, "uptime_now: %d.%06d\n", int64(in.Uptime/time.Second), int64(in.Uptime%time.Second/time.Microsecond))
	fmt.Fprintf(ctx.W, "goroutines: %d\n", runtime.NumGoroutine())
	fmt.Fprintf(ctx.W, "accepted: %d\n", in.CumConns)
	fmt.Fprintf(ctx.W, "curr_conns: %d\n", in.CurConns)
	return "", nil
}
