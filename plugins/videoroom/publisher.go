package videoroom

import (
	"context"
	"sync"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/pluginkit/mediakit"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
)

// publisher is a participant: a handle that joined as "publisher". It
// gets the room's notifications and may publish one PeerConnection.
type publisher struct {
	s         *session
	room      *room
	id        uint64
	privateID uint32

	// announceMu makes each change of the room's view of the media one
	// step: the published flag, the event and the notices to the other
	// participants (setupMedia, announceUpdate, unpublish). The room and
	// the event handlers hear "published" then "unpublished", or neither.
	// It is taken before mu. The pushes made under it never call back into
	// the plugin: the core queues them for the transport.
	announceMu sync.Mutex
	mu         sync.Mutex
	display    string
	bitrate    uint64
	streams    []*pubStream // of the current PeerConnection, by mindex
	media      *pubMedia
	publishing bool // an offer was answered
	published  bool // the PeerConnection is up
	left       bool
}

// joinPublisher handles join/joinandconfigure as a publisher (6.4).
func joinPublisher(ctx context.Context, s *session, r *room, configure bool, req params, jsep *core.JSEP) (map[string]any, *core.JSEP, *vrError) {
	o := r.options()
	if e := checkCredential(req, "pin", o.Pin); e != nil {
		return nil, nil, e
	}
	if o.CheckAllowed {
		token, ok, _ := req.str("token", false)
		if !ok || !o.Allowed[token] { // no token is refused, even with "" allowed
			return nil, nil, newErr(errUnauthorized, "Unauthorized (not in the allowed list)")
		}
	}
	display, _, e := req.str("display", false)
	if e == nil {
		e = checkLen("display", display, s.p.limits().MaxMetadataLength)
	}
	if e != nil {
		return nil, nil, e
	}
	id, _, e := req.uint("id", false)
	if e != nil {
		return nil, nil, e
	}
	pub := &publisher{s: s, room: r, privateID: randomPrivateID(), display: display}
	r.mu.Lock()
	if r.destroyed {
		r.mu.Unlock()
		return nil, nil, noSuchRoom(r.id)
	}
	if id != 0 && r.participants[id] != nil {
		r.mu.Unlock()
		return nil, nil, newErr(errIDExists, "User ID %d already exists", id)
	}
	for id == 0 || r.participants[id] != nil {
		id = randomID()
	}
	pub.id = id
	r.participants[id] = pub
	r.mu.Unlock()

	s.mu.Lock()
	s.role, s.pub = rolePublisher, pub
	s.mu.Unlock()
	s.log.Info("videoroom: publisher joined", "room", r.id, "id", id)

	s.p.emit(s.h, telemetry.VideoRoomData{Event: "joined", Room: telemetry.NumberID(r.id), ID: telemetry.NumberID(id),
		PrivateID: telemetry.Ptr(pub.privateID), Display: display})

	others := r.others(pub)
	publishers := make([]any, 0, len(others))
	var attendees []any
	for _, x := range others {
		if obj, ok := x.publisherObject(true); ok {
			publishers = append(publishers, obj)
		} else if o.NotifyJoining {
			attendees = append(attendees, x.attendee())
		}
	}
	data := map[string]any{
		"videoroom": "joined", "room": r.id, "description": o.Description,
		"id": id, "private_id": pub.privateID, "publishers": publishers,
	}
	if o.NotifyJoining {
		if attendees == nil {
			attendees = []any{}
		}
		data["attendees"] = attendees
		note := map[string]any{"videoroom": "event", "room": r.id, "joining": pub.attendee()}
		for _, x := range others {
			x.s.push("", note, nil)
		}
	}
	if !configure {
		return data, nil, nil
	}
	conf, answer, e := pub.configure(ctx, req, jsep, true)
	if e != nil {
		return nil, nil, e
	}
	for _, k := range []string{"audio_codec", "video_codec", "streams"} {
		if v, ok := conf[k]; ok {
			data[k] = v
		}
	}
	return data, answer, nil
}

// handle runs an async request of a publisher handle.
func (p *publisher) handle(ctx context.Context, name string, req params, jsep *core.JSEP) (map[string]any, *core.JSEP, *vrError) {
	p.mu.Lock()
	left := p.left
	p.mu.Unlock()
	// A participant that left (or was kicked) has no room: a new join
	// needs a new handle, anything else finds no room (Janus 1.1.2, seen
	// by test/janusref).
	if left && (name == "join" || name == "joinandconfigure") {
		return nil, nil, newErr(errAlreadyJoined, "Not in a room (create a new handle)")
	}
	if left {
		return nil, nil, newErr(errNoSuchRoom, "No such room")
	}
	switch name {
	case "join", "joinandconfigure":
		return nil, nil, newErr(errAlreadyJoined, "Already in as a publisher on this handle")
	case "configure", "publish":
		// A publish without an offer is a configure, as in Janus 1.1.2,
		// until the PeerConnection is up; then any publish is refused.
		if name == "publish" && ((jsep != nil && p.isPublishing()) || p.isPublished()) {
			return nil, nil, newErr(errAlreadyPublished, "Can't publish, already published")
		}
		return p.configure(ctx, req, jsep, false)
	case "unpublish":
		if !p.isPublishing() {
			return nil, nil, newErr(errNotPublished, "Can't unpublish, not published")
		}
		p.unpublish(false)
		p.s.h.ClosePeer()
		return map[string]any{"videoroom": "event", "room": p.room.id, "unpublished": "ok"}, nil, nil
	case "leave":
		p.leave("")
		return map[string]any{"videoroom": "event", "room": p.room.id, "leaving": "ok"}, nil, nil
	default:
		return nil, nil, newErr(errInvalidRequest, "Unknown request '%s'", name)
	}
}

