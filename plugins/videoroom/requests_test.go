package videoroom

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/argusrtc/argus/core/coretest"
)

const testConfig = `{"admin_key":"ak","rooms":[
 {"room":1234,"description":"Demo Room","secret":"adminpwd","pin":"1111","publishers":2},
 {"room":42,"description":"Private","is_private":true,"require_pvtid":true}]}`

// match reports whether got has every key of want with the same value.
func match(got, want map[string]any) bool {
	for k, v := range want {
		if gb, _ := json.Marshal(got[k]); string(gb) != mustJSON(v) {
			return false
		}
	}
	return true
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestSyncRequests(t *testing.T) {
	f := newFixture(t, testConfig)
	_, s := f.handle()
	tests := []struct {
		name string
		body string
		want map[string]any
	}{
		{"not an object", `[1]`, map[string]any{"error_code": 422, "error": "JSON error: not an object"}},
		{"no request", `{}`, map[string]any{"error_code": 429, "error": "Missing mandatory element (request)"}},
		{"unknown request", `{"request":"dance"}`, map[string]any{"error_code": 423, "error": "Unknown request 'dance'"}},
		{"exists yes", `{"request":"exists","room":1234}`, map[string]any{"videoroom": "success", "room": 1234, "exists": true}},
		{"exists no", `{"request":"exists","room":7}`, map[string]any{"videoroom": "success", "room": 7, "exists": false}},
		{"exists bad type", `{"request":"exists","room":"7"}`, map[string]any{"error_code": 430, "error": "Invalid element type (room should be a positive integer)"}},
		{"exists real", `{"request":"exists","room":7.0}`, map[string]any{"error_code": 430}},
		{"create no admin key", `{"request":"create","room":99}`, map[string]any{"error_code": 429, "error": "Missing mandatory element (admin_key)"}},
		{"create wrong admin key", `{"request":"create","room":99,"admin_key":"x"}`, map[string]any{"error_code": 433, "error": "Unauthorized (wrong admin_key)"}},
		{"create", `{"request":"create","room":99,"admin_key":"ak","secret":"s","description":"D","videocodec":"vp8,h264","bitrate":256000}`, map[string]any{"videoroom": "created", "room": 99, "permanent": false}},
		{"create exists", `{"request":"create","room":99,"admin_key":"ak"}`, map[string]any{"error_code": 427, "error": "Room 99 already exists"}},
		{"create bad codec", `{"request":"create","admin_key":"ak","videocodec":"av2"}`, map[string]any{"error_code": 430}},
		{"edit no secret", `{"request":"edit","room":99,"new_description":"E"}`, map[string]any{"error_code": 429, "error": "Missing mandatory element (secret)"}},
		{"edit wrong secret", `{"request":"edit","room":99,"secret":"no"}`, map[string]any{"error_code": 433, "error": "Unauthorized (wrong secret)"}},
		{"edit", `{"request":"edit","room":99,"secret":"s","new_description":"E","new_publishers":5}`, map[string]any{"videoroom": "edited", "room": 99}},
		{"edit no room", `{"request":"edit","room":5,"secret":"s"}`, map[string]any{"error_code": 426, "error": "No such room (5)"}},
		{"listparticipants", `{"request":"listparticipants","room":99}`, map[string]any{"videoroom": "participants", "room": 99, "participants": []any{}}},
		{"allowed enable", `{"request":"allowed","room":99,"secret":"s","action":"add","allowed":["tok"]}`, map[string]any{"videoroom": "success", "room": 99, "allowed": []any{"tok"}}},
		{"allowed bad action", `{"request":"allowed","room":99,"secret":"s","action":"x"}`, map[string]any{"error_code": 430}},
		{"allowed disable", `{"request":"allowed","room":99,"secret":"s","action":"disable"}`, map[string]any{"videoroom": "success", "room": 99}},
		{"kick unknown", `{"request":"kick","room":99,"secret":"s","id":5}`, map[string]any{"error_code": 428, "error": "No such user 5 in room 99"}},
		{"moderate unknown", `{"request":"moderate","room":99,"secret":"s","id":5,"mid":"0","mute":true}`, map[string]any{"error_code": 428}},
		{"moderate missing mute", `{"request":"moderate","room":99,"secret":"s","id":5,"mid":"0"}`, map[string]any{"error_code": 429, "error": "Missing mandatory element (mute)"}},
		{"listforwarders", `{"request":"listforwarders","room":99,"secret":"s"}`, map[string]any{"videoroom": "forwarders", "room": 99, "publishers": []any{}}},
		{"rtp_forward", `{"request":"rtp_forward","room":99,"secret":"s","publisher_id":1,"host":"127.0.0.1"}`, map[string]any{"error_code": 423, "error": "Request 'rtp_forward' is not supported yet in Argus"}},
		{"destroy wrong secret", `{"request":"destroy","room":99,"secret":"x"}`, map[string]any{"error_code": 433}},
		{"destroy", `{"request":"destroy","room":99,"secret":"s"}`, map[string]any{"videoroom": "destroyed", "room": 99, "permanent": false}},
		{"destroy again", `{"request":"destroy","room":99,"secret":"s"}`, map[string]any{"error_code": 426}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := f.sync(s, tc.body)
			if _, isErr := tc.want["error_code"]; isErr && got["videoroom"] != "event" {
				t.Errorf("error answer without videoroom:event: %v", got)
			}
			if !match(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, name := range []string{"created", "edited", "destroyed"} {
		evs := findEvents(f.host, name)
		if len(evs) != 1 || evs[0].Handle == 0 || evs[0].Data["room"] != float64(99) {
			t.Errorf("%s events: %+v", name, evs)
		}
	}
}

func TestListHidesPrivateRooms(t *testing.T) {
	f := newFixture(t, testConfig)
	_, s := f.handle()
	rooms := func(body string) []float64 {
		var out []float64
		for _, r := range f.sync(s, body)["list"].([]any) {
			out = append(out, r.(map[string]any)["room"].(float64))
		}
		return out
	}
	if got := rooms(`{"request":"list"}`); len(got) != 1 || got[0] != 1234 {
		t.Errorf("public list = %v", got)
	}
	if got := rooms(`{"request":"list","admin_key":"ak"}`); len(got) != 2 {
		t.Errorf("admin list = %v", got)
	}
	entry := f.sync(s, `{"request":"list"}`)["list"].([]any)[0].(map[string]any)
	if !match(entry, map[string]any{"description": "Demo Room", "pin_required": true, "max_publishers": 2, "audiocodec": "opus", "videocodec": "vp8", "num_participants": 0,
		"opus_fec": true, "require_e2ee": false}) {
		t.Errorf("list entry = %v", entry)
	}
}

func TestAdminMessage(t *testing.T) {
	f := newFixture(t, "")
	got := roundTrip(f.p.HandleAdminMessage(context.Background(), json.RawMessage(`{"request":"exists","room":1234}`)))
	if !match(got, map[string]any{"videoroom": "success", "exists": true}) {
		t.Errorf("default room 1234 missing: %v", got)
	}
	got = roundTrip(f.p.HandleAdminMessage(context.Background(), json.RawMessage(`{"request":"join"}`)))
	if got["error_code"] != float64(423) {
		t.Errorf("async request via admin: %v", got)
	}
	got = roundTrip(f.p.HandleAdminMessage(context.Background(), json.RawMessage(`{"request":"destroy","room":1234,"secret":"adminpwd"}`)))
	if got["videoroom"] != "destroyed" {
		t.Errorf("destroy: %v", got)
	}
	if evs := findEvents(f.host, "destroyed"); len(evs) != 1 || evs[0].Handle != 0 {
		t.Errorf("admin destroy event: %+v", evs)
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []string{`{"rooms":[{"room":"x"}]}`, `{"rooms":[{"room":1},{"room":1}]}`, `{"rooms":[{}]}`, `[`, `{"roms":[]}`, `{"rooms":[{"room":1,"colour":"red"}]}`} {
		if err := New().Init(context.Background(), nil, json.RawMessage(cfg)); err == nil {
			t.Errorf("%s: no error", cfg)
		}
	}
}

func TestAsyncErrors(t *testing.T) {
	f := newFixture(t, testConfig)
	h, s := f.handle()
	tests := []struct {
		name string
		body string
		code float64
		text string
	}{
		{"configure first", `{"request":"configure"}`, 424, "Invalid request on unconfigured participant"},
		{"no ptype", `{"request":"join","room":1234}`, 429, "Missing mandatory element (ptype)"},
		{"bad ptype", `{"request":"join","room":1234,"ptype":"x"}`, 430, "Invalid element (ptype)"},
		{"0.x ptype listener", `{"request":"join","room":1234,"ptype":"listener","feed":77}`, 430, "Invalid element (ptype)"},
		{"no room", `{"request":"join","room":5,"ptype":"publisher"}`, 426, "No such room (5)"},
		{"no pin", `{"request":"join","room":1234,"ptype":"publisher"}`, 429, "Missing mandatory element (pin)"},
		{"wrong pin", `{"request":"join","room":1234,"ptype":"publisher","pin":"2"}`, 433, "Unauthorized (wrong pin)"},
		{"subscriber no pin", `{"request":"join","room":1234,"ptype":"subscriber","streams":[{"feed":77}]}`, 429, "Missing mandatory element (pin)"},
		{"subscriber wrong pin", `{"request":"join","room":1234,"ptype":"subscriber","pin":"2","streams":[{"feed":77}]}`, 433, "Unauthorized (wrong pin)"},
		{"unknown feed", `{"request":"join","room":1234,"ptype":"subscriber","pin":"1111","streams":[{"feed":77}]}`, 428, "No such feed (77)"},
		{"pvtid required", `{"request":"join","room":42,"ptype":"subscriber","streams":[{"feed":77}]}`, 433, "Unauthorized (this room requires a valid private_id)"},
	}
	for _, tc := range tests {
		p := f.async(h, s, tc.body, nil)
		if p.Data["videoroom"] != "event" || p.Data["error_code"] != tc.code || p.Data["error"] != tc.text {
			t.Errorf("%s: push = %v", tc.name, p.Data)
		}
	}
	// A good join, then the publisher-only errors.
	p := f.async(h, s, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","display":"alice","id":5}`, nil)
	if !match(p.Data, map[string]any{"videoroom": "joined", "room": 1234, "id": 5, "description": "Demo Room", "publishers": []any{}}) || p.Data["private_id"] == nil {
		t.Fatalf("joined = %v", p.Data)
	}
	if evs := findEvents(f.host, "joined"); len(evs) != 1 || !match(evs[0].Data, map[string]any{"room": 1234, "id": 5, "display": "alice", "private_id": p.Data["private_id"]}) || evs[0].Handle != h.ID() {
		t.Errorf("joined event = %+v", evs)
	}
	h2, s2 := f.handle()
	for _, tc := range []struct {
		h    *coretest.Handle
		body string
		code float64
	}{
		{h, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111"}`, 425},
		{h, `{"request":"unpublish"}`, 435},
		{h, `{"request":"configure","bitrate":"x"}`, 430},
		{h2, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":5}`, 436},
		{h2, `{"request":"join","room":1234,"ptype":"subscriber","pin":"1111","feed":5}`, 428}, // joined but not publishing
	} {
		s := s
		if tc.h == h2 {
			s = s2
		}
		if p := f.async(tc.h, s, tc.body, nil); p.Data["error_code"] != tc.code {
			t.Errorf("%s: push = %v", tc.body, p.Data)
		}
	}
	// A publish without an offer is a configure; no "streams" while
	// there is none (Janus 1.1.2).
	if p := f.async(h, s, `{"request":"publish"}`, nil); !match(p.Data, map[string]any{"videoroom": "event", "room": 1234, "configured": "ok"}) || p.Data["streams"] != nil {
		t.Errorf("publish without jsep: %v", p.Data)
	}
	// Once the PeerConnection is up, any publish is refused (Janus 1.1.2),
	// and a configure without an offer does not describe the media.
	pub := s.(*session).pub
	pub.mu.Lock()
	pub.published = true
	pub.streams = []*pubStream{{pub: pub, mid: "0", kind: "audio", codecName: "opus"}}
	pub.mu.Unlock()
	if p := f.async(h, s, `{"request":"publish"}`, nil); !match(p.Data, map[string]any{"error_code": 434, "error": "Can't publish, already published"}) {
		t.Errorf("publish without jsep when published: %v", p.Data)
	}
	if p := f.async(h, s, `{"request":"configure","bitrate":64000}`, nil); p.Data["configured"] != "ok" || p.Data["streams"] != nil || p.Data["audio_codec"] != nil || p.Data["video_codec"] != nil {
		t.Errorf("configure without jsep: %v", p.Data)
	}
	pub.mu.Lock()
	pub.published, pub.streams = false, nil
	pub.mu.Unlock()
	if got := f.sync(s2, `{"request":"moderate","room":1234,"secret":"adminpwd","id":5,"mid":"0","mute":true}`); !match(got, map[string]any{"error_code": 428, "error": "No such stream 0"}) {
		t.Errorf("moderate unknown mid: %v", got)
	}
	// Participants, configure display, kick.
	got := f.sync(s2, `{"request":"listparticipants","room":1234}`)
	if !match(got, map[string]any{"participants": []any{map[string]any{"id": 5, "display": "alice", "publisher": false}}}) {
		t.Errorf("participants = %v", got)
	}
	p = f.async(h, s, `{"request":"configure","display":"bob","bitrate":1000}`, nil)
	if !match(p.Data, map[string]any{"videoroom": "event", "room": 1234, "configured": "ok"}) {
		t.Errorf("configure = %v", p.Data)
	}
	q := s.(interface{ Query() any }).Query().(map[string]any)
	if q["type"] != "publisher" || q["display"] != "bob" || q["bitrate"] != uint64(1000) || q["id"] != uint64(5) {
		t.Errorf("query = %v", q)
	}
	if got := f.sync(s2, `{"request":"kick","room":1234,"secret":"adminpwd","id":5}`); got["videoroom"] != "success" {
		t.Fatalf("kick = %v", got)
	}
	kp := h.Expect(t, "kicked notice", func(p coretest.Push) bool { return p.Data["reason"] == "kicked" })
	if !match(kp.Data, map[string]any{"videoroom": "event", "room": 1234, "leaving": "ok"}) {
		t.Errorf("kicked push = %v", kp.Data)
	}
	if evs := findEvents(f.host, "kicked"); len(evs) != 1 || evs[0].Handle != h.ID() || evs[0].Data["id"] != float64(5) {
		t.Errorf("kicked events = %+v", evs)
	}
	// A kicked participant has no room: join needs a new handle, the
	// rest finds no room (Janus 1.1.2).
	for _, tc := range []struct {
		body string
		want map[string]any
	}{
		{`{"request":"configure"}`, map[string]any{"error_code": 426, "error": "No such room"}},
		{`{"request":"leave"}`, map[string]any{"error_code": 426, "error": "No such room"}},
		{`{"request":"unpublish"}`, map[string]any{"error_code": 426, "error": "No such room"}},
		{`{"request":"join","room":1234,"ptype":"publisher","pin":"1111"}`, map[string]any{"error_code": 425, "error": "Not in a room (create a new handle)"}},
	} {
		if p := f.async(h, s, tc.body, nil); !match(p.Data, tc.want) {
			t.Errorf("%s after kick: %v", tc.body, p.Data)
		}
	}
	if q := s2.(interface{ Query() any }).Query().(map[string]any); q["type"] != "none" {
		t.Errorf("unjoined query = %v", q)
	}
}

func TestLeaveAndJoiningNotifications(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7,"notify_joining":true}]}`)
	h1, s1 := f.handle()
	h2, s2 := f.handle()
	p := f.async(h1, s1, `{"request":"join","room":7,"ptype":"publisher","display":"one","id":1}`, nil)
	if p.Data["attendees"] == nil {
		t.Errorf("no attendees with notify_joining: %v", p.Data)
	}
	p = f.async(h2, s2, `{"request":"join","room":7,"ptype":"publisher","display":"two","id":2}`, nil)
	if !match(p.Data, map[string]any{"attendees": []any{map[string]any{"id": 1, "display": "one"}}}) {
		t.Errorf("attendees = %v", p.Data)
	}
	h1.Expect(t, "joining", func(p coretest.Push) bool {
		return match(p.Data, map[string]any{"joining": map[string]any{"id": 2, "display": "two"}})
	})
	if p := f.async(h2, s2, `{"request":"leave"}`, nil); !match(p.Data, map[string]any{"videoroom": "event", "room": 7, "leaving": "ok"}) {
		t.Errorf("leave = %v", p.Data)
	}
	h1.Expect(t, "leaving", func(p coretest.Push) bool { return match(p.Data, map[string]any{"leaving": 2}) })
	if evs := findEvents(f.host, "leaving"); len(evs) != 1 || evs[0].Handle != h2.ID() {
		t.Errorf("leaving events = %+v", evs)
	}
	// Destroying the room tells the remaining participant.
	if got := f.sync(s1, `{"request":"destroy","room":7}`); got["videoroom"] != "destroyed" {
		t.Fatalf("destroy = %v", got)
	}
	h1.Expect(t, "destroyed", func(p coretest.Push) bool { return match(p.Data, map[string]any{"videoroom": "destroyed", "room": 7}) })
}

// TestConfiguredBitrate: the "configured" event reports the publisher's
// bitrate, which starts at the room's, as Janus 1.1.2 does.
func TestConfiguredBitrate(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7,"bitrate":128000}]}`)
	h, s := f.handle()
	f.async(h, s, `{"request":"join","room":7,"ptype":"publisher","id":1}`, nil)
	for _, tc := range []struct {
		body string
		want float64
	}{
		{`{"request":"configure","display":"one"}`, 128000},
		{`{"request":"configure","bitrate":64000}`, 64000},
	} {
		f.async(h, s, tc.body, nil)
		evs := findEvents(f.host, "configured")
		if len(evs) == 0 || evs[len(evs)-1].Data["bitrate"] != tc.want {
			t.Errorf("%s: configured events %+v, want bitrate %v last", tc.body, evs, tc.want)
		}
	}
}

// TestDBovJSON: audio levels are written as JSON reals, as Janus does.
func TestDBovJSON(t *testing.T) {
	for _, tc := range []struct {
		v    dBov
		want string
	}{{10, "10.0"}, {127, "127.0"}, {0, "0.0"}, {38.08, "38.08"}} {
		b, err := json.Marshal(map[string]any{"a": tc.v})
		if err != nil || string(b) != `{"a":`+tc.want+`}` {
			t.Errorf("%v: %s %v, want %s", float64(tc.v), b, err, tc.want)
		}
	}
}
