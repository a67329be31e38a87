package prom

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry"
)

// jitterExemplars returns the trace id and value of each bucket's exemplar
// (by upper bound) and the sample count of argus_media_jitter_seconds for
// audio in.
func jitterExemplars(t *testing.T, reg *prometheus.Registry) (map[float64][2]any, uint64) {
	t.Helper()
	return histogramExemplars(t, reg, "argus_media_jitter_seconds", map[string]string{"media": "audio", "direction": "in"})
}

// histogramExemplars returns the trace id and value of each bucket's
// exemplar (by upper bound) and the sample count of the series of the
// histogram name whose labels include match.
func histogramExemplars(t *testing.T, reg *prometheus.Registry, name string, match map[string]string) (map[float64][2]any, uint64) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[float64][2]any{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range match {
				if labels[k] != v {
					continue series
				}
			}
			for _, b := range m.GetHistogram().GetBucket() {
				if x := b.GetExemplar(); x != nil {
					id := ""
					for _, l := range x.GetLabel() {
						if l.GetName() == "trace_id" {
							id = l.GetValue()
						}
					}
					got[b.GetUpperBound()] = [2]any{id, x.GetValue()}
				}
			}
			return got, m.GetHistogram().GetSampleCount()
		}
	}
	t.Fatalf("no %s%v", name, match)
	return nil, 0
}

// TestExemplarEverySetup: the ICE and DTLS setup histograms, observed
// once per handle, carry the exemplar of every observation: two
// sessions' setups in one bucket two seconds apart leave the second's
// trace id, where the media report histograms would keep the first's
// for 10 s.
func TestExemplarEverySetup(t *testing.T) {
	reg, s := newTestSink(t, WithTraceID(traceIDOf))
	for i, sid := range []uint64{1, 2} {
		at := int64(i) * 2000
		var evs []*telemetry.Event
		for _, st := range []struct {
			sub   int
			atMS  int64
			state obj
		}{
			{telemetry.SubtypeWebRTCICE, at, obj{"ice": "gathering"}},
			{telemetry.SubtypeWebRTCICE, at + 40, obj{"ice": "connected"}},
			{telemetry.SubtypeWebRTCDTLS, at + 40, obj{"dtls": "trying"}},
			{telemetry.SubtypeWebRTCDTLS, at + 48, obj{"dtls": "connected"}},
		} {
			e := ev(telemetry.TypeWebRTC, st.sub, st.atMS, st.state)
			e.SessionID, e.HandleID = sid, 100+sid
			evs = append(evs, e)
		}
		export(t, s, evs)
		for _, h := range []struct {
			name string
			le   float64
			v    float64
		}{{"argus_ice_connect_seconds", 0.05, 0.04}, {"argus_dtls_handshake_seconds", 0.01, 0.008}} {
			got, count := histogramExemplars(t, reg, h.name, nil)
			if want := ([2]any{traceIDOf(sid), h.v}); count != uint64(i+1) || len(got) != 1 || got[h.le] != want {
				t.Fatalf("session %d: %s exemplars %v after %d observations, want %v in le=%v", sid, h.name, got, count, want, h.le)
			}
		}
	}
}

// TestExemplarOncePerBucketAndInterval: a bucket of a histogram series gets
// an exemplar at most once per exemplarInterval of event time; another
// bucket gets its own meanwhile; every observation is counted.
func TestExemplarOncePerBucketAndInterval(t *testing.T) {
	reg, s := newTestSink(t, WithTraceID(traceIDOf))
	at := func(sec int64, session uint64, jitterMS int) *telemetry.Event {
		r := report("0", "audio", 100, 1000, 0, 0)
		r["jitter-local"] = jitterMS
		e := ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, sec*1000, r)
		e.SessionID = session
		return e
	}
	steps := []struct {
		e     *telemetry.Event
		want  map[float64][2]any
		count uint64
	}{
		{at(0, 1, 5), map[float64][2]any{0.005: {traceIDOf(1), 0.005}}, 1},
		{at(3, 2, 5), map[float64][2]any{0.005: {traceIDOf(1), 0.005}}, 2}, // same bucket within 10 s
		{at(4, 3, 30), map[float64][2]any{0.005: {traceIDOf(1), 0.005}, 0.05: {traceIDOf(3), 0.03}}, 3},
		{at(9, 4, 4), map[float64][2]any{0.005: {traceIDOf(1), 0.005}, 0.05: {traceIDOf(3), 0.03}}, 4},
		{at(10, 5, 4), map[float64][2]any{0.005: {traceIDOf(5), 0.004}, 0.05: {traceIDOf(3), 0.03}}, 5}, // 10 s on
		{at(13, 6, 40), map[float64][2]any{0.005: {traceIDOf(5), 0.004}, 0.05: {traceIDOf(3), 0.03}}, 6},
		{at(14, 7, 40), map[float64][2]any{0.005: {traceIDOf(5), 0.004}, 0.05: {traceIDOf(7), 0.04}}, 7},
	}
	for i, st := range steps {
		export(t, s, []*telemetry.Event{st.e})
		got, count := jitterExemplars(t, reg)
		if count != st.count {
			t.Fatalf("step %d: %d observations, want %d", i, count, st.count)
		}
		if len(got) != len(st.want) {
			t.Fatalf("step %d: exemplars %v, want %v", i, got, st.want)
		}
		for le, w := range st.want {
			if got[le] != w {
				t.Fatalf("step %d: bucket le=%v exemplar %v, want %v", i, le, got[le], w)
			}
		}
	}
}

// TestExemplarWaitsForATraceID: an observation whose session has no trace
// id makes no exemplar and does not start the interval, so the next one
// with a trace id gets the bucket's exemplar.
func TestExemplarWaitsForATraceID(t *testing.T) {
	reg, s := newTestSink(t, WithTraceID(func(sid uint64) string {
		if sid == 1 {
			return ""
		}
		return traceIDOf(sid)
	}))
	for i, sid := range []uint64{1, 2} {
		r := report("0", "audio", 100*(i+1), 1000, 0, 0)
		e := ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, int64(i)*1000, r)
		e.SessionID = sid
		export(t, s, []*telemetry.Event{e})
	}
	got, count := jitterExemplars(t, reg)
	if want := ([2]any{traceIDOf(2), 0.005}); count != 2 || got[0.005] != want {
		t.Fatalf("exemplars %v after %d observations, want %v in le=0.005", got, count, want)
	}
}
