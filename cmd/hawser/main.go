// Command hawser is a load balancer and reverse proxy that runs HAProxy
// configurations.
//
//	hawser -f FILE [-f FILE2 ...]   run (a directory means its *.cfg files)
//	hawser -c -f FILE               check the configuration and exit
//	hawser -v                       print the version
//	hawser -f FILE --api ADDR       also serve the Data Plane API
//	hawser -f FILE -x SOCK -sf PID  binary upgrade: take the running
//	                                hawser's sockets, then let it finish
//	hawser -W -f FILE               master-worker (master.go)
//
// SIGHUP or SIGUSR2 reload the configuration live, SIGUSR1 stops softly
// (in-flight requests finish), SIGTERM and SIGINT stop at once.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/dataplane"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/l4"
	"github.com/hawser-lb/hawser/internal/l7"
	"github.com/hawser-lb/hawser/internal/listener"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/runtimeapi"
	"github.com/hawser-lb/hawser/internal/stats"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// options are the parsed command line.
type options struct {
	files   []string
	check   bool
	version bool
	pidfile string
	daemon  bool
	quiet   bool
	debug   bool

	// Data Plane API (--api and friends).
	api         string
	apiUserlist string
	apiCert     string
	apiKey      string
	sslCertsDir string
	// oldSocket is -x: the runtime API socket of the process being
	// replaced, which passes its listening sockets.
	oldSocket string
	// finish (-sf) and terminate (-st) are the pids of the processes
	// being replaced: once this one serves, they get SIGUSR1 (finish
	// what is in flight, then exit) or SIGTERM (exit now).
	finish, terminate []int
	// master is -W / -Ws: run as the master of a worker process.
	master bool
}

const usage = `Usage: hawser -f <cfgfile|cfgdir> [-f ...] [options]
  -f <file|dir>  configuration file, or directory of *.cfg files (repeatable)
  -c             check the configuration and exit
  -v             print the version and exit
  -p <file>      write the process id to this file
  -D             run in the background (daemon)
  -q             quiet: no informational messages
  -d             debug: verbose operational log
  --api <addr>   also serve the Data Plane API on addr (host:port)
  --api-userlist <name>  userlist of the API's users (default controller)
  --api-cert <file> --api-key <file>  serve the API over TLS
  --ssl-certs-dir <dir>  where the API stores certificates (default: ssl/ next to the config)
  -x <socket>    take the listening sockets of the running hawser from its
                 stats socket (needs "expose-fd listeners") instead of binding
  -sf <pid>...   once serving, tell these processes to finish and exit (SIGUSR1)
  -st <pid>...   once serving, tell these processes to exit now (SIGTERM)
  -W, -Ws        master-worker: a master process runs the worker and, on
                 SIGUSR2 or SIGHUP, starts the (new) binary as a new worker
                 that takes over the listening sockets
       hawser cli -S <socket> [command]   runtime API client (hawser cli -h)
`

// parseArgs parses HAProxy-style flags by hand: HAProxy's command line
// (single dash, repeatable -f, lists after -sf) does not fit package flag.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("option %s needs an argument", a)
			}
			i++
			return args[i], nil
		}
		var err error
		switch a {
		case "-f":
			var f string
			if f, err = next(); err == nil {
				o.files = append(o.files, f)
			}
		case "-c":
			o.check = true
		case "-v", "-vv", "--version":
			o.version = true
		case "-p":
			o.pidfile, err = next()
		case "-D":
			o.daemon = true
		case "-q":
			o.quiet = true
		case "-d":
			o.debug = true
		case "--api":
			o.api, err = next()
		case "--api-userlist":
			o.apiUserlist, err = next()
		case "--api-cert":
			o.apiCert, err = next()
		case "--api-key":
			o.apiKey, err = next()
		case "--ssl-certs-dir":
			o.sslCertsDir, err = next()
		case "-x":
			o.oldSocket, err = next()
		case "-sf", "-st":
			// The pids are the arguments that follow, up to the next
			// option, as HAProxy reads them.
			var pids []int
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				pid, perr := strconv.Atoi(args[i])
				if perr != nil || pid <= 0 {
					return nil, fmt.Errorf("option %s: bad pid %q", a, args[i])
				}
				pids = append(pids, pid)
			}
			if a == "-sf" {
				o.finish = append(o.finish, pids...)
			} else {
				o.terminate = append(o.terminate, pids...)
			}
		case "-W", "-Ws":
			// Master-worker mode (master.go). -Ws's systemd
			// notification is not sent: use Type=simple or forking.
			o.master = true
		case "-h", "--help":
			return nil, errUsage
		default:
			if strings.HasPrefix(a, "-f") && len(a) > 2 {
				o.files = append(o.files, a[2:])
				continue
			}
			return nil, fmt.Errorf("unknown option %q", a)
		}
		if err != nil {
			return nil, err
		}
	}
	if !o.version && len(o.files) == 0 {
		return nil, errors.New("no configuration file given (-f)")
	}
	return o, nil
}

