package videoroom

import (
	"context"
	"slices"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/pluginkit/mediakit"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
)

// handle runs an async request of a subscriber handle (6.5).
func (sub *subscriber) handle(ctx context.Context, name string, req params, jsep *core.JSEP) (map[string]any, *core.JSEP, *vrError) {
	if jsep != nil && jsep.Type == "offer" {
		return nil, nil, newErr(errInvalidSDPType, "Only publishers send offers")
	}
	sub.mu.Lock()
	gone := sub.left
	sub.mu.Unlock()
	if gone && name != "leave" {
		return nil, nil, newErr(errAlreadyJoined, "Not in a room (create a new handle)")
	}
	r := sub.room.id
	switch name {
	case "join", "joinandconfigure":
		return nil, nil, newErr(errAlreadyJoined, "Already in as a subscriber on this handle")
	case "start":
		return sub.start(ctx, jsep)
	case "pause":
		sub.paused.Store(true)
		return map[string]any{"videoroom": "event", "room": r, "paused": "ok"}, nil, nil
	case "configure":
		return sub.configure(ctx, req)
	case "subscribe", "unsubscribe", "update":
		return sub.update(ctx, name, req)
	case "switch":
		return sub.switchFeeds(req)
	case "leave":
		// As in Janus 1.1.2, a subscriber's leave ends its PeerConnection
		// and every stream of its subscription, but the handle stays a
		// subscriber of the room: later requests work on an empty
		// subscription (a join is "Already in as a subscriber").
		sub.hangup()
		sub.s.h.ClosePeer()
		return map[string]any{"videoroom": "event", "room": r, "left": "ok"}, nil, nil
	default:
		return nil, nil, newErr(errInvalidRequest, "Unknown request '%s'", name)
	}
}

// start records the answer (already applied by the core) and resumes.
// A postponed offer follows the "started" reply as an unsolicited
// "updated" with the offer, as Janus 1.1.2 sends it (Janode's start()
// resolves on the event with its transaction and expects "started").
func (sub *subscriber) start(ctx context.Context, jsep *core.JSEP) (map[string]any, *core.JSEP, *vrError) {
	sub.paused.Store(false)
	var inactive map[string]bool
	if jsep != nil {
		inactive = inactiveMids(jsep.SDP)
	}
	sub.mu.Lock()
	pending := false
	if jsep != nil {
		sub.answered = true
		sub.inactive = inactive
		pending = sub.pendingOffer
		for _, d := range sub.streams {
			d.ready = d.ready || d.offered
		}
	}
	sub.mu.Unlock()
	data := map[string]any{"videoroom": "event", "room": sub.room.id, "started": "ok"}
	if pending {
		sub.negMu.Lock()
		offer, err := sub.offer(ctx)
		sub.negMu.Unlock()
		if err != nil {
			return nil, nil, newErr(errUnknown, "Error creating the offer: %s", err.Error())
		}
		if offer == nil { // an autoupdate sent its own offer in between
			return data, nil, nil
		}
		streams := sub.summaries()
		sub.followUp = func() {
			if sub.s.ks.Destroyed() {
				return
			}
			sub.s.push("", map[string]any{"videoroom": "updated", "room": sub.room.id, "streams": streams}, offer)
			sub.s.p.emit(sub.s.h, sub.updatedEvent(streams))
		}
		return data, nil, nil
	}
	sub.requestKeyframes()
	return data, nil, nil
}

