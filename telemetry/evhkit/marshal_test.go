package evhkit

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

func marshalTestEvents() []*telemetry.Event {
	return []*telemetry.Event{
		{Emitter: "argus-1", Type: telemetry.TypePlugin, Timestamp: 1700000000000001, SessionID: 1, HandleID: 2,
			OpaqueID: "<o&p>", Body: telemetry.PluginBody{Plugin: "janus.plugin.echotest",
				Data: map[string]any{"audio_active": true, "note": "a<b>&\u2028c", "bitrate": 0}}},
		{Emitter: "argus-1", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport, Timestamp: 2,
			SessionID: 1, HandleID: 2, Body: telemetry.MediaReportBody{Mid: "0", Media: "audio", PacketsSent: 50,
				RTPStats: &telemetry.RTPStats{Codec: "opus", Base: 48000, JitterLocal: 12.5}}},
		{Emitter: "argus-1", Type: telemetry.TypeSession, Timestamp: 3, SessionID: 1,
			Body: json.RawMessage(` { "name" : "created" } `)},
		nil,
	}
}

// marshalCase is a batch of marshalTestEvents, whether it is sent grouped,
// and the value whose json.Marshal bytes it is sent as.
type marshalCase struct {
	name    string
	evs     []*telemetry.Event
	grouped bool
	v       any
}

// eachMarshalCase runs test as a subtest for every batch, grouped and
// single, in every layout.
func eachMarshalCase(t *testing.T, test func(t *testing.T, tc marshalCase, f Format)) {
	t.Helper()
	evs := marshalTestEvents()
	for _, tc := range []marshalCase{
		{"grouped", evs, true, evs},
		{"grouped one", evs[:1], true, evs[:1]},
		{"grouped empty", []*telemetry.Event{}, true, []*telemetry.Event{}},
		{"grouped nil", nil, true, []*telemetry.Event(nil)},
		{"single", evs, false, evs[0]},
		{"single raw body", evs[2:], false, evs[2]},
		{"single nil", evs[3:], false, evs[3]},
	} {
		for _, f := range []Format{Compact, Plain, Indented} {
			t.Run(tc.name+"/"+string(f), func(t *testing.T) { test(t, tc, f) })
		}
	}
}

// TestMarshalEventsIsJSONMarshal: MarshalEvents gives json.Marshal's bytes
// of the batch (grouped) or of its first event, in every layout.
func TestMarshalEventsIsJSONMarshal(t *testing.T) {
	eachMarshalCase(t, func(t *testing.T, tc marshalCase, f Format) {
		want, err := Marshal(tc.v, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := MarshalEvents(tc.evs, tc.grouped, f)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}

// TestAppendEventsIsMarshalEvents: AppendEvents appends MarshalEvents'
// bytes after what dst holds, in every layout, and reusing dst gives the
// same bytes again.
func TestAppendEventsIsMarshalEvents(t *testing.T) {
	eachMarshalCase(t, func(t *testing.T, tc marshalCase, f Format) {
		want, err := MarshalEvents(tc.evs, tc.grouped, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendEvents([]byte("prefix"), tc.evs, tc.grouped, f)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "prefix"+string(want) {
			t.Fatalf("got  %s\nwant prefix%s", got, want)
		}
		again, err := AppendEvents(got[:0], tc.evs, tc.grouped, f)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(want) {
			t.Fatalf("reused: got  %s\nwant %s", again, want)
		}
	})
	evs := marshalTestEvents()
	bad := &telemetry.Event{Type: telemetry.TypeCore, Body: map[string]any{"c": make(chan int)}}
	if _, err := AppendEvents(nil, []*telemetry.Event{evs[0], bad}, true, Indented); err == nil {
		t.Fatal("no error for an unmarshallable body")
	}
}

// FuzzLayoutPieces: laying out an array of two compact JSON values piece
// by piece (AppendEvents' way) gives Layout's bytes for the whole array,
// in every layout.
func FuzzLayoutPieces(f *testing.F) {
	for _, in := range indentCases {
		f.Add([]byte(in), []byte(`{"a":"\\\"[,:"}`))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		for _, v := range [][]byte{a, b} {
			var compact bytes.Buffer
			if json.Compact(&compact, v) != nil || !bytes.Equal(compact.Bytes(), v) {
				return // not compact JSON: an event's JSON always is
			}
		}
		whole := append(append(append(append([]byte("["), a...), ','), b...), ']')
		for _, format := range []Format{Compact, Plain, Indented} {
			want, err := Layout(whole, format)
			if err != nil {
				t.Fatal(err)
			}
			l := layout{f: format}
			got := l.close(l.item(l.item(l.open(nil), 0, a), 1, b))
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: pieces give\n%s\nwant\n%s", format, got, want)
			}
		}
	})
}

// TestMarshalEventsError: an event whose body cannot be marshalled fails
// the batch.
func TestMarshalEventsError(t *testing.T) {
	bad := &telemetry.Event{Type: telemetry.TypeCore, Body: map[string]any{"c": make(chan int)}}
	if _, err := MarshalEvents([]*telemetry.Event{bad}, true, Compact); err == nil {
		t.Fatal("no error for an unmarshallable body")
	}
}

// BenchmarkMarshalEvents is the event handlers' per-batch encoding: a
// grouped batch of 3 typical events, compact and indented (the HTTP event
// handler's default, Janus's).
func BenchmarkMarshalEvents(b *testing.B) {
	evs := marshalTestEvents()[:3]
	for _, f := range []Format{Compact, Indented} {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := MarshalEvents(evs, true, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