var errUsage = errors.New("usage")

func main() {
	stats.Version = version
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "cli" {
		return runCLI(args[1:], os.Stdin, stdout, stderr)
	}
	o, err := parseArgs(args)
	if err != nil {
		if err != errUsage {
			fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		}
		fmt.Fprint(stderr, usage)
		return 1
	}
	if o.version {
		fmt.Fprintf(stdout, "hawser version %s (%s)\n", version, runtime.Version())
		return 0
	}
	snap, err := load(o.files, stderr)
	if err != nil {
		return 1
	}
	if o.check {
		// Compile as a start would, so that -c refuses what a start
		// refuses (bad log-format strings, unknown tables...).
		if err := engine.Check(snap); err != nil {
			printAlerts(stderr, err)
			fmt.Fprintln(stderr, "[ALERT] Fatal errors found in configuration.")
			return 1
		}
		fmt.Fprintln(stdout, "Configuration file is valid")
		return 0
	}
	if o.daemon || snap.Global.Daemon {
		if os.Getenv(daemonEnv) == "" {
			return daemonize(o, stderr)
		}
	}
	if (o.master || snap.Global.MasterWorker) && !isWorker() {
		return runMaster(o, args, snap, stderr)
	}
	return serve(o, snap, stderr)
}

// logLevel is the operational log level -q and -d ask for.
func logLevel(o *options) slog.Level {
	switch {
	case o.debug:
		return slog.LevelDebug
	case o.quiet:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// signalNotify catches the signals hawser acts on.
func signalNotify(c chan<- os.Signal) {
	signal.Notify(c, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT)
}

// load reads and validates the configuration, printing each problem as
// "[ALERT] FILE:LINE : message" and each warning as "[WARNING] ...".
func load(files []string, stderr io.Writer) (*config.Snapshot, error) {
	snap, err := config.LoadFiles(files)
	printWarnings(snap, stderr)
	if err != nil {
		printAlerts(stderr, err)
		fmt.Fprintln(stderr, "[ALERT] Fatal errors found in configuration.")
		return nil, err
	}
	return snap, nil
}

// printAlerts prints a configuration error, one "[ALERT] FILE:LINE :
// message" line per problem when it carries a list of them.
func printAlerts(stderr io.Writer, err error) {
	var list config.ErrorList
	if !errors.As(err, &list) {
		fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		return
	}
	for _, e := range list {
		fmt.Fprintf(stderr, "[ALERT] %s\n", e.Error())
	}
}

func serve(o *options, snap *config.Snapshot, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel(o)}))
	if n := snap.Global.NbThread; n > 0 {
		runtime.GOMAXPROCS(n)
	}
	applyEnv(snap.Global.Env)
	alerts := newAlerter(stderr, snap)
	httpH := l7.NewHandler(log.With("component", "l7"))
	httpH.Version = version
	defer httpH.Close()
	eng := engine.New(engine.Options{
		HTTP:   httpH,
		TCP:    l4.NewHandler(),
		Log:    log.With("component", "engine"),
		Notify: alerts.notify,
		// Nothing is served before the privileges are dropped.
		HoldAccept: true,
	})
	// Signals are caught before the sockets open: a signal sent as soon as
	// hawser accepts connections waits in the channel instead of killing
	// the process with the default action.
	sigs := make(chan os.Signal, 4)
	signalNotify(sigs)
	inherited, err := workerSockets()
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] cannot use the listening sockets passed by the master: %v\n", err)
		return 1
	}
	if inherited != nil {
		log.Info("listening sockets received from the master", "count", len(inherited))
		eng.InheritListeners(inherited)
	} else if o.oldSocket != "" {
		ls, err := listener.Fetch(o.oldSocket, 10*time.Second)
		if err != nil {
			fmt.Fprintf(stderr, "[ALERT] -x %s: cannot get the listening sockets of the running process: %v\n", o.oldSocket, err)
			return 1
		}
		log.Info("listening sockets received from the running process", "socket", o.oldSocket, "count", len(ls))
		eng.InheritListeners(ls)
	}
	if err := eng.Apply(snap); err != nil {
		printAlerts(stderr, err)
		return 1
	}
	// The runtime API sockets open with the data listeners, before
	// privileges are dropped, and outlive reloads as they do.
	rapi := runtimeapi.New(eng, log)
	defer rapi.Close()
	if err := rapi.Apply(snap); err != nil {
		printAlerts(stderr, err)
		eng.Close()
		return 1
	}
	// Global "log ring@" targets need the engine's rings.
	alerts.rings = eng.Rings()
	alerts.setSnapshot(snap)
	rl := &reloader{eng: eng, rapi: rapi, alerts: alerts, log: log}
	if o.api != "" {
		// The API listens before privileges are dropped, like the data
		// listeners.
		api, err := dataplane.New(dataplane.Options{
			Addr:     o.api,
			Userlist: o.apiUserlist,
			CertFile: o.apiCert,
			KeyFile:  o.apiKey,
			CertsDir: o.sslCertsDir,
			Files:    o.files,
			Snapshot: snap,
			Apply:    rl.apply,
			Engine:   eng,
			Runtime:  rapi.Exec,
			Version:  version,
			Log:      log.With("component", "dataplane"),
		})
		if err != nil {
			fmt.Fprintf(stderr, "[ALERT] %v\n", err)
			eng.Close()
			return 1
		}
		defer api.Close()
		rl.api = api
		go func() {
			if err := api.Serve(); err != nil {
				log.Error("data plane API stopped", "err", err)
			}
		}()
	}
	if err := dropPrivileges(snap.Global); err != nil {
		fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		eng.Close()
		return 1
	}
	eng.Serve()
	pidfile := o.pidfile
	if pidfile == "" {
		pidfile = snap.Global.PidFile
	}
	if pidfile != "" && !isWorker() { // a master writes its own pid
		if err := os.WriteFile(pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			fmt.Fprintf(stderr, "[ALERT] cannot write pidfile: %v\n", err)
		}
		defer os.Remove(pidfile)
	}
	serveChannel(eng, log)
	signalOld(o, log)

	for sig := range sigs {
		switch sig {
		case syscall.SIGHUP, syscall.SIGUSR2:
			rl.reloadFiles(o.files, stderr)
		case syscall.SIGUSR1:
			log.Info("soft stop: finishing connections in flight")
			// The runtime API and the Data Plane API stop with the
			// listeners, as HAProxy's stats socket does: after an
			// upgrade, their sockets shared with SO_REUSEPORT must reach
			// the new process only (an API write to a process on its way
			// out would be lost).
			rapi.Close()
			if rl.api != nil {
				rl.api.Close()
			}
			ctx := context.Background()
			// The running configuration's hard-stop-after, which a
			// reload may have changed.
			if d := eng.Active().Snap.Global.HardStopAfter; d > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			if eng.SoftStop(ctx) != nil {
				log.Warn("hard-stop-after reached, closing the remaining connections")
			}
			closeNow(eng, log)
			return 0
		default:
			closeNow(eng, log)
			return 0
		}
	}
	return 0
}