// configure changes per-stream settings: send, substream, temporal.
func (sub *subscriber) configure(ctx context.Context, req params) (map[string]any, *core.JSEP, *vrError) {
	f := req.fields()
	objs := f.objects("streams", false)
	restart := f.boolean("restart", false)
	if f.err != nil {
		return nil, nil, f.err
	}
	type change struct {
		d         *subStream
		send      *bool
		substream *uint64
		temporal  *uint64
	}
	var changes []change
	for _, o := range objs {
		mid, _, e := o.str("mid", true)
		if e != nil {
			return nil, nil, e
		}
		d := sub.byMid(mid)
		if d == nil {
			return nil, nil, newErr(errNoSuchFeed, "No such mid '%s' in subscription", mid)
		}
		c := change{d: d}
		f := o.fields()
		send, substream, temporal := f.boolean("send", false), f.layer("substream"), f.layer("temporal")
		if f.err != nil {
			return nil, nil, f.err
		}
		if o.has("send") {
			c.send = &send
		}
		if o.has("substream") {
			c.substream = &substream
		}
		if o.has("temporal") {
			c.temporal = &temporal
		}
		changes = append(changes, c)
	}
	var keyframes []*pubStream
	for _, c := range changes {
		if c.send != nil {
			c.d.send.Store(*c.send)
		}
		if c.substream != nil {
			c.d.target.Store(int32(*c.substream))
		}
		if c.temporal != nil {
			c.d.temporal.Store(int32(*c.temporal))
		}
		if src := c.d.src.Load(); src != nil && src.kind == "video" && (c.substream != nil || (c.send != nil && *c.send)) {
			keyframes = append(keyframes, src)
		}
	}
	forceKeyframes(sub.s.p, keyframes) // once per stream, however often a mid is named
	data := map[string]any{"videoroom": "event", "room": sub.room.id, "configured": "ok"}
	if !restart {
		return data, nil, nil
	}
	// An ICE restart: a new offer with new credentials.
	sub.negMu.Lock()
	offer, err := sub.offerWith(ctx, true)
	sub.negMu.Unlock()
	if err != nil {
		return nil, nil, newErr(errUnknown, "Error creating the offer: %s", err.Error())
	}
	return data, offer, nil
}

// update handles subscribe, unsubscribe and update, then renegotiates.
func (sub *subscriber) update(ctx context.Context, name string, req params) (map[string]any, *core.JSEP, *vrError) {
	var add, drop []params
	var e *vrError
	switch name {
	case "subscribe":
		add, _, e = req.objects("streams", true)
	case "unsubscribe":
		drop, _, e = req.objects("streams", true)
	default:
		if add, _, e = req.objects("subscribe", false); e == nil {
			drop, _, e = req.objects("unsubscribe", false)
		}
	}
	if e != nil {
		return nil, nil, e
	}
	refs, e := resolveFeeds(sub.room, add)
	if e != nil {
		return nil, nil, e
	}
	var peer *webrtc.Peer
	if len(refs) > 0 {
		// Before negMu: see add.
		var err error
		if peer, err = sub.s.h.Peer(); err != nil {
			return nil, nil, peerErr(err)
		}
	}
	sub.negMu.Lock()
	defer sub.negMu.Unlock()
	gone := map[*subStream]bool{}
	var dropped []*subStream // in the order found, as they are removed
	for _, o := range drop {
		f := o.fields()
		feed, mid, subMid := f.uint("feed", false), f.str("mid", false), f.str("sub_mid", false)
		if f.err != nil {
			return nil, nil, f.err
		}
		hasFeed, hasMid, hasSubMid := o.has("feed"), o.has("mid"), o.has("sub_mid")
		for _, d := range sub.liveStreams() {
			sub.mu.Lock()
			match := (!hasFeed || d.feedID == feed) && (!hasMid || d.feedMid == mid) && (!hasSubMid || d.mid == subMid)
			sub.mu.Unlock()
			if match && (hasFeed || hasSubMid) && !gone[d] {
				gone[d] = true
				dropped = append(dropped, d)
			}
		}
	}
	// Checked before anything changes: a refused request loses nothing.
	sub.mu.Lock()
	held := slices.Clone(sub.streams)
	sub.mu.Unlock()
	if refs, e = sub.admit(refs, held, gone); e != nil {
		return nil, nil, e
	}
	// As in Janus 1.1.2, the unsubscriptions first: the new streams take
	// over the m-lines just left (add), and only the senders of the others
	// stop.
	for _, d := range dropped {
		sub.unlink(d)
	}
	var err error
	if len(refs) > 0 {
		err = sub.add(peer, refs, gone)
	}
	for _, d := range dropped {
		sub.mu.Lock()
		left := d.removed
		sub.mu.Unlock()
		if left {
			sub.stopSending(d)
		}
	}
	if err != nil {
		return nil, nil, newErr(errUnknown, "Error preparing the subscription: %s", err.Error())
	}
	changed := len(dropped) > 0 || len(refs) > 0
	if !changed {
		return map[string]any{"videoroom": "updated", "room": sub.room.id}, nil, nil
	}
	sub.mu.Lock()
	unanswered := !sub.answered
	if unanswered {
		sub.pendingOffer = true
	}
	sub.mu.Unlock()
	if unanswered {
		// The last offer is unanswered (or none is up, after a leave): as
		// in Janus 1.1.2 the new one waits for the answer ("start"), and
		// the update is acknowledged as "updating".
		return map[string]any{"videoroom": "updating", "room": sub.room.id}, nil, nil
	}
	offer, err := sub.offer(ctx)
	if err != nil {
		return nil, nil, newErr(errUnknown, "Error creating the offer: %s", err.Error())
	}
	streams := sub.summaries()
	sub.s.p.emit(sub.s.h, sub.updatedEvent(streams))
	data := map[string]any{"videoroom": "updated", "room": sub.room.id}
	if offer != nil {
		data["streams"] = streams
	}
	return data, offer, nil
}

