package engine

import (
	"cmp"
	"os"
	"slices"
	"time"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/freq"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/stats"
)

// Stats returns one row per frontend, server and backend of the running
// configuration, in HAProxy's "show stat" order: proxies in the order of
// the configuration files, each with its FRONTEND row, its servers, then
// its BACKEND row. It reads the same counters the data path updates, so
// "show stat", the stats page and the Prometheus exporter agree.
func (e *Engine) Stats() []stats.Row {
	g := e.active.Load()
	if g == nil {
		return nil
	}
	return g.Stats()
}

// statProxy is one proxy for the stats: a frontend, a backend, or both
// (listen).
type statProxy struct {
	pos  [2]any
	name string
	iid  int
	fe   *Frontend
	be   *Backend
}

// statProxies lists the generation's proxies in configuration order.
func (g *Generation) statProxies() []*statProxy {
	byName := make(map[string]*statProxy)
	var list []*statProxy
	get := func(p *config.Proxy) *statProxy {
		sp := byName[p.Name]
		if sp == nil {
			sp = &statProxy{name: p.Name, iid: p.ID, pos: [2]any{p.Pos.File, p.Pos.Line}}
			byName[p.Name] = sp
			list = append(list, sp)
		}
		return sp
	}
	for _, f := range g.Frontends {
		get(&f.Cfg.Proxy).fe = f
	}
	for _, bc := range g.Snap.Backends {
		if b := g.Backends[bc.Name]; b != nil {
			get(&bc.Proxy).be = b
		}
	}
	slices.SortStableFunc(list, func(a, b *statProxy) int {
		if c := cmp.Compare(a.pos[0].(string), b.pos[0].(string)); c != 0 {
			return c
		}
		return cmp.Compare(a.pos[1].(int), b.pos[1].(int))
	})
	// Proxies without an "id" are numbered after the highest one given, in
	// order, as HAProxy does.
	next := 1
	used := make(map[int]bool)
	for _, sp := range list {
		used[sp.iid] = true
	}
	for _, sp := range list {
		if sp.iid == 0 {
			for used[next] {
				next++
			}
			sp.iid = next
			used[next] = true
		}
	}
	return list
}

// Stats is Engine.Stats for this generation.
func (g *Generation) Stats() []stats.Row {
	now := freq.Now()
	var rows []stats.Row
	fullconn := g.defaultFullConn()
	for _, sp := range g.statProxies() {
		if sp.fe != nil {
			rows = append(rows, frontendRow(sp, now, g.Engine.Stopping(), g.Snap.Global.MaxConn))
			for _, ss := range sp.fe.sockStats {
				rows = append(rows, listenerRow(sp, ss, now, g.Engine.Stopping()))
			}
		}
		if sp.be != nil {
			cfgs := make(map[string]*config.Server, len(sp.be.Cfg.Servers))
			for _, sc := range sp.be.Cfg.Servers {
				cfgs[sc.Name] = sc
			}
			for _, sv := range sp.be.Pool.Servers() {
				rows = append(rows, serverRow(sp, sv, cfgs[sv.Name], now))
			}
			rows = append(rows, backendRow(sp, now, fullconn))
		}
	}
	return rows
}

// common fills the columns frontends, backends and servers share.
func common(r *stats.Row, c *stats.Counters, sp *statProxy, now uint32, http bool) {
	r.Set(stats.FPxName, stats.Str(sp.name))
	r.Set(stats.FSMax, stats.Int(c.Max.Load()))
	r.Set(stats.FBIn, stats.Int(c.BytesIn.Load()))
	r.Set(stats.FBOut, stats.Int(c.BytesOut.Load()))
	r.Set(stats.FDResp, stats.Int(c.DeniedResp.Load()))
	r.Set(stats.FPID, stats.Int(1))
	r.Set(stats.FIID, stats.Int(sp.iid))
	r.Set(stats.FType, stats.Int(int(r.Type)))
	r.Set(stats.FRate, stats.Int(c.SessRate.Read(now, 1000)))
	r.Set(stats.FRateMax, stats.Int(c.SessRateMax.Load()))
	r.Set(stats.FEInt, stats.Int(c.InternalErr.Load()))
	if http {
		for i, col := range []stats.Col{stats.FHRsp1xx, stats.FHRsp2xx, stats.FHRsp3xx, stats.FHRsp4xx, stats.FHRsp5xx, stats.FHRspOther} {
			r.Set(col, stats.Int(c.HRsp[i].Load()))
		}
	}
}

