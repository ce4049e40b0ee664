package config

import (
	"strings"
	"testing"
)

func TestRetryOn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		text       string
		want       string // RetryOn.String of backend be
		redispatch bool
		interval   int
		wantErr    string
	}{
		{name: "default is conn-failure", text: "backend be\n", want: "conn-failure"},
		{name: "keywords and statuses", text: "backend be\n    retry-on empty-response 503 404\n", want: "empty-response 404 503"},
		{name: "a later line replaces an earlier one", text: "backend be\n    retry-on 503\n    retry-on response-timeout\n", want: "response-timeout"},
		{name: "all-retryable-errors", text: "backend be\n    retry-on all-retryable-errors\n",
			want: "conn-failure empty-response junk-response response-timeout 0rtt-rejected 500 502 503 504"},
		{name: "none", text: "backend be\n    retry-on none\n", want: "none"},
		{name: "inherited from defaults", text: "defaults\n    retry-on 502\nbackend be\n", want: "502"},
		{name: "none is alone", text: "backend be\n    retry-on none 503\n", wantErr: "'none' keyword only usable alone"},
		{name: "unknown keyword", text: "backend be\n    retry-on 505\n", wantErr: "haproxy.cfg:2"},
		{name: "needs a keyword", text: "backend be\n    retry-on\n", wantErr: "needs at least one keyword"},
		{name: "option redispatch", text: "backend be\n    option redispatch\n", want: "conn-failure", redispatch: true},
		{name: "option redispatch interval", text: "backend be\n    option redispatch 2\n", want: "conn-failure", redispatch: true, interval: 2},
		{name: "option redispatch -1 is the default", text: "backend be\n    option redispatch -1\n", want: "conn-failure", redispatch: true},
		{name: "option redispatch 0 disables", text: "defaults\n    option redispatch\nbackend be\n    option redispatch 0\n", want: "conn-failure"},
		{name: "no option redispatch", text: "defaults\n    option redispatch 3\nbackend be\n    no option redispatch\n", want: "conn-failure"},
		{name: "option redispatch bad interval", text: "backend be\n    option redispatch x\n", wantErr: "haproxy.cfg:2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := loadText(t, "haproxy.cfg", tc.text)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			be := s.Backends[0]
			if got := be.RetryOn.String(); got != tc.want {
				t.Errorf("retry-on %q, want %q", got, tc.want)
			}
			if be.Redispatch != tc.redispatch || be.RedispatchInterval != tc.interval {
				t.Errorf("redispatch %v interval %d, want %v %d", be.Redispatch, be.RedispatchInterval, tc.redispatch, tc.interval)
			}
		})
	}
}

func TestRedispatchOn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		be   Backend
		max  int
		want []bool // retries 1..max
	}{
		{name: "off", be: Backend{}, max: 3, want: []bool{false, false, false}},
		{name: "default is the last retry", be: Backend{Redispatch: true}, max: 3, want: []bool{false, false, true}},
		{name: "every retry", be: Backend{Redispatch: true, RedispatchInterval: 1}, max: 3, want: []bool{true, true, true}},
		{name: "every second retry", be: Backend{Redispatch: true, RedispatchInterval: 2}, max: 4, want: []bool{false, true, false, true}},
		{name: "the retry before the last", be: Backend{Redispatch: true, RedispatchInterval: -2}, max: 4, want: []bool{false, false, true, false}},
		{name: "before the first retry", be: Backend{Redispatch: true, RedispatchInterval: -5}, max: 2, want: []bool{true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for n := 1; n <= tc.max; n++ {
				if got := tc.be.RedispatchOn(n, tc.max); got != tc.want[n-1] {
					t.Errorf("retry %d of %d: %v, want %v", n, tc.max, got, tc.want[n-1])
				}
			}
		})
	}
}

func TestSetRetriesSections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, wantErr string
	}{
		{name: "backend", text: "backend be\n    mode http\n    http-request set-retries 2\n"},
		{name: "listen", text: "listen li\n    mode http\n    bind :8080\n    http-request set-retries 2\n"},
		{name: "frontend", text: "frontend fe\n    mode http\n    http-request set-retries 2\n", wantErr: "only available in backend and listen sections"},
		{name: "defaults", text: "defaults d\n    mode http\n    http-request set-retries 2\n", wantErr: "only available in backend and listen sections"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, "haproxy.cfg", tc.text)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}
