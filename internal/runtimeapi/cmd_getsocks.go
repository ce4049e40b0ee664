package runtimeapi

import (
	"net"

	"github.com/hawser-lb/hawser/internal/listener"
)

func init() {
	// Hidden from help, as in HAProxy: only a new hawser process started
	// with "-x <socket>" sends it.
	Register(&Command{Words: []string{"_getsocks"}, Level: LevelAdmin, Handler: getSocks})
}

// getSocks passes the listening sockets to a new hawser process over the
// unix socket (SCM_RIGHTS), so that it serves on the very same sockets and
// no connection waiting in their queues is refused during an upgrade.
// Only a socket declared with "expose-fd listeners" may do so.
func getSocks(ctx *Context, _ []string, _ string) (string, error) {
	if !ctx.sess.exposeFD {
		return "", Errorf("Permission denied: this stats socket does not have \"expose-fd listeners\".")
	}
	uc, ok := ctx.sess.conn.(*net.UnixConn)
	if !ok {
		return "", Errorf("Permission denied: sockets can only be passed over a unix socket.")
	}
	keys, files, err := ctx.Engine.ListenerFiles()
	if err != nil {
		return "", Errorf("Cannot pass the listening sockets: %v.", err)
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if err := ctx.W.Flush(); err != nil {
		return "", err
	}
	// The answer is binary: nothing may follow it. A failed send leaves
	// the new process with an error of its own; there is no one to tell.
	ctx.sess.quit = true
	listener.SendFiles(uc, keys, files)
	return "", nil
}
