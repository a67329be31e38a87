package echotest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/core/pluginkit/mediakit"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/webrtc"
)

// Data channel and REMB constants (janus-reference.md 5).
const (
	textPrefix = "Janus EchoTest here! You wrote: "
	// rembPeriod is how often the bitrate cap is re-sent to the client.
	rembPeriod = time.Second
	// rembUncapped is sent when bitrate is set to 0, as Janus does.
	rembUncapped = 10_000_000
	// maxRTPPacket is the read buffer; MTU-sized packets fit.
	maxRTPPacket = 1500
)

// echoMedia is the echo state of one PeerConnection.
type echoMedia struct {
	s    *session
	peer *webrtc.Peer
	pc   *pion.PeerConnection
	done chan struct{}
	once sync.Once
	remb sync.Once // startREMB

	mu     sync.Mutex
	local  map[string]*echoTrack // by mid, kept once made
	kinds  map[string]string     // by mid
	remote map[string]uint32     // by mid: the SSRC we echo
	sims   map[string]*simulcast // by mid: simulcast video m-lines
}

// echoTrack holds the local track an m-line is echoed on, nil while the
// m-line is not echoed (not offered sendrecv, or its sender released by
// the core when the client offered it inactive or sendonly). The readers
// of the m-line's remote tracks load it for every packet: a client that
// goes on sending while its m-line is sendonly keeps its remote track
// (pion fires no new OnTrack), so the reader that ran all along must find
// the track attached when the m-line is offered sendrecv again.
type echoTrack struct {
	atomic.Pointer[mediakit.SendTrack]
	// codec is the name of the last track's codec, for Query (kept while
	// the m-line is not echoed, as it was before the core released
	// senders); guarded by echoMedia.mu.
	codec string
}

// trackLocked is mid's echoTrack, made on first use; callers hold m.mu.
func (m *echoMedia) trackLocked(mid string) *echoTrack {
	tr := m.local[mid]
	if tr == nil {
		tr = &echoTrack{}
		m.local[mid] = tr
	}
	return tr
}

// mediaFor returns the echo state of peer, creating it (and its handlers)
// the first time this PeerConnection is seen.
func (s *session) mediaFor(peer *webrtc.Peer) *echoMedia {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media = mediakit.ForPeer(s.media, peer, func() *echoMedia { return s.newMedia(peer) })
	return s.media
}

// newMedia builds the echo state of peer with its handlers, and its REMB
// loop when a bitrate cap is already set.
func (s *session) newMedia(peer *webrtc.Peer) *echoMedia {
	m := &echoMedia{
		s: s, peer: peer, pc: peer.PeerConnection(), done: make(chan struct{}),
		local: map[string]*echoTrack{}, kinds: map[string]string{},
		remote: map[string]uint32{}, sims: map[string]*simulcast{},
	}
	m.pc.OnTrack(m.onTrack)
	m.pc.OnDataChannel(m.onDataChannel)
	if s.bitrate.Load() > 0 {
		m.startREMB()
	}
	return m
}

// startREMB starts, once, the loop that re-sends the bitrate cap while
// one is set; it ends with the media. It starts with the first cap, not
// with the media: most sessions never set one, and an idle goroutine per
// session costs its stack.
func (m *echoMedia) startREMB() {
	m.remb.Do(func() {
		m.s.ks.Every(rembPeriod, m.done, m.peer.Done(), func(time.Time) {
			if m.s.bitrate.Load() > 0 {
				m.sendREMB()
			}
		})
	})
}

// Stop ends the REMB goroutine, if any; pion ends the readers when the PC
// closes.
func (m *echoMedia) Stop() { m.once.Do(func() { close(m.done) }) }

// PeerOf is the PeerConnection the state belongs to (mediakit.Media).
func (m *echoMedia) PeerOf() *webrtc.Peer { return m.peer }

// answer prepares a local track per echoable m-line and answers the offer
// that the core already applied to the Peer. An m-line that was inactive
// or sendonly in an earlier offer lost its sender there (core/webrtc
// releases it), so it gets a new track here when the client offers it
// sendrecv again.
func (s *session) answer(ctx context.Context) (string, error) {
	peer, err := s.h.Peer()
	if err != nil {
		return "", err
	}
	m := s.mediaFor(peer)
	dirs := peer.RemoteDirections()
	s.mu.Lock()
	prefs := map[pion.RTPCodecType]string{pion.RTPCodecTypeAudio: s.audioCodec, pion.RTPCodecTypeVideo: s.videoCodec}
	s.mu.Unlock()
	for _, t := range m.pc.GetTransceivers() {
		kind := t.Kind()
		if (kind != pion.RTPCodecTypeAudio && kind != pion.RTPCodecTypeVideo) || t.Sender() != nil {
			continue
		}
		if d := dirs[t.Mid()]; d != "sendrecv" {
			m.unecho(t.Mid(), d == "sendonly")
			continue // nothing to echo back on this m-line
		}
		if err := m.addEcho(t, prefs[kind]); err != nil {
			return "", err
		}
	}
	actx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	return peer.CreateAnswer(actx)
}

