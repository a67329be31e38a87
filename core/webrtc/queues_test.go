package webrtc

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/transport/v5/packetio"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
)

// TestReceiveQueueLimits checks the factory's queues: packets pass through
// with their attributes, and a queue refuses a packet past its limit
// (SRTP then drops it) instead of growing.
func TestReceiveQueueLimits(t *testing.T) {
	for _, tc := range []struct {
		kind  packetio.BufferPacketType
		limit int
	}{{packetio.RTPBufferPacket, rtpQueueBytes}, {packetio.RTCPBufferPacket, rtcpQueueBytes}} {
		pools := newPacketPools()
		q := pools.newQueue(tc.kind, 1)
		aq, ok := q.(interface {
			WriteWithAttributes([]byte, packetio.Attributes) (int, error)
			ReadWithAttributes([]byte, packetio.Attributes) (int, packetio.Attributes, error)
		})
		if !ok {
			t.Fatal("queue does not carry attributes")
		}
		if _, err := aq.WriteWithAttributes([]byte{1, 2, 3}, packetio.Attributes{{Key: "k", Value: 7}}); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1500)
		n, attrs, err := aq.ReadWithAttributes(buf, nil)
		if err != nil || n != 3 || attrs.Get("k") != 7 {
			t.Fatalf("read = %d %v %v, want 3 bytes with attribute k=7", n, attrs, err)
		}
		// The limit bounds the memory queued packets hold (buffer and
		// slot), for large packets and small ones alike.
		for _, size := range []int{12, 1000} {
			pkt := make([]byte, size)
			cost := packetCost(pools.get(size))
			packets := 0
			for {
				_, err := q.Write(pkt)
				if errors.Is(err, packetio.ErrFull) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				packets++
				if packets*cost > 2*tc.limit {
					t.Fatalf("kind %d, %d-byte packets: %d queued, limit %d not enforced", tc.kind, size, packets, tc.limit)
				}
			}
			if held := packets * cost; held > tc.limit || held <= tc.limit-cost {
				t.Errorf("kind %d, %d-byte packets: %d queued holding %d bytes before full, want just under %d", tc.kind, size, packets, held, tc.limit)
			}
			if size == 12 { // drained; the reads below want a full queue of 1000-byte packets
				for range packets {
					if _, err := q.Read(buf); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		pkt := make([]byte, 1000)
		if n, err := q.Read(buf); err != nil || n != len(pkt) {
			t.Errorf("read after full = %d, %v", n, err)
		}
		_ = q.Close()
		for range tc.limit {
			if _, err = q.Read(buf); err != nil {
				break
			}
		}
		if !errors.Is(err, io.EOF) {
			t.Errorf("drained after close: %v, want EOF", err)
		}
	}
}

// BenchmarkPeerConnectionMemory reports the live heap per PeerConnection
// with pion's receive queues (no factory: 1 MB per SSRC) and Argus's
// (queues.go). pcs Peers each receive one VP8 stream of 1000-byte packets
// from a pion client in the same process:
//
//   - heap-KiB/pc: heap after 300 packets per Peer with the Peer's reader
//     keeping up (a Peer and its client together: both live here);
//   - stalled-heap-KiB/pc: after 1 400 more packets (1.4 MB, what a starved
//     reader misses in 4.7 s of the load tool's video) sent while the Peer's
//     track reader is blocked, as on an overloaded core;
//   - drained-heap-KiB/pc: once the reader is let go and has read what
//     waited (pion's queues keep the size the stall grew them to; Argus's
//     give their packet buffers back);
//   - goroutines/pc: goroutines per Peer and client.
//
// Heap is measured after full collections, so it does not depend on the
// machine's load; the benchmark runs each scenario b.N times (use
// -benchtime 1x).
func BenchmarkPeerConnectionMemory(b *testing.B) {
	const pcs = 10
	// Once untimed: pion's package-level pools and caches fill on first
	// use and would count against the first scenario.
	peerMemory(b, 1, nil)
	for _, tc := range []struct {
		name    string
		factory func(packetio.BufferPacketType, uint32) io.ReadWriteCloser
	}{{"queues=argus", newPacketPools().newQueue}, {"queues=pion", nil}} {
		b.Run(tc.name, func(b *testing.B) {
			var flowing, stalled, drained, goroutines float64
			for range b.N {
				m := peerMemory(b, pcs, tc.factory)
				flowing += m.flowing
				stalled += m.stalled
				drained += m.drained
				goroutines += m.goroutines
			}
			n := float64(b.N)
			b.ReportMetric(flowing/n, "heap-KiB/pc")
			b.ReportMetric(stalled/n, "stalled-heap-KiB/pc")
			b.ReportMetric(drained/n, "drained-heap-KiB/pc")
			b.ReportMetric(goroutines/n, "goroutines/pc")
		})
	}
}

// pcMemory is one scenario's result, in KiB per Peer and client, and
// goroutines per Peer and client.
type pcMemory struct{ flowing, stalled, drained, goroutines float64 }

// peerMemory runs one scenario of BenchmarkPeerConnectionMemory.
func peerMemory(b *testing.B, pcs int, factory func(packetio.BufferPacketType, uint32) io.ReadWriteCloser) pcMemory {
	b.Helper()
	eng, err := newEngine(Config{ServerName: "bench", IncludeLoopback: true}, func(se *pion.SettingEngine) {
		se.BufferFactory = factory
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = eng.Close() })
	api := bareClientAPI(b)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	g0 := runtime.NumGoroutine()
	h0 := testkit.HeapInUse()
	var gate sync.RWMutex // write-locked: every Peer's reader stalls after its next packet
	var read atomic.Int64
	pairs := newVideoPairs(b, eng, api, pcs, func() {
		read.Add(1)
		gate.RLock()   // waits here while the gate is locked
		gate.RUnlock() //nolint:staticcheck // SA2001: an empty section is the wait
	})
	defer closeVideoPairs(b, pairs)
	send := func(n int) {
		var wg sync.WaitGroup
		for _, p := range pairs {
			wg.Go(func() {
				payload := make([]byte, 1000)
				for j := range n {
					if err := p.send(payload, 300); err != nil && !errors.Is(err, io.ErrClosedPipe) {
						b.Error(err)
						return
					}
					if j%10 == 9 {
						time.Sleep(time.Millisecond) // stay below the kernel's socket buffer
					}
				}
			})
		}
		wg.Wait()
	}
	// Connected once every Peer reads.
	for read.Load() < int64(pcs)*10 {
		if ctx.Err() != nil {
			b.Fatalf("only %d packets read before the deadline", read.Load())
		}
		send(10)
	}
	send(300)
	waitQuiet(&read)
	var m pcMemory
	m.flowing = float64(testkit.HeapInUse()-h0) / 1024 / float64(pcs)
	m.goroutines = float64(runtime.NumGoroutine()-g0) / float64(pcs)

	gate.Lock()
	send(1400)
	time.Sleep(200 * time.Millisecond) // in flight through ICE, mux and SRTP
	m.stalled = float64(testkit.HeapInUse()-h0) / 1024 / float64(pcs)
	gate.Unlock()
	waitQuiet(&read)
	m.drained = float64(testkit.HeapInUse()-h0) / 1024 / float64(pcs)
	return m
}

// videoPair is a Peer and a bare client (bareClientAPI) that sends it one
// VP8 track.
type videoPair struct {
	peer   *Peer
	client *pion.PeerConnection
	track  *pion.TrackLocalStaticRTP
	seq    uint16
}

// newVideoPairs connects n videoPairs on eng (sessions 1 to n, handle 1);
// each Peer reads every packet of its track and calls onPacket
// after each read. The caller closes them (closeVideoPairs); on a failure
// the pairs made so far are closed.
func newVideoPairs(tb testing.TB, eng *Engine, api *pion.API, n int, onPacket func()) []*videoPair {
	tb.Helper()
	pairs := make([]*videoPair, 0, n)
	done := false
	defer func() {
		if !done {
			closeVideoPairs(tb, pairs)
		}
	}()
	for i := range n {
		peer, err := eng.NewPeer(PeerParams{SessionID: uint64(i + 1), HandleID: 1})
		if err != nil {
			tb.Fatal(err)
		}
		p := &videoPair{peer: peer}
		pairs = append(pairs, p)
		peer.PeerConnection().OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
			buf := make([]byte, 1500)
			for {
				if _, _, err := tr.Read(buf); err != nil {
					return
				}
				onPacket()
			}
		})
		if p.client, err = api.NewPeerConnection(pion.Configuration{}); err != nil {
			tb.Fatal(err)
		}
		if p.track, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "v", "s"); err != nil {
			tb.Fatal(err)
		}
		if _, err := p.client.AddTrack(p.track); err != nil {
			tb.Fatal(err)
		}
		negotiate(tb, p.peer, p.client)
	}
	done = true
	return pairs
}

