package engine

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hawser-lb/hawser/internal/auth"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/rules"
	"github.com/hawser-lb/hawser/internal/stick"
)

// ruleEnv returns the environment rules of proxy p compile in: its ACLs,
// the generation's maps, log-format strings through package logging,
// HAProxy's 401 challenge and the proxy's stick table.
func (g *Generation) ruleEnv(p *config.Proxy) *rules.Env {
	tarpit := p.Timeouts.Tarpit
	if tarpit == 0 {
		// HAProxy falls back to "timeout connect" for tarpits.
		tarpit = p.Timeouts.Connect
	}
	return &rules.Env{
		Proxy: p.Name,
		Defs:  aclDefs(p),
		Maps:  g.Maps,
		Format: func(s string) (rules.Format, error) {
			f, err := logging.ParseFormatMaps(s, g.Maps)
			if err != nil {
				return nil, err
			}
			return logFormat{f}, nil
		},
		Table:       g.tableFor(p.Name),
		Challenge:   auth.Challenge,
		Tarpit:      tarpit,
		Captures:    -1,
		ResCaptures: -1,
	}
}

// LogEntrier is implemented by rule transactions that carry the log
// entry of their request, for %-aliases (%ci, %ST...) in rule formats.
type LogEntrier interface {
	LogEntry() *logging.Entry
}

// logFormat adapts a logging.Format to rules.Format.
type logFormat struct{ f *logging.Format }

func (l logFormat) AppendTxn(dst []byte, t rules.Txn) []byte {
	var e *logging.Entry
	if le, ok := t.(LogEntrier); ok {
		e = le.LogEntry()
	} else {
		e = &logging.Entry{}
	}
	return l.f.AppendSample(dst, e, t)
}

// compileRules compiles one rule set of a proxy. Errors carry the line.
func compileRules(d rules.Dir, rs []*config.HTTPRule, env *rules.Env) ([]*rules.Rule, error) {
	out := make([]*rules.Rule, 0, len(rs))
	var errs compileErrors
	for _, rc := range rs {
		cond, err := compileCondMaps(rc.Cond, env.Defs, env.Maps)
		if err != nil {
			errs.add("", rc.Pos, err)
			continue
		}
		r, err := rules.Compile(d, rc.Action, rc.Args, cond, env)
		if err != nil {
			errs.add("", rc.Pos, err)
			continue
		}
		r.Pos = fmt.Sprintf("%s:%d", rc.Pos.File, rc.Pos.Line)
		out = append(out, r)
	}
	return out, errs.err()
}

