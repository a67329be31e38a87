package testpeer

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// Media is what the send loop generates.
type Media struct {
	AudioPPS  int // Opus packets per second (0: none)
	AudioSize int // Opus payload bytes (default 80)
	VideoFPS  int // VP8 frames per second (0: none)
	// VideoPerFrame packets per frame (default 1), the last with the marker bit.
	VideoPerFrame int
	VideoSize     int // VP8 payload bytes (default 511, at least 12)
	// DeltaFrames: only the first frame (and one per PLI/FIR with
	// Config.AnswerPLI) is a key frame; otherwise every frame is.
	DeltaFrames bool
	// Tag, if not 0, is the last payload byte of every packet (see
	// Peer.SetTag).
	Tag byte
	// SeqBase is the sequence number before the first packet of each kind.
	SeqBase uint16
	// LossEvery drops (never sends) each packet whose sequence number is
	// a multiple of it; 0: none.
	LossEvery int
	// LossPercent drops that share of packets at random from Seed.
	LossPercent float64
	Seed        uint64
	// DataText is sent on the data channel every DataEvery video frames
	// while it is open.
	DataText  string
	DataEvery int
}

// Browser20ms is one 80-byte Opus packet and one 511-byte VP8 key frame
// packet every 20 ms, the media of the functional tests.
func Browser20ms() Media { return Media{AudioPPS: 50, VideoFPS: 50} }

func (m Media) withDefaults() Media {
	if m.AudioSize <= 0 {
		m.AudioSize = 80
	}
	if m.VideoSize < 12 {
		m.VideoSize = 511
	}
	if m.VideoPerFrame <= 0 {
		m.VideoPerFrame = 1
	}
	if m.DataEvery <= 0 {
		m.DataEvery = 5
	}
	return m
}

// VP8 payloads: the payload descriptor (S bit, partition 0), then a key
// frame header (P bit clear, start code, 640x480) or a delta frame header
// (P bit set).
var (
	vp8Key   = [...]byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01} //nolint:gochecknoglobals // constant bytes
	vp8Delta = [...]byte{0x10, 0x11, 0x02, 0x00}                                           //nolint:gochecknoglobals // constant bytes
)

// Start runs Send in a goroutine owned by the Peer until StopSending or Close.
func (p *Peer) Start(m Media) {
	p.spawnSender(func() { p.Send(p.sendCtx, m) })
}

// Send writes generated RTP until ctx (or the Peer's send loop) ends:
// one audio packet per audio tick, one frame of VideoPerFrame packets per
// video tick.
func (p *Peer) Send(ctx context.Context, m Media) {
	m = m.withDefaults()
	var audioC, videoC <-chan time.Time
	if m.AudioPPS > 0 && p.Audio != nil {
		t := time.NewTicker(time.Second / time.Duration(m.AudioPPS))
		defer t.Stop()
		audioC = t.C
	}
	if m.VideoFPS > 0 && p.Video != nil {
		t := time.NewTicker(time.Second / time.Duration(m.VideoFPS))
		defer t.Stop()
		videoC = t.C
	}
	g := newGenerator(p, m)
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.sendCtx.Done():
			return
		case <-audioC:
			g.audio()
		case <-videoC:
			g.videoFrame()
		}
	}
}

// generator builds and writes the packets of one send loop.
type generator struct {
	p                *Peer
	m                Media
	rnd              *rand.Rand
	audioPayload     []byte
	key, delta, cont []byte
	aSeq, vSeq       uint16
	t0               time.Time // the RTP clocks' zero
	levelID          uint8
	frames           int
}

// rtpTime is the RTP timestamp, at clock rate hz, of a packet sent now.
// The timestamps follow the send time, not the ticks the send loop meant
// to keep: on a loaded machine the loop runs late, and timestamps counted
// in ideal steps would show that lateness as jitter at the receiver. A
// real sender's capture clock is steady, but its packets then leave as
// late as ours, so ideal steps would blame the network for the test
// machine. Stamped from the send time, the jitter the gateway measures is
// the path's (the link, and the gateway's own scheduling).
func (g *generator) rtpTime(hz int64) uint32 {
	return uint32(int64(time.Since(g.t0)/time.Microsecond) * hz / 1e6) //nolint:gosec // RTP timestamps wrap
}

func newGenerator(p *Peer, m Media) *generator {
	g := &generator{p: p, m: m, aSeq: m.SeqBase, vSeq: m.SeqBase, t0: time.Now(),
		audioPayload: make([]byte, m.AudioSize),
		key:          make([]byte, m.VideoSize), delta: make([]byte, m.VideoSize), cont: make([]byte, m.VideoSize),
	}
	copy(g.key, vp8Key[:])
	copy(g.delta, vp8Delta[:])
	if m.LossPercent > 0 {
		g.rnd = rand.New(rand.NewPCG(m.Seed, m.Seed^0x9e3779b97f4a7c15)) //nolint:gosec // seeded loss, not security
	}
	if m.Tag != 0 {
		p.SetTag(m.Tag)
	}
	if p.cfg.AudioLevel && p.AudioSender != nil {
		for _, x := range p.AudioSender.GetParameters().HeaderExtensions {
			if x.URI == sdp.AudioLevelURI {
				g.levelID = uint8(x.ID)
			}
		}
	}
	return g
}

