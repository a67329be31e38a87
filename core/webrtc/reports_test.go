package webrtc

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/internal/testpeer"
)

// seededGaps is a 90 kHz video stream of n packets from seq0, one every
// 1/30 s, arriving with delay jitter up to maxDelay, with every packet
// dropped with probability loss; the random source is seeded so each run
// sees the same stream.
func seededGaps(seed uint64, n int, seq0 uint16, loss float64, maxDelay time.Duration) (seqs []uint16, tss []uint32, at []time.Duration) {
	r := rand.New(rand.NewPCG(seed, 0)) //nolint:gosec // a test pattern
	for i := range n {
		if i > 0 && i < n-1 && r.Float64() < loss { // first and last arrive
			continue
		}
		seqs = append(seqs, seq0+uint16(i)) //nolint:gosec // wraps on purpose
		tss = append(tss, uint32(i*3000))   //nolint:gosec // small
		at = append(at, time.Duration(i)*time.Second/30+time.Duration(r.Int64N(int64(maxDelay)+1)))
	}
	return seqs, tss, at
}

// refJitter is RFC 3550 6.4.1's interarrival jitter of a stream, in
// timestamp units, computed directly from the definition.
func refJitter(tss []uint32, at []time.Duration, clock float64) float64 {
	var j float64
	for i := 1; i < len(tss); i++ {
		d := (at[i]-at[i-1]).Seconds()*clock - (float64(tss[i]) - float64(tss[i-1]))
		j += (math.Abs(d) - j) / 16
	}
	return j
}

// TestReceptionReport feeds seeded streams with gaps to a received
// stream's counters and checks the report blocks of two consecutive
// receiver reports against counts made independently: cumulative loss,
// the fraction lost in each interval, the extended highest sequence
// number, the jitter, and LSR/DLSR from the peer's last sender report.
func TestReceptionReport(t *testing.T) {
	tests := []struct {
		name     string
		seed     uint64
		seq0     uint16
		loss     float64
		maxDelay time.Duration
	}{
		{"no loss, no jitter", 1, 100, 0, 0},
		{"5 % loss", 2, 100, 0.05, 0},
		{"20 % loss and jitter", 3, 1000, 0.2, 20 * time.Millisecond},
		{"sequence wraps", 4, 65000, 0.1, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 1200
			seqs, tss, at := seededGaps(tt.seed, n, tt.seq0, tt.loss, tt.maxDelay)
			w := newMediaWatch()
			t0 := w.start
			c := &streamCounters{ssrc: 77, clock: 90000}
			w.remote[77] = c
			half := len(seqs) / 2
			// check takes a report after the first upto packets and
			// compares it with counts made here; it returns the extended
			// highest sequence number and the cumulative loss reported.
			check := func(upto int, prevExt uint32, prevLost int64, now time.Time) (uint32, int64) {
				t.Helper()
				w.mu.Lock()
				rb, ok := c.receptionReport(w.clock(now))
				w.mu.Unlock()
				if !ok {
					t.Fatal("no report block")
				}
				// The first sequence number plus the distance travelled (the
				// streams are shorter than 2^16 packets), past 2^16 on a wrap.
				ext := uint32(seqs[0]) + uint32(seqs[upto-1]-seqs[0])
				expected := int64(seqs[upto-1]-seqs[0]) + 1
				lost := expected - int64(upto)
				if rb.LastSequenceNumber != ext {
					t.Errorf("extended highest sequence %d, want %d", rb.LastSequenceNumber, ext)
				}
				if int64(rb.TotalLost) != lost {
					t.Errorf("cumulative lost %d, want %d", rb.TotalLost, lost)
				}
				wantFraction := 0
				if d := int64(ext - prevExt); d > 0 && lost > prevLost {
					wantFraction = int((lost - prevLost) * 256 / d)
				}
				if int(rb.FractionLost) != wantFraction {
					t.Errorf("fraction lost %d/256, want %d/256", rb.FractionLost, wantFraction)
				}
				if want := refJitter(tss[:upto], at[:upto], 90000); math.Abs(float64(rb.Jitter)-want) > 1 {
					t.Errorf("jitter %d, want %.1f", rb.Jitter, want)
				}
				return ext, lost
			}
			for i := range half {
				c.receive(seqs[i], tss[i], t0.Add(at[i]))
			}
			r1 := t0.Add(at[half-1] + 10*time.Millisecond)
			ext, lost := check(half, uint32(seqs[0])-1, 0, r1)

			// The peer's sender report arrives; the next report echoes it.
			srAt := r1.Add(200 * time.Millisecond)
			srNTP := ntpTime(time.Unix(1_800_000_000, 123_000_000))
			c.lastSR.Store(uint64(uint32(srNTP>>16))<<32 | uint64(w.clock(srAt)))
			for i := half; i < len(seqs); i++ {
				c.receive(seqs[i], tss[i], t0.Add(at[i]))
			}
			r2 := srAt.Add(750 * time.Millisecond)
			check(len(seqs), ext, lost, r2)
			w.mu.Lock()
			rb, _ := c.receptionReport(w.clock(r2))
			w.mu.Unlock()
			if rb.LastSenderReport != uint32(srNTP>>16) {
				t.Errorf("LSR %#x, want %#x", rb.LastSenderReport, uint32(srNTP>>16))
			}
			if got, want := float64(rb.Delay)/65536, 0.75; math.Abs(got-want) > 1e-4 {
				t.Errorf("DLSR %.5f s, want %.2f", got, want)
			}
			if rb.FractionLost != 0 {
				t.Errorf("a report with nothing new since the last gives fraction %d, want 0", rb.FractionLost)
			}
		})
	}
}

