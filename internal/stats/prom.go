package stats

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Scopes select the metric groups of a scrape (promex "scope=").
type Scopes uint8

// Scope bits. ScopeStickTable and ScopeResolver are promex's modules.
const (
	ScopeGlobal Scopes = 1 << iota
	ScopeFrontend
	ScopeBackend
	ScopeServer
	ScopeListener
	ScopeStickTable
	ScopeResolver
	ScopeAll = ScopeGlobal | ScopeFrontend | ScopeBackend | ScopeServer | ScopeListener | ScopeStickTable | ScopeResolver
)

// PromOptions are the query-string options of the exporter, and what the
// caller adds to the proxy rows for a scrape.
type PromOptions struct {
	Scopes Scopes
	// NoMaint leaves out the servers in maintenance.
	NoMaint bool
	// Metrics are the "metrics=" names: true to include, false to
	// exclude. When one name is included, only the included ones are
	// dumped; otherwise all but the excluded ones.
	Metrics map[string]bool
	// DescLabels adds a desc label with the description of the proxy (or
	// of the process, for process metrics) when it has one.
	DescLabels bool
	// ExtraCounters asks for the counters of HAProxy's stats modules
	// (h1, h2, ssl...); hawser has none to add.
	ExtraCounters bool

	// Filled by the caller.
	Tables     []StickTable      // for the sticktable scope
	Resolvers  []Nameserver      // for the resolver scope
	Descs      map[string]string // proxy name -> "description"
	GlobalDesc string            // the global section's "description"
}

// Nameserver is the counters of one nameserver of a resolvers section,
// for haproxy_resolver_*, by HAProxy's resolvers stats names (sent,
// send_error, valid...).
type Nameserver struct {
	Resolvers, Name string
	Counters        map[string]uint64
}

// resolverMetrics are HAProxy's resolvers stats fields with their
// descriptions, in its order.
var resolverMetrics = [...][2]string{
	{"sent", "Sent"}, {"send_error", "Send error"}, {"valid", "Valid"}, {"update", "Update"},
	{"cname", "CNAME"}, {"cname_error", "CNAME error"}, {"any_err", "Any errors"}, {"nx", "NX"},
	{"timeout", "Timeout"}, {"refused", "Refused"}, {"other", "Other"}, {"invalid", "Invalid"},
	{"too_big", "Too big"}, {"truncated", "Truncated"}, {"outdated", "Outdated"},
}

// resolverFamilies are promex's resolver module: each nameserver's
// counters, labelled with its section and name.
func resolverFamilies(o *PromOptions) []*dto.MetricFamily {
	var fams []*dto.MetricFamily
	for _, m := range resolverMetrics {
		name := "haproxy_resolver_" + m[0]
		if !o.wants(name) || len(o.Resolvers) == 0 {
			continue
		}
		f := &dto.MetricFamily{Name: ptr(name), Help: ptr(m[1]), Type: dto.MetricType_COUNTER.Enum()}
		for i := range o.Resolvers {
			ns := &o.Resolvers[i]
			ls := []*dto.LabelPair{{Name: ptr("resolver"), Value: ptr(ns.Resolvers)}, {Name: ptr("nameserver"), Value: ptr(ns.Name)}}
			f.Metric = append(f.Metric, metric(true, ls, float64(ns.Counters[m[0]])))
		}
		fams = append(fams, f)
	}
	return fams
}

// StickTable is the state of one stick table, for haproxy_sticktable_*.
type StickTable struct {
	Name, Type string
	Size, Used uint64
}

// ParsePromQuery reads promex's query-string options: "scope=" (repeated;
// global, frontend, backend, server, listener, sticktable, resolver,
// "*"; an empty value clears the list), "metrics=" (comma-separated full
// metric names, "-name" to exclude), "no-maint", "desc-labels" and
// "extra-counters". Without any scope every scope is dumped. A scope
// without a value or with an unknown one is an error, which promex
// answers with a 400.
func ParsePromQuery(rawQuery string) (PromOptions, error) {
	o := PromOptions{Scopes: ScopeAll}
	scoped := false
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, hasValue := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || strings.Contains(v, "=") {
			return o, fmt.Errorf("invalid query string")
		}
		switch k {
		case "scope":
			if !scoped {
				o.Scopes, scoped = 0, true
			}
			if !hasValue {
				return o, fmt.Errorf("scope without a value")
			}
			bit, ok := scopeNames[v]
			if !ok {
				return o, fmt.Errorf("unknown scope %q", v)
			}
			if v == "" {
				o.Scopes = 0
			}
			o.Scopes |= bit
		case "metrics":
			if !hasValue {
				return o, fmt.Errorf("metrics without a value")
			}
			for m := range strings.SplitSeq(v, ",") {
				name, exclude := strings.CutPrefix(m, "-")
				if name == "" {
					continue
				}
				if o.Metrics == nil {
					o.Metrics = make(map[string]bool)
				}
				o.Metrics[name] = !exclude
			}
		case "no-maint":
			o.NoMaint = true
		case "desc-labels":
			o.DescLabels = true
		case "extra-counters":
			o.ExtraCounters = true
		}
	}
	return o, nil
}

