package otel

import (
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/verdict"
)

func TestVerdictSpans(t *testing.T) {
	// The verdict sink's tracker judges the same events the otel sink sees;
	// its verdict events come after the ends they judge.
	evs := echoTestScript()
	tr := verdict.NewTracker(verdict.DefaultThresholds(), verdict.DefaultLimits())
	var verdicts []*telemetry.Event
	for _, e := range evs {
		for _, v := range tr.Observe(e) {
			verdicts = append(verdicts, verdict.Event(v, server))
		}
	}
	if len(verdicts) != 2 {
		t.Fatalf("%d verdicts, want 2", len(verdicts))
	}
	r := newRecorder(t)
	r.export(t, append(evs, verdicts...)...)
	spans := r.byName(t)
	sess, handle := spans["session"], spans["handle janus.plugin.echotest"]
	for _, tc := range []struct {
		name   string
		parent interface{ String() string }
	}{
		{"verdict peerconnection", handle.SpanContext.SpanID()},
		{"verdict session", sess.SpanContext.SpanID()},
	} {
		sp, ok := spans[tc.name]
		if !ok {
			t.Fatalf("no %q span (have %v)", tc.name, keys(spans))
		}
		if sp.Parent.SpanID().String() != tc.parent.String() || sp.SpanContext.TraceID() != TraceID(server, testSession) {
			t.Errorf("%s: parent %s trace %s, want parent %s in the session's trace", tc.name, sp.Parent.SpanID(), sp.SpanContext.TraceID(), tc.parent)
		}
		// The script's client sent audio that never went back: one-way.
		if sp.Status.Code != codes.Error || sp.Status.Description != "one-way" {
			t.Errorf("%s: status %v %q, want Error one-way", tc.name, sp.Status.Code, sp.Status.Description)
		}
		if !hasAttr(sp.Attributes, attribute.String("argus.verdict.outcome", "one-way")) {
			t.Errorf("%s: attributes %v lack the outcome", tc.name, sp.Attributes)
		}
	}
	if _, _, n := r.sink.open(); n != 0 {
		t.Errorf("%d feeds left open", n)
	}
	if n := r.sink.endedHandles.Len() + r.sink.endedSessions.Len(); n != 0 {
		t.Errorf("%d ended span contexts kept after the session verdict, want 0", n)
	}
}

func hasAttr(attrs []attribute.KeyValue, want attribute.KeyValue) bool {
	for _, a := range attrs {
		if a == want {
			return true
		}
	}
	return false
}

