package videoroom

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

// FuzzSyncRequests feeds arbitrary bodies to the synchronous request path
// (also Admin message_plugin): every answer must be a JSON object with
// either a "videoroom" verb or an error code, and nothing may panic.
func FuzzSyncRequests(f *testing.F) {
	for _, seed := range []string{
		`{"request":"create","room":5,"admin_key":"ak","videocodec":"vp8,h264"}`,
		`{"request":"edit","room":1234,"secret":"adminpwd","new_bitrate":1}`,
		`{"request":"allowed","room":1234,"secret":"adminpwd","action":"add","allowed":["a"]}`,
		`{"request":"list"}`, `{"request":"list","offset":1,"limit":1}`, `{"request":"listparticipants","room":1234,"offset":9}`, `{"request":"exists","room":-1}`, `{"request":"kick","room":1234,"id":1e3}`,
		`{"request":"join"}`, `[]`, `null`, `{"request":7}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		p := New()
		if err := p.Init(context.Background(), nil, json.RawMessage(testConfig)); err != nil {
			t.Fatal(err)
		}
		s := newSession(p, coretest.NewHandle(2, "", nil))
		defer s.Destroy()
		res := s.HandleMessage(context.Background(), core.Message{Body: json.RawMessage(body)})
		if res.Ack {
			return // a queued async request; the worker answers it
		}
		if res.Error != "" {
			t.Fatalf("error result %q", res.Error)
		}
		m := roundTrip(res.Data)
		if m["videoroom"] == nil {
			t.Fatalf("answer without videoroom: %v", m)
		}
		_ = roundTrip(p.HandleAdminMessage(context.Background(), json.RawMessage(body)))
	})
}
