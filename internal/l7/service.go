package l7

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/resolver"
	"github.com/hawser-lb/hawser/internal/stats"
)

// Internal services answer a request themselves (http-request
// use-service). A service gets the parsed request and writes a complete
// response; it runs on the connection's goroutine, off the proxying path.
var services = map[string]func(t *txn) (status int, contentType string, body []byte){
	"prometheus-exporter": promService,
}

// useService answers the request with the named service.
func (t *txn) useService(name string) {
	svc := services[name]
	if svc == nil {
		t.entry.TermState = [2]byte{tsInternal, phRequest}
		t.localError(500)
		return
	}
	status, ctype, body := svc(t)
	var b bytes.Buffer
	b.Grow(len(body) + 128)
	b.WriteString("HTTP/1.1 ")
	b.WriteString(strconv.Itoa(status))
	b.WriteByte(' ')
	b.WriteString(http.StatusText(status))
	b.WriteString("\r\ncontent-type: ")
	b.WriteString(ctype)
	b.WriteString("\r\ncontent-length: ")
	b.WriteString(strconv.Itoa(len(body)))
	b.WriteString("\r\ncache-control: no-cache\r\n\r\n")
	if !h1.EqualFold(t.req.Method, "HEAD") {
		b.Write(body)
	}
	t.respondLocal(b.Bytes(), status)
}

// promService is HAProxy's prometheus-exporter service: the statistics of
// every proxy in the exposition format, filtered by the scope= and
// no-maint query options.
func promService(t *txn) (int, string, []byte) {
	gen := t.sess.Gen
	eng := gen.Engine
	var body bytes.Buffer
	o, err := stats.ParsePromQuery(string(t.query))
	if err != nil {
		// promex answers a malformed query string with a 400.
		return 400, "text/plain", []byte(err.Error() + "\n")
	}
	if o.Scopes&stats.ScopeStickTable != 0 {
		o.Tables = stickTables(gen)
	}
	if o.Scopes&stats.ScopeResolver != 0 {
		o.Resolvers = nameservers(gen)
	}
	if o.DescLabels {
		o.GlobalDesc = gen.Snap.Global.Description
		o.Descs = proxyDescs(gen)
	}
	if err := stats.WritePrometheus(&body, stats.Version, eng.Info(), eng.Stats(), o); err != nil {
		return 500, "text/plain", []byte(err.Error() + "\n")
	}
	return 200, "text/plain; version=0.0.4; charset=utf-8", body.Bytes()
}

// stickTables lists the generation's stick tables by name, for the
// exporter's sticktable scope.
func stickTables(g *engine.Generation) []stats.StickTable {
	ts := make([]stats.StickTable, 0, len(g.Tables))
	for name, t := range g.Tables {
		d := t.Decl()
		ts = append(ts, stats.StickTable{Name: name, Type: d.Type.String(), Size: uint64(d.Size), Used: uint64(t.Len())})
	}
	slices.SortFunc(ts, func(a, b stats.StickTable) int { return strings.Compare(a.Name, b.Name) })
	return ts
}

// proxyDescs maps each proxy with a "description" to it, for the
// exporter's desc-labels option.
func proxyDescs(g *engine.Generation) map[string]string {
	m := make(map[string]string)
	for _, f := range g.Snap.Frontends {
		if f.Description != "" {
			m[f.Name] = f.Description
		}
	}
	for _, b := range g.Snap.Backends {
		if b.Description != "" {
			m[b.Name] = b.Description
		}
	}
	return m
}

// nameservers lists the counters of the nameservers of the generation's
// resolvers sections, for the exporter's resolver scope.
func nameservers(g *engine.Generation) []stats.Nameserver {
	used := make(map[string]bool, len(g.Snap.Resolvers))
	for _, r := range g.Snap.Resolvers {
		used[r.Name] = true
		for _, ns := range r.Nameservers {
			resolver.CountersFor(r.Name, ns.Name) // listed even before any query
		}
	}
	var out []stats.Nameserver
	for _, ns := range resolver.Stats() {
		if !used[ns.Resolvers] {
			continue // a section removed by a reload
		}
		c := ns.Counters
		out = append(out, stats.Nameserver{Resolvers: ns.Resolvers, Name: ns.Nameserver, Counters: map[string]uint64{
			"sent": c.Sent.Load(), "send_error": c.SendError.Load(), "valid": c.Valid.Load(),
			"cname": c.CNAME.Load(), "any_err": c.AnyErr.Load(), "nx": c.NX.Load(),
			"timeout": c.Timeout.Load(), "refused": c.Refused.Load(), "other": c.Other.Load(),
			"invalid": c.Invalid.Load(), "truncated": c.Truncated.Load(),
		}})
	}
	return out
}
