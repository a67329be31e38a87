// Package homer is the Homer (heplify-server) sink: it turns every telemetry
// event into HEP v3 packets and sends them over UDP, TCP or TLS.
//
// Mapping (DESIGN.md "Exports: HEP", hep-homer.md section 4):
//   - every event → HEP proto type 100 (LOG), payload = the exact Janus event
//     JSON (json.Marshal of *telemetry.Event), correlation id chunk always set;
//   - a media report (type 32, subtype 3) additionally → type 5 (RTCP JSON in
//     the heplify schema, drawn by homer-ui's QoS tab) and type 34 (rtpagent
//     JSON with MOS, JITTER, PACKET_LOSS, DELTA, TOTAL_PK, EXPECTED_PK), one
//     pair per medium.
//
// Correlation id: in CorrelationSession mode (the default) the decimal
// session_id; a handle-only event uses its handle's session (a bounded
// handle → session map); events without a session (core, transport, external)
// use the node name. In CorrelationOpaque mode the opaque_id when the event or
// its handle has one, else as in session mode. Room view: a plugin event
// whose data names a room (VideoRoom joined, published, subscribing, leaving,
// ...) and, for a handle seen in a room, its PeerConnection state (type 16
// subtype 6) and detach events are sent a second time under the correlation
// id "room-<room id>" (unless DisableRoomCorrelation), so one Homer search
// lists a room's participants and PeerConnections.
//
// Addresses: type 100 packets carry src = the client's transport address and
// dst = the gateway's listener. The client address is, in this order:
// SinkConfig.AddressOf(session); the address learned from the events (a type
// 128 event's data "ip"/"port", tied to a session by the transport id in the
// type 1 "created" body; WebSocket events have no port, so port 0); the
// handle's ICE selected pair (type 16 subtype 4, remote candidate); else
// 127.0.0.1:0. The gateway address is SinkConfig.ServerAddr, else the
// selected pair's local candidate when that was used, else 127.0.0.2:0 (so
// Homer's flow view draws an arrow). Media packets use the selected pair when
// known: type 34 (what the gateway received) client → gateway, type 5 (a
// sender report from the gateway) gateway → client. All learned state lives
// in bounded maps (SinkConfig.MaxHandles) and is dropped on "detached",
// "destroyed"/"timeout" and transport "disconnected".
//
// Size: heplify-server reads at most 65507 bytes per packet. A larger type 100
// payload is shrunk: a JSEP event's SDP is cut and ends with the marker
// TruncationMarker; if that is not enough (or the event has no SDP) the
// payload becomes a small JSON stub {"emitter","type","subtype","timestamp",
// "session_id","handle_id","opaque_id","truncated":true,"original_size":N}.
// Both count in Stats().Truncated.
package homer
