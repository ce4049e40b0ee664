package lbtest

import (
	"os"
	"os/exec"
	"testing"
)

// NeedTool returns the path of an external program a test drives (haproxy,
// h2spec, rsyslogd, chromium, promtool …). Outside CI a missing tool skips
// the test, saying what is missing; in CI (CI set in the environment) it
// fails the test, because .ci/run installs every tool the tests need.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	for _, dir := range []string{os.Getenv("HOME") + "/go/bin", "/root/go/bin", "/usr/sbin"} {
		if p := dir + "/" + name; isExecutable(p) {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed: .ci/run (.ci/tools.d) must install it", name)
	}
	t.Skipf("%s is not installed; skipping (CI installs it through .ci/tools.d)", name)
	return ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
