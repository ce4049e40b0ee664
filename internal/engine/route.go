package engine

import (
	"fmt"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/logging"
)

// compileUseBackend compiles one use_backend line. A dynamic name is a
// log-format string checked here and evaluated for each request.
func (g *Generation) compileUseBackend(ub *config.UseBackend, defs acl.Defs) (UseBackend, error) {
	cond, err := compileCondMaps(ub.Cond, defs, g.Maps)
	if err != nil {
		return UseBackend{}, err
	}
	u := UseBackend{Cond: cond}
	if ub.Dynamic() {
		if u.Name, err = logging.ParseFormatMaps(ub.Backend, g.Maps); err != nil {
			return UseBackend{}, at(ub.Pos, fmt.Errorf("use_backend: %w", err))
		}
		return u, nil
	}
	if u.Backend = g.Backends[ub.Backend]; u.Backend == nil {
		return UseBackend{}, at(ub.Pos, fmt.Errorf("use_backend: no such backend %q", ub.Backend))
	}
	return u, nil
}

// Scratcher is implemented by samples that lend a reusable buffer, so
// that dynamic backend names are built without allocating.
type Scratcher interface {
	Scratch() *[]byte
}

// Route picks the backend for a request or connection: the first
// use_backend whose condition matches, else default_backend (nil if
// none). As in HAProxy, a dynamic name that names no backend stops the
// search and the request goes to default_backend.
func (f *Frontend) Route(s acl.Sample) *Backend {
	for i := range f.UseBackends {
		u := &f.UseBackends[i]
		if !u.Cond.Match(s) {
			continue
		}
		if u.Name == nil {
			return u.Backend
		}
		if b := f.resolve(u.Name, s); b != nil {
			return b
		}
		break
	}
	return f.Default
}

// resolve formats a dynamic backend name and looks it up.
func (f *Frontend) resolve(name *logging.Format, s acl.Sample) *Backend {
	var e *logging.Entry
	if le, ok := s.(LogEntrier); ok {
		e = le.LogEntry()
	} else {
		e = &logging.Entry{}
	}
	var buf []byte
	sc, ok := s.(Scratcher)
	if ok {
		buf = (*sc.Scratch())[:0]
	}
	buf = name.AppendSample(buf, e, s)
	if ok {
		*sc.Scratch() = buf
	}
	return f.backends[string(buf)]
}
