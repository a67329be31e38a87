package videoroom

import (
	"cmp"
	"crypto/subtle"
	"slices"

	"github.com/argusrtc/argus/core"
)

// syncHandler answers one synchronous request; s is nil for Admin
// message_plugin. The answer is plugindata.data (errors included).
type syncHandler func(p *Plugin, s *session, req params) map[string]any

// syncHandlers are the synchronous requests (janus-reference.md 6.3).
var syncHandlers map[string]syncHandler //nolint:gochecknoglobals // a constant table, filled in init (it refers to itself)

func init() {
	syncHandlers = map[string]syncHandler{
		"create":           (*Plugin).reqCreate,
		"edit":             withSecretRoom((*Plugin).reqEdit),
		"destroy":          withSecretRoom((*Plugin).reqDestroy),
		"exists":           (*Plugin).reqExists,
		"list":             (*Plugin).reqList,
		"listparticipants": (*Plugin).reqListParticipants,
		"allowed":          withSecretRoom((*Plugin).reqAllowed),
		"kick":             withSecretRoom((*Plugin).reqKick),
		"moderate":         withSecretRoom((*Plugin).reqModerate),
		"listforwarders":   withSecretRoom((*Plugin).reqListForwarders),
		"rtp_forward":      withSecretRoom((*Plugin).reqNotSupported),
		"stop_rtp_forward": withSecretRoom((*Plugin).reqNotSupported),
		"enable_recording": withSecretRoom((*Plugin).reqNotSupported),
	}
}

// withSecretRoom makes a handler of a request on a room's internals: it
// finds the request's room and enforces its secret before calling h.
func withSecretRoom(h func(p *Plugin, s *session, r *room, req params) map[string]any) syncHandler {
	return func(p *Plugin, s *session, req params) map[string]any {
		r, e := p.lookupRoomWithSecret(req)
		if e != nil {
			return e.data()
		}
		return h(p, s, r, req)
	}
}

// handleOf is the handle events of s carry (nil for Admin requests).
func handleOf(s *session) core.Handle {
	if s == nil {
		return nil
	}
	return s.h
}

// lookupRoom reads the mandatory "room" and finds it.
func (p *Plugin) lookupRoom(req params) (*room, *vrError) {
	id, _, e := req.uint("room", true)
	if e != nil {
		return nil, e
	}
	r := p.room(id)
	if r == nil {
		return nil, noSuchRoom(id)
	}
	return r, nil
}

// checkCredential enforces a room or plugin credential (secret, pin,
// admin_key): when want is set, req must carry field with the same value
// (429 when missing, 433 when wrong; compared in constant time).
func checkCredential(req params, field, want string) *vrError {
	if want == "" {
		return nil
	}
	got, _, e := req.str(field, true)
	if e != nil {
		return e
	}
	if !sameSecret(got, want) {
		return newErr(errUnauthorized, "Unauthorized (wrong %s)", field)
	}
	return nil
}

// sameSecret compares two credentials in constant time.
func sameSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// lookupRoomWithSecret finds the request's room and enforces its secret,
// as every request that modifies or inspects a room's internals must.
func (p *Plugin) lookupRoomWithSecret(req params) (*room, *vrError) {
	r, e := p.lookupRoom(req)
	if e != nil {
		return nil, e
	}
	if e := checkCredential(req, "secret", r.options().Secret); e != nil {
		return nil, e
	}
	return r, nil
}

// checkAdminKey enforces the plugin admin_key when one is configured.
func (p *Plugin) checkAdminKey(req params) *vrError {
	return checkCredential(req, "admin_key", p.adminKey())
}

// adminKeyValid reports whether req carries the right admin_key.
func (p *Plugin) adminKeyValid(req params) bool {
	key := p.adminKey()
	got, ok, _ := req.str("admin_key", false)
	return key != "" && ok && sameSecret(got, key)
}

func (p *Plugin) adminKey() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg.AdminKey
}

