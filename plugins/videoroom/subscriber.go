package videoroom

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/pluginkit/mediakit"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
)

// subscriber is a receive-only handle mixing streams of any publishers.
type subscriber struct {
	s          *session
	room       *room
	privateID  uint32
	autoupdate bool
	// useMSID is the join's "use_msid": the m-lines' a=msid name their
	// publishers (msid.go).
	useMSID bool
	paused  atomic.Bool

	negMu sync.Mutex // serializes renegotiations

	mu           sync.Mutex
	streams      []*subStream
	peer         *webrtc.Peer
	dc           *pion.DataChannel // created with the first data subscription
	answered     bool              // the last offer was answered
	pendingOffer bool              // an offer is owed once the current one is answered
	left         bool              // the room is gone or the handle detached: no more requests
	// inactive holds the mids the client's last answer (start) left
	// inactive: with answered, which m-lines a new stream can take over.
	inactive map[string]bool

	// followUp is pushed after the reply to the request being processed
	// (start's postponed offer); only the session's worker touches it.
	followUp func()
}

// feedRef is one requested subscription: a publisher and its stream.
type feedRef struct {
	pub *publisher
	ps  *pubStream
	// substream and temporal are the initial layer targets (join and
	// subscribe "substream" and "temporal"; 2 when absent).
	substream, temporal uint64
}

// joinSubscriber handles join as a subscriber (6.5).
func joinSubscriber(ctx context.Context, s *session, r *room, req params) (map[string]any, *core.JSEP, *vrError) {
	f := req.fields()
	pid, auto := f.uint("private_id", false), f.boolean("autoupdate", false)
	if f.err != nil {
		return nil, nil, f.err
	}
	o := r.options()
	if e := checkCredential(req, "pin", o.Pin); e != nil { // the pin gates every join (6.1)
		return nil, nil, e
	}
	if o.RequirePvtID && (pid == 0 || pid > 0xFFFFFFFF || !r.hasPrivateID(uint32(pid))) {
		return nil, nil, newErr(errUnauthorized, "Unauthorized (this room requires a valid private_id)")
	}
	legacy := false
	var refs []feedRef
	if req.has("streams") {
		objs, _, e := req.objects("streams", true)
		if e != nil {
			return nil, nil, e
		}
		if refs, e = resolveFeeds(r, objs); e != nil {
			return nil, nil, e
		}
	} else {
		feed, _, e := req.uint("feed", true)
		if e != nil {
			return nil, nil, e
		}
		legacy = true
		if refs, e = resolveFeeds(r, []params{{"feed": []byte(formatID(feed))}}); e != nil {
			return nil, nil, e
		}
	}
	if len(refs) == 0 {
		return nil, nil, newErr(errInvalidSDP, "Can't offer an SDP with no stream")
	}
	sub := &subscriber{s: s, room: r, privateID: uint32(pid), autoupdate: !req.has("autoupdate") || auto,
		useMSID: isTrue(req["use_msid"])}
	refs, e := sub.admit(refs, nil, nil)
	if e != nil {
		return nil, nil, e
	}
	sub.paused.Store(true) // until "start", as in Janus 1.1.2 (handle_info "paused")
	r.mu.Lock()
	if r.destroyed {
		r.mu.Unlock()
		return nil, nil, noSuchRoom(r.id)
	}
	r.subscribers[sub] = struct{}{}
	r.mu.Unlock()
	s.mu.Lock()
	s.role, s.sub = roleSubscriber, sub
	s.mu.Unlock()

	peer, err := s.h.Peer()
	if err != nil {
		// No PeerConnection (too many, or the last one still closing):
		// the handle is no subscriber yet, so that the client can retry
		// the join.
		sub.undoJoin()
		return nil, nil, peerErr(err)
	}
	offer, streams, e := sub.prepare(ctx, peer, refs)
	if e != nil {
		// As above, and the PeerConnection, with the m-lines and the data
		// channel add may have made, goes: the core frees its slot and
		// the retried join gets a new one. Closing it runs the plugin's
		// hangup, which takes negMu: prepare has released it.
		sub.undoJoin()
		s.h.ClosePeer()
		return nil, nil, e
	}
	data := map[string]any{"videoroom": "attached", "room": r.id, "streams": streams}
	if legacy {
		data["id"] = refs[0].pub.id
		if d := refs[0].pub.displayName(); d != "" {
			data["display"] = d
		}
		data["warning"] = "deprecated_api"
	}
	return data, offer, nil
}

