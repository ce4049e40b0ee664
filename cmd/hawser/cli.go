package main

import (
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/runtimeapi"
)

const cliUsage = `Usage: hawser cli -S <socket> [command ...]
  -S <socket>   runtime API socket: a unix socket path, unix@<path>,
                ipv4@<host:port> or <host:port>
  command       one line of commands, ';'-separated (e.g. 'show stat');
                without one, an interactive session reads commands from stdin
Examples:
  hawser cli -S /run/hawser.sock show info
  hawser cli -S ipv4@127.0.0.1:9999 'set server app/s1 state drain'
  hawser cli -S /run/hawser.sock
`

// runCLI is "hawser cli": a runtime API client, so that users need no
// socat.
func runCLI(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sock := ""
	var cmd []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-S" && i+1 < len(args):
			i++
			sock = args[i]
		case a == "-h" || a == "--help":
			fmt.Fprint(stdout, cliUsage)
			return 0
		default:
			cmd = append(cmd, args[i:]...)
			i = len(args)
		}
	}
	if sock == "" {
		fmt.Fprint(stderr, cliUsage)
		return 1
	}
	network, address := runtimeapi.SocketNetwork(sock)
	c, err := net.DialTimeout(network, address, 5*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] cannot connect to %s: %v\n", sock, err)
		return 1
	}
	defer c.Close()
	if len(cmd) > 0 {
		if _, err := io.WriteString(c, strings.Join(cmd, " ")+"\n"); err != nil {
			fmt.Fprintf(stderr, "[ALERT] %v\n", err)
			return 1
		}
		if _, err := io.Copy(stdout, c); err != nil {
			fmt.Fprintf(stderr, "[ALERT] %v\n", err)
			return 1
		}
		return 0
	}
	// Interactive: prompt mode, stdin forwarded line by line; the end of
	// stdin quits.
	if _, err := io.WriteString(c, "prompt\n"); err != nil {
		fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		return 1
	}
	go func() {
		io.Copy(c, stdin)
		io.WriteString(c, "\nquit\n")
	}()
	io.Copy(stdout, c)
	fmt.Fprintln(stdout)
	return 0
}
