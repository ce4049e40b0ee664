// Package maps holds HAProxy map files and pattern files: the entries read
// from a file, shared by every reference to the same path through a
// Registry, and the indexes that find the entry matching a sample for one
// match kind (str, beg, sub, dir, dom, end, reg, ip, int).
//
// Data structures, chosen so that 100k-entry files stay fast:
//   - str: a Go hash map from key to entry (first entry in file order wins);
//   - beg: a hash map per distinct key length, probed from the longest
//     length down, which gives HAProxy's longest-prefix answer in as many
//     probes as there are distinct key lengths;
//   - ip: a path-compressed binary radix tree per address family,
//     longest-prefix match in at most one node visit per stored prefix
//     length;
//   - int: a hash map when every key is a single integer, else a scan of
//     the ranges in file order;
//   - sub, dir, dom, end, reg: a scan in file order, as HAProxy does, since
//     no index answers "first entry contained in the sample" in general.
//
// Runtime edits (the Runtime API's "add map", "set map", "del map",
// "clear map") go through Map's Add, Set, Del and Clear methods; the
// atomic replacement ("prepare map", "add map @<ver>", "commit map")
// through Prepare, AddVersion and Commit, which stage a version invisible
// to lookups and publish it in one step (runtime.go).
//
// Lookups take no lock (they run on the request path): a Map publishes an
// immutable state through an atomic pointer and writers, serialised by a
// mutex, publish a new one (read-copy-update). An "add map" does not copy
// the big index: added entries go to a small tail index, searched after
// the base one and folded into it when it grows past about sqrt(2n)
// entries. Deletions and commits rebuild the indexes, off the request
// path.
package maps
