package config

import (
	"fmt"
	"strconv"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Capture is one capture slot of a frontend. Header names the header a
// "capture request|response header" line captures; it is empty for slots
// that rules fill ("declare capture", "http-request capture ... len").
type Capture struct {
	Pos    cfgfile.Pos
	Header string `json:",omitempty"`
	// Len is the longest value kept; longer ones are truncated.
	Len int
}

// captureKeywords declare capture slots, shown by %hr/%hs in logs and
// read by capture.req.hdr(n)/capture.res.hdr(n). As in HAProxy, slots
// belong to frontends: backend rules fill the slots of the frontend the
// request came through.
var captureKeywords = []*Keyword{
	{Name: "capture", Sections: SecFrontend | SecListen, Args: "request|response header <name> len <length>",
		Help: "log the last value of a request or response header (%hr, %hs), truncated to length", Supported: true, Parse: parseCaptureHeader},
	{Name: "declare", Sections: SecFrontend | SecListen, Args: "capture request|response len <length>",
		Help: "declare a capture slot that http-request/http-response capture rules fill by id", Supported: true, Parse: parseDeclare},
}

// parseCaptureHeader parses "capture request|response header <name> len <n>".
func parseCaptureHeader(c *lineCtx, args []string) error {
	if len(args) > 0 && args[0] == "cookie" {
		return fmt.Errorf("'capture cookie' is not supported by hawser")
	}
	if len(args) != 5 || (args[0] != "request" && args[0] != "response") || args[1] != "header" || args[3] != "len" {
		return fmt.Errorf("'capture' expects 'request|response header <name> len <length>'")
	}
	n, err := captureLen(args[4])
	if err != nil {
		return err
	}
	c.addCapture(args[0] == "response", Capture{Pos: c.pos, Header: args[2], Len: n})
	return nil
}

// parseDeclare parses "declare capture request|response len <n>".
func parseDeclare(c *lineCtx, args []string) error {
	if len(args) != 4 || args[0] != "capture" || (args[1] != "request" && args[1] != "response") || args[2] != "len" {
		return fmt.Errorf("'declare' expects 'capture request|response len <length>'")
	}
	n, err := captureLen(args[3])
	if err != nil {
		return err
	}
	c.addCapture(args[1] == "response", Capture{Pos: c.pos, Len: n})
	return nil
}

func captureLen(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("'capture': invalid length '%s'", s)
	}
	return n, nil
}

// addCapture appends a slot to the frontend being parsed.
func (c *lineCtx) addCapture(res bool, cp Capture) {
	fe := &c.px.fe
	if res {
		fe.ResCaptures = append(fe.ResCaptures, cp)
	} else {
		fe.ReqCaptures = append(fe.ReqCaptures, cp)
	}
}

// captureRuleSlot handles "http-request capture <expr> len <n>", which
// declares a request slot of its own: only a frontend has slots, so a
// backend must use the "id" form.
func (c *lineCtx) captureRuleSlot(args []string) error {
	if len(args) != 3 || args[1] != "len" {
		return nil
	}
	if c.px.kind&(SecFrontend|SecListen) == 0 {
		return fmt.Errorf("'http-request capture': 'len' declares a capture slot, which only a frontend has; use 'id <id>' with 'declare capture request' in the frontend")
	}
	n, err := captureLen(args[2])
	if err != nil {
		return err
	}
	c.addCapture(false, Capture{Pos: c.pos, Len: n})
	return nil
}
