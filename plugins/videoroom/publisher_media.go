package videoroom

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/core/pluginkit/mediakit"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
)

// Media constants.
const (
	// maxRTPPacket is the read buffer; MTU-sized packets fit.
	maxRTPPacket = 1500
	// pliGap is the minimum time between two keyframe requests relayed
	// from subscribers to one publisher stream; a request within it is
	// held back and sent when it ends.
	pliGap = time.Second
	// forcedPLIGap is the minimum time between a stream's last PLI and a
	// forced one (a subscriber's switch, substream or send change, an
	// unmute, the publisher's own keyframe request, fir_freq): one within
	// it is held back and sent when it ends, like a request within pliGap.
	// It bounds a client repeating such requests at 5 PLIs a second per
	// stream; a layer or feed switch still gets its keyframe within 200 ms.
	forcedPLIGap = 200 * time.Millisecond
	// rembGap is the minimum time between two REMBs relayed to a publisher.
	rembGap = 200 * time.Millisecond
	// capPeriod is how often the bitrate cap is re-sent when no subscriber
	// sends its own estimate.
	capPeriod = time.Second
)

// pubMedia is the media state of one publisher PeerConnection.
type pubMedia struct {
	p    *publisher
	peer *webrtc.Peer
	pc   *pion.PeerConnection
	done chan struct{}
	once sync.Once

	lastREMB atomic.Int64  // Plugin.mono of the last relayed subscriber REMB (0: none)
	minREMB  atomic.Uint64 // lowest subscriber estimate since then (0: none)
}

// pubStream is one m-line of a publisher; subscribers' streams attach to it.
type pubStream struct {
	pub         *publisher
	mid         string
	mindex      int
	kind        string // audio, video, data
	codecName   string
	codec       pion.RTPCodecParameters
	description string
	disabled    bool
	levelExt    uint8 // audio level header extension id, 0 if not negotiated
	fec         bool  // the offer enables Opus in-band FEC (useinbandfec=1): "fec"

	level audioLevel // touched only by the forwarding goroutine

	simulcast atomic.Bool
	muted     atomic.Bool      // moderated by the room's owner
	off       atomic.Bool      // the publisher said send:false
	talking   atomic.Bool      // last audio level verdict
	ssrcs     [3]atomic.Uint32 // per simulcast layer (0 without simulcast)
	top       atomic.Int32     // highest layer seen
	lastPLI   atomic.Int64     // Plugin.mono of the last PLI (0: none)
	heldPLI   atomic.Int64     // Plugin.mono a held-back request is due (0: none)
	heldForce atomic.Int64     // the same for a held-back forced request

	ridMu sync.Mutex
	rids  map[string]int

	destMu sync.Mutex                   // serializes updates of dests
	dests  atomic.Pointer[[]*subStream] // read per packet, copy on write
}

func newPubMedia(p *publisher, peer *webrtc.Peer) *pubMedia {
	m := &pubMedia{p: p, peer: peer, pc: peer.PeerConnection(), done: make(chan struct{})}
	m.pc.OnTrack(m.onTrack)
	m.pc.OnDataChannel(func(dc *pion.DataChannel) {
		// Every message goes to the subscribers of the data stream.
		dc.OnMessage(func(msg pion.DataChannelMessage) {
			ps := m.p.dataStream()
			if ps == nil || ps.muted.Load() || ps.off.Load() {
				return
			}
			for _, d := range *ps.dests.Load() {
				d.relayData(ps, msg)
			}
		})
	})
	lastFIR := time.Now()
	p.s.ks.Every(capPeriod, m.done, peer.Done(), func(now time.Time) { m.tick(now, &lastFIR) })
	return m
}

// Stop ends the media goroutine; pion ends the readers when the PC closes.
func (m *pubMedia) Stop() { m.once.Do(func() { close(m.done) }) }

