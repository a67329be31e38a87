package videoroom

import (
	"testing"

	"github.com/pion/rtp"
)

// recordWriter records the header fields of what a subStream writes.
type recordWriter struct {
	seqs []uint16
	tss  []uint32
	ext  []bool
}

func (w *recordWriter) WriteRTP(p *rtp.Packet) error {
	w.seqs = append(w.seqs, p.SequenceNumber)
	w.tss = append(w.tss, p.Timestamp)
	w.ext = append(w.ext, p.Extension)
	return nil
}

func newTestDest(kind string, src *pubStream) (*subStream, *recordWriter) {
	w := &recordWriter{}
	d := &subStream{sub: &subscriber{}, kind: kind, track: w}
	d.send.Store(true)
	d.target.Store(2)
	d.temporal.Store(2)
	d.src.Store(src)
	return d, w
}

func videoPacket(seq uint16, ts uint32) *rtp.Packet {
	p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: []byte{1, 2, 3}}
	_ = p.SetExtension(1, []byte{9})
	return p
}

// TestSwitchRewritesSequenceAndTimestamp: after a switch the subscriber
// sees consecutive sequence numbers and time moving forward by one frame;
// the old source no longer gets through; header extensions are dropped.
func TestSwitchRewritesSequenceAndTimestamp(t *testing.T) {
	a, b := &pubStream{kind: "video"}, &pubStream{kind: "video"}
	d, w := newTestDest("video", a)
	for i := range 3 {
		d.write(a, 0, noTemporal, videoPacket(100+uint16(i), 1000+3000*uint32(i)), sentRef{})
	}
	d.src.Store(b)
	d.write(a, 0, noTemporal, videoPacket(103, 10000), sentRef{}) // old source: dropped
	for i := range 3 {
		d.write(b, 0, noTemporal, videoPacket(65534+uint16(i), 50+3000*uint32(i)), sentRef{}) // wraps around
	}
	wantSeq := []uint16{100, 101, 102, 103, 104, 105}
	wantTS := []uint32{1000, 4000, 7000, 10000, 13000, 16000}
	if len(w.seqs) != len(wantSeq) {
		t.Fatalf("wrote %d packets, want %d: %v", len(w.seqs), len(wantSeq), w.seqs)
	}
	for i := range wantSeq {
		if w.seqs[i] != wantSeq[i] || w.tss[i] != wantTS[i] || w.ext[i] {
			t.Errorf("packet %d: seq %d ts %d ext %v, want seq %d ts %d no ext", i, w.seqs[i], w.tss[i], w.ext[i], wantSeq[i], wantTS[i])
		}
	}
}

func TestWriteGates(t *testing.T) {
	a := &pubStream{kind: "audio"}
	tests := []struct {
		name  string
		setup func(d *subStream)
		want  int
	}{
		{"flowing", func(*subStream) {}, 1},
		{"paused", func(d *subStream) { d.sub.paused.Store(true) }, 0},
		{"send false", func(d *subStream) { d.send.Store(false) }, 0},
		{"no source", func(d *subStream) { d.src.Store(nil) }, 0},
	}
	for _, tc := range tests {
		d, w := newTestDest("audio", a)
		tc.setup(d)
		d.write(a, 0, noTemporal, videoPacket(1, 1), sentRef{})
		if len(w.seqs) != tc.want {
			t.Errorf("%s: wrote %d, want %d", tc.name, len(w.seqs), tc.want)
		}
	}
}

// TestSimulcastLayerSelection: only the target layer (or the highest one
// the publisher sends below it) is forwarded; a layer change keeps the
// sequence numbers consecutive.
func TestSimulcastLayerSelection(t *testing.T) {
	ps := &pubStream{kind: "video", rids: map[string]int{}}
	for _, rid := range []string{"l", "m"} {
		ps.layerOf(rid)
	}
	ps.top.Store(1)
	d, w := newTestDest("video", ps)
	d.write(ps, 0, noTemporal, videoPacket(10, 100), sentRef{}) // target 2, top 1: layer 1 only
	d.write(ps, 1, noTemporal, videoPacket(500, 9000), sentRef{})
	d.target.Store(0)
	d.write(ps, 1, noTemporal, videoPacket(501, 12000), sentRef{})
	d.write(ps, 0, noTemporal, videoPacket(11, 3100), sentRef{})
	if len(w.seqs) != 2 || w.seqs[0] != 500 || w.seqs[1] != 501 {
		t.Fatalf("seqs = %v, want [500 501]", w.seqs)
	}
	if !ps.simulcast.Load() || ps.layerOf("m") != 1 || ps.layerOf("l") != 0 || ps.layerOf("h") != 2 {
		t.Errorf("layers: simulcast %v", ps.simulcast.Load())
	}
}

// TestWriteAllocations: the per-packet path allocates nothing beyond the
// writer's own work.
func TestWriteAllocations(t *testing.T) {
	a := &pubStream{kind: "video"}
	d := &subStream{sub: &subscriber{}, kind: "video", track: nopWriter{}}
	d.send.Store(true)
	d.target.Store(2)
	d.src.Store(a)
	p := videoPacket(1, 1)
	if n := testing.AllocsPerRun(1000, func() {
		p.SequenceNumber++
		d.write(a, 0, noTemporal, p, sentRef{})
	}); n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
}

type nopWriter struct{}

func (nopWriter) WriteRTP(*rtp.Packet) error { return nil }