// prepare adds refs to the subscription of a join on peer, makes its
// first offer and announces it ("subscribing"), all under negMu, so that
// an auto update or a hangup waiting for negMu comes after the
// announcement; it returns the offer and the streams it describes. On a
// failure the subscription ends before negMu is released: a queued auto
// update finds it left, and undoJoin does the rest.
func (sub *subscriber) prepare(ctx context.Context, peer *webrtc.Peer, refs []feedRef) (*core.JSEP, []any, *vrError) {
	sub.negMu.Lock()
	defer sub.negMu.Unlock()
	if err := sub.add(peer, refs, nil); err != nil {
		sub.endLocked()
		return nil, nil, newErr(errUnknown, "Error preparing the subscription: %s", err.Error())
	}
	offer, err := sub.offer(ctx)
	if err != nil {
		sub.endLocked()
		return nil, nil, newErr(errUnknown, "Error creating the offer: %s", err.Error())
	}
	streams := sub.summaries()
	s, r := sub.s, sub.room
	s.log.Info("videoroom: subscriber joined", "room", r.id, "streams", len(streams))
	s.p.emit(s.h, telemetry.VideoRoomData{Event: "subscribing", Room: telemetry.NumberID(r.id), Streams: eventStreams(streams), PrivateID: telemetry.Ptr(sub.privateID)})
	return offer, streams, nil
}

// endLocked ends a subscription that is being taken back: left (an auto
// update offers nothing), its streams gone from their sources. Callers
// hold negMu; a second call does nothing more.
func (sub *subscriber) endLocked() {
	sub.mu.Lock()
	sub.left = true
	sub.mu.Unlock()
	sub.dropStreams()
}

// undoJoin takes back a join that failed once the handle was made this
// subscriber: the subscription ends (left, so that an auto update queued
// meanwhile offers nothing) and its streams leave their sources, without
// the "unsubscribed" events of a hangup (no "subscribing" came before
// them); the room no longer lists it, and the handle is no subscriber
// again, unless another subscription took it meanwhile. The caller does
// not hold negMu, and closes the handle's PeerConnection if it had one.
func (sub *subscriber) undoJoin() {
	sub.negMu.Lock()
	sub.endLocked()
	sub.negMu.Unlock()
	r := sub.room
	r.mu.Lock()
	delete(r.subscribers, sub)
	r.mu.Unlock()
	s := sub.s
	s.mu.Lock()
	if s.sub == sub {
		s.role, s.sub = roleNone, nil
	}
	s.mu.Unlock()
}

// resolveFeeds maps [{feed, mid?}] to publisher streams.
func resolveFeeds(r *room, objs []params) ([]feedRef, *vrError) {
	var refs []feedRef
	for _, o := range objs {
		f := o.fields()
		feed, mid := f.uint("feed", true), f.str("mid", false)
		sub, tl := f.layer("substream"), f.layer("temporal")
		if f.err != nil {
			return nil, f.err
		}
		pub := r.participant(feed)
		if pub == nil || !pub.isPublishing() {
			return nil, newErr(errNoSuchFeed, "No such feed (%d)", feed)
		}
		if o.has("mid") {
			ps := pub.streamByMid(mid)
			if ps == nil || ps.disabled {
				return nil, newErr(errNoSuchFeed, "No such mid '%s' in feed (%d)", mid, feed)
			}
			refs = append(refs, feedRef{pub: pub, ps: ps, substream: sub, temporal: tl})
			continue
		}
		for _, ps := range pub.activeStreams() {
			refs = append(refs, feedRef{pub: pub, ps: ps, substream: sub, temporal: tl})
		}
	}
	return refs, nil
}