// pcUp is a PeerConnection of handle h brought up at atMS, the gateway
// offering (a VideoRoom subscriber) or answering.
func pcUp(s, h uint64, atMS int64, gatewayOffers bool) []*telemetry.Event {
	first, second := obj{"owner": "remote", "jsep": obj{"type": "offer", "sdp": "v=0"}},
		obj{"owner": "local", "jsep": obj{"type": "answer", "sdp": "v=0"}}
	if gatewayOffers {
		first, second = obj{"owner": "local", "jsep": obj{"type": "offer", "sdp": "v=0"}},
			obj{"owner": "remote", "jsep": obj{"type": "answer", "sdp": "v=0"}}
	}
	return []*telemetry.Event{
		ev(telemetry.TypeJSEP, 0, s, h, atMS, first),
		ev(telemetry.TypeJSEP, 0, s, h, atMS+10, second),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, s, h, atMS+20, obj{"ice": "gathering"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, s, h, atMS+30, obj{"ice": "connected"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCDTLS, s, h, atMS+40, obj{"dtls": "trying"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCDTLS, s, h, atMS+50, obj{"dtls": "connected"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, s, h, atMS+60, obj{"connection": "webrtcup"}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, s, h, atMS+1000, obj{"mid": "0", "media": "audio",
			"packets-received": 50, "packets-sent": 50}),
	}
}

func hangupEv(s, h uint64, atMS int64, reason string) *telemetry.Event {
	return ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, s, h, atMS,
		obj{"connection": "hangup", "reason": reason})
}

// verdictScript is a session's events and the number of PeerConnection
// verdicts the tracker draws from them.
type verdictScript struct {
	events     []*telemetry.Event
	pcVerdicts int
}

// verdictScripts are sessions whose handles get more than one
// PeerConnection verdict, or verdicts at different moments.
func verdictScripts() map[string]verdictScript {
	const s, h, h2 = testSession, testHandle, testHandle + 1
	created := ev(telemetry.TypeSession, 0, s, 0, 0, obj{"name": "created"})
	attached := func(id uint64) *telemetry.Event {
		return ev(telemetry.TypeHandle, 0, s, id, 5, obj{"name": "attached", "plugin": "janus.plugin.videoroom"})
	}
	detached := func(id uint64, atMS int64) *telemetry.Event {
		return ev(telemetry.TypeHandle, 0, s, id, atMS, obj{"name": "detached"})
	}
	ended := func(atMS int64, name string) *telemetry.Event {
		return ev(telemetry.TypeSession, 0, s, 0, atMS, obj{"name": name})
	}
	cat := func(parts ...[]*telemetry.Event) []*telemetry.Event {
		var out []*telemetry.Event
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	return map[string]verdictScript{
		// The session's destroy detaches a VideoRoom subscriber while the
		// publisher it receives leaves: the subscriber's auto-update offer
		// lands after its "Detach" hangup (the verdict tracker starts no
		// PeerConnection with it), and its one PeerConnection is judged at
		// the session's end, after its handle's span ended.
		"subscriber offer after its Detach hangup": {cat(
			[]*telemetry.Event{created, attached(h)},
			pcUp(s, h, 10, true),
			[]*telemetry.Event{
				hangupEv(s, h, 3000, "Detach"),
				ev(telemetry.TypeJSEP, 0, s, h, 3010, obj{"owner": "local", "jsep": obj{"type": "offer", "sdp": "v=0"}}),
				detached(h, 3020),
				ended(3030, "destroyed"),
			}), 1},
		// A client hangs up and negotiates again on the same handle.
		"two PeerConnections on one handle": {cat(
			[]*telemetry.Event{created, attached(h)},
			pcUp(s, h, 10, false),
			[]*telemetry.Event{hangupEv(s, h, 1500, "Janus API")},
			pcUp(s, h, 1600, false),
			[]*telemetry.Event{hangupEv(s, h, 3000, "Janus API"), detached(h, 3010), ended(3020, "destroyed")}), 2},
		// One handle detaches (its verdict comes then), the other is still
		// up when the session times out.
		"detach, then timeout": {cat(
			[]*telemetry.Event{created, attached(h), attached(h2)},
			pcUp(s, h, 10, false),
			pcUp(s, h2, 20, true),
			[]*telemetry.Event{hangupEv(s, h, 2000, "Janus API"), detached(h, 2010), ended(60000, "timeout")}), 2},
	}
}

// TestVerdictSpanParentsWhateverTheLag feeds the sink each script with the
// verdicts the verdict tracker draws from it, delivered lag events after
// the event that completed them (the verdict sink runs on its own queue, so
// its events reach this sink later, up to after the session's end), and
// checks that every verdict span is a child of its handle's or session's
// span.
func TestVerdictSpanParentsWhateverTheLag(t *testing.T) {
	for name, script := range verdictScripts() {
		evs := script.events
		tr := verdict.NewTracker(verdict.DefaultThresholds(), verdict.DefaultLimits())
		derived := make([][]*telemetry.Event, len(evs)) // verdicts completed by evs[i]
		var pcVerdicts int
		for i, e := range evs {
			for _, v := range tr.Observe(e) {
				derived[i] = append(derived[i], verdict.Event(v, server))
				if v.Scope == verdict.ScopePeerConnection {
					pcVerdicts++
				}
			}
		}
		if pcVerdicts != script.pcVerdicts {
			t.Fatalf("%s: %d PeerConnection verdicts, want %d", name, pcVerdicts, script.pcVerdicts)
		}
		for lag := 0; lag < len(evs); lag++ {
			t.Run(fmt.Sprintf("%s/lag %d", name, lag), func(t *testing.T) {
				due := make([][]*telemetry.Event, len(evs)) // verdicts delivered after evs[i]
				for i := range evs {
					j := min(i+lag, len(evs)-1)
					due[j] = append(due[j], derived[i]...)
				}
				stream := make([]*telemetry.Event, 0, len(evs)+pcVerdicts+1)
				for i, e := range evs {
					stream = append(stream, e)
					stream = append(stream, due[i]...)
				}
				r := newRecorder(t)
				r.export(t, stream...)
				checkVerdictParents(t, r.exp.GetSpans(), pcVerdicts+1)
				if h, s := r.sink.endedHandles.Len(), r.sink.endedSessions.Len(); h+s != 0 {
					t.Errorf("%d handle and %d session span contexts kept after the session verdict, want 0", h, s)
				}
			})
		}
	}
}

// checkVerdictParents checks that every verdict span is in its session's
// trace, a child of the span of its handle (PeerConnection) or session.
func checkVerdictParents(t *testing.T, spans []spanStub, want int) {
	t.Helper()
	parents := map[string]trace.SpanContext{} // "session" or handle id → span
	for _, sp := range spans {
		switch a := attrs(sp); {
		case sp.Name == "session":
			parents["session"] = sp.SpanContext
		case strings.HasPrefix(sp.Name, "handle "):
			parents[fmt.Sprint(a["janus.handle_id"])] = sp.SpanContext
		}
	}
	n := 0
	for _, sp := range spans {
		if !strings.HasPrefix(sp.Name, "verdict ") {
			continue
		}
		n++
		a := attrs(sp)
		key := "session"
		if a["argus.verdict.scope"] == verdict.ScopePeerConnection {
			key = fmt.Sprint(a["janus.handle_id"])
		}
		p, ok := parents[key]
		if !ok {
			t.Fatalf("%s of %s: no such span ended", sp.Name, key)
		}
		if sp.Parent.SpanID() != p.SpanID() || sp.SpanContext.TraceID() != TraceID(server, testSession) {
			t.Errorf("%s of %s: parent %s trace %s, want parent %s in trace %s", sp.Name, key, sp.Parent.SpanID(),
				sp.SpanContext.TraceID(), p.SpanID(), TraceID(server, testSession))
		}
	}
	if n != want {
		t.Errorf("%d verdict spans, want %d", n, want)
	}
}

// TestEndedHandlesBoundedPerSession: a session that attaches and detaches
// handles in a loop keeps the span contexts of its last maxEndedPerSession
// ended handles only, and its verdict forgets them.
func TestEndedHandlesBoundedPerSession(t *testing.T) {
	const s, n = testSession, 3 * maxEndedPerSession
	r := newRecorder(t)
	r.export(t, ev(telemetry.TypeSession, 0, s, 0, 0, obj{"name": "created"}))
	for h := uint64(1); h <= n; h++ {
		r.export(t,
			ev(telemetry.TypeHandle, 0, s, h, int64(h), obj{"name": "attached", "plugin": "janus.plugin.echotest"}),
			ev(telemetry.TypeHandle, 0, s, h, int64(h), obj{"name": "detached"}))
	}
	if got := r.sink.endedHandles.Len(); got != maxEndedPerSession {
		t.Errorf("%d ended handle span contexts kept, want %d", got, maxEndedPerSession)
	}
	v := func(scope string, h uint64) *telemetry.Event {
		return verdict.Event(verdict.Verdict{Scope: scope, Outcome: verdict.OutcomeOK, SessionID: s, HandleID: h,
			Timestamp: t0 + 10_000_000}, server)
	}
	r.export(t, ev(telemetry.TypeSession, 0, s, 0, 5000, obj{"name": "destroyed"}),
		v(verdict.ScopePeerConnection, n), v(verdict.ScopeSession, 0))
	checkVerdictParents(t, r.exp.GetSpans(), 2)
	if h, es := r.sink.endedHandles.Len(), r.sink.endedSessions.Len(); h+es != 0 {
		t.Errorf("%d handle and %d session span contexts kept after the session verdict, want 0", h, es)
	}
}
