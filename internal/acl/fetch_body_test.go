package acl

import "testing"

// bodySample is a request whose body was buffered.
type bodySample struct {
	*fakeSample
	body   []byte
	size   int64
	waited bool
}

func (s *bodySample) ReqBody() ([]byte, int64, bool) { return s.body, s.size, s.waited }
func (s *bodySample) ReqLen() int64                  { return 100 + int64(len(s.body)) }

func TestFetchesBody(t *testing.T) {
	t.Parallel()
	post := func(body string, size int64) *bodySample {
		return &bodySample{fakeSample: req("POST", "/f"), body: []byte(body), size: size, waited: true}
	}
	notWaited := &bodySample{fakeSample: req("POST", "/f"), body: []byte("a=1"), size: 3}
	tests := []struct {
		name string
		def  string
		s    Sample
		want bool
	}{
		{name: "req.body", def: "req.body -m str hello", s: post("hello", 5), want: true},
		{name: "req.body sub", def: "req.body -m sub attack", s: post("x=attack&y=1", 12), want: true},
		{name: "req.body miss", def: "req.body -m sub attack", s: post("x=1", 3), want: false},
		{name: "req.body not waited", def: "req.body -m found", s: notWaited, want: false},
		{name: "req.body without Body", def: "req.body -m found", s: req("POST", "/f"), want: false},
		{name: "req.body empty body found", def: "req.body -m found", s: post("", 0), want: true},
		{name: "req.body_len", def: "req.body_len eq 5", s: post("hello", 5), want: true},
		{name: "req.body_len partial", def: "req.body_len eq 3", s: post("hel", 5), want: true},
		{name: "req.body_size advertised", def: "req.body_size eq 5", s: post("hel", 5), want: true},
		{name: "req.body_param", def: "req.body_param(user) -m str bob", s: post("id=1&user=bob", 13), want: true},
		{name: "req.body_param case", def: "req.body_param(USER) -m str bob", s: post("user=bob", 8), want: false},
		{name: "req.body_param icase", def: "req.body_param(USER,i) -m str bob", s: post("user=bob", 8), want: true},
		{name: "req.body_param any", def: "req.body_param -m str 2", s: post("a=1&b=2", 7), want: true},
		{name: "req.body_param missing", def: "req.body_param(c) -m found", s: post("a=1&b=2", 7), want: false},
		{name: "req.len in http", def: "req.len eq 105", s: post("hello", 5), want: true},
		{name: "req.len without Body", def: "req.len -m found", s: req("GET", "/"), want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := matchDef(t, tc.def, tc.s); got != tc.want {
				t.Errorf("%s: Match = %v, want %v", tc.def, got, tc.want)
			}
		})
	}
}