// PeerOf is the PeerConnection the state belongs to (mediakit.Media).
func (m *pubMedia) PeerOf() *webrtc.Peer { return m.peer }

// prepare picks one codec per offered audio/video m-line (the room's
// preference order) and rebuilds the publisher's stream list.
func (m *pubMedia) prepare(descs []params) error {
	rd := m.pc.RemoteDescription()
	if rd == nil {
		return errClosedPeer
	}
	parsed := &sdp.SessionDescription{}
	if err := parsed.UnmarshalString(rd.SDP); err != nil {
		return err
	}
	dirs := m.peer.RemoteDirections()
	o := m.p.room.options()
	described := map[string]string{}
	for _, d := range descs {
		mid, _, _ := d.str("mid", false)
		text, _, _ := d.str("description", false)
		described[mid] = text
	}
	m.p.mu.Lock()
	old := map[string]*pubStream{}
	for _, ps := range m.p.streams {
		old[ps.mid] = ps
	}
	m.p.mu.Unlock()
	// A pubStream's kind, codec and disabled flag never change once
	// subscribers may see it: a renegotiation that changes them makes a
	// new stream. mindex and description change under p.mu.
	type placed struct {
		ps          *pubStream
		mindex      int
		description string
		described   bool
	}
	var streams []placed
	for i, md := range parsed.MediaDescriptions {
		mid, _ := md.Attribute("mid")
		if mid == "" {
			mid = strconv.Itoa(i)
		}
		kind := kindName(md.MediaName.Media)
		d, described := described[mid]
		next := &pubStream{pub: m.p, mid: mid, kind: kind, rids: map[string]int{}}
		switch {
		case kind == "data":
		case kind != "audio" && kind != "video":
			continue
		default:
			t := m.transceiver(mid)
			dir := dirs[mid]
			prefs := o.codecs(kind)
			codec, ok := pion.RTPCodecParameters{}, false
			if t != nil && (dir == "sendonly" || dir == "sendrecv") {
				codec, ok = pickCodec(t.Receiver().GetParameters().Codecs, prefs)
			}
			if !ok {
				next.disabled = true
				break
			}
			if err := t.SetCodecPreferences(mediakit.WithRTX(t.Receiver().GetParameters().Codecs, codec)); err != nil {
				return err
			}
			next.codec = codec
			next.codecName = mediakit.CodecName(codec.MimeType)
			next.fec = next.codecName == "opus" && offersFEC(md, codec.PayloadType)
			if kind == "audio" && o.AudioLevelEvent {
				for _, x := range t.Receiver().GetParameters().HeaderExtensions {
					if x.URI == sdp.AudioLevelURI {
						next.levelExt = uint8(x.ID)
					}
				}
				next.level = audioLevel{on: true, activePackets: o.AudioActivePackets, avg: o.AudioLevelAverage}
			}
		}
		ps := next
		if prev := old[mid]; prev != nil && prev.kind == next.kind && prev.disabled == next.disabled &&
			prev.codecName == next.codecName && prev.levelExt == next.levelExt {
			ps = prev
		} else {
			empty := []*subStream{}
			ps.dests.Store(&empty)
		}
		streams = append(streams, placed{ps, i, d, described})
	}
	list := make([]*pubStream, 0, len(streams))
	m.p.mu.Lock()
	for _, x := range streams {
		x.ps.mindex = x.mindex
		if x.described {
			x.ps.description = x.description
		}
		list = append(list, x.ps)
	}
	m.p.streams = list
	m.p.mu.Unlock()
	// Streams the renegotiation dropped (or changed) lose their subscribers.
	kept := map[*pubStream]bool{}
	for _, ps := range list {
		kept[ps] = true
	}
	var dropped []*pubStream
	for _, ps := range old {
		if !kept[ps] {
			dropped = append(dropped, ps)
		}
	}
	dropSubscribers(dropped)
	return nil
}

