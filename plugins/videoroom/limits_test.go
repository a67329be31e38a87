package videoroom

import (
	"fmt"
	"strings"
	"testing"
)

const limitsConfig = `{"admin_key":"ak","limits":{"max_rooms":3,"max_description_length":10,"max_metadata_length":8,"max_allowed_tokens":2,"list_limit":2},
 "rooms":[{"room":1,"secret":"s","description":"one"}]}`

// TestLimits: each limit refuses with a Janus-style VideoRoom error and
// changes nothing; what fits is answered as before.
func TestLimits(t *testing.T) {
	f := newFixture(t, limitsConfig)
	h, s := f.handle()
	long := strings.Repeat("x", 11)
	tests := []struct {
		name string
		body string
		want map[string]any
	}{
		{"create long description", `{"request":"create","admin_key":"ak","room":2,"description":"` + long + `"}`,
			map[string]any{"error_code": 430, "error": "Invalid element (description longer than 10 bytes)"}},
		{"create long secret", `{"request":"create","admin_key":"ak","room":2,"secret":"123456789"}`,
			map[string]any{"error_code": 430, "error": "Invalid element (secret longer than 8 bytes)"}},
		{"create long pin", `{"request":"create","admin_key":"ak","room":2,"pin":"123456789"}`, map[string]any{"error_code": 430}},
		{"create too many tokens", `{"request":"create","admin_key":"ak","room":2,"allowed":["a","b","c"]}`,
			map[string]any{"error_code": 430, "error": "Invalid element (allowed has more than 2 tokens)"}},
		{"create long token", `{"request":"create","admin_key":"ak","room":2,"allowed":["123456789"]}`,
			map[string]any{"error_code": 430, "error": "Invalid element (allowed longer than 8 bytes)"}},
		{"create 2", `{"request":"create","admin_key":"ak","room":2,"description":"0123456789"}`, map[string]any{"videoroom": "created", "room": 2}},
		{"create 3", `{"request":"create","admin_key":"ak","room":3}`, map[string]any{"videoroom": "created", "room": 3}},
		{"create 4: too many rooms", `{"request":"create","admin_key":"ak","room":4}`,
			map[string]any{"error_code": 499, "error": "Maximum number of rooms (3) already reached"}},
		{"edit long description", `{"request":"edit","room":1,"secret":"s","new_description":"` + long + `"}`, map[string]any{"error_code": 430}},
		{"edit long pin", `{"request":"edit","room":1,"secret":"s","new_pin":"123456789"}`, map[string]any{"error_code": 430}},
		{"list page 1", `{"request":"list"}`, map[string]any{"rooms": "1:one 2:0123456789", "next_offset": 2}},
		{"list page 2", `{"request":"list","offset":2}`, map[string]any{"rooms": "3:Room 3"}},
		{"list limit 1", `{"request":"list","limit":1,"offset":1}`, map[string]any{"rooms": "2:0123456789", "next_offset": 2}},
		{"list past the end", `{"request":"list","offset":9}`, map[string]any{"rooms": ""}},
		{"list bad offset", `{"request":"list","offset":"x"}`, map[string]any{"error_code": 430}},
		{"allowed add", `{"request":"allowed","room":1,"secret":"s","action":"add","allowed":["a","b"]}`, map[string]any{"allowed": []any{"a", "b"}}},
		{"allowed over", `{"request":"allowed","room":1,"secret":"s","action":"add","allowed":["c"]}`,
			map[string]any{"error_code": 430, "error": "Invalid element (allowed has more than 2 tokens)"}},
		{"allowed long", `{"request":"allowed","room":1,"secret":"s","action":"remove","allowed":["a"]}`, map[string]any{"allowed": []any{"b"}}},
		{"allowed token too long", `{"request":"allowed","room":1,"secret":"s","action":"add","allowed":["123456789"]}`, map[string]any{"error_code": 430}},
		{"allowed unchanged", `{"request":"allowed","room":1,"secret":"s","action":"enable"}`, map[string]any{"allowed": []any{"b"}}},
		{"allowed off", `{"request":"allowed","room":1,"secret":"s","action":"disable"}`, map[string]any{"videoroom": "success"}},
	}
	for _, tc := range tests {
		got := f.sync(s, tc.body)
		if list, ok := got["list"].([]any); ok {
			got["rooms"] = roomsOf(list)
		}
		if !match(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if _, paged := got["next_offset"]; paged && tc.want["next_offset"] == nil {
			t.Errorf("%s: next_offset in %v", tc.name, got)
		}
	}
	// A long display is refused on join and configure.
	p := f.async(h, s, `{"request":"join","room":1,"ptype":"publisher","display":"123456789"}`, nil)
	if !match(p.Data, map[string]any{"error_code": 430, "error": "Invalid element (display longer than 8 bytes)"}) {
		t.Errorf("long display join: %v", p.Data)
	}
	p = f.async(h, s, `{"request":"join","room":1,"ptype":"publisher","display":"ok"}`, nil)
	if p.Data["videoroom"] != "joined" {
		t.Fatalf("join: %v", p.Data)
	}
	p = f.async(h, s, `{"request":"configure","display":"123456789"}`, nil)
	if !match(p.Data, map[string]any{"error_code": 430}) {
		t.Errorf("long display configure: %v", p.Data)
	}
	p = f.async(h, s, `{"request":"configure","descriptions":[{"mid":"0","description":"`+long+`"}]}`, nil)
	if !match(p.Data, map[string]any{"error_code": 430, "error": "Invalid element (description longer than 10 bytes)"}) {
		t.Errorf("long stream description: %v", p.Data)
	}
	// listparticipants pages like list.
	for i := range 3 {
		hx, sx := f.handle()
		if p := f.async(hx, sx, fmt.Sprintf(`{"request":"join","room":1,"ptype":"publisher","id":%d}`, 100+i), nil); p.Data["videoroom"] != "joined" {
			t.Fatalf("join %d: %v", i, p.Data)
		}
	}
	got := f.sync(s, `{"request":"listparticipants","room":1}`)
	if parts, _ := got["participants"].([]any); len(parts) != 2 || got["next_offset"] != float64(2) {
		t.Errorf("listparticipants page 1: %v", got)
	}
	got = f.sync(s, `{"request":"listparticipants","room":1,"offset":2}`)
	if parts, _ := got["participants"].([]any); len(parts) != 2 || got["next_offset"] != nil {
		t.Errorf("listparticipants page 2: %v", got)
	}
}

// TestLimitsConfig: config rooms are checked too; zero limits take the
// defaults.
func TestLimitsConfig(t *testing.T) {
	for _, cfg := range []string{
		`{"limits":{"max_description_length":3},"rooms":[{"room":1,"description":"four"}]}`,
		`{"limits":{"max_rooms":"x"}}`,
		`{"limits":{"max_colours":3}}`,
	} {
		if err := New().Init(t.Context(), nil, []byte(cfg)); err == nil {
			t.Errorf("%s: no error", cfg)
		}
	}
	c, _, err := parseConfig([]byte(`{"limits":{"max_rooms":0,"list_limit":7}}`))
	if err != nil {
		t.Fatal(err)
	}
	if l := c.limits(); l.MaxRooms != DefaultMaxRooms || l.ListLimit != 7 || l.MaxDescriptionLength != DefaultMaxDescriptionLength {
		t.Errorf("limits = %+v", l)
	}
}

// roomsOf is "id:description ..." of a list answer.
func roomsOf(list []any) string {
	var out []string
	for _, x := range list {
		m, _ := x.(map[string]any)
		out = append(out, fmt.Sprintf("%v:%v", m["room"], m["description"]))
	}
	return strings.Join(out, " ")
}
