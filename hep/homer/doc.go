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
// its handle has one, else as in session mode.
//
// Addresses: events carry src = the client's transport address and dst = the
// gateway's listener, from SinkConfig.AddressOf when set. Otherwise, for a
// handle whose ICE selected pair (type 16 subtype 4) is known, the remote and
// local candidates; otherwise src 127.0.0.1:0 and dst 127.0.0.2:0 (distinct so
// Homer's flow view draws an arrow). Media packets use the selected pair when
// known: type 34 (what the gateway received) client → gateway, type 5 (a
// sender report from the gateway) gateway → client.
//
// Size: heplify-server reads at most 65507 bytes per packet. A larger type 100
// payload is shrunk: a JSEP event's SDP is cut and ends with the marker
// TruncationMarker; if that is not enough (or the event has no SDP) the
// payload becomes a small JSON stub {"emitter","type","subtype","timestamp",
// "session_id","handle_id","opaque_id","truncated":true,"original_size":N}.
// Both count in Stats().Truncated.
package homer
