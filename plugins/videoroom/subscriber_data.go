package videoroom

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// dataLabel is the label of the data channel Argus opens to subscribers,
// the one janus.js uses.
const dataLabel = "JanusDataChannel"

// addData subscribes to a publisher's data: the subscriber's one data
// channel (created with its first data subscription, so the next offer
// has an application m-line) carries every subscribed publisher's
// messages. A data stream left before (unsubscribed, or left by the same
// update) is taken over rather than a new one listed, so that data
// subscriptions that come and go do not grow the subscription's list
// (Janus 1.1.2 reuses its data stream without a source alike). Callers
// hold negMu.
func (sub *subscriber) addData(pc *pion.PeerConnection, ref feedRef, lost map[*subStream]*pubStream) error {
	sub.mu.Lock()
	dc := sub.dc
	var left *subStream
	if i := slices.IndexFunc(sub.streams, func(d *subStream) bool { return d.kind == "data" && d.removed }); i >= 0 && dc != nil {
		left = sub.streams[i]
	}
	sub.mu.Unlock()
	if left != nil {
		sub.takeOver(left, ref, lost)
		return nil
	}
	if dc == nil {
		var err error
		if dc, err = pc.CreateDataChannel(dataLabel, nil); err != nil {
			return fmt.Errorf("data channel: %w", err)
		}
		sub.mu.Lock()
		sub.dc = dc
		sub.mu.Unlock()
	}
	d := &subStream{sub: sub, kind: "data"}
	d.send.Store(true)
	d.feedID, d.feedMid, d.feedDisplay = ref.pub.id, ref.ps.mid, ref.pub.displayName()
	d.src.Store(ref.ps)
	sub.mu.Lock()
	d.mindex = len(sub.streams)
	d.mid = strconv.Itoa(d.mindex) // until the offer names it
	sub.streams = append(sub.streams, d)
	sub.mu.Unlock()
	sub.attach(d, ref.ps, lost)
	return nil
}

// relayData sends one publisher data channel message to the subscriber.
// It runs in the publisher's SCTP receive callback, once per subscriber:
// it never waits for the subscriber (pion queues the send), and it drops
// the message when the subscriber's channel already buffers
// webrtc.MaxDataChannelBuffered bytes (the SCTP send queue has no bound of
// its own: a peer that stops reading would make it grow with every
// message), counted by the engine as EchoTest's echo is.
func (d *subStream) relayData(ps *pubStream, msg pion.DataChannelMessage) {
	if d.src.Load() != ps || !d.send.Load() || d.sub.paused.Load() {
		return
	}
	d.sub.mu.Lock()
	dc, peer := d.sub.dc, d.sub.peer
	d.sub.mu.Unlock()
	if dc == nil || peer == nil || dc.ReadyState() != pion.DataChannelStateOpen || peer.DataChannelFull(dc) {
		return
	}
	if msg.IsString {
		_ = dc.SendText(string(msg.Data))
		return
	}
	_ = dc.Send(msg.Data)
}

// mlines lists the mids of an SDP's m-lines in order, and the mid of its
// application m-line ("" without one).
func mlines(raw string) (mids []string, dataMid string) {
	d := &sdp.SessionDescription{}
	if d.UnmarshalString(raw) != nil {
		return nil, ""
	}
	for _, m := range d.MediaDescriptions {
		mid, _ := m.Attribute("mid")
		mids = append(mids, mid)
		if m.MediaName.Media == "application" && dataMid == "" {
			dataMid = mid
		}
	}
	return mids, dataMid
}
