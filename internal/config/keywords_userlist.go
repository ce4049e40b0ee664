package config

import (
	"fmt"
	"strings"
)

// userlistKeywords are the userlist section's keywords and the options of
// its user and group lines.
var userlistKeywords = []*Keyword{
	{Name: "user", Sections: SecUserlist, Args: "<name> [password <hash> | insecure-password <password>] [groups <group>[,<group>...]]", Help: "declare a user", Supported: true, Parse: parseUser},
	{Name: "group", Sections: SecUserlist, Args: "<name> [users <user>[,<user>...]]", Help: "declare a group", Supported: true, Parse: parseGroup},
	{Name: "password", Scope: ScopeUser, Sections: SecUserlist, NArgs: 1, Args: "<crypt(3) hash>", Help: "the user's hashed password", Supported: true,
		Parse: func(c *lineCtx, a []string) error { c.user.Password, c.user.Insecure = a[0], false; return nil }},
	{Name: "insecure-password", Scope: ScopeUser, Sections: SecUserlist, NArgs: 1, Args: "<password>", Help: "the user's password in clear text", Supported: true,
		Parse: func(c *lineCtx, a []string) error { c.user.Password, c.user.Insecure = a[0], true; return nil }},
	{Name: "groups", Scope: ScopeUser, Sections: SecUserlist, NArgs: 1, Args: "<group>[,<group>...]", Help: "groups the user belongs to", Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			c.user.Groups = append(c.user.Groups, splitList(a[0])...)
			return nil
		}},
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseUser(c *lineCtx, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("'user' expects a user name")
	}
	for _, u := range c.ul.Users {
		if u.Name == args[0] {
			return fmt.Errorf("userlist '%s': user '%s' is already declared at %s:%d", c.ul.Name, u.Name, u.Pos.File, u.Pos.Line)
		}
	}
	c.user = &User{Pos: c.pos, Name: args[0]}
	c.parseOptions(ScopeUser, "user", args[1:])
	c.ul.Users = append(c.ul.Users, c.user)
	c.user = nil
	return nil
}

func parseGroup(c *lineCtx, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("'group' expects a group name")
	}
	g := &Group{Pos: c.pos, Name: args[0]}
	for _, prev := range c.ul.Groups {
		if prev.Name == g.Name {
			return fmt.Errorf("userlist '%s': group '%s' is already declared at %s:%d", c.ul.Name, g.Name, prev.Pos.File, prev.Pos.Line)
		}
	}
	rest := args[1:]
	switch {
	case len(rest) == 0:
	case len(rest) == 2 && rest[0] == "users":
		g.Users = splitList(rest[1])
	default:
		return fmt.Errorf("'group %s' only accepts 'users <user>[,<user>...]'", g.Name)
	}
	c.ul.Groups = append(c.ul.Groups, g)
	return nil
}
