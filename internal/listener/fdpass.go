package listener

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Passing listening sockets to a new process (HAProxy's "-x" with
// "stats socket ... expose-fd listeners"). The old process answers the
// runtime API command "_getsocks" with SendFiles; the new one reads the
// answer with Fetch. The wire format is hawser's own:
//
//	"HWFD" count:uint32 textlen:uint32 text
//	then one message per batch of at most fdBatch sockets: one byte 'F'
//	carrying the descriptors as SCM_RIGHTS
//
// where text is the sockets' keys (Spec.Key), one a line, in the order the
// descriptors follow. Anything else the old process writes instead is an
// error message.

const (
	fdMagic = "HWFD"
	// fdBatch stays under the kernel's limit of descriptors per message
	// (SCM_MAX_FD, 253).
	fdBatch = 200
)

// SendFiles writes the sockets to c as Fetch expects them.
func SendFiles(c *net.UnixConn, keys []string, files []*os.File) error {
	text := strings.Join(keys, "\n")
	hdr := make([]byte, 12, 12+len(text))
	copy(hdr, fdMagic)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(files)))
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(text)))
	if _, err := c.Write(append(hdr, text...)); err != nil {
		return err
	}
	for len(files) > 0 {
		n := min(len(files), fdBatch)
		fds := make([]int, n)
		for i, f := range files[:n] {
			fd, err := rawFD(f)
			if err != nil {
				return err
			}
			fds[i] = fd
		}
		if _, _, err := c.WriteMsgUnix([]byte{'F'}, unix.UnixRights(fds...), nil); err != nil {
			return err
		}
		files = files[n:]
	}
	return nil
}

// rawFD returns f's descriptor without f.Fd(), which would switch the
// open file description, shared with the listener still accepting on it,
// to blocking mode: the old process's accept would then block in the
// kernel and its Close could never end it. The caller keeps f open until
// the descriptor is sent.
func rawFD(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd int
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return 0, err
	}
	return fd, nil
}

// Fetch connects to a running hawser's runtime API socket at path, asks
// it for its listening sockets and returns them by key.
func Fetch(path string, timeout time.Duration) (map[string]net.Listener, error) {
	c, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil, errors.New("not a unix socket")
	}
	uc.SetDeadline(time.Now().Add(timeout))
	if _, err := uc.Write([]byte("_getsocks\n")); err != nil {
		return nil, err
	}
	keys, files, err := ReceiveFiles(uc)
	if err != nil {
		return nil, err
	}
	return Listeners(keys, files)
}

// ReceiveFiles reads an answer written by SendFiles: the sockets' keys and
// their descriptors, in the same order. The caller owns the files.
func ReceiveFiles(c *net.UnixConn) (keys []string, files []*os.File, err error) {
	hdr := make([]byte, 12)
	n, err := io.ReadFull(c, hdr)
	if err != nil || string(hdr[:4]) != fdMagic {
		// An error message from the runtime API.
		rest, _ := io.ReadAll(io.LimitReader(c, 4096))
		msg := strings.TrimSpace(string(append(hdr[:n], rest...)))
		if msg == "" {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, nil, fmt.Errorf("no answer: %w", err)
		}
		return nil, nil, errors.New(msg)
	}
	count := int(binary.BigEndian.Uint32(hdr[4:]))
	text := make([]byte, binary.BigEndian.Uint32(hdr[8:]))
	if _, err := io.ReadFull(c, text); err != nil {
		return nil, nil, err
	}
	if len(text) > 0 {
		keys = strings.Split(string(text), "\n")
	}
	if len(keys) != count {
		return nil, nil, fmt.Errorf("%d sockets announced, %d named", count, len(keys))
	}
	var fds []int
	closeAll := func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
	oob := make([]byte, unix.CmsgSpace(fdBatch*4))
	one := make([]byte, 1)
	for len(fds) < count {
		_, oobn, _, _, err := c.ReadMsgUnix(one, oob)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		got := 0
		for _, m := range msgs {
			rights, err := unix.ParseUnixRights(&m)
			if err != nil {
				continue
			}
			for _, fd := range rights {
				unix.CloseOnExec(fd)
			}
			fds = append(fds, rights...)
			got += len(rights)
		}
		if got == 0 || !bytes.Equal(one, []byte{'F'}) {
			closeAll()
			return nil, nil, errors.New("malformed socket batch")
		}
	}
	if len(fds) != count {
		closeAll()
		return nil, nil, fmt.Errorf("%d sockets announced, %d received", count, len(fds))
	}
	files = make([]*os.File, count)
	for i, fd := range fds {
		files[i] = os.NewFile(uintptr(fd), keys[i])
	}
	return keys, files, nil
}

// Listeners turns received files into listeners by key, closing the
// files.
func Listeners(keys []string, files []*os.File) (map[string]net.Listener, error) {
	ls := make(map[string]net.Listener, len(files))
	var first error
	for i, f := range files {
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			if first == nil {
				first = fmt.Errorf("socket %s: %w", keys[i], err)
			}
			continue
		}
		ls[keys[i]] = ln
	}
	if first != nil {
		for _, ln := range ls {
			ln.Close()
		}
		return nil, first
	}
	return ls, nil
}