// BuildResponse assembles a complete HTTP/1.1 response with a
// content-length, as "http-request return" sends it (extra headers first,
// names in lower case, as HAProxy writes them).
func BuildResponse(status int, contentType, body string, hdrs [][2]string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, reason(status))
	for _, h := range hdrs {
		fmt.Fprintf(&b, "%s: %s\r\n", strings.ToLower(h[0]), h[1])
	}
	fmt.Fprintf(&b, "content-length: %d\r\n", len(body))
	if contentType != "" {
		fmt.Fprintf(&b, "content-type: %s\r\n", contentType)
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

// BuildRedirect assembles a redirect response the way HAProxy writes it:
// content-length, location, then extra headers.
func BuildRedirect(status int, location []byte, hdrs [][2]string) []byte {
	b := make([]byte, 0, 128+len(location))
	b = fmt.Appendf(b, "HTTP/1.1 %d %s\r\ncontent-length: 0\r\nlocation: %s\r\n", status, reason(status), location)
	for _, h := range hdrs {
		b = fmt.Appendf(b, "%s: %s\r\n", h[0], h[1])
	}
	return append(b, "\r\n"...)
}

func reason(status int) string {
	if r, ok := haproxyReasons[status]; ok {
		return r
	}
	if r := http.StatusText(status); r != "" {
		return r
	}
	return "Unknown"
}

// haproxyReasons are the reason phrases HAProxy uses where they differ from
// Go's.
var haproxyReasons = map[int]string{
	400: "Bad request",
	408: "Request Time-out",
	504: "Gateway Time-out",
}

// errorMessages are the bodies of HAProxy's built-in error pages.
var errorMessages = map[int]string{
	200: "Service ready.",
	400: "Your browser sent an invalid request.",
	401: "This server could not verify that you are authorized to access the document requested.",
	403: "Request forbidden by administrative rules.",
	404: "The resource could not be found.",
	405: "A request was made of a resource using a request method not supported by that resource",
	407: "You need a valid user and password to access this content.",
	408: "Your browser didn't send a complete request in time.",
	410: "The resource is no longer available and will not be available again.",
	413: "The request entity exceeds the maximum allowed.",
	425: "Your browser sent early data.",
	429: "You have sent too many requests in a given amount of time.",
	500: "An internal server error occurred.",
	501: "The server does not support the functionality required to fulfill the request.",
	502: "The server returned an invalid or incomplete response.",
	503: "No server is available to handle this request.",
	504: "The server didn't respond in time.",
}

// ErrorPage returns HAProxy's built-in error response for status.
func ErrorPage(status int) []byte {
	msg, ok := errorMessages[status]
	if !ok {
		msg = reason(status) + "."
	}
	body := fmt.Sprintf("<html><body><h1>%d %s</h1>\n%s\n</body></html>\n", status, reason(status), msg)
	return []byte(fmt.Sprintf("HTTP/1.1 %d %s\r\ncontent-length: %d\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n%s",
		status, reason(status), len(body), body))
}

// defaultErrorPages are built once.
var defaultErrorPages = func() map[int][]byte {
	m := make(map[int][]byte)
	for st := range errorMessages {
		m[st] = ErrorPage(st)
	}
	return m
}()

// errorPages returns a proxy's errorfile pages, nil when it has none.
//
// Only the proxy's own pages are kept: Page falls back from the backend's
// to the frontend's and only then to the built-in ones, so a backend
// without an errorfile for a status must not hide the frontend's.
func errorPages(files map[int][]byte) map[int][]byte {
	if len(files) == 0 {
		return nil
	}
	return files
}

// Page returns the error response for status, looking at the backend's
// pages, then the frontend's, then the built-in ones.
func Page(f *Frontend, b *Backend, status int) []byte {
	if b != nil {
		if p, ok := b.ErrorPages[status]; ok {
			return p
		}
	}
	if f != nil {
		if p, ok := f.ErrorPages[status]; ok {
			return p
		}
	}
	if p, ok := defaultErrorPages[status]; ok {
		return p
	}
	return ErrorPage(status)
}

// tableFor returns the stick-table lookup of rules in proxy name: "" is
// the proxy's own table, any other name a proxy declaring one.
func (g *Generation) tableFor(name string) func(string) (*stick.Table, bool) {
	return func(t string) (*stick.Table, bool) {
		if t == "" {
			t = name
		}
		tbl := g.Tables[t]
		return tbl, tbl != nil
	}
}

// tablesOnce creates the engine's stick-table registry on first use and
// runs its expiry sweeper until the engine closes.
type tablesOnce struct {
	once   sync.Once
	reg    *stick.Registry
	cancel context.CancelFunc
	done   chan struct{}
}

// sweepInterval is how often expired stick-table entries are purged.
// Lookups already ignore expired entries; the sweep bounds the memory
// that entries nobody asks for again keep.
const sweepInterval = time.Second

func (t *tablesOnce) get() *stick.Registry {
	t.once.Do(func() {
		t.reg = stick.NewRegistry()
		ctx, cancel := context.WithCancel(context.Background())
		t.cancel, t.done = cancel, make(chan struct{})
		go func() {
			defer close(t.done)
			t.reg.Run(ctx, sweepInterval)
		}()
	})
	return t.reg
}

// retain drops the tables no proxy of gen declares any more, so that a
// table removed from the configuration does not keep its entries.
func (t *tablesOnce) retain(gen *Generation) {
	if t.reg == nil {
		return
	}
	keep := make(map[string]bool, len(gen.Tables))
	for name := range gen.Tables {
		keep[name] = true
	}
	t.reg.Retain(keep)
}

// stop ends the sweeper and waits for it.
func (t *tablesOnce) stop() {
	if t.cancel != nil {
		t.cancel()
		<-t.done
	}
}

// compileTables resolves every declared stick table in the engine's
// registry, which keeps a table's entries across reloads as long as its
// declaration keeps the same layout.
func (e *Engine) compileTables(g *Generation, snap *config.Snapshot) error {
	g.Tables = make(map[string]*stick.Table)
	reg := e.tables.get()
	persist := persistTables(snap)
	add := func(p *config.Proxy) error {
		if p.StickTable == nil || g.Tables[p.Name] != nil {
			return nil
		}
		d, err := stick.ParseDecl(p.StickTable.Words)
		if err != nil {
			return at(p.StickTable.Pos, fmt.Errorf("stick-table: %w", err))
		}
		if persist[p.Name] {
			if err := enablePersistData(d); err != nil {
				return at(p.StickTable.Pos, fmt.Errorf("stick-table: %w", err))
			}
		}
		g.Tables[p.Name] = reg.Get(p.Name, d)
		return nil
	}
	var errs compileErrors
	for _, b := range snap.Backends {
		errs.add(fmt.Sprintf("backend %q: ", b.Name), b.Pos, add(&b.Proxy))
	}
	for _, f := range snap.Frontends {
		errs.add(fmt.Sprintf("frontend %q: ", f.Name), f.Pos, add(&f.Proxy))
	}
	return errs.err()
}
