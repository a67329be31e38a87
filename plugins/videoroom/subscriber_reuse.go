package videoroom

import (
	"slices"

	"github.com/pion/sdp/v3"

	"github.com/argusrtc/argus/core/pluginkit/mediakit"
)

// freeSlots lists, by slotKey, the audio and video m-lines of the
// subscription that a new stream can take over, lowest mindex first: as
// in Janus 1.1.2, which reuses the first m-line left without a stream of
// the same type and codec, a subscription that swaps streams keeps its
// offer from growing.
// An m-line is free once its stream was removed and the client answered
// an offer where it was inactive: until then pion still counts it as
// sending and cannot give it a new track. What counts is the answer the
// client's "start" carried, recorded after the core applied it (pion
// publishes a remote description before it updates the transceivers, so
// reading pion's could see an m-line free too early), and only while no
// later offer is outstanding. Callers hold negMu; answered and inactive
// change only on the session's worker, so admit and add see the same
// slots.
func (sub *subscriber) freeSlots() map[string][]*subStream {
	sub.mu.Lock()
	inactive := sub.inactive
	if sub.peer == nil || !sub.answered || len(inactive) == 0 {
		sub.mu.Unlock()
		return nil
	}
	var removed []*subStream
	for _, d := range sub.streams {
		if d.removed && d.transceiver != nil {
			removed = append(removed, d)
		}
	}
	slices.SortFunc(removed, func(a, b *subStream) int { return a.mindex - b.mindex })
	sub.mu.Unlock()
	free := map[string][]*subStream{}
	for _, d := range removed {
		t := d.transceiver
		if t.Sender() == nil && inactive[t.Mid()] {
			key := d.slotKey()
			free[key] = append(free[key], d)
		}
	}
	return free
}

// slots is freeSlots plus the audio and video streams an update leaves
// (dropping), by slotKey, lowest mindex first: Janus 1.1.2 handles an
// update's unsubscriptions before its subscriptions, and a new stream
// takes over the first m-line without a stream of its kind and codec,
// one just left included. A stream just left still has its sender (the
// client has not answered its removal, so pion would not give the
// m-line a new one): the new stream takes over the stream itself
// (takeOver), as a switch does. Callers hold negMu.
func (sub *subscriber) slots(dropping map[*subStream]bool) map[string][]*subStream {
	free := sub.freeSlots()
	if free == nil {
		free = map[string][]*subStream{}
	}
	sub.mu.Lock()
	for d := range dropping {
		// Never in freeSlots: its sender is still there.
		if d.kind != "data" && d.transceiver != nil {
			key := d.slotKey()
			free[key] = append(free[key], d)
		}
	}
	for _, ds := range free {
		slices.SortFunc(ds, func(a, b *subStream) int { return a.mindex - b.mindex })
	}
	sub.mu.Unlock()
	return free
}

// slotKey is what a free m-line and a new stream must share: the kind and
// the codec (its name, as a publisher stream's codecName).
func slotKey(kind, codec string) string { return kind + "/" + codec }

// slotKey is the slot a stream of ps takes.
func (ps *pubStream) slotKey() string { return slotKey(ps.kind, ps.codecName) }

// slotKey is the slot d's m-line is, once free.
func (d *subStream) slotKey() string { return slotKey(d.kind, mediakit.CodecName(d.codec.MimeType)) }

// inactiveMids returns the mids of an SDP's inactive audio and video
// m-lines. A rejected m-line (port 0; Firefox also marks it inactive) is
// left out: under JSEP its mid is dead, and a stream of the same codec
// would be rejected again.
func inactiveMids(raw string) map[string]bool {
	d := &sdp.SessionDescription{}
	if d.UnmarshalString(raw) != nil {
		return nil
	}
	out := map[string]bool{}
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media == "application" || m.MediaName.Port.Value == 0 {
			continue
		}
		mid, _ := m.Attribute("mid")
		if _, inactive := m.Attribute("inactive"); inactive {
			out[mid] = true
		}
	}
	return out
}
