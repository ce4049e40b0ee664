package health

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
)

// script writes greeting, then answers each line it reads with the next
// reply, and closes after the last one.
func script(greeting string, replies ...string) func(net.Conn) {
	return func(c net.Conn) {
		defer c.Close()
		io.WriteString(c, greeting)
		br := bufio.NewReader(c)
		for _, r := range replies {
			if _, err := br.ReadString('\n'); err != nil {
				return
			}
			io.WriteString(c, r)
		}
	}
}

// rawServer reads n bytes, writes reply and closes.
func rawServer(n int, reply []byte) func(net.Conn) {
	return func(c net.Conn) {
		defer c.Close()
		if n > 0 {
			if _, err := io.ReadFull(c, make([]byte, n)); err != nil {
				return
			}
		}
		c.Write(reply)
	}
}

// holdServer reads n bytes, writes reply and keeps the connection open.
func holdServer(n int, reply []byte) func(net.Conn) {
	return func(c net.Conn) {
		rawServer(n, reply)(struct{ net.Conn }{noClose{c}})
		io.Copy(io.Discard, c)
		c.Close()
	}
}

// noClose hides Close so rawServer's deferred close is a no-op.
type noClose struct{ net.Conn }

func (noClose) Close() error { return nil }

// listen serves each accepted connection with serve until the test ends.
func listen(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return ln.Addr().String()
}

func rule(action string, mods ...func(*config.CheckRule)) *config.CheckRule {
	r := &config.CheckRule{Action: action}
	for _, m := range mods {
		m(r)
	}
	return r
}

func send(s string) *config.CheckRule {
	return rule("send", func(r *config.CheckRule) { r.Data = s })
}

func expect(kind, pat string, mods ...func(*config.CheckExpect)) *config.CheckRule {
	e := &config.CheckExpect{Kind: kind, Pattern: pat, MinRecv: -1}
	for _, m := range mods {
		m(e)
	}
	return rule("expect", func(r *config.CheckRule) { r.Expect = e })
}

func mysqlHandshake() []byte {
	body := append([]byte{10}, "8.0.36\x00"...)
	body = append(body, make([]byte, 20)...)
	return append([]byte{byte(len(body)), 0, 0, 0}, body...)
}

func mysqlPkt(seq byte, body []byte) []byte {
	return append([]byte{byte(len(body)), 0, 0, seq}, body...)
}

