package runtimeapi

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/tlsconf"
)

// crt-list commands. A crt-list is a live object of the certificate
// store (tlsconf.CrtList): lines added or deleted here are served by
// every bind using the list at its next handshake, and kept across
// reloads while the file on disk does not change (as certificates set by
// "set ssl cert" are). The file itself is never written.
func init() {
	Register(&Command{Words: []string{"show", "ssl", "crt-list"}, Level: LevelAdmin,
		Usage: "show ssl crt-list [-n] [<list>]", Help: "show the list of crt-lists or the content of a crt-list file", Handler: showCrtList})
	Register(&Command{Words: []string{"add", "ssl", "crt-list"}, Level: LevelAdmin,
		Usage: "add ssl crt-list <list> <cert> [<<payload]", Help: "add a line (a certificate, or a payload line with options and filters) to a crt-list", Handler: addCrtList})
	Register(&Command{Words: []string{"del", "ssl", "crt-list"}, Level: LevelAdmin,
		Usage: "del ssl crt-list <list> <cert[:line]>", Help: "delete a line from a crt-list", Handler: delCrtList})
}

// crtLists returns the crt-list files of the running configuration.
func crtLists(ctx *Context) []string {
	var out []string
	g := ctx.Engine.Active()
	if g == nil {
		return nil
	}
	for _, fe := range g.Snap.Frontends {
		for _, b := range fe.Binds {
			if b.TLS == nil {
				continue
			}
			for _, l := range b.TLS.CrtLists {
				if !slices.Contains(out, l) {
					out = append(out, l)
				}
			}
		}
	}
	return out
}

// bindsUsing counts the bind lines of the running configuration that
// use the crt-list (HAProxy prints one dot per bind it updates).
func bindsUsing(ctx *Context, list string) int {
	n := 0
	if g := ctx.Engine.Active(); g != nil {
		for _, fe := range g.Snap.Frontends {
			for _, b := range fe.Binds {
				if b.TLS != nil && slices.Contains(b.TLS.CrtLists, list) {
					n++
				}
			}
		}
	}
	return n
}

// liveCrtList finds a crt-list of the running configuration by name
// (trailing slashes ignored, as HAProxy does).
func liveCrtList(ctx *Context, name string) *tlsconf.CrtList {
	if trimmed := strings.TrimRight(name, "/"); trimmed != "" {
		name = trimmed
	}
	if !slices.Contains(crtLists(ctx), name) {
		return nil
	}
	return ctx.Engine.Certs().CrtList(name)
}

func showCrtList(ctx *Context, args []string, _ string) (string, error) {
	numbers := false
	if len(args) > 0 && args[0] == "-n" {
		numbers, args = true, args[1:]
		if len(args) == 0 {
			return "", Errorf("'show ssl crt-list -n' expects a filename or a directory")
		}
	}
	if len(args) == 0 {
		// HAProxy 2.6 prints no header line here.
		for _, l := range crtLists(ctx) {
			ctx.W.WriteString(l + "\n")
		}
		return "", nil
	}
	l := liveCrtList(ctx, args[0])
	if l == nil {
		return "", Errorf("didn't find the specified filename")
	}
	fmt.Fprintf(ctx.W, "# %s\n", l.Path)
	for _, cl := range l.Lines() {
		s := cl.String()
		if numbers {
			s = cl.Path + ":" + strconv.Itoa(cl.Line) + s[len(cl.Path):]
		}
		ctx.W.WriteString(s + "\n")
	}
	return "", nil
}

// certPath resolves a certificate name given on the command line
// against crt-base, as HAProxy does.
func certPath(ctx *Context, p string) string {
	if g := ctx.Engine.Active(); g != nil && g.Snap.Global.CrtBase != "" && !filepath.IsAbs(p) && !strings.HasPrefix(p, "@") {
		return filepath.Join(g.Snap.Global.CrtBase, p)
	}
	return p
}

func addCrtList(ctx *Context, args []string, payload string) (string, error) {
	if len(args) < 1 || payload == "" && len(args) < 2 {
		return "", Errorf("'add ssl crtlist' expects a filename and a certificate name")
	}
	fail := func(msg string) (string, error) { return "", Errorf("Can't edit the crt-list: %s", msg) }
	l := liveCrtList(ctx, args[0])
	if l == nil {
		return fail(fmt.Sprintf("crt-list '%s' does not exist!", args[0]))
	}
	var line tlsconf.CrtListLine
	if payload != "" {
		text := strings.TrimRight(payload, "\n")
		if strings.Contains(text, "\n") {
			return fail("only one line of payload is supported!")
		}
		base := ""
		if g := ctx.Engine.Active(); g != nil {
			base = g.Snap.Global.CrtBase
		}
		var err error
		if line, err = tlsconf.ParseCrtListLine(text, base); err != nil {
			return fail(err.Error())
		}
	} else {
		line.Path = certPath(ctx, args[1])
	}
	if _, err := ctx.Engine.Certs().AddCrtListLine(l.Path, line); err != nil {
		return fail(err.Error())
	}
	return fmt.Sprintf("Inserting certificate '%s' in crt-list '%s'%s\nSuccess!\n",
		line.Path, l.Path, strings.Repeat(".", bindsUsing(ctx, l.Path))), nil
}

func delCrtList(ctx *Context, args []string, _ string) (string, error) {
	if len(args) < 2 {
		return "", Errorf("'del ssl crtlist' expects a filename and a certificate name")
	}
	fail := func(msg string) (string, error) { return "", Errorf("Can't delete the entry: %s\n", msg) }
	cert, lineNo := args[1], 0
	if i := strings.LastIndexByte(cert, ':'); i >= 0 {
		n, err := strconv.Atoi(cert[i+1:])
		if err != nil || n <= 0 {
			return fail(fmt.Sprintf("wrong line number after colons in '%s'!", cert))
		}
		cert, lineNo = cert[:i], n
	}
	cert = certPath(ctx, cert)
	l := liveCrtList(ctx, args[0])
	if l == nil {
		return fail(fmt.Sprintf("crt-list '%s' does not exist!", args[0]))
	}
	if err := ctx.Engine.Certs().DelCrtListLine(l.Path, cert, lineNo); err != nil {
		return fail(err.Error())
	}
	return fmt.Sprintf("Entry '%s' deleted in crtlist '%s'!\n", cert, l.Path), nil
}
