package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// globalKeywords are the global section's keywords.
var globalKeywords = []*Keyword{
	{Name: "maxconn", Sections: SecGlobal, Args: "<number>", Help: "maximum number of concurrent connections for the process", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.MaxConn }, 0, math.MaxInt32)},
	{Name: "nbthread", Sections: SecGlobal, Args: "<number>", Help: "number of threads (Go: GOMAXPROCS)", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.NbThread }, 1, 4096)},
	{Name: "external-check", Sections: SecGlobal, Args: "[preserve-env]", Help: "allow 'option external-check' health checks, which run programs", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if len(args) > 1 || len(args) == 1 && args[0] != "preserve-env" {
				return fmt.Errorf("'external-check' only accepts 'preserve-env'")
			}
			if len(args) == 1 {
				return fmt.Errorf("'external-check preserve-env' is not supported by hawser")
			}
			c.g.ExternalCheck = true
			return nil
		}},
	{Name: "strict-limits", Sections: SecGlobal, Help: "refuse to start (or reload) when the open file limit is below what maxconn needs (two sockets per proxied connection)", Negatable: true, Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.g.StrictLimits = !c.no
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "stats bind-process", Sections: SecGlobal, Args: "<process-set>", Help: "obsolete since HAProxy 2.5 removed nbproc: accepted with a warning and ignored (hawser is one process)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.warnf("'stats bind-process' is obsolete (one process) and ignored")
			return nil
		}},
	{Name: "nbproc", Sections: SecGlobal, Args: "1", Help: "number of processes; only 1 is supported (use nbthread)", Supported: true, Parse: parseNbproc},
	{Name: "nosplice", Sections: SecGlobal, Help: "do not splice(2) bodies between sockets: hawser otherwise moves a body of known length with 64 KiB or more still to come between plain TCP connections through a kernel pipe, in both directions, without HAProxy's 'option splice-*'", Supported: true,
		Parse: globalFlag(func(g *Global) *bool { return &g.NoSplice })},
	{Name: "daemon", Sections: SecGlobal, Help: "run in the background", Supported: true,
		Parse: globalFlag(func(g *Global) *bool { return &g.Daemon })},
	{Name: "master-worker", Sections: SecGlobal, Args: "[no-exit-on-failure]", Help: "run as a master process that starts the worker, and on SIGUSR2 or SIGHUP starts the (new) binary as a new worker taking over the listening sockets, as -W; no-exit-on-failure is accepted and ignored", Supported: true,
		Parse: parseMasterWorker},
	{Name: "pidfile", Sections: SecGlobal, Args: "<file>", Help: "write the process id to this file", Supported: true,
		Parse: globalString(func(g *Global) *string { return &g.PidFile })},
	{Name: "user", Sections: SecGlobal, Args: "<user name>", Help: "switch to this user after binding", Supported: true,
		Parse: globalString(func(g *Global) *string { return &g.User })},
	{Name: "group", Sections: SecGlobal, Args: "<group name>", Help: "switch to this group after binding", Supported: true,
		Parse: globalString(func(g *Global) *string { return &g.Group })},
	{Name: "uid", Sections: SecGlobal, Args: "<number>", Help: "switch to this user id after binding", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.UID }, 0, math.MaxInt32)},
	{Name: "gid", Sections: SecGlobal, Args: "<number>", Help: "switch to this group id after binding", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.GID }, 0, math.MaxInt32)},
	{Name: "chroot", Sections: SecGlobal, Args: "<dir>", Help: "chroot to this directory after binding", Supported: true,
		Parse: globalString(func(g *Global) *string { return &g.Chroot })},
	{Name: "node", Sections: SecGlobal, Args: "<name>", Help: "node name shown in stats and logs", Supported: true,
		Parse: globalString(func(g *Global) *string { return &g.Node })},
	{Name: "description", Sections: SecGlobal, Args: "<text>", Help: "process description shown in stats", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("'description' expects a string argument")
			}
			c.g.Description = strings.Join(args, " ")
			return nil
		}},
	{Name: "server-state-file", Sections: SecGlobal, Args: "<file>", Help: "server state file (the output of \"show servers state\") that backends with \"load-server-state-from-file global\" read at start and at each reload; relative to server-state-base if set", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a file name"); err != nil {
				return err
			}
			c.g.ServerStateFile = args[0]
			return nil
		}},
	{Name: "server-state-base", Sections: SecGlobal, Args: "<directory>", Help: "directory that relative server-state-file and server-state-file-name paths are in", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a directory"); err != nil {
				return err
			}
			c.g.ServerStateBase = args[0]
			return nil
		}},
	{Name: "hard-stop-after", Sections: SecGlobal, Args: "<time>", Help: "longest time old generations may keep draining after a reload or soft stop", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a time argument"); err != nil {
				return err
			}
			d, err := parseTime(c.name, args[0])
			c.g.HardStopAfter = d
			return err
		}},
	{Name: "spread-checks", Sections: SecGlobal, Args: "<0..50, in percent>", Help: "randomly spread health check intervals by this much", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.SpreadChecks }, 0, 50)},
	{Name: "tune.bufsize", Sections: SecGlobal, Args: "<number>", Help: "buffer size in bytes (default 16384)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a size argument"); err != nil {
				return err
			}
			n, err := parseSize(c.name, args[0], 1<<30)
			if err == nil && n < 1024 {
				err = fmt.Errorf("'%s' must be at least 1024", c.name)
			}
			c.g.BufSize = n
			return err
		}},
	{Name: "tune.h2.max-concurrent-streams", Sections: SecGlobal, Args: "<number>", Help: "most streams at once on an HTTP/2 connection (default 100)", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.H2.MaxConcurrentStreams }, 1, 1<<31-1)},
	{Name: "tune.h2.fe.max-concurrent-streams", Sections: SecGlobal, Args: "<number>", Help: "most streams at once on an HTTP/2 client connection; overrides tune.h2.max-concurrent-streams", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.H2.FeMaxConcurrentStreams }, 1, 1<<31-1)},
	{Name: "tune.h2.initial-window-size", Sections: SecGlobal, Args: "<number>", Help: "HTTP/2 initial flow-control window of a stream, in bytes (default 65535)", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.H2.InitialWindowSize }, 65535, 1<<31-1)},
	{Name: "tune.h2.fe.initial-window-size", Sections: SecGlobal, Args: "<number>", Help: "HTTP/2 initial window of a client stream; overrides tune.h2.initial-window-size", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.H2.FeInitialWindowSize }, 65535, 1<<31-1)},
	{Name: "tune.h2.fe.glitches-threshold", Sections: SecGlobal, Args: "<number>", Help: "close an HTTP/2 client connection once it has committed this many glitches: protocol errors, streams reset before their response, frames for closed streams, empty or useless frames (0, the default, never closes; fc_glitches reports the count)", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.H2.FeGlitchesThreshold }, 0, 1<<31-1)},
	{Name: "tune.maxrewrite", Sections: SecGlobal, Args: "<number>", Help: "buffer space reserved for header rewrites (default 8192, at most half of tune.bufsize)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a size argument"); err != nil {
				return err
			}
			n, err := parseSize(c.name, args[0], 1<<30)
			c.g.MaxRewrite = n
			return err
		}},
	{Name: "log", Sections: SecGlobal, Args: "<target> [len <length>] [format <format>] [sample <ranges>:<size>] <facility> [<level> [<minlevel>]]", Help: "send logs to this target", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			lt, err := parseLogTarget(c, args, false)
			if err == nil {
				c.g.Logs = append(c.g.Logs, lt)
			}
			return err
		}},
	{Name: "log-send-hostname", Sections: SecGlobal, Args: "[<name>]", Help: "add the host name (or <name>) to syslog headers", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 0, 1, "at most one argument"); err != nil {
				return err
			}
			h := ""
			if len(args) == 1 {
				h = args[0]
			}
			c.g.LogSendHostname = &h
			return nil
		}},
	{Name: "stats socket", Sections: SecGlobal, Args: "<address> [mode <octal>] [level user|operator|admin] [expose-fd listeners] [user <u>] [group <g>] ...", Help: "serve the runtime API on this socket", Supported: true,
		Parse: parseStatsSocket},
	{Name: "stats timeout", Sections: SecGlobal, Args: "<time>", Help: "idle timeout of runtime API connections (default 10s)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a time argument"); err != nil {
				return err
			}
			d, err := parseTime(c.name, args[0])
			c.g.StatsTimeout = d
			return err
		}},
	{Name: "stats maxconn", Sections: SecGlobal, Args: "<number>", Help: "maximum concurrent runtime API connections (default 10)", Supported: true,
		Parse: globalInt(func(g *Global) *int { return &g.StatsMaxConn }, 1, math.MaxInt32)},
	{Name: "setenv", Sections: SecGlobal, Args: "<name> <value>", Help: "set an environment variable", Supported: true, Parse: parseEnv},
	{Name: "presetenv", Sections: SecGlobal, Args: "<name> <value>", Help: "set an environment variable unless already set", Supported: true, Parse: parseEnv},
	{Name: "resetenv", Sections: SecGlobal, Args: "[<name> ...]", Help: "remove every environment variable except the ones named", Supported: true, Parse: parseEnv},
	{Name: "unsetenv", Sections: SecGlobal, Args: "<name> ...", Help: "remove environment variables", Supported: true, Parse: parseEnv},
	// Settings of features that are themselves rejected when used (TLS,
	// CPU pinning): accepting them keeps common global sections loadable,
	// and they cannot change behaviour until the feature exists.
	accepted("cpu-map", "<threads> <cpus>", "CPU pinning (accepted; ignored: the Go scheduler places threads)"),
	accepted("ulimit-n", "<number>", "file descriptor limit (accepted; ignored: set it with the service manager)"),
	accepted("quiet", "", "do not print startup messages (accepted)"),
}

