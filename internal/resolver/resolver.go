// Package resolver resolves server names with the DNS servers of a
// "resolvers" section, again and again at run time, and moves servers to
// the addresses it finds ("server ... resolvers <name>"), as HAProxy's
// run-time resolution does. It sends A and AAAA queries over UDP.
package resolver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/hawser-lb/hawser/internal/config"
)

// Response statuses, named as the "hold" keyword names them.
const (
	StatusValid   = "valid"
	StatusNX      = "nx"
	StatusRefused = "refused"
	StatusTimeout = "timeout"
	StatusOther   = "other"
)

// Error is a failed resolution; Status says how it failed.
type Error struct {
	Status string
	Err    error
}

func (e *Error) Error() string { return "resolution " + e.Status + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Client queries the nameservers of one resolvers section.
type Client struct {
	Cfg *config.Resolvers
	// Nameservers are the ip:port addresses queried in turn.
	Nameservers []string
	// counters are each nameserver's counters, by the index in
	// Nameservers (stats.go); nil entries count nothing.
	counters []*Counters
}

// ResolvConf is the file parse-resolv-conf reads; tests replace it.
var ResolvConf = "/etc/resolv.conf"

// New returns a client for cfg, reading resolv.conf for
// parse-resolv-conf.
func New(cfg *config.Resolvers) *Client {
	c := &Client{Cfg: cfg}
	for _, ns := range cfg.Nameservers {
		c.Nameservers = append(c.Nameservers, ns.Address)
		c.counters = append(c.counters, CountersFor(cfg.Name, ns.Name))
	}
	if cfg.ParseResolvConf {
		// HAProxy names the nameservers of resolv.conf after their
		// position in the file.
		for i, addr := range readResolvConf(ResolvConf) {
			c.Nameservers = append(c.Nameservers, addr)
			c.counters = append(c.counters, CountersFor(cfg.Name, "resolv.conf."+strconv.Itoa(i+1)))
		}
	}
	return c
}

func readResolvConf(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "nameserver" {
			if ip, err := netip.ParseAddr(fields[1]); err == nil {
				out = append(out, netip.AddrPortFrom(ip, 53).String())
			}
		}
	}
	return out
}

// Lookup returns the IPv4 and IPv6 addresses of host (A and AAAA
// answers, CNAMEs followed by the nameserver). It tries each nameserver
// in turn, "resolve_retries" times in all, waiting "timeout retry" for
// each answer.
func (c *Client) Lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	if len(c.Nameservers) == 0 {
		return nil, &Error{Status: StatusOther, Err: errors.New("no nameserver")}
	}
	name, err := dnsmessage.NewName(strings.TrimSuffix(host, ".") + ".")
	if err != nil {
		return nil, &Error{Status: StatusOther, Err: err}
	}
	var addrs []netip.Addr
	var last error
	for _, typ := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
		got, err := c.query(ctx, name, typ)
		if err != nil {
			last = err
		}
		addrs = append(addrs, got...)
	}
	if len(addrs) == 0 {
		if last == nil {
			// Answers without a record: HAProxy treats it as NX.
			last = &Error{Status: StatusNX, Err: fmt.Errorf("no address for %s", host)}
		}
		return nil, last
	}
	return addrs, nil
}

