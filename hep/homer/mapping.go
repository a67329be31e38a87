package homer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/internal/boundedmap"
	"github.com/argusrtc/argus/telemetry"
)

// mapper turns events into HEP packets and keeps the per-handle state the
// mapping needs. It is used by one goroutine at a time.
type mapper struct {
	cfg     *SinkConfig
	handles handleTable
	// transports maps a transport connection id (type 128 "id") to the
	// client address its events report, until its "disconnected"
	// (WebSocket, Unix socket); a broker transport (RabbitMQ, MQTT) emits
	// none, but it is one client with one id for the process's life.
	// requests does the same for HTTP requests (type 128 "request"): each
	// has an id of its own that no event ends, so only the last
	// maxRequests are kept, each until the session it created names it
	// (they would otherwise fill transports and evict the connections).
	// sessions maps a session to the client address of the transport that
	// created it (type 1 "created").
	transports *boundedmap.Map[string, endpoints]
	requests   *boundedmap.Map[string, endpoints]
	sessions   *boundedmap.Map[uint64, endpoints]
	// listener is the last gateway listener address a transport reported,
	// the dst of rows that have no transport of their own.
	listener netip.AddrPort
	// self is the local end of the sink's connection to heplify-server,
	// set before each event is mapped (zero without a connection).
	self netip.AddrPort
	// endedHandles and endedSessions keep, briefly, the state of handles
	// and sessions that ended, for the events that follow their end (the
	// verdicts of telemetry/verdict, type 4): those rows keep the real
	// addresses and ids, and no handle state is created again for them.
	endedHandles  *boundedmap.Map[uint64, *handleState]
	endedSessions *boundedmap.Map[uint64, endpoints]
	// stamps is the last HEP timestamp (µs) used per correlation id.
	stamps *boundedmap.Map[string, int64]
	// truncated counts payloads shrunk to fit MaxPacketLen.
	truncated uint64
	// reuseQoS: the caller is done with the packets of one packets call
	// before the next (the Sink encodes them at once), so the QoS payloads
	// of media reports are appended into qos, reused from event to event,
	// with their rows in qosRows. Without it every media report event gets
	// a buffer of its own.
	reuseQoS bool
	qos      []byte
	qosRows  []qosRow
	// sb is the state body of the event being mapped (packets).
	sb stateBody
}

func newMapper(cfg *SinkConfig) *mapper {
	return &mapper{cfg: cfg, handles: newHandleTable(cfg.MaxHandles),
		transports:    boundedmap.New[string, endpoints](cfg.MaxHandles, nil),
		requests:      boundedmap.New[string, endpoints](min(cfg.MaxHandles, maxRequests), nil),
		sessions:      boundedmap.New[uint64, endpoints](cfg.MaxHandles, nil),
		endedHandles:  boundedmap.New[uint64, *handleState](min(cfg.MaxHandles, maxEnded), nil),
		endedSessions: boundedmap.New[uint64, endpoints](min(cfg.MaxHandles, maxEnded), nil),
		stamps:        boundedmap.New[string, int64](cfg.MaxHandles, nil)}
}

// qosBytesPerReport is room for the QoS payloads of one medium's report:
// two directions of a type 5 and a type 34 payload of about 300 bytes each.
const qosBytesPerReport = 1280

// maxEnded bounds the ended handles and sessions kept for late events: a
// verdict follows its end by a few seconds at most, so the last thousands
// of ends are plenty.
const maxEnded = 4096

// maxRequests bounds the HTTP requests whose addresses are kept: a
// request's "request" event comes just before the events of its handling
// (the "created" of the session it creates), with at most the events of
// the requests handled meanwhile in between.
const maxRequests = 4096

// requestEvent is the type 128 event of an HTTP request
// (janus-reference.md 1.6), the one transport event whose id is never
// seen again in another transport event.
const requestEvent = "request"

// transportAddr returns the addresses learnt for a transport id: a
// connection's, or an HTTP request's.
func (m *mapper) transportAddr(id string) (endpoints, bool) {
	if ep, ok := m.transports.Get(id); ok {
		return ep, true
	}
	return m.requests.Get(id)
}

// stateBody reads the fields of session, handle and transport bodies that
// the address and correlation state needs (janus-reference.md 4.4, 1.6, 1.7).
type stateBody struct {
	Name string `json:"name"` // type 1 and 2
	// Transport is {"transport":S,"id":S} in type 1 "created" but a string
	// in type 128, hence raw.
	Transport json.RawMessage `json:"transport"`
	ID        string          `json:"id"` // type 128
	Data      struct {
		Event string          `json:"event"`
		IP    string          `json:"ip"`
		Port  uint16          `json:"port"`
		Room  json.RawMessage `json:"room"` // type 64 (VideoRoom and other room plugins)
	} `json:"data"` // type 128 and 64
}

