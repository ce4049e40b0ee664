package models

import "strings"

// LogTarget is one "log" line of global, a defaults, frontend or backend
// section or a log-forward: "log global", "no log" or "log <address>
// [len <length>] [format <format>] [sample <ranges>:<size>] <facility>
// [<level> [<minlevel>]]".
type LogTarget struct {
	Global      bool   `json:"global,omitempty"`
	Nolog       bool   `json:"nolog,omitempty"`
	Address     string `json:"address,omitempty"`
	Length      *int64 `json:"length,omitempty"`
	Format      string `json:"format,omitempty" enum:"local,rfc3164,rfc5424,priority,short,timed,iso,raw"`
	SampleRange string `json:"sample_range,omitempty"`
	SampleSize  *int64 `json:"sample_size,omitempty"`
	Facility    string `json:"facility,omitempty" enum:"kern,user,mail,daemon,auth,syslog,lpr,news,uucp,cron,auth2,ftp,ntp,audit,alert,cron2,local0,local1,local2,local3,local4,local5,local6,local7"`
	Level       string `json:"level,omitempty" enum:"emerg,alert,crit,err,warning,notice,info,debug"`
	Minlevel    string `json:"minlevel,omitempty" enum:"emerg,alert,crit,err,warning,notice,info,debug"`
}

var (
	logFacilityNames = strings.Split("kern,user,mail,daemon,auth,syslog,lpr,news,uucp,cron,auth2,ftp,ntp,audit,alert,cron2,local0,local1,local2,local3,local4,local5,local6,local7", ",")
	logLevelNames    = strings.Split("emerg,alert,crit,err,warning,notice,info,debug", ",")
	logFormatNames   = strings.Split("local,rfc3164,rfc5424,priority,short,timed,iso,raw", ",")
)

var _ = registerList(&Child{
	Path:    "log_targets",
	Parents: []string{"global", "defaults", "frontend", "backend", "log-forward"},
	New:     func() any { return new(LogTarget) },
	Owns: func(words []string) bool {
		return len(words) > 0 && words[0] == "log" || len(words) > 1 && words[0] == "no" && words[1] == "log"
	},
	Decode: decodeLogTarget,
	Encode: func(m any) ([]string, error) {
		t := m.(*LogTarget)
		words, err := encodeLogTarget(t)
		if err != nil {
			return nil, err
		}
		back, err := decodeLogTarget(words)
		if err != nil {
			return nil, err
		}
		if err := unusedField(t, back, "this log target"); err != nil {
			return nil, err
		}
		return words, nil
	},
})

func decodeLogTarget(words []string) (any, error) {
	if words[0] == "no" {
		if len(words) != 2 {
			return nil, fieldError("nolog", "'no log' takes no argument")
		}
		return &LogTarget{Nolog: true}, nil
	}
	if len(words) == 2 && words[1] == "global" {
		return &LogTarget{Global: true}, nil
	}
	if len(words) < 3 {
		return nil, fieldError("facility", "missing in %q", wordsText(words))
	}
	t := &LogTarget{Address: wordText(words[1])}
	rest := words[2:]
	seen := map[string]bool{}
	for len(rest) >= 2 {
		if seen[rest[0]] {
			return nil, fieldError("address", "'%s' is given twice in %q", rest[0], wordsText(words))
		}
		seen[rest[0]] = true
		switch rest[0] {
		case "len":
			n, err := intText("length", rest[1])
			if err != nil {
				return nil, err
			}
			t.Length = n
		case "format":
			if t.Format = rest[1]; !hasWord(logFormatNames, t.Format) {
				return nil, fieldError("format", "unknown log format %q", t.Format)
			}
		case "sample":
			r, s, ok := strings.Cut(rest[1], ":")
			n, err := intText("sample_size", s)
			if !ok || err != nil {
				return nil, fieldError("sample_range", "expects <ranges>:<size>, got %q", rest[1])
			}
			t.SampleRange, t.SampleSize = r, n
		case "profile":
			return nil, fieldError("profile", "'log ... profile' is not supported by hawser")
		default:
			goto facility
		}
		rest = rest[2:]
	}
facility:
	if len(rest) == 0 || len(rest) > 3 {
		return nil, fieldError("facility", "expects <facility> [<level> [<minlevel>]] in %q", wordsText(words))
	}
	t.Facility = rest[0]
	if !hasWord(logFacilityNames, t.Facility) {
		return nil, fieldError("facility", "unknown facility %q", t.Facility)
	}
	for i, f := range []*string{&t.Level, &t.Minlevel} {
		if len(rest) > i+1 {
			if *f = rest[i+1]; !hasWord(logLevelNames, *f) {
				return nil, fieldError([]string{"level", "minlevel"}[i], "unknown level %q", *f)
			}
		}
	}
	return t, nil
}

func encodeLogTarget(t *LogTarget) ([]string, error) {
	switch {
	case t.Global && t.Nolog:
		return nil, fieldError("nolog", "cannot be set with global")
	case t.Global:
		return []string{"log", "global"}, nil
	case t.Nolog:
		return []string{"no", "log"}, nil
	}
	b := &lineBuilder{w: []string{"log"}}
	b.word("address", t.Address, true)
	if t.Length != nil {
		if *t.Length < 80 || *t.Length > 65535 {
			return nil, fieldError("length", "must be between 80 and 65535")
		}
		b.lit("len", itoa(*t.Length))
	}
	if t.Format != "" {
		if !hasWord(logFormatNames, t.Format) {
			return nil, fieldError("format", "unknown log format %q", t.Format)
		}
		b.lit("format", t.Format)
	}
	switch {
	case t.SampleRange != "" && t.SampleSize != nil:
		if strings.ContainsAny(t.SampleRange, " \t:") {
			return nil, fieldError("sample_range", "expects ranges such as 1-3,5")
		}
		b.lit("sample", t.SampleRange+":"+itoa(*t.SampleSize))
	case t.SampleRange != "":
		return nil, fieldError("sample_size", "is required with sample_range")
	case t.SampleSize != nil:
		return nil, fieldError("sample_range", "is required with sample_size")
	}
	if !hasWord(logFacilityNames, t.Facility) {
		return nil, fieldError("facility", "unknown facility %q", t.Facility)
	}
	b.lit(t.Facility)
	if t.Level != "" {
		if !hasWord(logLevelNames, t.Level) {
			return nil, fieldError("level", "unknown level %q", t.Level)
		}
		b.lit(t.Level)
	}
	if t.Minlevel != "" {
		if t.Level == "" {
			return nil, fieldError("level", "is required with minlevel")
		}
		if !hasWord(logLevelNames, t.Minlevel) {
			return nil, fieldError("minlevel", "unknown level %q", t.Minlevel)
		}
		b.lit(t.Minlevel)
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.w, nil
}