// closeNow closes every connection (SIGTERM, -st from a new process,
// hard-stop-after) and returns once their handlers are done, or after
// hardStopGrace: a handler waiting for a server only notices its client
// connection was closed at its next read.
func closeNow(eng *engine.Engine, log *slog.Logger) {
	done := make(chan struct{})
	go func() { eng.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(hardStopGrace):
		log.Warn("exiting with requests still waiting for servers")
	}
}

// reloader runs a new configuration: the engine, the runtime API sockets
// and the global log targets. A SIGHUP and a Data Plane API commit both go
// through apply, one at a time.
type reloader struct {
	mu     sync.Mutex // serialises apply
	eng    *engine.Engine
	rapi   *runtimeapi.Server
	alerts *alerter
	api    *dataplane.Server // nil without --api
	log    *slog.Logger
}

// apply makes snap the running configuration. On an error the previous
// one keeps running.
func (r *reloader) apply(snap *config.Snapshot) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.eng.Apply(snap); err != nil {
		return err
	}
	if err := r.rapi.Apply(snap); err != nil {
		r.log.Error("runtime API socket not opened", "err", err)
	}
	r.alerts.setSnapshot(snap)
	return nil
}

// reloadFiles re-reads the configuration files and applies them (SIGHUP).
func (r *reloader) reloadFiles(files []string, stderr io.Writer) {
	snap, err := load(files, stderr)
	if err != nil {
		r.log.Error("reload rejected, previous configuration keeps running", "err", err)
		return
	}
	if err := r.apply(snap); err != nil {
		printAlerts(stderr, err)
		r.log.Error("reload rejected, previous configuration keeps running", "err", err)
		return
	}
	// Outside r.mu: an API commit holds the API's lock while it calls
	// apply, and Reloaded takes that lock.
	if r.api != nil {
		r.api.Reloaded(snap)
	}
	r.log.Info("configuration reloaded")
}

