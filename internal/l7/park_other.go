//go:build !linux

package l7

// parker is only implemented on Linux; elsewhere connections wait with
// their goroutine.
type parker struct{ set parkSet }

func (h *Handler) parker() *parker      { return nil }
func (pk *parker) add(p *parkedConn)    {}
func (pk *parker) resume(p *parkedConn) {}
func (pk *parker) close()               {}
