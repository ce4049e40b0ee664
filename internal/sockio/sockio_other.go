//go:build !linux

package sockio

import "net"

// Wrap returns c: the raw calls are only implemented for Linux.
func Wrap(c net.Conn) net.Conn { return c }
