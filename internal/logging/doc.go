// Package logging is hawser's HAProxy-compatible traffic and event logging.
//
// It has two halves that meet at a []byte line:
//
//   - the log-format engine (ParseFormat, Format.Append) turns an Entry —
//     what the data plane knows about one TCP session or HTTP request — into
//     a line, following HAProxy's "Custom log format" rules (configuration.txt
//     section 8.2.6), including the built-in "option httplog", "option
//     httplog clf", "option tcplog" and "option tcplog clf" formats;
//   - the Logger sends lines to the "log" targets (stdout, stderr, fd@N, UDP
//     syslog, unix datagram sockets) with HAProxy's syslog header formats
//     (local, rfc3164, rfc5424, priority, short, timed, iso, raw), level
//     filtering and "len" truncation, from one goroutine fed by a bounded
//     queue so that logging never blocks the data plane.
//
// Sample expressions (%[...]) are compiled with acl.CompileExpr and
// evaluated by Format.AppendSample. TCP syslog, rings and log backends are
// not implemented yet; they are reported as "not supported by hawser"
// errors rather than ignored.
package logging