// TestReceptionReportSigned: duplicates make the cumulative loss
// negative, which the 24-bit field carries in two's complement, and
// the interval's fraction 0.
func TestReceptionReportSigned(t *testing.T) {
	w := newMediaWatch()
	c := &streamCounters{ssrc: 5, clock: 48000}
	for _, s := range []uint16{1, 2, 2, 3, 3, 3} {
		c.receive(s, uint32(s)*960, w.start)
	}
	rb, ok := c.receptionReport(0)
	if !ok {
		t.Fatal("no report block")
	}
	if rb.TotalLost != 0xfffffd || rb.FractionLost != 0 || rb.LastSequenceNumber != 3 {
		t.Fatalf("block %+v, want cumulative lost -3 (0xfffffd), fraction 0, highest 3", rb)
	}
	if _, ok := (&streamCounters{}).receptionReport(0); ok {
		t.Fatal("a stream that received nothing has a report block")
	}
}

// TestSenderReport sends packets on a local stream through mediaWatch,
// some retransmitted on an RTX SSRC, and checks the sender report: NTP
// time, the RTP time of that instant, and the counts of the stream's own
// packets.
func TestSenderReport(t *testing.T) {
	w := newMediaWatch()
	now := w.start
	w.now = func() time.Time { return now }
	info := interceptor.StreamInfo{SSRC: 10, MimeType: "video/VP8", ClockRate: 90000}
	wr := w.BindLocalStream(&info, interceptor.RTPWriterFunc(func(_ *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) {
		return len(p), nil
	}))
	if pkts := w.appendReports(nil, now); len(pkts) != 0 {
		t.Fatalf("reports before any packet: %v", pkts)
	}
	const frames, perFrame, size = 30, 3, 1000
	var ts uint32
	for f := range frames {
		ts = uint32(f * 3000) //nolint:gosec // small
		for p := range perFrame {
			h := rtp.Header{Version: 2, SSRC: 10, SequenceNumber: uint16(f*perFrame + p), Timestamp: ts} //nolint:gosec // small
			if _, err := wr.Write(&h, make([]byte, size), nil); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Millisecond)
		}
		// A retransmission on the RTX SSRC and one on the stream's own
		// SSRC with an old timestamp: neither moves the RTP clock, only
		// the second counts in the report.
		if _, err := wr.Write(&rtp.Header{Version: 2, SSRC: 11, Timestamp: 0}, make([]byte, 500), nil); err != nil {
			t.Fatal(err)
		}
		if f == frames-1 {
			if _, err := wr.Write(&rtp.Header{Version: 2, SSRC: 10, Timestamp: ts - 3000}, make([]byte, 200), nil); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(time.Second/30 - perFrame*time.Millisecond)
	}
	// The last frame's first packet left at sentAt; report 250 ms later.
	sentAt := now.Add(-time.Second / 30)
	reportAt := sentAt.Add(250 * time.Millisecond)
	pkts := w.appendReports(nil, reportAt)
	if len(pkts) != 1 {
		t.Fatalf("%d packets, want one sender report", len(pkts))
	}
	sr, ok := pkts[0].(*rtcp.SenderReport)
	if !ok {
		t.Fatalf("%T, want a sender report", pkts[0])
	}
	if sr.SSRC != 10 || sr.NTPTime != ntpTime(reportAt) {
		t.Errorf("SSRC %d NTP %#x, want 10 and %#x", sr.SSRC, sr.NTPTime, ntpTime(reportAt))
	}
	if want := ts + 90000/4; absDiff(sr.RTPTime, want) > 2 {
		t.Errorf("RTP time %d, want %d (the last frame's, 250 ms on)", sr.RTPTime, want)
	}
	if want := uint32(frames*perFrame + 1); sr.PacketCount != want {
		t.Errorf("packets %d, want %d (RTX not counted)", sr.PacketCount, want)
	}
	if want := uint32(frames*perFrame*size + 200); sr.OctetCount != want {
		t.Errorf("octets %d, want %d", sr.OctetCount, want)
	}

	// A new timeline far behind (the plugin switched sources) restarts
	// the RTP clock.
	now = reportAt
	if _, err := wr.Write(&rtp.Header{Version: 2, SSRC: 10, Timestamp: ts - 10*rtpStepBack}, nil, nil); err != nil {
		t.Fatal(err)
	}
	sr = w.appendReports(nil, now.Add(time.Second))[0].(*rtcp.SenderReport) //nolint:forcetypeassert // one SR, as above
	if want := ts - 10*rtpStepBack + 90000; absDiff(sr.RTPTime, want) > 2 {
		t.Errorf("RTP time after a jump back %d, want %d", sr.RTPTime, want)
	}
}

