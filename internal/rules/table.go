package rules

import (
	"slices"
	"sort"
	"strings"
)

// Action declares one rule action: where it may be written, its usage and
// help (for docs/config.md) and how it compiles. Compile is nil for
// actions HAProxy has and hawser does not implement: using one is an
// error that says so.
type Action struct {
	Name string
	// Dirs are the rule sets the action is valid in.
	Dirs Dir
	// Paren is true when the action takes an argument in parentheses
	// after its name ("set-var(txn.x)").
	Paren bool
	// Args is the usage of the arguments after the name.
	Args string
	// Help is a one-line description.
	Help string
	// Compile checks the arguments and returns the action's executor.
	Compile func(c *compileCtx, args []string) (execFunc, error)
}

// Supported reports whether hawser implements the action.
func (a *Action) Supported() bool { return a.Compile != nil }

const (
	req  = Request
	res  = Response | AfterResponse
	resp = Response
	all  = Request | Response | AfterResponse
)

// actions is the action table, sorted by name at init.
var actions = []*Action{
	{Name: "allow", Dirs: all, Help: "stop evaluating this rule set and let the message through", Compile: compileAllow},
	{Name: "deny", Dirs: req | resp, Args: "[deny_status <code>] [content-type <type>] [string <text> | lf-string <fmt> | file <path>] [hdr <name> <fmt>]*", Help: "answer 403 (http-response: 502), or deny_status, and stop", Compile: compileDeny},
	{Name: "tarpit", Dirs: req, Args: "[deny_status <code>] [content-type <type>] [string <text> | lf-string <fmt> | file <path>] [hdr <name> <fmt>]*", Help: "hold the request for 'timeout tarpit', then answer 500 (or deny_status)", Compile: compileTarpit},
	{Name: "return", Dirs: all, Args: "[status <code>] [content-type <type>] [string <text> | lf-string <fmt> | file <path> | lf-file <path>] [hdr <name> <fmt>]*", Help: "answer with this response", Compile: compileReturn},
	{Name: "auth", Dirs: req, Args: "[realm <realm>]", Help: "answer 401 asking for basic credentials (realm defaults to the proxy name)", Compile: compileAuth},
	{Name: "redirect", Dirs: req | resp, Args: "location|prefix|scheme <fmt> [code <code>] [drop-query] [append-slash] [set-cookie <name[=value]>] [clear-cookie <name>]", Help: "answer with a redirect", Compile: compileRedirect},
	{Name: "reject", Dirs: req, Help: "close the connection without a response", Compile: compileReject(false)},
	{Name: "silent-drop", Dirs: req | resp, Help: "close the connection without a response, as quietly as possible", Compile: compileReject(true)},

	{Name: "set-header", Dirs: all, Args: "<name> <fmt>", Help: "replace every header called name with one", Compile: compileSetHeader(false)},
	{Name: "add-header", Dirs: all, Args: "<name> <fmt>", Help: "append a header", Compile: compileSetHeader(true)},
	{Name: "del-header", Dirs: all, Args: "<name> [-m str|beg|end|sub|reg]", Help: "remove the matching headers", Compile: compileDelHeader},
	{Name: "replace-header", Dirs: all, Args: "<name> <regex> <fmt>", Help: "rewrite whole values of a header matching regex (\\1 refers to groups)", Compile: compileReplaceHeader(false)},
	{Name: "replace-value", Dirs: all, Args: "<name> <regex> <fmt>", Help: "rewrite each comma-separated value of a header matching regex", Compile: compileReplaceHeader(true)},
	{Name: "set-status", Dirs: res, Args: "<status> [reason <text>]", Help: "replace the response status", Compile: compileSetStatus},

	{Name: "set-path", Dirs: req, Args: "<fmt>", Help: "replace the path", Compile: compileSetURIPart(partPath)},
	{Name: "set-pathq", Dirs: req, Args: "<fmt>", Help: "replace the path and the query string", Compile: compileSetURIPart(partPathQ)},
	{Name: "set-uri", Dirs: req, Args: "<fmt>", Help: "replace the request target", Compile: compileSetURIPart(partURI)},
	{Name: "set-query", Dirs: req, Args: "<fmt>", Help: "replace the query string (without '?')", Compile: compileSetURIPart(partQuery)},
	{Name: "set-method", Dirs: req, Args: "<fmt>", Help: "replace the method", Compile: compileSetMethod},
	{Name: "replace-path", Dirs: req, Args: "<regex> <fmt>", Help: "rewrite the path when it matches regex", Compile: compileReplaceURIPart(partPath)},
	{Name: "replace-pathq", Dirs: req, Args: "<regex> <fmt>", Help: "rewrite the path and query when they match regex", Compile: compileReplaceURIPart(partPathQ)},
	{Name: "replace-uri", Dirs: req, Args: "<regex> <fmt>", Help: "rewrite the request target when it matches regex", Compile: compileReplaceURIPart(partURI)},
	{Name: "normalize-uri", Dirs: req, Args: "path-merge-slashes | path-strip-dot | path-strip-dotdot [full] | percent-to-uppercase [strict] | percent-decode-unreserved [strict] | query-sort-by-name | fragment-strip | fragment-encode", Help: "normalize the request target", Compile: compileNormalizeURI},

	{Name: "set-var", Dirs: all, Paren: true, Args: "(<scope.name>[,<cond>...]) <expr>", Help: "set a variable (scopes proc, sess, txn, req, res) from a sample expression", Compile: compileSetVar},
	{Name: "set-var-fmt", Dirs: all, Paren: true, Args: "(<scope.name>[,<cond>...]) <fmt>", Help: "set a variable from a log-format string", Compile: compileSetVarFmt},
	{Name: "unset-var", Dirs: all, Paren: true, Args: "(<scope.name>)", Help: "unset a variable", Compile: compileUnsetVar},

	{Name: "track-sc0", Dirs: req | resp, Args: "<key> [table <table>]", Help: "track the key in a stick table with counter 0", Compile: compileTrack(0)},
	{Name: "track-sc1", Dirs: req | resp, Args: "<key> [table <table>]", Help: "track the key with counter 1", Compile: compileTrack(1)},
	{Name: "track-sc2", Dirs: req | resp, Args: "<key> [table <table>]", Help: "track the key with counter 2", Compile: compileTrack(2)},
	{Name: "sc-inc-gpc0", Dirs: all, Paren: true, Args: "(<sc-id>)", Help: "increment gpc0 of a tracked entry", Compile: compileIncGPC(gpc0)},
	{Name: "sc-inc-gpc1", Dirs: all, Paren: true, Args: "(<sc-id>)", Help: "increment gpc1 of a tracked entry", Compile: compileIncGPC(gpc1)},
	{Name: "sc-inc-gpc", Dirs: all, Paren: true, Args: "(<idx>,<sc-id>)", Help: "increment gpc(idx) of a tracked entry", Compile: compileIncGPC(gpcN)},
	{Name: "sc-set-gpt0", Dirs: all, Paren: true, Args: "(<sc-id>) <int|expr>", Help: "set gpt0 of a tracked entry", Compile: compileSetGPT(false)},
	{Name: "sc-set-gpt", Dirs: all, Paren: true, Args: "(<idx>,<sc-id>) <int|expr>", Help: "set gpt(idx) of a tracked entry", Compile: compileSetGPT(true)},

	{Name: "set-log-level", Dirs: all, Args: "<level>|silent", Help: "change the level of this request's log line", Compile: compileSetLogLevel},
	{Name: "set-timeout", Dirs: req | resp, Args: "server|tunnel|client <time>|<expr>", Help: "change a timeout for this stream (an expression gives milliseconds)", Compile: compileSetTimeout},
	{Name: "capture", Dirs: req | resp, Args: "<expr> len <length> | id <id>", Help: "capture a sample into a capture slot (%hr/%hs in logs, capture.req.hdr/capture.res.hdr); http-response takes 'id' only", Compile: compileCapture},
	{Name: "set-map", Dirs: all, Paren: true, Args: "(<file>) <key fmt> <value fmt>", Help: "add or replace an entry of a loaded map", Compile: compileMapEdit(mapSet)},
	{Name: "del-map", Dirs: all, Paren: true, Args: "(<file>) <key fmt>", Help: "delete an entry of a loaded map", Compile: compileMapEdit(mapDel)},
	{Name: "add-acl", Dirs: all, Paren: true, Args: "(<file>) <key fmt>", Help: "add a pattern to a loaded ACL file", Compile: compileMapEdit(aclAdd)},
	{Name: "del-acl", Dirs: all, Paren: true, Args: "(<file>) <key fmt>", Help: "delete a pattern of a loaded ACL file", Compile: compileMapEdit(aclDel)},
	{Name: "disable-l7-retry", Dirs: req, Help: "retry this request only after a connection failure, whatever retry-on says", Compile: compileDisableL7Retry},
	{Name: "set-retries", Dirs: req, Args: "<int> | <expr>", Help: "override 'retries' for this request (0 to 100); applies when the rule is in the backend serving it (or its listen section)", Compile: compileSetRetries},
	{Name: "wait-for-body", Dirs: req | resp, Args: "time <time> [at-least <bytes>]", Help: "buffer the request (or response) body, up to tune.bufsize, before the next rules, for the req.body (res.body) fetches", Compile: compileWaitForBody},
	{Name: "use-service", Dirs: req, Args: "<service>", Help: "hand the request to an internal service, which answers it: prometheus-exporter", Compile: compileUseService},
}

