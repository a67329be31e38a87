package videoroom

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// sendTrack is a subscriber stream's local track. Negotiation is pion's
// TrackLocalStaticRTP (its Bind picks the negotiated codec and payload
// type); the per-packet write skips it when the track has exactly one
// binding, which is always the case here (one track per subscriber
// m-line, one sender each).
//
// pion's WriteRTP copies the whole rtp.Packet into a pooled one, takes a
// read lock and collects the errors of every binding into a slice, once
// per packet and subscriber: about 400 of the ~9 000 user-space
// instructions a forwarded packet costs (docs/BENCHMARKS.md, Round 4).
// Here a write is one atomic load, the SSRC and payload type set in the
// caller's packet and restored after, and the binding's write.
type sendTrack struct {
	*pion.TrackLocalStaticRTP

	mu    sync.Mutex
	binds []*trackOut // guarded by mu
	// one is binds[0] while len(binds) == 1, else nil: WriteRTP then
	// falls back to pion's (no binding yet, or more than one).
	one atomic.Pointer[trackOut]
	// from is the subscriber stream writing to the track, whose log
	// answers NACKs (SentPacket); nil until set.
	from atomic.Pointer[subStream]
}

// trackOut is one binding of a sendTrack: where its packets go and the
// SSRC and payload type they carry there.
type trackOut struct {
	id   string
	ssrc uint32
	pt   uint8
	w    pion.TrackLocalWriter
}

func newSendTrack(c pion.RTPCodecCapability, id, streamID string) (*sendTrack, error) {
	tr, err := pion.NewTrackLocalStaticRTP(c, id, streamID)
	if err != nil {
		return nil, err
	}
	return &sendTrack{TrackLocalStaticRTP: tr}, nil
}

// Bind implements pion.TrackLocal: pion's track chooses the codec, and
// the binding is remembered for WriteRTP.
func (t *sendTrack) Bind(ctx pion.TrackLocalContext) (pion.RTPCodecParameters, error) {
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
func (t *sendTrack) Unbind(ctx pion.TrackLocalContext) error {
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
func (t *sendTrack) publish() {
	if len(t.binds) == 1 {
		t.one.Store(t.binds[0])
	} else {
		t.one.Store(nil)
	}
}

// WriteRTP writes p to the track's binding. p's SSRC and payload type
// are the binding's during the call and restored after, so p must not be
// read by another goroutine meanwhile (the forwarding goroutine's own
// packet, as for subStream.write).
func (t *sendTrack) WriteRTP(p *rtp.Packet) error {
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

// SentPacket implements webrtc.SentHistory: the packet the track's
// binding was sent as seq, rebuilt from the publisher's history.
func (t *sendTrack) SentPacket(seq uint16, pkt *rtp.Packet) (time.Duration, bool) {
	o, d := t.one.Load(), t.from.Load()
	if o == nil || d == nil {
		return 0, false
	}
	return d.sentPacket(seq, o.ssrc, o.pt, pkt)
}

// NACKWindow implements webrtc.SentHistory: the subscriber stream's
// window, which its publisher's history follows.
func (t *sendTrack) NACKWindow(w time.Duration) {
	if d := t.from.Load(); d != nil {
		d.nackWindow.Store(int64(w))
	}
}