func absDiff(a, b uint32) uint32 {
	if d := a - b; d < 1<<31 {
		return d
	}
	return b - a
}

// countingTask counts its ticks.
type countingTask struct {
	mu sync.Mutex
	n  int
}

func (c *countingTask) tick(time.Time) { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *countingTask) count() int     { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// TestRTCPTickerSchedule: tasks run at their own period, one as often as
// the ticker ticks at every tick; a removed task stops; the loop ends with
// the last task and a new one starts with the next; close stops all.
func TestRTCPTickerSchedule(t *testing.T) {
	r := newRTCPTicker()
	r.period = 10 * time.Millisecond
	t.Cleanup(r.close)
	fast, slow := &countingTask{}, &countingTask{}
	start := time.Now()
	r.add(fast, r.period)
	r.add(slow, 10*r.period)
	r.add(slow, r.period) // a second add changes nothing
	testkit.Until(t, 5*time.Second, "three runs of the slow task", func() bool { return slow.count() >= 3 })
	elapsed := time.Since(start)
	if n, most := slow.count(), int(elapsed/(10*r.period))+1; n > most {
		t.Errorf("slow task ran %d times in %v, at most %d expected", n, elapsed, most)
	}
	// How often the fast task ran depends on how many ticks the host let
	// the loop see (a time.Ticker drops the ticks its reader misses; a
	// starved loop wakes every 100 ms, and then both tasks run at each
	// wake-up): TestRTCPTickerDue checks the schedule tick by tick.
	if fast.count() == 0 {
		t.Error("fast task never ran")
	}
	r.remove(fast)
	stopped := fast.count()
	testkit.Until(t, 5*time.Second, "two more runs of the slow task", func() bool { return slow.count() >= 5 })
	if got := fast.count(); got > stopped+1 { // one may have been under way
		t.Errorf("removed task ran %d more times", got-stopped)
	}
	r.remove(slow)
	r.mu.Lock()
	running := r.cancel != nil
	r.mu.Unlock()
	if running {
		t.Error("loop still running without tasks")
	}
	again := &countingTask{}
	r.add(again, r.period)
	testkit.Until(t, 5*time.Second, "a run after a restart", func() bool { return again.count() >= 1 })
	r.close()
	n := again.count()
	r.add(&countingTask{}, r.period) // ignored after close
	time.Sleep(5 * r.period)         // ticks that must not come
	if again.count() != n {
		t.Error("a task ran after close")
	}
}

// TestRTCPTickerDue: on a fake clock, a task whose period is the tick's
// is due at every tick, early or late by up to 40 % of a tick; a task of
// ten ticks at every tenth; after a stall, each runs once and resumes
// its period from there (no catching up).
func TestRTCPTickerDue(t *testing.T) {
	r := newRTCPTicker()
	t.Cleanup(r.close)
	p := r.period
	start := time.Unix(1000, 0)
	r.now = func() time.Time { return start }
	fast, slow := &countingTask{}, &countingTask{}
	r.mu.Lock() // add without starting the loop: the test calls due itself
	r.tasks[fast] = &taskSchedule{every: p, next: start.Add(p)}
	r.tasks[slow] = &taskSchedule{every: 10 * p, next: start.Add(10 * p)}
	r.mu.Unlock()
	jitter := []time.Duration{0, 2 * p / 5, -2 * p / 5, p / 10, -p / 10}
	dueAt := func(at time.Time) (gotFast, gotSlow bool) {
		for _, task := range r.due(nil, at) {
			gotFast = gotFast || task == fast
			gotSlow = gotSlow || task == slow
		}
		return gotFast, gotSlow
	}
	for tick := 1; tick <= 30; tick++ {
		at := start.Add(time.Duration(tick)*p + jitter[tick%len(jitter)])
		f, s := dueAt(at)
		if !f {
			t.Errorf("tick %d: fast task not due", tick)
		}
		if want := tick%10 == 0; s != want {
			t.Errorf("tick %d: slow task due %v, want %v", tick, s, want)
		}
	}
	// A stall of 25 ticks: one run each, then the periods count from
	// the late tick.
	late := start.Add(55 * p)
	if f, s := dueAt(late); !f || !s {
		t.Errorf("after a stall: fast due %v, slow due %v, want both", f, s)
	}
	if f, s := dueAt(late.Add(p / 10)); f || s {
		t.Errorf("right after the late tick: fast due %v, slow due %v, want neither", f, s)
	}
	if f, _ := dueAt(late.Add(p)); !f {
		t.Error("fast task not due a tick after the late one")
	}
	if _, s := dueAt(late.Add(9 * p)); s {
		t.Error("slow task due 9 ticks after the late one")
	}
	if _, s := dueAt(late.Add(10 * p)); !s {
		t.Error("slow task not due 10 ticks after the late one")
	}
}

// reportRecorder is a client-side interceptor that keeps the sender and
// receiver reports the client receives, and the NTP times of the sender
// reports it sends.
type reportRecorder struct {
	interceptor.NoOp
	mu      sync.Mutex
	srs     []rtcp.SenderReport    // received
	blocks  []rtcp.ReceptionReport // received
	sentNTP map[uint32]struct{}    // middle 32 bits of the SRs sent
	rrFrom  map[uint32]struct{}    // sender SSRCs of the RRs received
	rtts    []time.Duration        // from the blocks echoing our SRs, at arrival
}

func (x *reportRecorder) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := r.Read(b, a)
		if err != nil {
			return n, attr, err
		}
		pkts, perr := rtcp.Unmarshal(b[:n])
		if perr == nil {
			x.mu.Lock()
			for _, p := range pkts {
				switch p := p.(type) {
				case *rtcp.SenderReport:
					x.srs = append(x.srs, *p)
					x.blocks = append(x.blocks, p.Reports...)
				case *rtcp.ReceiverReport:
					x.blocks = append(x.blocks, p.Reports...)
					x.rrFrom[p.SSRC] = struct{}{}
					for _, b := range p.Reports {
						if rtt, ok := reportRTT(b, time.Now()); ok {
							x.rtts = append(x.rtts, rtt)
						}
					}
				}
			}
			x.mu.Unlock()
		}
		return n, attr, nil
	})
}

