package acl

import "testing"

func TestKeywordLists(t *testing.T) {
	t.Parallel()
	find := func(list []Keyword, name string) (Keyword, bool) {
		for _, k := range list {
			if k.Name == name {
				return k, true
			}
		}
		return Keyword{}, false
	}
	tests := []struct {
		name string
		list []Keyword
		kw   string
		want Keyword
	}{
		{name: "fetch without args", list: Fetches(), kw: "path", want: Keyword{Name: "path", Out: "string"}},
		{name: "fetch optional args", list: Fetches(), kw: "req.hdr", want: Keyword{Name: "req.hdr", Args: "([<string>[,<integer>]])", Out: "string"}},
		{name: "fetch mandatory arg", list: Fetches(), kw: "http_auth", want: Keyword{Name: "http_auth", Args: "(<string>)", Out: "boolean"}},
		{name: "converter", list: Converters(), kw: "lower", want: Keyword{Name: "lower", Out: "string"}},
		{name: "acl derivative", list: ACLKeywords(), kw: "path_beg", want: Keyword{Name: "path_beg", Args: "path -m beg"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := find(tc.list, tc.kw)
			if !ok || got != tc.want {
				t.Errorf("%s = %+v (found %v), want %+v", tc.kw, got, ok, tc.want)
			}
		})
	}
}
