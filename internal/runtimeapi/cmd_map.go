package runtimeapi

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/maps"
)

// The map and ACL commands: they edit the running generation's map and
// pattern files (maps.Map), which every converter and ACL naming the file
// shares, so a change is seen by all of them at once. A reload re-reads
// the files and so forgets runtime edits, as HAProxy does.
func init() {
	for _, k := range []mapKind{{"map", true}, {"acl", false}} {
		reg := func(verb string, lvl Level, usage, help string, h func(*Context, mapKind, []string, string) (string, error)) {
			Register(&Command{Words: []string{verb, k.word}, Level: lvl, Usage: usage, Help: help,
				Handler: func(ctx *Context, args []string, payload string) (string, error) { return h(ctx, k, args, payload) }})
		}
		w := k.word
		if k.isMap {
			reg("show", LevelOperator, "show map [@<ver>] [<map>]", "list maps or dump a map's entries", showMap)
			reg("get", LevelOperator, "get map <map> <value>", "look a value up in a map", getMap)
			reg("add", LevelAdmin, "add map [@<ver>] <map> <key> <value>", "add an entry to a map (or a payload of 'key value' lines)", addMap)
			reg("set", LevelAdmin, "set map <map> [<key>|#<ref>] <value>", "change a map entry's value", setMap)
		} else {
			reg("show", LevelOperator, "show acl [@<ver>] [<acl>]", "list ACL files or dump one's patterns", showMap)
			reg("get", LevelOperator, "get acl <acl> <value>", "match a value against an ACL file", getMap)
			reg("add", LevelAdmin, "add acl [@<ver>] <acl> <pattern>", "add a pattern to an ACL file (or a payload of patterns)", addMap)
		}
		reg("del", LevelAdmin, "del "+w+" <"+w+"> [<key>|#<ref>]", "delete "+w+" entries", delMap)
		reg("clear", LevelAdmin, "clear "+w+" [@<ver>] <"+w+">", "remove every entry of a "+w+" version", clearMap)
		reg("prepare", LevelAdmin, "prepare "+w+" <"+w+">", "open a new empty version of a "+w, prepareMap)
		reg("commit", LevelAdmin, "commit "+w+" @<ver> <"+w+">", "make a prepared version current, replacing every entry at once", commitMap)
	}
}

// mapKind tells the map commands from the ACL ones.
type mapKind struct {
	word  string // "map" or "acl"
	isMap bool
}

func (k mapKind) unknown() error {
	if k.isMap {
		return Errorf("Unknown map identifier. Please use #<id> or <file>.")
	}
	return Errorf("Unknown ACL identifier. Please use #<id> or <file>.")
}

// find returns the map named by name ("#<id>" or the file) among those of
// the running generation, of the command's kind.
func (k mapKind) find(ctx *Context, name string) (*maps.Map, error) {
	g := ctx.Engine.Active()
	if g == nil || g.Maps == nil {
		return nil, k.unknown()
	}
	m := g.Maps.Find(name)
	if m == nil || m.IsMap() != k.isMap {
		return nil, k.unknown()
	}
	return m, nil
}

// version takes a leading "@<ver>" off args.
func version(args []string) (ver uint32, has bool, rest []string, err error) {
	if len(args) == 0 || !strings.HasPrefix(args[0], "@") {
		return 0, false, args, nil
	}
	n, perr := strconv.ParseUint(args[0][1:], 10, 32)
	if perr != nil {
		return 0, false, args, Errorf("Version must be a number.")
	}
	return uint32(n), true, args[1:], nil
}

// parseRef reads "#<ref>" as "show map" prints it (0x...).
func parseRef(s string) (uint64, bool) {
	r, ok := strings.CutPrefix(s, "#")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(r, 0, 64)
	return n, err == nil
}

func showMap(ctx *Context, k mapKind, args []string, _ string) (string, error) {
	ver, hasVer, args, err := version(args)
	if err != nil {
		return "", err
	}
	if len(args) == 0 {
		if hasVer {
			return "", k.unknown()
		}
		g := ctx.Engine.Active()
		fmt.Fprintf(ctx.W, "# id (file) description\n")
		if g == nil || g.Maps == nil {
			return "", nil
		}
		for _, m := range g.Maps.Maps() {
			if m.IsMap() != k.isMap {
				continue
			}
			curr, next := m.Versions()
			fmt.Fprintf(ctx.W, "%d (%s) pattern loaded from file '%s' used by %s%s. curr_ver=%d next_ver=%d entry_cnt=%d\n",
				m.ID(), m.Path(), m.Path(), k.word, usedAt(g.Snap, m.Path()), curr, next, m.Len())
		}
		return "", nil
	}
	m, err := k.find(ctx, args[0])
	if err != nil {
		return "", err
	}
	var entries []maps.Entry
	if hasVer {
		var ok bool
		if entries, ok = m.VersionEntries(ver); !ok {
			return "", Errorf("Version number out of range.")
		}
	} else {
		entries = m.Entries()
	}
	writeEntries(ctx.W, k, entries)
	return "", nil
}

func writeEntries(w *bufio.Writer, k mapKind, entries []maps.Entry) {
	for _, e := range entries {
		if k.isMap {
			fmt.Fprintf(w, "%#x %s %s\n", e.Ref, e.Key, e.Value)
		} else {
			fmt.Fprintf(w, "%#x %s\n", e.Ref, e.Key)
		}
	}
}

