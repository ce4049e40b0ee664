package statspage

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/stats"
)

// Request is a stats page request, after its access rules passed.
type Request struct {
	Gen  *engine.Generation
	Page *engine.StatsPage
	// Version is shown unless "stats hide-version".
	Version string
	Method  []byte
	URI     []byte
	// Body is a POST's form (application/x-www-form-urlencoded).
	Body []byte
	// Admin is set when a "stats admin" condition holds: the form and
	// the admin actions are available.
	Admin bool
}

// options are the ";" flags after the stats URI, as HAProxy reads them.
type options struct {
	up, noMaint, noRefresh bool
	format                 string // html, csv, json, typed
	status                 string // ;st=<code> after an admin action
}

func parseOptions(rest []byte) options {
	o := options{format: "html"}
	s := string(rest)
	o.up = strings.Contains(s, ";up")
	o.noMaint = strings.Contains(s, ";no-maint")
	o.noRefresh = strings.Contains(s, ";norefresh")
	switch {
	case strings.Contains(s, ";json"):
		o.format = "json"
	case strings.Contains(s, ";typed"):
		o.format = "typed"
	case strings.Contains(s, ";csv"):
		o.format = "csv"
	}
	if i := strings.Index(s, ";st="); i >= 0 {
		code := s[i+4:]
		if j := strings.IndexAny(code, ";&?"); j >= 0 {
			code = code[:j]
		}
		o.status = code
	}
	return o
}

// suffix rebuilds the display flags to carry them across links.
func (o options) suffix() string {
	var b strings.Builder
	if o.up {
		b.WriteString(";up")
	}
	if o.noMaint {
		b.WriteString(";no-maint")
	}
	if o.noRefresh {
		b.WriteString(";norefresh")
	}
	return b.String()
}

// Serve answers a stats page request with a complete HTTP/1.1 response.
func Serve(r *Request) (resp []byte, status int) {
	uri := r.URI
	if i := bytes.Index(uri, []byte(r.Page.Cfg.URI)); i >= 0 {
		uri = uri[i+len(r.Page.Cfg.URI):]
	}
	o := parseOptions(uri)
	if string(r.Method) == "POST" {
		code := "DENY"
		if r.Admin {
			code = applyAdmin(r.Gen, r.Page, r.Body)
		}
		loc := r.Page.Cfg.URI + o.suffix() + ";st=" + code
		return response(303, "See Other", "text/plain", "location: "+loc+"\r\n", nil, false), 303
	}
	head := string(r.Method) == "HEAD"
	switch o.format {
	case "csv":
		var b bytes.Buffer
		stats.WriteCSV(&b, scopedRows(r.Gen, r.Page))
		return response(200, "OK", "text/plain", "", b.Bytes(), head), 200
	case "json":
		return response(200, "OK", "application/json", "", stats.AppendJSON(nil, scopedRows(r.Gen, r.Page)), head), 200
	case "typed":
		// "show stat typed": one line per non-empty cell.
		return response(200, "OK", "text/plain", "", stats.AppendTyped(nil, scopedRows(r.Gen, r.Page)), head), 200
	}
	return response(200, "OK", "text/html; charset=utf-8", "", HTML(r, o), head), 200
}

// response builds an HTTP/1.1 response; HAProxy marks every stats answer
// uncacheable.
func response(code int, reason, ctype, extra string, body []byte, head bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\ncache-control: no-cache\r\ncontent-type: %s\r\n%scontent-length: %d\r\n\r\n", code, reason, ctype, extra, len(body))
	if !head {
		b.Write(body)
	}
	return b.Bytes()
}

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

type view struct {
	PID                 int
	Node, Desc, Version string
	Uptime              string
	Threads             int
	MaxConn             string
	CurConns            int64
	Legends, HideDown   bool
	// Refresh is the "stats refresh" delay in seconds, 0 for none: a
	// script then reloads the tables in place, or a meta refresh the
	// page when scripts are off.
	Refresh int
	Links   links
	Message *message
	Proxies []*proxyView
}

type links struct {
	ShowAll, HideDown, NoRefresh, Now, CSV, JSON, Post string
}

type message struct{ Class, Text string }

type proxyView struct {
	Name, Desc string
	Summary    *message
	Admin      bool
	Rows       []*rowView
}

type rowView struct {
	Class, ID, Name                                                   string
	Select                                                            bool
	QCur, QMax, QLimit, Rate, RateMax, RateLimit                      string
	SCur, SMax, SLimit, STot, LBTot, LastSess, BIn, BOut, DReq, DResp string
	EReq, ECon, EResp, WRetr, WRedis                                  string
	Status, StatusTitle, CheckStatus, CheckDesc                       string
	// Badge repeats the state next to the name on narrow screens.
	Badge                                        string
	Weight, Act, Bck, Chk, Dwn, Dwntme, Throttle string
}