func modeName(m config.Mode) string {
	if m == config.ModeHTTP {
		return "http"
	}
	return "tcp"
}

func frontendRow(sp *statProxy, now uint32, stopping bool, globalMax int) stats.Row {
	f := sp.fe
	c := f.Counters
	http := f.Cfg.Mode == config.ModeHTTP
	r := stats.Row{Type: stats.TypeFrontend}
	common(&r, c, sp, now, http)
	r.Set(stats.FSvName, stats.Str("FRONTEND"))
	r.Set(stats.FSCur, stats.Int(c.Cur.Load()))
	// Without its own maxconn a frontend is bounded by the global one, as
	// in HAProxy; without either there is no limit and the cell is empty.
	switch lim := f.MaxConnNow(); {
	case lim > 0:
		r.Set(stats.FSLim, stats.Int(lim))
	case globalMax > 0:
		r.Set(stats.FSLim, stats.Int(globalMax))
	default:
		r.Set(stats.FSLim, stats.Value{})
	}
	r.Set(stats.FSTot, stats.Int(c.Sessions.Load()))
	r.Set(stats.FDReq, stats.Int(c.DeniedReq.Load()))
	r.Set(stats.FEReq, stats.Int(c.ErrReq.Load()))
	status := "OPEN"
	if f.Paused() {
		status = "PAUSED"
	}
	if stopping {
		status = "STOP"
	}
	r.Set(stats.FStatus, stats.Str(status))
	r.Set(stats.FSID, stats.Int(0))
	r.Set(stats.FRateLim, stats.Int(0))
	if http {
		r.Set(stats.FReqRate, stats.Int(c.ReqRate.Read(now, 1000)))
		r.Set(stats.FReqRateMax, stats.Int(c.ReqRateMax.Load()))
		r.Set(stats.FReqTot, stats.Int(c.Requests.Load()))
		r.Set(stats.FIntercepted, stats.Int(c.Intercepted.Load()))
		r.Set(stats.FCompIn, stats.Int(0))
		r.Set(stats.FCompOut, stats.Int(0))
		r.Set(stats.FCompByp, stats.Int(0))
		r.Set(stats.FCompRsp, stats.Int(0))
		r.Set(stats.FCacheLookups, stats.Int(0))
		r.Set(stats.FCacheHits, stats.Int(0))
		r.Set(stats.FH1Req, stats.Int(c.Requests.Load()))
		r.Set(stats.FH2Req, stats.Int(0))
		r.Set(stats.FH3Req, stats.Int(0))
		r.Set(stats.FReqOther, stats.Int(0))
	}
	r.Set(stats.FMode, stats.Str(modeName(f.Cfg.Mode)))
	r.Set(stats.FConnRate, stats.Int(c.ConnRate.Read(now, 1000)))
	r.Set(stats.FConnRateMax, stats.Int(c.ConnRateMax.Load()))
	r.Set(stats.FConnTot, stats.Int(c.Conns.Load()))
	r.Set(stats.FDCon, stats.Int(c.DeniedConn.Load()))
	r.Set(stats.FDSes, stats.Int(c.DeniedSess.Load()))
	r.Set(stats.FWRew, stats.Int(c.FailedRew.Load()))
	return r
}

