package engine

import (
	"errors"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
)

// at ties err to the configuration line pos, unless it already carries
// one (a *config.Error or a config.ErrorList).
func at(pos cfgfile.Pos, err error) error {
	if err == nil {
		return nil
	}
	var list config.ErrorList
	var ce *config.Error
	if errors.As(err, &list) || errors.As(err, &ce) {
		return err
	}
	return &config.Error{Pos: pos, Msg: err.Error()}
}

// compileErrors collects compile errors with their lines, so that a start
// or "hawser -c" reports every one of them as config errors are reported
// ("FILE:LINE : message"), not only the first.
type compileErrors struct{ list config.ErrorList }

// add records err. prefix names the section ("backend \"app\": "); an
// error without a line of its own gets pos, the section's line.
func (c *compileErrors) add(prefix string, pos cfgfile.Pos, err error) {
	if err == nil {
		return
	}
	var list config.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			c.list = append(c.list, &config.Error{Pos: e.Pos, Msg: prefix + e.Msg})
		}
		return
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		c.list = append(c.list, &config.Error{Pos: ce.Pos, Msg: prefix + ce.Msg})
		return
	}
	c.list = append(c.list, &config.Error{Pos: pos, Msg: prefix + err.Error()})
}

// err returns the collected errors, nil when there are none.
func (c *compileErrors) err() error {
	if len(c.list) == 0 {
		return nil
	}
	return c.list
}