// eventKey introduces the body in Event.MarshalJSON's output, the wire
// form's last key. Its first occurrence is the header's: inside a JSON
// string a quote is always escaped, so `,"event":` cannot appear in the
// emitter or opaque id.
var eventKey = []byte(`,"event":`) //nolint:gochecknoglobals // a constant

// bodyOf returns the body within payload, e's JSON (Event.JSON): byte for
// byte json.Marshal(e.Body), without marshalling it again.
func bodyOf(e *telemetry.Event, payload []byte) ([]byte, error) {
	if i := bytes.Index(payload, eventKey); i >= 0 && payload[len(payload)-1] == '}' {
		return payload[i+len(eventKey) : len(payload)-1 : len(payload)-1], nil
	}
	return json.Marshal(e.Body) // not the wire form known here
}

// packets appends the HEP packets for e to out: one type 100 and, for a media
// report, one type 5 and one type 34 per medium.
func (m *mapper) packets(e *telemetry.Event, out []hep.Packet) ([]hep.Packet, error) {
	// The payload is the event's JSON, shared with the other JSON sinks
	// (Event.JSON: encoded once per event); the body the mapping reads is
	// the part of it after "event".
	payload, err := e.JSON()
	if err != nil {
		return out, fmt.Errorf("homer: marshal event type %d: %w", e.Type, err)
	}
	var body []byte
	sb := &m.sb // not on the heap per event (json.Unmarshal takes it)
	*sb = stateBody{}
	switch e.Type {
	case telemetry.TypeSession, telemetry.TypeHandle, telemetry.TypeTransport,
		telemetry.TypeWebRTC, telemetry.TypeMedia:
		body, err = bodyOf(e, payload)
	case telemetry.TypePlugin:
		if !m.cfg.DisableRoomCorrelation {
			body, err = bodyOf(e, payload)
		}
	}
	if err != nil {
		return out, fmt.Errorf("homer: marshal body type %d: %w", e.Type, err)
	}
	if len(body) > 0 {
		learnable := e.Type != telemetry.TypeWebRTC && e.Type != telemetry.TypeMedia &&
			(e.Type != telemetry.TypePlugin || bytes.Contains(body, []byte(`"room"`)))
		if learnable {
			if json.Unmarshal(body, sb) != nil {
				*sb = stateBody{} // a body of another shape teaches nothing
			}
		}
	}
	m.learn(e, sb)
	hs := m.track(e, body)
	cid := m.correlation(e, hs)
	client, server := m.addresses(e, hs, sb)
	first := len(out)

	p := m.base(e, cid, hep.ProtoLog, hep.ProtocolTCP, client, server)
	p.Payload = m.fit(e, &p, payload)
	out = append(out, p)

	if room := m.room(e, hs, sb); room != "" {
		rp := p // same packet, the room's correlation id
		rp.CorrelationID = room
		out = append(out, rp)
	}
	if e.Type == telemetry.TypeMedia && e.Subtype == telemetry.SubtypeMediaReport && hs != nil {
		out, err = m.media(e, hs, body, cid, client, server, out)
	}
	m.stampAll(out[first:])
	m.forget(e, sb)
	return out, err
}

// stampAll makes the HEP timestamps unique per correlation id to the
// millisecond. homer-app's transaction view merges the rows of all tables and
// drops duplicates keyed by "<row id>:<create_date>", and homer-ui then joins
// each message to its call data by row id and create_date in **milliseconds**
// (the API's unit); heplify-server numbers each table's rows from its own
// sequence, so the tables run in lockstep, and create_date is the HEP
// timestamp. Two packets of one correlation id in one millisecond (the type
// 100, 5 and 34 rows of one media report, or a burst of events) would thus
// share an id and a millisecond: homer-app drops one when the µs match too
// (hep-homer.md 5.1), and otherwise homer-ui merges the two into one message
// whose differing fields become arrays, on which its Flow and Message tabs
// fail ("source_ip.match is not a function") and show nothing. The rule: a
// packet keeps its event's timestamp unless its millisecond is not later than
// that of the last one sent under its correlation id; then it gets the start
// of the millisecond after that one. Rows of one event thus keep their order
// (type 100, its room copy, then per medium and direction type 5 and type
// 34), and a timestamp moves by at most as many ms as its correlation id had
// packets in the same ms, and never by more than maxStampShift: a
// correlation id fed over 1000 packets a second for long (a huge room's
// room-<id>) would otherwise drift ahead of the clock for ever. Past the
// bound a packet keeps its own timestamp (it may then share a millisecond
// in homer-ui, but no row lies about its time), until the clock passes the
// last shifted one.
func (m *mapper) stampAll(ps []hep.Packet) {
	for i := range ps {
		p := &ps[i]
		ts := int64(p.TimeSec)*1_000_000 + int64(p.TimeUsec)
		if last, ok := m.stamps.Get(p.CorrelationID); ok && ts/1000 <= last/1000 {
			next := (last/1000 + 1) * 1000
			if next-ts > maxStampShift.Microseconds() {
				continue // the event's own time
			}
			ts = next
		}
		m.stamps.Put(p.CorrelationID, ts)
		p.SetMicros(ts)
	}
}

