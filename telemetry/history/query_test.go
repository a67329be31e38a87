package history_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/history"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

func TestQuery(t *testing.T) {
	s := history.New(history.Config{})
	if s.EventHandlerName() != "argus.eventhandler.history" {
		t.Fatal(s.EventHandlerName())
	}
	export(t, s,
		mk(telemetry.TypeSession, 42, 0, "", map[string]any{"name": "created"}),
		mk(telemetry.TypeHandle, 42, 7, "o", map[string]any{"name": "attached", "plugin": "janus.plugin.echotest"}),
		mk(telemetry.TypeCore, 0, 0, "", map[string]any{"status": "started"}),
	)
	q := func(req string) map[string]any {
		b, err := json.Marshal(s.Query(context.Background(), json.RawMessage(req)))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	sessions := q(`{"request":"sessions"}`)["sessions"].([]any)
	if len(sessions) != 1 || sessions[0].(map[string]any)["session_id"] != float64(42) {
		t.Fatalf("sessions %v", sessions)
	}
	tl := q(`{"request":"timeline","session_id":42}`)
	evs := tl["events"].([]any)
	if len(evs) != 2 {
		t.Fatalf("timeline %v", tl)
	}
	first := evs[0].(map[string]any)
	if first["type"] != float64(1) || first["session_id"] != float64(42) || first["emitter"] != "test" {
		t.Fatalf("event not in Janus form: %v", first)
	}
	if tl["session"].(map[string]any)["plugins"].([]any)[0] != "janus.plugin.echotest" {
		t.Fatalf("summary %v", tl["session"])
	}
	if g := q(`{"request":"global"}`)["events"].([]any); len(g) != 1 {
		t.Fatalf("global %v", g)
	}
	for req, code := range map[string]float64{
		`{"request":"bogus"}`:    411,
		`{}`:                     412,
		`{"request":"timeline"}`: 412,
		`{"request":"timeline","session_id":"x"}`: 413,
		`{"request":"timeline","session_id":9}`:   458,
		`"nope"`:                                  413,
	} {
		m := q(req)
		if m["error_code"] != code || m["error"] == "" {
			t.Errorf("%s → %v, want error_code %v", req, m, code)
		}
	}
}

func TestFromSettings(t *testing.T) {
	sink, err := telemetry.NewSink("history", telemetry.SinkConfig{Settings: map[string]string{
		"max_sessions": "2", "max_events_per_session": "3", "events": "all",
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := sink.(*history.Store)
	for i := range 5 {
		export(t, s, mk(telemetry.TypeMedia, uint64(i%3+1), 0, "", nil))
	}
	if n := len(s.Sessions()); n != 2 {
		t.Fatalf("max_sessions not applied: %d", n)
	}
	const keys = "events=all max_sessions=1000 max_events_per_session=5000 max_bytes_per_session=8388608 max_bytes=268435456 max_global_events=5000 subscriber_buffer=256 " +
		"jaeger_url= homer_url= homer_correlation=session source= source_stream=ARGUS_EVENTS source_deliver=all"
	if got := telemetrytest.OptionList("history"); got != keys {
		t.Fatalf("documented options %q, want %q", got, keys)
	}
	for _, bad := range []map[string]string{{"bogus": "1"}, {"max_sessions": "x"}, {"max_sessions": "-1"},
		{"source": "nats://127.0.0.1:1", "source_deliver": "first"}} {
		if _, err := telemetry.NewSink("history", telemetry.SinkConfig{Settings: bad}); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
