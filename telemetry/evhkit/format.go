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

// marshalEvent is json.Marshal(e): e's JSON, shared with the other JSON
// sinks (Event.JSON), so the caller must not modify it.
func marshalEvent(e *telemetry.Event) ([]byte, error) {
	if e == nil {
		return []byte("null"), nil
	}
	b, err := e.JSON()
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return b, nil
}

// Layout turns compact JSON (json.Marshal's output: valid, no white
// space outside strings) into layout f. It does not validate: Indented is
// json.Indent's bytes for such input, in one pass without json.Indent's
// scanner (the HTTP event handler's default layout, Janus's, indents every
// POST).
func Layout(compact []byte, f Format) ([]byte, error) {
	switch f {
	case Indented:
		return indent(compact), nil
	case Plain:
		return plain(compact), nil
	}
	return compact, nil
}

// indentUnit is Janus's JSON_INDENT(3).
const indentUnit = "   "

// indent is json.Indent(compact, "", indentUnit): a line break and the
// depth's indentation after '{', '[' and ',' and before the closing
// bracket, except that an empty object or array stays "{}" or "[]"; ": "
// after a key. Strings are copied as they are.
func indent(compact []byte) []byte {
	out := make([]byte, 0, 2*len(compact))
	depth := 0
	open := false // the previous byte opened an object or array
	for i := 0; i < len(compact); i++ {
		c := compact[i]
		if open {
			open = false
			if c == '}' || c == ']' { // empty: json.Indent keeps it on one line
				depth--
				out = append(out, c)
				continue
			}
			out = newline(out, depth)
		}
		switch c {
		case '"': // the whole string at once
			end := stringEnd(compact, i)
			out = append(out, compact[i:end]...)
			i = end - 1
		case '{', '[':
			depth++
			open = true
			out = append(out, c)
		case '}', ']':
			depth--
			out = newline(out, depth)
			out = append(out, c)
		case ',':
			out = append(out, c)
			out = newline(out, depth)
		case ':':
			out = append(out, c, ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

// stringEnd returns the index just past the string that starts with the
// quote at b[start]: after the first quote not escaped by an odd number of
// backslashes, or len(b) for a string not closed.
func stringEnd(b []byte, start int) int {
	for j := start + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		j += k
		n := 0
		for p := j - 1; p > start && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
	return len(b)
}

// newline appends a line break and depth indentation units.
func newline(out []byte, depth int) []byte {
	out = append(out, '\n')
	for range depth {
		out = append(out, indentUnit...)
	}
	return out
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