// query sends one question until a nameserver answers it.
func (c *Client) query(ctx context.Context, name dnsmessage.Name, typ dnsmessage.Type) ([]netip.Addr, error) {
	retries := max(c.Cfg.ResolveRetries, 1)
	wait := c.Cfg.TimeoutRetry
	if wait <= 0 {
		wait = time.Second
	}
	var last error = &Error{Status: StatusTimeout, Err: errors.New("no answer")}
	for i := range retries {
		n := i % len(c.Nameservers)
		var ctr *Counters
		if n < len(c.counters) {
			ctr = c.counters[n]
		}
		addrs, err := c.exchange(ctx, c.Nameservers[n], name, typ, wait, ctr)
		if err == nil {
			return addrs, nil
		}
		last = err
		var re *Error
		if errors.As(err, &re) && re.Status == StatusNX {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, last
}

func (c *Client) exchange(ctx context.Context, ns string, name dnsmessage.Name, typ dnsmessage.Type, wait time.Duration, ctr *Counters) ([]netip.Addr, error) {
	if ctr == nil {
		ctr = new(Counters) // counted nowhere
	}
	addrs, sent, err := c.exchange1(ctx, ns, name, typ, wait, ctr)
	if sent {
		ctr.count(err)
	}
	return addrs, err
}

// statusInvalid marks an answer that does not parse; "hold" knows it as
// "other".
const statusInvalid = "invalid"

// exchange1 sends one query to ns and reads its answer; sent reports
// whether the query went out (what follows is then the nameserver's
// answer, or its absence).
func (c *Client) exchange1(ctx context.Context, ns string, name dnsmessage.Name, typ dnsmessage.Type, wait time.Duration, ctr *Counters) (_ []netip.Addr, sent bool, _ error) {
	id := uint16(rand.Uint32())
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, RecursionDesired: true})
	b.EnableCompression()
	b.StartQuestions()
	b.Question(dnsmessage.Question{Name: name, Type: typ, Class: dnsmessage.ClassINET})
	size := 512
	if c.Cfg.AcceptedPayloadSize > 0 {
		size = c.Cfg.AcceptedPayloadSize
		b.StartAdditionals()
		var rh dnsmessage.ResourceHeader
		rh.SetEDNS0(size, dnsmessage.RCodeSuccess, false)
		b.OPTResource(rh, dnsmessage.OPTResource{})
	}
	msg, err := b.Finish()
	if err != nil {
		return nil, false, &Error{Status: StatusOther, Err: err}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", ns)
	if err != nil {
		ctr.SendError.Add(1)
		return nil, false, &Error{Status: StatusOther, Err: err}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	conn.SetDeadline(time.Now().Add(wait))
	if _, err := conn.Write(msg); err != nil {
		ctr.SendError.Add(1)
		return nil, false, &Error{Status: StatusOther, Err: err}
	}
	ctr.Sent.Add(1)
	buf := make([]byte, max(size, 512))
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil, false, ctx.Err() // given up, not timed out
			}
			return nil, true, &Error{Status: StatusTimeout, Err: err}
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:n])
		if err != nil || h.ID != id || !h.Response {
			continue // not our answer: keep waiting
		}
		if h.Truncated {
			ctr.Truncated.Add(1)
		}
		switch h.RCode {
		case dnsmessage.RCodeSuccess:
		case dnsmessage.RCodeNameError:
			return nil, true, &Error{Status: StatusNX, Err: fmt.Errorf("%s: no such name", name)}
		case dnsmessage.RCodeRefused:
			return nil, true, &Error{Status: StatusRefused, Err: fmt.Errorf("%s: refused", name)}
		default:
			return nil, true, &Error{Status: StatusOther, Err: fmt.Errorf("%s: %v", name, h.RCode)}
		}
		if err := p.SkipAllQuestions(); err != nil {
			return nil, true, &Error{Status: statusInvalid, Err: err}
		}
		var out []netip.Addr
		cname := false
		for {
			rh, err := p.AnswerHeader()
			if errors.Is(err, dnsmessage.ErrSectionDone) {
				break
			}
			if err != nil {
				return nil, true, &Error{Status: statusInvalid, Err: err}
			}
			switch rh.Type {
			case dnsmessage.TypeA:
				r, err := p.AResource()
				if err != nil {
					return nil, true, &Error{Status: statusInvalid, Err: err}
				}
				out = append(out, netip.AddrFrom4(r.A))
			case dnsmessage.TypeAAAA:
				r, err := p.AAAAResource()
				if err != nil {
					return nil, true, &Error{Status: statusInvalid, Err: err}
				}
				out = append(out, netip.AddrFrom16(r.AAAA))
			case dnsmessage.TypeCNAME:
				cname = true
				fallthrough
			default:
				if err := p.SkipAnswer(); err != nil {
					return nil, true, &Error{Status: statusInvalid, Err: err}
				}
			}
		}
		if cname {
			ctr.CNAME.Add(1)
		}
		return out, true, nil
	}
}