// switchFeeds points subscription m-lines at other publishers' streams of
// the same kind and codec, without renegotiation. As in Janus 1.1.2, an
// m-line's a=msid (use_msid) keeps naming the publisher it had: a switch
// changes the source only (msid.go).
func (sub *subscriber) switchFeeds(req params) (map[string]any, *core.JSEP, *vrError) {
	objs, _, e := req.objects("streams", true)
	if e != nil {
		return nil, nil, e
	}
	type sw struct {
		d   *subStream
		pub *publisher
		ps  *pubStream
	}
	var plan []sw
	for _, o := range objs {
		f := o.fields()
		feed, mid, subMid := f.uint("feed", true), f.str("mid", true), f.str("sub_mid", true)
		if f.err != nil {
			return nil, nil, f.err
		}
		d := sub.byMid(subMid)
		if d == nil {
			return nil, nil, newErr(errNoSuchFeed, "No such mid '%s' in subscription", subMid)
		}
		pub := sub.room.participant(feed)
		if pub == nil || !pub.isPublishing() {
			return nil, nil, newErr(errNoSuchFeed, "No such feed (%d)", feed)
		}
		ps := pub.streamByMid(mid)
		if ps == nil || ps.disabled {
			return nil, nil, newErr(errNoSuchFeed, "No such mid '%s' in feed (%d)", mid, feed)
		}
		if ps.kind != d.kind || ps.codecName != mediakit.CodecName(d.codec.MimeType) {
			return nil, nil, newErr(errInvalidElement, "Can't switch to a %s/%s stream on a %s/%s m-line", ps.kind, ps.codecName, d.kind, mediakit.CodecName(d.codec.MimeType))
		}
		plan = append(plan, sw{d, pub, ps})
	}
	changes := 0
	var keyframes []*pubStream
	lost := map[*subStream]*pubStream{} // attach
	for _, c := range plan {
		if c.d.src.Load() == c.ps {
			continue
		}
		if old := c.d.setSource(c.ps); old != nil {
			old.detach(c.d)
		}
		sub.attach(c.d, c.ps, lost)
		sub.mu.Lock()
		c.d.feedID, c.d.feedMid, c.d.feedDisplay = c.pub.id, c.ps.mid, c.pub.displayName()
		sub.mu.Unlock()
		if c.ps.kind == "video" {
			keyframes = append(keyframes, c.ps)
		}
		changes++
	}
	if len(lost) > 0 {
		sub.streamsGone(lost)
	}
	forceKeyframes(sub.s.p, keyframes)
	sub.s.p.emit(sub.s.h, telemetry.VideoRoomData{Event: "switched", Room: telemetry.NumberID(sub.room.id),
		Changes: telemetry.Ptr(changes), Streams: eventStreams(sub.summaries())})
	return map[string]any{"videoroom": "event", "switched": "ok", "room": sub.room.id, "changes": changes, "streams": sub.summaries()}, nil, nil
}