// admit applies the subscription's bounds to refs, the streams a request
// adds to held (the subscription's streams; dropping, those the same
// request removes). A stream subscribed twice (in refs, or in refs and
// held) is refused with 430, except a data stream: as in Janus 1.1.2, a
// publisher's data already relayed to the subscriber is not added again,
// and admit leaves it out. Janus adds an audio or video m-line for each
// time a stream is named; Argus refuses the request instead, so that
// repeats cannot multiply m-lines, copies and keyframe requests. The
// m-lines beyond max are refused with 430: every audio and video stream
// has one, and an inactive one stays in the offer until the
// PeerConnection ends, but a new stream takes over a free one of its kind
// and codec, or one the same update leaves (slots), rather than add its
// own; every data subscription shares the one application m-line (which
// stays once made). Callers hold negMu (or have the only reference to
// sub, at join); refusals and ignored repeats are counted.
func (sub *subscriber) admit(refs []feedRef, held []*subStream, dropping map[*subStream]bool) ([]feedRef, *vrError) {
	p := sub.s.p
	limit := p.limits().MaxSubscriberStreams
	n := 0
	have := map[*pubStream]bool{}
	free := map[string]int{} // m-lines a new stream can take over, by slotKey
	for key, ds := range sub.slots(dropping) {
		free[key] = len(ds)
	}
	sub.mu.Lock()
	dataLine := sub.dc != nil
	for _, d := range held {
		live := !d.removed && !dropping[d]
		if d.kind == "data" {
			dataLine = true
		} else {
			n++
		}
		if ps := d.src.Load(); ps != nil && live {
			have[ps] = true
		}
	}
	sub.mu.Unlock()
	out := make([]feedRef, 0, len(refs))
	ignored := 0
	for _, ref := range refs {
		if have[ref.ps] {
			if ref.ps.kind == "data" {
				ignored++
				continue
			}
			p.refused(LimitSubscriberStreams, 1)
			return nil, newErr(errInvalidElement, "Invalid element (mid '%s' of feed %d subscribed twice)", ref.ps.mid, ref.pub.id)
		}
		have[ref.ps] = true
		out = append(out, ref)
		switch {
		case ref.ps.kind == "data":
			dataLine = true
		case free[ref.ps.slotKey()] > 0:
			free[ref.ps.slotKey()]--
		default:
			n++
		}
	}
	if dataLine {
		n++
	}
	if n > limit {
		p.refused(LimitSubscriberStreams, 1)
		return nil, newErr(errInvalidElement, "Invalid element (too many streams in the subscription: %d, limit %d)", n, limit)
	}
	p.refused(LimitSubscriberStreams, ignored)
	return out, nil
}

