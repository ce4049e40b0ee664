package health

import (
	"fmt"
	"strings"
	"time"
)

// transitionMessage words an up/down transition as HAProxy logs it. peers
// are counted after the transition, so the server itself is among the
// "active ... online" when it comes up and missing from those "left" when it
// goes down. hawser has no per-server queue redistribution yet, so the
// requeued and queue figures are 0.
func transitionMessage(c *Check, r result, up bool, peers []Peer) string {
	var b strings.Builder
	if c.Server.Backup {
		b.WriteString("Backup ")
	}
	verdict := "DOWN"
	if up {
		verdict = "UP"
	}
	fmt.Fprintf(&b, "Server %s/%s is %s", c.Backend, c.Server.Name, verdict)
	appendReason(&b, r)
	active, backup := countUsable(peers)
	onBackup := ""
	if backup > 0 && active == 0 {
		onBackup = " Running on backup."
	}
	if up {
		fmt.Fprintf(&b, ". %d active and %d backup servers online.%s %d sessions requeued, %d total in queue.",
			active, backup, onBackup, 0, 0)
	} else {
		fmt.Fprintf(&b, ". %d active and %d backup servers left.%s %d sessions active, %d requeued, %d remaining in queue.",
			active, backup, onBackup, c.State.Cur(), 0, 0)
	}
	return b.String()
}

// appendReason appends ", reason: ..., code: ..., info: \"...\", check
// duration: Nms".
func appendReason(b *strings.Builder, r result) {
	fmt.Fprintf(b, ", reason: %s", Description(r.status))
	if r.hasCode() {
		fmt.Fprintf(b, ", code: %d", r.code)
	}
	if r.desc != "" {
		fmt.Fprintf(b, ", info: \"%s\"", asciiEncode(r.desc, '"'))
	}
	fmt.Fprintf(b, ", check duration: %dms", r.dur/time.Millisecond)
}

// asciiEncode makes s safe inside a quoted log field: tabs, newlines and
// carriage returns become \t \n \r, other bytes outside printable ASCII and
// the quote itself become \xHH.
func asciiEncode(s string, quote byte) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f || c == quote:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// countUsable counts the active and backup servers that can take new
// traffic: up, not in maintenance or drain, and with a non-zero weight (a
// weight-0 server takes no traffic, and HAProxy does not count it).
func countUsable(peers []Peer) (active, backup int) {
	for _, p := range peers {
		if p.Server == nil || p.Server.Weight <= 0 {
			continue
		}
		usable := !p.Server.Disabled
		if p.State != nil {
			usable = p.State.Usable()
		}
		if !usable {
			continue
		}
		if p.Server.Backup {
			backup++
		} else {
			active++
		}
	}
	return active, backup
}
