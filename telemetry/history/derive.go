package history

import (
	"cmp"
	"encoding/json"
	"net"
	"slices"
	"strconv"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/verdict"
)

// Bounds of what a session learns from its events (the events themselves
// are bounded by MaxEventsPerSession).
const (
	maxParticipants = 64   // room participants (handles) per session
	maxStreams      = 32   // streams kept per participant
	maxStreamBytes  = 1024 // a larger stream object is dropped
	maxDisplayLen   = 256  // runes of a display name kept
	maxAddresses    = 4096 // transport connections whose address is remembered
	maxSummaryIDs   = 64   // handles and opaque ids listed in a summary
	// maxMappedHandles are the handles per session whose session-less
	// events are filed under it (the last seen; the core's default bound
	// of handles at once in a session).
	maxMappedHandles = 256
)

// Session states besides the end reasons.
const (
	StateLive      = "live"      // no PeerConnection up (yet)
	StateConnected = "connected" // a PeerConnection of the session is up
	StateHangup    = "hangup"    // every PeerConnection hung up
)

// Participant is a handle's part in a room, learned from VideoRoom-style
// plugin events (joined, published, updated, unpublished, leaving,
// kicked, subscribing, switched).
type Participant struct {
	SessionID  uint64            `json:"session_id"`
	HandleID   uint64            `json:"handle_id"`
	Plugin     string            `json:"plugin"`
	Room       string            `json:"room"`
	ID         string            `json:"id,omitempty"` // feed id of a publisher
	Display    string            `json:"display,omitempty"`
	Role       string            `json:"role"` // "publisher" or "subscriber"
	Publishing bool              `json:"publishing"`
	Active     bool              `json:"active"` // not left, handle attached, session live
	Streams    []json.RawMessage `json:"streams"`
}

// Room lists the participants the store knows in one room.
type Room struct {
	Plugin       string        `json:"plugin"`
	Room         string        `json:"room"`
	Participants []Participant `json:"participants"`
}

// learn updates what the session knows from e: its state, its client
// address and its room participants. f is e's body fields, read once by
// the store for the types that need them.
func (s *session) learn(e *telemetry.Event, f *bodyFields) {
	switch e.Type {
	case telemetry.TypeWebRTC:
		if e.Subtype == telemetry.SubtypeWebRTCPeerConnection {
			s.learnPC(e)
		}
	case telemetry.TypeHandle:
		if f.Name == "detached" {
			for i := range s.parts {
				if s.parts[i].HandleID == e.HandleID {
					s.parts[i].Active = false
				}
			}
		}
	case telemetry.TypePlugin:
		s.learnPlugin(e, f)
	case telemetry.TypeExternal:
		if b, ok := e.Typed().(verdict.Body); ok {
			s.learnVerdict(b.Data)
		}
	}
}

// maxFindings bounds the verdict findings a session keeps.
const maxFindings = 8

// learnVerdict reads a verdict event (type 4, schema argus.verdict): the
// session's own verdict wins; before it, a PeerConnection's non-ok one.
func (s *session) learnVerdict(d verdict.Verdict) {
	scope, outcome := d.Scope, string(d.Outcome)
	if outcome == "" || (scope != verdict.ScopeSession && s.sum.Verdict != "" && (s.sessionVerdict || outcome == "ok")) {
		return
	}
	s.sessionVerdict = scope == verdict.ScopeSession
	s.sum.Verdict = outcome
	s.sum.Findings = nil
	for _, f := range d.Findings {
		if len(s.sum.Findings) < maxFindings {
			s.sum.Findings = append(s.sum.Findings, f)
		}
	}
}

// learnPC reads a type 16 subtype 6 body: {"connection":"webrtcup"} or
// {"connection":"hangup"}.
func (s *session) learnPC(e *telemetry.Event) {
	b, _ := e.Typed().(telemetry.PeerConnectionBody)
	conn := b.Connection
	if conn == "" || e.HandleID == 0 {
		return
	}
	if s.pcs == nil {
		s.pcs = map[uint64]bool{}
	}
	if _, known := s.pcs[e.HandleID]; !known && len(s.pcs) >= maxParticipants {
		return
	}
	s.pcs[e.HandleID] = conn == "webrtcup"
}

// state is the session's state column: the end reason, else connected
// while a PeerConnection is up, hangup when all went down, else live.
func (s *session) state() string {
	if s.sum.Ended {
		return s.sum.EndReason
	}
	if len(s.pcs) == 0 {
		return StateLive
	}
	for _, up := range s.pcs {
		if up {
			return StateConnected
		}
	}
	return StateHangup
}

// learnPlugin follows a participant through the room plugin's events.
func (s *session) learnPlugin(e *telemetry.Event, f *bodyFields) {
	d := &f.Data
	if d.Event == "" || d.Room.IsZero() {
		return
	}
	room, id := d.Room.String(), d.ID.String()
	// Only joining (as a publisher or a subscriber) makes a participant:
	// a handle that merely creates, edits or destroys a room is none.
	p := s.participant(e.HandleID, f.Plugin, room, id, d.Event == "joined" || d.Event == "subscribing")
	if p == nil {
		return
	}
	switch d.Event {
	case "joined":
		p.Role, p.ID, p.Active = "publisher", id, true
		if d.Display != "" {
			p.Display = truncateRunes(d.Display, maxDisplayLen)
			if s.sum.Display == "" {
				s.sum.Display = p.Display
			}
		}
	case "published":
		p.Publishing = true
		p.Streams = keepStreams(d.Streams)
	case "updated", "switched", "subscribing":
		if p.Role == "" || d.Event == "subscribing" {
			p.Role = "subscriber"
		}
		p.Active = true
		if d.Streams != nil {
			p.Streams = keepStreams(d.Streams)
		}
	case "unpublished":
		p.Publishing, p.Streams = false, nil
	case "leaving", "kicked":
		p.Active, p.Publishing = false, false
	}
}