// accepted declares a global keyword hawser reads and ignores because it
// only tunes a feature that is rejected on its own when used.
func accepted(name, args, help string) *Keyword {
	return &Keyword{Name: name, Sections: SecGlobal, Args: args, Help: help, Supported: true,
		Parse: func(*lineCtx, []string) error { return nil }}
}

func globalInt(field func(*Global) *int, lo, hi int) func(*lineCtx, []string) error {
	return func(c *lineCtx, args []string) error {
		if err := arity(c.name, args, 1, 1, "an integer argument"); err != nil {
			return err
		}
		n, err := parseInt(c.name, args[0], lo, hi)
		*field(c.g) = n
		return err
	}
}

func globalString(field func(*Global) *string) func(*lineCtx, []string) error {
	return func(c *lineCtx, args []string) error {
		if err := arity(c.name, args, 1, 1, "one argument"); err != nil {
			return err
		}
		*field(c.g) = args[0]
		return nil
	}
}

func globalFlag(field func(*Global) *bool) func(*lineCtx, []string) error {
	return func(c *lineCtx, args []string) error {
		if err := arity(c.name, args, 0, 0, ""); err != nil {
			return err
		}
		*field(c.g) = true
		return nil
	}
}

func parseNbproc(c *lineCtx, args []string) error {
	if err := arity(c.name, args, 1, 1, "an integer argument"); err != nil {
		return err
	}
	if args[0] != "1" {
		return fmt.Errorf("'nbproc %s' is not supported by hawser (only 1 process; use nbthread)", args[0])
	}
	return nil
}

