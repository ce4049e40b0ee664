package stick

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// KeyType is the type of a stick table's keys ("stick-table type").
type KeyType uint8

// Key types. HAProxy 3.2 made "ip" an alias of "ipv4"; both parse to IPv4.
const (
	IPv4 KeyType = iota
	IPv6
	Integer
	String
	Binary
)

// String returns the type as "show table" prints it: HAProxy names IPv4
// tables "ip" there.
func (k KeyType) String() string {
	switch k {
	case IPv4:
		return "ip"
	case IPv6:
		return "ipv6"
	case Integer:
		return "integer"
	case String:
		return "string"
	case Binary:
		return "binary"
	}
	return "unknown"
}

// SrvKey says how a server is identified in server_key ("srvkey").
type SrvKey uint8

// Server identification modes; name is HAProxy's default.
const (
	SrvKeyName SrvKey = iota
	SrvKeyAddr
)

// Store is one stored data type with its arguments.
type Store struct {
	Type DataType
	// N is the element count of an array type (gpc(3)); 1 otherwise.
	N int
	// Period is the averaging period of a rate type; 0 otherwise.
	Period time.Duration
}

// Decl is a parsed stick-table declaration. Treat it as immutable once a
// Table has been built from it.
type Decl struct {
	Type KeyType
	// KeyLen is the number of characters a string key keeps, or the number
	// of bytes of a binary key. It is 4 for IPv4 and Integer, 16 for IPv6.
	KeyLen int
	// Size is the maximum number of entries.
	Size uint32
	// Expire is how long an entry lives after its last touch; 0 means
	// entries never expire and are only evicted when the table is full.
	Expire  time.Duration
	NoPurge bool
	// RecvOnly is accepted for compatibility; it only matters with peers,
	// which hawser does not support, so it has no effect.
	RecvOnly bool
	SrvKey   SrvKey
	// BratesFactor divides bytes_in/out_rate increments and multiplies
	// their readings (HAProxy "brates-factor", 1 to 1024).
	BratesFactor uint32
	// Store lists the stored data types ordered by DataType, each once.
	Store []Store
	// Warnings are non-fatal remarks (HAProxy warns and goes on), e.g. a
	// data type stored twice.
	Warnings []string
}

// Defaults from HAProxy's stktable_types table.
const (
	defaultKeyLen = 32
	// maxTimer is the largest timer HAProxy accepts, in milliseconds.
	maxTimer = 1<<31 - 1
)

// ParseDecl parses the words of a "stick-table" line, for example
// ["stick-table", "type", "ip", "size", "1m", "expire", "10s", "store",
// "http_req_rate(10s)"]. A leading "stick-table" word is optional. Errors
// are meant to be prefixed with the file and line by the caller.
func ParseDecl(words []string) (*Decl, error) {
	if len(words) > 0 && words[0] == "stick-table" {
		words = words[1:]
	}
	p := declParser{words: words, d: &Decl{BratesFactor: 1}}
	typed := false
	for p.more() {
		kw := p.next()
		var err error
		switch kw {
		case "type":
			err = p.parseType()
			typed = true
		case "size":
			err = p.parseSize()
		case "expire":
			err = p.parseExpire()
		case "nopurge":
			p.d.NoPurge = true
		case "recv-only":
			p.d.RecvOnly = true
		case "store":
			err = p.parseStore()
		case "srvkey":
			err = p.parseSrvKey()
		case "brates-factor":
			err = p.parseBratesFactor()
		case "peers", "write-to":
			err = fmt.Errorf("stick-table: '%s' is not supported by hawser", kw)
		default:
			err = fmt.Errorf("stick-table: unknown argument '%s'", kw)
		}
		if err != nil {
			return nil, err
		}
	}
	if p.d.Size == 0 {
		return nil, errors.New("stick-table: missing size")
	}
	if !typed {
		return nil, errors.New("stick-table: missing type")
	}
	if err := p.d.checkStoreConflicts(); err != nil {
		return nil, err
	}
	return p.d, nil
}

// declParser walks the words of a declaration.
type declParser struct {
	words []string
	i     int
	d     *Decl
}

func (p *declParser) more() bool { return p.i < len(p.words) }

func (p *declParser) next() string {
	w := p.words[p.i]
	p.i++
	return w
}

// arg returns the argument of keyword kw or an error if it is missing.
func (p *declParser) arg(kw string) (string, error) {
	if !p.more() || p.words[p.i] == "" {
		return "", fmt.Errorf("stick-table: missing argument after '%s'", kw)
	}
	return p.next(), nil
}

func (p *declParser) parseType() error {
	name, err := p.arg("type")
	if err != nil {
		return err
	}
	switch name {
	case "ip", "ipv4":
		p.d.Type, p.d.KeyLen = IPv4, 4
	case "ipv6":
		p.d.Type, p.d.KeyLen = IPv6, 16
	case "integer":
		// HAProxy keys integer tables on 32 bits.
		p.d.Type, p.d.KeyLen = Integer, 4
	case "string", "binary":
		p.d.Type, p.d.KeyLen = String, defaultKeyLen-1
		if name == "binary" {
			p.d.Type, p.d.KeyLen = Binary, defaultKeyLen
		}
		return p.parseKeyLen()
	default:
		return fmt.Errorf("stick-table: unknown type '%s'", name)
	}
	return nil
}

