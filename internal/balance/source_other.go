//go:build !linux

package balance

import "errors"

func setTransparent(fd int, v6 bool) error {
	return errors.New("usesrc needs IP_TRANSPARENT, which only Linux has")
}
