package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// client is one keep-alive HTTP/1.1 connection that sends the same
// request again and again. It is deliberately minimal: the load generator
// must cost as little CPU as possible on a machine it shares with the
// proxy it measures.
type client struct {
	conn net.Conn
	br   *bufio.Reader
	req  []byte
}

// buildRequest returns the bytes of one request; a POST carries a body of
// bodySize bytes.
func buildRequest(method, host, path string, bodySize int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, host)
	if bodySize > 0 {
		fmt.Fprintf(&b, "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n", bodySize)
	}
	b.WriteString("\r\n")
	b.WriteString(strings.Repeat("x", bodySize))
	return []byte(b.String())
}

func dial(addr string, req []byte) (*client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &client{conn: c, br: bufio.NewReaderSize(c, 32<<10), req: req}, nil
}

// roundTrip sends the request and reads the whole response, returning its
// status code and how many bytes it took on the wire.
func (c *client) roundTrip() (status int, n int64, err error) {
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, 0, err
	}
	line, err := c.readLine()
	if err != nil {
		return 0, 0, err
	}
	n += int64(len(line)) + 2
	status, err = parseStatus(line)
	if err != nil {
		return 0, n, err
	}
	length, chunked := int64(-1), false
	for {
		h, err := c.readLine()
		if err != nil {
			return status, n, err
		}
		n += int64(len(h)) + 2
		if h == "" {
			break
		}
		name, value, _ := strings.Cut(h, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			if length, err = strconv.ParseInt(value, 10, 64); err != nil {
				return status, n, fmt.Errorf("bad content-length %q", value)
			}
		case "transfer-encoding":
			chunked = strings.EqualFold(value, "chunked")
		}
	}
	switch {
	case chunked:
		m, err := c.discardChunked()
		return status, n + m, err
	case length >= 0:
		m, err := c.br.Discard(int(length))
		return status, n + int64(m), err
	default:
		// Without a length the body ends with the connection, which a
		// keep-alive benchmark cannot use.
		return status, n, errors.New("response without content-length")
	}
}

func (c *client) discardChunked() (int64, error) {
	var n int64
	for {
		line, err := c.readLine()
		if err != nil {
			return n, err
		}
		n += int64(len(line)) + 2
		sizeText, _, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
		if err != nil {
			return n, fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			// Trailers, if any, end with an empty line.
			for {
				t, err := c.readLine()
				n += int64(len(t)) + 2
				if err != nil || t == "" {
					return n, err
				}
			}
		}
		m, err := c.br.Discard(int(size) + 2)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
}

func (c *client) readLine() (string, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

// parseStatus reads the code out of "HTTP/1.1 200 OK".
func parseStatus(line string) (int, error) {
	_, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(line, "HTTP/1.") || len(rest) < 3 {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	code, err := strconv.Atoi(rest[:3])
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	return code, nil
}

func (c *client) close() { c.conn.Close() }
