package balance

import "github.com/hawser-lb/hawser/internal/acl"

// first is "balance first": the server with the lowest id that has a free
// slot below its maxconn takes the request, so that the smallest number of
// servers is used. Weights only matter in that weight 0 excludes a server.
type first struct{}

var _ picker = first{}

func (first) deterministic() bool { return false }

func (first) pick(_ *Pool, t *table, _ acl.Sample, avoid *Server) *Server {
	for _, sv := range t.servers { // by ID
		if sv != avoid && sv.eligible() && sv.hasRoom() {
			return sv
		}
	}
	return nil
}
