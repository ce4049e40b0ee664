//go:build linux

package l7

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// parker watches parked connections with an epoll set of its own, beside
// the Go runtime's (a file may be in several epoll sets; while a
// connection is parked no goroutine reads it, so the runtime's edge-
// triggered registration sees no competition). One goroutine per handler
// waits in EpollWait, also for the earliest keep-alive deadline.
type parker struct {
	h   *Handler
	set parkSet
	ep  int // epoll descriptor
	ev  int // eventfd that wakes the poller: a new earliest deadline, or close
	// stop is set by close.
	stop atomic.Bool
	done chan struct{}
}

// parker returns the handler's parker, started on first use; nil when
// epoll is unavailable.
func (h *Handler) parker() *parker {
	h.parkOnce.Do(func() {
		ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			logParkError(h.log, err)
			return
		}
		ev, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
		if err != nil {
			unix.Close(ep)
			logParkError(h.log, err)
			return
		}
		// Id 0 is the eventfd; parked connections count from 1.
		if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, ev, &unix.EpollEvent{Events: unix.EPOLLIN}); err != nil {
			unix.Close(ep)
			unix.Close(ev)
			logParkError(h.log, err)
			return
		}
		pk := &parker{h: h, ep: ep, ev: ev, done: make(chan struct{})}
		pk.set.init()
		go pk.run()
		h.park0 = pk
	})
	return h.park0
}

// add parks p: its socket joins the epoll set, its deadline the heap.
func (pk *parker) add(p *parkedConn) {
	pk.set.mu.Lock()
	earliest := pk.set.add(p)
	var err error
	cerr := p.rc.Control(func(fd uintptr) {
		err = unix.EpollCtl(pk.ep, unix.EPOLL_CTL_ADD, int(fd), &unix.EpollEvent{
			Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT,
			Fd:     int32(uint32(p.id)),
			Pad:    int32(uint32(p.id >> 32)),
		})
	})
	// The engine may have woken the session before it was in the set,
	// where Unpark could not find it.
	if err != nil || cerr != nil || p.sess.Woken() || pk.stop.Load() {
		pk.set.remove(p)
		pk.set.mu.Unlock()
		pk.resume(p)
		return
	}
	pk.set.mu.Unlock()
	if earliest {
		pk.signal()
	}
}

// resume takes p out of the epoll set and serves it on a new goroutine.
// p is already out of the parkSet.
func (pk *parker) resume(p *parkedConn) {
	p.rc.Control(func(fd uintptr) {
		unix.EpollCtl(pk.ep, unix.EPOLL_CTL_DEL, int(fd), nil)
	})
	go pk.h.resumeConn(p)
}

func (pk *parker) signal() {
	one := [8]byte{1}
	unix.Write(pk.ev, one[:])
}

// close stops the poller and resumes every parked connection, which then
// sees its closed socket or the stopping engine.
func (pk *parker) close() {
	pk.stop.Store(true)
	pk.signal()
	<-pk.done
	pk.set.mu.Lock()
	var all []*parkedConn
	for _, p := range pk.set.byID {
		all = append(all, p)
	}
	for _, p := range all {
		pk.set.remove(p)
	}
	pk.set.mu.Unlock()
	for _, p := range all {
		pk.resume(p)
	}
	unix.Close(pk.ep)
	unix.Close(pk.ev)
}

func (pk *parker) run() {
	defer close(pk.done)
	events := make([]unix.EpollEvent, 128)
	var ready []*parkedConn
	wait := -1
	var buf [8]byte
	for !pk.stop.Load() {
		n, err := unix.EpollWait(pk.ep, events, wait)
		if err != nil && err != unix.EINTR {
			logParkError(pk.h.log, err)
			return
		}
		ready = ready[:0]
		pk.set.mu.Lock()
		for _, e := range events[:max(n, 0)] {
			id := uint64(uint32(e.Fd)) | uint64(uint32(e.Pad))<<32
			if id == 0 {
				unix.Read(pk.ev, buf[:])
				continue
			}
			if p := pk.set.byID[id]; p != nil {
				pk.set.remove(p)
				ready = append(ready, p)
			}
		}
		var next time.Duration
		ready, next = pk.set.expired(time.Now(), ready)
		pk.set.mu.Unlock()
		wait = -1
		if next >= 0 {
			wait = int((next + time.Millisecond - 1) / time.Millisecond)
		}
		for i, p := range ready {
			pk.resume(p)
			ready[i] = nil
		}
	}
}
