package auth

import (
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
)

// basic returns an Authorization header value for user:pass.
func basic(user, pass string) []byte {
	return []byte("Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
}

// Vectors produced with "openssl passwd -1/-5/-6 -salt S PASS" and
// python3.11's crypt module (libxcrypt on Debian 12, the crypt(3) Debian's
// HAProxy uses).
var cryptVectors = []struct {
	name, pass, hash string
}{
	{"md5 openssl", "hunter2", "$1$saltsalt$ZliGyAN3DciDHEkDboonh/"},
	{"md5 empty salt", "x", "$1$$LP5.V3ajGqHDdXW6XwZQy."},
	{"md5 empty password", "", "$1$abc$Or2rbeUYTvt12aiVzMuS/."},
	{"md5 long password", strings.Repeat("a", 100), "$1$12345678$yHGf0oZf8H0kWFcG99n58."},
	{"sha256 max salt", "correct horse battery staple", "$5$abcdefghijklmnop$hC8AP1csILKOixKEZZT5Ow0ioyImaJ1l9c7ERrYV6O8"},
	{"sha256 rounds", "p@ss w0rd", "$5$rounds=1234$abc$HXrRdaawcmYs3XsIRMUVUdEcIj0LUKLdx.a5OFPcw0."},
	{"sha256 empty", "", "$5$$3c2QQ0KjIU1OLtB29cl8Fplc2WN7X89bnoEjaR7tWu."},
	{"sha512 openssl", "secret", "$6$Xy.7/Z$Om8d.69Dc4Bvc8evOfcqGrymlEsPtFgq3gEbuQPevilAC9h1n3kmP5XRR00haaFP9ZhmpnGIdLJsUccC/VYbo/"},
	{"sha512 rounds", "p@ss w0rd", "$6$rounds=1000$shortsalt$QN6hweCOjcMEbj5/zexePrOvpu0kBFQ5FhQVnTNsm2kw3/DrZfgG8Ovn4NYpQX.Ws4pK8Gj8WumKNWBOOxyED."},
	{"sha512 long password", strings.Repeat("a", 100), "$6$rounds=1000$x$gkyD82ppEtOlnIhN9fXaLAwZ7Wfi5CqfQ57SXSxowOft.nwKWZVPrnrPOPhvMDUoataR27ZWFUZerZ9IWcevu."},
	{"sha512 explicit default rounds utf8", "sécret", "$6$rounds=5000$saltysalt$084s/xvjpoSEAwwx8WGpQ/2S6A8yVJ23gZmShmA7gZJGkpPWVKWYIjDF.daB9lgugLOrWdLNbM/mjiNEMcxpa0"},
	{"sha512 empty", "", "$6$rounds=1000$empty$mD/mfMVeNHBUgTII19Wa60uGXYFiKQekh3g31uXM.1DkGrKMw1ICxo7N9UEq9xthpeZV2NXWk/C7RFot9C.JR."},
	{"bcrypt 2b", "bcrypted", "$2b$04$abcdefghijklmnopqrstuuNneZBb5TtVOrkkaHzzGITnj13I/1aAm"},
	{"bcrypt 2a", "bcrypted", "$2a$05$ABCDEFGHIJKLMNOPQRSTUuaAClpGsMRHlTW5jU.JylXDd1o8D3i3y"},
	{"bcrypt 2y", "bcrypted", "$2y$04$012345678901234567890uqBGj0jB4fJglvl7JYFAJjD1/8XLG/06"},
	{"bcrypt over 72 bytes", "x" + strings.Repeat("b", 79), "$2b$04$abcdefghijklmnopqrstuuNpbnQzJClyu9xMiLglQk.KSkaFWUceO"},
}

func TestCryptVectors(t *testing.T) {
	t.Parallel()
	for _, tc := range cryptVectors {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := newVerifier(tc.hash, false)
			if err != nil {
				t.Fatal(err)
			}
			if !v.verify([]byte(tc.pass)) {
				t.Error("right password rejected")
			}
			if v.verify([]byte("x" + tc.pass)) {
				t.Error("wrong password accepted")
			}
		})
	}
}

// hash72 is crypt("x" + 79*"b", "$2b$04$abcdefghijklmnopqrstuu").
const hash72 = "$2b$04$abcdefghijklmnopqrstuuNpbnQzJClyu9xMiLglQk.KSkaFWUceO"