// parseKeyLen reads an optional "len <n>" after string or binary. Without
// it HAProxy reserves 32 bytes, which for a NUL-terminated string leaves 31
// characters (the code's behaviour, although the manual says 32).
func (p *declParser) parseKeyLen() error {
	if !p.more() || p.words[p.i] != "len" {
		return nil
	}
	p.i++
	s, _ := p.arg("len")
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return errors.New("stick-table: 'len' expects a positive integer argument")
	}
	p.d.KeyLen = n
	return nil
}

func (p *declParser) parseSize() error {
	s, err := p.arg("size")
	if err != nil {
		return err
	}
	n, err := parseSize(s)
	if err != nil {
		return fmt.Errorf("stick-table: %v in argument of 'size'", err)
	}
	p.d.Size = n
	return nil
}

func (p *declParser) parseExpire() error {
	s, err := p.arg("expire")
	if err != nil {
		return err
	}
	ms, err := parseTimeMS(s)
	if err != nil {
		return fmt.Errorf("stick-table: invalid time '%s' for 'expire': %v", s, err)
	}
	p.d.Expire = time.Duration(ms) * time.Millisecond
	return nil
}

func (p *declParser) parseSrvKey() error {
	s, err := p.arg("srvkey")
	if err != nil {
		return err
	}
	switch s {
	case "name":
		p.d.SrvKey = SrvKeyName
	case "addr":
		p.d.SrvKey = SrvKeyAddr
	default:
		return fmt.Errorf("stick-table: unknown server key type '%s'", s)
	}
	return nil
}

func (p *declParser) parseBratesFactor() error {
	s, err := p.arg("brates-factor")
	if err != nil {
		return err
	}
	n, err := parseSize(s)
	if err != nil {
		return fmt.Errorf("stick-table: %v in argument of 'brates-factor'", err)
	}
	if n == 0 || n > 1024 {
		return errors.New("stick-table: argument 'brates-factor' must be greater than 0 and lower or equal than 1024")
	}
	p.d.BratesFactor = n
	return nil
}

// parseStore reads one comma-separated list of data types. "store" may be
// repeated on the line.
func (p *declParser) parseStore() error {
	list, err := p.arg("store")
	if err != nil {
		return err
	}
	items, err := splitStoreList(list)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := p.d.addStore(it); err != nil {
			return err
		}
	}
	return nil
}

// storeItem is one "name(arg1,arg2)" element of a store list.
type storeItem struct {
	name string
	args []string
}

// splitStoreList splits "gpc(2),conn_rate(10s),gpc_rate(2,1m)" at the
// commas that are outside parentheses.
func splitStoreList(list string) ([]storeItem, error) {
	var items []storeItem
	for list != "" {
		var it storeItem
		open := strings.IndexAny(list, "(,")
		switch {
		case open < 0:
			it.name, list = list, ""
		case list[open] == ',':
			it.name, list = list[:open], list[open+1:]
		default:
			it.name = list[:open]
			end := strings.IndexByte(list[open:], ')')
			if end < 0 {
				return nil, fmt.Errorf("stick-table: missing closing parenthesis after store option '%s'", it.name)
			}
			it.args = strings.Split(list[open+1:open+end], ",")
			list = list[open+end+1:]
			// Like HAProxy, anything between ')' and the next ',' is ignored
			// only if empty; reject it to avoid surprises.
			if list != "" && list[0] != ',' {
				return nil, fmt.Errorf("stick-table: unexpected characters '%s' after store option '%s'", list, it.name)
			}
			list = strings.TrimPrefix(list, ",")
		}
		items = append(items, it)
	}
	return items, nil
}

