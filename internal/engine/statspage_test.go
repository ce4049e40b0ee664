package engine

import (
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
)

// The stats page answers GET, HEAD and POST requests whose URI, or the
// path of an absolute URI, starts with the stats URI (HAProxy's prefix
// match).
func TestStatsPageMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, page, method, uri string
		want                    bool
	}{
		{"default uri", config.DefaultStatsURI, "GET", "/haproxy?stats", true},
		{"options after the uri", config.DefaultStatsURI, "GET", "/haproxy?stats;csv;up", true},
		{"prefix only", config.DefaultStatsURI, "GET", "/haproxy?statsfoo", true},
		{"other query", config.DefaultStatsURI, "GET", "/haproxy?other", false},
		{"head", "/st", "HEAD", "/st", true},
		{"post", "/st", "POST", "/st;up", true},
		{"put", "/st", "PUT", "/st", false},
		{"path below", "/st", "GET", "/st/x", true},
		{"shorter", "/stats", "GET", "/st", false},
		{"absolute uri", "/st", "GET", "http://lb.example/st;csv", true},
		{"absolute uri elsewhere", "/st", "GET", "http://lb.example/app", false},
		{"absolute without path", "/st", "GET", "http://lb.example", false},
		{"no uri", "", "GET", "/st", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp := &StatsPage{Cfg: &config.Stats{URI: tc.page}, uri: []byte(tc.page)}
			if got := sp.Match([]byte(tc.method), []byte(tc.uri)); got != tc.want {
				t.Errorf("Match(%s %s) with uri %q = %v", tc.method, tc.uri, tc.page, got)
			}
		})
	}
}
