package logging

import "time"

var monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// AppendDate appends t as HAProxy's %t and %tr dates,
// "22/Nov/2026:10:00:00.123", in t's own location.
func AppendDate(dst []byte, t time.Time) []byte {
	dst = appendDay(dst, t)
	dst = append(dst, '.')
	return appendPadded(dst, t.Nanosecond()/int(time.Millisecond), 3)
}

// AppendDateZone appends t as HAProxy's CLF dates (%T, %Tl, %trg, %trl),
// "22/Nov/2026:10:00:00 +0000", in t's own location: pass t.UTC() for the
// GMT variants.
func AppendDateZone(dst []byte, t time.Time) []byte {
	dst = appendDay(dst, t)
	dst = append(dst, ' ')
	return appendZone(dst, t, false)
}

// Date returns t formatted as AppendDate does.
func Date(t time.Time) string { return string(AppendDate(nil, t)) }

// appendDay appends "22/Nov/2026:10:00:00".
func appendDay(dst []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	dst = appendPadded(dst, day, 2)
	dst = append(dst, '/')
	dst = append(dst, monthNames[month-1]...)
	dst = append(dst, '/')
	dst = appendPadded(dst, year, 4)
	dst = append(dst, ':')
	return appendClock(dst, hour, minute, sec)
}

// appendClock appends "10:00:00".
func appendClock(dst []byte, hour, minute, sec int) []byte {
	dst = appendPadded(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, minute, 2)
	dst = append(dst, ':')
	return appendPadded(dst, sec, 2)
}

// appendZone appends t's UTC offset as "+0100", or "+01:00" with colon.
func appendZone(dst []byte, t time.Time, colon bool) []byte {
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	off /= 60
	dst = append(dst, sign)
	dst = appendPadded(dst, off/60, 2)
	if colon {
		dst = append(dst, ':')
	}
	return appendPadded(dst, off%60, 2)
}

// appendSyslogTime appends the RFC 3164 timestamp, "Nov  2 10:00:00".
func appendSyslogTime(dst []byte, t time.Time) []byte {
	_, month, day := t.Date()
	hour, minute, sec := t.Clock()
	dst = append(dst, monthNames[month-1]...)
	dst = append(dst, ' ')
	if day < 10 {
		dst = append(dst, ' ')
	}
	dst = appendPadded(dst, day, 1)
	dst = append(dst, ' ')
	return appendClock(dst, hour, minute, sec)
}

// appendISOTime appends the RFC 5424 / ISO 8601 timestamp HAProxy uses,
// with microseconds and a numeric offset: "2026-11-22T10:00:00.123456+01:00".
func appendISOTime(dst []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	dst = appendPadded(dst, year, 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendClock(dst, hour, minute, sec)
	dst = append(dst, '.')
	dst = appendPadded(dst, t.Nanosecond()/int(time.Microsecond), 6)
	return appendZone(dst, t, true)
}
