package videoroom

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// params is a request object with Janus-style typed getters; each getter
// returns a 429/430 vrError with Janus's validator texts.
type params map[string]json.RawMessage

// parseParams decodes a message body: 421 for none, 422 for a non-object.
func parseParams(body json.RawMessage) (params, *vrError) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil, newErr(errNoMessage, "No message??")
	}
	var p params
	if t[0] != '{' || json.Unmarshal(t, &p) != nil {
		return nil, newErr(errInvalidJSON, "JSON error: not an object")
	}
	return p, nil
}

func missing(name string) *vrError {
	return newErr(errMissingElement, "Missing mandatory element (%s)", name)
}

func invalid(name, should string) *vrError {
	return newErr(errInvalidElement, "Invalid element type (%s should be %s)", name, should)
}

func (p params) has(k string) bool { _, ok := p[k]; return ok }

// str returns a string field.
func (p params) str(k string, required bool) (string, bool, *vrError) {
	raw, ok := p[k]
	if !ok {
		if required {
			return "", false, missing(k)
		}
		return "", false, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false, invalid(k, "a string")
	}
	return s, true, nil
}

// boolean returns a boolean field.
func (p params) boolean(k string, required bool) (bool, bool, *vrError) {
	raw, ok := p[k]
	if !ok {
		if required {
			return false, false, missing(k)
		}
		return false, false, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		return false, false, invalid(k, "a boolean")
	}
	return b, true, nil
}

// uint returns a JSON integer >= 0 ("a positive integer" in Janus terms).
func (p params) uint(k string, required bool) (uint64, bool, *vrError) {
	raw, ok := p[k]
	if !ok {
		if required {
			return 0, false, missing(k)
		}
		return 0, false, nil
	}
	v, err := uintValue(raw)
	if err != nil {
		return 0, false, invalid(k, "a positive integer")
	}
	return v, true, nil
}

// array returns the raw elements of an array field.
func (p params) array(k string, required bool) ([]json.RawMessage, bool, *vrError) {
	raw, ok := p[k]
	if !ok {
		if required {
			return nil, false, missing(k)
		}
		return nil, false, nil
	}
	var a []json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || bytes.TrimSpace(raw)[0] != '[' || json.Unmarshal(raw, &a) != nil {
		return nil, false, invalid(k, "an array")
	}
	return a, true, nil
}

// strings returns an array of strings.
func (p params) strings(k string) ([]string, bool, *vrError) {
	a, ok, e := p.array(k, false)
	if e != nil || !ok {
		return nil, ok, e
	}
	out := make([]string, 0, len(a))
	for _, raw := range a {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false, newErr(errInvalidElement, "Invalid element type (%s should be an array of strings)", k)
		}
		out = append(out, s)
	}
	return out, true, nil
}

// objects returns the elements of an array of objects as params.
func (p params) objects(k string, required bool) ([]params, bool, *vrError) {
	a, ok, e := p.array(k, required)
	if e != nil || !ok {
		return nil, ok, e
	}
	out := make([]params, 0, len(a))
	for _, raw := range a {
		var o params
		t := bytes.TrimSpace(raw)
		if len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &o) != nil {
			return nil, false, newErr(errInvalidElement, "Invalid element type (%s should be an array of objects)", k)
		}
		out = append(out, o)
	}
	return out, true, nil
}

// intValue accepts only JSON integers (1.0 is a real, rejected as Janus does).
func intValue(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, errNotAnInt
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var n json.Number
	if err := d.Decode(&n); err != nil {
		return 0, fmt.Errorf("%w: %w", errNotAnInt, err)
	}
	if bytes.ContainsAny([]byte(n), ".eE") {
		return 0, errNotAnInt
	}
	v, err := n.Int64()
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errNotAnInt, err)
	}
	return v, nil
}

// uintValue accepts JSON integers >= 0.
func uintValue(raw json.RawMessage) (uint64, error) {
	v, err := intValue(raw)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, errNotAnInt
	}
	return uint64(v), nil
}
