package models

import "fmt"

// Cache is a cache section (v3 "cache"). hawser does not implement cache
// sections yet: the model reads one, but writing one is refused.
type Cache struct {
	Name                string `json:"name" required:"true"`
	TotalMaxSize        int64  `json:"total_max_size,omitempty" cfg:"total-max-size,int"`
	MaxObjectSize       int64  `json:"max_object_size,omitempty" cfg:"max-object-size,int"`
	MaxAge              int64  `json:"max_age,omitempty" cfg:"max-age,int"`
	MaxSecondaryEntries int64  `json:"max_secondary_entries,omitempty" cfg:"max-secondary-entries,int"`
	ProcessVary         *bool  `json:"process_vary,omitempty"`
}

var cacheSection = registerSection(sectionOf("cache", "caches", func() any { return &Cache{} }, &lineCodec{}, false))

func init() {
	cacheSection.Encode = func(any) (string, [][]string, error) {
		return "", nil, fmt.Errorf("'cache' sections are not supported by hawser")
	}
}
