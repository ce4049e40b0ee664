package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"

	"github.com/hawser-lb/hawser/internal/config"
)

// daemonEnv marks the re-executed child of a daemonizing hawser.
const daemonEnv = "HAWSER_DAEMONIZED"

// daemonize starts hawser again in the background, detached from the
// terminal in a new session, and returns once it runs, as HAProxy's -D
// does. Go cannot fork a running runtime, so the child is a fresh exec of
// the same binary with the same arguments.
func daemonize(o *options, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] cannot daemonize: %v\n", err)
		return 1
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] cannot daemonize: %v\n", err)
		return 1
	}
	defer devnull.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "[ALERT] cannot daemonize: %v\n", err)
		return 1
	}
	if o.pidfile != "" {
		os.WriteFile(o.pidfile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
	}
	cmd.Process.Release()
	return 0
}

// dropPrivileges applies chroot, group and user from the global section,
// after the listening sockets are open (as HAProxy does).
func dropPrivileges(g config.Global) error {
	if g.Chroot != "" {
		if err := syscall.Chroot(g.Chroot); err != nil {
			return fmt.Errorf("cannot chroot to %s: %w", g.Chroot, err)
		}
		if err := os.Chdir("/"); err != nil {
			return err
		}
	}
	if g.Group != "" {
		gid, err := lookupGroup(g.Group)
		if err != nil {
			return err
		}
		if err := syscall.Setgroups([]int{gid}); err != nil {
			return fmt.Errorf("cannot set groups: %w", err)
		}
		if err := syscall.Setgid(gid); err != nil {
			return fmt.Errorf("cannot set gid %d: %w", gid, err)
		}
	}
	if g.User != "" {
		uid, err := lookupUser(g.User)
		if err != nil {
			return err
		}
		if err := syscall.Setuid(uid); err != nil {
			return fmt.Errorf("cannot set uid %d: %w", uid, err)
		}
	}
	return nil
}

func lookupUser(name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil {
		return n, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, fmt.Errorf("unknown user %q", name)
	}
	return strconv.Atoi(u.Uid)
}

func lookupGroup(name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil {
		return n, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("unknown group %q", name)
	}
	return strconv.Atoi(g.Gid)
}
