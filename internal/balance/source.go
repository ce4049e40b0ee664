package balance

import (
	"context"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
)

// DialFrom connects to addr from the local address that "source" and
// "usesrc" give for a client at client. A foreign address (the client's,
// or a usesrc address) is bound with IP_TRANSPARENT, which needs
// CAP_NET_ADMIN and routing that brings the replies back, as in HAProxy.
func DialFrom(src *config.Source, client netip.AddrPort, addr string, timeout time.Duration) (net.Conn, error) {
	local := src.Addr
	transparent := false
	switch src.UseSrc {
	case "client":
		local, transparent = netip.AddrPortFrom(client.Addr().Unmap(), client.Port()), true
	case "clientip":
		local, transparent = netip.AddrPortFrom(client.Addr().Unmap(), 0), true
	case "addr":
		local, transparent = src.UseAddr, true
	}
	d := net.Dialer{Timeout: timeout}
	if local.Addr().IsValid() && !local.Addr().IsUnspecified() || local.Port() != 0 {
		d.LocalAddr = net.TCPAddrFromAddrPort(local)
	}
	if transparent {
		d.Control = func(network, address string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = setTransparent(int(fd), local.Addr().Is6())
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	return d.DialContext(context.Background(), "tcp", addr)
}
