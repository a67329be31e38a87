package videoroom

import (
	"strconv"
	"testing"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/pluginkit/mediakit"
)

// benchVP8Packet is a marshalled 1000-byte VP8 packet with a payload
// descriptor carrying a temporal layer (T bit), as simulcast senders send:
// X=1 S=1 PID=0; T=1 in the extension byte; TID 0.
func benchVP8Packet(b *testing.B) []byte { return coretest.VP8Packet(b, 0x90, 0x20, 0x00) }

// BenchmarkForward measures the per-packet forwarding work of one
// publisher video packet to N subscriber streams: what pubStream.forward
// does for each packet read (unmarshal into the reused packet, VP8
// descriptor parse, subStream.write per destination). "nop" writers show
// the plugin's own cost; "track" writers are unbound pion
// TrackLocalStaticRTPs, adding pion's per-write work before the network;
// "sendtrack" writers are subscriber tracks as the plugin makes them
// (mediakit.SendTrack), bound to a write stream that does nothing;
// "history" is "sendtrack" with the packet kept in the publisher's NACK
// history and recorded in each subscriber's sent log (history.go).
func BenchmarkForward(b *testing.B) {
	for _, writer := range []string{"nop", "track", "sendtrack", "history"} {
		for _, subs := range []int{1, 50} {
			b.Run(writer+"/subs="+strconv.Itoa(subs), func(b *testing.B) {
				ps := &pubStream{kind: "video"}
				dests := make([]*subStream, subs)
				for i := range dests {
					d, _ := newTestDest("video", ps)
					d.track = nopWriter{}
					switch writer {
					case "track":
						d.track = coretest.VP8Track(b)
					case "sendtrack", "history":
						tr, err := mediakit.NewSendTrack(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "bench")
						if err != nil {
							b.Fatal(err)
						}
						if _, err := tr.Bind(&coretest.Binding{Name: "a", Source: 1, Discard: true}); err != nil {
							b.Fatal(err)
						}
						d.track = tr
					}
					dests[i] = d
				}
				ps.dests.Store(&dests)
				raw := benchVP8Packet(b)
				var pkt rtp.Packet
				var vp8 vp8Parser
				var hist *pubHistory
				if writer == "history" {
					hist = newPubHistory()
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					if err := coretest.NextPacket(raw, &pkt); err != nil {
						b.Fatal(err)
					}
					ti := vp8.parse(pkt.Payload)
					var ref sentRef
					if hist != nil {
						ref = hist.add(raw, *ps.dests.Load())
					}
					for _, d := range *ps.dests.Load() {
						d.write(ps, 0, ti, &pkt, ref)
					}
				}
			})
		}
	}
}

// BenchmarkVP8Parse is the descriptor parse done once per video packet.
func BenchmarkVP8Parse(b *testing.B) {
	var pkt rtp.Packet
	if err := pkt.Unmarshal(benchVP8Packet(b)); err != nil {
		b.Fatal(err)
	}
	var vp8 vp8Parser
	b.ReportAllocs()
	for b.Loop() {
		if ti := vp8.parse(pkt.Payload); ti.tid != 0 {
			b.Fatalf("tid %d", ti.tid)
		}
	}
}

// BenchmarkFanoutReader is the publisher's reader per packet once a
// stream is sharded (fanout.go): copy into a fan-out buffer, parse, queue
// to every shard. It does not grow with the subscribers, whom the shards
// (not measured here, "nop" writers) serve; drops/op counts the packets
// a full shard queue refused because the shards fell behind.
func BenchmarkFanoutReader(b *testing.B) {
	for _, subs := range []int{50, 300} {
		b.Run("subs="+strconv.Itoa(subs), func(b *testing.B) {
			ps := &pubStream{kind: "video"}
			dests := make([]*subStream, subs)
			for i := range dests {
				d, _ := newTestDest("video", ps)
				d.track, d.shard = nopWriter{}, uint32(i)
				dests[i] = d
			}
			ps.dests.Store(&dests)
			raw := benchVP8Packet(b)
			fo := newFanout(ps)
			fo.procs = 2 // two shards whatever the machine
			if !fo.sharded(subs) {
				b.Fatal("not sharded")
			}
			var pkt rtp.Packet
			var vp8 vp8Parser
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				fp := fo.get()
				n := copy(fp.buf[:], raw)
				if err := pkt.Unmarshal(fp.buf[:n]); err != nil {
					b.Fatal(err)
				}
				fp.n, fp.layer, fp.ti, fp.dests = n, 0, vp8.parse(pkt.Payload), ps.dests.Load()
				fo.send(fp)
			}
			b.StopTimer()
			fo.stop()
			b.ReportMetric(float64(fo.drops)/float64(b.N), "drops/op")
		})
	}
}

// BenchmarkShardTake is a fan-out shard's work per packet for 50
// subscriber streams with the NACK history ("nop" writers): "lost=0"
// writes the packet; "lost=1" first replays one packet its queue lost
// (read back from the history, parsed, put through each subscriber's
// rewriting and sent log: what a loss costs, fanout.go).
func BenchmarkShardTake(b *testing.B) {
	for _, lost := range []int{0, 1} {
		b.Run("lost="+strconv.Itoa(lost), func(b *testing.B) {
			ps := &pubStream{kind: "video", codec: pion.RTPCodecParameters{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8}}}
			dests := make([]*subStream, 50)
			for i := range dests {
				d, _ := newTestDest("video", ps)
				d.track = nopWriter{}
				dests[i] = d
			}
			ps.dests.Store(&dests)
			s := newShardWriter(newFanout(ps), 0, 1)
			hist := newPubHistory()
			raw := benchVP8Packet(b)
			var pkt rtp.Packet
			var vp8 vp8Parser
			fp := &fanPacket{dests: ps.dests.Load()}
			b.ReportAllocs()
			for b.Loop() {
				var run lostRun
				for range lost {
					if err := coretest.NextPacket(raw, &pkt); err != nil {
						b.Fatal(err)
					}
					run.add(hist.add(raw, dests), fp.dests)
				}
				if err := coretest.NextPacket(raw, &pkt); err != nil {
					b.Fatal(err)
				}
				fp.n = copy(fp.buf[:], raw)
				fp.ti, fp.sent, fp.lost[0] = vp8.parse(pkt.Payload), hist.add(raw, dests), run
				s.take(fp)
			}
		})
	}
}
