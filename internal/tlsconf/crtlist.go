package tlsconf

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CrtListLine is one line of a crt-list file:
//
//	<pem file> [<bind ssl options>] [[!]<sni filter> ...]
type CrtListLine struct {
	Line int
	Path string
	// Opts are the bracketed options ("alpn h2 verify required"), split
	// in words; nil when there are none.
	Opts []string
	// Filters are the SNI names the certificate serves instead of its
	// own; Negs are names excluded. Lower case, wildcards as "*.x.y".
	Filters, Negs []string
}

// crtListOpts are the bracketed options hawser applies per certificate,
// with how many arguments each takes.
var crtListOpts = map[string]int{
	"alpn": 1, "no-alpn": 0, "ca-file": 1, "crl-file": 1, "verify": 1, "ciphers": 1, "ciphersuites": 1,
	"curves": 1, "ecdhe": 1, "ssl-min-ver": 1, "ssl-max-ver": 1, "no-tls-tickets": 0,
}

// crtListKnown are HAProxy's other crt-list options, refused by name.
var crtListKnown = []string{"allow-0rtt", "no-ca-names", "npn", "ocsp-update", "sigalgs", "client-sigalgs"}

// ParseCrtList parses a crt-list file; relative certificate paths are
// resolved against base (crt-base). Errors name the file and line.
func ParseCrtList(path, base string) ([]CrtListLine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load crt-list '%s': %w", path, unwrapPath(err))
	}
	return parseCrtList(path, base, data)
}

func parseCrtList(path, base string, data []byte) ([]CrtListLine, error) {
	var out []CrtListLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		l, err := parseCrtListLine(line, base)
		if err != nil {
			return nil, fmt.Errorf("crt-list '%s' line %d: %w", path, n, err)
		}
		l.Line = n
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("crt-list '%s': %w", path, err)
	}
	return out, nil
}

func parseCrtListLine(line, base string) (CrtListLine, error) {
	var l CrtListLine
	var p, rest string
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		p, rest = line[:i], strings.TrimSpace(line[i:])
	} else {
		p, rest = line, ""
	}
	if base != "" && !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	l.Path = p
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return l, fmt.Errorf("missing ']' after the options")
		}
		l.Opts = strings.Fields(rest[1:end])
		if l.Opts == nil {
			l.Opts = []string{}
		}
		rest = rest[end+1:]
		if err := checkCrtListOpts(l.Opts); err != nil {
			return l, err
		}
	}
	for _, f := range strings.Fields(rest) {
		f = strings.ToLower(f)
		if neg, ok := strings.CutPrefix(f, "!"); ok {
			if neg == "" {
				return l, fmt.Errorf("empty negative SNI filter")
			}
			l.Negs = append(l.Negs, neg)
			continue
		}
		l.Filters = append(l.Filters, f)
	}
	return l, nil
}

func checkCrtListOpts(opts []string) error {
	for i := 0; i < len(opts); i++ {
		n, ok := crtListOpts[opts[i]]
		if !ok {
			for _, k := range crtListKnown {
				if k == opts[i] {
					return fmt.Errorf("option '%s' is not supported by hawser", k)
				}
			}
			return fmt.Errorf("unknown option '%s'", opts[i])
		}
		if i+n >= len(opts) && n > 0 {
			return fmt.Errorf("option '%s' expects an argument", opts[i])
		}
		i += n
	}
	return nil
}
