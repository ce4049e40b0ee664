package dataplane

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/dataplane/models"
)

// Fake converters: small models with the shapes of the real ones, so that
// the generic handlers are tested whatever package models registers.

type fakeGlobal struct {
	Maxconn *int `json:"maxconn,omitempty"`
}

type fakeProxy struct {
	Name           string `json:"name" required:"true"`
	From           string `json:"from,omitempty"`
	Mode           string `json:"mode,omitempty" enum:"http,tcp"`
	DefaultBackend string `json:"default_backend,omitempty"`
}

type fakeServer struct {
	Name    string `json:"name" required:"true"`
	Address string `json:"address" required:"true"`
	Port    *int   `json:"port,omitempty"`
	Weight  *int   `json:"weight,omitempty"`
}

type fakeACL struct {
	ACLName   string `json:"acl_name" required:"true"`
	Criterion string `json:"criterion" required:"true"`
	Value     string `json:"value,omitempty"`
}

type fakeSwitch struct {
	Name     string `json:"name" required:"true"`
	Cond     string `json:"cond,omitempty" enum:"if,unless"`
	CondTest string `json:"cond_test,omitempty"`
}

func first(kw ...string) func([]string) bool {
	return func(w []string) bool { return len(w) > 0 && slices.Contains(kw, w[0]) }
}

func proxySection(kind, path string, kws ...string) *models.Section {
	return &models.Section{
		Kind: kind, Path: path,
		New:  func() any { return new(fakeProxy) },
		Owns: first(kws...),
		Decode: func(name string, lines [][]string) (any, error) {
			p := &fakeProxy{Name: name}
			for _, l := range lines {
				switch l[0] {
				case "from":
					p.From = l[1]
				case "mode":
					p.Mode = l[1]
				case "default_backend":
					p.DefaultBackend = l[1]
				}
			}
			return p, nil
		},
		Encode: func(m any) (string, [][]string, error) {
			p := m.(*fakeProxy)
			var out [][]string
			if p.From != "" {
				out = append(out, []string{"from", p.From})
			}
			if p.Mode != "" {
				if p.Mode != "http" && p.Mode != "tcp" {
					return "", nil, fmt.Errorf("mode: %q is not one of http, tcp", p.Mode)
				}
				out = append(out, []string{"mode", p.Mode})
			}
			if p.DefaultBackend != "" {
				if kind != "frontend" {
					return "", nil, fmt.Errorf("default_backend: not in a %s", kind)
				}
				out = append(out, []string{"default_backend", p.DefaultBackend})
			}
			return p.Name, out, nil
		},
	}
}

func fakeSections() []*models.Section {
	global := &models.Section{
		Kind: "global", Path: "global",
		New:  func() any { return new(fakeGlobal) },
		Owns: first("maxconn"),
		Decode: func(_ string, lines [][]string) (any, error) {
			g := &fakeGlobal{}
			for _, l := range lines {
				n, err := strconv.Atoi(l[1])
				if err != nil {
					return nil, err
				}
				g.Maxconn = &n
			}
			return g, nil
		},
		Encode: func(m any) (string, [][]string, error) {
			g := m.(*fakeGlobal)
			if g.Maxconn == nil {
				return "", nil, nil
			}
			return "", [][]string{{"maxconn", strconv.Itoa(*g.Maxconn)}}, nil
		},
	}
	return []*models.Section{
		global,
		proxySection("defaults", "defaults", "mode"),
		proxySection("frontend", "frontends", "mode", "default_backend"),
		proxySection("backend", "backends", "mode"),
	}
}

func fakeChildren() []*models.Child {
	return []*models.Child{
		{
			Path: "servers", Parents: []string{"backend"},
			New:  func() any { return new(fakeServer) },
			Owns: first("server"),
			Name: func(w []string) string { return w[1] },
			Decode: func(w []string) (any, error) {
				s := &fakeServer{Name: w[1], Address: w[2]}
				if h, p, ok := strings.Cut(w[2], ":"); ok {
					n, _ := strconv.Atoi(p)
					s.Address, s.Port = h, &n
				}
				for i := 3; i+1 < len(w); i += 2 {
					if w[i] == "weight" {
						n, _ := strconv.Atoi(w[i+1])
						s.Weight = &n
					}
				}
				return s, nil
			},
			Encode: func(m any) ([]string, error) {
				s := m.(*fakeServer)
				if s.Name == "" || s.Address == "" {
					return nil, fmt.Errorf("name and address are required")
				}
				addr := s.Address
				if s.Port != nil {
					addr += ":" + strconv.Itoa(*s.Port)
				}
				w := []string{"server", s.Name, addr}
				if s.Weight != nil {
					w = append(w, "weight", strconv.Itoa(*s.Weight))
				}
				return w, nil
			},
		},
		{
			Path: "acls", Parents: []string{"frontend", "backend", "defaults"},
			New:  func() any { return new(fakeACL) },
			Owns: first("acl"),
			Decode: func(w []string) (any, error) {
				return &fakeACL{ACLName: w[1], Criterion: w[2], Value: strings.Join(w[3:], " ")}, nil
			},
			Encode: func(m any) ([]string, error) {
				a := m.(*fakeACL)
				if a.ACLName == "" || a.Criterion == "" {
					return nil, fmt.Errorf("acl_name and criterion are required")
				}
				return append([]string{"acl", a.ACLName, a.Criterion}, strings.Fields(a.Value)...), nil
			},
		},
		{
			Path: "backend_switching_rules", Parents: []string{"frontend"},
			New:  func() any { return new(fakeSwitch) },
			Owns: first("use_backend"),
			Decode: func(w []string) (any, error) {
				r := &fakeSwitch{Name: w[1]}
				if len(w) > 3 {
					r.Cond, r.CondTest = w[2], strings.Join(w[3:], " ")
				}
				return r, nil
			},
			Encode: func(m any) ([]string, error) {
				r := m.(*fakeSwitch)
				w := []string{"use_backend", r.Name}
				if r.Cond != "" {
					w = append(w, r.Cond)
					w = append(w, strings.Fields(r.CondTest)...)
				}
				return w, nil
			},
		},
	}
}
