// Package stick implements HAProxy stick tables: keyed entries with stored
// counters, tags and rates, expiry, and size-bound eviction
// (configuration.txt section 11.1, src/stick_table.c). It is independent
// of the data path; the config, rules and l4/l7 layers use it like this:
//
// Config: parse the words of a "stick-table" line with ParseDecl, which
// returns HAProxy's errors ("peers" and "write-to" are "not supported by
// hawser"). For tables that "stick on/match/store" rules reference, call
// Decl.Enable(ServerID) and Decl.Enable(ServerKey), as HAProxy enables
// them automatically. Then get the live table from a Registry kept across
// reloads: Registry.Get(proxyName, decl). A table keeps its entries over a
// reload unless its key type, size or stored data change. Registry.Retain
// drops tables no longer declared; Registry.Run sweeps expired entries.
//
// Data path: build a Key from the sample (IPKey, IntKey, StringKey,
// BinaryKey); the table converts it to its own type as HAProxy does.
//
//	e := t.Track(stick.IPKey(src)) // track-sc0 src: create/ref/refresh
//	if e != nil {
//		e.Record(stick.EventHTTPReq, 1) // http_req_cnt and http_req_rate
//		defer e.Release()              // when the session ends
//	}
//	rate, ok := e.Rate(stick.HTTPReqRate) // sc_http_req_rate(0)
//
// Session counters: on track, Record(EventConn, 1) and Inc(ConnCur, 1);
// at the end Dec(ConnCur) then Release. Rules: IncGPC0/IncGPC(i),
// ClearGPC0, SetAt(GPT, i, v). Persistence: Track then SetServerID and
// SetServerKey ("stick store"), Get then ServerID and Touch ("stick
// match"). Fetches that only read (src_* and table_* converters) use Get,
// which neither creates, refreshes nor references an entry.
//
// Runtime API: Registry.Tables and Table.Describe for "show table",
// Table.Dump and DumpFunc for "show table <name> [filter]", Table.ParseKey
// for "key <k>", Table.Delete and Clear for "clear table".
//
// Semantics follow HAProxy: rates are freq_ctr sliding windows
// (read_freq_ctr_period); an entry expires "expire" after it was last
// created, tracked or updated; while a session tracks it, it neither
// expires nor is evicted; when the table is full the least recently
// touched entry nobody tracks is purged, unless "nopurge" is set, and if
// no entry can be purged the new key is refused (Track returns nil). One
// difference: HAProxy purges a batch of old entries from one shard, hawser
// purges exactly the oldest entry of the table.
//
// Time comes from the clock given with WithClock (time.Now by default),
// so tests are deterministic.
package stick
