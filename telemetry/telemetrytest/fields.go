package telemetrytest

import (
	"reflect"
	"strings"
)

// Fields returns a typed event body (a struct of the telemetry package, or
// a slice of them) as a map from its JSON keys to its Go field values, the
// keys its JSON has (omitempty and omitzero fields left out when empty,
// embedded structs flattened, nested structs as maps). Tests that look
// up one key at a time use it; a body that is no struct comes back in a
// map only if it already is one, else nil.
func Fields(body any) map[string]any {
	if m, ok := body.(map[string]any); ok {
		return m
	}
	v := reflect.ValueOf(body)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]any{}
	addFields(out, v)
	return out
}

// FieldsList is Fields of each element of a slice body (a combined media
// report), or of a single body.
func FieldsList(body any) []map[string]any {
	v := reflect.ValueOf(body)
	if v.Kind() != reflect.Slice || v.Type().Elem().Kind() == reflect.Uint8 {
		if m := Fields(body); m != nil {
			return []map[string]any{m}
		}
		return nil
	}
	out := make([]map[string]any, 0, v.Len())
	for i := range v.Len() {
		out = append(out, Fields(v.Index(i).Interface()))
	}
	return out
}

func addFields(out map[string]any, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			addFields(out, fv)
			continue
		}
		if (strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")) && fv.IsZero() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = value(fv)
	}
}

// value is a field's value: a nested struct as a map, a pointer as what
// it points to.
func value(v reflect.Value) any {
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct && v.NumField() > 0 && v.Type().Field(0).IsExported() {
		m := map[string]any{}
		addFields(m, v)
		return m
	}
	return v.Interface()
}