// add gives each requested stream a sending m-line on peer: a free one of
// its kind and codec or one the same update leaves (dropping, already
// unlinked), the lowest first (slots), or a new one; callers hold negMu.
// They get peer (h.Peer) before they take negMu: Peer waits for the
// Hangup of a PeerConnection still closing (after a leave), and that
// Hangup takes negMu.
func (sub *subscriber) add(peer *webrtc.Peer, refs []feedRef, dropping map[*subStream]bool) error {
	pc := peer.PeerConnection()
	sub.mu.Lock()
	sub.peer = peer
	sub.mu.Unlock()
	free := sub.slots(dropping)
	lost := map[*subStream]*pubStream{} // attach
	defer func() {
		if len(lost) > 0 {
			sub.streamsGone(lost)
		}
	}()
	for _, ref := range refs {
		ps := ref.ps
		if ps.kind == "data" {
			if err := sub.addData(pc, ref, lost); err != nil {
				return err
			}
			continue
		}
		var slot *subStream
		if key := ps.slotKey(); len(free[key]) > 0 {
			slot, free[key] = free[key][0], free[key][1:]
		}
		if dropping[slot] {
			sub.takeOver(slot, ref, lost)
			continue
		}
		track, err := mediakit.NewSendTrack(ps.codec.RTPCodecCapability, ps.kind, fmt.Sprintf("argus-%d", ref.pub.id))
		if err != nil {
			return err
		}
		msid := newMSIDTrack(track, sub.useMSID, ref.pub.id)
		t, err := sub.sendOn(peer, slot, msid)
		if err != nil {
			return err
		}
		msid.on(t)
		// The publisher's codec (and its RTX) first; see offerCodecs.
		_ = t.SetCodecPreferences(offerCodecs(codecsOf(pc, t), ps.codec, sub.room.options().codecs(ps.kind)))
		d := &subStream{sub: sub, kind: ps.kind, codec: ps.codec, track: track, msid: msid, transceiver: t, sender: t.Sender(), shard: sub.room.shardSeq.Add(1)}
		// NACKs are answered from the publisher's history (history.go),
		// not from a copy of every packet sent to this subscriber.
		track.SetHistory(d)
		peer.UseSentHistory(t.Sender(), track)
		d.send.Store(true)
		d.target.Store(int32(ref.substream))
		d.temporal.Store(int32(ref.temporal))
		d.feedID, d.feedMid, d.feedDisplay = ref.pub.id, ps.mid, ref.pub.displayName()
		d.src.Store(ps)
		sub.mu.Lock()
		if i := slices.Index(sub.streams, slot); slot != nil && i >= 0 {
			// The new stream takes the slot: same mindex and mid.
			d.mindex, d.mid = slot.mindex, slot.mid
			sub.streams[i] = d
		} else {
			d.mindex = len(sub.streams)
			d.mid = strconv.Itoa(d.mindex) // until the offer names it (Janus 1.1.2 names it at once)
			sub.streams = append(sub.streams, d)
		}
		sub.mu.Unlock()
		sub.attach(d, ps, lost)
		sub.s.ks.Go(func(context.Context) { d.readRTCP() }) // ends when the PC closes
		if ps.kind == "video" {
			if m := ref.pub.currentMedia(); m != nil {
				m.keyframe(ps, false)
			}
		}
	}
	return nil
}

// takeOver gives ref the stream d that the same update left (unlink),
// with its m-line, sender, SSRC and track: as after a switch, the new
// source's packets continue the m-line's sequence numbers and timestamps
// (deliver), so the client's receiver goes on with no new track. Janus
// 1.1.2 keeps an m-line's SSRC for the PeerConnection's life as well.
// The m-line keeps the codec parameters it was negotiated with (a free
// slot matches on the codec's name, as Janus and switch do). Unlike a
// switch, its a=msid names the new publisher from the next offer on
// (with use_msid), as Janus names the one whose subscription takes an
// m-line over. Callers hold negMu.
func (sub *subscriber) takeOver(d *subStream, ref feedRef, lost map[*subStream]*pubStream) {
	ps := ref.ps
	d.send.Store(true)
	d.target.Store(int32(ref.substream))
	d.temporal.Store(int32(ref.temporal))
	sub.mu.Lock()
	// Ready again once the client answers an offer with the new stream,
	// as a new one would be.
	d.removed, d.offered, d.ready = false, false, false
	d.feedID, d.feedMid, d.feedDisplay = ref.pub.id, ps.mid, ref.pub.displayName()
	sub.mu.Unlock()
	if d.msid != nil {
		d.msid.name(sub.useMSID, ref.pub.id)
	}
	d.setSource(ps)
	sub.attach(d, ps, lost)
	if ps.kind == "video" {
		if m := ref.pub.currentMedia(); m != nil {
			m.keyframe(ps, false)
		}
	}
}

