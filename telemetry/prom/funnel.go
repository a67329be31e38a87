package prom

import "github.com/argusrtc/argus/telemetry"

// funnelState holds the start of a handle's pending ICE and DTLS phases, as
// event timestamps (µs); 0 means no phase pending.
type funnelState struct {
	iceStart  int64
	dtlsStart int64
}

// ice records an ICE state change (webrtc subtype 1) of e's handle.
func (s *Sink) ice(e *telemetry.Event, state string, trace *exemplar) {
	s.m.iceStates.WithLabelValues(iceState(state)).Inc()
	f, _ := s.funnel.Get(e.HandleID)
	switch state {
	case "gathering", "connecting":
		if f.iceStart == 0 {
			f.iceStart = e.Timestamp
			s.setFunnel(e.HandleID, f)
		}
	case "connected", "ready":
		if f.iceStart != 0 {
			observeTraced(s.m.iceConnect, seconds(e.Timestamp-f.iceStart), trace)
			f.iceStart = 0
			s.setFunnel(e.HandleID, f)
		}
	case "failed", "disconnected":
		if f.iceStart != 0 {
			f.iceStart = 0
			s.setFunnel(e.HandleID, f)
		}
	}
}

// dtls records a DTLS state change (webrtc subtype 5) of e's handle.
func (s *Sink) dtls(e *telemetry.Event, state string, trace *exemplar) {
	s.m.dtlsStates.WithLabelValues(dtlsState(state)).Inc()
	f, _ := s.funnel.Get(e.HandleID)
	switch state {
	case "trying":
		if f.dtlsStart == 0 {
			f.dtlsStart = e.Timestamp
			s.setFunnel(e.HandleID, f)
		}
	case "connected":
		if f.dtlsStart != 0 {
			observeTraced(s.m.dtlsHS, seconds(e.Timestamp-f.dtlsStart), trace)
			f.dtlsStart = 0
			s.setFunnel(e.HandleID, f)
		}
	case "failed":
		if f.dtlsStart != 0 {
			f.dtlsStart = 0
			s.setFunnel(e.HandleID, f)
		}
	}
}

// seconds converts a µs difference; clock steps backwards give 0.
func seconds(us int64) float64 {
	if us < 0 {
		return 0
	}
	return float64(us) / 1e6
}

// setFunnel stores f, or forgets the handle when no phase is pending.
func (s *Sink) setFunnel(handleID uint64, f funnelState) {
	if f == (funnelState{}) {
		s.funnel.Delete(handleID)
		return
	}
	s.funnel.Put(handleID, f)
}
