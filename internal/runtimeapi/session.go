package runtimeapi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/engine"
)

// Limits of one request, as HAProxy's: a command line must fit in a
// buffer (bufsize, 16 kB) and a payload in 128 kB... we are more lenient
// on lines, which carry map keys.
const (
	maxLine    = 64 << 10
	maxPayload = 128 << 10
)

// Severity output modes of "set severity-output".
const (
	sevNone = iota
	sevNumber
	sevString
)

// syslog severities of answers: messages are info, errors err.
const (
	sevErr  = 3
	sevInfo = 6
)

var sevNames = [...]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// session is one client connection.
type session struct {
	srv      *Server
	conn     net.Conn
	r        *bufio.Reader
	w        *bufio.Writer
	level    Level
	prompt   bool
	quit     bool
	severity int
	timeout  time.Duration
	// exposeFD is set on sockets with "expose-fd listeners": "_getsocks"
	// may pass the listening sockets to a new process.
	exposeFD bool
}

// ServeConn answers the runtime API on c at the given level until the
// client is done, then closes c.
func (s *Server) ServeConn(c net.Conn, level Level) { s.serveConn(c, level, false) }

func (s *Server) serveConn(c net.Conn, level Level, exposeFD bool) {
	defer c.Close()
	ss := &session{
		exposeFD: exposeFD,
		srv:      s,
		conn:     c,
		r:        bufio.NewReaderSize(c, 4096),
		w:        bufio.NewWriterSize(c, 16<<10),
		level:    level,
		timeout:  s.timeout(),
	}
	for !ss.quit {
		line, err := ss.readLine()
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				ss.answerErr(Errorf("Command line too long."))
				ss.w.Flush()
			}
			return
		}
		if err := ss.runLine(line); err != nil {
			return
		}
		if ss.prompt && !ss.quit {
			ss.w.WriteString("> ")
		}
		if err := ss.w.Flush(); err != nil {
			return
		}
		if !ss.prompt {
			return
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line without its "\n" (and a "\r" before it),
// waiting at most the session timeout.
func (ss *session) readLine() (string, error) {
	if ss.timeout > 0 {
		ss.conn.SetReadDeadline(time.Now().Add(ss.timeout))
	}
	var b []byte
	for {
		frag, err := ss.r.ReadSlice('\n')
		if len(b)+len(frag) > maxLine {
			return "", errLineTooLong
		}
		b = append(b, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(b) > 0 {
				break
			}
			return "", err
		}
		break
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// runLine runs every command of one input line. An error means the
// connection is unusable.
func (ss *session) runLine(line string) error {
	cmds := splitCommands(line)
	payload := ""
	if n := len(cmds); n > 0 {
		last := cmds[n-1]
		if len(last) > 0 && last[len(last)-1] == "<<" {
			cmds[n-1] = last[:len(last)-1]
			p, err := ss.readPayload()
			if err != nil {
				return err
			}
			payload = p
		}
	}
	for i, args := range cmds {
		if len(args) == 0 {
			continue
		}
		p := ""
		if i == len(cmds)-1 {
			p = payload
		}
		ss.run(args, p)
		if ss.quit {
			return nil
		}
	}
	if len(cmds) == 0 && ss.prompt {
		// An empty line in prompt mode just shows the prompt again.
		return nil
	}
	return nil
}

// readPayload reads the lines after a "<<" up to an empty line.
func (ss *session) readPayload() (string, error) {
	var b strings.Builder
	for {
		l, err := ss.readLine()
		if err != nil {
			if err == io.EOF {
				return b.String(), nil
			}
			return "", err
		}
		if l == "" {
			return b.String(), nil
		}
		if b.Len()+len(l)+1 > maxPayload {
			return "", errLineTooLong
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
}

// run runs one command and writes its answer.
func (ss *session) run(args []string, payload string) {
	c := lookup(args)
	switch {
	case c == nil:
		ss.w.WriteString(unknownCommand(args, ss.level))
		ss.w.WriteString("\n")
		return
	case c.Level > ss.level:
		ss.answerErr(ErrPermission)
		ss.w.WriteString("\n")
		return
	}
	ctx := &Context{Engine: ss.srv.Engine, Server: ss.srv, Level: ss.level, W: ss.w, sess: ss}
	out, err := ss.call(c, ctx, args[len(c.Words):], payload)
	if err != nil {
		ss.answerErr(err)
	} else if out != "" {
		ss.answer(sevInfo, out)
	}
	var bare bareError
	if ss.quit || (c.Words[0] == "prompt" && len(c.Words) == 1) || errors.As(err, &bare) {
		return
	}
	ss.w.WriteString("\n")
}

// call runs a handler, turning a panic into an error answer.
func (ss *session) call(c *Command, ctx *Context, args []string, payload string) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			ss.srv.log().Error("runtime API command panicked", "command", strings.Join(c.Words, " "), "panic", r, "stack", string(debug.Stack()))
			out, err = "", Errorf("Internal error.")
		}
	}()
	return c.Handler(ctx, args, payload)
}

func (ss *session) answerErr(err error) { ss.answer(sevErr, err.Error()) }

// answer writes a message with the severity prefix the session asked for.
func (ss *session) answer(sev int, msg string) {
	switch ss.severity {
	case sevNumber:
		fmt.Fprintf(ss.w, "[%d]: ", sev)
	case sevString:
		fmt.Fprintf(ss.w, "[%s]: ", sevNames[sev])
	}
	ss.w.WriteString(msg)
	if !strings.HasSuffix(msg, "\n") {
		ss.w.WriteByte('\n')
	}
}

// splitCommands splits an input line into commands (on ';') and each
// command into words (on spaces and tabs). A backslash escapes the next
// character, which loses any special meaning; the backslash is dropped.
func splitCommands(line string) [][]string {
	var (
		cmds  [][]string
		words []string
		w     strings.Builder
		inW   bool
	)
	endWord := func() {
		if inW {
			words = append(words, w.String())
			w.Reset()
			inW = false
		}
	}
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == '\\' && i+1 < len(line):
			i++
			w.WriteByte(line[i])
			inW = true
		case ch == ';':
			endWord()
			cmds = append(cmds, words)
			words = nil
		case ch == ' ' || ch == '\t':
			endWord()
		default:
			w.WriteByte(ch)
			inW = true
		}
	}
	endWord()
	if len(words) > 0 || len(cmds) > 0 {
		cmds = append(cmds, words)
	}
	return cmds
}

