package health

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/config"
)

// Kinds of "http-check expect" hawser implements.
const (
	expectDefault = ""        // no expect line: any 2xx or 3xx passes
	expectStatus  = "status"  // status <code|range>[,...]
	expectRStatus = "rstatus" // regex on the 3-digit status code
	expectString  = "string"  // substring of the body
	expectRString = "rstring" // regex on the body
)

// expectation is a compiled "http-check expect" line.
type expectation struct {
	kind   string
	negate bool
	ranges [][2]int // for status: inclusive code ranges
	re     *regexp.Regexp
	str    string
}

// compileExpect compiles hc's expect line; a nil hc (TCP check) gives a nil
// expectation.
func compileExpect(hc *config.HTTPCheck) (*expectation, error) {
	if hc == nil {
		return nil, nil
	}
	if hc.Expect == nil {
		return &expectation{kind: expectDefault}, nil
	}
	e := &expectation{kind: hc.Expect.Kind, negate: hc.Expect.Negate, str: hc.Expect.Value}
	var err error
	switch e.kind {
	case expectStatus:
		e.ranges, err = parseStatusRanges(hc.Expect.Value)
	case expectRStatus, expectRString:
		e.re, err = regexp.Compile(hc.Expect.Value)
	case expectString:
	default:
		err = fmt.Errorf("http-check expect %q is not supported by hawser", e.kind)
	}
	if err != nil {
		return nil, fmt.Errorf("http-check expect %s %q: %w", e.kind, hc.Expect.Value, err)
	}
	return e, nil
}

// parseStatusRanges parses "200", "200-399" or a comma list of both.
func parseStatusRanges(s string) ([][2]int, error) {
	var out [][2]int
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad status code %q", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad status range %q", part)
			}
		}
		out = append(out, [2]int{a, b})
	}
	return out, nil
}

// needsBody reports whether judging needs the response body.
func (e *expectation) needsBody() bool {
	return e != nil && (e.kind == expectString || e.kind == expectRString)
}

// evaluate judges a response. A body mismatch is L7RSP, a status mismatch
// L7STS with the reason phrase as info, as in HAProxy.
func (e *expectation) evaluate(code int, reason string, body []byte) result {
	if e.match(code, body) {
		return result{status: StatusL7OK, code: code}
	}
	if e.needsBody() {
		desc := "HTTP content check did not match"
		if e.negate {
			desc = "HTTP check matched unwanted content"
		}
		return result{status: StatusL7RSP, code: code, desc: desc}
	}
	return result{status: StatusL7STS, code: code, desc: reason}
}

func (e *expectation) match(code int, body []byte) bool {
	var ok bool
	switch e.kind {
	case expectDefault:
		return code >= 200 && code < 400
	case expectStatus:
		for _, r := range e.ranges {
			ok = ok || (code >= r[0] && code <= r[1])
		}
	case expectRStatus:
		ok = e.re.MatchString(strconv.Itoa(code))
	case expectString:
		ok = bytes.Contains(body, []byte(e.str))
	case expectRString:
		ok = e.re.Match(body)
	}
	return ok != e.negate
}
