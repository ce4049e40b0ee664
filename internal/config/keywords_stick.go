package config

import (
	"fmt"
	"slices"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/stick"
)

// StickTable is a proxy's "stick-table" line, kept as written; package
// stick parses it (the engine re-parses it into a stick.Decl).
type StickTable struct {
	Pos   cfgfile.Pos
	Words []string
}

// stickKeywords declare stick tables in proxies.
var stickKeywords = []*Keyword{
	{Name: "stick-table", Sections: secRules, Args: "type ip|ipv6|integer|string [len <n>]|binary [len <n>] size <size> [expire <time>] [nopurge] [store <data>[,<data>]*]",
		Help: "declare this proxy's stick table (track-sc, sc_* and table_* fetches); its contents survive reloads", Supported: true, Parse: parseStickTable},
}

func parseStickTable(c *lineCtx, args []string) error {
	if c.px.p.StickTable != nil {
		return fmt.Errorf("'stick-table': only one stick table per proxy")
	}
	if _, err := stick.ParseDecl(args); err != nil {
		return fmt.Errorf("'stick-table': %v", err)
	}
	c.px.p.StickTable = &StickTable{Pos: c.pos, Words: slices.Clone(args)}
	return nil
}
