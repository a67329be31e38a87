package videoroom

import (
	"strconv"
	"sync/atomic"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/pluginkit/mediakit"
)

// The a=msid of a subscriber's audio and video m-lines is Janus 1.1.2's
// (janus_videoroom.c builds the offer, the core's sdp.c completes it):
//
//   - without "use_msid": true (the default), "a=msid:janus janus<mid>"
//     on every m-line that sends: one stream, "janus", for the whole
//     subscription;
//   - with it, "a=msid:<publisher id> <mid>": the stream id names the
//     publisher the m-line was made for, or the one whose stream last
//     took it over (a new subscription on a free m-line, or on one the
//     same update left). A switch changes the m-line's source only: its
//     msid keeps naming the publisher it had, in Janus as here, so the
//     next offer (an ICE restart, another subscription) still names it;
//   - an inactive m-line has none (pion writes none without a sender).
//
// Janus reads "use_msid" with json_is_true: only a JSON true turns it
// on, any other value turns it off without an error.

// msidDefault is the stream id, and the track id's prefix, of Janus's
// a=msid when the plugin names none.
const msidDefault = "janus"

// msidTrack is a subscriber m-line's track as pion sees it: the stream's
// mediakit.SendTrack (which the forwarding path writes to) with the
// stream and track ids of the a=msid the m-line's offers carry. pion
// reads them through the TrackLocal interface whenever it writes an
// offer (sdp.go; also its negotiation-needed check, on its own
// goroutine), so they are atomics.
type msidTrack struct {
	*mediakit.SendTrack
	// t is the m-line's transceiver, whose mid the track id carries
	// (pion names a new m-line's mid when it makes the offer).
	t   atomic.Pointer[pion.RTPTransceiver]
	ids atomic.Pointer[msidIDs]
}

// msidIDs is an a=msid's stream id and its track id's prefix (the mid
// follows it).
type msidIDs struct{ stream, track string }

// newMSIDTrack wraps st, naming feed's publisher when useMSID is set.
func newMSIDTrack(st *mediakit.SendTrack, useMSID bool, feed uint64) *msidTrack {
	m := &msidTrack{SendTrack: st}
	m.name(useMSID, feed)
	return m
}

// name makes the m-line's next offers name feed's publisher (useMSID),
// or Janus's default.
func (m *msidTrack) name(useMSID bool, feed uint64) {
	ids := &msidIDs{stream: msidDefault, track: msidDefault}
	if useMSID {
		ids = &msidIDs{stream: strconv.FormatUint(feed, 10)}
	}
	m.ids.Store(ids)
}

// on records the m-line (transceiver) the track sends on.
func (m *msidTrack) on(t *pion.RTPTransceiver) { m.t.Store(t) }

// StreamID implements pion.TrackLocal: the a=msid stream id (pion also
// writes it as the SSRC's cname).
func (m *msidTrack) StreamID() string { return m.ids.Load().stream }

// ID implements pion.TrackLocal: the a=msid track id, the m-line's mid
// (after "janus" by default). Before the m-line has a mid (never so in an
// offer), the SendTrack's own id.
func (m *msidTrack) ID() string {
	t := m.t.Load()
	if t == nil || t.Mid() == "" {
		return m.SendTrack.ID()
	}
	return m.ids.Load().track + t.Mid()
}

var _ pion.TrackLocal = (*msidTrack)(nil)
