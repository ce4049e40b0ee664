package h1

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
)

// CopyFixed forwards exactly n body bytes from src to dst. It writes
// straight from src's buffer, so a body that arrived with its head costs no
// extra copy.
func CopyFixed(dst io.Writer, src *bufio.Reader, n int64) (int64, error) {
	var done int64
	for done < n {
		if src.Buffered() == 0 {
			flushDry(dst)
			if _, err := src.Peek(1); err != nil {
				return done, unexpected(err)
			}
		}
		k := src.Buffered()
		if int64(k) > n-done {
			k = int(n - done)
		}
		b, _ := src.Peek(k)
		w, err := dst.Write(b)
		done += int64(w)
		src.Discard(w)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// flushDry flushes a buffered destination before a copy blocks on its
// source, so that what arrived so far is forwarded now rather than when
// the buffer fills: a streamed body (server-sent events, a slow chunked
// response, gRPC) reaches the client as it is produced, as with HAProxy.
// A body that is already buffered whole never blocks, and costs nothing.
func flushDry(dst io.Writer) {
	if f, ok := dst.(interface{ Flush() error }); ok {
		f.Flush()
	}
}

// CopyUntilEOF forwards a body delimited by the end of the connection.
func CopyUntilEOF(dst io.Writer, src *bufio.Reader) (int64, error) {
	n, err := src.WriteTo(dst)
	return n, err
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

var (
	crlf      = []byte("\r\n")
	lastChunk = []byte("0\r\n")
)

// maxChunkLine bounds a chunk-size line including extensions.
const maxChunkLine = 4096

// CopyChunked forwards a chunked body from src to dst, re-emitting it in
// canonical form (chunk extensions dropped) after checking its syntax
// strictly: hex sizes, CRLF line ends (a bare LF is refused, see
// CVE-2025-22871), CRLF after each chunk's data. Trailer fields are
// forwarded. With decode, only the payload is written (for an HTTP/1.0
// recipient, which does not know chunked encoding). It returns the number of
// payload bytes.
func CopyChunked(dst io.Writer, src *bufio.Reader, decode bool) (int64, error) {
	framing := dst
	if decode {
		framing = io.Discard
	}
	return copyChunkedFraming(dst, src, framing)
}

// copyChunkedFraming writes the payload to dst and the framing (chunk sizes,
// CRLFs, trailer lines) to framing.
func copyChunkedFraming(dst io.Writer, src *bufio.Reader, framing io.Writer) (int64, error) {
	var total int64
	var hdr [20]byte
	for {
		if src.Buffered() == 0 {
			flushDry(dst)
		}
		line, err := readCRLFLine(src)
		if err != nil {
			return total, err
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return total, err
		}
		if size == 0 {
			if _, err := framing.Write(lastChunk); err != nil {
				return total, err
			}
			return total, copyTrailers(framing, src)
		}
		h := strconv.AppendInt(hdr[:0], size, 16)
		h = append(h, '\r', '\n')
		if _, err := framing.Write(h); err != nil {
			return total, err
		}
		n, err := CopyFixed(dst, src, size)
		total += n
		if err != nil {
			return total, err
		}
		end, err := src.Peek(2)
		if err != nil {
			return total, unexpected(err)
		}
		if end[0] != '\r' || end[1] != '\n' {
			return total, ErrBadChunk
		}
		src.Discard(2)
		if _, err := framing.Write(crlf); err != nil {
			return total, err
		}
	}
}

// readCRLFLine returns the next line without its CRLF. The slice points
// into src's buffer and is valid until the next read.
func readCRLFLine(src *bufio.Reader) ([]byte, error) {
	for {
		// Search everything already buffered before asking for more: a
		// Peek beyond Buffered blocks on the socket, which would hang a
		// complete body whose sender now waits for the response.
		b, _ := src.Peek(src.Buffered())
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			// The length check applies however much happened to be
			// buffered, so the limit does not depend on packet timing.
			if i == 0 || b[i-1] != '\r' || i > maxChunkLine {
				return nil, ErrBadChunk
			}
			line := b[:i-1]
			src.Discard(i + 1)
			return line, nil
		}
		if len(b) >= maxChunkLine || len(b) == src.Size() {
			return nil, ErrBadChunk
		}
		if _, err := src.Peek(len(b) + 1); err != nil {
			return nil, unexpected(err)
		}
	}
}

// parseChunkSize parses "1*HEXDIG [ chunk-ext ]".
func parseChunkSize(line []byte) (int64, error) {
	var size int64
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			goto ext
		}
		if i >= 15 {
			return 0, ErrBadChunk // over 2^60 bytes: an overflow attempt
		}
		size = size<<4 | int64(d)
	}
ext:
	if i == 0 {
		return 0, ErrBadChunk
	}
	rest := line[i:]
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
		rest = rest[1:]
	}
	if len(rest) > 0 && rest[0] != ';' {
		return 0, ErrBadChunk
	}
	for _, c := range rest {
		if c < ' ' && c != '\t' || c == 0x7f {
			return 0, ErrBadChunk
		}
	}
	return size, nil
}

// copyTrailers forwards the trailer section and the final CRLF.
func copyTrailers(dst io.Writer, src *bufio.Reader) error {
	for {
		line, err := readCRLFLine(src)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			_, err := dst.Write(crlf)
			return err
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return ErrBadChunk
		}
		for _, c := range line[:colon] {
			if !tchar[c] {
				return ErrBadChunk
			}
		}
		// Trailer values obey the same rules as header values: a CR or
		// NUL forwarded here could split the field for the next hop.
		for _, c := range line[colon+1:] {
			if c < ' ' && c != '\t' || c == 0x7f {
				return ErrBadChunk
			}
		}
		if _, err := dst.Write(line); err != nil {
			return err
		}
		if _, err := dst.Write(crlf); err != nil {
			return err
		}
	}
}

// DecodeChunked copies the payload of a chunked body from src to dst, with
// the syntax checks of CopyChunked, and calls trailer for each trailer
// field (for a recipient that carries trailers out of band, as HTTP/2
// does). name and value are only valid during the call.
func DecodeChunked(dst io.Writer, src *bufio.Reader, trailer func(name, value []byte)) (int64, error) {
	return copyChunkedFraming(dst, src, &trailerSink{fn: trailer})
}

// trailerSink receives the decoded framing of a chunked body and reports
// its trailer fields: copyTrailers writes each field line, then a CRLF.
type trailerSink struct {
	fn   func(name, value []byte)
	line []byte
}

func (s *trailerSink) Write(p []byte) (int, error) {
	if !bytes.Equal(p, crlf) {
		s.line = p
		return len(p), nil
	}
	if line := s.line; line != nil {
		s.line = nil
		if colon := bytes.IndexByte(line, ':'); colon > 0 && s.fn != nil {
			s.fn(line[:colon], bytes.TrimSpace(line[colon+1:]))
		}
	}
	return len(p), nil
}
