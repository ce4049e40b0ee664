package config

// unsupportedKeywords are keywords HAProxy knows that hawser does not
// implement yet. Using one is an error that names it, never a silent no-op.
// The lists follow HAProxy's keyword matrix (configuration.txt 4.1) and
// global section reference (3.x).
var unsupportedKeywords = buildUnsupported()

func buildUnsupported() []*Keyword {
	var kws []*Keyword
	add := func(secs SectionSet, names ...string) {
		for _, n := range names {
			kws = append(kws, &Keyword{Name: n, Sections: secs})
		}
	}
	add(SecGlobal,
		"51degrees-data-file", "busy-polling", "close-spread-time", "cluster-secret", "default-path",
		"deviceatlas-json-file", "expose-experimental-directives", "fd-hard-limit",
		"grace", "h1-accept-payload-with-any-method", "h1-case-adjust", "h1-case-adjust-file",
		"h2-workaround-bogus-websocket-clients", "httpclient.resolvers.id", "httpclient.ssl.verify",
		"insecure-fork-wanted", "insecure-setuid-wanted", "issuers-chain-path", "localpeer",
		"lua-load", "lua-load-per-thread", "lua-prepend-path", "maxcompcpuusage",
		"maxcomprate", "maxconnrate", "maxpipes", "maxsessrate", "maxsslconn", "maxsslrate",
		"maxzlibmem", "mworker-max-reloads", "noepoll", "noevports", "nogetaddrinfo", "nokqueue",
		"nopoll", "noreuseport", "numa-cpu-mapping", "ocsp-update.mode", "profiling.tasks",
		"set-dumpable", "set-var", "ssl-engine",
		"ssl-load-extra-files", "ssl-mode-async", "ssl-skip-self-issued-ca",
		"thread-group", "thread-groups", "trace", "wurfl-data-file",
		"zero-warning", "debug", "cpu-policy", "cpu-set", "prealloc-fd", "limited-quic",
		"tune.h2.be.max-concurrent-streams", "tune.h2.be.glitches-threshold",
		"tune.h2.header-table-size", "tune.h2.max-frame-size", "tune.h2.be.initial-window-size",
		"tune.h2.fe.max-total-streams", "tune.h2.zero-copy-fwd-send", "tune.http.maxhdr", "tune.http.cookielen", "tune.http.logurilen",
		"tune.idletimer", "tune.lua.maxmem", "tune.lua.session-timeout", "tune.maxaccept", "tune.maxpollevents",
		"tune.pipesize", "tune.rcvbuf.client", "tune.rcvbuf.server", "tune.sndbuf.client", "tune.sndbuf.server",
		"tune.ssl.maxrecord", "tune.ssl.capture-buffer-size",
		"tune.zlib.memlevel", "tune.zlib.windowsize", "tune.comp.maxlevel", "tune.recv_enough", "tune.runqueue-depth",
		"tune.ssl.force-private-cache", "tune.ssl.ssl-ctx-cache-size", "tune.vars.txn-max-size", "tune.vars.sess-max-size",
		"tune.vars.global-max-size", "tune.vars.proc-max-size", "tune.vars.reqres-max-size", "tune.listener.multi-queue",
		"tune.fd.edge-triggered", "tune.sched.low-latency", "tune.pattern.cache-size", "tune.maxrewrite-bufsize",
	)
	add(secRules, "http-error",
		"filter", "use-fcgi-app",
		"dispatch", "http-send-name-header")
	add(secProxies, "compression", "email-alert", "persist", "rate-limit",
		"log-steps", "max-keep-alive-queue",
		"hash-balance-factor", "hash-preserve-affinity", "balance-factor",
		"guid", "grace")
	add(secProxies, "stats show-modules")
	add(secProxies,
		"option http-use-proxy-header", "option http-pretend-keepalive", "option http-no-delay",
		"option http-ignore-probes", "option accept-invalid-http-request", "option accept-invalid-http-response",
		"option accept-unsafe-violations-in-http-request", "option accept-unsafe-violations-in-http-response",
		"option checkcache", "option contstats",
		"option forwarded", "option originalto", "option independent-streams",
		"option nolinger",
		"option splice-auto", "option splice-request",
		"option splice-response", "option tcp-smart-accept", "option tcp-smart-connect", "option transparent",
		"option http_proxy", "option http-restrict-req-hdr-names", "option disable-h2-upgrade",
		"option h1-case-adjust-bogus-client", "option h1-case-adjust-bogus-server", "option idle-close-on-response",
		"option http-drop-request-trailers", "option http-drop-response-trailers", "option redispatch-on-error")
	return kws
}
