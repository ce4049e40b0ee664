//go:build !linux

package peerclose

// Supported is false: POLLRDHUP is Linux's; elsewhere nothing is watched.
const Supported = false

// Gone always reports false.
func Gone(fd uintptr) bool { return false }