func TestPrograms(t *testing.T) {
	t.Parallel()
	pgAuth := []byte{'R', 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4}
	pgErr := append([]byte{'E', 0, 0, 0, 20, 'S'}, "FATAL no such user\x00"...)
	ldapOK := []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00}
	ldapBad := []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x31, 0x04, 0x00, 0x04, 0x00}
	tests := []struct {
		name   string
		spec   *config.CheckSpec
		serve  func(net.Conn)
		status string
		desc   string
		code   int
	}{
		{name: "tcp-check send expect ok", spec: &config.CheckSpec{Type: config.CheckTCP, Rules: []*config.CheckRule{send("PING\r\n"), expect("string", "+PONG")}},
			serve: holdServer(6, []byte("+PONG\r\n")), status: StatusL7OK},
		{name: "tcp-check mismatch names the step", spec: &config.CheckSpec{Type: config.CheckTCP, Rules: []*config.CheckRule{send("PING\r\n"), expect("string", "PONG")}},
			serve: rawServer(6, []byte("-ERR\r\n")), status: StatusL7RSP, desc: "TCPCHK did not match content 'PONG' at step 2"},
		{name: "tcp-check waits for a match until the timeout", spec: &config.CheckSpec{Type: config.CheckTCP, Rules: []*config.CheckRule{send("PING\r\n"), expect("string", "PONG")}},
			serve: holdServer(6, []byte("-ERR\r\n")), status: StatusL7TOUT, desc: " at step 2 of tcp-check (expect string 'PONG')"},
		{name: "tcp-check negated match", spec: &config.CheckSpec{Type: config.CheckTCP, Rules: []*config.CheckRule{send("PING\r\n"), expect("rstring", "^-ERR", func(e *config.CheckExpect) { e.Negate = true })}},
			serve: holdServer(6, []byte("-ERR x\r\n")), status: StatusL7RSP, desc: "TCPCHK matched unwanted content (regex) at step 2"},
		{name: "tcp-check comment and on-error", spec: &config.CheckSpec{Type: config.CheckTCP, Rules: []*config.CheckRule{
			rule("comment", func(r *config.CheckRule) { r.Comment = "ping" }), send("PING\r\n"),
			expect("string", "PONG", func(e *config.CheckExpect) { e.OnError, e.ErrorStatus = "no pong", "L7STS" })}},
			serve: rawServer(6, []byte("nope\r\n")), status: StatusL7STS, desc: "no pong"},
		{name: "tcp-check empty response", spec: &config.CheckSpec{Type: config.CheckTCP, Rules: []*config.CheckRule{send("QUIT\r\n"), expect("string", "+OK")}},
			serve: rawServer(6, nil), status: StatusL7RSP, desc: "TCPCHK got an empty response at step 2"},
		{name: "tcp-check binary", spec: &config.CheckSpec{Type: config.CheckTCP, Rules: []*config.CheckRule{
			rule("send-binary", func(r *config.CheckRule) { r.Data = "\x01\x02" }), expect("rbinary", "^0A0B")}},
			serve: rawServer(2, []byte{0x0a, 0x0b, 0x0c}), status: StatusL7OK},
		{name: "tcp-check several exchanges", spec: &config.CheckSpec{Type: config.CheckTCP, Rules: []*config.CheckRule{
			send("AUTH x\r\n"), expect("string", "+OK"), send("info replication\r\n"), expect("string", "role:master")}},
			serve: script("", "+OK\r\n", "role:slave\r\n"), status: StatusL7RSP,
			desc: "TCPCHK did not match content 'role:master' at step 4"},
		{name: "tcp-check only connect", spec: &config.CheckSpec{Type: config.CheckTCP}, serve: drain, status: StatusL4OK},
		{name: "redis ok", spec: &config.CheckSpec{Type: config.CheckRedis},
			serve: holdServer(14, []byte("+PONG\r\n")), status: StatusL7OK, desc: "Redis server is ok"},
		{name: "redis error", spec: &config.CheckSpec{Type: config.CheckRedis},
			serve: rawServer(14, []byte("-NOAUTH Authentication required.\r\n")), status: StatusL7STS, desc: "-NOAUTH Authentication required."},
		{name: "smtp ok", spec: &config.CheckSpec{Type: config.CheckSMTP, SMTPHello: "EHLO me"},
			serve:  script("220 mx ESMTP\r\n", "250-mx hello\r\n250 SIZE 1000\r\n", "221 bye\r\n"),
			status: StatusL7OK, desc: "bye", code: 221},
		{name: "smtp busy banner", spec: &config.CheckSpec{Type: config.CheckSMTP},
			serve: script("554 go away\r\n"), status: StatusL7STS, desc: "go away", code: 554},
		{name: "pgsql ok", spec: &config.CheckSpec{Type: config.CheckPgSQL, User: "postgres"},
			serve: rawServer(len(pgsqlStartup("postgres")), pgAuth), status: StatusL7OK, desc: "PostgreSQL server is ok"},
		{name: "pgsql error", spec: &config.CheckSpec{Type: config.CheckPgSQL, User: "postgres"},
			serve: rawServer(len(pgsqlStartup("postgres")), pgErr), status: StatusL7RSP, desc: "FATAL no such user\x00"},
		{name: "mysql handshake", spec: &config.CheckSpec{Type: config.CheckMySQL},
			serve: rawServer(0, mysqlHandshake()), status: StatusL7OK, desc: "8.0.36"},
		{name: "mysql login ok", spec: &config.CheckSpec{Type: config.CheckMySQL, User: "haproxy", MySQLVariant: "post-41"},
			serve: rawServer(0, append(mysqlHandshake(), mysqlPkt(2, []byte{0, 0, 0, 2, 0, 0, 0})...)), status: StatusL7OK, desc: "8.0.36"},
		{name: "mysql login refused", spec: &config.CheckSpec{Type: config.CheckMySQL, User: "haproxy", MySQLVariant: "post-41"},
			serve:  rawServer(0, append(mysqlHandshake(), mysqlPkt(2, append([]byte{0xff, 0x15, 0x04}, "#28000Access denied"...))...)),
			status: StatusL7STS, desc: "#28000Access denied", code: 1045},
		{name: "ldap ok", spec: &config.CheckSpec{Type: config.CheckLDAP}, serve: rawServer(len(ldapBind), ldapOK), status: StatusL7OK, desc: "Success"},
		{name: "ldap refused", spec: &config.CheckSpec{Type: config.CheckLDAP}, serve: rawServer(len(ldapBind), ldapBad),
			status: StatusL7STS, desc: "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9", code: 0x31},
		{name: "ssl hello ok", spec: &config.CheckSpec{Type: config.CheckSSLHello}, serve: rawServer(5, []byte{0x16, 3, 1, 0, 0x40}), status: StatusL6OK},
		{name: "ssl hello plain text", spec: &config.CheckSpec{Type: config.CheckSSLHello}, serve: rawServer(5, []byte("HTTP/1.0 400 Bad\r\n")), status: StatusL6RSP},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCheck(newServer("s"), nil)
			c.Spec, c.Addr = tc.spec, listen(t, tc.serve)
			prog, err := compileProgram(&c)
			if err != nil {
				t.Fatal(err)
			}
			c.prog = prog
			r := new(Checker).probe(t.Context(), &c, nil)
			if r.status != tc.status || r.desc != tc.desc || r.code != tc.code {
				t.Errorf("got %s %q code %d, want %s %q code %d", r.status, r.desc, r.code, tc.status, tc.desc, tc.code)
			}
		})
	}
}