// times fills the average and maximum time columns.
func times(r *stats.Row, c *stats.Counters) {
	n := c.Timed()
	r.Set(stats.FQTime, stats.Int(c.QTime.Avg(n)))
	r.Set(stats.FCTime, stats.Int(c.CTime.Avg(n)))
	r.Set(stats.FRTime, stats.Int(c.RTime.Avg(n)))
	r.Set(stats.FTTime, stats.Int(c.TTime.Avg(n)))
	r.Set(stats.FQTimeMax, stats.Int(c.QTimeMax.Load()))
	r.Set(stats.FCTimeMax, stats.Int(c.CTimeMax.Load()))
	r.Set(stats.FRTimeMax, stats.Int(c.RTimeMax.Load()))
	r.Set(stats.FTTimeMax, stats.Int(c.TTimeMax.Load()))
}

// backendCommon fills the columns backends and servers share.
func backendCommon(r *stats.Row, c *stats.Counters, now uint32) {
	r.Set(stats.FEReq, stats.Value{})
	r.Set(stats.FECon, stats.Int(c.ErrConn.Load()))
	r.Set(stats.FEResp, stats.Int(c.ErrResp.Load()))
	r.Set(stats.FWRetr, stats.Int(c.Retries.Load()))
	r.Set(stats.FWRedis, stats.Int(c.Redisp.Load()))
	r.Set(stats.FCliAbrt, stats.Int(c.CliAborts.Load()))
	r.Set(stats.FSrvAbrt, stats.Int(c.SrvAborts.Load()))
	r.Set(stats.FLastSess, stats.Int(c.LastSess(now)))
	r.Set(stats.FConnect, stats.Int(c.Connects.Load()))
	r.Set(stats.FReuse, stats.Int(c.Reuses.Load()))
	times(r, c)
}

func backendRow(sp *statProxy, now uint32, fullconn map[string]int) stats.Row {
	b := sp.be
	c := b.Counters
	http := b.Cfg.Mode == config.ModeHTTP
	r := stats.Row{Type: stats.TypeBackend}
	common(&r, c, sp, now, http)
	backendCommon(&r, c, now)
	r.Set(stats.FSvName, stats.Str("BACKEND"))
	r.Set(stats.FQCur, stats.Int(b.Queue.BackendLen()))
	r.Set(stats.FQMax, stats.Int(b.Queue.Max()))
	r.Set(stats.FSCur, stats.Int(c.Cur.Load()))
	if b.Cfg.FullConn > 0 {
		r.Set(stats.FSLim, stats.Int(b.Cfg.FullConn))
	} else if n, ok := fullconn[b.Cfg.Name]; ok {
		r.Set(stats.FSLim, stats.Int(n))
	}
	r.Set(stats.FSTot, stats.Int(c.Sessions.Load()))
	r.Set(stats.FDReq, stats.Int(c.DeniedReq.Load()))
	var act, bck, wAct, wBck, lbtot int64
	var chkdown uint64
	var agg [5]int64
	for _, sv := range b.Pool.Servers() {
		st := sv.State
		lbtot += int64(st.Total.Load())
		chkdown += st.Counters.ChkDown.Load()
		s := serverStatus(sv, true)
		switch {
		case s == "MAINT":
			agg[2]++
		case s == "DRAIN":
			agg[3]++
		case st.Usable():
			agg[1]++
		default:
			agg[0]++
		}
		if !st.Usable() {
			continue
		}
		if sv.Backup {
			bck++
			wBck += int64(sv.EWeight())
		} else {
			act++
			wAct += int64(sv.EWeight())
		}
	}
	status := "DOWN"
	if act+bck > 0 {
		status = "UP"
	}
	weight := wAct
	if act == 0 {
		weight = wBck
	}
	r.Set(stats.FStatus, stats.Str(status))
	r.Set(stats.FWeight, stats.Int(weight))
	r.Set(stats.FUWeight, stats.Int(weight))
	r.Set(stats.FAct, stats.Int(act))
	r.Set(stats.FBck, stats.Int(bck))
	r.Set(stats.FChkDown, stats.Int(chkdown))
	b.Counters.SetAvailable(act+bck > 0, time.Now().UnixNano())
	if since, down, ok := b.Counters.Availability(time.Now().UnixNano()); ok {
		r.Set(stats.FLastChg, stats.Int(since/int64(time.Second)))
		r.Set(stats.FDowntime, stats.Int(down/int64(time.Second)))
	}
	r.Set(stats.FSID, stats.Int(0))
	r.Set(stats.FLBTot, stats.Int(lbtot))
	if http {
		r.Set(stats.FReqTot, stats.Int(c.Requests.Load()))
		r.Set(stats.FCompIn, stats.Int(0))
		r.Set(stats.FCompOut, stats.Int(0))
		r.Set(stats.FCompByp, stats.Int(0))
		r.Set(stats.FCompRsp, stats.Int(0))
		r.Set(stats.FCacheLookups, stats.Int(0))
		r.Set(stats.FCacheHits, stats.Int(0))
	}
	algo := b.Cfg.Balance.Algorithm
	if algo == "" {
		algo = "roundrobin"
	}
	r.Set(stats.FMode, stats.Str(modeName(b.Cfg.Mode)))
	r.Set(stats.FAlgo, stats.Str(algo))
	r.Set(stats.FWRew, stats.Int(c.FailedRew.Load()))
	r.Set(stats.FAggServerStatus, stats.Int(0))
	r.Set(stats.FAggCheckStatus, stats.Int(0))
	return r
}