func (p *Plugin) reqCreate(s *session, req params) map[string]any {
	if e := p.checkAdminKey(req); e != nil {
		return e.data()
	}
	f := req.fields()
	id := f.uint("room", false)
	f.boolean("permanent", false) // validated, not used: see below
	if f.err != nil {
		return f.err.data()
	}
	var o roomOptions
	if e := parseRoomOptions(req, &o); e != nil {
		return e.data()
	}
	lim := p.limits()
	if e := lim.checkRoomOptions(&o); e != nil {
		return e.data()
	}
	p.mu.Lock()
	if len(p.rooms) >= lim.MaxRooms {
		p.mu.Unlock()
		return roomLimitError(lim.MaxRooms).data()
	}
	if id == 0 {
		for id == 0 || p.rooms[id] != nil {
			id = randomID()
		}
	} else if p.rooms[id] != nil {
		p.mu.Unlock()
		return newErr(errRoomExists, "Room %d already exists", id).data()
	}
	p.rooms[id] = newRoom(id, o)
	p.mu.Unlock()
	p.log.Info("videoroom: room created", "room", id)
	p.emit(handleOf(s), roomEvent("created", id))
	// Argus keeps no config file to save rooms into: "permanent" is false.
	return map[string]any{"videoroom": "created", "room": id, "permanent": false}
}

func (p *Plugin) reqEdit(s *session, r *room, req params) map[string]any {
	np := params{}
	for k, v := range req {
		if len(k) > 4 && k[:4] == "new_" {
			np[k[4:]] = v
		}
	}
	lim := p.limits()
	_, e := r.updateOptions(func(o *roomOptions) *vrError {
		allowed, check := o.Allowed, o.CheckAllowed // edit never changes the ACL
		if e := parseRoomOptions(np, o); e != nil {
			return e
		}
		o.Allowed, o.CheckAllowed = allowed, check
		return lim.checkRoomOptions(o)
	})
	if e != nil {
		return e.data()
	}
	p.emit(handleOf(s), roomEvent("edited", r.id))
	return map[string]any{"videoroom": "edited", "room": r.id, "permanent": false}
}

func (p *Plugin) reqDestroy(s *session, r *room, req params) map[string]any {
	p.mu.Lock()
	delete(p.rooms, r.id)
	p.mu.Unlock()
	r.mu.Lock()
	r.destroyed = true
	pubs := make([]*publisher, 0, len(r.participants))
	for _, x := range r.participants {
		pubs = append(pubs, x)
	}
	subs := make([]*subscriber, 0, len(r.subscribers))
	for x := range r.subscribers {
		subs = append(subs, x)
	}
	r.participants = map[uint64]*publisher{}
	r.subscribers = map[*subscriber]struct{}{}
	r.mu.Unlock()
	// Everyone is out and the events are emitted before anyone is told:
	// a participant may act at once on "destroyed" (detach, or create a
	// room with the same id, whose "created" must follow "destroyed").
	for _, x := range pubs {
		x.roomGone()
	}
	for _, x := range subs {
		x.leave()
	}
	p.log.Info("videoroom: room destroyed", "room", r.id)
	p.emit(handleOf(s), roomEvent("destroyed", r.id))
	note := map[string]any{"videoroom": "destroyed", "room": r.id}
	for _, x := range pubs {
		x.s.push("", note, nil)
		x.s.h.ClosePeer()
	}
	for _, x := range subs {
		x.s.push("", note, nil)
		x.s.h.ClosePeer()
	}
	return map[string]any{"videoroom": "destroyed", "room": r.id, "permanent": false}
}

func (p *Plugin) reqExists(_ *session, req params) map[string]any {
	id, _, e := req.uint("room", true)
	if e != nil {
		return e.data()
	}
	return map[string]any{"videoroom": "success", "room": id, "exists": p.room(id) != nil}
}

// reqList lists the rooms by id, at most Limits.ListLimit of them from
// "offset" (see limits.go, pageOf).
func (p *Plugin) reqList(_ *session, req params) map[string]any {
	offset, limit, e := p.limits().page(req)
	if e != nil {
		return e.data()
	}
	private := p.adminKeyValid(req)
	p.mu.Lock()
	rooms := make([]*room, 0, len(p.rooms))
	for _, r := range p.rooms {
		rooms = append(rooms, r)
	}
	p.mu.Unlock()
	slices.SortFunc(rooms, func(a, b *room) int { return cmp.Compare(a.id, b.id) })
	visible := make([]*room, 0, len(rooms))
	for _, r := range rooms {
		if !r.options().IsPrivate || private {
			visible = append(visible, r)
		}
	}
	answer := map[string]any{"videoroom": "success"}
	visible = pageOf(visible, offset, limit, answer)
	list := make([]any, 0, len(visible))
	for _, r := range visible {
		list = append(list, r.summary())
	}
	answer["list"] = list
	return answer
}

