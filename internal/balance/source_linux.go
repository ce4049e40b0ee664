package balance

import "syscall"

// setTransparent lets a socket bind an address that is not local
// (IP_TRANSPARENT, IPV6_TRANSPARENT).
func setTransparent(fd int, v6 bool) error {
	if v6 {
		return syscall.SetsockoptInt(fd, syscall.SOL_IPV6, 75 /* IPV6_TRANSPARENT */, 1)
	}
	return syscall.SetsockoptInt(fd, syscall.SOL_IP, syscall.IP_TRANSPARENT, 1)
}
