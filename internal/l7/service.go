package l7

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/hawser-lb/hawser/internal/h1"
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
	eng := t.sess.Gen.Engine
	var body bytes.Buffer
	o := stats.ParsePromQuery(string(t.query))
	if err := stats.WritePrometheus(&body, stats.Version, eng.Info(), eng.Stats(), o); err != nil {
		return 500, "text/plain", []byte(err.Error() + "\n")
	}
	return 200, "text/plain; version=0.0.4; charset=utf-8", body.Bytes()
}