func getMap(ctx *Context, k mapKind, args []string, _ string) (string, error) {
	if len(args) < 2 {
		return "", Errorf("Missing %s identifier and/or key.", k.word)
	}
	m, err := k.find(ctx, args[0])
	if err != nil {
		return "", err
	}
	r := m.Get(strings.Join(args[1:], " "))
	cs := "sensitive"
	if r.ICase {
		cs = "insensitive"
	}
	idx := "list"
	switch r.Kind {
	case maps.Str, maps.Beg, maps.IP, maps.Int:
		idx = "tree"
	}
	found, word := "no", "found"
	if !k.isMap {
		word = "match"
	}
	if r.Found {
		found = "yes"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "type=%s, case=%s, %s=%s", r.Kind, cs, word, found)
	if r.Found {
		if k.isMap {
			fmt.Fprintf(&b, ", idx=%s, key=\"%s\", value=\"%s\", type=\"str\"", idx, r.Entry.Key, r.Entry.Value)
		} else {
			fmt.Fprintf(&b, ", idx=%s, pattern=\"%s\"", idx, r.Entry.Key)
		}
	}
	b.WriteString("\n")
	return b.String(), nil
}

func addMap(ctx *Context, k mapKind, args []string, payload string) (string, error) {
	ver, hasVer, args, err := version(args)
	if err != nil {
		return "", err
	}
	want := 3
	if !k.isMap {
		want = 2
	}
	if len(args) == 0 || (payload == "" && len(args) < want) {
		if k.isMap {
			return "", Errorf("'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload")
		}
		return "", Errorf("'add acl' expects two parameters: ACL identifier and pattern.")
	}
	m, err := k.find(ctx, args[0])
	if err != nil {
		return "", err
	}
	if !hasVer {
		ver, _ = m.Versions()
	}
	// A payload is added in one step: lookups see all of its lines or
	// none, and the indexes are updated once.
	add := func(entries []maps.Entry) error {
		if err := m.AddEntriesVersion(ver, entries); err != nil {
			if errors.Is(err, maps.ErrVersion) {
				return Errorf("Version number out of range.")
			}
			return Errorf("Failed to add an entry: %v.", err)
		}
		return nil
	}
	if payload != "" {
		var entries []maps.Entry
		for line := range strings.Lines(payload) {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			key, value := line, ""
			if k.isMap {
				var ok bool
				key, value, ok = strings.Cut(line, " ")
				if !ok {
					return "", Errorf("'add map' expects two parameters per line: key and value.")
				}
				value = strings.TrimSpace(value)
			}
			entries = append(entries, maps.Entry{Key: key, Value: value})
		}
		return "", add(entries)
	}
	value := ""
	if k.isMap {
		value = strings.Join(args[2:], " ")
	}
	return "", add([]maps.Entry{{Key: args[1], Value: value}})
}

func setMap(ctx *Context, k mapKind, args []string, _ string) (string, error) {
	if len(args) < 3 {
		return "", Errorf("'set map' expects three parameters: map identifier, key and value.")
	}
	m, err := k.find(ctx, args[0])
	if err != nil {
		return "", err
	}
	value := strings.Join(args[2:], " ")
	if ref, ok := parseRef(args[1]); ok {
		if m.SetRef(ref, value) != nil {
			return "", Errorf("entry not found.")
		}
		return "", nil
	}
	if m.Set(args[1], value) == 0 {
		return "", Errorf("entry not found.")
	}
	return "", nil
}

func delMap(ctx *Context, k mapKind, args []string, _ string) (string, error) {
	if len(args) != 2 {
		return "", Errorf("This command expects two parameters: %s identifier and key.", k.word)
	}
	m, err := k.find(ctx, args[0])
	if err != nil {
		return "", err
	}
	if ref, ok := parseRef(args[1]); ok {
		if m.DelRef(ref) != nil {
			return "", Errorf("Key not found.")
		}
		return "", nil
	}
	if m.Del(args[1]) == 0 {
		return "", Errorf("Key not found.")
	}
	return "", nil
}

func clearMap(ctx *Context, k mapKind, args []string, _ string) (string, error) {
	ver, hasVer, args, err := version(args)
	if err != nil {
		return "", err
	}
	if len(args) != 1 {
		return "", Errorf("Missing %s identifier.", k.word)
	}
	m, err := k.find(ctx, args[0])
	if err != nil {
		return "", err
	}
	if !hasVer {
		m.Clear()
		return "", nil
	}
	if m.ClearVersion(ver) != nil {
		return "", Errorf("Version number out of range.")
	}
	return "", nil
}

func prepareMap(ctx *Context, k mapKind, args []string, _ string) (string, error) {
	if len(args) != 1 {
		return "", Errorf("Missing %s identifier.", k.word)
	}
	m, err := k.find(ctx, args[0])
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("New version created: %d\n", m.Prepare()), nil
}

func commitMap(ctx *Context, k mapKind, args []string, _ string) (string, error) {
	ver, hasVer, args, err := version(args)
	if err != nil {
		return "", err
	}
	if !hasVer || len(args) != 1 {
		return "", Errorf("Missing version number.")
	}
	m, err := k.find(ctx, args[0])
	if err != nil {
		return "", err
	}
	if m.Commit(ver) != nil {
		return "", Errorf("Version number out of range.")
	}
	return "", nil
}

// usedAt returns " at file '<file>' line <n>" for the first configuration
// line naming path, as HAProxy describes where a map or ACL file is
// used; "" when the configuration's files are not known.
func usedAt(snap *config.Snapshot, path string) string {
	for _, f := range snap.Files {
		for _, sec := range f.Sections {
			for _, ln := range sec.Lines {
				for _, w := range ln.Words {
					if strings.Contains(w, path) {
						return fmt.Sprintf(" at file '%s' line %d", ln.File, ln.Line)
					}
				}
			}
		}
	}
	return ""
}