// attach makes d, whose source is now ps, one of ps's destinations. The
// caller found ps before it took negMu (resolveFeeds, switch): if ps went
// away in between (an unpublish, a renegotiation dropping it), its
// dropSubscribers may have run before d was attached, and d would stay
// active with no media. attach then adds d to lost, and the caller queues
// the auto update that removes lost's streams (streamsGone), as
// dropSubscribers would have (lostSource: unless d moves on first). ps
// leaves pub.streams, under pub.mu, before dropSubscribers runs: if it is
// still there, a later dropSubscribers finds d.
func (sub *subscriber) attach(d *subStream, ps *pubStream, lost map[*subStream]*pubStream) {
	ps.attach(d)
	if !ps.pub.holds(ps) {
		lost[d] = ps
	}
}

// sendOn gives track a sending m-line: slot's (a free one, freeSlots),
// or a new one when slot is nil. A track reusing a free m-line is a new
// one, made for the new publisher: its a=msid names it (with use_msid),
// as Janus renames a reused m-line's stream.
func (sub *subscriber) sendOn(peer *webrtc.Peer, slot *subStream, track pion.TrackLocal) (*pion.RTPTransceiver, error) {
	if slot == nil {
		t, err := peer.PeerConnection().AddTransceiverFromTrack(track, pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly})
		if err != nil {
			return nil, fmt.Errorf("new m-line: %w", err)
		}
		return t, nil
	}
	t := slot.transceiver
	// Back to every codec of the kind, so that the caller picks the new
	// stream's (the same codec, maybe other parameters) from the list.
	_ = t.SetCodecPreferences(nil)
	// AttachTrack sends on t again (inactive becomes sendonly), with a new
	// sender and SSRC bound to the PeerConnection's interceptors.
	if _, err := peer.AttachTrack(t, track); err != nil {
		return nil, fmt.Errorf("reuse m-line %q: %w", t.Mid(), err)
	}
	return t, nil
}

// codecsOf lists the codecs the engine can send on t's kind.
func codecsOf(pc *pion.PeerConnection, t *pion.RTPTransceiver) []pion.RTPCodecParameters {
	_ = pc
	return t.Sender().GetParameters().Codecs
}

// offer creates an offer, or postpones it while the previous one is
// unanswered (nil JSEP). Callers hold negMu.
func (sub *subscriber) offer(ctx context.Context) (*core.JSEP, error) {
	return sub.offerWith(ctx, false)
}

// offerWith is offer, with an ICE restart when restart is set.
func (sub *subscriber) offerWith(ctx context.Context, restart bool) (*core.JSEP, error) {
	sub.mu.Lock()
	peer := sub.peer
	if peer == nil {
		sub.mu.Unlock()
		return nil, errClosedPeer
	}
	if peer.PeerConnection().SignalingState() == pion.SignalingStateHaveLocalOffer {
		sub.pendingOffer = true
		sub.mu.Unlock()
		return nil, nil
	}
	sub.mu.Unlock()
	actx, cancel := context.WithTimeout(ctx, negotiationTimeout)
	defer cancel()
	sdp, err := peer.CreateOffer(actx, restart)
	if err != nil {
		return nil, err
	}
	// The offer names the mids and orders the m-lines (pion puts the
	// application one last, whenever the data was subscribed).
	mids, dataMid := mlines(sdp)
	sub.mu.Lock()
	sub.answered, sub.pendingOffer = false, false
	for _, d := range sub.streams {
		if d.transceiver != nil {
			d.mid = d.transceiver.Mid()
		} else {
			d.mid = dataMid
		}
		if i := slices.Index(mids, d.mid); i >= 0 {
			d.mindex = i
		}
		d.offered = true
	}
	sub.mu.Unlock()
	return &core.JSEP{Type: "offer", SDP: sdp}, nil
}