// addEcho attaches a local track of the negotiated codec to a transceiver.
func (m *echoMedia) addEcho(t *pion.RTPTransceiver, pref string) error {
	codec, ok := pickCodec(t.Receiver().GetParameters().Codecs, pref)
	if !ok {
		return errNoCodec
	}
	// Answer with this one codec (and its RTX) so that what the client
	// sends is exactly what the local track is bound to.
	if err := t.SetCodecPreferences(mediakit.WithRTX(t.Receiver().GetParameters().Codecs, codec)); err != nil {
		return err
	}
	kind := t.Kind().String()
	track, err := mediakit.NewSendTrack(codec.RTPCodecCapability, kind, "janus-echotest-"+t.Mid())
	if err != nil {
		return err
	}
	sender, err := m.peer.AttachTrack(t, track)
	if err != nil {
		return err
	}
	m.mu.Lock()
	tr := m.trackLocked(t.Mid())
	tr.Store(track)
	tr.codec = mediakit.CodecName(codec.MimeType)
	m.kinds[t.Mid()] = kind
	m.mu.Unlock()
	m.s.ks.Go(func(context.Context) { m.readRTCP(t.Mid(), sender) }) // ends when the sender or the PC does
	if t.Kind() == pion.RTPCodecTypeVideo {
		// A reader that went on while the m-line was sendonly starts
		// the new track with a key frame (no PLI before its first packet).
		m.requestKeyframe(t.Mid())
	}
	return nil
}

// unecho forgets the echo track of mid, an m-line the client offered
// without sendrecv and that has no sender (the core released it, or it
// never had one): its readers echo nothing until addEcho attaches a new
// track. When the client does not send there either (inactive, recvonly),
// the m-line's simulcast layer state and echoed SSRC go too: pion stops
// the receiver of an m-line whose tracks the offer no longer lists, which
// ends its readers, and the first packets after the m-line is back start
// afresh (new SSRCs, maybe another codec, for which the layer state is
// made anew). While the client still sends (sendonly) they stay: the
// readers that go on use them (layer selection; PLIs and REMB).
func (m *echoMedia) unecho(mid string, sending bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if tr := m.local[mid]; tr != nil {
		tr.Store(nil)
	}
	if !sending {
		delete(m.sims, mid)
		delete(m.remote, mid)
	}
}

// pickCodec chooses the preferred codec by name ("vp9", "opus") or the
// first real (non-RTX) codec negotiated.
func pickCodec(codecs []pion.RTPCodecParameters, pref string) (pion.RTPCodecParameters, bool) {
	var first *pion.RTPCodecParameters
	for i, c := range codecs {
		if strings.EqualFold(c.MimeType, pion.MimeTypeRTX) {
			continue
		}
		if first == nil {
			first = &codecs[i]
		}
		if pref != "" && strings.EqualFold(mediakit.CodecName(c.MimeType), pref) {
			return c, true
		}
	}
	if first == nil {
		return pion.RTPCodecParameters{}, false
	}
	return *first, true
}

// onTrack echoes one remote track on the local track of its m-line; a
// simulcast layer goes through the m-line's layer selection.
func (m *echoMedia) onTrack(remote *pion.TrackRemote, receiver *pion.RTPReceiver) {
	mid := mediakit.ReceiverMid(m.pc, receiver)
	video := remote.Kind() == pion.RTPCodecTypeVideo
	m.mu.Lock()
	local := m.trackLocked(mid)
	if _, ok := m.remote[mid]; !ok || remote.RID() == "" {
		m.remote[mid] = uint32(remote.SSRC())
	}
	var sim *simulcast
	if rid := remote.RID(); rid != "" && video {
		sim = m.sims[mid]
		if sim == nil {
			// The echo's codec is the one received (addEcho answers
			// with that one only).
			sim = newSimulcast(mediakit.CodecName(remote.Codec().MimeType) == "vp8")
			m.sims[mid] = sim
		}
	}
	m.mu.Unlock()
	if sim != nil {
		var rids []string
		for _, tr := range receiver.Tracks() {
			rids = append(rids, tr.RID())
		}
		sim.setOrder(rids)
		m.echoLayer(mid, remote, local, sim, sim.layerOf(remote.RID(), uint32(remote.SSRC())))
		return
	}
	active := &m.s.audioActive
	if video {
		active = &m.s.videoActive
		m.requestKeyframe(mid)
	}
	var out *mediakit.SendTrack // the echo track, loaded per packet
	readRTP(remote, func() bool { out = local.Load(); return out != nil && active.Load() }, func(pkt *rtp.Packet) bool {
		return writeRTP(out, pkt)
	})
}

// readRTP reads remote until it ends. It parses each packet that want
// says is wanted into one reused packet (local.Write(raw) would parse
// into a zeroed pooled packet and allocate its extensions on every
// packet) and hands it to echo, stopping when echo returns false.
func readRTP(remote *pion.TrackRemote, want func() bool, echo func(*rtp.Packet) bool) {
	buf := make([]byte, maxRTPPacket)
	var pkt rtp.Packet
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		if !want() || pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		if !echo(&pkt) {
			return
		}
	}
}