func parseMasterWorker(c *lineCtx, args []string) error {
	if len(args) > 1 || len(args) == 1 && args[0] != "no-exit-on-failure" {
		return fmt.Errorf("'master-worker' only accepts 'no-exit-on-failure'")
	}
	c.g.MasterWorker = true
	return nil
}

func parseEnv(c *lineCtx, args []string) error {
	ev := EnvVar{Pos: c.pos, Op: c.name}
	switch c.name {
	case "setenv", "presetenv":
		if err := arity(c.name, args, 2, 2, "a name and a value"); err != nil {
			return err
		}
		ev.Name, ev.Value = args[0], args[1]
	case "unsetenv":
		if err := arity(c.name, args, 1, -1, "at least one variable name"); err != nil {
			return err
		}
		ev.Names = append([]string(nil), args...)
	case "resetenv":
		ev.Names = append([]string(nil), args...)
	}
	c.g.Env = append(c.g.Env, ev)
	return nil
}

// logFacilities are syslog facility names.
var logFacilities = map[string]bool{
	"kern": true, "user": true, "mail": true, "daemon": true, "auth": true, "syslog": true,
	"lpr": true, "news": true, "uucp": true, "cron": true, "auth2": true, "ftp": true,
	"ntp": true, "audit": true, "alert": true, "cron2": true, "local0": true, "local1": true,
	"local2": true, "local3": true, "local4": true, "local5": true, "local6": true, "local7": true,
}

// logLevels are syslog severities, most severe first.
var logLevels = map[string]bool{
	"emerg": true, "alert": true, "crit": true, "err": true, "warning": true,
	"notice": true, "info": true, "debug": true,
}

var logFormats = map[string]bool{
	"local": true, "rfc3164": true, "rfc5424": true, "priority": true, "short": true,
	"timed": true, "iso": true, "raw": true,
}