// summaries describes every m-line of the subscription.
func (sub *subscriber) summaries() []any {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	out := make([]any, 0, len(sub.streams))
	for _, d := range sub.streams {
		out = append(out, d.summary())
	}
	return out
}

// updatedEvent is the subscriber's "updated" event with its summary.
func (sub *subscriber) updatedEvent(summary []any) telemetry.VideoRoomData {
	return telemetry.VideoRoomData{Event: "updated", Room: telemetry.NumberID(sub.room.id),
		Streams: eventStreams(summary), PrivateID: telemetry.Ptr(sub.privateID)}
}

// byMid returns the subscription stream with the subscriber-side mid.
func (sub *subscriber) byMid(mid string) *subStream {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for _, d := range sub.streams {
		if d.mid == mid && !d.removed {
			return d
		}
	}
	return nil
}

// remove stops an m-line (it becomes inactive at the next offer, and free
// for a new stream of its kind and codec once that offer is answered:
// freeSlots); callers hold negMu.
func (sub *subscriber) remove(d *subStream) {
	if sub.unlink(d) {
		sub.stopSending(d)
	}
}

// unlink is remove that leaves the m-line sending: d gets no more packets
// and counts as removed, but keeps its sender, so that a stream the same
// update adds can take it over (takeOver); it reports whether d was live.
// Callers hold negMu, and stop the senders of those not taken over.
func (sub *subscriber) unlink(d *subStream) bool {
	if ps := d.src.Swap(nil); ps != nil {
		ps.detach(d)
	}
	sub.mu.Lock()
	defer sub.mu.Unlock()
	live := !d.removed
	d.removed = true
	return live
}

// stopSending ends the sender of a removed stream (its m-line becomes
// inactive at the next offer); callers hold negMu.
func (sub *subscriber) stopSending(d *subStream) {
	sub.mu.Lock()
	peer := sub.peer
	sub.mu.Unlock()
	if peer != nil && d.sender != nil {
		_ = peer.PeerConnection().RemoveTrack(d.sender)
		peer.ForgetSentHistory(d.sender) // a sender that never sent is never unbound
	}
}

// setupMedia: the subscriber's PeerConnection is up.
func (sub *subscriber) setupMedia() {
	sub.s.p.emit(sub.s.h, roomEvent("subscribed", sub.room.id))
	sub.requestKeyframes()
}

// requestKeyframes asks the publishers of the subscription's video for a
// keyframe at start and when the PeerConnection is up, so that the picture
// does not wait for the browser's PLI: at once, or at the end of the
// stream's pliGap when another request came just before.
func (sub *subscriber) requestKeyframes() {
	for _, d := range sub.liveStreams() {
		if src := d.src.Load(); src != nil && src.kind == "video" {
			if m := src.pub.currentMedia(); m != nil {
				m.keyframe(src, false)
			}
		}
	}
}

// liveStreams returns the streams not removed.
func (sub *subscriber) liveStreams() []*subStream {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(sub.streams), func(d *subStream) bool { return d.removed })
}

// streamsGone: publisher streams this subscriber receives went away, in
// an unpublish or a renegotiation (gone: each subscription stream and the
// source it lost; dropSubscribers).
func (sub *subscriber) streamsGone(gone map[*subStream]*pubStream) {
	sub.s.ks.Go(func(ctx context.Context) { sub.autoUpdate(ctx, lostSource(gone)) })
}

// lostSource is streamsGone's test: a stream still on the source it lost.
// One that a switch, or an update taking over its m-line (takeOver), gave
// another source before autoUpdate ran keeps it: maybe a stream of the
// same publisher id, published again meanwhile.
func lostSource(gone map[*subStream]*pubStream) func(d *subStream) bool {
	return func(d *subStream) bool {
		ps := gone[d]
		return ps != nil && d.src.Load() == ps
	}
}

