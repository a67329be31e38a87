package core

import (
	"strconv"

	"github.com/argusrtc/argus/telemetry"
)

// emit sends one event through the configured Emitter (janus-reference.md 4.2).
func (g *Gateway) emit(typ telemetry.Type, sub int, sid SessionID, hid HandleID, opaque string, body any) {
	g.cfg.Emitter.Emit(&telemetry.Event{
		Emitter:   g.cfg.ServerName,
		Type:      typ,
		Subtype:   sub,
		Timestamp: telemetry.Now(),
		SessionID: uint64(sid),
		HandleID:  uint64(hid),
		OpaqueID:  opaque,
		Body:      body,
	})
}

// emitSession emits a type 1 event: created (with the transport), destroyed, timeout.
func (g *Gateway) emitSession(sid SessionID, name string, src Client) {
	body := telemetry.SessionBody{Name: name}
	if name == "created" && src != nil {
		ti := src.Info()
		body.Transport = &telemetry.SessionTransport{Transport: ti.Package, ID: strconv.FormatUint(ti.ConnID, 10)}
	}
	g.emit(telemetry.TypeSession, 0, sid, 0, "", body)
}

// emitHandle emits a type 2 event: attached or detached.
func (g *Gateway) emitHandle(h *handle, name string) {
	body := telemetry.HandleBody{Name: name, Plugin: h.pkg, OpaqueID: h.opaque, Token: h.token}
	g.emit(telemetry.TypeHandle, 0, h.sess.id, h.id, h.opaque, body)
}
