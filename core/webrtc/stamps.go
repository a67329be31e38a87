package webrtc

import (
	"sync/atomic"
	"time"
)

// stamp names one step of a PeerConnection that Admin handle_info dates
// (janus-reference.md 3.4): the ICE agent created and started, gathering
// done, ICE connected, the DTLS handshake started and done.
type stamp int

const (
	stampAgentCreated stamp = iota
	stampAgentStarted
	stampGathered
	stampICEConnected
	stampHandshake
	stampDTLSConnected
	numStamps
)

// stamps holds when each step first happened (nil: not yet), with the
// clock's monotonic reading, so that the core's rendering of the dates
// (µs since its start) does not move when the wall clock steps. The pion
// callbacks that set them run on pion's goroutines: atomics only.
type stamps struct {
	at [numStamps]atomic.Pointer[time.Time]
}

// mark dates step st now, unless it happened before.
func (s *stamps) mark(st stamp) {
	if s.at[st].Load() != nil {
		return
	}
	now := time.Now()
	s.at[st].CompareAndSwap(nil, &now)
}

// get returns when st happened; ok is false if it did not yet.
func (s *stamps) get(st stamp) (time.Time, bool) {
	if t := s.at[st].Load(); t != nil {
		return *t, true
	}
	return time.Time{}, false
}

// put sets key in m to when st happened, if it did.
func (s *stamps) put(m map[string]any, key string, st stamp) {
	if t, ok := s.get(st); ok {
		m[key] = t
	}
}