// parseLogTarget parses "log <target> [len N] [format F] <facility>
// [level [minlevel]]", or "log global" in a proxy.
func parseLogTarget(c *lineCtx, args []string, inProxy bool) (LogTarget, error) {
	lt := LogTarget{Pos: c.pos}
	if len(args) == 1 && args[0] == "global" && inProxy {
		lt.Global = true
		return lt, nil
	}
	if len(args) < 2 {
		return lt, fmt.Errorf("'log' expects either <address[:port]> followed by <facility>, or 'global'")
	}
	if err := checkLogAddress(args[0]); err != nil {
		return lt, fmt.Errorf("'log': %w", err)
	}
	lt.Address = args[0]
	rest := args[1:]
	for len(rest) >= 2 {
		switch rest[0] {
		case "len":
			n, err := parseInt("log len", rest[1], 80, 65535)
			if err != nil {
				return lt, err
			}
			lt.Len = n
		case "format":
			if !logFormats[rest[1]] {
				return lt, fmt.Errorf("'log': unknown log format '%s'", rest[1])
			}
			lt.Format = rest[1]
		case "sample":
			smp, err := parseLogSample(rest[1])
			if err != nil {
				return lt, fmt.Errorf("'log ... sample': %w", err)
			}
			lt.Sample = &smp
		case "profile":
			return lt, fmt.Errorf("'log ... %s' is not supported by hawser", rest[0])
		default:
			goto facility
		}
		rest = rest[2:]
	}
facility:
	if len(rest) == 0 || len(rest) > 3 {
		return lt, fmt.Errorf("'log' expects <facility> [<level> [<minlevel>]] after the address and options")
	}
	if !logFacilities[rest[0]] {
		return lt, fmt.Errorf("'log': unknown log facility '%s'", rest[0])
	}
	lt.Facility = rest[0]
	if len(rest) > 1 {
		if !logLevels[rest[1]] {
			return lt, fmt.Errorf("'log': unknown log level '%s'", rest[1])
		}
		lt.Level = rest[1]
	}
	if len(rest) > 2 {
		if !logLevels[rest[2]] {
			return lt, fmt.Errorf("'log': unknown log level '%s'", rest[2])
		}
		lt.MinLevel = rest[2]
	}
	return lt, nil
}

// parseLogSample parses "<ranges>:<size>", where ranges is a comma
// separated list of positions ("3") and inclusive ranges ("1-4"), each
// between 1 and size: of every size lines, those at these positions are
// sent (HAProxy's log sampling).
func parseLogSample(a string) (LogSample, error) {
	var smp LogSample
	list, size, ok := strings.Cut(a, ":")
	if !ok {
		return smp, fmt.Errorf("expects <ranges>:<size>, got '%s'", a)
	}
	n, err := strconv.Atoi(size)
	if err != nil || n < 1 {
		return smp, fmt.Errorf("invalid sample size '%s'", size)
	}
	smp.Size = n
	for _, r := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 1 || b < a {
			return smp, fmt.Errorf("invalid range '%s'", r)
		}
		if b > n {
			return smp, fmt.Errorf("range '%s' exceeds the sample size %d", r, n)
		}
		smp.Ranges = append(smp.Ranges, [2]int{a, b})
	}
	return smp, nil
}

// checkLogAddress validates a log target address.
func checkLogAddress(a string) error {
	switch {
	case a == "stdout" || a == "stderr" || strings.HasPrefix(a, "/"):
		return nil
	case strings.HasPrefix(a, "ring@") || strings.HasPrefix(a, "unix@"):
		if len(a) == 5 {
			return fmt.Errorf("missing name after '%s'", a)
		}
		return nil
	case strings.HasPrefix(a, "fd@"):
		// An inherited descriptor: fd@1 and fd@2 are stdout and stderr.
		if n, err := strconv.Atoi(a[len("fd@"):]); err != nil || n < 0 {
			return fmt.Errorf("invalid file descriptor in log target '%s'", a)
		}
		return nil
	case strings.HasPrefix(a, "uxst@"), strings.HasPrefix(a, "uxdg@"), strings.HasPrefix(a, "abns@"), strings.HasPrefix(a, "abnsz@"):
		if _, name, _ := strings.Cut(a, "@"); name == "" {
			return fmt.Errorf("missing socket name after '%s'", a)
		}
		return nil
	case strings.HasPrefix(a, "backend@"):
		return fmt.Errorf("log target '%s' is not supported by hawser", a)
	}
	for _, p := range []string{"ipv4@", "ipv6@", "udp@", "udp4@", "udp6@", "tcp@", "tcp4@", "tcp6@"} {
		a = strings.TrimPrefix(a, p)
	}
	host, port, err := hostPort(a)
	if err != nil {
		return err
	}
	if err := checkHost(host); err != nil {
		return err
	}
	if port != "" {
		_, err = parsePort(port)
	}
	return err
}
