package engine

import (
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/stick"
)

func TestTablesRetainAndStop(t *testing.T) {
	t.Parallel()
	d, err := stick.ParseDecl(strings.Fields("type ip size 10 expire 1s store gpc0"))
	if err != nil {
		t.Fatal(err)
	}
	var to tablesOnce
	to.retain(&Generation{}) // no registry yet: nothing to do
	reg := to.get()
	kept := reg.Get("kept", d)
	reg.Get("dropped", d)
	to.retain(&Generation{Tables: map[string]*stick.Table{"kept": kept}})
	tests := []struct {
		name string
		want bool
	}{
		{name: "kept", want: true},
		{name: "dropped", want: false},
	}
	for _, tc := range tests {
		if _, ok := reg.Lookup(tc.name); ok != tc.want {
			t.Errorf("Lookup(%q) = %v, want %v", tc.name, ok, tc.want)
		}
	}
	to.stop() // returns once the sweeper has ended
}
