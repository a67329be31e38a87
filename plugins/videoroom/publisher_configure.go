package videoroom

import (
	"context"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

// configure applies publish/configure settings and answers an offer.
func (p *publisher) configure(ctx context.Context, req params, jsep *core.JSEP, joining bool) (map[string]any, *core.JSEP, *vrError) {
	bitrate, hasBitrate, e := req.uint("bitrate", false)
	if e != nil {
		return nil, nil, e
	}
	lim := p.s.p.limits()
	display, hasDisplay, e := req.str("display", false)
	if e == nil {
		e = checkLen("display", display, lim.MaxMetadataLength)
	}
	if e != nil {
		return nil, nil, e
	}
	descs, _, e := req.objects("descriptions", false)
	if e != nil {
		return nil, nil, e
	}
	for _, d := range descs {
		if text, ok, _ := d.str("description", false); ok && len(text) > lim.MaxDescriptionLength {
			return nil, nil, tooLong("description", lim.MaxDescriptionLength)
		}
	}
	if rec, _, e := req.boolean("record", false); e != nil {
		return nil, nil, e
	} else if rec {
		return nil, nil, newErr(errInvalidElement, "Recording is not supported by Argus")
	}
	for _, k := range []string{"audio", "video", "data", "keyframe"} {
		if _, _, e := req.boolean(k, false); e != nil {
			return nil, nil, e
		}
	}
	sends, e := parseStreamSends(req)
	if e != nil {
		return nil, nil, e
	}
	var answer *core.JSEP
	renegotiated := false
	if jsep != nil {
		renegotiated = p.isPublished()
		if jsep.Type != "offer" {
			return nil, nil, newErr(errInvalidSDPType, "Unknown SDP type '%s'", jsep.Type)
		}
		if !p.isPublishing() && p.room.publishedCount() >= p.room.options().Publishers {
			return nil, nil, newErr(errPublishersFull, "Maximum number of publishers (%d) already reached", p.room.options().Publishers)
		}
		sdp, err := p.answer(ctx, descs)
		if err != nil {
			p.s.log.Warn("videoroom: answering the publisher's offer failed", "error", err)
			return nil, nil, newErr(errInvalidSDP, "Error parsing offer: %s", err.Error())
		}
		answer = &core.JSEP{Type: "answer", SDP: sdp}
	}
	p.mu.Lock()
	if hasBitrate {
		p.bitrate = bitrate
	}
	changed := hasDisplay && display != p.display
	if hasDisplay {
		p.display = display
	}
	br := p.bitrate
	media := p.media
	p.mu.Unlock()
	var keyframes []*pubStream
	for _, x := range sends {
		ps := p.streamByMid(x.mid)
		if ps == nil {
			continue // Janus ignores unknown mids here
		}
		if x.send != nil {
			was := !ps.off.Swap(!*x.send)
			if *x.send && !was {
				keyframes = append(keyframes, ps)
			}
		}
		if x.keyframe {
			keyframes = append(keyframes, ps)
		}
	}
	// One request per stream, however often the request names its mid; a
	// "keyframe": true asks for every stream at once.
	if all, _, _ := req.boolean("keyframe", false); all && media != nil {
		media.keyframe(nil, true)
	} else if media != nil {
		forceKeyframes(p.s.p, keyframes)
	}
	if hasBitrate && media != nil {
		media.sendCap()
	}
	if br == 0 {
		br = p.room.options().Bitrate // Janus starts a publisher at the room's bitrate
	}
	// The event before the room hears of the new display name: another
	// participant may act on that notice (kick this one) at once.
	ev := p.event("configured")
	ev.Bitrate = telemetry.Ptr(br)
	p.emitEvent(ev)
	if changed && !joining {
		note := map[string]any{"videoroom": "event", "id": p.id, "display": display}
		for _, x := range p.room.others(p) {
			x.s.push("", note, nil)
		}
	}
	if renegotiated {
		p.announceUpdate()
	}
	data := map[string]any{"videoroom": "event", "room": p.room.id, "configured": "ok"}
	if jsep == nil {
		// Janus 1.1.2 describes the media only in the answer to an offer.
		return data, answer, nil
	}
	ac, vc := p.codecs()
	if ac != "" {
		data["audio_codec"] = ac
	}
	if vc != "" {
		data["video_codec"] = vc
	}
	if streams := p.streamObjects(shapeAnswer); len(streams) > 0 {
		data["streams"] = streams
	}
	return data, answer, nil
}

// answer prepares the publisher's media for the offer applied to its Peer
// and returns the SDP answer.
func (p *publisher) answer(ctx context.Context, descs []params) (string, error) {
	peer, err := p.s.h.Peer()
	if err != nil {
		return "", err
	}
	m := p.mediaFor(peer)
	if err := m.prepare(descs); err != nil {
		return "", err
	}
	actx, cancel := context.WithTimeout(ctx, negotiationTimeout)
	defer cancel()
	sdp, err := peer.CreateAnswer(actx)
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	p.publishing = true
	p.mu.Unlock()
	return sdp, nil
}

// streamSend is one entry of a publisher configure's "streams".
type streamSend struct {
	mid      string
	send     *bool
	keyframe bool
}

// parseStreamSends reads configure's [{mid, send?, keyframe?}].
func parseStreamSends(req params) ([]streamSend, *vrError) {
	objs, _, e := req.objects("streams", false)
	if e != nil {
		return nil, e
	}
	out := make([]streamSend, 0, len(objs))
	for _, o := range objs {
		mid, _, e := o.str("mid", true)
		if e != nil {
			return nil, e
		}
		x := streamSend{mid: mid}
		if v, ok, e := o.boolean("send", false); e != nil {
			return nil, e
		} else if ok {
			x.send = &v
		}
		if x.keyframe, _, e = o.boolean("keyframe", false); e != nil {
			return nil, e
		}
		out = append(out, x)
	}
	return out, nil
}
