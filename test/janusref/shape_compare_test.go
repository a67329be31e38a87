package janusref

import (
	"slices"
	"testing"
)

// TestCompare proves the comparison catches each kind of difference, on
// hand-written events (no Janus needed).
func TestCompare(t *testing.T) {
	const ice = `{"type":16,"subtype":1,"session_id":1,"handle_id":2,"event":{"ice":"connected","stream_id":1,"component_id":1}}`
	const joined = `{"type":64,"session_id":1,"handle_id":2,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":1234,"id":5}}}`
	tests := []struct {
		name         string
		janus, argus []string
		want         []string
	}{
		{"same", []string{ice, joined}, []string{joined, ice}, nil},
		{"extra body field", []string{ice}, []string{`{"type":16,"subtype":1,"session_id":1,"handle_id":2,"event":{"ice":"connected","stream_id":1,"component_id":1,"x":true}}`},
			[]string{"16/1: event.x: only in Argus"}},
		{"missing header field", []string{ice}, []string{`{"type":16,"subtype":1,"session_id":1,"event":{"ice":"connected","stream_id":1,"component_id":1}}`},
			[]string{"16/1: handle_id: only in Janus"}},
		{"int became real", []string{ice}, []string{`{"type":16,"subtype":1,"session_id":1,"handle_id":2,"event":{"ice":"connected","stream_id":1.5,"component_id":1}}`},
			[]string{"16/1: event.stream_id: Janus int, Argus real"}},
		{"number became string", []string{joined}, []string{`{"type":64,"session_id":1,"handle_id":2,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":"1234","id":5}}}`},
			[]string{"64 janus.plugin.videoroom event=joined: event.data.room: Janus int, Argus string"}},
		{"enum value", []string{ice}, []string{`{"type":16,"subtype":1,"session_id":1,"handle_id":2,"event":{"ice":"Connected","stream_id":1,"component_id":1}}`},
			[]string{`16/1: event.ice: "Connected" only in Argus`, `16/1: event.ice: "connected" only in Janus`}},
		{"random ids are not values", []string{ice}, []string{`{"type":16,"subtype":1,"session_id":7,"handle_id":8,"event":{"ice":"connected","stream_id":1,"component_id":1}}`}, nil},
		{"array element", []string{`{"type":64,"event":{"plugin":"p","data":{"event":"e","streams":[{"mid":"0"}]}}}`},
			[]string{`{"type":64,"event":{"plugin":"p","data":{"event":"e","streams":[{"mid":0}]}}}`},
			[]string{"64 p event=e: event.data.streams[].mid: Janus string, Argus int"}},
		{"value", []string{joined}, []string{`{"type":64,"session_id":1,"handle_id":2,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":1235,"id":6}}}`},
			[]string{"64 janus.plugin.videoroom event=joined: event.data.room: 1234 only in Janus", "64 janus.plugin.videoroom event=joined: event.data.room: 1235 only in Argus"}},
		{"sometimes missing", []string{ice, ice}, []string{ice, `{"type":16,"subtype":1,"session_id":1,"handle_id":2,"event":{"ice":"connected","stream_id":1}}`},
			[]string{"16/1: event.component_id: in every Janus event, not in every Argus event"}},
		{"kind missing", []string{ice, joined}, []string{ice}, []string{"64 janus.plugin.videoroom event=joined: only in Janus"}},
		{"kind extra", []string{ice}, []string{ice, joined}, []string{"64 janus.plugin.videoroom event=joined: only in Argus"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := compare(shapes(decodeAll(t, tc.janus)), shapes(decodeAll(t, tc.argus)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("differences %q, want %q", got, tc.want)
			}
		})
	}
}

// TestUnexplained: exact and wildcard allowlist entries explain
// differences; unused entries are reported.
func TestUnexplained(t *testing.T) {
	diffs := []string{"a: x: only in Argus", "b: y.z: only in Janus", "c: only in Janus", "64 p event=e: display: only in Argus"}
	allow := map[string]string{"a: x: only in Argus": "r", "b: y.*": "r", "d: only in Argus": "r", "64 p *: display: only in Argus": "r"}
	rest, stale := unexplained(diffs, allow)
	if !slices.Equal(rest, []string{"c: only in Janus"}) || !slices.Equal(stale, []string{"d: only in Argus"}) {
		t.Errorf("rest %q, stale %q", rest, stale)
	}
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"a*c", "abc", true}, {"a*c", "abd", false}, {"*", "", true}, {"a*", "a", true},
		{"x*y*z", "x1y2z", true}, {"x*y*z", "x1z", false}, {"abc", "abc", true}, {"abc", "abcd", false},
	} {
		if got := glob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

func decodeAll(t *testing.T, raws []string) []event {
	t.Helper()
	var out []event
	for _, r := range raws {
		evs, err := decodeEvents([]byte(r))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, evs...)
	}
	return out
}

// TestSequences: plugin events are compared in order per role; events
// without a handle go to the publisher that joined with their id.
func TestSequences(t *testing.T) {
	ev := func(op, data string) string {
		h := ""
		if op != "" {
			h = `"session_id":1,"handle_id":2,"opaque_id":"` + op + `",`
		}
		return `{"type":64,` + h + `"event":{"plugin":"janus.plugin.videoroom","data":` + data + `}}`
	}
	joined := ev("pub", `{"event":"joined","room":1,"id":5}`)
	janus := decodeAll(t, []string{joined, ev("", `{"event":"unpublished","room":1,"id":5}`), ev("", `{"event":"unpublished","room":1,"id":5}`), ev("", `{"event":"leaving","room":1,"id":5}`)})
	same := decodeAll(t, []string{joined, ev("pub", `{"event":"unpublished","room":1,"id":5}`), ev("pub", `{"event":"leaving","room":1,"id":5}`)})
	if d := compareSequences(pluginSequences(janus), pluginSequences(same)); d != nil {
		t.Errorf("same sequences differ: %q", d)
	}
	other := decodeAll(t, []string{joined, ev("pub", `{"event":"leaving","room":1,"id":5}`)})
	want := []string{`plugin events of pub: Janus ["64 janus.plugin.videoroom event=joined" "64 janus.plugin.videoroom event=unpublished" "64 janus.plugin.videoroom event=leaving"], Argus ["64 janus.plugin.videoroom event=joined" "64 janus.plugin.videoroom event=leaving"]`}
	if d := compareSequences(pluginSequences(janus), pluginSequences(other)); !slices.Equal(d, want) {
		t.Errorf("differences %q, want %q", d, want)
	}
}