// statusText are the messages of ";st=" codes after an admin action.
var statusText = map[string]message{
	"DONE": {"ok", "Action processed successfully."},
	"NONE": {"ok", "Nothing has changed."},
	"PART": {"err", "Action processed for some servers only: check the others' names and states."},
	"ERRP": {"err", "Action not processed: invalid parameters (unknown backend, server or action)."},
	"EXCD": {"err", "Action not processed: the request was too large."},
	"DENY": {"err", "Action denied: admin actions are not allowed for this request."},
}

// HTML renders the page.
func HTML(r *Request, o options) []byte {
	cfg := r.Page.Cfg
	gen := r.Gen
	g := &gen.Snap.Global
	base := cfg.URI
	info := gen.Engine.Info()
	v := &view{
		PID:      info.PID,
		Uptime:   uptime(info.Uptime),
		Threads:  info.NbThread,
		MaxConn:  "unlimited",
		CurConns: info.CurConns,
		Legends:  cfg.ShowLegends,
		HideDown: o.up,
	}
	if !cfg.HideVersion {
		v.Version = r.Version
	}
	if cfg.Refresh > 0 && !o.noRefresh {
		v.Refresh = max(int(cfg.Refresh/time.Second), 1)
	}
	if v.Threads == 0 {
		v.Threads = runtime.GOMAXPROCS(0)
	}
	if info.MaxConn > 0 {
		v.MaxConn = strconv.Itoa(info.MaxConn)
	}
	if cfg.ShowNode {
		v.Node = cfg.Node
		if v.Node == "" {
			v.Node = g.Node
		}
		if v.Node == "" {
			v.Node = hostname()
		}
	}
	if cfg.ShowDesc {
		v.Desc = cfg.Desc
		if v.Desc == "" {
			v.Desc = g.Description
		}
	}
	noRefresh := ""
	if o.noRefresh {
		noRefresh = ";norefresh"
	}
	v.Links = links{
		ShowAll:   base + noRefresh,
		HideDown:  base + ";up" + noRefresh,
		NoRefresh: base + o.suffix() + ";norefresh",
		Now:       base + o.suffix(),
		CSV:       base + ";csv",
		JSON:      base + ";json",
		Post:      base + o.suffix(),
	}
	if m, ok := statusText[o.status]; ok {
		v.Message = &m
	}
	for _, px := range collect(gen, r.Page) {
		pv := &proxyView{Name: px.Name, Desc: px.Desc}
		pv.Admin = r.Admin && px.Backend != nil && len(px.Servers) > 0
		if px.Frontend != nil {
			pv.Rows = append(pv.Rows, rowOf(px.Name, px.Frontend, false))
		}
		up := 0
		for _, s := range px.Servers {
			st := s.Get(stats.FStatus).String()
			if st == "UP" || st == "no check" || strings.HasPrefix(st, "UP ") {
				up++
			}
			if o.up && (strings.HasPrefix(st, "DOWN") || st == "MAINT") || o.noMaint && st == "MAINT" {
				continue
			}
			rv := rowOf(px.Name, s, pv.Admin)
			if st := serverState(gen, px.Name, s.Name()); st != nil && !st.ChecksEnabled() {
				// Disabled from the page or the runtime API: the last
				// result stays, marked as such.
				rv.CheckStatus = strings.TrimSpace("checks off " + rv.CheckStatus)
			}
			pv.Rows = append(pv.Rows, rv)
		}
		if px.Backend != nil {
			pv.Rows = append(pv.Rows, rowOf(px.Name, px.Backend, false))
			if n := len(px.Servers); n > 0 {
				cls := "c-up"
				switch {
				case up == 0:
					cls = "c-down"
				case up < n:
					cls = "c-godown"
				}
				pv.Summary = &message{Class: cls, Text: fmt.Sprintf("%d/%d servers up", up, n)}
			}
		}
		v.Proxies = append(v.Proxies, pv)
	}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, v); err != nil {
		// The template is fixed and the view plain data: this is a bug.
		panic(err)
	}
	return b.Bytes()
}

