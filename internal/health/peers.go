package health

import (
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

// SnapshotPeers is a PeersFunc over the servers of snap's backends, with
// their live state from reg. A server without a state yet counts as its
// config says (up unless "disabled").
func SnapshotPeers(snap *config.Snapshot, reg *server.Registry) PeersFunc {
	return func(backend string) []Peer {
		b := snap.Backend(backend)
		if b == nil {
			return nil
		}
		peers := make([]Peer, 0, len(b.Servers))
		for _, srv := range b.Servers {
			st, _ := reg.Lookup(backend, srv.Name)
			peers = append(peers, Peer{State: st, Server: srv})
		}
		return peers
	}
}