func TestConnectFailureLocation(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	tests := []struct {
		name  string
		rules []*config.CheckRule
		want  string
	}{
		{name: "implicit", rules: []*config.CheckRule{send("x")}, want: "Connection refused at initial connection step of tcp-check"},
		{name: "explicit", rules: []*config.CheckRule{rule("connect", func(r *config.CheckRule) { r.Comment = "db" })},
			want: "Connection refused at step 1 of tcp-check (connect) comment: 'db'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCheck(newServer("s"), nil)
			c.Addr = "127.0.0.1:" + port
			c.Spec = &config.CheckSpec{Type: config.CheckTCP, Rules: tc.rules}
			c.prog, _ = compileProgram(&c)
			r := new(Checker).probe(t.Context(), &c, nil)
			if r.status != StatusL4CON || r.desc != tc.want {
				t.Errorf("got %s %q, want L4CON %q", r.status, r.desc, tc.want)
			}
		})
	}
}

func TestRequestBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{name: "pgsql startup", got: pgsqlStartup("pg"), want: []byte("\x00\x00\x00\x11\x00\x03\x00\x00user\x00pg\x00\x00")},
		{name: "mysql pre-41", got: mysqlLogin("hap", "pre-41"), want: []byte("\x0a\x00\x00\x01\x00\x80\x00\x00\x01hap\x00\x00\x01\x00\x00\x00\x01")},
		{name: "spop varint", got: spopVarint(16380), want: []byte{0xfc, 0xf0, 0x06}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !bytes.Equal(tc.got, tc.want) {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
	hello := sslHello()
	if hello[0] != 0x16 || int(binary.BigEndian.Uint16(hello[3:])) != len(hello)-5 {
		t.Errorf("ssl hello record header % x, length %d", hello[:5], len(hello))
	}
}
