// Package stats is the one source of truth for hawser's statistics: the
// counters the data path updates, the rows of HAProxy's "show stat", and
// their renderings (CSV, Prometheus). The Runtime API, the stats page and
// the Prometheus exporter all read the same rows, so they never disagree.
//
// # Counters
//
// Counters holds the counters of one frontend, backend or server as
// atomics: the data path updates them with one call per event
// (OpenSession, AddRequest, AddStatus, AddTimes, or an Add on a field)
// without a lock or an allocation. Frontend and backend counters live in
// a Registry keyed by name, server counters in server.State; both outlive
// configuration generations, so a reload keeps them.
//
// # Rows
//
// A Row is one line of "show stat": its Type (frontend, backend, server,
// or listener with "option socket-stats") and its cells, indexed by the Col constants FPxName, FSvName,
// FQCur... in HAProxy's column order (ColNames has the CSV names). A cell
// is a Value: empty, an integer or a string, as HAProxy leaves some cells
// empty for some row types. engine.Engine.Stats collects the rows of the
// running configuration, in HAProxy's order (per proxy: FRONTEND, the
// servers, BACKEND); engine.Engine.Info the process-wide figures.
//
//	rows := eng.Stats()
//	stats.WriteCSV(w, rows) // "show stat", the stats page's ;csv
//	for _, r := range rows {
//		fmt.Println(r.Proxy(), r.Name(), r.Get(stats.FSCur).N(), r.Get(stats.FStatus))
//	}
//
// AppendJSON gives the same rows in the shape of "show stat json".
//
// # Prometheus
//
// WritePrometheus renders Info and the rows in the text exposition format
// with the metric names, types, help texts and labels of HAProxy's
// exporter (promex): haproxy_process_*, haproxy_frontend_*,
// haproxy_listener_*, haproxy_backend_*, haproxy_server_*.
// ParsePromQuery reads its scope= and no-maint options. l7 serves it for
// "http-request use-service prometheus-exporter".
//
// # Rates and averages
//
// Rates (rate, req_rate, conn_rate and their maxima) are HAProxy's
// per-second freq_ctr, and the average times (qtime, ctime, rtime, ttime)
// its swrate sliding average; both live in package freq, shared with the
// stick tables.
package stats