// maxStampShift bounds how far stampAll moves a timestamp.
const maxStampShift = time.Second

// roomPrefix starts the room correlation id, "room-<room id>".
const roomPrefix = "room-"

// room returns the room correlation id under which e is also sent, or "":
// plugin events whose data names a room (VideoRoom's joined, published,
// subscribing, leaving, ... janus-reference.md 6.7), and the PeerConnection
// state events (type 16 subtype 6: webrtcup, hangup) and attach/detach of a
// handle seen in a room. Searching Homer for sid "room-<id>" thus lists the
// room's participants and their PeerConnections, each payload naming its
// session_id for the per-session view.
func (m *mapper) room(e *telemetry.Event, hs *handleState, sb *stateBody) string {
	if m.cfg.DisableRoomCorrelation {
		return ""
	}
	if e.Type == telemetry.TypePlugin && len(sb.Data.Room) > 0 {
		r := string(sb.Data.Room)
		if u, err := strconv.Unquote(r); err == nil {
			r = u
		}
		if r == "" || r == "null" {
			return ""
		}
		if hs != nil {
			hs.room = roomPrefix + r
		}
		return roomPrefix + r
	}
	if hs != nil && hs.room != "" &&
		(e.Type == telemetry.TypeWebRTC && e.Subtype == telemetry.SubtypeWebRTCPeerConnection ||
			e.Type == telemetry.TypeHandle) {
		return hs.room
	}
	return ""
}

// learn records transport addresses (type 128) and the addresses of the
// transport that created a session (type 1 "created"). A type 128 event
// from Argus's transports carries the client's address with its real port
// and the listener that accepted the connection (TransportBody.Remote and
// .Local, not part of the JSON); other emitters' events give the JSON "ip"
// and "port" (WebSocket: no port).
func (m *mapper) learn(e *telemetry.Event, sb *stateBody) {
	switch e.Type {
	case telemetry.TypeTransport:
		if ep, ok := m.transportEndpoints(e, sb); ok {
			if sb.Data.Event == requestEvent {
				m.requests.Put(sb.ID, ep)
			} else {
				m.transports.Put(sb.ID, ep)
			}
		}
	case telemetry.TypeSession:
		var tr struct {
			ID string `json:"id"`
		}
		if sb.Name == "created" && e.SessionID != 0 && json.Unmarshal(sb.Transport, &tr) == nil {
			if a, ok := m.transportAddr(tr.ID); ok {
				m.sessions.Put(e.SessionID, a)
				m.requests.Delete(tr.ID) // a request creates one session at most
			}
		}
	}
}

// transportEndpoints reads a type 128 event's addresses.
func (m *mapper) transportEndpoints(e *telemetry.Event, sb *stateBody) (endpoints, bool) {
	var tb telemetry.TransportBody
	switch b := e.Body.(type) {
	case telemetry.TransportBody:
		tb = b
	case *telemetry.TransportBody:
		if b != nil {
			tb = *b
		}
	}
	if tb.Local.Addr().IsValid() && !tb.Local.Addr().IsUnspecified() {
		m.listener = unmap(tb.Local)
	}
	if sb.ID == "" {
		return endpoints{}, false
	}
	if tb.Remote.Addr().IsValid() {
		return endpoints{client: unmap(tb.Remote), server: m.serverOr(unmap(tb.Local))}, true
	}
	if a, err := netip.ParseAddr(sb.Data.IP); err == nil {
		return endpoints{client: netip.AddrPortFrom(a.Unmap(), sb.Data.Port), server: m.serverOr(netip.AddrPort{})}, true
	}
	return endpoints{}, false
}

// serverOr returns SinkConfig.ServerAddr when set, else local when valid,
// else nodeAddr.
func (m *mapper) serverOr(local netip.AddrPort) netip.AddrPort {
	if !m.cfg.ServerAddr.Addr().IsValid() && local.Addr().IsValid() && !local.Addr().IsUnspecified() {
		return local
	}
	return m.nodeAddr()
}

