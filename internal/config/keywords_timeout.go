package config

import (
	"fmt"
	"time"
)

// timeoutKeywords are the "timeout <name>" keywords.
var timeoutKeywords = []*Keyword{
	timeout("client", secFE, "client inactivity timeout", func(t *Timeouts) *time.Duration { return &t.Client }),
	timeout("client-fin", secFE, "client inactivity timeout once the server side is closed", func(t *Timeouts) *time.Duration { return &t.ClientFin }),
	timeout("server", secBE, "server inactivity timeout", func(t *Timeouts) *time.Duration { return &t.Server }),
	timeout("server-fin", secBE, "server inactivity timeout once the client side is closed", func(t *Timeouts) *time.Duration { return &t.ServerFin }),
	timeout("connect", secBE, "time to establish a server connection", func(t *Timeouts) *time.Duration { return &t.Connect }),
	timeout("queue", secBE, "longest time a request waits in a queue", func(t *Timeouts) *time.Duration { return &t.Queue }),
	timeout("tunnel", secBE, "inactivity timeout of tunnels (WebSocket, CONNECT, TCP after upgrade)", func(t *Timeouts) *time.Duration { return &t.Tunnel }),
	timeout("check", secBE, "extra read timeout of health checks once connected", func(t *Timeouts) *time.Duration { return &t.Check }),
	timeout("http-request", secProxies, "longest time to receive a complete request header", func(t *Timeouts) *time.Duration { return &t.HTTPRequest }),
	timeout("http-keep-alive", secProxies, "longest time to wait for the next request on a keep-alive connection", func(t *Timeouts) *time.Duration { return &t.HTTPKeepAlive }),
	timeout("tarpit", secProxies, "how long tarpitted connections are held", func(t *Timeouts) *time.Duration { return &t.Tarpit }),
	{Name: "timeout client-hs", Sections: secFE, Args: "<time>", Help: "TLS handshake timeout"},
}

func timeout(name string, secs SectionSet, help string, field func(*Timeouts) *time.Duration) *Keyword {
	return &Keyword{Name: "timeout " + name, Sections: secs, Args: "<time>", Help: help, Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a time argument"); err != nil {
				return err
			}
			d, err := parseTime(c.name, args[0])
			if err != nil {
				return err
			}
			if d < 0 {
				return fmt.Errorf("'%s' cannot be negative", c.name)
			}
			*field(&c.px.p.Timeouts) = d
			return nil
		}}
}