// hardStopGrace bounds how long SIGTERM waits for the handlers of the
// connections it closed to return.
const hardStopGrace = time.Second

// signalOld tells the processes this one replaces (-sf, -st) to stop, now
// that it serves.
func signalOld(o *options, log *slog.Logger) {
	send := func(pids []int, sig syscall.Signal) {
		for _, pid := range pids {
			if pid == os.Getpid() {
				continue
			}
			if err := syscall.Kill(pid, sig); err != nil {
				log.Warn("cannot signal the old process", "pid", pid, "signal", sig.String(), "err", err)
			}
		}
	}
	send(o.finish, syscall.SIGUSR1)
	send(o.terminate, syscall.SIGTERM)
}

// alerter prints health-check transitions as HAProxy does on stderr and
// sends them to the global log targets.
type alerter struct {
	w     io.Writer
	log   atomic.Pointer[logging.Logger]
	rings *logging.Rings
}

func newAlerter(w io.Writer, snap *config.Snapshot) *alerter {
	a := &alerter{w: w}
	a.setSnapshot(snap)
	return a
}

func (a *alerter) setSnapshot(snap *config.Snapshot) {
	if len(snap.Global.Logs) == 0 {
		return
	}
	lg, err := logging.NewLogger(snap.Global.Logs, engine.LogTag(&snap.Global, ""), engine.LogOptions(&snap.Global, a.rings)...)
	if err != nil {
		return
	}
	if old := a.log.Swap(lg); old != nil {
		old.Close()
	}
}

func (a *alerter) notify(msg string, up bool) {
	level, sev := "WARNING", 4
	if !up {
		level, sev = "ALERT", 1
	}
	fmt.Fprintf(a.w, "[%s]  (%d) : %s\n", level, os.Getpid(), msg)
	if lg := a.log.Load(); lg != nil {
		lg.Log(sev, []byte(msg))
	}
}

func printWarnings(snap *config.Snapshot, w io.Writer) {
	if snap == nil {
		return
	}
	for _, warn := range snap.Warnings {
		fmt.Fprintf(w, "[WARNING] %s\n", warn.Error())
	}
}

// applyEnv applies setenv, presetenv, resetenv and unsetenv to the
// process environment, as HAProxy does at startup.
func applyEnv(env []config.EnvVar) {
	for _, v := range env {
		switch v.Op {
		case "setenv":
			os.Setenv(v.Name, v.Value)
		case "presetenv":
			if _, ok := os.LookupEnv(v.Name); !ok {
				os.Setenv(v.Name, v.Value)
			}
		case "unsetenv":
			for _, n := range v.Names {
				os.Unsetenv(n)
			}
		case "resetenv":
			keep := make(map[string]bool, len(v.Names))
			for _, n := range v.Names {
				keep[n] = true
			}
			for _, kv := range os.Environ() {
				name, _, _ := strings.Cut(kv, "=")
				if !keep[name] {
					os.Unsetenv(name)
				}
			}
		}
	}
}