// rowOf is the view of one stats row: the cells of HAProxy's stats page,
// and the colour class of its state.
func rowOf(proxy string, r *stats.Row, sel bool) *rowView {
	c := func(col stats.Col) string { return r.Get(col).String() }
	rv := &rowView{
		Name: r.Name(), Select: sel,
		QCur: c(stats.FQCur), QMax: c(stats.FQMax), QLimit: c(stats.FQLimit),
		Rate: c(stats.FRate), RateMax: c(stats.FRateMax), RateLimit: c(stats.FRateLim),
		SCur: c(stats.FSCur), SMax: c(stats.FSMax), SLimit: c(stats.FSLim), STot: c(stats.FSTot), LBTot: c(stats.FLBTot),
		BIn: c(stats.FBIn), BOut: c(stats.FBOut), DReq: c(stats.FDReq), DResp: c(stats.FDResp),
		EReq: c(stats.FEReq), ECon: c(stats.FECon), EResp: c(stats.FEResp), WRetr: c(stats.FWRetr), WRedis: c(stats.FWRedis),
		Status: c(stats.FStatus), Weight: c(stats.FWeight), Act: c(stats.FAct), Bck: c(stats.FBck),
		Chk: c(stats.FChkFail), Dwn: c(stats.FChkDown), Throttle: c(stats.FThrottle),
		CheckDesc: c(stats.FCheckDesc),
	}
	if v := r.Get(stats.FRateLim); v.IsInt() && v.N() == 0 {
		rv.RateLimit = ""
	}
	if v := r.Get(stats.FLastSess); v.IsInt() && v.N() >= 0 {
		rv.LastSess = human(time.Duration(v.N()) * time.Second)
	}
	if v := r.Get(stats.FDowntime); v.IsInt() {
		rv.Dwntme = human(time.Duration(v.N()) * time.Second)
	}
	if cs := c(stats.FCheckStatus); cs != "" {
		rv.CheckStatus = cs
		if code := c(stats.FCheckCode); code != "" {
			rv.CheckStatus += "/" + code
		}
		if d := c(stats.FCheckDuration); d != "" {
			rv.CheckStatus += " in " + d + "ms"
		}
	}
	switch r.Type {
	case stats.TypeFrontend:
		rv.Class = "frontend"
		rv.ID = proxy + "/FRONTEND"
		rv.Name = "Frontend"
	case stats.TypeBackend:
		rv.Class = "backend"
		if rv.Status != "UP" {
			rv.Class = "down"
		}
		rv.ID = proxy + "/BACKEND"
		rv.Badge = rv.Status
		rv.Name = "Backend"
	default:
		rv.ID = proxy + "/" + r.Name()
		rv.Class = serverClass(rv.Status, r.Get(stats.FBck).N() == 1)
		rv.Badge = rv.Status
		rv.Act, rv.Bck = yesNo(r.Get(stats.FBck).N() == 0), yesNo(r.Get(stats.FBck).N() == 1)
		if v := r.Get(stats.FLastChg); v.IsInt() {
			age := human(time.Duration(v.N()) * time.Second)
			rv.StatusTitle = rv.Status + " for " + age
			rv.Status = age + " " + rv.Status
		}
	}
	return rv
}

// serverClass is the colour of a server's state, as HAProxy's page shows
// them: green up, yellow going down, orange going up, red down, brown
// maintenance, blue draining, grey without checks; backups in light blue.
func serverClass(status string, backup bool) string {
	switch {
	case status == "MAINT":
		return "maint"
	case status == "DRAIN" || status == "NOLB":
		return "drain"
	case strings.HasPrefix(status, "DOWN "):
		return "going-up"
	case strings.HasPrefix(status, "DOWN"):
		return "down"
	case strings.HasPrefix(status, "UP "):
		return "going-down"
	case status == "no check" && backup:
		return "backup-nocheck"
	case status == "no check":
		return "active-nocheck"
	case backup:
		return "backup-up"
	}
	return "active-up"
}

func yesNo(b bool) string {
	if b {
		return "Y"
	}
	return "-"
}

// uptime formats a duration as HAProxy's process uptime: "0d 1h02m03s".
func uptime(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("%dd %dh%02dm%02ds", s/86400, s/3600%24, s/60%60, s%60)
}

// human formats an age as HAProxy's stats page does: "5s", "3m12s",
// "2h05m", "4d3h".
func human(d time.Duration) string {
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s/60%60)
	}
	return fmt.Sprintf("%dd%dh", s/86400, s/3600%24)
}

// hostname is the default node name, as HAProxy's.
func hostname() string {
	h, _ := os.Hostname()
	return h
}

// serverState returns the live state of a server, nil if unknown.
func serverState(gen *engine.Generation, backend, name string) *server.State {
	b := gen.Backends[backend]
	if b == nil {
		return nil
	}
	for _, sv := range b.Pool.Servers() {
		if sv.Name == name {
			return sv.State
		}
	}
	return nil
}
