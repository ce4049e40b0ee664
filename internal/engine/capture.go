package engine

import (
	"strconv"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/rules"
)

// captureEnv sets the capture slot counts rules of fe check "id <n>"
// against. Backends (fe nil) keep -1: their rules fill the slots of
// whichever frontend the request came through, and ignore missing ones
// at run time, as HAProxy does.
func captureEnv(env *rules.Env, fe *config.Frontend) {
	if fe == nil {
		return
	}
	env.Captures, env.ResCaptures = len(fe.ReqCaptures), len(fe.ResCaptures)
}

// captureSlotRules returns rs with each "http-request capture <expr> len
// <n>" of fe rewritten to "id <slot>", the slot config declared for that
// line, so that rules need not know how slots are numbered. The
// snapshot's rules are not modified.
func captureSlotRules(rs []*config.HTTPRule, fe *config.Frontend) []*config.HTTPRule {
	if fe == nil {
		return rs
	}
	var out []*config.HTTPRule
	for i, r := range rs {
		if r.Action != "capture" || len(r.Args) != 3 || r.Args[1] != "len" {
			continue
		}
		for id, c := range fe.ReqCaptures {
			if c.Header == "" && c.Pos == r.Pos {
				if out == nil {
					out = append([]*config.HTTPRule(nil), rs...)
				}
				r2 := *r
				r2.Args = []string{r.Args[0], "id", strconv.Itoa(id)}
				out[i] = &r2
				break
			}
		}
	}
	if out == nil {
		return rs
	}
	return out
}
