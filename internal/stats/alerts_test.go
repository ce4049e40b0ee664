package stats

import (
	"os"
	"regexp"
	"testing"
)

// TestAlertExampleNames keeps docs/examples/prometheus-alerts.yml honest:
// every metric it names is one the exporter serves.
func TestAlertExampleNames(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/examples/prometheus-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, testRows(), PromOptions{Scopes: ScopeAll})
	names := regexp.MustCompile(`haproxy_[a-z_]+`).FindAllString(string(data), -1)
	if len(names) == 0 {
		t.Fatal("no metric names found")
	}
	for _, n := range names {
		if fams[n] == nil {
			t.Errorf("%s is not served by the exporter", n)
		}
	}
}