// Server serves the runtime API on its sockets.
type Server struct {
	Engine *engine.Engine
	Log    *slog.Logger
	// Started is when the process started (show info's Uptime).
	Started time.Time

	// timeoutNs is "stats timeout": how long a client may stay silent;
	// 0 is HAProxy's default, 10s.
	timeoutNs atomic.Int64
	mu        sync.Mutex // guards sockets; serialises Apply
	sockets   map[string]*socket
}

// New returns a server for eng.
func New(eng *engine.Engine, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{Engine: eng, Log: log.With("component", "runtimeapi"), Started: time.Now()}
}

func (s *Server) timeout() time.Duration {
	if d := time.Duration(s.timeoutNs.Load()); d > 0 {
		return d
	}
	return 10 * time.Second
}

func (s *Server) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Serve accepts connections on ln and serves each at level, at most
// maxconn at once (0: HAProxy's default of 10); further clients wait in
// the listen backlog. It returns when ln is closed.
func (s *Server) Serve(ln net.Listener, level Level, maxconn int) error {
	if maxconn <= 0 {
		maxconn = 10
	}
	sem := make(chan struct{}, maxconn)
	for {
		sem <- struct{}{}
		c, err := ln.Accept()
		if err != nil {
			<-sem
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		go func() {
			defer func() { <-sem }()
			s.ServeConn(c, level)
		}()
	}
}