// transceiver returns the transceiver of mid.
func (m *pubMedia) transceiver(mid string) *pion.RTPTransceiver {
	for _, t := range m.pc.GetTransceivers() {
		if t.Mid() == mid {
			return t
		}
	}
	return nil
}

// onTrack forwards one remote track (one simulcast layer) to subscribers.
func (m *pubMedia) onTrack(remote *pion.TrackRemote, receiver *pion.RTPReceiver) {
	mid := mediakit.ReceiverMid(m.pc, receiver)
	ps := m.p.streamByMid(mid)
	if ps == nil {
		buf := make([]byte, maxRTPPacket)
		for { // unknown m-line: keep pion's interceptors fed
			if _, _, err := remote.Read(buf); err != nil {
				return
			}
		}
	}
	layer := ps.layerOf(remote.RID())
	ps.ssrcs[layer].Store(uint32(remote.SSRC()))
	for {
		top := ps.top.Load()
		if int32(layer) <= top || ps.top.CompareAndSwap(top, int32(layer)) {
			break
		}
	}
	if ps.kind == "video" {
		// The new track's own first keyframe, at once: a simulcast
		// publisher's layers arrive within milliseconds of each other,
		// and none is a client's request to bound or count.
		m.firstKeyframe(ps, uint32(remote.SSRC()))
	}
	ps.forward(remote, layer)
}

// layerOf maps a RID to a simulcast layer (0 lowest … 2 highest).
func (ps *pubStream) layerOf(rid string) int {
	if rid == "" {
		return 0
	}
	ps.simulcast.Store(true)
	ps.ridMu.Lock()
	defer ps.ridMu.Unlock()
	if l, ok := ps.rids[rid]; ok {
		return l
	}
	l := len(ps.rids)
	switch strings.ToLower(rid) {
	case "h", "f", "hi", "high", "2":
		l = 2
	case "m", "mid", "1":
		l = 1
	case "l", "q", "lo", "low", "0":
		l = 0
	}
	l = min(l, 2)
	ps.rids[rid] = l
	return l
}

// fanoutDropped is the event (Argus's own, Janus has no fan-out queues)
// that reports n packets of layer dropped by full fan-out queues. It is
// emitted at most once per second per stream while drops wait to be
// reported, and once when the stream ends (fanout.onDrops).
func (ps *pubStream) fanoutDropped(layer int, n uint64) telemetry.VideoRoomData {
	ps.pub.s.log.Debug("videoroom: fan-out queues full", "mid", ps.mid, "layer", layer, "dropped", n)
	d := ps.pub.event("fanout-dropped")
	d.Mid, d.Dropped = ps.mid, &n
	return d
}

// forward reads RTP and hands each packet to the attached subscriber
// streams: inline for a few, through the shards of a fanout for many
// (fanout.go). Nothing is allocated per packet once the buffers are
// reused.
func (ps *pubStream) forward(remote *pion.TrackRemote, layer int) {
	var pkt rtp.Packet
	var vp8 vp8Parser
	fo := newFanout(ps)
	histIdle := false         // fo.hist was emptied since the last subscriber left
	var checked *[]*subStream // the dests last asked whether they need fo.hist
	fo.onDrops = func(n uint64) { ps.pub.emitEvent(ps.fanoutDropped(layer, n)) }
	defer func() {
		fo.stop()
		if fo.hist != nil {
			fo.hist.close()
		}
		if n := fo.drops; n > 0 {
			ps.pub.s.log.Warn("videoroom: fan-out queues full, packets dropped", "mid", ps.mid, "layer", layer, "drops", n)
		}
	}()
	for {
		fp := fo.get()
		n, _, err := remote.Read(fp.buf[:])
		if err != nil {
			fo.keep(fp)
			return
		}
		if ps.muted.Load() || ps.off.Load() {
			fo.keep(fp)
			continue
		}
		dests := ps.dests.Load()
		if fo.hist == nil && dests != checked {
			checked = dests
			fo.hist = historyFor(ps.codec, *dests)
		}
		if len(*dests) == 0 && fo.hist != nil && !histIdle {
			fo.hist.close() // nobody can NACK what it keeps
			histIdle = true
		}
		if len(*dests) == 0 && ps.levelExt == 0 || pkt.Unmarshal(fp.buf[:n]) != nil {
			fo.keep(fp)
			continue
		}
		if ps.levelExt != 0 {
			ps.noteLevel(&pkt)
		}
		ti := noTemporal
		if fo.vp8 {
			ti = vp8.parse(pkt.Payload)
		}
		var sent sentRef
		if fo.hist != nil && len(*dests) > 0 {
			sent, histIdle = fo.hist.add(fp.buf[:n], *dests), false
		}
		if !fo.sharded(len(*dests)) {
			for _, d := range *dests {
				d.write(ps, layer, ti, &pkt, sent)
			}
			fo.keep(fp)
			continue
		}
		fp.n, fp.layer, fp.ti, fp.dests, fp.sent = n, layer, ti, dests, sent
		fo.send(fp)
	}
}

