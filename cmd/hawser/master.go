package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/listener"
)

// Master-worker mode (-W, -Ws or "master-worker" in global): the master
// process serves nothing itself. It runs one worker, a child hawser that
// serves the configuration, and on SIGUSR2 or SIGHUP starts the
// executable again — the new binary if it was replaced on disk — as a new
// worker that takes over the old worker's listening sockets, then tells
// the old one to finish (-sf). The master's pid never changes, which is
// what service managers want.
//
// Each worker gets a private unix socket pair with the master (its
// "channel"). On it the worker answers "_getsocks" with its listening
// sockets; the master hands them to the next worker as inherited file
// descriptors. No stats socket with expose-fd is needed.

// Environment of a worker.
const (
	// workerEnv marks a worker: it never becomes a master itself.
	workerEnv = "HAWSER_WORKER"
	// channelEnv is the descriptor of the worker's end of its channel.
	channelEnv = "HAWSER_CHANNEL_FD"
	// socketsEnv lists the keys of the sockets passed to a new worker,
	// one a line; their descriptors follow the channel's.
	socketsEnv = "HAWSER_SOCKETS"
)

// worker is one child process, as the master sees it.
type worker struct {
	cmd     *exec.Cmd
	channel *net.UnixConn // the master's end
	exited  bool
}

// workerExit is a worker that ended, and how.
type workerExit struct {
	w    *worker
	code int
}

// isWorker reports whether this process was started by a master.
func isWorker() bool { return os.Getenv(workerEnv) != "" }

// workerArgs are the master's arguments a worker gets: the same minus
// master-only ones (-W, -Ws, -D, -p). The first worker keeps -x, -sf and
// -st (the master may itself replace a running hawser); later ones get
// -sf <previous worker> instead.
func workerArgs(args []string, first bool) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-W", "-Ws", "-D":
		case "-p":
			i++
		case "-x":
			if first {
				out = append(out, a)
				if i+1 < len(args) {
					out = append(out, args[i+1])
				}
			}
			i++
		case "-sf", "-st":
			if first {
				out = append(out, a)
			}
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				if first {
					out = append(out, args[i])
				}
			}
		default:
			out = append(out, a)
		}
	}
	return out
}

// runMaster runs the master until its workers are gone.
func runMaster(o *options, args []string, snap *config.Snapshot, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel(o)})).With("component", "master")
	// The executable as started, not /proc/self/exe: after a package
	// upgrade replaced the file, the path names the new binary.
	exe, err := exec.LookPath(os.Args[0])
	if err == nil {
		exe, err = filepath.Abs(exe)
	}
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] master-worker: cannot find the executable: %v\n", err)
		return 1
	}
	sigs := make(chan os.Signal, 4)
	signalNotify(sigs)
	exits := make(chan workerExit, 4)
	alive := map[*worker]bool{}
	cur, err := startWorker(exe, workerArgs(args, true), nil, exits)
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] master-worker: cannot start a worker: %v\n", err)
		return 1
	}
	alive[cur] = true
	log.Info("worker started", "pid", cur.cmd.Process.Pid)
	pidfile := o.pidfile
	if pidfile == "" {
		pidfile = snap.Global.PidFile
	}
	if pidfile != "" {
		if err := os.WriteFile(pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			fmt.Fprintf(stderr, "[ALERT] cannot write pidfile: %v\n", err)
		}
		defer os.Remove(pidfile)
	}
	stopping := false
	for {
		select {
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP, syscall.SIGUSR2:
				if stopping {
					continue
				}
				nw, err := upgradeWorker(exe, args, cur, exits)
				if err != nil {
					log.Error("reload rejected, the worker keeps running", "pid", cur.cmd.Process.Pid, "err", err)
					continue
				}
				alive[nw] = true
				log.Info("new worker started", "pid", nw.cmd.Process.Pid, "old", cur.cmd.Process.Pid)
				cur = nw
			case syscall.SIGUSR1:
				stopping = true
				signalAll(alive, syscall.SIGUSR1)
			default:
				stopping = true
				signalAll(alive, syscall.SIGTERM)
			}
		case ex := <-exits:
			ex.w.exited = true
			ex.w.channel.Close()
			delete(alive, ex.w)
			log.Info("worker exited", "pid", ex.w.cmd.Process.Pid, "code", ex.code)
			if ex.w == cur && !stopping {
				// The new worker failed (bad configuration, a socket it
				// could not bind): the one it was to replace serves on.
				var prev *worker
				for w := range alive {
					if prev == nil || w.cmd.Process.Pid > prev.cmd.Process.Pid {
						prev = w
					}
				}
				if prev == nil {
					log.Error("no worker left, exiting")
					return ex.code
				}
				log.Warn("reload rejected: the new worker failed, the previous one keeps serving", "pid", prev.cmd.Process.Pid)
				cur = prev
			}
			if stopping && len(alive) == 0 {
				return ex.code
			}
		}
	}
}