// participant finds (or, when add, adds within maxParticipants) the
// participant of handle, or, for events without a handle, of room and
// feed id.
func (s *session) participant(handle uint64, plugin, room, id string, add bool) *Participant {
	for i := range s.parts {
		p := &s.parts[i]
		if p.Room != room || p.Plugin != plugin {
			continue
		}
		if (handle != 0 && p.HandleID == handle) || (handle == 0 && id != "" && p.ID == id) {
			return p
		}
	}
	if !add || handle == 0 || len(s.parts) >= maxParticipants {
		return nil
	}
	s.parts = append(s.parts, Participant{SessionID: s.sum.SessionID, HandleID: handle, Plugin: plugin, Room: room, Active: true})
	if !slices.Contains(s.sum.Rooms, room) {
		s.sum.Rooms = append(s.sum.Rooms, room)
	}
	return &s.parts[len(s.parts)-1]
}

// participants returns copies, inactive once the session ended.
func (s *session) participants() []Participant {
	out := make([]Participant, len(s.parts))
	for i, p := range s.parts {
		p.Streams = slices.Clone(p.Streams)
		p.Active = p.Active && !s.sum.Ended
		out[i] = p
	}
	return out
}

func keepStreams(streams []json.RawMessage) []json.RawMessage {
	out := make([]json.RawMessage, 0, min(len(streams), maxStreams))
	for _, st := range streams {
		if len(out) == maxStreams {
			break
		}
		if len(st) <= maxStreamBytes {
			out = append(out, st)
		}
	}
	return out
}

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// addressBook remembers the client address of recent transport
// connections (type 128 events' data ip/port, by transport and id), so a
// session "created" over one of them gets its client address. Bounded: the
// oldest connection is forgotten first.
type addressBook struct {
	addr  map[string]string
	order []string // FIFO of keys, at most maxAddresses
	next  int
}

// learn reads a type 128 body: transport, id and data ip/port.
func (b *addressBook) learn(e *telemetry.Event) {
	t, _ := e.Typed().(telemetry.TransportBody)
	d, _ := t.Data.(telemetry.TransportData) // data of another shape has no address
	if d.IP == "" || t.ID == "" {
		return
	}
	addr := d.IP
	if d.Port != 0 {
		addr = net.JoinHostPort(d.IP, strconv.Itoa(d.Port))
	}
	key := t.Transport + "|" + t.ID
	if b.addr == nil {
		b.addr = map[string]string{}
	}
	if _, known := b.addr[key]; !known {
		if len(b.order) < maxAddresses {
			b.order = append(b.order, key)
		} else {
			delete(b.addr, b.order[b.next])
			b.order[b.next] = key
			b.next = (b.next + 1) % maxAddresses
		}
	}
	b.addr[key] = addr
}

func (b *addressBook) lookup(transport, id string) string {
	return b.addr[transport+"|"+id]
}

// Homer correlation modes (Config.HomerCorrelation), as hep/homer's.
const (
	CorrelationSession = "session"
	CorrelationOpaque  = "opaque"
)

// summaryOf is sess's summary with the ids other tools know it by; s.mu
// is held.
func (s *Store) summaryOf(sess *session) SessionSummary {
	sum := sess.summary()
	if s.cfg.TraceID != nil {
		sum.TraceID = s.cfg.TraceID(sum.SessionID)
	}
	sum.HomerCID = strconv.FormatUint(sum.SessionID, 10)
	if s.cfg.HomerCorrelation == CorrelationOpaque && len(sum.OpaqueIDs) > 0 {
		sum.HomerCID = sum.OpaqueIDs[0]
	}
	return sum
}

// Rooms returns the rooms the kept sessions joined, sorted by plugin and
// room, with their participants: active ones first, then by session,
// publishers before subscriptions.
func (s *Store) Rooms() []Room {
	s.mu.RLock()
	byKey := map[string]*Room{}
	for _, sess := range s.sessions {
		for _, p := range sess.participants() {
			key := p.Plugin + "|" + p.Room
			r := byKey[key]
			if r == nil {
				r = &Room{Plugin: p.Plugin, Room: p.Room}
				byKey[key] = r
			}
			r.Participants = append(r.Participants, p)
		}
	}
	s.mu.RUnlock()
	out := make([]Room, 0, len(byKey))
	for _, r := range byKey {
		slices.SortFunc(r.Participants, func(a, b Participant) int {
			if a.Active != b.Active {
				if a.Active {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(a.SessionID, b.SessionID), cmp.Compare(roleOrder(a.Role), roleOrder(b.Role)),
				cmp.Compare(a.HandleID, b.HandleID))
		})
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Room) int {
		return cmp.Or(cmp.Compare(a.Plugin, b.Plugin), cmp.Compare(a.Room, b.Room))
	})
	return out
}

func roleOrder(role string) int {
	if role == "publisher" {
		return 0
	}
	return 1
}
