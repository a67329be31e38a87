package eventbody

import (
	"encoding/json"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

type roomID uint64
type feedName string

func TestObject(t *testing.T) {
	type typed struct {
		Name string `json:"name"`
		ID   uint64 `json:"id"`
	}
	tests := []struct {
		name string
		body any
		key  string
		want string
	}{
		{"map", map[string]any{"name": "created"}, "name", "created"},
		{"plugin body", telemetry.PluginBody{Plugin: "janus.plugin.echotest"}, "plugin", "janus.plugin.echotest"},
		{"plugin body pointer", &telemetry.PluginBody{Plugin: "janus.plugin.videoroom"}, "plugin", "janus.plugin.videoroom"},
		{"typed struct", typed{Name: "attached", ID: 1}, "name", "attached"},
		{"nil", nil, "name", ""},
		{"not an object", []int{1}, "name", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(Object(tt.body), tt.key); got != tt.want {
				t.Fatalf("String(Object(%v), %q) = %q, want %q", tt.body, tt.key, got, tt.want)
			}
		})
	}
	// 53-bit ids survive the JSON round trip of typed bodies exactly.
	n, ok := Number(Object(typed{ID: 1<<53 - 1}), "id")
	if !ok || n != 1<<53-1 {
		t.Fatalf("Number(id) = %v, %v", n, ok)
	}
}

func TestObjects(t *testing.T) {
	one := map[string]any{"mid": "0"}
	tests := []struct {
		name string
		body any
		want int
	}{
		{"one report", one, 1},
		{"combined", []map[string]any{one, {"mid": "1"}}, 2},
		{"combined from the wire", []any{one, map[string]any{"mid": "1"}, "junk"}, 2},
		{"typed slice", []struct {
			Mid string `json:"mid"`
		}{{"0"}, {"1"}, {"2"}}, 3},
		{"nil", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(Objects(tt.body)); got != tt.want {
				t.Fatalf("len(Objects) = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestNumberStringBool(t *testing.T) {
	m := map[string]any{
		"f": 1.5, "i": 7, "u": uint64(9), "jn": json.Number("12"), "room": roomID(1234),
		"s": "x", "named": feedName("alice"), "b": true, "bad": "1",
	}
	for k, want := range map[string]float64{"f": 1.5, "i": 7, "u": 9, "jn": 12, "room": 1234} {
		if got, ok := Number(m, k); !ok || got != want {
			t.Errorf("Number(%q) = %v, %v; want %v", k, got, ok, want)
		}
	}
	if _, ok := Number(m, "bad"); ok {
		t.Error("Number of a string must fail")
	}
	if _, ok := Number(m, "missing"); ok {
		t.Error("Number of a missing key must fail")
	}
	if String(m, "s") != "x" || String(m, "named") != "alice" || String(m, "f") != "" {
		t.Errorf("String: %q %q %q", String(m, "s"), String(m, "named"), String(m, "f"))
	}
	if !Bool(m, "b") || Bool(m, "s") {
		t.Error("Bool")
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{"1234", "s:1234"},
		{json.Number("1234"), "n:1234"},
		{float64(1234), "n:1234"},
		{1234, "n:1234"},
		{uint64(1234), "n:1234"},
		{roomID(1234), "n:1234"},
		{feedName("alice"), "s:alice"},
		{nil, ""},
		{[]int{1}, ""},
	}
	for _, tt := range tests {
		if got := Key(tt.v); got != tt.want {
			t.Errorf("Key(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	// A string id and a numeric id that print alike stay apart.
	if Key("1") == Key(1) {
		t.Error("string and numeric ids collide")
	}
}

func TestList(t *testing.T) {
	m := map[string]any{
		"any":   []any{1, 2},
		"maps":  []map[string]any{{"a": 1}},
		"typed": []uint64{1, 2, 3},
		"str":   "x",
	}
	for k, want := range map[string]int{"any": 2, "maps": 1, "typed": 3, "str": 0, "missing": 0} {
		if got := len(List(m, k)); got != want {
			t.Errorf("len(List(%q)) = %d, want %d", k, got, want)
		}
	}
}
