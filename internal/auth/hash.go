package auth

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// verifier checks a password against one configured user's secret.
type verifier interface {
	// verify reports whether pass is the user's password.
	verify(pass []byte) bool
	// costly reports whether verify is slow enough to be worth caching.
	costly() bool
}

// Limits of the SHA-crypt "rounds=" parameter; the C library Debian's
// HAProxy links (libxcrypt) rejects values outside this range rather than
// clamping them, so the hash could never match.
const (
	shaRoundsDefault = 5000
	shaRoundsMin     = 1000
	shaRoundsMax     = 999999999
)

// Salt and checksum lengths of each scheme, in crypt base-64 characters.
const (
	md5SaltMax    = 8
	shaSaltMax    = 16
	md5SumLen     = 22
	sha256SumLen  = 43
	sha512SumLen  = 86
	bcryptMaxPass = 72 // bcrypt uses only the first 72 password bytes
)

// newVerifier returns the verifier for a "password" (crypt hash) or
// "insecure-password" (plain text) value.
func newVerifier(secret string, insecure bool) (verifier, error) {
	if insecure {
		return plainVerifier(sha256.Sum256([]byte(secret))), nil
	}
	switch {
	case strings.HasPrefix(secret, "$1$"):
		return parseMD5Crypt(secret)
	case strings.HasPrefix(secret, "$5$"), strings.HasPrefix(secret, "$6$"):
		return parseSHACrypt(secret)
	case strings.HasPrefix(secret, "$2a$"), strings.HasPrefix(secret, "$2b$"), strings.HasPrefix(secret, "$2y$"):
		return parseBcrypt(secret)
	case secret == "" || secret[0] == '!' || secret[0] == '*':
		// The shadow(5) convention for a locked account: crypt(3) never
		// produces such a string, so HAProxy accepts it and never matches.
		return lockedVerifier{}, nil
	case secret[0] != '$' && len(secret) == 13:
		return nil, errors.New("DES crypt password hashes are not supported by hawser")
	default:
		return nil, fmt.Errorf("unsupported password hash %q (hawser supports $1$, $5$, $6$, $2a$, $2b$, $2y$ and insecure-password)", scheme(secret))
	}
}

// scheme returns the "$id$" prefix of a hash for error messages, without
// the secret part.
func scheme(secret string) string {
	if len(secret) > 1 && secret[0] == '$' {
		if i := strings.IndexByte(secret[1:], '$'); i >= 0 {
			return secret[:i+2]
		}
	}
	if len(secret) > 4 {
		return secret[:4] + "..."
	}
	return secret
}

// plainVerifier holds the SHA-256 of an insecure-password so that the
// comparison is constant-time and does not reveal the length.
type plainVerifier [sha256.Size]byte

func (v plainVerifier) verify(pass []byte) bool {
	sum := sha256.Sum256(pass)
	return subtle.ConstantTimeCompare(sum[:], v[:]) == 1
}

func (plainVerifier) costly() bool { return false }

// lockedVerifier never accepts a password.
type lockedVerifier struct{}

func (lockedVerifier) verify([]byte) bool { return false }
func (lockedVerifier) costly() bool       { return false }

// md5Verifier checks an MD5-crypt ("$1$salt$sum") hash.
type md5Verifier struct {
	salt, sum []byte
}

func parseMD5Crypt(secret string) (verifier, error) {
	salt, sum, ok := strings.Cut(secret[len("$1$"):], "$")
	if !ok {
		return nil, errors.New("malformed $1$ password hash: no checksum")
	}
	if err := checkCryptField("salt", salt, 0, md5SaltMax); err != nil {
		return nil, fmt.Errorf("malformed $1$ password hash: %w", err)
	}
	if err := checkCryptField("checksum", sum, md5SumLen, md5SumLen); err != nil {
		return nil, fmt.Errorf("malformed $1$ password hash: %w", err)
	}
	return md5Verifier{salt: []byte(salt), sum: []byte(sum)}, nil
}

func (v md5Verifier) verify(pass []byte) bool {
	return subtle.ConstantTimeCompare(md5Crypt(pass, v.salt), v.sum) == 1
}

func (md5Verifier) costly() bool { return true }

