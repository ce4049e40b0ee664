package dataplane

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hawser-lb/hawser/internal/dataplane/speccheck"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// Every answer any test gets is checked against the OpenAPI document the
// same binary serves: its route, status and JSON body must be described.
var (
	specOnce sync.Once
	spec     speccheck.Spec
	specErr  error
)

func init() {
	recordReply = func(a *api, method, path string, r reply) {
		specOnce.Do(func() {
			req, _ := http.NewRequest("GET", a.base+"/specification_openapiv3", nil)
			req.SetBasicAuth("admin", "secret")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				specErr = err
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			spec, specErr = speccheck.Parse(b)
		})
		if specErr != nil {
			a.t.Fatalf("spec: %v", specErr)
		}
		if strings.Contains(r.Body, `"message":"no endpoint`) || strings.Contains(r.Body, `"message":"method not allowed`) {
			return // the router's answer to what the spec does not list
		}
		p, _, _ := strings.Cut(path, "?")
		if err := spec.CheckResponse(method, p, r.Status, r.Header.Get("Content-Type"), []byte(r.Body)); err != nil {
			a.t.Errorf("answer not as the spec says: %v\nbody: %s", err, r.Body)
		}
	}
}

// TestSpecDescribesRoutes walks every operation of the document and
// checks that hawser serves it: a request answers anything but the
// mux's own 404/405 (which have no JSON body).
func TestSpecDescribesRoutes(t *testing.T) {
	t.Parallel()
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": lbtest.DeadAddr(t)})
	a.must(200, "GET", "/info", "")
	paths := spec["paths"].(map[string]any)
	if len(paths) < 8 {
		t.Fatalf("only %d paths", len(paths))
	}
	for p, item := range paths {
		for m := range item.(map[string]any) {
			path := strings.NewReplacer("{parent_name}", "web", "{name}", "x", "{index}", "0", "{id}", "x").Replace(p)
			method := strings.ToUpper(m)
			if method != "GET" {
				// Only check that writes are routed: a bad version
				// answers 400/409 from the handler, never the mux.
				path += "?version=999999"
			}
			req, _ := http.NewRequest(method, a.base+path, nil)
			req.SetBasicAuth("admin", "secret")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), "no endpoint") || strings.Contains(string(b), "method not allowed") {
				t.Errorf("%s %s: %d from the router: the spec lists a route hawser does not serve", method, p, resp.StatusCode)
			}
		}
	}
}

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	t.Parallel()
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": lbtest.DeadAddr(t)})
	if r := a.do("GET", "/no/such/thing", ""); r.Status != 404 || !strings.Contains(r.Body, `"code":404`) {
		t.Errorf("unknown path: %d %s", r.Status, r.Body)
	}
	if r := a.do("PATCH", "/health", ""); r.Status != 405 || !strings.Contains(r.Body, `"code":405`) {
		t.Errorf("unknown method: %d %s", r.Status, r.Body)
	}
}