// reqListParticipants lists a room's participants by id, paged like list.
func (p *Plugin) reqListParticipants(_ *session, req params) map[string]any {
	r, e := p.lookupRoom(req)
	if e != nil {
		return e.data()
	}
	offset, limit, e := p.limits().page(req)
	if e != nil {
		return e.data()
	}
	parts := r.others(nil)
	slices.SortFunc(parts, func(a, b *publisher) int { return cmp.Compare(a.id, b.id) })
	answer := map[string]any{"videoroom": "participants", "room": r.id}
	parts = pageOf(parts, offset, limit, answer)
	list := make([]any, 0, len(parts))
	for _, x := range parts {
		entry := map[string]any{"id": x.id, "publisher": x.isPublished()}
		if d := x.displayName(); d != "" {
			entry["display"] = d
		}
		if t, ok := x.talkingState(); ok {
			entry["talking"] = t
		}
		list = append(list, entry)
	}
	answer["participants"] = list
	return answer
}

func (p *Plugin) reqAllowed(_ *session, r *room, req params) map[string]any {
	f := req.fields()
	action := f.str("action", true)
	// Janus 1.1.2 takes add and remove without a list (a no-op).
	tokens, _ := read(f, params.strings, "allowed", false)
	if f.err != nil {
		return f.err.data()
	}
	lim := p.limits()
	o, e := r.updateOptions(func(o *roomOptions) *vrError {
		switch action {
		case "enable":
			o.CheckAllowed = true
		case "disable":
			o.CheckAllowed = false
		case "add":
			if o.Allowed == nil {
				o.Allowed = map[string]bool{}
			}
			for _, t := range tokens {
				o.Allowed[t] = true
			}
		case "remove":
			for _, t := range tokens {
				delete(o.Allowed, t)
			}
		default:
			return newErr(errInvalidElement, "Unsupported action '%s' (allowed)", action)
		}
		return lim.checkAllowed(o.Allowed)
	})
	if e != nil {
		return e.data()
	}
	// The list is in every answer but disable's, whether the check is on
	// or off (Janus 1.1.2, seen by test/janusref).
	out := map[string]any{"videoroom": "success", "room": r.id}
	if action != "disable" {
		out["allowed"] = o.allowedList()
	}
	return out
}

func (p *Plugin) reqKick(_ *session, r *room, req params) map[string]any {
	id, _, e := req.uint("id", true)
	if e != nil {
		return e.data()
	}
	target := r.participant(id)
	if target == nil {
		return newErr(errNoSuchFeed, "No such user %d in room %d", id, r.id).data()
	}
	target.kick()
	return map[string]any{"videoroom": "success"}
}

func (p *Plugin) reqModerate(_ *session, r *room, req params) map[string]any {
	f := req.fields()
	id := f.uint("id", true)
	mid := f.str("mid", true)
	mute := f.boolean("mute", true)
	if f.err != nil {
		return f.err.data()
	}
	target := r.participant(id)
	if target == nil {
		return newErr(errNoSuchFeed, "No such user %d in room %d", id, r.id).data()
	}
	if e := target.moderate(mid, mute); e != nil {
		return e.data()
	}
	return map[string]any{"videoroom": "success"}
}

// reqListForwarders answers with no forwarders: Argus has no RTP forwarders yet.
func (p *Plugin) reqListForwarders(_ *session, r *room, req params) map[string]any {
	return map[string]any{"videoroom": "forwarders", "room": r.id, "publishers": []any{}}
}

// reqNotSupported answers rtp_forward, stop_rtp_forward and
// enable_recording honestly: Argus does not implement them yet.
func (p *Plugin) reqNotSupported(_ *session, _ *room, req params) map[string]any {
	name, _, _ := req.str("request", false)
	return newErr(errInvalidRequest, "Request '%s' is %s in Argus", name, errUnsupported).data()
}