// keyframe sends a PLI for ps (every video stream when nil): at most one
// per pliGap per stream, or per forcedPLIGap when force. A request that
// comes within its gap is not dropped: one PLI goes out when the gap ends
// and serves every request held back meanwhile (the rule of Janus's
// need_pli, which Janus applies to remote publishers; it relays a local
// publisher's requests unthrottled, Argus bounds them all). A
// subscriber that starts, or whose PLI comes, just after another's still
// gets its keyframe within the gap, and a room whose subscribers start
// together (hundreds, at a webinar's start) asks its publisher for one
// keyframe per gap. A forced request waits at most forcedPLIGap, and a
// forced PLI serves the requests held for pliGap too.
func (m *pubMedia) keyframe(ps *pubStream, force bool) {
	var streams []*pubStream
	if ps != nil {
		streams = []*pubStream{ps}
	} else {
		streams = m.p.activeStreams()
	}
	now := m.p.s.p.mono()
	var pkts []rtcp.Packet
	for _, s := range streams {
		if s.kind != "video" {
			continue
		}
		gap, held := int64(pliGap), &s.heldPLI
		if force {
			gap, held = int64(forcedPLIGap), &s.heldForce
		}
		last := s.lastPLI.Load()
		if last != 0 && now-last < gap {
			if !m.holdKeyframe(s, held, last+gap, force) && force {
				m.p.s.p.refused(LimitForcedKeyframes, 1) // served by the one held
			}
			continue
		}
		if !s.lastPLI.CompareAndSwap(last, now) {
			continue // a concurrent request sent it
		}
		// This PLI serves the requests held back.
		s.heldPLI.Store(0)
		s.heldForce.Store(0)
		for i := range s.ssrcs {
			if ssrc := s.ssrcs[i].Load(); ssrc != 0 {
				pkts = append(pkts, &rtcp.PictureLossIndication{MediaSSRC: ssrc})
			}
		}
	}
	if len(pkts) > 0 {
		_ = m.pc.WriteRTCP(pkts)
	}
}

// firstKeyframe sends a PLI for a new track's ssrc of ps at once, past
// the gaps; the requests held meanwhile still get theirs when their gap
// ends.
func (m *pubMedia) firstKeyframe(ps *pubStream, ssrc uint32) {
	ps.lastPLI.Store(m.p.s.p.mono())
	_ = m.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
}

// forceKeyframes is keyframe(ps, true) once for each stream of streams:
// a request naming a stream more than once asks once (the repeats are
// counted).
func forceKeyframes(p *Plugin, streams []*pubStream) {
	asked := make(map[*pubStream]bool, len(streams))
	for _, ps := range streams {
		if asked[ps] {
			p.refused(LimitForcedKeyframes, 1)
			continue
		}
		asked[ps] = true
		if m := ps.pub.currentMedia(); m != nil {
			m.keyframe(ps, true)
		}
	}
}