// Services are the internal services use-service can name.
var Services = []string{"prometheus-exporter"}

func compileUseService(c *compileCtx, args []string) (execFunc, error) {
	if len(args) != 1 {
		return nil, c.errorf("expects exactly one service name")
	}
	name := args[0]
	if !slices.Contains(Services, name) {
		return nil, c.errorf("unknown service '%s' (hawser has: %s)", name, strings.Join(Services, ", "))
	}
	return func(_ Txn, o *Outcome) Verdict {
		o.Service, o.Response, o.Status = name, nil, 0
		return Service
	}, nil
}

// unsupported are HAProxy actions hawser recognizes but does not implement.
var unsupported = []struct {
	dirs  Dir
	names []string
}{
	{all, []string{"cache-use", "cache-store", "do-log", "send-spoe-group", "set-bandwidth-limit", "set-fc-mark", "set-fc-tos", "set-mark", "set-nice", "set-tos", "strict-mode", "sc-add-gpc", "lua.*", "set-header-fmt"}},
	{req, []string{"do-resolve", "early-hint", "set-dst", "set-dst-port", "set-priority-class", "set-priority-offset", "set-src", "set-src-port", "wait-for-handshake", "set-bc-mark", "set-bc-tos"}},
	{all, []string{"add-headers-bin", "del-headers-bin", "set-headers-bin"}},
	{req | resp, []string{"pause"}},
}

func init() {
	for _, u := range unsupported {
		for _, n := range u.names {
			if Lookup(n) == nil {
				actions = append(actions, &Action{Name: n, Dirs: u.dirs})
			}
		}
	}
	sort.Slice(actions, func(i, j int) bool { return actions[i].Name < actions[j].Name })
}

// Actions returns the action table sorted by name. Callers must not
// modify it.
func Actions() []*Action { return actions }

// Lookup returns the action called name, or nil.
func Lookup(name string) *Action {
	if strings.HasPrefix(name, "lua.") {
		name = "lua.*"
	}
	for _, a := range actions {
		if a.Name == name {
			return a
		}
	}
	return nil
}
