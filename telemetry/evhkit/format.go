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
// is skipped. A single event in the compact layout is the event's shared
// JSON itself (Event.JSON): the caller must not modify it.
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
	l := layout{f: f}
	b := l.open(make([]byte, 0, sizeHint(n, f)))
	for i, p := range parts {
		b = l.item(b, i, p)
	}
	return l.close(b), nil
}

// AppendEvents appends MarshalEvents(evs, grouped, f)'s bytes to dst and
// returns the extended slice. It lays the events' JSON out straight into
// dst, without the compact array between, so a caller that reuses dst
// (the HTTP event handler's POST body) allocates nothing once dst is large
// enough.
func AppendEvents(dst []byte, evs []*telemetry.Event, grouped bool, f Format) ([]byte, error) {
	l := layout{f: f}
	if !grouped || evs == nil {
		var b []byte
		if !grouped {
			var err error
			if b, err = marshalEvent(evs[0]); err != nil {
				return dst, err
			}
		} else {
			b = []byte("null")
		}
		return l.append(dst, b), nil
	}
	dst = l.open(dst)
	for i, e := range evs {
		b, err := marshalEvent(e)
		if err != nil {
			return dst, err
		}
		dst = l.item(dst, i, b)
	}
	return l.close(dst), nil
}

// sizeHint is the capacity to lay out n bytes of compact JSON in f: twice
// n for the indented layout (as before), an eighth more for the plain one.
func sizeHint(n int, f Format) int {
	switch f {
	case Indented:
		return 2 * n
	case Plain:
		return n + n/8
	}
	return n
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

// layout lays compact JSON out in format f piece by piece: appending the
// pieces of a document one after the other gives the bytes Layout gives
// for the whole document, as long as no piece ends inside a string (the
// pieces here are whole values and the array's brackets and commas).
type layout struct {
	f  Format
	in indenter
	pl plainer
}

// append appends compact, laid out, to out.
func (l *layout) append(out, compact []byte) []byte {
	switch l.f {
	case Indented:
		return l.in.append(out, compact)
	case Plain:
		return l.pl.append(out, compact)
	}
	return append(out, compact...)
}

// open, item and close lay out a JSON array of items: '[', item i preceded
// by ',' unless it is the first, ']'.
func (l *layout) open(out []byte) []byte { return l.append(out, []byte{'['}) }

func (l *layout) item(out []byte, i int, compact []byte) []byte {
	if i > 0 {
		out = l.append(out, []byte{','})
	}
	return l.append(out, compact)
}

func (l *layout) close(out []byte) []byte { return l.append(out, []byte{']'}) }

// indentUnit is Janus's JSON_INDENT(3).
const indentUnit = "   "

// indent is json.Indent(compact, "", indentUnit): a line break and the
// depth's indentation after '{', '[' and ',' and before the closing
// bracket, except that an empty object or array stays "{}" or "[]"; ": "
// after a key. Strings are copied as they are.
func indent(compact []byte) []byte {
	var in indenter
	return in.append(make([]byte, 0, 2*len(compact)), compact)
}

// indenter is indent's state between pieces of one document.
type indenter struct {
	depth int
	open  bool // the previous byte opened an object or array
}

// append appends compact, indented, to out.
func (in *indenter) append(out, compact []byte) []byte {
	depth, open := in.depth, in.open
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
	in.depth, in.open = depth, open
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
	var pl plainer
	return pl.append(make([]byte, 0, len(compact)+len(compact)/8), compact)
}

// plainer is plain's state between pieces of one document.
type plainer struct {
	inString, escaped bool
}

// append appends compact, with plain's spaces, to out.
func (pl *plainer) append(out, compact []byte) []byte {
	inString, escaped := pl.inString, pl.escaped
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
	pl.inString, pl.escaped = inString, escaped
	return out
}
