package videoroom

import (
	"github.com/pion/rtp"

	"github.com/argusrtc/argus/telemetry"
)

// audioLevel accumulates the RFC 6464 levels (0 loudest … 127 silence,
// -dBov) of one publisher audio stream; only its forwarding goroutine
// touches it.
type audioLevel struct {
	// Room settings copied when the stream is created (no lock per packet).
	on                 bool
	activePackets, avg uint64
	packets, sum       uint64
	talking            bool
	// announced is closed when the last change's announcement is done;
	// the next one waits for it, so that the room hears the changes in
	// the order they happened.
	announced chan struct{}
}

// noteLevel reads a packet's audio level and, every audio_active_packets
// packets, compares the average with audio_level_average: below it the
// publisher is talking (Janus's rule). A change is announced.
func (ps *pubStream) noteLevel(pkt *rtp.Packet) {
	ext := pkt.GetExtension(ps.levelExt)
	if len(ext) == 0 {
		return
	}
	l := &ps.level
	if !l.on {
		return
	}
	l.packets++
	l.sum += uint64(ext[0] & 0x7f)
	if l.packets < l.activePackets {
		return
	}
	avg := float64(l.sum) / float64(l.packets)
	l.packets, l.sum = 0, 0
	talking := avg < float64(l.avg)
	if talking == l.talking {
		return
	}
	l.talking = talking
	ps.talking.Store(talking)
	// Announced off the packet path, in order: a talking and its
	// stopped-talking could otherwise reach the room swapped, leaving
	// everyone with the wrong state.
	prev, done := l.announced, make(chan struct{})
	l.announced = done
	ps.pub.s.goAfter(prev, done, func() { ps.pub.announceTalking(ps, talking, avg) })
}

// announceTalking tells every participant and emits the event.
func (p *publisher) announceTalking(ps *pubStream, talking bool, avg float64) {
	what := "stopped-talking"
	if talking {
		what = "talking"
	}
	p.mu.Lock()
	mindex, left := ps.mindex, p.left
	p.mu.Unlock()
	if left { // queued before a leave or kick, which the room already heard
		return
	}
	// The event before the room is told, which may act on it at once.
	p.emitEvent(telemetry.VideoRoomData{VideoRoom: what, Room: telemetry.NumberID(p.room.id), ID: telemetry.NumberID(p.id),
		MIndex: telemetry.Ptr(mindex), Mid: ps.mid, AudioLevel: telemetry.Ptr(dBov(avg))})
	note := map[string]any{"videoroom": what, "room": p.room.id, "id": p.id, "mindex": mindex, "mid": ps.mid, "audio-level-dBov-avg": dBov(avg)}
	for _, x := range p.room.others(nil) {
		x.s.push("", note, nil)
	}
}

// dBov is an average audio level as Janus 1.1.2 reports it in
// "audio-level-dBov-avg": the RFC 6464 value (0 loudest … 127 silence,
// positive) written as a JSON real, 10.0 rather than 10.
type dBov = telemetry.Real