// addStore validates one store item and records it in declaration order of
// DataType. A type stored twice is a warning, as in HAProxy.
func (d *Decl) addStore(it storeItem) error {
	dt, ok := ParseDataType(it.name)
	if !ok {
		return fmt.Errorf("stick-table: unknown store option '%s'", it.name)
	}
	if d.stored(dt) {
		d.Warnings = append(d.Warnings, fmt.Sprintf("stick-table: store option '%s' already enabled, ignored", it.name))
		return nil
	}
	spec := dataSpecs[dt]
	st := Store{Type: dt, N: 1}
	args := it.args
	if spec.isArray {
		if len(args) == 0 {
			return fmt.Errorf("stick-table: missing argument to store option '%s'", it.name)
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 || n > maxArray {
			return fmt.Errorf("stick-table: array size is out of allowed range (1-%d) for store option '%s'", maxArray, it.name)
		}
		st.N, args = n, args[1:]
	}
	switch {
	case spec.period && len(args) == 0:
		return fmt.Errorf("stick-table: missing argument to store option '%s'", it.name)
	case !spec.period && len(args) > 0, len(args) > 1:
		return fmt.Errorf("stick-table: unexpected argument to store option '%s'", it.name)
	case spec.period:
		ms, err := parseTimeMS(args[0])
		if err != nil {
			return fmt.Errorf("stick-table: invalid period '%s' for store option '%s': %v", args[0], it.name, err)
		}
		if ms == 0 {
			// HAProxy would divide by a zero period; refuse it instead.
			return fmt.Errorf("stick-table: the period of store option '%s' must be at least 1ms", it.name)
		}
		st.Period = time.Duration(ms) * time.Millisecond
	}
	d.insertStore(st)
	return nil
}

func (d *Decl) insertStore(st Store) {
	i, _ := slices.BinarySearchFunc(d.Store, st.Type, func(s Store, t DataType) int { return int(s.Type) - int(t) })
	d.Store = slices.Insert(d.Store, i, st)
}

// stored reports whether the declaration stores dt.
func (d *Decl) stored(dt DataType) bool {
	return slices.ContainsFunc(d.Store, func(s Store) bool { return s.Type == dt })
}

// Enable adds a data type without arguments (server_id, server_key, a
// counter) if it is not stored yet. The config layer calls it for tables
// that "stick" rules reference: HAProxy enables server_id and server_key
// automatically there. It returns an error for types that need arguments.
func (d *Decl) Enable(dt DataType) error {
	if dt >= numDataTypes || dataSpecs[dt].period || dataSpecs[dt].isArray {
		return fmt.Errorf("stick-table: store option '%s' needs arguments", dt)
	}
	if !d.stored(dt) {
		d.insertStore(Store{Type: dt, N: 1})
	}
	return nil
}

// checkStoreConflicts applies HAProxy's rule that an array type overrides
// its legacy single-element names.
func (d *Decl) checkStoreConflicts() error {
	switch {
	case d.stored(GPT) && d.stored(GPT0):
		return errors.New("stick-table: simultaneous usage of 'gpt' and 'gpt0' in a same table is not permitted as 'gpt' overrides 'gpt0'")
	case d.stored(GPC) && (d.stored(GPC0) || d.stored(GPC1)):
		return errors.New("stick-table: simultaneous usage of 'gpc' and 'gpc[0/1]' in a same table is not permitted as 'gpc' overrides 'gpc[0/1]'")
	case d.stored(GPCRate) && (d.stored(GPC0Rate) || d.stored(GPC1Rate)):
		return errors.New("stick-table: simultaneous usage of 'gpc_rate' and 'gpc[0/1]_rate' in a same table is not permitted as 'gpc_rate' overrides 'gpc[0/1]_rate'")
	}
	return nil
}

// sameLayout reports whether entries of a table declared by d can be kept
// under o: everything but expire, nopurge and recv-only must match.
func (d *Decl) sameLayout(o *Decl) bool {
	return d.Type == o.Type && d.KeyLen == o.KeyLen && d.Size == o.Size &&
		d.SrvKey == o.SrvKey && d.BratesFactor == o.BratesFactor &&
		slices.Equal(d.Store, o.Store)
}

// parseSize parses an unsigned 32-bit size with an optional k, m or g
// suffix (powers of 1024), like HAProxy's parse_size_err.
func parseSize(s string) (uint32, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("unexpected character '%s'", firstChar(s))
	}
	v, err := strconv.ParseUint(s[:i], 10, 32)
	if err != nil {
		return 0, errors.New("value too large")
	}
	shift := 0
	if i < len(s) {
		switch s[i] {
		case 'k', 'K':
			shift = 10
		case 'm', 'M':
			shift = 20
		case 'g', 'G':
			shift = 30
		default:
			return 0, fmt.Errorf("unexpected character '%c'", s[i])
		}
		if i+1 < len(s) {
			return 0, fmt.Errorf("unexpected character '%c'", s[i+1])
		}
	}
	if v<<shift > 1<<32-1 {
		return 0, errors.New("value too large")
	}
	return uint32(v << shift), nil
}

// parseTimeMS parses a HAProxy time (section 2.5) with milliseconds as the
// default unit: us, ms, s, m, h, d. It rounds up like parse_time_err, so
// a non-zero value never becomes 0, and refuses values of 2^31 ms or more.
func parseTimeMS(s string) (uint32, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("unexpected character '%s'", firstChar(s))
	}
	v, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil || v > 1<<40 {
		return 0, errors.New("timer overflow, maximum value is 2147483647 ms (~24.8 days)")
	}
	mul, div := uint64(1), uint64(1)
	switch s[i:] {
	case "", "ms":
	case "us":
		div = 1000
	case "s":
		mul = 1000
	case "m":
		mul = 60 * 1000
	case "h":
		mul = 3600 * 1000
	case "d":
		mul = 86400 * 1000
	default:
		return 0, fmt.Errorf("unexpected character '%c'", s[i])
	}
	ms := (v*mul + div - 1) / div
	if ms > maxTimer {
		return 0, errors.New("timer overflow, maximum value is 2147483647 ms (~24.8 days)")
	}
	return uint32(ms), nil
}

func firstChar(s string) string {
	if s == "" {
		return ""
	}
	return s[:1]
}
