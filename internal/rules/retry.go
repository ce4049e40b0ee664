package rules

import "strconv"

// Retrier is an optional interface of a Txn whose requests can be retried
// ("http-request disable-l7-retry", "http-request set-retries"). A Txn
// without it ignores these actions.
type Retrier interface {
	// DisableL7Retry limits the retries of the request to connection
	// failures.
	DisableL7Retry()
	// SetRetries overrides "retries" for the request, when proxy, the
	// proxy whose rule ran, is the backend that serves it.
	SetRetries(proxy string, n int)
}

// maxSetRetries is the largest value set-retries accepts, as in HAProxy.
const maxSetRetries = 100

func compileDisableL7Retry(c *compileCtx, args []string) (execFunc, error) {
	if len(args) > 0 {
		return nil, c.errorf("unexpected argument '%s'", args[0])
	}
	return func(t Txn, _ *Outcome) Verdict {
		if r, ok := t.(Retrier); ok {
			r.DisableL7Retry()
		}
		return Continue
	}, nil
}

// compileSetRetries is "set-retries <int> | <expr>": an integer in
// [0, 100], or an expression whose integer value is used when it is in
// that range (otherwise the rule does nothing).
func compileSetRetries(c *compileCtx, args []string) (execFunc, error) {
	if len(args) != 1 {
		return nil, c.errorf("expects an integer or a sample expression")
	}
	proxy := c.env.Proxy
	if n, err := strconv.Atoi(args[0]); err == nil {
		if n < 0 || n > maxSetRetries {
			return nil, c.errorf("value %d is out of range [0..%d]", n, maxSetRetries)
		}
		return func(t Txn, _ *Outcome) Verdict {
			if r, ok := t.(Retrier); ok {
				r.SetRetries(proxy, n)
			}
			return Continue
		}, nil
	}
	x, err := c.expr(args[0])
	if err != nil {
		return nil, err
	}
	return func(t Txn, _ *Outcome) Verdict {
		r, ok := t.(Retrier)
		if !ok {
			return Continue
		}
		buf := t.Scratch()
		v, b, ok := x.Eval(t, (*buf)[:0])
		*buf = b
		if ok && v.Int >= 0 && v.Int <= maxSetRetries {
			r.SetRetries(proxy, int(v.Int))
		}
		return Continue
	}, nil
}
