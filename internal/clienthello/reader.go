package clienthello

// reader consumes big-endian TLS fields from the front of a byte slice.
// Every method checks bounds and reports false, consuming nothing, when the
// field does not fit, so a hostile length can never cause an over-read.
type reader []byte

func (r *reader) u8() (int, bool) {
	if len(*r) < 1 {
		return 0, false
	}
	v := int((*r)[0])
	*r = (*r)[1:]
	return v, true
}

func (r *reader) u16() (uint16, bool) {
	if len(*r) < 2 {
		return 0, false
	}
	v := uint16((*r)[0])<<8 | uint16((*r)[1])
	*r = (*r)[2:]
	return v, true
}

func (r *reader) u24() (int, bool) {
	if len(*r) < 3 {
		return 0, false
	}
	v := int((*r)[0])<<16 | int((*r)[1])<<8 | int((*r)[2])
	*r = (*r)[3:]
	return v, true
}

func (r *reader) skip(n int) bool {
	if len(*r) < n {
		return false
	}
	*r = (*r)[n:]
	return true
}

// bytes consumes n bytes; the result's capacity is capped so that an
// append by a caller cannot write into the rest of the input.
func (r *reader) bytes(n int) (reader, bool) {
	if len(*r) < n {
		return nil, false
	}
	v := (*r)[:n:n]
	*r = (*r)[n:]
	return v, true
}

// vec8 consumes a vector with a one-byte length.
func (r *reader) vec8() (reader, bool) {
	s := *r
	n, ok := s.u8()
	if !ok {
		return nil, false
	}
	v, ok := s.bytes(n)
	if ok {
		*r = s
	}
	return v, ok
}

// vec16 consumes a vector with a two-byte length.
func (r *reader) vec16() (reader, bool) {
	s := *r
	n, ok := s.u16()
	if !ok {
		return nil, false
	}
	v, ok := s.bytes(int(n))
	if ok {
		*r = s
	}
	return v, ok
}