// nodeAddr is the gateway's own address, both ends of the rows that have
// no client: the core events (startup, status updates, shutdown) and
// transport or external events of no known connection. The rule, in order:
// SinkConfig.ServerAddr when set; else the last listener a transport
// reported (the accepting socket's local address); else, before any
// client connected (the startup event is emitted before the listeners
// serve), the local end of the sink's own connection to heplify-server:
// the node's real IP as the collector sees it, with the HEP socket's port.
// Without a connection the packet cannot be written at all, so the
// unspecified address it then carries never reaches Homer.
func (m *mapper) nodeAddr() netip.AddrPort {
	switch {
	case m.cfg.ServerAddr.Addr().IsValid():
		return m.cfg.ServerAddr
	case m.listener.Addr().IsValid():
		return m.listener
	case m.self.Addr().IsValid():
		return m.self
	}
	return netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
}

func unmap(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()) }

// forget drops state that ended with e.
func (m *mapper) forget(e *telemetry.Event, sb *stateBody) {
	switch {
	case e.Type == telemetry.TypeHandle && sb.Name == "detached":
		if hs := m.handles.state(e.HandleID); hs != nil {
			m.endedHandles.Put(e.HandleID, hs)
		}
		m.handles.Delete(e.HandleID)
	case e.Type == telemetry.TypeSession && (sb.Name == "destroyed" || sb.Name == "timeout"):
		if ep, ok := m.sessions.Get(e.SessionID); ok {
			m.endedSessions.Put(e.SessionID, ep)
		}
		m.sessions.Delete(e.SessionID)
	case e.Type == telemetry.TypeTransport && sb.Data.Event == "disconnected":
		m.transports.Delete(sb.ID)
	}
}

// track updates the handle table from e and returns the handle's state (nil
// for events without a handle).
func (m *mapper) track(e *telemetry.Event, body []byte) *handleState {
	if e.HandleID == 0 {
		return nil
	}
	hs := m.handles.state(e.HandleID)
	if hs == nil && e.Type == telemetry.TypeExternal {
		hs, _ = m.endedHandles.Get(e.HandleID) // a verdict after detached
		return hs
	}
	if hs == nil {
		if e.SessionID == 0 && e.OpaqueID == "" && e.Type == telemetry.TypePlugin {
			return nil // nothing to remember
		}
		hs = m.handles.ensure(e.HandleID)
	}
	if e.SessionID != 0 {
		hs.session = e.SessionID
	}
	if ep, ok := m.sessions.Get(hs.session); ok && hs.session != 0 {
		hs.addr, hs.hasAddr = ep, true
	}
	if e.OpaqueID != "" {
		hs.opaque = e.OpaqueID
	}
	if e.Type == telemetry.TypeWebRTC && e.Subtype == telemetry.SubtypeWebRTCSelectedPair {
		if l, r, ok := parseSelectedPair(body); ok {
			hs.local, hs.remote, hs.hasPair = l, r, true
		}
	}
	return hs
}

// correlation returns the correlation id (chunk 0x0011) for e.
func (m *mapper) correlation(e *telemetry.Event, hs *handleState) string {
	if m.cfg.Correlation == CorrelationOpaque {
		if e.OpaqueID != "" {
			return e.OpaqueID
		}
		if hs != nil && hs.opaque != "" {
			return hs.opaque
		}
	}
	sid := e.SessionID
	if sid == 0 && hs != nil {
		sid = hs.session
	}
	if sid != 0 {
		return strconv.FormatUint(sid, 10)
	}
	return m.cfg.NodeName
}

// addresses returns the client and server addresses for e's type 100
// packet, in this order of preference: SinkConfig.AddressOf; for a type 128
// event its own transport; the addresses of the transport that created the
// session (learned from type 128 and type 1 "created", see learn), kept by
// each handle until its last event; the handle's ICE selected pair; for
// events of no client (core, or of unknown transports) the gateway's own
// address on both ends (nodeAddr). A configured SinkConfig.ServerAddr
// replaces the learned listener.
func (m *mapper) addresses(e *telemetry.Event, hs *handleState, sb *stateBody) (client, server netip.AddrPort) {
	sid := e.SessionID
	if sid == 0 && hs != nil {
		sid = hs.session
	}
	if m.cfg.AddressOf != nil && sid != 0 {
		if c, s, ok := m.cfg.AddressOf(sid); ok && c.Addr().IsValid() && s.Addr().IsValid() {
			return sameFamily(c, s)
		}
	}
	if e.Type == telemetry.TypeTransport {
		if ep, ok := m.transportAddr(sb.ID); ok {
			return sameFamily(ep.client, ep.server)
		}
	}
	if ep, ok := m.sessions.Get(sid); ok && sid != 0 {
		return sameFamily(ep.client, ep.server)
	}
	if ep, ok := m.endedSessions.Get(sid); ok && sid != 0 {
		return sameFamily(ep.client, ep.server)
	}
	if hs != nil && hs.hasAddr {
		return sameFamily(hs.addr.client, hs.addr.server)
	}
	if hs != nil && hs.hasPair {
		return sameFamily(hs.remote, hs.local)
	}
	node := m.nodeAddr()
	return node, node
}

