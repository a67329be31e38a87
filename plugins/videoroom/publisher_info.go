package videoroom

import (
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// isPublishing reports whether an offer of this publisher was answered.
func (p *publisher) isPublishing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.publishing
}

// isPublished reports whether the publisher's PeerConnection is up.
func (p *publisher) isPublished() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.published
}

func (p *publisher) displayName() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.display
}

func (p *publisher) currentMedia() *pubMedia {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.media
}

// attendee is {id, display?}.
func (p *publisher) attendee() map[string]any {
	a := map[string]any{"id": p.id}
	if d := p.displayName(); d != "" {
		a["display"] = d
	}
	return a
}

// streamByMid returns the publisher's stream with mid.
func (p *publisher) streamByMid(mid string) *pubStream {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ps := range p.streams {
		if ps.mid == mid {
			return ps
		}
	}
	return nil
}

// holds reports whether ps is one of the streams the publisher publishes.
func (p *publisher) holds(ps *pubStream) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.publishing && slices.Contains(p.streams, ps)
}

// activeStreams returns the streams that carry media or data.
func (p *publisher) activeStreams() []*pubStream {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(p.streams), func(ps *pubStream) bool { return ps.disabled })
}

// codecs returns the first audio and video codec published.
func (p *publisher) codecs() (audio, video string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ps := range p.streams {
		switch {
		case ps.kind == "audio" && audio == "" && !ps.disabled:
			audio = ps.codecName
		case ps.kind == "video" && video == "" && !ps.disabled:
			video = ps.codecName
		}
	}
	return audio, video
}

// streamShape selects what a publisher stream object carries, as in Janus
// 1.1.2: "fec" in answers and lists, "talking" only in listings (the
// "joined" answer's publisher list, handle_info), neither in events.
type streamShape int

const (
	shapeAnswer  streamShape = iota // configured answer, "publishers" notification: fec
	shapeListing                    // joined list, handle_info: fec and talking
	shapeEvent                      // event handlers' published/updated: neither
)

// streamObjects describes the published streams (6.4 "streams") in shape.
func (p *publisher) streamObjects(shape streamShape) []any {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]any, 0, len(p.streams))
	for _, ps := range p.streams {
		out = append(out, ps.object(shape))
	}
	return out
}

// talkingState is the publisher's "talking" (any audio stream talking)
// and whether it has one: an audio stream whose audio levels are read.
func (p *publisher) talkingState() (talking, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ps := range p.streams {
		if !ps.disabled && ps.levelsRead() {
			ok = true
			talking = talking || ps.talking.Load()
		}
	}
	return talking, ok
}

// publisherObject is the entry of "publishers" lists; ok is false when
// the participant is not publishing. With talking (the "joined" answer's
// list), it and its audio streams carry "talking" as in Janus 1.1.2;
// the "publishers" notification carries none.
func (p *publisher) publisherObject(talking bool) (map[string]any, bool) {
	p.mu.Lock()
	up := p.published
	display := p.display
	p.mu.Unlock()
	if !up {
		return nil, false
	}
	shape := shapeAnswer
	if talking {
		shape = shapeListing
	}
	obj := map[string]any{"id": p.id, "streams": p.streamObjects(shape)}
	if display != "" {
		obj["display"] = display
	}
	ac, vc := p.codecs()
	if ac != "" {
		obj["audio_codec"] = ac
	}
	if vc != "" {
		obj["video_codec"] = vc
	}
	if t, ok := p.talkingState(); talking && ok {
		obj["talking"] = t
	}
	return obj, true
}

// object is one stream of a publisher in shape; an Opus stream offered
// with in-band FEC says "fec", an audio stream whose levels are read
// "talking" (where the shape has them).
func (ps *pubStream) object(shape streamShape) map[string]any {
	o := map[string]any{"type": ps.kind, "mindex": ps.mindex, "mid": ps.mid}
	if ps.disabled {
		o["disabled"] = true
	}
	if ps.description != "" {
		o["description"] = ps.description
	}
	if ps.codecName != "" {
		o["codec"] = ps.codecName
	}
	if ps.fec && shape != shapeEvent {
		o["fec"] = true
	}
	if ps.kind == "video" && ps.muted.Load() {
		o["moderated"] = true
	}
	if ps.simulcast.Load() {
		o["simulcast"] = true
	}
	if shape == shapeListing && ps.levelsRead() {
		o["talking"] = ps.talking.Load()
	}
	return o
}

// levelsRead reports whether ps is an audio stream whose audio levels are
// read (the extension negotiated, audiolevel_event on): it has "talking".
func (ps *pubStream) levelsRead() bool {
	return ps.kind == "audio" && ps.levelExt != 0 && ps.level.on
}

// offersFEC reports whether media description md's fmtp for payload
// type pt sets useinbandfec=1 (Opus in-band FEC, RFC 7587 section 6.1).
func offersFEC(md *sdp.MediaDescription, pt pion.PayloadType) bool {
	prefix := strconv.Itoa(int(pt)) + " "
	for _, a := range md.Attributes {
		params, ok := strings.CutPrefix(a.Value, prefix)
		if a.Key != "fmtp" || !ok {
			continue
		}
		for _, kv := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			if strings.EqualFold(k, "useinbandfec") && v == "1" {
				return true
			}
		}
	}
	return false
}

// query is handle_info.plugin_specific of a publisher.
func (p *publisher) query() map[string]any {
	p.mu.Lock()
	q := map[string]any{"type": "publisher", "room": p.room.id, "id": p.id, "private_id": p.privateID, "bitrate": p.bitrate}
	if p.display != "" {
		q["display"] = p.display
	}
	streams := make([]any, 0, len(p.streams))
	for _, ps := range p.streams {
		o := ps.object(shapeListing)
		o["subscribers"] = ps.subscriberCount()
		streams = append(streams, o)
	}
	p.mu.Unlock()
	q["streams"] = streams
	return q
}

// dataStream returns the publisher's data stream, if any.
func (p *publisher) dataStream() *pubStream {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ps := range p.streams {
		if ps.kind == "data" && !ps.disabled {
			return ps
		}
	}
	return nil
}

// emitEvent emits a type 64 event about this participant with its
// handle's ids and, when it has one, its display name (Janus leaves the
// display out of most of them; correlating by name is easier with it).
func (p *publisher) emitEvent(data telemetry.VideoRoomData) {
	if data.Display == "" {
		data.Display = p.displayName()
	}
	p.s.p.emit(p.s.h, data)
}

// event is the VideoRoomData of an event about this publisher.
func (p *publisher) event(name string) telemetry.VideoRoomData {
	return telemetry.VideoRoomData{Event: name, Room: telemetry.NumberID(p.room.id), ID: telemetry.NumberID(p.id)}
}

// streamsEvent is event with the publisher's streams.
func (p *publisher) streamsEvent(name string) telemetry.VideoRoomData {
	ev := p.event(name)
	ev.Streams = eventStreams(p.streamObjects(shapeEvent))
	return ev
}