func (x *reportRecorder) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		x.mu.Lock()
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok {
				x.sentNTP[uint32(sr.NTPTime>>16)] = struct{}{}
			}
		}
		x.mu.Unlock()
		return w.Write(pkts, a)
	})
}

type reportRecorderFactory struct{ x *reportRecorder }

func (f reportRecorderFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return f.x, nil
}

// TestRTCPReportsReachPeer: a pion client (with pion's interceptors, as a
// browser sends its own reports) sends video with seeded gaps to a Peer
// and receives audio from it. The client must receive our receiver
// reports about its video (cumulative loss equal to the gaps, the
// extended highest sequence number sent, LSR echoing one of its sender
// reports and a DLSR that gives it a loopback round-trip time, which
// needs the Peer to read its receivers' RTCP as the SRs arrive) and our
// sender reports about the audio (the packets and
// octets sent, an RTP time that matches the media clock); and the media
// report's RTT, which Argus computes from the client's receiver reports
// about our sender reports, must be there.
func TestRTCPReportsReachPeer(t *testing.T) {
	rec := &recorder{}
	obs := &observer{}
	peer := newPeer(t, testEngine(t, rec), PeerParams{SessionID: 1, HandleID: 2, Observer: obs})
	x := &reportRecorder{sentNTP: map[uint32]struct{}{}, rrFrom: map[uint32]struct{}{}}
	api := clientAPIOf(t, testpeer.Config{Codecs: testpeer.CodecsPion, AnyAddress: true, Interceptors: true,
		Extra: []interceptor.Factory{reportRecorderFactory{x}}})
	call := newAVCall(t, peer, obs, api)
	cVideo, pAudio, vt, sender, audioT := call.cVideo, call.pAudio, call.video, call.sender, call.audio

	// 3 s of media: audio every 20 ms from the Peer, video with seeded
	// gaps from the client.
	videoSeqs, videoTS, _ := seededGaps(7, 150, 40000, 0.1, 0)
	const audioPayload = 80
	var audioSent int
	var lastAudioTS uint32
	var lastAudioAt time.Time
	for i, seq := range videoSeqs {
		if err := cVideo.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: videoTS[i]}, Payload: make([]byte, 300)}); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			for range int(videoSeqs[i] - videoSeqs[i-1]) { // keep the audio going through the gaps
				audioSent++
				lastAudioTS = uint32(audioSent) * 960 //nolint:gosec // small
				if err := pAudio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(audioSent), Timestamp: lastAudioTS}, Payload: make([]byte, audioPayload)}); err != nil {
					t.Fatal(err)
				}
				lastAudioAt = time.Now()
				time.Sleep(20 * time.Millisecond) // media pacing, not an assertion
			}
		}
	}
	wantLost := int(videoSeqs[len(videoSeqs)-1]-videoSeqs[0]) + 1 - len(videoSeqs)
	wantExt := uint32(videoSeqs[len(videoSeqs)-1])
	videoSSRC := uint32(vt.Sender().GetParameters().Encodings[0].SSRC)
	audioSSRC := uint32(sender.GetParameters().Encodings[0].SSRC)

	var last rtcp.ReceptionReport
	var lastSR rtcp.SenderReport
	lsrOK := false
	testkit.Until(t, 5*time.Second, "final reports", func() bool {
		x.mu.Lock()
		defer x.mu.Unlock()
		for _, b := range x.blocks {
			if b.SSRC == videoSSRC {
				last = b
				if _, ok := x.sentNTP[b.LastSenderReport]; ok && b.LastSenderReport != 0 && b.Delay < 2*65536 {
					lsrOK = true
				}
			}
		}
		for _, sr := range x.srs {
			if sr.SSRC == audioSSRC {
				lastSR = sr
			}
		}
		return int(last.TotalLost) == wantLost && last.LastSequenceNumber == wantExt && lsrOK &&
			int(lastSR.PacketCount) == audioSent
	})
	if lastSR.OctetCount != uint32(audioSent*audioPayload) {
		t.Errorf("SR octets %d, want %d", lastSR.OctetCount, audioSent*audioPayload)
	}
	// The SR's RTP time is the last packet's timestamp advanced by the
	// time since it left (loopback: within 20 ms of the NTP time's).
	ntpAt := time.Unix(int64(lastSR.NTPTime>>32)-2208988800, int64((lastSR.NTPTime&0xffffffff)*1e9>>32))
	want := lastAudioTS + uint32(ntpAt.Sub(lastAudioAt).Seconds()*48000)
	if d := absDiff(lastSR.RTPTime, want); d > 48000/50 {
		t.Errorf("SR RTP time %d, want %d ± 960", lastSR.RTPTime, want)
	}
	x.mu.Lock()
	fromOne := len(x.rrFrom) == 1
	rtts := append([]time.Duration(nil), x.rtts...)
	x.mu.Unlock()
	// Loopback: a few ms, whatever the load. An SR seen late (read after
	// its arrival) gives a DLSR too short and an RTT up to a second long.
	if len(rtts) < 2 || slices.Max(rtts) > 400*time.Millisecond {
		t.Errorf("round-trip times the client computes from our receiver reports: %v, want two or more, all below 400 ms", rtts)
	}
	if !fromOne {
		t.Error("receiver reports come from more than one SSRC")
	}
	// Argus's RTT from the client's receiver reports about our SRs.
	testkit.Until(t, 5*time.Second, "an RTT from the client's reports", func() bool { return hasRTT(peer, audioT.Mid()) })
}