// lost tells whether the packet with seq is dropped on purpose.
func (g *generator) lost(seq uint16) bool {
	if g.m.LossEvery > 0 && int(seq)%g.m.LossEvery == 0 {
		return true
	}
	return g.rnd != nil && g.rnd.Float64()*100 < g.m.LossPercent
}

func (g *generator) audio() {
	g.aSeq++
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: g.aSeq, Timestamp: g.rtpTime(48000)}, Payload: g.audioPayload}
	if g.levelID != 0 {
		level := byte(127)
		if g.p.Loud.Load() {
			level = 10
		}
		_ = pkt.SetExtension(g.levelID, []byte{level})
	}
	g.p.write(audioIdx, g.p.Audio, pkt, g.lost(g.aSeq))
}

func (g *generator) videoFrame() {
	first := g.key
	if g.m.DeltaFrames && g.frames > 0 && !g.p.keyframe.CompareAndSwap(true, false) {
		first = g.delta
	} else if g.frames > 0 && g.m.DeltaFrames {
		g.p.RTCP.KeyFrames.Add(1)
	}
	g.frames++
	ts := g.rtpTime(90000)
	for i := range g.m.VideoPerFrame {
		g.vSeq++
		payload := g.cont
		if i == 0 {
			payload = first
		}
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: i == g.m.VideoPerFrame-1, SequenceNumber: g.vSeq, Timestamp: ts}, Payload: payload}
		g.p.write(videoIdx, g.p.Video, pkt, g.lost(g.vSeq))
	}
	if g.m.DataText != "" && g.frames%g.m.DataEvery == 1%g.m.DataEvery && g.p.DC != nil && g.p.DC.ReadyState() == pion.DataChannelStateOpen {
		_ = g.p.DC.SendText(g.m.DataText)
	}
}

// write tags pkt, keeps it in the history and sends it unless lost.
func (p *Peer) write(idx int, tr *pion.TrackLocalStaticRTP, pkt *rtp.Packet, lost bool) {
	if t := byte(p.tag.Load()); t != 0 {
		pkt.Payload[len(pkt.Payload)-1] = t // the buffers are rewritten per packet: pion copies on write
	}
	if h := p.hist[idx]; h != nil {
		h.put(pkt)
	}
	if lost {
		p.sent[idx].Dropped.Add(1)
		return
	}
	n := len(pkt.Payload)
	if err := tr.WriteRTP(pkt); err != nil {
		p.sent[idx].Errors.Add(1)
		return
	}
	p.sent[idx].add(n)
}

// readRTCP counts the gateway's RTCP for one sender and answers NACK,
// PLI and FIR.
func (p *Peer) readRTCP(sender *pion.RTPSender, tr *pion.TrackLocalStaticRTP, idx int) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pk := range pkts {
			switch pk := pk.(type) {
			case *rtcp.PictureLossIndication:
				p.RTCP.PLIs.Add(1)
				p.requestKeyFrame(idx)
			case *rtcp.FullIntraRequest:
				p.RTCP.FIRs.Add(1)
				p.requestKeyFrame(idx)
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				p.RTCP.REMB.Store(uint64(pk.Bitrate))
			case *rtcp.TransportLayerNack:
				p.RTCP.NACKs.Add(1)
				p.answerNACK(idx, tr, pk)
			}
		}
	}
}

func (p *Peer) requestKeyFrame(idx int) {
	if idx == videoIdx && p.cfg.AnswerPLI {
		p.keyframe.Store(true)
	}
}

func (p *Peer) answerNACK(idx int, tr *pion.TrackLocalStaticRTP, n *rtcp.TransportLayerNack) {
	h := p.hist[idx]
	for _, pair := range n.Nacks {
		for _, seq := range pair.PacketList() {
			p.RTCP.NACKed.Add(1)
			if h == nil {
				continue
			}
			if pkt, ok := h.get(seq); ok {
				if tr.WriteRTP(pkt) == nil {
					p.RTCP.Retransmitted.Add(1)
				}
			}
		}
	}
}

// history keeps the last n packets of one kind by sequence number.
type history struct {
	mu   sync.Mutex
	pkts []histEntry
}

type histEntry struct {
	ok      bool
	header  rtp.Header
	payload []byte
}

func newHistory(n int) *history { return &history{pkts: make([]histEntry, n)} }

func (h *history) put(pkt *rtp.Packet) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := &h.pkts[int(pkt.SequenceNumber)%len(h.pkts)]
	e.ok = true
	e.header = pkt.Header.Clone()
	e.payload = append(e.payload[:0], pkt.Payload...)
}

// get returns a copy of the packet with seq, if still kept.
func (h *history) get(seq uint16) (*rtp.Packet, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := &h.pkts[int(seq)%len(h.pkts)]
	if !e.ok || e.header.SequenceNumber != seq {
		return nil, false
	}
	return &rtp.Packet{Header: e.header.Clone(), Payload: append([]byte(nil), e.payload...)}, true
}

