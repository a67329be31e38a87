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

// field decodes the field k with decode: 429 when it is required and
// missing, 430 (k should be should) when decode rejects it. ok is whether
// the object has it.
func field[T any](p params, k string, required bool, should string, decode func(json.RawMessage) (T, bool)) (T, bool, *vrError) {
	var zero T
	raw, ok := p[k]
	if !ok {
		if required {
			return zero, false, missing(k)
		}
		return zero, false, nil
	}
	v, valid := decode(raw)
	if !valid {
		return zero, false, invalid(k, should)
	}
	return v, true, nil
}

// unmarshal decodes a JSON value of T's type.
func unmarshal[T any](raw json.RawMessage) (T, bool) {
	var v T
	return v, json.Unmarshal(raw, &v) == nil
}

// str returns a string field.
func (p params) str(k string, required bool) (string, bool, *vrError) {
	return field(p, k, required, "a string", unmarshal[string])
}

// boolean returns a boolean field.
func (p params) boolean(k string, required bool) (bool, bool, *vrError) {
	return field(p, k, required, "a boolean", unmarshal[bool])
}

// uint returns a JSON integer >= 0 ("a positive integer" in Janus terms).
func (p params) uint(k string, required bool) (uint64, bool, *vrError) {
	return field(p, k, required, "a positive integer", func(raw json.RawMessage) (uint64, bool) {
		v, err := uintValue(raw)
		return v, err == nil
	})
}

// arrayOf returns the elements of an array field, each decoded with
// decode (430 "k should be should" when one is not).
func arrayOf[T any](p params, k string, required bool, should string, decode func(json.RawMessage) (T, bool)) ([]T, bool, *vrError) {
	a, ok, e := field(p, k, required, "an array", func(raw json.RawMessage) ([]json.RawMessage, bool) {
		t := bytes.TrimSpace(raw)
		var a []json.RawMessage
		return a, len(t) > 0 && t[0] == '[' && json.Unmarshal(raw, &a) == nil
	})
	if e != nil || !ok {
		return nil, ok, e
	}
	out := make([]T, 0, len(a))
	for _, raw := range a {
		v, valid := decode(raw)
		if !valid {
			return nil, false, invalid(k, should)
		}
		out = append(out, v)
	}
	return out, true, nil
}

// strings returns an array of strings.
func (p params) strings(k string, required bool) ([]string, bool, *vrError) {
	return arrayOf(p, k, required, "an array of strings", unmarshal[string])
}

// objects returns the elements of an array of objects as params.
func (p params) objects(k string, required bool) ([]params, bool, *vrError) {
	return arrayOf(p, k, required, "an array of objects", func(raw json.RawMessage) (params, bool) {
		t := bytes.TrimSpace(raw)
		if len(t) == 0 || t[0] != '{' {
			return nil, false
		}
		return unmarshal[params](t)
	})
}

// fields reads the typed fields of one request object and keeps the first
// error: once a read fails, later reads return zero values, so a handler
// reads its fields in Janus's validation order and checks err once. A
// field is present (ok) when err is nil and the object has it.
type fields struct {
	p   params
	err *vrError
}

func (p params) fields() *fields { return &fields{p: p} }

// getter is one of the typed getters of params (params.str, params.uint…).
type getter[T any] func(p params, k string, required bool) (T, bool, *vrError)

// read runs get on f's object unless an earlier read failed.
func read[T any](f *fields, get getter[T], k string, required bool) (T, bool) {
	var v T
	var ok bool
	if f.err == nil {
		v, ok, f.err = get(f.p, k, required)
	}
	return v, ok
}

// setOptional stores the optional field k in *dst when the object has it.
func setOptional[T any](f *fields, get getter[T], k string, dst *T) {
	if v, ok := read(f, get, k, false); ok {
		*dst = v
	}
}

func (f *fields) str(k string, required bool) string {
	v, _ := read(f, params.str, k, required)
	return v
}

func (f *fields) uint(k string, required bool) uint64 {
	v, _ := read(f, params.uint, k, required)
	return v
}

func (f *fields) boolean(k string, required bool) bool {
	v, _ := read(f, params.boolean, k, required)
	return v
}

func (f *fields) objects(k string, required bool) []params {
	v, _ := read(f, params.objects, k, required)
	return v
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

// isTrue reports whether raw is the JSON true, as Janus's json_is_true
// reads a key it does not validate ("use_msid"): any other value, or
// none, is false and no error.
func isTrue(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("true")) }
