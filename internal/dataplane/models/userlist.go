package models

import (
	"fmt"
	"strings"
)

// Userlist is a userlist section. Its lines are all children: users
// (/users?userlist=NAME in v3) and groups.
type Userlist struct {
	Name string `json:"name" required:"true"`
}

// User is one "user" line of a userlist.
type User struct {
	Username string `json:"username" required:"true"`
	// SecurePassword tells a crypt(3) hash ("password") from a clear
	// text one ("insecure-password").
	SecurePassword bool   `json:"secure_password" required:"true"`
	Password       string `json:"password" required:"true"`
	Groups         string `json:"groups,omitempty"`
}

// Group is one "group" line of a userlist.
type Group struct {
	Name  string `json:"name" required:"true"`
	Users string `json:"users,omitempty"`
}

var _ = registerSection(sectionOf("userlist", "userlists", func() any { return &Userlist{} }, &lineCodec{}, false))

func secondWord(w []string) string {
	if len(w) > 1 {
		return w[1]
	}
	return ""
}

var _ = registerChild(&Child{
	Path:    "users",
	Parents: []string{"userlist"},
	New:     func() any { return &User{} },
	Owns:    func(w []string) bool { return len(w) > 0 && w[0] == "user" },
	Name:    secondWord,
	Decode: func(w []string) (any, error) {
		if len(w) < 2 {
			return nil, fmt.Errorf("expects user <name> [password <hash>|insecure-password <password>] [groups <group>,...]")
		}
		u := &User{Username: w[1]}
		for i := 2; i < len(w); i += 2 {
			if i+1 == len(w) {
				return nil, fmt.Errorf("user %q: %s expects a value", u.Username, w[i])
			}
			switch w[i] {
			case "password":
				u.Password, u.SecurePassword = w[i+1], true
			case "insecure-password":
				u.Password, u.SecurePassword = w[i+1], false
			case "groups":
				u.Groups = w[i+1]
			default:
				return nil, fmt.Errorf("user %q: unexpected %q", u.Username, w[i])
			}
		}
		return u, nil
	},
	Encode: func(m any) ([]string, error) {
		u := m.(*User)
		if err := checkName("username", u.Username); err != nil {
			return nil, err
		}
		line := []string{"user", u.Username}
		if u.Password != "" {
			if u.SecurePassword {
				line = append(line, "password", u.Password)
			} else {
				line = append(line, "insecure-password", u.Password)
			}
		}
		if u.Groups != "" {
			if strings.ContainsAny(u.Groups, " \t") {
				return nil, fmt.Errorf("field \"groups\" is a comma-separated list without blanks")
			}
			line = append(line, "groups", u.Groups)
		}
		return line, nil
	},
})

var _ = registerChild(&Child{
	Path:    "groups",
	Parents: []string{"userlist"},
	New:     func() any { return &Group{} },
	Owns:    func(w []string) bool { return len(w) > 0 && w[0] == "group" },
	Name:    secondWord,
	Decode: func(w []string) (any, error) {
		g := &Group{Name: secondWord(w)}
		switch {
		case len(w) == 2:
		case len(w) == 4 && w[2] == "users":
			g.Users = w[3]
		default:
			return nil, fmt.Errorf("expects group <name> [users <user>,...]")
		}
		return g, nil
	},
	Encode: func(m any) ([]string, error) {
		g := m.(*Group)
		if err := checkName("name", g.Name); err != nil {
			return nil, err
		}
		line := []string{"group", g.Name}
		if g.Users != "" {
			if strings.ContainsAny(g.Users, " \t") {
				return nil, fmt.Errorf("field \"users\" is a comma-separated list without blanks")
			}
			line = append(line, "users", g.Users)
		}
		return line, nil
	},
})
