package runtimeapi

import "strings"

// The "show" commands about the running configuration.
func init() {
	Register(&Command{Words: []string{"show", "backend"}, Level: LevelUser, Usage: "show backend", Help: "list backends in the current running config", Handler: showBackend})
}

func showBackend(ctx *Context, _ []string, _ string) (string, error) {
	var b strings.Builder
	b.WriteString("# name\n")
	if g := ctx.Engine.Active(); g != nil {
		for _, be := range g.Snap.Backends {
			b.WriteString(be.Name)
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}
