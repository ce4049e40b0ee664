package tlsconf

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/tlsnames"
)

// versionIDs maps config.TLSVersions flags to Go's versions; SSLv3 has
// none (Go never speaks it) and maps to TLS 1.0 as a lower bound.
var versionIDs = map[string]uint16{
	"sslv3": tls.VersionTLS10, "tlsv10": tls.VersionTLS10, "tlsv11": tls.VersionTLS11,
	"tlsv12": tls.VersionTLS12, "tlsv13": tls.VersionTLS13,
}

func versionFlag(name string) string {
	for _, v := range config.TLSVersions {
		if v.Name == name {
			return v.Flag
		}
	}
	return ""
}

// mergeOpts returns the global defaults overridden by a line's own
// options: a line's min, max, force, ciphers and curves replace the
// defaults', its no-* flags add to them.
func mergeOpts(def, line config.TLSOptions) config.TLSOptions {
	o := def
	o.No = slices.Clone(def.No)
	if line.MinVer != "" {
		o.MinVer = line.MinVer
	}
	if line.MaxVer != "" {
		o.MaxVer = line.MaxVer
	}
	if line.Force != "" {
		o.Force = line.Force
	}
	for _, n := range line.No {
		if !slices.Contains(o.No, n) {
			o.No = append(o.No, n)
		}
	}
	if line.Ciphers != "" {
		o.Ciphers = line.Ciphers
	}
	if line.Ciphersuites != "" {
		o.Ciphersuites = line.Ciphersuites
	}
	if line.Curves != "" {
		o.Curves = line.Curves
	}
	if line.NoTLSTickets {
		o.NoTLSTickets = true
	}
	if line.TLSTickets {
		o.NoTLSTickets = false
	}
	return o
}

// applyOpts sets versions, cipher suites, curves and tickets on c. It
// returns warnings for settings Go cannot honour exactly.
func applyOpts(c *tls.Config, o config.TLSOptions) (warns []string, err error) {
	lo, hi := uint16(tls.VersionTLS12), uint16(tls.VersionTLS13) // HAProxy's default minimum is TLSv1.2
	if o.MinVer != "" {
		lo = versionIDs[versionFlag(o.MinVer)]
	}
	if o.MaxVer != "" {
		hi = versionIDs[versionFlag(o.MaxVer)]
	}
	if o.Force != "" {
		lo, hi = versionIDs[o.Force], versionIDs[o.Force]
	}
	// no-* flags trim the range from either end; Go cannot leave a hole.
	disabled := func(v uint16) bool {
		for _, n := range o.No {
			if versionIDs[n] == v && n != "sslv3" {
				return true
			}
		}
		return false
	}
	for lo <= hi && disabled(lo) {
		lo++
	}
	for hi >= lo && disabled(hi) {
		hi--
	}
	if lo > hi {
		return nil, fmt.Errorf("all TLS versions are disabled")
	}
	for v := lo; v <= hi; v++ {
		if disabled(v) {
			warns = append(warns, fmt.Sprintf("TLS version %s cannot be disabled inside the enabled range; it stays enabled", tls.VersionName(v)))
		}
	}
	c.MinVersion, c.MaxVersion = lo, hi
	if o.Ciphers != "" {
		ids, unknown := cipherIDs(o.Ciphers)
		if len(unknown) > 0 {
			warns = append(warns, fmt.Sprintf("ciphers: skipping names Go does not implement: %s", strings.Join(unknown, ":")))
		}
		if len(ids) == 0 {
			warns = append(warns, "ciphers: no usable cipher named; using Go's defaults")
		} else {
			c.CipherSuites = ids
		}
	}
	if o.Ciphersuites != "" {
		for _, n := range splitList(o.Ciphersuites) {
			if !slices.Contains(tls13Suites, n) {
				warns = append(warns, fmt.Sprintf("ciphersuites: '%s' is not implemented by Go; Go enables its TLS 1.3 suites itself", n))
			}
		}
	}
	if o.Curves != "" {
		for _, n := range splitList(o.Curves) {
			id, ok := curveIDs[strings.ToLower(n)]
			if !ok {
				warns = append(warns, fmt.Sprintf("curves: skipping '%s', not implemented by Go", n))
				continue
			}
			c.CurvePreferences = append(c.CurvePreferences, id)
		}
	}
	c.SessionTicketsDisabled = o.NoTLSTickets
	return warns, nil
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' || r == ' ' })
}

// tls13Suites are the TLS 1.3 suites Go implements (all always enabled).
var tls13Suites = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}

var curveIDs = map[string]tls.CurveID{
	"x25519": tls.X25519, "p-256": tls.CurveP256, "prime256v1": tls.CurveP256, "secp256r1": tls.CurveP256,
	"p-384": tls.CurveP384, "secp384r1": tls.CurveP384, "p-521": tls.CurveP521, "secp521r1": tls.CurveP521,
	"x25519mlkem768": tls.X25519MLKEM768,
}

// cipherIDs maps an OpenSSL cipher string to Go suites. Exclusions
// (!x, -x), ordering commands (+x, @STRENGTH) and aliases (HIGH, kEDH)
// are skipped silently: Go's defaults already leave out weak suites.
func cipherIDs(list string) (ids []uint16, unknown []string) {
	for _, n := range splitList(list) {
		if n == "" || strings.ContainsAny(n[:1], "!-+@") || strings.Contains(n, "+") || n == strings.ToUpper(n) && !strings.Contains(n, "-") {
			continue
		}
		id, ok := tlsnames.CipherID(n)
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, unknown
}
