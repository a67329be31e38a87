package janusref

import (
	"slices"
	"sort"
	"testing"
)

// TestBrokerComparisons proves the broker test's own comparisons on
// hand-written messages (no Janus needed): the layout names, the
// per-message descriptions and the counted transport events.
func TestBrokerComparisons(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1,"b":[1,2]}`, "compact"},
		{`{"a": 1, "b": [1, 2]}`, "plain"},
		{"{\n   \"a\": 1\n}", "indented(3)"},
		{"{\n  \"a\": 1\n}", "indented(2)"},
	} {
		if got := layoutOf([]byte(tc.in)); got != tc.want {
			t.Errorf("layoutOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}

	items := wireItems([]wireMsg{
		{body: []byte(`[{"type":1,"event":{"name":"created"}}]`), meta: map[string]any{"routing_key": "<names>-ev"}},
		{body: []byte(`{"type":2,"event":{"name":"attached"}}`), meta: map[string]any{"topic": "t/handles", "qos": 1}},
		{body: []byte(`{"online": true}`), meta: map[string]any{"topic": "t/status"}},
	})
	want := []string{"array of events: routing_key=<names>-ev", "event 2 attached: qos=1 topic=t/handles",
		`message "{\"online\": true}": topic=t/status`}
	if !slices.Equal(items, want) {
		t.Errorf("wireItems = %q, want %q", items, want)
	}

	tr := func(transport, data string) wireMsg {
		return wireMsg{body: []byte(`{"type":128,"event":{"transport":"` + transport + `","data":` + data + `}}`)}
	}
	janus := transportEvents([]wireMsg{tr("mqtt", `{"event":"connected"}`), tr("unix", `{"event":"connected","admin_api":false,"fd":3}`)})
	argus := transportEvents([]wireMsg{
		tr("mqtt", `{"event":"connected","broker":"h:1"}`), tr("mqtt", `{"event":"connected","admin_api":true,"broker":"h:1"}`),
		tr("unix", `{"event":"connected","admin_api":false,"path":"/s"}`),
	})
	got := compareCounts("transport events", janus, argus)
	sort.Strings(got)
	wantDiffs := []string{"transport events: mqtt connected admin_api,event: Janus 0, Argus 1"}
	if !slices.Equal(got, wantDiffs) {
		t.Errorf("compareCounts = %q, want %q", got, wantDiffs)
	}
	if d := compareCounts("x", janus, janus); d != nil {
		t.Errorf("same lists differ: %q", d)
	}
}