// Track is what arrived on one received m-line.
type Track struct {
	kind       atomic.Value // string: "audio" or "video"
	SSRC       atomic.Uint32
	Packets    atomic.Int64
	Bytes      atomic.Int64
	LastMarker atomic.Int32 // last payload byte of the last packet (-1 before any)
	KeyFrames  atomic.Int64 // VP8 packets starting a key frame

	lastSeq atomic.Uint32

	mu   sync.Mutex
	seqs map[uint16]int
}

// Kind is "audio" or "video" ("" before the track arrived).
func (t *Track) Kind() string { k, _ := t.kind.Load().(string); return k }

// Seen returns how often seq arrived (Config.TrackSeqs) and the last
// sequence number.
func (t *Track) Seen(seq uint16) (int, uint16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seqs[seq], uint16(t.lastSeq.Load())
}

// Track returns (creating) the stats of the m-line mid; nil past 64 m-lines.
func (p *Peer) Track(mid string) *Track {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tracks[mid]
	if t == nil {
		if len(p.tracks) >= maxTracks {
			return nil
		}
		t = &Track{seqs: map[uint16]int{}}
		t.LastMarker.Store(-1)
		p.tracks[mid] = t
	}
	return t
}

// Tracks returns the stats of every received m-line by mid.
func (p *Peer) Tracks() map[string]*Track {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]*Track, len(p.tracks))
	for k, v := range p.tracks {
		out[k] = v
	}
	return out
}

// onTrack counts a remote track's RTP and drains its receiver's RTCP
// (so interceptors see the gateway's sender reports).
func (p *Peer) onTrack(remote *pion.TrackRemote, recv *pion.RTPReceiver) {
	mid := ""
	for _, t := range p.PC.GetTransceivers() {
		if t.Receiver() == recv {
			mid = t.Mid()
		}
	}
	tr := p.Track(mid)
	if tr == nil {
		tr = &Track{seqs: map[uint16]int{}} // counted per kind only
	}
	tr.kind.Store(remote.Kind().String())
	tr.SSRC.Store(uint32(remote.SSRC()))
	cnt := &p.recv[kindIdx(remote.Kind().String())]
	p.spawn(func() { p.readRTP(remote, tr, cnt) })
	// A simulcast layer's RTCP is read by its RID: ReadRTCP reads the
	// receiver's first track, which may be a layer whose stream pion has
	// not set up yet (a nil reader there: a panic in pion v4.2.26).
	readRTCP := recv.ReadRTCP
	if rid := remote.RID(); rid != "" {
		readRTCP = func() ([]rtcp.Packet, interceptor.Attributes, error) { return recv.ReadSimulcastRTCP(rid) }
	}
	p.spawn(func() {
		for {
			if _, _, err := readRTCP(); err != nil {
				return
			}
		}
	})
}

func (p *Peer) readRTP(remote *pion.TrackRemote, tr *Track, cnt *Counter) {
	buf := make([]byte, 1600)
	var pkt rtp.Packet
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil || len(pkt.Payload) == 0 {
			continue // not RTP, or padding only
		}
		cnt.add(len(pkt.Payload))
		tr.Packets.Add(1)
		tr.Bytes.Add(int64(len(pkt.Payload)))
		last := pkt.Payload[len(pkt.Payload)-1]
		tr.LastMarker.Store(int32(last))
		if t := p.counted.Load(); t != 0 && byte(t) == last {
			p.tagged[kindIdx(tr.Kind())].add(len(pkt.Payload))
		}
		if IsVP8KeyFrame(pkt.Payload) {
			tr.KeyFrames.Add(1)
		}
		if p.cfg.TrackSeqs {
			tr.mu.Lock()
			tr.seqs[pkt.SequenceNumber]++
			tr.mu.Unlock()
		}
		tr.lastSeq.Store(uint32(pkt.SequenceNumber))
	}
}

// IsVP8KeyFrame tells whether a VP8 RTP payload starts a key frame: the
// payload descriptor's S bit set, partition 0, and the frame header's P
// bit clear.
func IsVP8KeyFrame(payload []byte) bool {
	if len(payload) < 2 || payload[0]&0x10 == 0 || payload[0]&0x07 != 0 {
		return false
	}
	i := 1
	if payload[0]&0x80 != 0 { // X: extension bytes follow
		x := payload[1]
		i = 2
		if x&0x80 != 0 { // I: picture id
			if len(payload) > i && payload[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K
			i++
		}
	}
	return len(payload) > i && payload[i]&0x01 == 0
}

// SetTag makes b the last payload byte of every packet sent from now on
// (0: payloads untouched); a receiver counts them apart with CountTagged.
func (p *Peer) SetTag(b byte) { p.tag.Store(uint32(b)) }

// CountTagged starts counting, per kind, the received packets whose last
// payload byte is b (Tagged).
func (p *Peer) CountTagged(b byte) { p.counted.Store(uint32(b)) }

// Tagged is what arrived on a kind's tracks with the CountTagged byte.
func (p *Peer) Tagged(kind string) *Counter { return &p.tagged[kindIdx(kind)] }