// serverStatus is the status column of a server: its admin state first,
// then its health with the rise/fall progress while it moves.
func serverStatus(sv *balance.Server, checked bool) string {
	st := sv.State
	switch st.Admin() {
	case server.AdminMaint:
		return "MAINT"
	case server.AdminDrain:
		return "DRAIN"
	}
	if !checked {
		if st.Up() {
			return "no check"
		}
		return "DOWN"
	}
	return "" // the caller formats the checked states (serverRow)
}

func serverRow(sp *statProxy, sv *balance.Server, scfg *config.Server, now uint32) stats.Row {
	st := sv.State
	c := &st.Counters
	http := sp.be.Cfg.Mode == config.ModeHTTP
	r := stats.Row{Type: stats.TypeServer}
	common(&r, c, sp, now, http)
	backendCommon(&r, c, now)
	r.Set(stats.FSvName, stats.Str(sv.Name))
	r.Set(stats.FQCur, stats.Int(c.QCur.Load()))
	r.Set(stats.FQMax, stats.Int(c.QMax.Load()))
	r.Set(stats.FSCur, stats.Int(st.Cur()))
	if max := sv.MaxConnNow(); max > 0 {
		r.Set(stats.FSLim, stats.Int(max))
	}
	r.Set(stats.FSTot, stats.Int(st.Total.Load()))
	r.Set(stats.FDResp, stats.Int(c.DeniedResp.Load()))
	cs := st.Check()
	checked := scfg != nil && scfg.Check
	status := serverStatus(sv, checked)
	if status == "" {
		rise, fall := scfg.Rise, scfg.Fall
		health := cs.Health
		if !cs.Configured {
			// The checker has not started yet; it starts at rise.
			health = rise
		}
		switch {
		case st.Up() && health < rise+fall-1:
			status = "UP " + itoa(health-rise+1) + "/" + itoa(fall)
		case st.Up():
			status = "UP"
		case health > 0:
			status = "DOWN " + itoa(health) + "/" + itoa(rise)
		default:
			status = "DOWN"
		}
	}
	r.Set(stats.FStatus, stats.Str(status))
	r.Set(stats.FWeight, stats.Int(sv.EWeight()))
	r.Set(stats.FUWeight, stats.Int(sv.UWeight()))
	if sv.Backup {
		r.Set(stats.FAct, stats.Int(0))
		r.Set(stats.FBck, stats.Int(1))
	} else {
		r.Set(stats.FAct, stats.Int(1))
		r.Set(stats.FBck, stats.Int(0))
	}
	r.Set(stats.FLastChg, stats.Int(int64(time.Since(st.LastChange())/time.Second)))
	r.Set(stats.FDowntime, stats.Int(int64(st.Downtime()/time.Second)))
	if sv.MaxQueue > 0 {
		r.Set(stats.FQLimit, stats.Int(sv.MaxQueue))
	}
	r.Set(stats.FSID, stats.Int(sv.ID))
	r.Set(stats.FLBTot, stats.Int(st.Total.Load()))
	r.Set(stats.FHanaFail, stats.Int(0))
	if checked {
		r.Set(stats.FChkFail, stats.Int(c.ChkFail.Load()))
		r.Set(stats.FChkDown, stats.Int(c.ChkDown.Load()))
		if cs.LastStatus != "" {
			r.Set(stats.FCheckStatus, stats.Str(cs.LastStatus))
			r.Set(stats.FLastChk, stats.Str(cs.LastDesc))
			r.Set(stats.FCheckDesc, stats.Str(cs.LastDesc))
			r.Set(stats.FCheckDuration, stats.Int(int64(cs.LastDur/time.Millisecond)))
		}
		if cs.LastCode > 0 {
			r.Set(stats.FCheckCode, stats.Int(cs.LastCode))
		}
		r.Set(stats.FCheckRise, stats.Int(scfg.Rise))
		r.Set(stats.FCheckFall, stats.Int(scfg.Fall))
		r.Set(stats.FCheckHealth, stats.Int(cs.Health))
	}
	addr, _ := sv.Target()
	r.Set(stats.FAddr, stats.Str(addr))
	if scfg != nil && scfg.Cookie != "" {
		r.Set(stats.FCookie, stats.Str(scfg.Cookie))
	}
	r.Set(stats.FMode, stats.Str(modeName(sp.be.Cfg.Mode)))
	r.Set(stats.FWRew, stats.Int(c.FailedRew.Load()))
	r.Set(stats.FSRID, stats.Int(0))
	return r
}

