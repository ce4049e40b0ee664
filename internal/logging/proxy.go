package logging

import "github.com/hawser-lb/hawser/internal/config"

// ForProxy compiles the traffic log format of a proxy (frontend or
// listen): its "log-format" if set, else the format of "option httplog
// clf", "option httplog" or "option tcplog". "option httplog" or "option httpslog" on a TCP
// proxy falls back to the TCP format, as HAProxy does. It returns nil when
// none is set: HAProxy's legacy "Connect from" format is not implemented.
func ForProxy(p *config.Proxy) (*Format, error) {
	switch {
	case p.LogFormat != "":
		return ParseFormat(p.LogFormat)
	case (p.HTTPLog || p.HTTPLogCLF || p.HTTPSLog) && p.Mode != config.ModeHTTP:
		return tcpLog, nil
	case p.HTTPLogCLF:
		return httpLogCLF, nil
	case p.HTTPSLog:
		return httpsLog, nil
	case p.HTTPLog:
		return httpLog, nil
	case p.TCPLog:
		return tcpLog, nil
	}
	return nil, nil
}

// The built-in formats, compiled once and shared: a Format is immutable.
var (
	httpLog    = MustParseFormat(HTTPLogFormat)
	httpLogCLF = MustParseFormat(HTTPLogCLFFormat)
	httpsLog   = MustParseFormat(HTTPSLogFormat)
	tcpLog     = MustParseFormat(TCPLogFormat)
)