// shaVerifier checks a SHA-crypt ("$5$" or "$6$") hash.
type shaVerifier struct {
	sha512 bool
	rounds int
	salt   []byte
	sum    []byte
}

func parseSHACrypt(secret string) (verifier, error) {
	id := secret[:3]
	v := shaVerifier{sha512: id == "$6$", rounds: shaRoundsDefault}
	rest := secret[3:]
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		num, after, ok := strings.Cut(r, "$")
		if !ok {
			return nil, fmt.Errorf("malformed %s password hash: no salt after rounds", id)
		}
		n, err := parseRounds(num)
		if err != nil {
			return nil, fmt.Errorf("malformed %s password hash: %w", id, err)
		}
		v.rounds, rest = n, after
	}
	salt, sum, ok := strings.Cut(rest, "$")
	if !ok {
		return nil, fmt.Errorf("malformed %s password hash: no checksum", id)
	}
	sumLen := sha256SumLen
	if v.sha512 {
		sumLen = sha512SumLen
	}
	if err := checkCryptField("salt", salt, 0, shaSaltMax); err != nil {
		return nil, fmt.Errorf("malformed %s password hash: %w", id, err)
	}
	if err := checkCryptField("checksum", sum, sumLen, sumLen); err != nil {
		return nil, fmt.Errorf("malformed %s password hash: %w", id, err)
	}
	v.salt, v.sum = []byte(salt), []byte(sum)
	return v, nil
}

// parseRounds parses a "rounds=" value the way libxcrypt does: plain
// decimal without a leading zero, within the documented range.
func parseRounds(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || s[0] == '0' || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("invalid rounds %q", s)
	}
	if n < shaRoundsMin || n > shaRoundsMax {
		return 0, fmt.Errorf("rounds %d out of range [%d, %d]", n, shaRoundsMin, shaRoundsMax)
	}
	return n, nil
}

// checkCryptField checks that a salt or checksum has a length in [lo, hi]
// and uses only crypt's base-64 alphabet. A longer salt would be cut by
// crypt(3), so the stored hash could never match.
func checkCryptField(what, s string, lo, hi int) error {
	if len(s) < lo || len(s) > hi {
		if lo == hi {
			return fmt.Errorf("%s has %d characters, want %d", what, len(s), lo)
		}
		return fmt.Errorf("%s has %d characters, want at most %d", what, len(s), hi)
	}
	for i := range len(s) {
		if strings.IndexByte(cryptAlphabet, s[i]) < 0 {
			return fmt.Errorf("%s has invalid character %q", what, s[i])
		}
	}
	return nil
}

func (v shaVerifier) verify(pass []byte) bool {
	newHash := sha256.New
	if v.sha512 {
		newHash = sha512.New
	}
	return subtle.ConstantTimeCompare(shaCrypt(newHash, pass, v.salt, v.rounds), v.sum) == 1
}

func (shaVerifier) costly() bool { return true }

// bcryptVerifier checks a "$2a$", "$2b$" or "$2y$" hash.
type bcryptVerifier []byte

func parseBcrypt(secret string) (verifier, error) {
	if _, err := bcrypt.Cost([]byte(secret)); err != nil {
		return nil, fmt.Errorf("malformed %s password hash: %w", secret[:4], err)
	}
	// bcrypt.Cost does not look at the salt and checksum; their total
	// length is fixed by the format.
	if len(secret) != 60 {
		return nil, fmt.Errorf("malformed %s password hash: %d characters, want 60", secret[:4], len(secret))
	}
	return bcryptVerifier(secret), nil
}

func (v bcryptVerifier) verify(pass []byte) bool {
	// crypt(3) silently uses only the first 72 bytes; do the same so that
	// long passwords behave as they do with HAProxy.
	if len(pass) > bcryptMaxPass {
		pass = pass[:bcryptMaxPass]
	}
	return bcrypt.CompareHashAndPassword(v, pass) == nil
}

func (bcryptVerifier) costly() bool { return true }

// Interface guards.
var (
	_ verifier = plainVerifier{}
	_ verifier = lockedVerifier{}
	_ verifier = md5Verifier{}
	_ verifier = shaVerifier{}
	_ verifier = bcryptVerifier(nil)
)

// cutNUL returns b up to its first NUL byte: HAProxy handles credentials
// as C strings, so anything after a NUL is ignored.
func cutNUL(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}
