package webrtc

import (
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// midKind names one m-line.
type midKind struct{ mid, kind string }

// mediaState is the "receiving" state of one mid.
type mediaState struct {
	kind       string
	packets    uint64
	lastChange time.Time
	receiving  bool
}

// mediaTracker implements Janus's media events: receiving true on the
// first packet (or when media resumes), false after noMedia of silence.
// It is owned by the run loop.
type mediaTracker struct {
	noMedia time.Duration
	mids    map[string]*mediaState
}

func newMediaTracker(noMedia time.Duration) *mediaTracker {
	return &mediaTracker{noMedia: noMedia, mids: map[string]*mediaState{}}
}

// remoteSSRCs maps the SSRCs of the remote tracks to their m-line.
func (p *Peer) remoteSSRCs() map[uint32]midKind {
	out := map[uint32]midKind{}
	for _, t := range p.pc.GetTransceivers() {
		r := t.Receiver()
		if r == nil {
			continue
		}
		mk := midKind{mid: t.Mid(), kind: t.Kind().String()}
		for _, tr := range r.Tracks() {
			if s := uint32(tr.SSRC()); s != 0 {
				out[s] = mk
			}
		}
	}
	return out
}

// checkMedia reads the packet counters and reports media state changes.
func (p *Peer) checkMedia(m *mediaTracker, now time.Time) {
	owners := p.remoteSSRCs()
	sums := map[string]uint64{}
	for ssrc, c := range p.watch.snapshot(true) {
		mk, ok := owners[ssrc]
		if !ok || mk.mid == "" {
			continue
		}
		sums[mk.mid] += c.packets.Load()
		if _, known := m.mids[mk.mid]; !known {
			m.mids[mk.mid] = &mediaState{kind: mk.kind, lastChange: now}
		}
	}
	for mid, st := range m.mids {
		if n := sums[mid]; n > st.packets {
			st.packets = n
			st.lastChange = now
			if !st.receiving {
				st.receiving = true
				p.mediaEvent(mid, st.kind, true)
			}
			continue
		}
		if st.receiving && now.Sub(st.lastChange) >= m.noMedia {
			st.receiving = false
			p.mediaEvent(mid, st.kind, false)
		}
	}
}

// mediaEvent tells the Observer and emits type 32 subtype 1.
func (p *Peer) mediaEvent(mid, kind string, receiving bool) {
	body := telemetry.MediaStateBody{Media: kind, Mid: mid, Receiving: receiving}
	if !receiving && p.cfg.NoMediaTimer > time.Second {
		body.Seconds = int(p.cfg.NoMediaTimer / time.Second)
	}
	p.emit(telemetry.TypeMedia, telemetry.SubtypeMediaState, body)
	p.observe(func() { p.obs.Media(mid, kind, receiving) })
}
