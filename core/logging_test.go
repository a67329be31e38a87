package core_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

// logLines parses the JSON log lines written to buf.
func logLines(t *testing.T, buf *coretest.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestLogLinesCarryCorrelationIDs checks that a session's and a handle's log
// lines carry session_id, handle_id and the session's trace_id.
func TestLogLinesCarryCorrelationIDs(t *testing.T) {
	buf := &coretest.Buffer{}
	e := newEnv(t, func(c *core.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(buf, nil))
		c.TraceID = func(s core.SessionID) string { return "trace-" + s.String() }
	})
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	e.req(e.c, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h)
	e.req(e.c, core.PathIDs{}, `{"janus":"destroy","transaction":"x","session_id":%d}`, s)

	want := map[string]bool{"handle detached": false, "session destroyed": false}
	for _, m := range logLines(t, buf) {
		msg, _ := m["msg"].(string)
		if _, ok := want[msg]; !ok {
			continue
		}
		want[msg] = true
		if got := uint64(m["session_id"].(float64)); got != s {
			t.Errorf("%q: session_id %d, want %d", msg, got, s)
		}
		if got, wantTrace := m["trace_id"], "trace-"+core.SessionID(s).String(); got != wantTrace {
			t.Errorf("%q: trace_id %v, want %s", msg, got, wantTrace)
		}
		if msg == "handle detached" {
			if got, ok := m["handle_id"].(float64); !ok || uint64(got) != h {
				t.Errorf("%q: handle_id %v, want %d", msg, m["handle_id"], h)
			}
		}
	}
	for msg, seen := range want {
		if !seen {
			t.Errorf("no log line %q", msg)
		}
	}
}
