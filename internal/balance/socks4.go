package balance

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"
)

// Socks4Connect asks the SOCKS4 proxy at the other end of c to connect
// to target ("socks4 <addr>:<port>" on a server line): a CONNECT request
// with an empty user id, then the 8-byte reply, which must grant it
// (code 90). SOCKS4 carries IPv4 destinations only.
func Socks4Connect(c net.Conn, target string, timeout time.Duration) error {
	ap, err := netip.ParseAddrPort(target)
	if err != nil || !ap.Addr().Unmap().Is4() {
		return fmt.Errorf("socks4: destination %q is not an IPv4 address and port", target)
	}
	ip := ap.Addr().Unmap().As4()
	req := []byte{4, 1, byte(ap.Port() >> 8), byte(ap.Port()), ip[0], ip[1], ip[2], ip[3], 0}
	c.SetDeadline(time.Now().Add(timeout))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(req); err != nil {
		return fmt.Errorf("socks4: %w", err)
	}
	var resp [8]byte
	if _, err := io.ReadFull(c, resp[:]); err != nil {
		return fmt.Errorf("socks4: reading the reply: %w", err)
	}
	if resp[0] != 0 || resp[1] != 90 {
		return errors.New("socks4: the proxy refused the connection")
	}
	return nil
}
