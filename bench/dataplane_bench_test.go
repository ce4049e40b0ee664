package bench

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/dataplane"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/l4"
	"github.com/hawser-lb/hawser/internal/l7"
)

// bigConfig is a configuration with backends × servers servers.
func bigConfig(bind string, backends, servers int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
  maxconn 4096

userlist controller
  user admin insecure-password secret

defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s

frontend fe
  bind %s
  default_backend be0
`, bind)
	for i := range backends {
		fmt.Fprintf(&b, "\nbackend be%d\n", i)
		for j := range servers {
			fmt.Fprintf(&b, "  server s%d 10.%d.%d.%d:8080 weight 10\n", j, i/256, i%256, j%250+1)
		}
	}
	return b.String()
}

// BenchmarkDataplaneCommit10kServers measures one Data Plane API commit
// on a configuration of 100 backends of 100 servers, applied to a running
// engine: parse, the checks of "hawser -c", fsync and rename, compile and
// swap. "raw" posts the whole text with one server's weight changed;
// "server" PUTs that server's model (the edit a controller makes).
func BenchmarkDataplaneCommit10kServers(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		api, cfg := startBigAPI(b)
		version := 1
		for i := 0; b.Loop(); i++ {
			body := strings.Replace(cfg, "server s7 10.0.42.8:8080 weight 10", "server s7 10.0.42.8:8080 weight "+strconv.Itoa(10+i%2), 1)
			commit(b, api, "POST", "/v3/services/haproxy/configuration/raw?version="+strconv.Itoa(version), body)
			version++
		}
	})
	b.Run("server", func(b *testing.B) {
		api, _ := startBigAPI(b)
		version := 1
		for i := 0; b.Loop(); i++ {
			body := `{"name":"s7","address":"10.0.42.8","port":8080,"weight":` + strconv.Itoa(10+i%2) + `}`
			commit(b, api, "PUT", "/v3/services/haproxy/configuration/backends/be42/servers/s7?version="+strconv.Itoa(version), body)
			version++
		}
	})
}

func commit(b *testing.B, api http.Handler, method, url, body string) {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.SetBasicAuth("admin", "secret")
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
		b.Fatalf("commit: %d %s", rec.Code, rec.Body)
	}
}

// startBigAPI runs an engine on bigConfig(100, 100) and a Data Plane API
// in front of it, and returns the API and the configuration text.
func startBigAPI(b *testing.B) (*dataplane.Server, string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	bind := l.Addr().String()
	l.Close()
	path := filepath.Join(b.TempDir(), "hawser.cfg")
	cfg := bigConfig(bind, 100, 100)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	snap, err := config.LoadFiles([]string{path})
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	h := l7.NewHandler(log)
	eng := engine.New(engine.Options{HTTP: h, TCP: l4.NewHandler(), Log: log})
	if err := eng.Apply(snap); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		eng.Close()
		h.Close()
	})
	api, err := dataplane.New(dataplane.Options{
		Addr: "127.0.0.1:0", Files: []string{path}, Snapshot: snap,
		Apply: eng.Apply, Engine: eng, Log: log,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { api.Close() })
	return api, cfg
}
