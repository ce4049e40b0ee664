package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// errorKeywords are the keywords that replace the responses a proxy
// generates itself (errorfiles, errorloc*) and "monitor fail". "errorfile"
// lives in keywords_proxy.go and is also the one keyword of http-errors
// sections.
var errorKeywords = []*Keyword{
	{Name: "errorfiles", Sections: secProxies, Args: "<name> [<code> ...]", Help: "import the errorfile lines of http-errors section <name>, all of them or only those for the listed codes", Supported: true, Parse: parseErrorfiles},
	{Name: "errorloc", Sections: secProxies, Args: "<code> <url>", Help: "answer a 302 redirect to <url> instead of the error for <code>", Supported: true, Parse: parseErrorloc(302)},
	{Name: "errorloc302", Sections: secProxies, Args: "<code> <url>", Help: "answer a 302 redirect to <url> instead of the error for <code>", Supported: true, Parse: parseErrorloc(302)},
	{Name: "errorloc303", Sections: secProxies, Args: "<code> <url>", Help: "answer a 303 redirect to <url> instead of the error for <code>", Supported: true, Parse: parseErrorloc(303)},
	{Name: "monitor fail", Sections: SecFrontend | SecListen, Args: "if|unless <condition>", Help: "make monitor-uri requests answer 503 when the condition holds", Supported: true, Parse: parseMonitorFail},
}

// httpErrors is an "http-errors" section: the errorfile lines that
// "errorfiles" imports into proxies.
type httpErrors struct {
	pos   cfgfile.Pos
	name  string
	files map[int][]byte
}

// errorCode parses the status code of an errorfile-like line; only the
// statuses HAProxy generates itself can be replaced.
func errorCode(kw, word string) (int, error) {
	code, err := strconv.Atoi(word)
	if err != nil || !errorfileCodes[code] {
		return 0, fmt.Errorf("'%s': status code '%s' cannot be customized", kw, word)
	}
	return code, nil
}

// setErrorPage records the response sent instead of the error for code.
// Like every errorfile-like line, a later one replaces an earlier one.
func (ps *proxyState) setErrorPage(code int, page []byte) {
	if ps.p.ErrorFiles == nil {
		ps.p.ErrorFiles = map[int][]byte{}
	}
	ps.p.ErrorFiles[code] = page
}

func parseErrorfiles(c *lineCtx, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("'errorfiles' expects the name of an http-errors section")
	}
	he := c.l.httpErrors[args[0]]
	if he == nil {
		return fmt.Errorf("'errorfiles': unknown http-errors section '%s'", args[0])
	}
	if len(args) == 1 {
		for code, page := range he.files {
			c.px.setErrorPage(code, page)
		}
		return nil
	}
	for _, w := range args[1:] {
		code, err := errorCode(c.name, w)
		if err != nil {
			return err
		}
		page, ok := he.files[code]
		if !ok {
			// HAProxy keeps the proxy's current page for a code the
			// section does not define, and says so.
			c.warnf("'errorfiles': status code %d is not defined in http-errors section '%s'", code, he.name)
			continue
		}
		c.px.setErrorPage(code, page)
	}
	return nil
}

// parseErrorloc returns the parser of errorloc (302), errorloc302 and
// errorloc303: the error is replaced by a redirect with status to the URL.
func parseErrorloc(status int) func(c *lineCtx, args []string) error {
	return func(c *lineCtx, args []string) error {
		if err := arity(c.name, args, 2, 2, "a status code and a URL"); err != nil {
			return err
		}
		code, err := errorCode(c.name, args[0])
		if err != nil {
			return err
		}
		if strings.ContainsAny(args[1], "\r\n") {
			return fmt.Errorf("'%s': the URL must not contain line breaks", c.name)
		}
		c.px.setErrorPage(code, redirectPage(status, args[1]))
		return nil
	}
}

// redirectPage is the complete response errorloc sends: an empty redirect
// the client must not cache, since it stands for an error.
func redirectPage(status int, url string) []byte {
	reason := "Found"
	if status == 303 {
		reason = "See Other"
	}
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nCache-Control: no-cache\r\nContent-Length: 0\r\nLocation: %s\r\n\r\n", status, reason, url)
}

func parseMonitorFail(c *lineCtx, args []string) error {
	if len(args) == 0 || (args[0] != "if" && args[0] != "unless") {
		return fmt.Errorf("'monitor fail' expects 'if' or 'unless' followed by a condition")
	}
	_, cond, err := c.splitCond(args)
	if err != nil {
		return err
	}
	c.px.fe.MonitorFail = append(c.px.fe.MonitorFail, cond)
	return nil
}

// loadHTTPErrors reads every http-errors section of the files before any
// proxy, so that "errorfiles" may name a section declared further down,
// as in HAProxy, and still take effect in line order with errorfile lines.
func (l *loader) loadHTTPErrors(files []*cfgfile.File) {
	l.httpErrors = map[string]*httpErrors{}
	for _, f := range files {
		for _, s := range f.Sections {
			if s.Kind == "http-errors" {
				l.httpErrorsSection(s)
			}
		}
	}
}

func (l *loader) httpErrorsSection(s *cfgfile.Section) {
	pos := s.Header.Pos
	if s.Name == "" {
		l.errorf(pos, "'http-errors' expects a name")
		return
	}
	if prev := l.httpErrors[s.Name]; prev != nil {
		l.errorf(pos, "http-errors section '%s' has the same name as http-errors section declared at %s:%d", s.Name, prev.pos.File, prev.pos.Line)
		return
	}
	he := &httpErrors{pos: pos, name: s.Name, files: map[int][]byte{}}
	l.httpErrors[s.Name] = he
	c := &lineCtx{l: l, sec: SecHTTPErrors, secName: s.Kind, he: he}
	for _, ln := range s.Lines {
		if active(ln) {
			c.pos = ln.Pos
			c.line(ln.Words)
		}
	}
}