func itoa(n int) string { return stats.Int(n).String() }

// Info returns the process-wide figures of "show info" and the
// haproxy_process_* metrics.
func (e *Engine) Info() stats.Info {
	in := stats.Info{
		PID:      os.Getpid(),
		Start:    e.started,
		Uptime:   time.Since(e.started),
		CurConns: e.curConn.Load(),
		CumConns: e.cumConns.Load(),
		Stopping: e.stopping.Load(),
	}
	// The process-wide count: it includes retired loggers, TCP targets'
	// own queues and log-forward sections, and never goes down.
	in.DroppedLogs = logging.DroppedLogs()
	in.RecvLogs = logging.ReceivedLogs()
	in.MaxConnRate = e.acceptRateMax.Load()
	e.ssl.fill(&in)
	in.ConnRateLimit, in.SessRateLimit = e.RateLimits()
	in.SSLRateLimit = e.SSLRateLimit()
	now := freq.Now()
	if g := e.active.Load(); g != nil {
		in.MaxConn = e.MaxConnGlobal()
		in.NbThread = g.Snap.Global.NbThread
		in.Listeners = len(g.specs)
		for _, f := range g.Frontends {
			c := f.Counters
			in.CumReq += c.Requests.Load()
			in.BytesOut += c.BytesOut.Load()
			in.ConnRate += c.ConnRate.Read(now, 1000)
			in.SessRate += c.SessRate.Read(now, 1000)
		}
	}
	return in
}

// SockStat is a listening socket of a frontend with "option
// socket-stats": its name and id for the stats, and its counters.
type SockStat struct {
	Name     string // the bind's "name", else "sock-<id>"
	ID       int    // 1-based, in bind order within the frontend
	Bind     *config.Bind
	Counters *stats.Counters
}

// addSockStat registers the counters of bind b of frontend f.
func (g *Generation) addSockStat(f *Frontend, b *config.Bind, key string) {
	if g.sockStats == nil {
		g.sockStats = make(map[string]*SockStat)
	}
	id := len(f.sockStats) + 1
	name := b.Name
	if name == "" {
		name = "sock-" + itoa(id)
	}
	regName := f.Cfg.Name + "/" + name
	ss := &SockStat{Name: name, ID: id, Bind: b, Counters: g.Engine.stats.Get(stats.KindListener, regName)}
	g.statKeys[stats.KindListener+"/"+regName] = true
	g.sockStats[key] = ss
	f.sockStats = append(f.sockStats, ss)
}