// send writes the pair's next VP8 packet, step after the last one's
// timestamp.
func (p *videoPair) send(payload []byte, step uint32) error {
	p.seq++
	return p.track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: p.seq,
		Timestamp: uint32(p.seq) * step, SSRC: 1}, Payload: payload})
}

// closeVideoPairs closes the clients, then the Peers, and waits until
// every Peer is done (at most 10 s each: a Peer that never ends fails tb).
func closeVideoPairs(tb testing.TB, pairs []*videoPair) {
	tb.Helper()
	for _, p := range pairs {
		if p.client != nil {
			_ = p.client.Close()
		}
		p.peer.Close("test end")
		select {
		case <-p.peer.Done():
		case <-time.After(10 * time.Second):
			tb.Errorf("peer not done 10 s after Close")
		}
	}
}

// waitQuiet waits until n stops changing for 100 ms (at most 5 s).
func waitQuiet(n *atomic.Int64) {
	last := n.Load()
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		if cur := n.Load(); cur == last {
			return
		} else {
			last = cur
		}
	}
}

// bareClientAPI is a pion client with no interceptors at all, so that the
// heap measured is mostly the Peer's: pion.NewAPI without a registry adds
// pion's default interceptors, whose NACK responder keeps 1024 copies of
// every sent video stream, so an empty registry is passed. It fails tb
// when pion refuses its default codecs.
func bareClientAPI(tb testing.TB) *pion.API {
	tb.Helper()
	me := &pion.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		tb.Fatalf("codecs: %v", err)
	}
	se := pion.SettingEngine{}
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	return pion.NewAPI(pion.WithMediaEngine(me), pion.WithSettingEngine(se), pion.WithInterceptorRegistry(&interceptor.Registry{}))
}

// TestReceiveQueueCloseWakesAll: Close wakes every reader waiting on an
// empty queue (with no deadline), each with io.EOF.
func TestReceiveQueueCloseWakesAll(t *testing.T) {
	q := newPacketPools().newQueue(packetio.RTPBufferPacket, 1)
	const readers = 3
	errs := make(chan error, readers)
	for range readers {
		go func() {
			_, err := q.Read(make([]byte, 1500))
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them wait; a late one still reads EOF
	_ = q.Close()
	for range readers {
		select {
		case err := <-errs:
			if !errors.Is(err, io.EOF) {
				t.Fatalf("read after close: %v, want EOF", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiting reader was not woken by Close")
		}
	}
}
