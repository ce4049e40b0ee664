//go:build !linux

package l7

// pollSupported is false: "option abortonclose" needs POLLRDHUP, which is
// Linux's; elsewhere requests carry on as without the option.
const pollSupported = false

func clientGone(fd uintptr) bool { return false }
