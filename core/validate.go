package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// parseRequest decodes raw strictly: numbers stay json.Number, trailing data
// is an error, a non-object is 455 (janus-reference.md 1.1).
func parseRequest(raw []byte) (map[string]any, *APIError) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("end of file expected")
		}
	}
	if err != nil {
		line := 1 + bytes.Count(raw[:errOffset(err, dec, len(raw))], []byte{'\n'})
		return nil, apiErr(CodeInvalidJSON, "JSON error: on line %d: %s", line, err.Error())
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, apiErr(CodeInvalidJSONObject, "JSON error: not an object")
	}
	return m, nil
}

func errOffset(err error, dec *json.Decoder, n int) int {
	var se *json.SyntaxError
	off := dec.InputOffset()
	if errors.As(err, &se) {
		off = se.Offset
	}
	if off < 0 {
		off = 0
	}
	if off > int64(n) {
		off = int64(n)
	}
	return int(off)
}

// Validation texts shared with plugins (janus-reference.md section 0).
func missing(prefix, name string) *APIError {
	if prefix != "" {
		return apiErr(CodeMissingMandatory, "%s: missing mandatory element (%s)", prefix, name)
	}
	return apiErr(CodeMissingMandatory, "Missing mandatory element (%s)", name)
}

func invalid(prefix, name, should string) *APIError {
	if prefix != "" {
		return apiErr(CodeInvalidElementType, "%s: invalid element type (%s should be %s)", prefix, name, should)
	}
	return apiErr(CodeInvalidElementType, "Invalid element type (%s should be %s)", name, should)
}

// fields reads typed members of a decoded request object.
type fields struct {
	m      map[string]any
	prefix string // "JSEP error" for jsep members
}

func (f fields) str(k string, required bool) (string, bool, *APIError) {
	v, ok := f.m[k]
	if !ok {
		if required {
			return "", false, missing(f.prefix, k)
		}
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, invalid(f.prefix, k, "a string")
	}
	return s, true, nil
}

func (f fields) boolean(k string, required bool) (bool, bool, *APIError) {
	v, ok := f.m[k]
	if !ok {
		if required {
			return false, false, missing(f.prefix, k)
		}
		return false, false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, false, invalid(f.prefix, k, "a boolean")
	}
	return b, true, nil
}

// integer reads a JSON integer; positive means >= 0 as in Janus.
func (f fields) integer(k string, required, positive bool) (int64, bool, *APIError) {
	should := "an integer"
	if positive {
		should = "a positive integer"
	}
	v, ok := f.m[k]
	if !ok {
		if required {
			return 0, false, missing(f.prefix, k)
		}
		return 0, false, nil
	}
	n, ok := jsonInt(v)
	if !ok || (positive && n < 0) {
		return 0, false, invalid(f.prefix, k, should)
	}
	return n, true, nil
}

func (f fields) object(k string, required bool) (map[string]any, bool, *APIError) {
	v, ok := f.m[k]
	if !ok {
		if required {
			return nil, false, missing(f.prefix, k)
		}
		return nil, false, nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, false, invalid(f.prefix, k, "an object")
	}
	return o, true, nil
}

func (f fields) array(k string, required, nonEmpty bool) ([]any, bool, *APIError) {
	v, ok := f.m[k]
	if !ok {
		if required {
			return nil, false, missing(f.prefix, k)
		}
		return nil, false, nil
	}
	a, ok := v.([]any)
	if !ok || (nonEmpty && len(a) == 0) {
		if nonEmpty {
			return nil, false, invalid(f.prefix, k, "a non-empty array")
		}
		return nil, false, invalid(f.prefix, k, "an array")
	}
	return a, true, nil
}

// jsonInt accepts only JSON integers (no fraction, no exponent) within int64.
func jsonInt(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok || strings.ContainsAny(string(n), ".eE") {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return 0, false
	}
	return i, true
}

// idField reads session_id/handle_id: a non-integer is absent (0); a
// negative integer wraps as jansson's guint64 cast does.
func idField(m map[string]any, k string) (uint64, bool) {
	v, ok := m[k]
	if !ok {
		return 0, false
	}
	if n, ok := v.(json.Number); ok && !strings.ContainsAny(string(n), ".eE") {
		if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
			return u, true
		}
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return uint64(i), true
		}
	}
	return 0, false
}

// rawMember returns a member of the request exactly as sent.
func rawMember(m map[string]any, k string) json.RawMessage {
	v, ok := m[k]
	if !ok {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
