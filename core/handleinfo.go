package core

import (
	"slices"
	"time"
)

// flagNames are the handle_info flags (janus-reference.md 3.4), in order.
var flagNames = []string{
	"got-offer", "got-answer", "negotiated", "processing-offer", "starting", "ice-restart", "ready",
	"stopped", "alert", "trickle", "all-trickles", "resend-trickles", "trickle-synced", "data-channels",
	"has-audio", "has-video", "new-datachan-sdp", "rfc4588-rtx", "cleaning", "e2ee",
}

// peerInfoOrder is the order of the PeerConnection keys after "flags".
var peerInfoOrder = []string{"agent-created", "agent-started", "ice-mode", "ice-role", "sdps",
	"pending-trickles", "queued-packets", "webrtc"}

// handleInfo renders Admin handle_info.info (Janus 1.x shape).
func (g *Gateway) handleInfo(h *handle, pluginOnly bool) obj {
	s := h.sess
	s.mu.Lock()
	src := s.source
	s.mu.Unlock()
	h.mu.Lock()
	ps, detached, pending := h.pc, h.detached, len(h.pending)
	h.mu.Unlock()

	o := obj{}.
		set("session_id", uint64(s.id)).
		set("session_last_activity", g.monoMicros(s.lastActive())).
		set("session_timeout", seconds(s.effectiveTimeout()))
	if src != nil {
		o = o.set("session_transport", src.Info().Package)
	}
	o = o.set("handle_id", uint64(h.id))
	if h.opaque != "" {
		o = o.set("opaque_id", h.opaque)
	}
	if h.token != "" {
		o = o.set("token", h.token)
	}
	o = o.set("loop-running", !detached).
		set("created", g.monoMicros(h.created)).
		set("current_time", g.monoMicros(time.Now())).
		set("plugin", h.pkg)
	if q, ok := h.plugSess().(SessionQuerier); ok {
		if v := q.Query(); v != nil {
			o = o.set("plugin_specific", v)
		}
	}
	if pluginOnly {
		return o
	}
	var info map[string]any
	if ps != nil {
		info = ps.peer.Info()
		g.monoDates(info)
	}
	if f, ok := info["flags"].(map[string]any); ok {
		o = o.set("flags", orderFlags(f))
	} else if f, ok := info["flags"]; ok {
		o = o.set("flags", f)
	} else {
		flags := obj{}
		for _, n := range flagNames {
			flags = flags.set(n, false)
		}
		o = o.set("flags", flags)
	}
	for _, k := range peerInfoOrder {
		if v, ok := info[k]; ok {
			o = o.set(k, v)
		} else if k == "sdps" {
			o = o.set("sdps", obj{})
		} else if k == "pending-trickles" && pending > 0 {
			o = o.set(k, pending)
		}
	}
	rest := make([]string, 0, len(info))
	for k := range info {
		if k != "flags" && !slices.Contains(peerInfoOrder, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		o = o.set(k, info[k])
	}
	return o
}

// monoDates replaces the time.Time values of a Peer's info (its dates,
// at any depth) by the Admin API's monotonic µs, as Janus renders them.
func (g *Gateway) monoDates(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case time.Time:
			m[k] = g.monoMicros(x)
		case map[string]any:
			g.monoDates(x)
		}
	}
}

// orderFlags renders the Peer's flags in Janus's order, unknown ones last.
func orderFlags(f map[string]any) obj {
	o := obj{}
	for _, n := range flagNames {
		if v, ok := f[n]; ok {
			o = o.set(n, v)
		}
	}
	rest := make([]string, 0)
	for k := range f {
		if !slices.Contains(flagNames, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		o = o.set(k, f[k])
	}
	return o
}