// writeRTP writes pkt to local, false once the PeerConnection is closed.
func writeRTP(local *mediakit.SendTrack, pkt *rtp.Packet) bool {
	err := local.WriteRTP(pkt)
	return err == nil || !errors.Is(err, pion.ErrConnectionClosed)
}

// echoLayer reads one simulcast layer and echoes the packets the layer
// selection lets through, rewritten; it pushes the "substream" and
// "temporal" events when a requested layer is reached.
func (m *echoMedia) echoLayer(mid string, remote *pion.TrackRemote, local *echoTrack, sim *simulcast, layer int) {
	m.requestKeyframe(mid)
	var out *mediakit.SendTrack // the echo track, loaded per packet
	readRTP(remote, func() bool { out = local.Load(); return out != nil && m.s.videoActive.Load() }, func(pkt *rtp.Packet) bool {
		substream, temporal := m.s.layers()
		v := sim.accept(layer, pkt, substream, temporal, time.Now())
		if v.pli != 0 {
			_ = m.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: v.pli}})
		}
		if v.substream >= 0 {
			m.s.pushLayer(mediakit.CodecName(out.Codec().MimeType), "substream", v.substream)
		}
		if v.temporalNow >= 0 {
			m.s.pushLayer(mediakit.CodecName(out.Codec().MimeType), "temporal", v.temporalNow)
		}
		if !v.forward {
			return true
		}
		// Header extensions stay, as on the plain echo: the ids are this
		// PeerConnection's own (mid and rid let a client demux the echo).
		pkt.SequenceNumber, pkt.Timestamp = v.seq, v.ts
		return writeRTP(out, pkt)
	})
}

// readRTCP drains a sender's RTCP; a PLI or FIR from the client becomes a
// PLI towards the client's own stream on that m-line.
func (m *echoMedia) readRTCP(mid string, sender *pion.RTPSender) {
	fb := webrtc.NewFeedbackReader(sender) // no buffer or re-parse per packet
	for {
		pkts, err := fb.Read()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				m.requestKeyframe(mid)
			}
		}
	}
}

// requestKeyframe sends a PLI for the stream of mid, or of every video
// m-line when mid is "".
func (m *echoMedia) requestKeyframe(mid string) {
	substream, _ := m.s.layers()
	m.mu.Lock()
	var pkts []rtcp.Packet
	for k, ssrc := range m.remote {
		if sim := m.sims[k]; sim != nil {
			ssrc = sim.targetSSRC(substream)
		}
		if (mid == "" || k == mid) && m.kindOf(k) == "video" && ssrc != 0 {
			pkts = append(pkts, &rtcp.PictureLossIndication{MediaSSRC: ssrc})
		}
	}
	m.mu.Unlock()
	if len(pkts) > 0 {
		_ = m.pc.WriteRTCP(pkts)
	}
}

// kindOf is the kind of a mid; callers hold m.mu.
func (m *echoMedia) kindOf(mid string) string {
	if k, ok := m.kinds[mid]; ok {
		return k
	}
	for _, t := range m.pc.GetTransceivers() {
		if t.Mid() == mid {
			return t.Kind().String()
		}
	}
	return ""
}

// sendREMB caps the client's video bitrate (0 → 10 Mbps, as Janus).
func (m *echoMedia) sendREMB() {
	bitrate := m.s.bitrate.Load()
	if bitrate == 0 {
		bitrate = rembUncapped
	}
	m.mu.Lock()
	var ssrcs []uint32
	for k, ssrc := range m.remote {
		if m.kindOf(k) == "video" && ssrc != 0 {
			ssrcs = append(ssrcs, ssrc)
		}
	}
	m.mu.Unlock()
	_ = mediakit.WriteREMB(m.pc, bitrate, ssrcs)
}

// codecs reports the echoed codecs for Query.
func (m *echoMedia) codecs() map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]any{}
	for mid, tr := range m.local {
		name := tr.codec
		if name == "" {
			continue // never echoed
		}
		switch m.kinds[mid] {
		case "audio":
			out["audio_codec"] = name
		case "video":
			out["video_codec"] = name
		}
	}
	return out
}

// onDataChannel echoes every message: binary unchanged, text prefixed.
// An echo is dropped (and counted) while the channel already buffers more
// than webrtc.MaxDataChannelBuffered: a client that does not read what is
// echoed to it must not make Argus queue without limit.
func (m *echoMedia) onDataChannel(dc *pion.DataChannel) {
	dc.OnMessage(func(msg pion.DataChannelMessage) {
		if m.peer.DataChannelFull(dc) {
			return
		}
		if msg.IsString {
			_ = dc.SendText(textPrefix + string(msg.Data))
			return
		}
		_ = dc.Send(msg.Data)
	})
}
