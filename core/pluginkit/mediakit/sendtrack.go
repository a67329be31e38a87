package mediakit

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// SendTrack is a plugin's outgoing track (an EchoTest m-line's echo, a
// VideoRoom subscriber stream). Negotiation is pion's TrackLocalStaticRTP
// (its Bind picks the negotiated codec and payload type); the per-packet
// write skips it when the track has exactly one binding, which is the case
// for a track added to one PeerConnection's sender.
//
// pion's WriteRTP copies the whole rtp.Packet into a pooled one, takes a
// read lock and collects the errors of every binding into a slice, once
// per packet and track: about 400 of the ~9 000 user-space instructions
// a forwarded packet costs (docs/BENCHMARKS.md, Round 4).
// Here a write is one atomic load, the SSRC and payload type set in the
// caller's packet and restored after, and the binding's write.
type SendTrack struct {
	*pion.TrackLocalStaticRTP

	mu    sync.Mutex
	binds []*trackOut // guarded by mu
	// one is binds[0] while len(binds) == 1, else nil: WriteRTP then
	// falls back to pion's (no binding yet, or more than one).
	one atomic.Pointer[trackOut]
	// history is what answers the NACKs of the track's binding
	// (SentPacket), set by SetHistory; nil until then.
	history atomic.Pointer[historyRef]
}

// History rebuilds packets a SendTrack sent, for a plugin that keeps one
// history for many tracks (VideoRoom: one per publisher stream, whatever
// its subscriber count) instead of a copy per track.
type History interface {
	// SentPacket fills pkt with the packet sent as seq, with the
	// binding's ssrc and payload type, and says how long ago it was
	// sent; ok is false when it is no longer kept.
	SentPacket(seq uint16, ssrc uint32, pt uint8, pkt *rtp.Packet) (age time.Duration, ok bool)
	// NACKWindow is webrtc.SentHistory's: how old a packet the NACK
	// responder may ask for.
	NACKWindow(window time.Duration)
}

// historyRef holds a History for an atomic pointer.
type historyRef struct{ h History }

// trackOut is one binding of a SendTrack: where its packets go and the
// SSRC and payload type they carry there.
type trackOut struct {
	id   string
	ssrc uint32
	pt   uint8
	w    pion.TrackLocalWriter
}

// NewSendTrack is pion.NewTrackLocalStaticRTP with the direct write.
func NewSendTrack(c pion.RTPCodecCapability, id, streamID string) (*SendTrack, error) {
	tr, err := pion.NewTrackLocalStaticRTP(c, id, streamID)
	if err != nil {
		return nil, err
	}
	return &SendTrack{TrackLocalStaticRTP: tr}, nil
}

// Bind implements pion.TrackLocal: pion's track chooses the codec, and
// the binding is remembered for WriteRTP.
func (t *SendTrack) Bind(ctx pion.TrackLocalContext) (pion.RTPCodecParameters, error) {
	c, err := t.TrackLocalStaticRTP.Bind(ctx)
	if err != nil {
		return c, err
	}
	t.mu.Lock()
	t.binds = append(t.binds, &trackOut{id: ctx.ID(), ssrc: uint32(ctx.SSRC()), pt: uint8(c.PayloadType), w: ctx.WriteStream()})
	t.publish()
	t.mu.Unlock()
	return c, nil
}

// Unbind implements pion.TrackLocal.
func (t *SendTrack) Unbind(ctx pion.TrackLocalContext) error {
	t.mu.Lock()
	for i, b := range t.binds {
		if b.id == ctx.ID() {
			t.binds = append(t.binds[:i], t.binds[i+1:]...)
			break
		}
	}
	t.publish()
	t.mu.Unlock()
	return t.TrackLocalStaticRTP.Unbind(ctx)
}

// publish sets one from binds; callers hold mu.
func (t *SendTrack) publish() {
	if len(t.binds) == 1 {
		t.one.Store(t.binds[0])
	} else {
		t.one.Store(nil)
	}
}

// WriteRTP writes p to the track's binding. p's SSRC and payload type
// are the binding's during the call and restored after, so p must not be
// read by another goroutine meanwhile (the reading or forwarding
// goroutine's own packet).
func (t *SendTrack) WriteRTP(p *rtp.Packet) error {
	o := t.one.Load()
	if o == nil {
		return t.TrackLocalStaticRTP.WriteRTP(p)
	}
	ssrc, pt, pad := p.SSRC, p.PayloadType, p.Header.PaddingSize
	p.SSRC, p.PayloadType = o.ssrc, o.pt
	if p.Header.PaddingSize == 0 {
		p.Header.PaddingSize = p.PaddingSize //nolint:staticcheck // the header field wins; pion's track does the same
	}
	_, err := o.w.WriteRTP(&p.Header, p.Payload)
	p.SSRC, p.PayloadType, p.Header.PaddingSize = ssrc, pt, pad
	return err
}

// SetHistory makes h answer for what the track sent; pass the track to
// webrtc.Peer.UseSentHistory so that its NACKs are asked of h.
func (t *SendTrack) SetHistory(h History) { t.history.Store(&historyRef{h}) }

// SentPacket implements webrtc.SentHistory: the packet the track's
// binding was sent as seq, rebuilt by its History.
func (t *SendTrack) SentPacket(seq uint16, pkt *rtp.Packet) (time.Duration, bool) {
	o, r := t.one.Load(), t.history.Load()
	if o == nil || r == nil {
		return 0, false
	}
	return r.h.SentPacket(seq, o.ssrc, o.pt, pkt)
}

// NACKWindow implements webrtc.SentHistory.
func (t *SendTrack) NACKWindow(w time.Duration) {
	if r := t.history.Load(); r != nil {
		r.h.NACKWindow(w)
	}
}