// upgradeWorker starts a worker that takes cur's listening sockets and
// tells cur to finish once it serves.
func upgradeWorker(exe string, args []string, cur *worker, exits chan<- workerExit) (*worker, error) {
	if cur.exited {
		return nil, fmt.Errorf("worker %d is gone", cur.cmd.Process.Pid)
	}
	if _, err := cur.channel.Write([]byte("_getsocks\n")); err != nil {
		return nil, err
	}
	keys, files, err := listener.ReceiveFiles(cur.channel)
	if err != nil {
		return nil, fmt.Errorf("getting the worker's sockets: %w", err)
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	wargs := append(workerArgs(args, false), "-sf", strconv.Itoa(cur.cmd.Process.Pid))
	return startWorker(exe, wargs, &passed{keys: keys, files: files}, exits)
}

// passed are listening sockets handed to a new worker.
type passed struct {
	keys  []string
	files []*os.File
}

func startWorker(exe string, args []string, socks *passed, exits chan<- workerExit) (*worker, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "channel"), os.NewFile(uintptr(fds[1]), "channel")
	defer theirs.Close()
	c, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// A worker must not daemonize or become a master itself.
	cmd.Env = append(os.Environ(), workerEnv+"=1", daemonEnv+"=1", channelEnv+"=3")
	cmd.ExtraFiles = []*os.File{theirs}
	if socks != nil {
		cmd.Env = append(cmd.Env, socketsEnv+"="+strings.Join(socks.keys, "\n"))
		cmd.ExtraFiles = append(cmd.ExtraFiles, socks.files...)
	}
	// Workers do not outlive a master killed without a chance to stop
	// them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		c.Close()
		return nil, err
	}
	w := &worker{cmd: cmd, channel: c.(*net.UnixConn)}
	go func() {
		cmd.Wait()
		exits <- workerExit{w: w, code: cmd.ProcessState.ExitCode()}
	}()
	return w, nil
}

func signalAll(ws map[*worker]bool, sig syscall.Signal) {
	for w := range ws {
		w.cmd.Process.Signal(sig)
	}
}

// workerSockets returns the listening sockets a master passed to this
// worker, nil when it passed none.
func workerSockets() (map[string]net.Listener, error) {
	v, ok := os.LookupEnv(socketsEnv)
	os.Unsetenv(socketsEnv)
	if !ok || v == "" {
		return nil, nil
	}
	keys := strings.Split(v, "\n")
	files := make([]*os.File, len(keys))
	for i, k := range keys {
		// fd 3 is the channel; the sockets follow it.
		files[i] = os.NewFile(uintptr(4+i), k)
	}
	return listener.Listeners(keys, files)
}

// serveChannel answers the master on this worker's channel, if it has
// one: "_getsocks" passes the listening sockets to the next worker.
func serveChannel(eng *engine.Engine, log *slog.Logger) {
	v := os.Getenv(channelEnv)
	os.Unsetenv(channelEnv)
	fd, err := strconv.Atoi(v)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "channel")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		log.Error("cannot use the master's channel", "err", err)
		return
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return
	}
	go func() {
		defer uc.Close()
		r := bufio.NewReader(uc)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.TrimSpace(line) != "_getsocks" {
				continue
			}
			keys, files, err := eng.ListenerFiles()
			if err != nil {
				fmt.Fprintf(uc, "%v\n", err)
				return
			}
			err = listener.SendFiles(uc, keys, files)
			for _, f := range files {
				f.Close()
			}
			if err != nil {
				return
			}
		}
	}()
}
