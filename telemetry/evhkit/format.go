package evhkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/argusrtc/argus/telemetry"
)

// Format is a JSON layout of Janus's event handlers ("json" setting).
type Format string

// The layouts of Janus's event handlers.
const (
	// Indented is 3-space indentation (JSON_INDENT(3)).
	Indented Format = "indented"
	// Plain is one line with a space after ':' and ','.
	Plain Format = "plain"
	// Compact is one line without spaces.
	Compact Format = "compact"
)

// ParseFormat reads a "json" setting, case-insensitively.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case Indented, Plain, Compact:
		return f, nil
	}
	return "", fmt.Errorf("json %q: want indented, plain or compact: %w", s, ErrBadSetting)
}

// Marshal renders v in layout f.
func Marshal(v any, f Format) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return Layout(b, f)
}

// MarshalEvents renders a batch as Janus's event handlers send it: the
// array of events when grouped, else the single event object (evs[0]), in
// layout f.
func MarshalEvents(evs []*telemetry.Event, grouped bool, f Format) ([]byte, error) {
	if grouped {
		return Marshal(evs, f)
	}
	return Marshal(evs[0], f)
}

// Layout turns compact JSON into layout f.
func Layout(compact []byte, f Format) ([]byte, error) {
	switch f {
	case Indented:
		var buf bytes.Buffer
		if err := json.Indent(&buf, compact, "", "   "); err != nil {
			return nil, fmt.Errorf("indent: %w", err)
		}
		return buf.Bytes(), nil
	case Plain:
		return plain(compact), nil
	}
	return compact, nil
}

// plain puts a space after every ':' and ',' outside strings.
func plain(compact []byte) []byte {
	out := make([]byte, 0, len(compact)+len(compact)/8)
	inString, escaped := false, false
	for _, c := range compact {
		out = append(out, c)
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ':' || c == ','):
			out = append(out, ' ')
		}
	}
	return out
}
