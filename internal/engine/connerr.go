package engine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/logging"
)

// ConnErr serves fc_err, fc_err_str and ssl_fc_err_str (acl.ConnErrSample).
func (s *Session) ConnErr() (code int, tlsErr string) { return s.connErr, s.tlsErr }

func (m sessSample) ConnErr() (int, string) { return m.s.ConnErr() }

// classifyHandshake maps a failed TLS handshake to HAProxy's connection
// error number (fc_err).
func classifyHandshake(err error) int {
	var ne net.Error
	var cve *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return acl.ConnErrSSLTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return acl.ConnErrSSLEmpty
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return acl.ConnErrSSLAbort
	case errors.As(err, &ua):
		return acl.ConnErrSSLCAFail
	case errors.As(err, &cve):
		return acl.ConnErrSSLCrtFail
	}
	return acl.ConnErrSSLHandshake
}

// logConnError logs a connection that failed before any stream (a TLS
// handshake error), as HAProxy does when the frontend logs: with its
// error-log-format, else HAProxy's default line
// "<ip>:<port> [<accept date>] <frontend>/<bind>: <error text>".
// The level is info, err with "option log-separate-errors"; "option
// dontlognull" hides connections closed without a byte of handshake.
func (e *Engine) logConnError(s *Session) {
	fe := s.Frontend
	if fe.Log == nil || fe.Cfg.DontLogNull && s.connErr == acl.ConnErrSSLEmpty {
		return
	}
	var line []byte
	if fe.ErrorLogFormat != nil {
		en := logging.Entry{
			ClientAddr: s.Src, FrontendAddr: s.Dst, Accept: s.Accept,
			Frontend: fe.Cfg.Name, Backend: fe.Cfg.Name, Server: logging.NoServer,
			FrontendTLS: true, Status: -1, TermState: [2]byte{'C', 'R'},
			TR: -1, Tw: -1, Tc: -1, Tr: -1, Th: -1, Ti: -1,
			Ta: time.Since(s.Accept), Tt: time.Since(s.Accept),
			LogCounter: logging.NextLogCounter(),
		}
		line = fe.ErrorLogFormat.AppendSample(nil, &en, sessSample{s})
	} else {
		line = s.Src.Addr().AppendTo(line)
		line = append(line, ':')
		line = appendUint(line, uint64(s.Src.Port()))
		line = append(line, " ["...)
		line = logging.AppendDate(line, s.Accept)
		line = append(line, "] "...)
		line = append(line, fe.Cfg.Name...)
		line = append(line, '/')
		name := s.SocketName()
		if name == "" {
			name = "-"
		}
		line = append(line, name...)
		line = append(line, ": "...)
		line = append(line, acl.ConnErrText(s.connErr)...)
	}
	level := logging.LevelInfo
	if fe.Cfg.LogSeparateErrors {
		level = logging.LevelErr
	}
	fe.Log.Log(level, line)
}

func appendUint(b []byte, v uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}
