package balance

import (
	"fmt"

	"github.com/hawser-lb/hawser/internal/config"
)

// algorithm declares one "balance" keyword: how to build its picker from
// the configuration, and whether it hashes (and so may use the ring).
type algorithm struct {
	name   string
	hashed bool
	help   string
	build  func(cfg config.Balance) (picker, error)
}

// algorithms is the table of "balance" algorithms hawser implements.
var algorithms = []algorithm{
	{name: "roundrobin", help: "weighted round robin, smooth interleaving",
		build: func(config.Balance) (picker, error) { return roundRobin{}, nil }},
	{name: "static-rr", help: "weighted round robin over a static map",
		build: func(config.Balance) (picker, error) { return roundRobin{}, nil }},
	{name: "leastconn", help: "fewest connections per weight, ties in turn",
		build: func(config.Balance) (picker, error) { return leastConn{}, nil }},
	{name: "first", help: "lowest id with a free slot",
		build: func(config.Balance) (picker, error) { return first{}, nil }},
	{name: "random", help: "least loaded of <draws> weighted random picks",
		build: newRandom},
	{name: "source", hashed: true, help: "hash of the client address",
		build: func(cfg config.Balance) (picker, error) { return newHashed(cfg, sourceKey) }},
	{name: "uri", hashed: true, help: "hash of the URI (len, depth, whole, path-only)",
		build: func(cfg config.Balance) (picker, error) { return newHashed(cfg, uriKey) }},
	{name: "url_param", hashed: true, help: "hash of a query parameter, else round robin",
		build: newURLParam},
	{name: "hdr", hashed: true, help: "hash of a request header, else round robin",
		build: newHdr},
}

// Algorithms lists the names of the supported "balance" algorithms, for the
// config checker and the docs.
func Algorithms() []string {
	names := make([]string, len(algorithms))
	for i, a := range algorithms {
		names[i] = a.name
	}
	return names
}

// newPicker returns the picker for cfg and whether it needs the
// consistent-hash ring. An empty algorithm is HAProxy's default, random.
func newPicker(cfg config.Balance) (picker, bool, error) {
	name := cfg.Algorithm
	if name == "" {
		name = "random"
	}
	for _, a := range algorithms {
		if a.name != name {
			continue
		}
		pk, err := a.build(cfg)
		if err != nil {
			return nil, false, fmt.Errorf("balance %s: %w", name, err)
		}
		ring := a.hashed && cfg.HashType == "consistent"
		return pk, ring, nil
	}
	return nil, false, fmt.Errorf("unknown balance algorithm %q", name)
}