// autoUpdate removes the streams matching gone (called under sub.mu) and,
// if autoupdate is on, sends a new offer with an unsolicited "updated".
// It runs in the subscriber session's goroutine group, with its context.
func (sub *subscriber) autoUpdate(ctx context.Context, gone func(d *subStream) bool) {
	sub.negMu.Lock()
	defer sub.negMu.Unlock()
	changed := false
	sub.mu.Lock()
	streams := append([]*subStream(nil), sub.streams...)
	left := sub.left
	sub.mu.Unlock()
	for _, d := range streams {
		sub.mu.Lock()
		mine := !d.removed && gone(d)
		sub.mu.Unlock()
		if mine {
			sub.remove(d)
			changed = true
		}
	}
	if !changed || left || !sub.autoupdate {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, negotiationTimeout)
	defer cancel()
	jsep, err := sub.offer(ctx)
	if err != nil {
		sub.s.log.Debug("videoroom: auto update offer failed", "error", err)
		return
	}
	streams2 := sub.summaries()
	data := map[string]any{"videoroom": "updated", "room": sub.room.id}
	if jsep != nil {
		data["streams"] = streams2
	}
	sub.s.push("", data, jsep)
	sub.s.p.emit(sub.s.h, sub.updatedEvent(streams2))
}

// hangup: the PeerConnection went away; every stream stops.
func (sub *subscriber) hangup() {
	sub.negMu.Lock()
	defer sub.negMu.Unlock()
	for _, g := range sub.dropStreams() {
		sub.s.p.emit(sub.s.h, telemetry.VideoRoomData{Event: "unsubscribed", Room: telemetry.NumberID(sub.room.id), Feed: telemetry.NumberID(g.feed), Mid: g.mid})
	}
}

// droppedFeed is the feed and mid a dropped stream received.
type droppedFeed struct {
	feed uint64
	mid  string
}

// dropStreams ends every stream of the subscription: each leaves its
// source's destinations, and the subscription forgets them, its
// PeerConnection and its data channel, as if nothing had been offered;
// it returns what the streams that were live received. Callers hold
// negMu.
func (sub *subscriber) dropStreams() []droppedFeed {
	sub.mu.Lock()
	streams := sub.streams
	var live []droppedFeed
	for _, d := range streams {
		if d.feedID != 0 && !d.removed {
			live = append(live, droppedFeed{d.feedID, d.feedMid})
		}
		d.removed = true
	}
	sub.streams = nil
	sub.peer = nil
	sub.dc = nil // closed with its PeerConnection: the next one makes its own
	sub.answered, sub.pendingOffer, sub.inactive = false, false, nil
	sub.mu.Unlock()
	sub.paused.Store(true) // until the next "start", as Janus 1.1.2
	for _, d := range streams {
		if ps := d.src.Swap(nil); ps != nil {
			ps.detach(d)
		}
	}
	return live
}

// peerErr is the error a subscriber request gets when the handle's
// PeerConnection cannot be had (core's "too many PeerConnections (limit
// N)" among them), without the Go package prefix, as the core words its
// own 490.
func peerErr(err error) *vrError {
	return newErr(errUnknown, "Error preparing the subscription: %s", core.ErrorReason(err))
}

// leave ends the subscription.
func (sub *subscriber) leave() {
	sub.mu.Lock()
	if sub.left {
		sub.mu.Unlock()
		return
	}
	sub.left = true
	sub.mu.Unlock()
	sub.hangup()
	r := sub.room
	r.mu.Lock()
	delete(r.subscribers, sub)
	r.mu.Unlock()
}

// query is handle_info.plugin_specific of a subscriber.
func (sub *subscriber) query() map[string]any {
	streams := sub.summaries()
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return map[string]any{
		"type": "subscriber", "room": sub.room.id, "private_id": sub.privateID,
		"answered": sub.answered, "pending_offer": sub.pendingOffer,
		"pending_restart": false, "paused": sub.paused.Load(), "streams": streams,
	}
}
