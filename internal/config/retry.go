package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// RetryOn is "retry-on": the failures after which a request is sent again
// (to the same server, or another one with "option redispatch"), as a set
// of bits. The zero value is HAProxy's default, conn-failure; "retry-on
// none" is RetryNone alone.
type RetryOn uint32

// The retry-on conditions.
const (
	// RetryNone is set by "retry-on none": never retry.
	RetryNone RetryOn = 1 << iota
	// RetryConnFailure: the connection to the server failed.
	RetryConnFailure
	// RetryEmptyResponse: the server closed after the request was sent
	// without sending anything back.
	RetryEmptyResponse
	// RetryJunkResponse: the server sent something that is not a valid
	// response head.
	RetryJunkResponse
	// RetryResponseTimeout: "timeout server" struck while waiting for the
	// response head.
	RetryResponseTimeout
	// Retry0RTTRejected: the server refused early data (accepted for
	// compatibility; hawser does not send 0-RTT data to servers).
	Retry0RTTRejected
	// retryStatusBase is the first status bit; retryStatuses gives the
	// order of the following ones.
	retryStatusBase
)

// retryStatuses are the status codes retry-on accepts, in bit order from
// retryStatusBase.
var retryStatuses = [...]int{401, 403, 404, 408, 421, 425, 429, 500, 501, 502, 503, 504}

// retryWords are the retry-on keywords other than status codes.
var retryWords = []struct {
	name string
	bits RetryOn
}{
	{"none", RetryNone},
	{"conn-failure", RetryConnFailure},
	{"empty-response", RetryEmptyResponse},
	{"junk-response", RetryJunkResponse},
	{"response-timeout", RetryResponseTimeout},
	{"0rtt-rejected", Retry0RTTRejected},
}

// RetryStatus returns the bit of a status code, 0 for codes retry-on does
// not know.
func RetryStatus(status int) RetryOn {
	for i, s := range retryStatuses {
		if s == status {
			return retryStatusBase << i
		}
	}
	return 0
}

// retryAll is "all-retryable-errors".
var retryAll = RetryConnFailure | RetryEmptyResponse | RetryJunkResponse | RetryResponseTimeout |
	Retry0RTTRejected | RetryStatus(500) | RetryStatus(502) | RetryStatus(503) | RetryStatus(504)

// Effective returns the conditions in force: conn-failure when retry-on
// was not written.
func (r RetryOn) Effective() RetryOn {
	if r == 0 {
		return RetryConnFailure
	}
	return r
}

// Layer7 reports whether any condition other than a connection failure is
// set: those need the request kept for a replay.
func (r RetryOn) Layer7() bool {
	return r.Effective()&^(RetryConnFailure|RetryNone) != 0
}

// Status reports whether a response with this status is retried.
func (r RetryOn) Status(status int) bool {
	b := RetryStatus(status)
	return b != 0 && r&b != 0
}

// String returns the keywords, as retry-on takes them.
func (r RetryOn) String() string {
	r = r.Effective()
	var words []string
	for _, w := range retryWords {
		if r&w.bits != 0 {
			words = append(words, w.name)
		}
	}
	for i, s := range retryStatuses {
		if r&(retryStatusBase<<i) != 0 {
			words = append(words, fmt.Sprint(s))
		}
	}
	return strings.Join(words, " ")
}

// MarshalJSON writes the keywords, so that the normalized snapshot reads
// as the configuration does.
func (r RetryOn) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// UnmarshalJSON reads what MarshalJSON writes.
func (r *RetryOn) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseRetryOn(strings.Fields(s))
	*r = v
	return err
}

// ParseRetryOn parses retry-on's arguments. Each line replaces the
// previous one, as in HAProxy.
func ParseRetryOn(args []string) (RetryOn, error) {
	if len(args) == 0 {
		return 0, fmt.Errorf("'retry-on' needs at least one keyword to specify when to retry")
	}
	var r RetryOn
	for _, a := range args {
		var bits RetryOn
		switch a {
		case "all-retryable-errors":
			bits = retryAll
		case "none":
			if len(args) > 1 {
				return 0, fmt.Errorf("'retry-on' 'none' keyword only usable alone")
			}
			bits = RetryNone
		default:
			for _, w := range retryWords {
				if w.name == a {
					bits = w.bits
				}
			}
			if bits == 0 {
				for _, s := range retryStatuses {
					if fmt.Sprint(s) == a {
						bits = RetryStatus(s)
					}
				}
			}
		}
		if bits == 0 {
			return 0, fmt.Errorf("'retry-on': unknown keyword '%s'", a)
		}
		r |= bits
	}
	return r, nil
}

func parseRetryOn(c *lineCtx, args []string) error {
	r, err := ParseRetryOn(args)
	if err == nil {
		c.px.be.RetryOn = r
	}
	return err
}

// parseRedispatch is "option redispatch [<interval>]". A positive
// interval P redispatches every Pth retry, a negative one counts from the
// last retry (-1, the default, is the last retry itself), 0 disables
// redispatching.
func parseRedispatch(c *lineCtx, args []string) error {
	if err := arity(c.name, args, 0, 1, "an optional integer interval"); err != nil {
		return err
	}
	c.px.be.Redispatch, c.px.be.RedispatchInterval = !c.no, 0
	if len(args) == 1 && !c.no {
		n, err := parseInt(c.name, args[0], -1<<31, 1<<31-1)
		if err != nil {
			return err
		}
		if n == 0 {
			c.px.be.Redispatch = false
		} else if n != -1 {
			c.px.be.RedispatchInterval = n
		}
	}
	return nil
}

// RedispatchOn reports whether retry n (counted from 1) of at most max
// goes to another server by the "option redispatch" interval: every
// interval-th retry, or for a negative interval every (max+1+interval)th,
// which with the default -1 is the last retry. The caller adds HAProxy's
// other reasons to redispatch (a down server, a free choice of server).
func (b *Backend) RedispatchOn(n, max int) bool {
	if !b.Redispatch {
		return false
	}
	iv := b.RedispatchInterval
	if iv == 0 {
		iv = -1
	}
	if iv > 0 {
		return n%iv == 0
	}
	d := max + 1 + iv
	// An interval reaching before the first retry redispatches them all.
	return d <= 0 || n%d == 0
}
