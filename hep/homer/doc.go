// Package homer is the Homer (heplify-server) sink: it turns every telemetry
// event into HEP v3 packets and sends them over UDP, TCP or TLS.
//
// Mapping (DESIGN.md "Exports: HEP", hep-homer.md section 4):
//   - every event → HEP proto type 100 (LOG), payload = the exact Janus event
//     JSON (json.Marshal of *telemetry.Event), correlation id chunk always set;
//   - a media report (type 32, subtype 3) additionally → per medium (not
//     data) and per direction that carries media (uplink: the gateway
//     received; downlink: the gateway sent), one type 5 (RTCP JSON in the
//     heplify schema, drawn by homer-ui's QoS tab) and one type 34 (rtpagent
//     JSON with JITTER, PACKET_LOSS, DELTA, TOTAL_PK, EXPECTED_PK,
//     DIRECTION, and MOS on audio only); see mediaQoS for the derivations
//     and units (ia_jitter and dlsr in ms, as homer-ui reads them).
//
// Timestamps are the events' own, made unique per correlation id (stampAll):
// homer-app's transaction view drops rows sharing "id:create_date".
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
// Addresses: type 100 packets carry src = the client's transport address
// (with its real port) and dst = the listener that accepted it, both from
// the type 128 event of the connection that created the session
// (TransportBody.Remote/.Local; a foreign emitter's JSON "ip"/"port" as a
// fallback). SinkConfig.AddressOf overrides them; SinkConfig.ServerAddr
// replaces the listener. A handle keeps its session's addresses until its
// last event; without them its ICE selected pair is used; events of no
// client (core startup, status, shutdown) carry the gateway's own address
// on both ends: server_addr, else the last listener seen, else (the startup
// event comes before any client) the local end of the sink's connection to
// heplify-server. No row names a placeholder. Media packets use the selected pair:
// uplink client → gateway, downlink gateway → client. For a handle in a
// room, the type 5 and 34 packets are also sent under "room-<id>". All
// learned state lives in bounded maps (SinkConfig.MaxHandles) and is
// dropped on "detached", "destroyed"/"timeout" and transport
// "disconnected" (WebSocket and Unix socket connections). A broker
// transport (RabbitMQ, MQTT) emits no "disconnected" but is one client
// with one id, kept. An HTTP request's id (its type 128 "request") is
// never seen again but in the "created" of the session it creates, which
// drops it; only the last min(MaxHandles, 4096) requests are kept, apart
// from the connections (so up to that many entries more), so request
// churn never evicts a live connection's address.
//
// Size: heplify-server reads at most 65507 bytes per packet. A larger type 100
// payload is shrunk: a JSEP event's SDP is cut and ends with the marker
// TruncationMarker; if that is not enough (or the event has no SDP) the
// payload becomes a small JSON stub {"emitter","type","subtype","timestamp",
// "session_id","handle_id","opaque_id","truncated":true,"original_size":N}.
// Both count in Stats().Truncated.
package homer
