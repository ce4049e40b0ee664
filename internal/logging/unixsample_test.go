package logging

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/config"
)

// TestUnixSocketTargets sends a line to each kind of unix socket target
// and reads it back from a real socket of that kind.
func TestUnixSocketTargets(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "hwux")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	abstract := fmt.Sprintf("hawser-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	tests := []struct {
		name    string
		target  string
		network string
		listen  string // address the receiver binds
		want    string
	}{
		{name: "uxdg", target: "uxdg@" + filepath.Join(dir, "dg"), network: "unixgram", listen: filepath.Join(dir, "dg"), want: "<134>Nov  2 10:00:00 hawser[7]: hello\n"},
		{name: "abnsz", target: "abnsz@" + abstract + "z", network: "unixgram", listen: "@" + abstract + "z", want: "<134>Nov  2 10:00:00 hawser[7]: hello\n"},
		{name: "abns padded", target: "abns@" + abstract, network: "unixgram", listen: "@" + abnsPadded(abstract), want: "<134>Nov  2 10:00:00 hawser[7]: hello\n"},
		{name: "uxst octet counting", target: "uxst@" + filepath.Join(dir, "st"), network: "unix", listen: filepath.Join(dir, "st"), want: "37 <134>Nov  2 10:00:00 hawser[7]: hello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan string, 1)
			recv := func() string {
				select {
				case line := <-got:
					return line
				case <-time.After(10 * time.Second):
					t.Fatal("nothing received")
					return ""
				}
			}
			if tc.network == "unix" {
				ln, err := net.Listen("unix", tc.listen)
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				go func() {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					defer c.Close()
					c.SetReadDeadline(time.Now().Add(10 * time.Second))
					r := bufio.NewReader(c)
					n, _ := r.ReadString(' ')
					var size int
					fmt.Sscan(n, &size)
					b := make([]byte, size)
					_, err = io.ReadFull(r, b)
					got <- n + string(b)
				}()
			} else {
				pc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: tc.listen, Net: "unixgram"})
				if err != nil {
					t.Fatal(err)
				}
				defer pc.Close()
				recv = func() string { return readDatagram(t, pc) }
			}
			l, err := NewLogger([]config.LogTarget{{Address: tc.target, Facility: "local0"}}, "hawser", WithClock(fixedClock), WithPID(7))
			if err != nil {
				t.Fatal(err)
			}
			l.Log(LevelInfo, []byte("hello"))
			line := recv()
			l.Close()
			if line != tc.want {
				t.Errorf("got %q, want %q", line, tc.want)
			}
		})
	}
}

// TestSample checks "sample <ranges>:<size>": the positions kept in each
// period of size lines, counted per target.
func TestSample(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sample *config.LogSample
		want   []int
	}{
		{name: "none", want: []int{1, 2, 3, 4, 5, 6, 7}},
		{name: "one in three", sample: &config.LogSample{Ranges: [][2]int{{1, 1}}, Size: 3}, want: []int{1, 4, 7}},
		{name: "ranges", sample: &config.LogSample{Ranges: [][2]int{{2, 3}, {5, 5}}, Size: 5}, want: []int{2, 3, 5, 7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls []logCall
			for i := 1; i <= 7; i++ {
				calls = append(calls, info(fmt.Sprint(i)))
			}
			out := logLines(t, []config.LogTarget{{Address: "stdout", Format: "raw", Facility: "local0", Sample: tc.sample}}, nil, calls...)
			var got []int
			for _, f := range strings.Fields(out) {
				var n int
				fmt.Sscan(f, &n)
				got = append(got, n)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("lines sent (-want +got):\n%s", diff)
			}
		})
	}
}
