-- summary.lua prints one machine-readable line when wrk finishes, so
-- bench/run.sh does not have to parse wrk's human-oriented output.
-- Only done() is defined: wrk then keeps its fast C path for requests
-- and responses, so the script costs nothing per request.
--
-- Line format (tab separated, latencies in microseconds):
--   HAWSER_BENCH requests duration_us bytes non2xx3xx sock_errors p50 p90 p99 p999 max
function done(summary, latency, requests)
  local e = summary.errors
  local sock = e.connect + e.read + e.write + e.timeout
  io.write(string.format("HAWSER_BENCH\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n",
    summary.requests, summary.duration, summary.bytes, e.status, sock,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
