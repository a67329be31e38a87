package otel

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry"
)

// webrtc handles type 16 events (janus-reference.md 4.4): the "ice" span
// runs from gathering/connecting to connected or failed, "dtls" from trying
// to connected or failed; webrtcup starts "first media"; hangup records a
// "hangup" span and aborts what is still open.
func (s *Sink) ice(h *handleState, e *telemetry.Event, b telemetry.ICEBody) {
	t := at(e)
	switch state := b.ICE; state {
	case "gathering", "connecting":
		s.startOp(h, opICE, t)
	case "connected", "ready":
		s.endOp(h, opICE, t, "", attribute.String("janus.ice.state", state))
	case "failed":
		s.endOp(h, opICE, t, "ICE failed", attribute.String("janus.ice.state", state))
	}
}

func (s *Sink) selectedPair(h *handleState, b telemetry.SelectedPairBody) {
	pair := attribute.String("janus.ice.selected_pair", b.SelectedPair)
	h.span.SetAttributes(pair)
	if sp, ok := h.ops[opICE]; ok {
		sp.SetAttributes(pair)
	}
}

func (s *Sink) dtls(h *handleState, e *telemetry.Event, b telemetry.DTLSBody) {
	t := at(e)
	attrs := []attribute.KeyValue{attribute.String("janus.dtls.state", b.DTLS),
		attribute.Int64("janus.dtls.retransmissions", int64(b.Retransmissions))}
	switch b.DTLS {
	case "trying":
		s.startOp(h, opDTLS, t)
	case "connected":
		s.endOp(h, opDTLS, t, "", attrs...)
	case "failed":
		s.endOp(h, opDTLS, t, "DTLS failed", attrs...)
	}
}

func (s *Sink) peerConnection(h *handleState, e *telemetry.Event, b telemetry.PeerConnectionBody) {
	t := at(e)
	switch b.Connection {
	case "webrtcup":
		h.span.AddEvent("webrtcup", trace.WithTimestamp(t))
		if !h.mediaSeen {
			s.startOp(h, opMedia, t)
		}
	case "hangup":
		reason := b.Reason
		s.abortOps(h, t, "hangup")
		h.mediaSeen = false
		s.instant(h.span, "hangup", t, []attribute.KeyValue{attribute.String("janus.hangup.reason", reason)},
			failedHangup(reason))
		h.span.SetAttributes(attribute.String("janus.hangup.reason", reason))
	}
}

// mediaState handles media subtype 1: the first "receiving": true after
// webrtcup ends the "first media" span.
func (s *Sink) mediaState(h *handleState, e *telemetry.Event, b telemetry.MediaStateBody) {
	if h.mediaSeen || !b.Receiving {
		return
	}
	if _, open := h.ops[opMedia]; !open {
		return
	}
	h.mediaSeen = true
	s.endOp(h, opMedia, at(e), "", attribute.String("janus.media", b.Media),
		attribute.String("janus.mid", b.Mid))
}

// failedHangup returns an error description for hangup reasons that mean
// the PeerConnection failed (janus-reference.md 1.4), "" for normal ones.
func failedHangup(reason string) string {
	switch reason {
	case "ICE failed", "Gathering error", "ICE gathering error", "DTLS alert", "DTLS timeout", "DTLS error",
		"DTLS-SRTP stack error":
		return "hangup: " + reason
	}
	return ""
}
