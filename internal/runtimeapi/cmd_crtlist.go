package runtimeapi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hawser-lb/hawser/internal/tlsconf"
)

// crt-list commands. hawser reads crt-lists with the configuration: "show
// ssl crt-list" shows them, while adding or removing lines at run time is
// not supported yet (edit the file and reload).
func init() {
	Register(&Command{Words: []string{"show", "ssl", "crt-list"}, Level: LevelOperator,
		Usage: "show ssl crt-list [-n] [<list>]", Help: "show the list of crt-lists or the content of a crt-list file", Handler: showCrtList})
	for _, verb := range []string{"add", "del"} {
		Register(&Command{Words: []string{verb, "ssl", "crt-list"}, Level: LevelAdmin,
			Usage: verb + " ssl crt-list <list> <certfile> ...", Help: "not supported by hawser yet: edit the crt-list file and reload",
			Handler: func(*Context, []string, string) (string, error) {
				return "", Errorf("'%s ssl crt-list' is not supported by hawser: edit the crt-list file and reload.", verb)
			}})
	}
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

func showCrtList(ctx *Context, args []string, _ string) (string, error) {
	numbers := false
	if len(args) > 0 && args[0] == "-n" {
		numbers, args = true, args[1:]
	}
	lists := crtLists(ctx)
	if len(args) == 0 {
		ctx.W.WriteString("# filename\n")
		for _, l := range lists {
			ctx.W.WriteString(l + "\n")
		}
		return "", nil
	}
	if !slices.Contains(lists, args[0]) {
		return "", Errorf("didn't find the specified filename")
	}
	lines, err := tlsconf.ParseCrtList(args[0], ctx.Engine.Active().Snap.Global.CrtBase)
	if err != nil {
		return "", Errorf("%v", err)
	}
	fmt.Fprintf(ctx.W, "# %s\n", args[0])
	for _, l := range lines {
		ctx.W.WriteString(l.Path)
		if numbers {
			fmt.Fprintf(ctx.W, ":%d", l.Line)
		}
		if len(l.Opts) > 0 {
			ctx.W.WriteString(" [" + strings.Join(l.Opts, " ") + "]")
		}
		for _, f := range l.Filters {
			ctx.W.WriteString(" " + f)
		}
		for _, f := range l.Negs {
			ctx.W.WriteString(" !" + f)
		}
		ctx.W.WriteString("\n")
	}
	return "", nil
}
