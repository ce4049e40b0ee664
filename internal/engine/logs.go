package engine

import (
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/logging"
)

// Rings returns the engine's rings, for the Runtime API ("show events")
// and the process's own logger.
func (e *Engine) Rings() *logging.Rings { return e.rings }

// LogForwardAddr returns the bound address of a log-forward "bind"
// (network "tcp") or "dgram-bind" (network "udp"), for tests that bind
// port 0; nil when there is none.
func (e *Engine) LogForwardAddr(network, address string) net.Addr {
	return e.relays.Addr(network, address)
}

// LogOptions are the logging options the global section sets: the host
// name of "log-send-hostname" and the rings.
func LogOptions(g *config.Global, rings *logging.Rings) []logging.Option {
	opts := []logging.Option{logging.WithRings(rings)}
	if h := g.LogSendHostname; h != nil {
		name := *h
		if name == "" {
			name, _ = os.Hostname()
		}
		opts = append(opts, logging.WithHostname(name))
	}
	return opts
}

// LogTag is the syslog tag of a proxy: its log-tag, else the global one,
// else the program name as HAProxy does.
func LogTag(g *config.Global, proxyTag string) string {
	switch {
	case proxyTag != "":
		return proxyTag
	case g.LogTag != "":
		return g.LogTag
	}
	return "hawser"
}

// logger returns a logger for the targets, shared by every frontend and
// generation that logs to the same set with the same tag and host name.
func (e *Engine) logger(targets []config.LogTarget, tag string, g *config.Global) (*logging.Logger, error) {
	keys := make([]string, len(targets))
	for i, t := range targets {
		keys[i] = fmt.Sprintf("%s|%s|%d|%s|%s|%s", t.Address, t.Format, t.Len, t.Facility, t.Level, t.MinLevel)
		if smp := t.Sample; smp != nil {
			// "sample" ranges: targets that keep different lines are
			// different loggers.
			keys[i] += fmt.Sprintf("|%v:%d", smp.Ranges, smp.Size)
		}
	}
	sort.Strings(keys)
	host := "-"
	if g.LogSendHostname != nil {
		host = "=" + *g.LogSendHostname
	}
	key := tag + "|" + host + "|" + strings.Join(keys, ";")
	if e.loggersUsed != nil {
		e.loggersUsed[key] = true
	}
	if l, ok := e.loggers[key]; ok {
		return l, nil
	}
	l, err := logging.NewLogger(targets, tag, LogOptions(g, e.rings)...)
	if err != nil {
		return nil, err
	}
	if e.loggers == nil {
		e.loggers = make(map[string]*logging.Logger)
	}
	e.loggers[key] = l
	return l, nil
}

// applyRelays starts, keeps or stops the log-forward sections' sockets.
func (e *Engine) applyRelays(snap *config.Snapshot) error {
	return e.relays.Apply(snap.LogForwards, func(f *config.LogForward) (*logging.Logger, error) {
		targets := logging.Resolve(f.Logs, snap.Global.Logs)
		if len(targets) == 0 {
			return nil, fmt.Errorf("no log target")
		}
		return e.logger(targets, LogTag(&snap.Global, ""), &snap.Global)
	})
}

// compileUniqueID compiles the frontend's unique-id-format.
func (f *Frontend) compileUniqueID(g *Generation) error {
	if f.Cfg.UniqueIDFormat == "" {
		return nil
	}
	uf, err := logging.ParseFormatMaps(f.Cfg.UniqueIDFormat, g.Maps)
	if err != nil {
		return fmt.Errorf("unique-id-format: %w", err)
	}
	f.UniqueID = uf
	if h := f.Cfg.UniqueIDHeader; h != "" {
		f.UniqueIDHeader = []byte(h)
	}
	return nil
}

// loggerGrace is how long a logger the new configuration no longer uses
// stays open for the requests the old generation is still serving, when
// hard-stop-after does not bound them.
const loggerGrace = time.Minute

// retainLoggers closes, after a grace period, the loggers the
// configuration just applied does not use: their TCP connections and
// writer goroutines would otherwise live as long as the process. Lines an
// old request logs after that are discarded. Called with mu held.
func (e *Engine) retainLoggers(hardStop time.Duration) {
	grace := loggerGrace
	if hardStop > 0 {
		grace = hardStop
	}
	for key, l := range e.loggers {
		if e.loggersUsed[key] {
			continue
		}
		delete(e.loggers, key)
		if e.retiring == nil {
			e.retiring = map[*logging.Logger]bool{}
		}
		e.retiring[l] = true
		time.AfterFunc(grace, func() {
			e.mu.Lock()
			delete(e.retiring, l)
			e.mu.Unlock()
			l.Close()
		})
	}
	e.loggersUsed = nil
}