// hasRTT reports whether the Peer measured a round-trip time on mid's
// outgoing stream (a report echoed one of our sender reports).
func hasRTT(p *Peer, mid string) bool {
	for _, tr := range p.PeerConnection().GetTransceivers() {
		if tr.Mid() != mid || tr.Sender() == nil {
			continue
		}
		enc := tr.Sender().GetParameters().Encodings
		if len(enc) == 0 {
			return false
		}
		c := p.watch.stream(false, uint32(enc[0].SSRC))
		return c != nil && c.rtt.Load() > 0
	}
	return false
}

// TestReportsRaceTheirMoment: a report is built at a moment while media
// keeps flowing, so a packet sent or an SR received just after that moment
// is slightly in the future. The SR's RTP time must then stay next to the
// packet's (not run 2^32/65536 s of clock ahead), and the DLSR must be 0
// (not 2^32-1).
func TestReportsRaceTheirMoment(t *testing.T) {
	t.Run("packet sent after the moment", func(t *testing.T) {
		w := newMediaWatch()
		now := w.start.Add(10 * time.Second)
		w.now = func() time.Time { return now }
		info := interceptor.StreamInfo{SSRC: 10, MimeType: "video/VP8", ClockRate: 90000}
		wr := w.BindLocalStream(&info, interceptor.RTPWriterFunc(func(_ *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) { return len(p), nil }))
		moment := now
		now = now.Add(2 * time.Millisecond)
		_, _ = wr.Write(&rtp.Header{Version: 2, SSRC: 10, Timestamp: 900000}, make([]byte, 100), nil)
		sr, ok := w.appendReports(nil, moment)[0].(*rtcp.SenderReport)
		if !ok {
			t.Fatal("no sender report first")
		}
		// 2 ms before the packet: 180 ticks of the 90 kHz clock.
		if d := int32(sr.RTPTime - 900000); d < -200 || d > 0 { //nolint:gosec // signed distance
			t.Errorf("SR RTP time %d, want 900000 less about 180", sr.RTPTime)
		}
	})
	t.Run("SR received after the moment", func(t *testing.T) {
		w := newMediaWatch()
		c := &streamCounters{ssrc: 77, clock: 90000}
		base := w.start.Add(10 * time.Second)
		c.receive(100, 0, base)
		moment := base.Add(time.Second)
		c.lastSR.Store(uint64(0x12345678)<<32 | uint64(w.clock(moment.Add(time.Millisecond))))
		rb, ok := c.receptionReport(w.clock(moment))
		if !ok {
			t.Fatal("no report block")
		}
		if rb.Delay != 0 || rb.LastSenderReport != 0x12345678 {
			t.Errorf("LSR %#x DLSR %d, want 0x12345678 and 0", rb.LastSenderReport, rb.Delay)
		}
	})
}