// sameFamily makes both addresses one family, as HEP carries one: when they
// differ, the server becomes the unspecified address of the client's family,
// keeping its port.
func sameFamily(client, server netip.AddrPort) (netip.AddrPort, netip.AddrPort) {
	c, s := client.Addr().Unmap(), server.Addr().Unmap()
	client, server = netip.AddrPortFrom(c, client.Port()), netip.AddrPortFrom(s, server.Port())
	if c.Is4() == s.Is4() {
		return client, server
	}
	if c.Is4() {
		return client, netip.AddrPortFrom(netip.IPv4Unspecified(), server.Port())
	}
	return client, netip.AddrPortFrom(netip.IPv6Unspecified(), server.Port())
}

// base builds a packet with everything but the payload.
func (m *mapper) base(e *telemetry.Event, cid string, proto, ipProto uint8, src, dst netip.AddrPort) hep.Packet {
	p := hep.Packet{
		Protocol: ipProto, SrcIP: src.Addr(), DstIP: dst.Addr(), SrcPort: src.Port(), DstPort: dst.Port(),
		ProtoType: proto, CaptureID: m.cfg.CaptureID, AuthKey: m.cfg.Password,
		CorrelationID: cid, NodeName: m.cfg.NodeName,
	}
	ts := e.Timestamp
	if ts <= 0 {
		ts = telemetry.Now()
	}
	p.SetMicros(ts)
	return p
}

// media appends the type 5 and type 34 packets of a media report: per
// medium, one pair per direction that carries media (mediaQoS), uplink
// client → gateway, downlink gateway → client, on the ICE selected pair
// (the session's transport addresses until the pair is known). For a handle
// in a room every packet is sent again under the room's correlation id, so
// the room's Homer view shows each participant's QoS.
func (m *mapper) media(e *telemetry.Event, hs *handleState, body []byte, cid string,
	client, gateway netip.AddrPort, out []hep.Packet) ([]hep.Packet, error) {
	reports, err := mediaReportsOf(e.Body, body)
	if err != nil {
		return out, fmt.Errorf("homer: media report of handle %d: %w", e.HandleID, err)
	}
	if hs.hasPair {
		client, gateway = sameFamily(hs.remote, hs.local)
	}
	if hs.streams == nil {
		hs.streams = make(map[streamKey]map[bool]streamCounters, 2)
	}
	ts := e.Timestamp
	if ts <= 0 {
		ts = telemetry.Now()
	}
	room := ""
	if !m.cfg.DisableRoomCorrelation {
		room = hs.room
	}
	var buf []byte
	var rows []qosRow
	if !m.reuseQoS {
		buf = make([]byte, 0, qosBytesPerReport*len(reports))
	} else {
		buf, rows = m.qos[:0], m.qosRows[:0]
		defer func() { m.qos, m.qosRows = buf, rows }()
	}
	for i := range reports {
		r := &reports[i]
		if r.Media == "data" {
			continue // data channels have no RTP statistics
		}
		key := streamKey{mindex: r.MIndex, media: r.Media}
		var next map[bool]streamCounters
		buf, rows, next, err = appendMediaQoS(buf, rows[:0], r, hs.streams[key], ts, e.HandleID, hs.session, cid)
		if err != nil {
			return out, fmt.Errorf("homer: media report of handle %d: %w", e.HandleID, err)
		}
		hs.streams[key] = next
		for _, row := range rows {
			src, dst := gateway, client
			if row.uplink {
				src, dst = client, gateway
			}
			sr := m.base(e, cid, hep.ProtoRTCP, hep.ProtocolUDP, src, dst)
			sr.Payload = row.rtcp
			agent := m.base(e, cid, hep.ProtoRTPAgent, hep.ProtocolUDP, src, dst)
			agent.Payload = row.rtpAgent
			out = append(out, sr, agent)
			if room != "" {
				sr.CorrelationID, agent.CorrelationID = room, room
				out = append(out, sr, agent)
			}
		}
	}
	return out, nil
}
