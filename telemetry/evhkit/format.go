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
//
// The bytes are json.Marshal's of evs (or evs[0]), built from each event's
// MarshalJSON: that output is already json.Marshal's own (compact, HTML
// escaped), so json.Marshal's second validating and compacting pass over it
// is skipped.
func MarshalEvents(evs []*telemetry.Event, grouped bool, f Format) ([]byte, error) {
	if !grouped {
		b, err := marshalEvent(evs[0])
		if err != nil {
			return nil, err
		}
		return Layout(b, f)
	}
	if evs == nil {
		return Layout([]byte("null"), f)
	}
	parts := make([][]byte, len(evs))
	n := 2 + len(evs)
	for i, e := range evs {
		var err error
		if parts[i], err = marshalEvent(e); err != nil {
			return nil, err
		}
		n += len(parts[i])
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, p := range parts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p...)
	}
	return Layout(append(b, ']'), f)
}

// marshalEvent is json.Marshal(e).
func marshalEvent(e *telemetry.Event) ([]byte, error) {
	if e == nil {
		return []byte("null"), nil
	}
	b, err := e.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return b, nil
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
