package videoroom

import (
	"sync"
	"sync/atomic"

	"github.com/argusrtc/argus/core/pluginkit/mediakit"
	"github.com/argusrtc/argus/core/webrtc"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// Timestamp steps added when a subscriber stream changes source, so the
// receiver's jitter buffer sees time move forward (20 ms of audio, one
// frame of 30 fps video).
const (
	audioTSStep = 960
	videoTSStep = 3000
)

// rtpWriter is where a subscriber stream writes: a mediakit.SendTrack,
// which sets the sender's SSRC and payload type for the write.
type rtpWriter interface {
	WriteRTP(p *rtp.Packet) error
}

// subStream is one m-line of a subscriber's PeerConnection: a local track
// fed by one publisher stream (its source), with the subscriber's own
// SSRC (pion's sender), payload type, sequence numbers and timestamps, so
// a switch to another source needs no renegotiation.
type subStream struct {
	sub         *subscriber
	kind        string
	codec       pion.RTPCodecParameters
	track       rtpWriter
	msid        *msidTrack // the track as pion sees it, with its a=msid (msid.go); nil for data
	transceiver *pion.RTPTransceiver
	sender      *pion.RTPSender
	shard       uint32 // picks the fan-out shard writing to it (fanout.go)

	src      atomic.Pointer[pubStream] // nil once the feed went away
	send     atomic.Bool               // "send" of configure
	target   atomic.Int32              // simulcast substream wanted (0-2)
	temporal atomic.Int32              // VP8 temporal layer wanted (0-2)
	// nackWindow is how old a packet the subscriber's NACK responder may
	// ask for (ns; 0: it asks for none), which the publisher's history
	// keeps (history.go).
	nackWindow atomic.Int64

	// Guarded by subscriber.mu.
	mid                  string
	mindex               int
	removed              bool
	offered              bool // an offer carried this m-line
	ready                bool // the client answered an offer with this m-line ("ready")
	feedID               uint64
	feedMid, feedDisplay string

	// Rewriting state, touched by the forwarding goroutine(s).
	rw        sync.Mutex
	lastSrc   *pubStream
	lastLayer int
	started   bool
	seqOff    uint16
	tsOff     uint32
	lastSeq   uint16
	lastTS    uint32
	tCur      int8 // temporal layer forwarded, once tKnown
	tKnown    bool
	tNoticed  chan struct{} // closed when the last temporal notice was pushed (temporal.go)
	log       *sentLog      // what was sent, for NACKs (history.go); nil until a kept packet is sent
}

// write forwards one packet of layer from ps if ps is this stream's
// source and its temporal layer ti is wanted, rewriting sequence number
// and timestamp; the lock only covers the arithmetic, never the write.
// pkt must be owned by the caller's goroutine (pubStream.forward's reused
// packet); sent names it in the publisher's history (history.go), so a
// NACK for it is answered from there.
func (d *subStream) write(ps *pubStream, layer int, ti temporalInfo, pkt *rtp.Packet, sent sentRef) {
	d.deliver(ps, layer, ti, pkt, sent, true)
}

// rewrite is write without the write: it decides whether pkt goes to the
// subscriber, moves the rewriting state past it and records it in the
// sent log. A fan-out shard calls it for a packet its full queue lost
// (fanout.go), so the subscriber's NACK for it is answered with the
// packet it would have got had it waited in the queue.
func (d *subStream) rewrite(ps *pubStream, layer int, ti temporalInfo, pkt *rtp.Packet, sent sentRef) {
	d.deliver(ps, layer, ti, pkt, sent, false)
}

// deliver is write, and rewrite when send is false; both are inlined
// into one call of it, as write was one call.
func (d *subStream) deliver(ps *pubStream, layer int, ti temporalInfo, pkt *rtp.Packet, sent sentRef, send bool) {
	if d.src.Load() != ps || !d.send.Load() || d.sub.paused.Load() {
		return
	}
	if layer != d.effectiveLayer(ps) {
		return
	}
	d.rw.Lock()
	// Again under rw: a switch or takeover (setSource) may have come since,
	// and the new source's first packets gone out; this one would land
	// after them. Under rw, the source and the state it is rewritten with
	// change together.
	if d.src.Load() != ps {
		d.rw.Unlock()
		return
	}
	pass, reached := d.temporalPass(ps, layer, ti, pkt.SequenceNumber)
	var prev, done chan struct{}
	if reached >= 0 {
		prev, done = d.temporalTurn()
	}
	if !pass {
		d.rw.Unlock()
		if reached >= 0 {
			d.notifyTemporal(reached, prev, done)
		}
		return
	}
	if !d.started || ps != d.lastSrc || layer != d.lastLayer {
		if d.started {
			step := uint32(audioTSStep)
			if d.kind == "video" {
				step = videoTSStep
			}
			d.seqOff = d.lastSeq + 1 - pkt.SequenceNumber
			d.tsOff = d.lastTS + step - pkt.Timestamp
		}
		d.lastSrc, d.lastLayer, d.started = ps, layer, true
		d.lastSeq = pkt.SequenceNumber + d.seqOff - 1
	}
	seq := pkt.SequenceNumber + d.seqOff
	ts := pkt.Timestamp + d.tsOff
	if int16(seq-d.lastSeq) > 0 {
		d.lastSeq, d.lastTS = seq, ts
	}
	if d.log != nil || sent.h != nil {
		if d.log == nil {
			d.log = new(sentLog)
		}
		d.log.record(seq, sent, d.tsOff)
	}
	d.rw.Unlock()
	if reached >= 0 {
		d.notifyTemporal(reached, prev, done)
	}
	if !send {
		return
	}
	// pkt belongs to the calling forwarding goroutine: rewrite in place
	// (the track sets SSRC and payload type the same way) and restore, so
	// nothing is copied or allocated. The
	// publisher's header extension ids mean nothing to the subscriber.
	origSeq, origTS := pkt.SequenceNumber, pkt.Timestamp
	pkt.SequenceNumber, pkt.Timestamp = seq, ts
	pkt.Extension, pkt.Extensions = false, pkt.Extensions[:0]
	_ = d.track.WriteRTP(pkt)
	pkt.SequenceNumber, pkt.Timestamp = origSeq, origTS
}

// setSource makes ps the stream's source and returns the one before. The
// temporal layer forwarded is forgotten with it, under rw, so that the
// new source starts at the target on its first packet with a layer, as a
// new stream does (the old source's layer says nothing of the new one's
// frames).
func (d *subStream) setSource(ps *pubStream) *pubStream {
	d.rw.Lock()
	defer d.rw.Unlock()
	d.tKnown = false
	return d.src.Swap(ps)
}

// effectiveLayer is the simulcast layer forwarded: the target, or the
// highest the publisher sends below it.
func (d *subStream) effectiveLayer(ps *pubStream) int {
	return int(min(d.target.Load(), ps.top.Load()))
}

// readRTCP relays the subscriber's feedback: PLI/FIR become a (rate
// limited) PLI to the source, REMB a capped REMB to the publisher. NACKs
// are answered by core/webrtc's NACK responder from its time-bounded history.
func (d *subStream) readRTCP() {
	fb := webrtc.NewFeedbackReader(d.sender) // no buffer or re-parse per packet
	for {
		pkts, err := fb.Read()
		if err != nil {
			return
		}
		src := d.src.Load()
		if src == nil {
			continue
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if m := src.pub.currentMedia(); m != nil {
					m.keyframe(src, false)
				}
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				if m := src.pub.currentMedia(); m != nil {
					m.relayREMB(uint64(p.Bitrate))
				}
			}
		}
	}
}

// summary is the subscription stream object (janus-reference.md 6.5);
// callers hold sub.mu.
func (d *subStream) summary() map[string]any {
	src := d.src.Load()
	o := map[string]any{
		"type": d.kind, "active": !d.removed && src != nil, "mindex": d.mindex, "mid": d.mid,
		"ready": d.ready, "send": d.send.Load(),
	}
	if !d.removed && d.feedID != 0 {
		o["feed_id"] = d.feedID
		o["feed_mid"] = d.feedMid
		if d.feedDisplay != "" {
			o["feed_display"] = d.feedDisplay
		}
		if d.kind == "data" {
			o["sources"] = 1
			o["source_ids"] = []uint64{d.feedID}
		} else {
			o["codec"] = mediakit.CodecName(d.codec.MimeType)
		}
	}
	if src != nil && src.simulcast.Load() {
		d.rw.Lock()
		cur := int8(-1)
		if d.tKnown {
			cur = d.tCur
		}
		d.rw.Unlock()
		o["simulcast"] = map[string]any{"substream": d.target.Load(), "substream-target": d.target.Load(), "temporal-layer": cur, "temporal-layer-target": d.temporal.Load()}
	}
	return o
}
