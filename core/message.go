package core

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/argusrtc/argus/core/webrtc"
)

// apiMessage forwards a "message" to the plugin, applying its JSEP first
// (janus-reference.md 1.3 message).
func (g *Gateway) apiMessage(ctx context.Context, r *janusReq) []byte {
	if _, _, e := r.f.object("body", true); e != nil {
		return r.fail(e)
	}
	body := rawMember(r.m, "body")
	var jsep *JSEP
	if jv, ok := r.m["jsep"]; ok {
		j, e := parseJSEP(jv)
		if e != nil {
			return r.fail(e)
		}
		if e := g.checkSDP(j.SDP); e != nil {
			return r.fail(e)
		}
		if e := g.applyJSEP(ctx, r.h, *r.tr, j); e != nil {
			return r.fail(e)
		}
		jsep = j
	}
	res := r.h.plugSess().HandleMessage(ctx, Message{Transaction: *r.tr, Body: body, JSEP: jsep})
	if jsep != nil && !res.Ack {
		r.h.replied(*r.tr, nil) // a synchronous reply carries no answer
	}
	return g.messageReply(r, res)
}

// parseJSEP validates the jsep object with Janus's "JSEP error" texts.
func parseJSEP(v any) (*JSEP, *APIError) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, apiErr(CodeInvalidJSONObject, "Invalid jsep object")
	}
	f := fields{m: m, prefix: "JSEP error"}
	typ, _, e := f.str("type", true)
	if e != nil {
		return nil, e
	}
	sdp, _, e := f.str("sdp", true)
	if e != nil {
		return nil, e
	}
	trickle, hasTrickle, e := f.boolean("trickle", false)
	if e != nil {
		return nil, e
	}
	rid, _, e := f.str("rid_order", false)
	if e != nil {
		return nil, e
	}
	if _, _, e := f.boolean("force_relay", false); e != nil {
		return nil, e
	}
	e2ee, _, e := f.boolean("e2ee", false)
	if e != nil {
		return nil, e
	}
	lt := strings.ToLower(typ)
	if lt != "offer" && lt != "answer" {
		return nil, apiErr(CodeJSEPUnknownType, "JSEP error: unknown message type '%s'", typ)
	}
	j := &JSEP{Type: lt, SDP: sdp, RIDOrder: rid, E2EE: e2ee}
	if hasTrickle {
		j.Trickle = &trickle
	}
	return j, nil
}

// applyJSEP creates the PeerConnection on a first offer and applies the
// remote description before the plugin sees the message of transaction
// tx; an offer waits for the plugin's reply (handle.replied).
func (g *Gateway) applyJSEP(ctx context.Context, h *handle, tx string, j *JSEP) *APIError {
	h.negMu.Lock()
	defer h.negMu.Unlock()
	var ps *peerState
	var ufrag string // an offer's ICE ufrag
	if j.Type == "answer" {
		h.mu.Lock()
		ps = h.pc
		if ps != nil && ps.closing {
			ps = nil
		}
		h.mu.Unlock()
		if ps == nil {
			return apiErr(CodeUnexpectedAnswer, "Unexpected ANSWER (did we offer?)")
		}
	} else {
		ufrag = webrtc.SDPUfrag(j.SDP)
		var err error
		if ps, err = h.ensurePeer(ctx, ufrag); err != nil {
			// A handle detached meanwhile gets the default, as in Janus
			// (setting up ICE on a destroyed handle fails: 490).
			switch {
			case errors.Is(err, ErrStillCleaning):
				return apiErr(CodeWebRTCState, "Still cleaning a previous session")
			case errors.Is(err, ErrTooManyPeers):
				// Janus's answer to a PeerConnection it cannot set up,
				// with the reason the client needs.
				return apiErr(CodeUnknown, "Error setting ICE locally: %s", ErrorReason(err))
			default:
				return apiErr(CodeUnknown, "Error setting ICE locally")
			}
		}
	}
	h.mu.Lock()
	update := ps.negotiated
	h.mu.Unlock()
	err := ps.peer.SetRemoteDescription(ctx, j.Type, j.SDP)
	switch {
	case err == nil:
	case errors.Is(err, webrtc.ErrUnexpectedAnswer):
		return apiErr(CodeUnexpectedAnswer, "Unexpected ANSWER (did we offer?)")
	case errors.Is(err, webrtc.ErrClosed):
		return apiErr(CodeWebRTCState, "Invalid PeerConnection")
	case errors.Is(err, webrtc.ErrInvalidSDP) && !update:
		h.log.Warn("invalid SDP", "error", err)
		return apiErr(CodeJSEPInvalidSDP, "%s", err.Error())
	case update:
		h.log.Warn("renegotiation failed", "error", err)
		return apiErr(CodeUnexpectedAnswer, "Error processing SDP")
	default:
		h.log.Warn("processing the SDP failed", "error", err)
		return apiErr(CodeJSEPInvalidSDP, "Error processing SDP")
	}
	h.mu.Lock()
	ps.negotiated = true
	switch {
	case j.Type == "answer":
		h.settleLocked(ps) // the plugin's offer: no refused offer discards it
	case !update:
		ps.ufrag = ufrag
	}
	h.mu.Unlock()
	if j.Type == "offer" {
		h.expectReply(tx, ps, update)
	}
	j.Update = update
	return nil
}

// messageReply renders a plugin Result as success, ack or 462.
func (g *Gateway) messageReply(r *janusReq, res Result) []byte {
	switch {
	case res.Error != "":
		return r.fail(apiErr(CodePluginMessage, "%s", res.Error))
	case res.Ack:
		o := r.reply("ack")
		if res.Hint != "" {
			o = o.set("hint", res.Hint)
		}
		return mustJSON(o)
	case res.Data == nil:
		return r.fail(apiErr(CodePluginMessage, "Plugin didn't provide any content for this synchronous response"))
	}
	data, err := json.Marshal(res.Data)
	if err != nil || len(data) == 0 || data[0] != '{' {
		return r.fail(apiErr(CodePluginMessage, "Plugin returned an invalid JSON response"))
	}
	o := r.reply("success").set("sender", uint64(r.h.id))
	if g.cfg.OpaqueIDInAPI && r.h.opaque != "" {
		o = o.set("opaque_id", r.h.opaque)
	}
	o = o.set("plugindata", obj{}.set("plugin", r.h.pkg).set("data", json.RawMessage(data)))
	return mustJSON(o)
}
