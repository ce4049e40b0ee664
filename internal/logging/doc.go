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
//     syslog, unix datagram sockets, TCP syslog with octet counting, rings)
//     with HAProxy's syslog header formats (local, rfc3164, rfc5424,
//     priority, short, timed, iso, raw), level filtering and "len"
//     truncation, from one goroutine fed by a bounded queue so that logging
//     never blocks the data plane; what does not fit is dropped and counted
//     (DroppedLogs).
//
// Rings (ring.go) are the "ring" sections: fixed-size buffers of lines with
// a reader API and TCP forwarders. Relays (forward.go) are the
// "log-forward" sections: UDP and TCP syslog listeners whose messages are
// parsed (ParseMessage, RFC 3164 and 5424) and re-emitted through a Logger
// in each target's format.
//
// Sample expressions (%[...]) are compiled with acl.CompileExpr and
// evaluated by Format.AppendSample. Log backends ("backend@") are not
// implemented; they are reported as "not supported by hawser" errors
// rather than ignored.
package logging