// listenerRow is the show stat row of one listening socket.
func listenerRow(sp *statProxy, ss *SockStat, now uint32, stopping bool) stats.Row {
	c := ss.Counters
	r := stats.Row{Type: stats.TypeListener}
	common(&r, c, sp, now, false)
	r.Set(stats.FSvName, stats.Str(ss.Name))
	r.Set(stats.FSCur, stats.Int(c.Cur.Load()))
	limit := ss.Bind.MaxConn
	if limit == 0 {
		limit = sp.fe.Cfg.MaxConn
	}
	if limit > 0 {
		r.Set(stats.FSLim, stats.Int(limit))
	}
	r.Set(stats.FSTot, stats.Int(c.Sessions.Load()))
	r.Set(stats.FDReq, stats.Int(c.DeniedReq.Load()))
	r.Set(stats.FEReq, stats.Int(c.ErrReq.Load()))
	status := "OPEN"
	switch {
	case stopping:
		status = "STOP"
	case limit > 0 && c.Cur.Load() >= int64(limit):
		status = "FULL"
	}
	r.Set(stats.FStatus, stats.Str(status))
	r.Set(stats.FSID, stats.Int(ss.ID))
	r.Set(stats.FRate, stats.Value{})
	r.Set(stats.FRateMax, stats.Value{})
	r.Set(stats.FAddr, stats.Str(ss.Bind.Address))
	r.Set(stats.FMode, stats.Str(modeName(sp.fe.Cfg.Mode)))
	r.Set(stats.FConnTot, stats.Int(c.Conns.Load()))
	r.Set(stats.FDCon, stats.Int(c.DeniedConn.Load()))
	r.Set(stats.FDSes, stats.Int(c.DeniedSess.Load()))
	r.Set(stats.FWRew, stats.Int(c.FailedRew.Load()))
	r.Set(stats.FCliAbrt, stats.Int(c.CliAborts.Load()))
	r.Set(stats.FSrvAbrt, stats.Int(c.SrvAborts.Load()))
	return r
}

// trackAvailability records whether the backend has a usable server, for
// its lastchg and downtime. Health transitions call it; admin changes
// (maintenance, drain) are seen at the next transition or collection.
func (b *Backend) trackAvailability() {
	up := false
	for _, sv := range b.Pool.Servers() {
		if sv.State.Usable() {
			up = true
			break
		}
	}
	b.Counters.SetAvailable(up, time.Now().UnixNano())
}

// defaultFullConn is HAProxy's fullconn of backends without one: a tenth
// (rounded up, at least 1) of the maxconn sum of the frontends that name
// them in default_backend or a static use_backend, each frontend counted
// once. It is unknown (absent) when such a frontend has no limit, neither
// its own maxconn nor a global one, which HAProxy always has.
func (g *Generation) defaultFullConn() map[string]int {
	sums := make(map[string]int)
	unknown := make(map[string]bool)
	for _, b := range g.Snap.Backends {
		sums[b.Name] = 0
	}
	for _, f := range g.Snap.Frontends {
		limit := f.MaxConn
		if limit <= 0 {
			limit = g.Snap.Global.MaxConn
		}
		seen := make(map[string]bool)
		add := func(name string) {
			if _, ok := sums[name]; !ok || seen[name] {
				return
			}
			seen[name] = true
			if limit <= 0 {
				unknown[name] = true
			}
			sums[name] += limit
		}
		switch {
		case f.DefaultBackend != "":
			add(f.DefaultBackend)
		case f.Listen:
			add(f.Name) // a listen section serves with its own servers
		}
		for _, u := range f.UseBackends {
			if !u.Dynamic() {
				add(u.Backend)
			}
		}
	}
	out := make(map[string]int, len(sums))
	for name, sum := range sums {
		if !unknown[name] {
			out[name] = max((sum+9)/10, 1)
		}
	}
	return out
}