// holdKeyframe makes sure a PLI for s goes out when the gap after the last
// one ends (at, on Plugin.mono): the first request held in slot (heldPLI,
// or heldForce for forced ones) starts one goroutine of the session's
// group that waits for it and reports true; later ones join it. A PLI
// sent meanwhile (a forced one, or one whose gap ended) serves them and
// the waiter sends nothing.
func (m *pubMedia) holdKeyframe(s *pubStream, slot *atomic.Int64, at int64, force bool) bool {
	if !slot.CompareAndSwap(0, at) {
		return false // one is held already: it serves this request
	}
	started := m.p.s.ks.Go(func(ctx context.Context) {
		t := time.NewTimer(time.Duration(at - m.p.s.p.mono()))
		defer t.Stop()
		due := false
		select {
		case <-t.C:
			due = true
		case <-ctx.Done():
		case <-m.done:
		case <-m.peer.Done():
		}
		// Cleared either way, so that the stream can hold a request again.
		// A PLI that went out since cleared it: it served this request.
		if slot.CompareAndSwap(at, 0) && due {
			m.keyframe(s, force)
		}
	})
	if !started {
		slot.CompareAndSwap(at, 0)
	}
	return started
}

// bitrateCap is the lowest non-zero of the room and publisher bitrates.
func (m *pubMedia) bitrateCap() uint64 {
	c := m.p.room.options().Bitrate
	m.p.mu.Lock()
	b := m.p.bitrate
	m.p.mu.Unlock()
	if b > 0 && (c == 0 || b < c) {
		c = b
	}
	return c
}

// relayREMB folds a subscriber's estimate into the lowest seen since the
// last relay and, at most once per rembGap, sends that minimum, capped,
// to the publisher: the slowest subscriber sets the pace.
func (m *pubMedia) relayREMB(bps uint64) {
	for {
		cur := m.minREMB.Load()
		if cur != 0 && cur <= bps || m.minREMB.CompareAndSwap(cur, bps) {
			break
		}
	}
	now := m.p.s.p.mono()
	last := m.lastREMB.Load()
	if last != 0 && now-last < int64(rembGap) || !m.lastREMB.CompareAndSwap(last, now) {
		return
	}
	bps = m.minREMB.Swap(0)
	if bps == 0 {
		return
	}
	if c := m.bitrateCap(); c > 0 && bps > c {
		bps = c
	}
	m.sendREMB(bps)
}

// sendCap sends the bitrate cap alone.
func (m *pubMedia) sendCap() {
	if c := m.bitrateCap(); c > 0 {
		m.sendREMB(c)
	}
}

func (m *pubMedia) sendREMB(bps uint64) {
	var ssrcs []uint32
	for _, s := range m.p.activeStreams() {
		if s.kind != "video" {
			continue
		}
		for i := range s.ssrcs {
			if ssrc := s.ssrcs[i].Load(); ssrc != 0 {
				ssrcs = append(ssrcs, ssrc)
			}
		}
	}
	_ = mediakit.WriteREMB(m.pc, bps, ssrcs)
}

// tick re-sends the bitrate cap when subscribers are silent and asks for
// a keyframe every fir_freq seconds (Janus's fir_freq); it runs every
// capPeriod while the media lives. lastFIR is the tick goroutine's own.
func (m *pubMedia) tick(now time.Time, lastFIR *time.Time) {
	if last := m.lastREMB.Load(); last == 0 || m.p.s.p.mono()-last > int64(2*capPeriod) {
		m.sendCap()
	}
	if f := m.p.room.options().FirFreq; f > 0 && now.Sub(*lastFIR) >= time.Duration(f)*time.Second {
		*lastFIR = now
		m.keyframe(nil, true)
	}
}
