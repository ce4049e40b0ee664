package engine

import "testing"

// TestDynamicCookie pins the value HAProxy 2.6 inserts for "cookie SRV
// insert dynamic" with "dynamic-cookie-key mysecret" and a server at
// 127.0.0.1:19992 (read from its Set-Cookie).
func TestDynamicCookie(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, key, addr, want string }{
		{name: "haproxy vector", key: "mysecret", addr: "127.0.0.1:19992", want: "2c33aa68ad352740"},
		{name: "not an address", key: "mysecret", addr: "app.example:80", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DynamicCookie(tc.key, tc.addr); got != tc.want {
				t.Errorf("DynamicCookie(%q, %q) = %q, want %q", tc.key, tc.addr, got, tc.want)
			}
		})
	}
}
