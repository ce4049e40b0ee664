package lbtest

import (
	"testing"
	"time"
)

// pollEvery is how often WaitUntil re-evaluates its condition.
const pollEvery = 5 * time.Millisecond

// WaitUntil polls cond until it holds, failing the test with what after
// timeout. It is for state another process changes (health, connection
// counts), where there is no event to wait on.
func WaitUntil(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(pollEvery)
	}
}