func TestBcryptTruncatesAt72(t *testing.T) {
	t.Parallel()
	v, err := newVerifier(hash72, false)
	if err != nil {
		t.Fatal(err)
	}
	// crypt(3) ignores bytes past the 72nd, so 72 and 90 bytes also match.
	for _, n := range []int{72, 90} {
		if !v.verify([]byte("x" + strings.Repeat("b", n-1))) {
			t.Errorf("%d bytes rejected", n)
		}
	}
	if v.verify([]byte("x" + strings.Repeat("b", 70))) {
		t.Error("71 bytes accepted")
	}
}

func TestNewVerifierErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, hash, want string
	}{
		{"des", "abzlUXK5ed5rs", "DES crypt"},
		{"yescrypt", "$y$j9T$abc$def", `unsupported password hash "$y$"`},
		{"bcrypt 2x", "$2x$04$abcdefghijklmnopqrstuuNneZBb5TtVOrkkaHzzGITnj13I/1aAm", `unsupported password hash "$2x$"`},
		{"plain text", "secret", "unsupported password hash"},
		{"md5 no checksum", "$1$salt", "no checksum"},
		{"md5 long salt", "$1$123456789$yHGf0oZf8H0kWFcG99n58.", "salt has 9 characters"},
		{"md5 short checksum", "$1$abc$Or2rbeUYTvt12aiVzMuS", "checksum has 20 characters, want 22"},
		{"sha bad salt char", "$6$ab!c$x", "salt has invalid character"},
		{"sha rounds too low", "$6$rounds=10$abc$x", "rounds 10 out of range"},
		{"sha rounds leading zero", "$6$rounds=01000$abc$x", `invalid rounds "01000"`},
		{"sha rounds not a number", "$5$rounds=abc$x$y", "invalid rounds"},
		{"sha rounds no salt", "$5$rounds=1000", "no salt after rounds"},
		{"sha256 wrong checksum length", "$5$abc$" + strings.Repeat("a", 86), "want 43"},
		{"sha512 wrong checksum length", "$6$abc$" + strings.Repeat("a", 43), "want 86"},
		{"bcrypt truncated", "$2b$04$abcdefghijklmnopqrstuu", "malformed $2b$"},
		{"bcrypt too long", "$2b$04$abcdefghijklmnopqrstuuNneZBb5TtVOrkkaHzzGITnj13I/1aAmX", "want 60"},
		{"bcrypt bad cost", "$2b$xx$abcdefghijklmnopqrstuuNneZBb5TtVOrkkaHzzGITnj13I/1aAm", "malformed $2b$"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := newVerifier(tc.hash, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLockedHashes(t *testing.T) {
	t.Parallel()
	for _, hash := range []string{"!", "*", "!$6$abc$x", ""} {
		v, err := newVerifier(hash, false)
		if err != nil {
			t.Fatalf("%q: %v", hash, err)
		}
		if v.verify([]byte(hash)) || v.verify(nil) {
			t.Errorf("%q: locked user accepted", hash)
		}
	}
}

// testList is a userlist exercising every password kind and both ways of
// declaring group membership.
func testList(t *testing.T) *List {
	t.Helper()
	l, err := New(&config.Userlist{
		Name: "ul",
		Users: []*config.User{
			{Name: "plain", Password: "s3cret", Insecure: true, Groups: []string{"admin"}},
			{Name: "md5", Password: "$1$saltsalt$ZliGyAN3DciDHEkDboonh/"},
			{Name: "sha", Password: "$6$Xy.7/Z$Om8d.69Dc4Bvc8evOfcqGrymlEsPtFgq3gEbuQPevilAC9h1n3kmP5XRR00haaFP9ZhmpnGIdLJsUccC/VYbo/", Groups: []string{"dev"}},
			{Name: "empty", Password: "", Insecure: true},
			{Name: "locked", Password: "!"},
		},
		Groups: []*config.Group{
			{Name: "admin"},
			{Name: "dev", Users: []string{"md5"}},
			{Name: "ops"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCheck(t *testing.T) {
	t.Parallel()
	l := testList(t)
	tests := []struct {
		name     string
		header   string
		wantUser string
		wantOK   bool
	}{
		{"insecure", string(basic("plain", "s3cret")), "plain", true},
		{"insecure wrong", string(basic("plain", "s3cret!")), "", false},
		{"insecure empty password", string(basic("empty", "")), "empty", true},
		{"md5", string(basic("md5", "hunter2")), "md5", true},
		{"md5 wrong", string(basic("md5", "hunter3")), "", false},
		{"sha512", string(basic("sha", "secret")), "sha", true},
		{"sha512 wrong", string(basic("sha", "Secret")), "", false},
		{"password of another user", string(basic("sha", "hunter2")), "", false},
		{"unknown user", string(basic("nobody", "s3cret")), "", false},
		{"locked", string(basic("locked", "!")), "", false},
		{"scheme any case, several spaces", "bAsIc   " + base64.StdEncoding.EncodeToString([]byte("plain:s3cret")), "plain", true},
		{"trailing space", string(basic("plain", "s3cret")) + " ", "plain", true},
		{"password with colon", string(basic("plain", "s3cret:")), "", false},
		{"password cut at NUL", string(basic("plain", "s3cret\x00junk")), "plain", true},
		{"NUL in user", string(basic("pl\x00ain", "s3cret")), "", false},
		{"bearer", "Bearer abc", "", false},
		{"no space", "Basic", "", false},
		{"leading space", " Basic " + base64.StdEncoding.EncodeToString([]byte("plain:s3cret")), "", false},
		{"no credentials", "Basic ", "", false},
		{"no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("plain")), "", false},
		// The NUL ends the password, so these would match if decoded.
		{"unpadded base64", "Basic " + base64.RawStdEncoding.EncodeToString([]byte("plain:s3cret\x00")), "", false},
		{"url base64", "Basic " + base64.URLEncoding.EncodeToString([]byte("plain:s3cret\x00\xfb\xff")), "", false},
		{"newline in base64", "Basic cGxh\naW46czNjcmV0", "", false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			user, ok := l.Check([]byte(tc.header))
			if user != tc.wantUser || ok != tc.wantOK {
				t.Errorf("Check = %q, %v; want %q, %v", user, ok, tc.wantUser, tc.wantOK)
			}
		})
	}
}

func TestCheckCachesOnlySuccess(t *testing.T) {
	t.Parallel()
	l := testList(t)
	for range 3 {
		if _, ok := l.Check(basic("sha", "wrong")); ok {
			t.Fatal("wrong password accepted")
		}
	}
	if n := l.cache.len(); n != 0 {
		t.Fatalf("%d cached entries after failures, want 0", n)
	}
	for range 3 {
		if _, ok := l.Check(basic("sha", "secret")); !ok {
			t.Fatal("right password rejected")
		}
	}
	if n := l.cache.len(); n != 1 {
		t.Fatalf("%d cached entries, want 1", n)
	}
	// A cached success for one user must not let another password in.
	if _, ok := l.Check(basic("sha", "secret2")); ok {
		t.Fatal("wrong password accepted after a cached success")
	}
	// Cheap plain-text checks are never cached.
	l.Check(basic("plain", "s3cret"))
	if n := l.cache.len(); n != 1 {
		t.Fatalf("%d cached entries after a plain check, want 1", n)
	}
}

func TestCheckConcurrent(t *testing.T) {
	t.Parallel()
	l := testList(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			pass := "secret"
			if i%2 == 1 {
				pass = "nope"
			}
			for range 20 {
				if _, ok := l.Check(basic("sha", pass)); ok != (i%2 == 0) {
					t.Errorf("goroutine %d: ok = %v", i, ok)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestVerifiedCacheEvicts(t *testing.T) {
	t.Parallel()
	c := newVerifiedCache(2)
	k := func(b byte) (key [32]byte) { key[0] = b; return key }
	c.add(k(1))
	c.add(k(2))
	c.contains(k(1)) // 2 is now the least recently used
	c.add(k(3))
	if !c.contains(k(1)) || c.contains(k(2)) || !c.contains(k(3)) {
		t.Fatal("wrong entry evicted")
	}
	c.add(k(3))
	if c.len() != 2 {
		t.Fatalf("len %d, want 2", c.len())
	}
}

func TestInGroups(t *testing.T) {
	t.Parallel()
	l := testList(t)
	tests := []struct {
		name   string
		user   string
		groups []string
		want   bool
	}{
		{"from user line", "plain", []string{"admin"}, true},
		{"from group line", "md5", []string{"ops", "dev"}, true},
		{"both kinds merged", "sha", []string{"dev"}, true},
		{"not a member", "plain", []string{"dev", "ops"}, false},
		{"no groups asked", "plain", nil, false},
		{"unknown user", "nobody", []string{"admin"}, false},
		{"unknown group", "plain", []string{"nope"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := l.InGroups(tc.user, tc.groups); got != tc.want {
				t.Errorf("InGroups = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ul   *config.Userlist
		want string
	}{
		{
			name: "bad hash names the user",
			ul:   &config.Userlist{Name: "ul", Users: []*config.User{{Name: "bob", Password: "abzlUXK5ed5rs"}}},
			want: `userlist "ul": user "bob": DES crypt password hashes are not supported by hawser`,
		},
		{
			name: "unknown group on user",
			ul:   &config.Userlist{Name: "ul", Users: []*config.User{{Name: "bob", Password: "x", Insecure: true, Groups: []string{"g"}}}},
			want: `userlist "ul": user "bob": no such group "g"`,
		},
		{
			name: "unknown user in group",
			ul:   &config.Userlist{Name: "ul", Groups: []*config.Group{{Name: "g", Users: []string{"bob"}}}},
			want: `userlist "ul": group "g": no such user "bob"`,
		},
		{
			name: "duplicate user",
			ul: &config.Userlist{Name: "ul", Users: []*config.User{
				{Name: "bob", Password: "x", Insecure: true},
				{Name: "bob", Password: "y", Insecure: true},
			}},
			want: `userlist "ul": user "bob": defined twice`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.ul)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestChallenge(t *testing.T) {
	t.Parallel()
	// Captured from HAProxy 2.6 (Debian 12) for "http-request auth" in
	// frontend fe1 without a realm, and with realm "my realm" plus
	// "option http-use-proxy-header" and an absolute URI for the 407.
	const body = "<html><body><h1>%d Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n"
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{
			name: "401 default realm",
			got:  Challenge("fe1"),
			want: "HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nwww-authenticate: Basic realm=\"fe1\"\r\n\r\n<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n",
		},
		{
			name: "401 realm with space",
			got:  Challenge("my realm"),
			want: "HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nwww-authenticate: Basic realm=\"my realm\"\r\n\r\n<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n",
		},
		{
			name: "407",
			got:  ProxyChallenge("fe3"),
			want: "HTTP/1.1 407 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nproxy-authenticate: Basic realm=\"fe3\"\r\n\r\n<html><body><h1>407 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if string(tc.got) != tc.want {
				t.Errorf("got\n%q\nwant\n%q", tc.got, tc.want)
			}
		})
	}
}

func FuzzParseBasic(f *testing.F) {
	f.Add([]byte("Basic cGxhaW46czNjcmV0"))
	f.Add([]byte("basic    Og=="))
	f.Add([]byte("Bearer x"))
	f.Fuzz(func(t *testing.T, h []byte) {
		user, pass, ok := ParseBasic(h)
		if !ok {
			return
		}
		if strings.ContainsAny(string(user), ":\x00") || strings.ContainsRune(string(pass), 0) {
			t.Fatalf("user %q pass %q", user, pass)
		}
	})
}

func BenchmarkCheckCached(b *testing.B) {
	l, err := New(&config.Userlist{Name: "ul", Users: []*config.User{
		{Name: "sha", Password: "$6$Xy.7/Z$Om8d.69Dc4Bvc8evOfcqGrymlEsPtFgq3gEbuQPevilAC9h1n3kmP5XRR00haaFP9ZhmpnGIdLJsUccC/VYbo/"},
	}})
	if err != nil {
		b.Fatal(err)
	}
	h := basic("sha", "secret")
	for b.Loop() {
		if _, ok := l.Check(h); !ok {
			b.Fatal("rejected")
		}
	}
}

// TestUnknownUserCostsAHash: a user name the list does not have still
// runs a password hash check, so a client cannot tell unknown users from
// wrong passwords by the time the answer takes.
func TestUnknownUserCostsAHash(t *testing.T) {
	t.Parallel()
	l := testList(t)
	if l.decoy == nil {
		t.Fatal("no decoy verifier for a list with hashed passwords")
	}
	before := l.decoyRuns.Load()
	if _, ok := l.Check(basic("nobody", "secret")); ok {
		t.Fatal("unknown user accepted")
	}
	if l.decoyRuns.Load() != before+1 {
		t.Error("an unknown user was refused without a hash check")
	}
	// Known users take the real path.
	l.Check(basic("sha", "wrong"))
	if l.decoyRuns.Load() != before+1 {
		t.Error("a known user ran the decoy check")
	}
}
