package verdict

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

// TestSinkShutdownExportsItsVerdicts: the sink on a bus as cmd/argus
// attaches it (its spec's queue options, mask "all", so it receives its
// own verdicts), beside another sink, with a session that ends in the
// batch its drain exports at Shutdown (the core ends every session before
// the bus shuts down): the verdicts emitted by that last Export are
// exported by both sinks, and nothing is counted as dropped.
func TestSinkShutdownExportsItsVerdicts(t *testing.T) {
	bus := telemetry.NewBus()
	s, err := New(bus, "test", DefaultThresholds(), DefaultLimits(), nil)
	if err != nil {
		t.Fatal(err)
	}
	spec, ok := telemetry.SinkSpecOf(SinkName)
	if !ok {
		t.Fatal("verdict sink spec not registered")
	}
	// A long batch timeout: the whole session reaches Export in the drain.
	opts := append(slices.Clone(spec.Queue), telemetry.WithBatchTimeout(time.Hour))
	if err := bus.Attach(SinkName, s, telemetry.MaskAll, opts...); err != nil {
		t.Fatal(err)
	}
	other := telemetrytest.NewSink()
	if err := bus.Attach("other", other, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	evs := newScript().created().handle("attached").up("sendrecv").flow(5, audio, video).
		hangup("DTLS alert").report(audio).handle("detached").session("destroyed").events
	for _, e := range evs {
		bus.Emit(e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bus.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	const verdicts = 2 // the PeerConnection's and the session's
	want := uint64(len(evs) + verdicts)
	for _, st := range bus.Stats() {
		if st.Exported != want || st.Dropped != 0 || st.Failed != 0 || st.QueueLen != 0 {
			t.Errorf("sink %s: exported %d, dropped %d, failed %d, %d left queued; want %d, 0, 0, 0",
				st.Name, st.Exported, st.Dropped, st.Failed, st.QueueLen, want)
		}
	}
	var scopes []string
	for _, e := range other.Events() {
		if b, ok := e.Body.(Body); ok {
			scopes = append(scopes, b.Data.Scope)
		}
	}
	if len(scopes) != verdicts || scopes[0] != ScopePeerConnection || scopes[1] != ScopeSession {
		t.Errorf("the other sink exported verdicts of scopes %v, want [%s %s]", scopes, ScopePeerConnection, ScopeSession)
	}
}