// scopeNames are the values of "scope=".
var scopeNames = map[string]Scopes{
	"": 0, "*": ScopeAll, "global": ScopeGlobal, "frontend": ScopeFrontend,
	"backend": ScopeBackend, "server": ScopeServer, "listener": ScopeListener,
	"sticktable": ScopeStickTable, "resolver": ScopeResolver,
}

// wants reports whether the "metrics=" filter keeps the metric name.
func (o *PromOptions) wants(name string) bool {
	if len(o.Metrics) == 0 {
		return true
	}
	if in, listed := o.Metrics[name]; listed {
		return in
	}
	for _, in := range o.Metrics {
		if in {
			return false // an include list: only what it names
		}
	}
	return true
}

// WritePrometheus writes the process, frontend, backend and server metrics
// of info and rows in the Prometheus text exposition format, with the
// names, types, help texts and labels of HAProxy's exporter (promex).
// version labels haproxy_process_build_info.
func WritePrometheus(w io.Writer, version string, info Info, rows []Row, o PromOptions) error {
	var fams []*dto.MetricFamily
	ctx := &promCtx{rows: rows, o: &o}
	if o.Scopes&ScopeGlobal != 0 {
		for _, f := range processFamilies(version, info) {
			if !o.wants(f.GetName()) {
				continue
			}
			if o.DescLabels && o.GlobalDesc != "" {
				for _, m := range f.Metric {
					m.Label = append(m.Label, &dto.LabelPair{Name: ptr("desc"), Value: ptr(o.GlobalDesc)})
				}
			}
			fams = append(fams, f)
		}
	}
	for _, sc := range []struct {
		scope  Scopes
		typ    Type
		prefix string
		defs   []promDef
	}{
		{ScopeFrontend, TypeFrontend, "haproxy_frontend_", frontendDefs},
		{ScopeListener, TypeListener, "haproxy_listener_", listenerDefs},
		{ScopeBackend, TypeBackend, "haproxy_backend_", backendDefs},
		{ScopeServer, TypeServer, "haproxy_server_", serverDefs},
	} {
		if o.Scopes&sc.scope == 0 {
			continue
		}
		for i := range sc.defs {
			if f := family(sc.prefix, &sc.defs[i], sc.typ, ctx, o); f != nil {
				fams = append(fams, f)
			}
		}
	}
	if o.Scopes&ScopeStickTable != 0 {
		fams = append(fams, stickTableFamilies(&o)...)
	}
	if o.Scopes&ScopeResolver != 0 {
		fams = append(fams, resolverFamilies(&o)...)
	}
	// MetricFamilyToText is the text format writer the expfmt encoder
	// uses; calling it directly skips the encoder's name escaping, which
	// copies every family and which HAProxy's names never need.
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, f := range fams {
		if _, err := expfmt.MetricFamilyToText(bw, f); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// promDef is one metric of a proxy scope: its name without the scope
// prefix, its type and help, and where its value comes from.
type promDef struct {
	name    string
	counter bool
	help    string
	col     Col
	// http marks metrics that only HTTP proxies have.
	http bool
	// scale divides the value (milliseconds to seconds).
	scale float64
	// series, when set, emits several series per row (labels code or
	// state) instead of the value of col.
	series func(r *Row, c *promCtx, emit func(label, value string, v float64))
	// skip leaves a row out (check metrics of servers without checks).
	skip func(r *Row) bool
}

const (
	sec = 1000.0 // milliseconds per second
)

// promCtx is what series need beyond their row: the per-backend server
// aggregates, computed once per scrape.
type promCtx struct {
	rows []Row
	o    *PromOptions
	aggs map[string]*agg
	// labels are each row's proxy (and server) labels, shared by all
	// its series.
	labels [][]*dto.LabelPair
	// slab hands out series in blocks, a few allocations per thousand.
	slab []promSeries
}

// promSeries is one series with its value, allocated together.
type promSeries struct {
	m dto.Metric
	g dto.Gauge
	c dto.Counter
	v float64
}

func (c *promCtx) metric(counter bool, labels []*dto.LabelPair, v float64) *dto.Metric {
	if len(c.slab) == 0 {
		c.slab = make([]promSeries, 1024)
	}
	s := &c.slab[0]
	c.slab = c.slab[1:]
	s.v = v
	s.m.Label = labels
	if counter {
		s.c.Value = &s.v
		s.m.Counter = &s.c
	} else {
		s.g.Value = &s.v
		s.m.Gauge = &s.g
	}
	return &s.m
}

// rowLabels returns the identifying labels of row i.
func (c *promCtx) rowLabels(i int) []*dto.LabelPair {
	if c.labels == nil {
		c.labels = make([][]*dto.LabelPair, len(c.rows))
	}
	if c.labels[i] == nil {
		r := &c.rows[i]
		ls := []*dto.LabelPair{{Name: ptr("proxy"), Value: ptr(r.Proxy())}}
		if c.o.DescLabels {
			if d := c.o.Descs[r.Proxy()]; d != "" {
				ls = append(ls, &dto.LabelPair{Name: ptr("desc"), Value: ptr(d)})
			}
		}
		switch r.Type {
		case TypeServer:
			ls = append(ls, &dto.LabelPair{Name: ptr("server"), Value: ptr(r.Name())})
		case TypeListener:
			ls = append(ls, &dto.LabelPair{Name: ptr("listener"), Value: ptr(r.Name())})
		}
		c.labels[i] = ls[:len(ls):len(ls)]
	}
	return c.labels[i]
}

// agg counts a backend's servers by state and by check status.
type agg struct {
	states [len(serverStates)]int
	checks [len(checkStates)]int
}

func (c *promCtx) agg(proxy string) *agg {
	if c.aggs == nil {
		c.aggs = make(map[string]*agg)
		for i := range c.rows {
			r := &c.rows[i]
			if r.Type != TypeServer {
				continue
			}
			a := c.aggs[r.Proxy()]
			if a == nil {
				a = new(agg)
				c.aggs[r.Proxy()] = a
			}
			st := ServerState(r.Get(FStatus).String())
			for j, s := range serverStates {
				if s == st {
					a.states[j]++
				}
			}
			cs := strings.TrimPrefix(r.Get(FCheckStatus).String(), "* ")
			for j, s := range checkStates {
				if s == cs {
					a.checks[j]++
				}
			}
		}
	}
	if a := c.aggs[proxy]; a != nil {
		return a
	}
	return new(agg)
}

func aggServerStatus(r *Row, c *promCtx, emit func(label, value string, v float64)) {
	a := c.agg(r.Proxy())
	for i, s := range serverStates {
		emit("state", s, float64(a.states[i]))
	}
}

func aggCheckStatus(r *Row, c *promCtx, emit func(label, value string, v float64)) {
	a := c.agg(r.Proxy())
	for i, s := range checkStates {
		emit("state", s, float64(a.checks[i]))
	}
}

func family(prefix string, d *promDef, typ Type, c *promCtx, o PromOptions) *dto.MetricFamily {
	rows := c.rows
	if !o.wants(prefix + d.name) {
		return nil
	}
	f := &dto.MetricFamily{Name: ptr(prefix + d.name), Help: ptr(d.help)}
	if d.counter {
		f.Type = dto.MetricType_COUNTER.Enum()
	} else {
		f.Type = dto.MetricType_GAUGE.Enum()
	}
	for i := range rows {
		r := &rows[i]
		if r.Type != typ || (d.http && r.Get(FMode).String() != "http") || (d.skip != nil && d.skip(r)) {
			continue
		}
		if typ == TypeServer && o.NoMaint && r.Get(FStatus).String() == "MAINT" {
			continue
		}
		labels := c.rowLabels(i)
		if d.series != nil {
			d.series(r, c, func(label, value string, v float64) {
				ls := append(labels, constLabel(label, value))
				f.Metric = append(f.Metric, c.metric(d.counter, ls, v))
			})
			continue
		}
		f.Metric = append(f.Metric, c.metric(d.counter, labels, value(r.Get(d.col), d.scale)))
	}
	if len(f.Metric) == 0 {
		return nil
	}
	return f
}

// stickTableFamilies are promex's sticktable module: each table's size
// and number of entries, labelled with its name and key type.
func stickTableFamilies(o *PromOptions) []*dto.MetricFamily {
	var fams []*dto.MetricFamily
	for _, d := range []struct {
		name, help string
		value      func(*StickTable) uint64
	}{
		{"haproxy_sticktable_size", "Stick table size.", func(t *StickTable) uint64 { return t.Size }},
		{"haproxy_sticktable_used", "Number of entries used in this stick table.", func(t *StickTable) uint64 { return t.Used }},
	} {
		if !o.wants(d.name) {
			continue
		}
		f := &dto.MetricFamily{Name: ptr(d.name), Help: ptr(d.help), Type: dto.MetricType_GAUGE.Enum()}
		for i := range o.Tables {
			t := &o.Tables[i]
			if t.Size == 0 {
				continue
			}
			ls := []*dto.LabelPair{{Name: ptr("name"), Value: ptr(t.Name)}, {Name: ptr("type"), Value: ptr(t.Type)}}
			f.Metric = append(f.Metric, metric(false, ls, float64(d.value(t))))
		}
		if len(f.Metric) > 0 {
			fams = append(fams, f)
		}
	}
	return fams
}

// value is a cell as a sample: NaN when empty, as promex prints it.
func value(v Value, scale float64) float64 {
	if !v.IsInt() {
		return math.NaN()
	}
	if scale != 0 {
		return float64(v.N()) / scale
	}
	return float64(v.N())
}

func metric(counter bool, labels []*dto.LabelPair, v float64) *dto.Metric {
	m := &dto.Metric{Label: labels}
	if counter {
		m.Counter = &dto.Counter{Value: &v}
	} else {
		m.Gauge = &dto.Gauge{Value: &v}
	}
	return m
}

func ptr(s string) *string { return &s }

// constLabels are the code and state labels, built once: encoding only
// reads them, so every scrape shares them.
var constLabels = func() map[[2]string]*dto.LabelPair {
	m := make(map[[2]string]*dto.LabelPair)
	add := func(name string, values ...string) {
		for _, v := range values {
			m[[2]string{name, v}] = &dto.LabelPair{Name: ptr(name), Value: ptr(v)}
		}
	}
	for _, c := range httpCodes {
		add("code", c.code)
	}
	add("state", serverStates[:]...)
	add("state", listenerStates[:]...)
	add("state", checkStates[:]...)
	return m
}()

func constLabel(name, value string) *dto.LabelPair {
	if l := constLabels[[2]string{name, value}]; l != nil {
		return l
	}
	return &dto.LabelPair{Name: ptr(name), Value: ptr(value)}
}

// httpCodes are the code labels of *_http_responses_total, by class.
var httpCodes = [...]struct {
	code string
	col  Col
}{
	{"1xx", FHRsp1xx}, {"2xx", FHRsp2xx}, {"3xx", FHRsp3xx},
	{"4xx", FHRsp4xx}, {"5xx", FHRsp5xx}, {"other", FHRspOther},
}

func httpResponses(r *Row, _ *promCtx, emit func(label, value string, v float64)) {
	for _, c := range httpCodes {
		emit("code", c.code, value(r.Get(c.col), 0))
	}
}

// proxyState is the status{state} series of frontends and backends: UP or
// DOWN.
func proxyState(r *Row, _ *promCtx, emit func(label, value string, v float64)) {
	s := r.Get(FStatus).String()
	up := s == "OPEN" || s == "UP"
	emit("state", "DOWN", b2f(!up))
	emit("state", "UP", b2f(up))
}

// listenerStates are the states of a listening socket promex lists.
var listenerStates = [...]string{"WAITING", "OPEN", "FULL"}

func listenerState(r *Row, _ *promCtx, emit func(label, value string, v float64)) {
	s := r.Get(FStatus).String()
	for _, st := range listenerStates {
		emit("state", st, b2f(s == st))
	}
}

// serverStates are promex's server states, in its order.
var serverStates = [...]string{"DOWN", "UP", "MAINT", "DRAIN", "NOLB"}

// ServerState maps a server row's status column to one of promex's
// server states.
func ServerState(status string) string {
	switch {
	case status == "MAINT" || strings.HasPrefix(status, "MAINT"):
		return "MAINT"
	case status == "DRAIN":
		return "DRAIN"
	case status == "NOLB":
		return "NOLB"
	case status == "no check" || strings.HasPrefix(status, "UP"):
		return "UP"
	}
	return "DOWN"
}

func serverState(r *Row, _ *promCtx, emit func(label, value string, v float64)) {
	s := ServerState(r.Get(FStatus).String())
	for _, st := range serverStates {
		emit("state", st, b2f(s == st))
	}
}

// checkStates are the health-check statuses promex lists in
// check_status{state}: those that end a check, in HAProxy's order.
var checkStates = [...]string{"HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK", "L6TOUT", "L6RSP", "L7TOUT", "L7RSP", "L7OK", "L7OKC", "L7STS", "PROCERR", "PROCTOUT", "PROCOK"}

func checkState(r *Row, _ *promCtx, emit func(label, value string, v float64)) {
	s := strings.TrimPrefix(r.Get(FCheckStatus).String(), "* ")
	for _, st := range checkStates {
		emit("state", st, b2f(s == st))
	}
}

func noCheck(r *Row) bool { return r.Get(FCheckRise).Empty() }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
