package health

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"time"
)

// External check statuses (HAProxy's PROCOK, PROCERR, PROCTOUT).
const (
	StatusProcOK   = "PROCOK"
	StatusProcErr  = "PROCERR"
	StatusProcTout = "PROCTOUT"
)

func init() {
	descriptions[StatusProcOK] = "External check passed"
	descriptions[StatusProcErr] = "External check error"
	descriptions[StatusProcTout] = "External check timeout"
}

// External is "option external-check": the check runs Command.
type External struct {
	Command, Path string
	// ProxyName and ProxyID name the backend; ProxyAddr and ProxyPort
	// are its first listener's ("NOT_USED" for a backend alone).
	ProxyName, ProxyID, ProxyAddr, ProxyPort string
}

// runExternal runs the command with HAProxy's arguments and environment;
// exit status 0 passes. It is killed after "timeout check", or "inter".
func (k *Checker) runExternal(ctx context.Context, c *Check) result {
	x := c.External
	timeout := c.CheckTimeout
	if timeout <= 0 {
		timeout = c.Server.Inter
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, port, err := net.SplitHostPort(c.target())
	if err != nil {
		host, port = c.target(), ""
	}
	// The command is looked up in the configured PATH, not hawser's.
	prog, err := lookPath(x.Command, x.Path)
	if err != nil {
		return result{status: StatusProcErr, desc: x.Command + ": command not found"}
	}
	cmd := exec.CommandContext(ctx, prog, x.ProxyAddr, x.ProxyPort, host, port)
	cmd.Args[0] = x.Command
	cur := int64(0)
	if c.State != nil {
		cur = c.State.Cur()
	}
	cmd.Env = []string{
		"PATH=" + x.Path,
		"HAPROXY_PROXY_ADDR=" + x.ProxyAddr, "HAPROXY_PROXY_ID=" + x.ProxyID,
		"HAPROXY_PROXY_NAME=" + x.ProxyName, "HAPROXY_PROXY_PORT=" + x.ProxyPort,
		"HAPROXY_SERVER_ADDR=" + host, "HAPROXY_SERVER_PORT=" + port,
		"HAPROXY_SERVER_NAME=" + c.Server.Name, "HAPROXY_SERVER_ID=" + strconv.Itoa(c.Server.ID),
		"HAPROXY_SERVER_MAXCONN=" + strconv.Itoa(c.Server.MaxConn),
		"HAPROXY_SERVER_CURCONN=" + strconv.FormatInt(cur, 10),
	}
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return result{status: StatusProcOK}
	case ctx.Err() == context.DeadlineExceeded:
		return result{status: StatusProcTout}
	case errors.As(err, &ee):
		return result{status: StatusProcErr, desc: "exit status " + strconv.Itoa(ee.ExitCode())}
	}
	return result{status: StatusProcErr, desc: err.Error()}
}