// mediaFor returns the media state of peer, replacing an older one.
func (p *publisher) mediaFor(peer *webrtc.Peer) *pubMedia {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.media = mediakit.ForPeer(p.media, peer, func() *pubMedia { return newPubMedia(p, peer) })
	return p.media
}

// setupMedia: the PeerConnection is up, tell the room.
func (p *publisher) setupMedia() {
	p.announceMu.Lock()
	defer p.announceMu.Unlock()
	p.mu.Lock()
	if !p.publishing || p.published || p.left {
		p.mu.Unlock()
		return
	}
	p.published = true
	p.mu.Unlock()
	p.announce("published")
}

// announceUpdate tells the room a published PeerConnection was
// renegotiated: its new streams ("publishers") and an "updated" event.
func (p *publisher) announceUpdate() {
	p.announceMu.Lock()
	defer p.announceMu.Unlock()
	p.announce("updated")
}

// announce tells the room the publisher's streams ("publishers") and
// emits event what ("published", "updated") with them; the caller holds
// announceMu, so an unpublish (a kick, a leave) comes before or after
// all of it. The event comes first, as everywhere: it precedes what a
// participant does on reading the notice.
func (p *publisher) announce(what string) {
	obj, ok := p.publisherObject(false)
	if !ok {
		return
	}
	p.emitEvent(p.streamsEvent(what))
	note := map[string]any{"videoroom": "event", "room": p.room.id, "publishers": []any{obj}}
	for _, x := range p.room.others(p) {
		x.s.push("", note, nil)
	}
}

// unpublish stops publishing: subscribers lose the feed, the room is told.
// When leaving, the "leaving" (or "kicked") event that follows stands for
// both, and no "unpublished" event is emitted (Janus 1.1.2 emits one of
// the two).
func (p *publisher) unpublish(leaving bool) {
	if !p.isPublishing() {
		return // nothing to tell, and no need to wait for an announcement
	}
	p.announceMu.Lock()
	defer p.announceMu.Unlock()
	p.mu.Lock()
	if !p.publishing { // another unpublish came first
		p.mu.Unlock()
		return
	}
	wasUp := p.published
	p.publishing, p.published = false, false
	streams := p.streams
	p.streams = nil
	media := p.media
	p.media = nil
	p.mu.Unlock()
	if media != nil {
		media.Stop()
	}
	// Only the streams still on these sources go: the same id may publish
	// again, and a subscriber move to its new streams, before the auto
	// update runs.
	dropSubscribers(streams)
	if !leaving { // before the room is told, which may act on it at once
		p.emitEvent(p.event("unpublished"))
	}
	if wasUp {
		note := map[string]any{"videoroom": "event", "room": p.room.id, "unpublished": p.id}
		for _, x := range p.room.others(p) {
			x.s.push("", note, nil)
		}
	}
}

// leave removes the participant; reason "kicked" changes the notification.
func (p *publisher) leave(reason string) {
	p.mu.Lock()
	if p.left {
		p.mu.Unlock()
		return
	}
	p.left = true
	p.mu.Unlock()
	p.unpublish(true)
	r := p.room
	r.mu.Lock()
	if r.participants[p.id] == p {
		delete(r.participants, p.id)
	}
	r.mu.Unlock()
	what := "leaving"
	if reason == "kicked" {
		what = "kicked"
	}
	// The event before the room is told, which may act on it at once.
	p.emitEvent(telemetry.VideoRoomData{Event: what, Room: telemetry.NumberID(r.id), ID: telemetry.NumberID(p.id)})
	note := map[string]any{"videoroom": "event", "room": r.id, what: p.id}
	for _, x := range r.others(p) {
		x.s.push("", note, nil)
	}
	p.s.log.Info("videoroom: publisher left", "room", r.id, "id", p.id, "reason", reason)
}

// kick removes the participant, tells it and closes its PeerConnection.
// It leaves as "kicked" before it is told: a client that detaches the
// moment it reads the notice would otherwise leave first, and the room
// would hear "leaving" instead of "kicked".
func (p *publisher) kick() {
	p.leave("kicked")
	p.s.push("", map[string]any{"videoroom": "event", "room": p.room.id, "leaving": "ok", "reason": "kicked"}, nil)
	p.s.h.ClosePeer()
}

// roomGone: the room was destroyed; the participant is out and
// unpublished. Its client is told afterwards (reqDestroy): one that
// detached the moment it read "destroyed" would otherwise leave first
// ("leaving" instead of "unpublished").
func (p *publisher) roomGone() {
	p.mu.Lock()
	p.left = true
	p.mu.Unlock()
	p.unpublish(false)
}

// moderate mutes or unmutes one of the publisher's streams.
func (p *publisher) moderate(mid string, mute bool) *vrError {
	ps := p.streamByMid(mid)
	if ps == nil {
		return newErr(errNoSuchFeed, "No such stream %s", mid) // Janus 1.1.2's text
	}
	ps.muted.Store(mute)
	if !mute && ps.kind == "video" {
		if m := p.currentMedia(); m != nil {
			m.keyframe(ps, true)
		}
	}
	state := "unmuted"
	if mute {
		state = "muted"
	}
	// The event before the room is told, which may act on it at once.
	p.emitEvent(telemetry.VideoRoomData{VideoRoom: "moderated", Room: telemetry.NumberID(p.room.id), ID: telemetry.NumberID(p.id),
		Mid: mid, Moderation: state})
	note := map[string]any{"videoroom": "event", "room": p.room.id, "id": p.id, "mid": mid, "moderation": state}
	for _, x := range p.room.others(nil) {
		x.s.push("", note, nil)
	}
	return nil
}
