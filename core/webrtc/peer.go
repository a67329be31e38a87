// Package webrtc is Argus's PeerConnection layer on pion/webrtc v4: one Peer
// per Janus handle, JSEP, trickle, ICE/DTLS state, and media statistics read
// on a timer. It emits the Janus event types 8 (jsep), 16 (webrtc) and 32
// (media); it never imports a plugin or an exporter.
//
// A Peer owns these pion callbacks: OnICECandidate, OnICEGatheringStateChange,
// OnICEConnectionStateChange, OnConnectionStateChange, the DTLS transport's
// OnStateChange and the ICE transport's OnSelectedCandidatePairChange.
// Plugins own OnTrack and OnDataChannel, and must read every remote track
// they get: pion runs the interceptors (stats, NACK, media detection) as
// packets are read.
package webrtc

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// Peer is one PeerConnection of one handle.
type Peer struct {
	pc     *pion.PeerConnection
	api    *pion.API
	cfg    Config
	params PeerParams
	obs    Observer
	log    *slog.Logger
	watch  *mediaWatch
	nack   *nackResponder // nil when the Engine's chain has none (UseSentHistory)

	sdpMu sync.Mutex // serializes offer/answer operations

	mu    sync.Mutex // guards state below
	state peerState

	// Set by pion callbacks, consumed by the run loop (lossless, no blocking).
	connected  atomic.Bool
	iceFailed  atomic.Bool
	dtlsFailed atomic.Bool
	dtlsAlert  atomic.Bool // the client closed DTLS (close_notify)
	milestones milestones  // orders the ICE events (milestones.go)
	stamps     stamps      // when ICE and DTLS reached their steps (Info)
	poke       chan struct{}

	closeOnce sync.Once
	closing   chan struct{} // closed when Close starts
	sampled   chan struct{} // closed by the run loop after the final media sample
	inObs     atomic.Bool   // the run loop is inside an Observer call
	pcClosed  chan struct{} // closed after pion's Close returned
	done      chan struct{} // closed after Observer.Hangup returned
	reason    string        // written once inside closeOnce, before closing is closed

	// emitMu orders each event against the flags below: events are
	// emitted under it for reading, checking silent, and the hangup sets
	// its flags under it for writing. So a discarded Peer (silent) emits
	// nothing after Discard or HangupDiscarded returned, and no Peer emits
	// two hangups; a live Peer's final media report does follow its hangup,
	// as Janus's does.
	emitMu     sync.RWMutex
	silent     bool // Discard or HangupDiscarded: no more events
	hangupSent bool // the hangup event was emitted (at most one per Peer)

	// statsMu orders pion's GetStats before its Close (held for writing
	// around Close): pion's close clears state GetStats reads without a
	// lock they share, a data race when a report or an Admin API query
	// runs as the PeerConnection closes.
	statsMu sync.RWMutex

	// jsepMu orders the local jsep event and the hangup event: setLocal
	// emits under it only while hungUp is unset and Close has not started,
	// so no jsep follows the hangup (Janus emits nothing for a
	// PeerConnection after its hangup).
	jsepMu sync.Mutex
	hungUp bool // guarded by jsepMu

	prev    map[string]mediumSample // last media sample per mid; run loop only
	samples []mediumSample          // the last sample's buffer, reused; run loop only

	// rtcpReaders are the received SSRCs whose RTCP a reader goroutine
	// reads (receiverrtcp.go); run loop only. readers waits for them.
	rtcpReaders map[uint32]bool
	readers     sync.WaitGroup

	iceFailedAt time.Time // when ICE failed after it was up; run loop only (consent.go)
}

// peerState is the signalling and ICE/DTLS bookkeeping shown in Info.
type peerState struct {
	gotOffer, gotAnswer, processingOffer, iceRestart bool
	trickle, allTrickles, webrtcUp                   bool
	hasRemote                                        bool
	queued                                           []Candidate
	localSDP, remoteSDP                              string
	layout                                           sdpLayout
	iceState, dtlsState, selectedPair                string
	localCands, remoteCands                          []string
	lastSample                                       map[string]mediumSample
	// remoteSeen holds the distinct remote candidates of the current ICE
	// generation (trickled, queued or in a remote SDP), at most
	// MaxRemoteCandidates; an ICE restart starts it again.
	remoteSeen map[string]struct{}
}

// NewPeer creates the PeerConnection of a handle and starts its stats and
// state goroutine, which exits when the Peer is closed.
func (e *Engine) NewPeer(p PeerParams) (*Peer, error) {
	pc, ic, err := e.newPeerConnection()
	if err != nil {
		return nil, fmt.Errorf("webrtc: new peer connection: %w", err)
	}
	log := p.Logger
	if log == nil {
		log = e.cfg.Logger.With("session_id", p.SessionID, "handle_id", p.HandleID, "opaque_id", p.OpaqueID)
	}
	obs := p.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	peer := &Peer{
		pc: pc, api: e.api, cfg: e.cfg, params: p, obs: obs, log: log, watch: ic.watch, nack: ic.nack,
		poke:    make(chan struct{}, 1),
		closing: make(chan struct{}), sampled: make(chan struct{}),
		pcClosed: make(chan struct{}), done: make(chan struct{}),
	}
	peer.state.iceState = "disconnected"
	peer.state.dtlsState = "created"
	peer.stamps.mark(stampAgentCreated) // the ICE agent comes with the PeerConnection
	peer.bindCallbacks()
	go peer.run()
	return peer, nil
}

// PeerConnection exposes pion's PeerConnection to the plugin (tracks, data channels).
func (p *Peer) PeerConnection() *pion.PeerConnection { return p.pc }

// Done is closed once the PeerConnection is closed and Observer.Hangup has
// returned. An Observer must not wait on Done inside its own callbacks.
func (p *Peer) Done() <-chan struct{} { return p.done }

// Close hangs up with a Janus hangup reason (janus-reference.md 1.4); it is
// idempotent: only the first reason counts. It lets the run loop take the
// final media report while the streams' counters still exist (at most
// finalSampleWait), closes pion's PeerConnection and returns; the hangup
// event and Observer.Hangup follow on the Peer's goroutine (see Done).
func (p *Peer) Close(reason string) { p.close(reason, !p.inObs.Load()) }

// Discard is Close for a Peer that, for the client and for event
// consumers, never was: from now on it emits no event (no hangup, no final
// media report). The core discards the Peer of a refused first offer, and
// the client's next offer continues, on a new Peer, what the events show.
func (p *Peer) Discard(reason string) {
	p.emitMu.Lock()
	p.silent = true
	p.emitMu.Unlock()
	p.Close(reason)
}

// HangupDiscarded emits the "hangup" event (type 16 subtype 6, with a
// Janus reason) that Discard withheld, at once, and no event after it; it
// does nothing if this Peer already emitted its hangup. The core calls it
// when a handle hangs up, detaches or ends while the Peer it discarded
// with a refused first offer is its last PeerConnection (no retry took
// over): event consumers saw that PeerConnection begin (its remote jsep,
// its ICE gathering) and must see it end. Called before Discard, it
// silences the Peer as Discard does.
// It reports whether it emitted the hangup.
func (p *Peer) HangupDiscarded(reason string) bool { return p.hangupOnce(reason, true) }

// hangupOnce emits the "hangup" event unless this Peer emitted one, or
// was silenced (Discard) and discarded is false; discarded silences it
// for good, the hangup emitted or not. It reports whether it emitted.
func (p *Peer) hangupOnce(reason string, discarded bool) bool {
	p.emitMu.Lock()
	defer p.emitMu.Unlock()
	silenced := p.silent
	p.silent = p.silent || discarded
	if p.hangupSent || silenced && !discarded {
		return false
	}
	p.hangupSent = true
	p.cfg.Emitter.Emit(p.event(telemetry.TypeWebRTC, subPC, telemetry.PeerConnectionBody{Connection: "hangup", Reason: reason}))
	return true
}

// finalSampleWait bounds how long Close waits for the final media report.
const finalSampleWait = 2 * time.Second

// close does Close; wait is false on the run loop itself.
func (p *Peer) close(reason string, wait bool) {
	p.closeOnce.Do(func() {
		p.reason = reason
		close(p.closing)
		if wait {
			t := time.NewTimer(finalSampleWait)
			select {
			case <-p.sampled:
			case <-t.C:
			}
			t.Stop()
		}
		p.statsMu.Lock()
		err := p.pc.Close()
		p.statsMu.Unlock()
		if err != nil {
			p.log.Debug("webrtc: pion close", "error", err)
		}
		close(p.pcClosed)
	})
}

// observe runs an Observer call on the run loop, so that a Close from
// inside it does not wait for the loop.
func (p *Peer) observe(f func()) {
	p.inObs.Store(true)
	defer p.inObs.Store(false)
	f()
}

// closed reports whether Close has started.
func (p *Peer) closed() bool {
	select {
	case <-p.closing:
		return true
	default:
		return false
	}
}

// signal wakes the run loop after a pion callback changed a flag.
func (p *Peer) signal() {
	select {
	case p.poke <- struct{}{}:
	default:
	}
}

// tickPeriod is how often the run loop samples counters: often enough for
// the no-media timer and the stats period, never busier than 20 Hz.
func (p *Peer) tickPeriod() time.Duration {
	d := time.Second
	if p.cfg.StatsPeriod > 0 && p.cfg.StatsPeriod < d {
		d = p.cfg.StatsPeriod
	}
	if half := p.cfg.NoMediaTimer / 2; half > 0 && half < d {
		d = half
	}
	return max(d, 50*time.Millisecond)
}

// run is the Peer's main goroutine (the others read its receivers' RTCP,
// receiverrtcp.go, and end before it): it serializes Observer calls, samples
// media counters and emits media reports; it exits after Hangup.
func (p *Peer) run() {
	ticker := time.NewTicker(p.tickPeriod())
	defer ticker.Stop()
	media := newMediaTracker(p.cfg.NoMediaTimer)
	lastSample := time.Now()
	samplePeriod := p.cfg.StatsPeriod
	if samplePeriod <= 0 {
		samplePeriod = time.Second
	}
	for {
		select {
		case <-p.closing:
			p.emitHangup(p.reason)
			p.finalReport(lastSample)
			<-p.pcClosed
			p.finish()
			return
		case <-p.poke:
			if reason, stop := p.handleStates(); stop {
				p.fail(reason, lastSample)
				return
			}
		case <-p.watch.firstPacket:
			p.checkMedia(media, time.Now())
			p.readReceiverRTCP()
		case now := <-ticker.C:
			if reason, stop := p.iceGraceOver(now); stop {
				p.fail(reason, lastSample)
				return
			}
			p.checkMedia(media, now)
			p.readReceiverRTCP() // streams whose first packet was not signalled on its own
			if now.Sub(lastSample) >= samplePeriod-samplePeriod/20 {
				p.sampleAndReport(now.Sub(lastSample), false)
				lastSample = now
			}
		}
	}
}

// fail ends the Peer from its run loop after a failure or the end of the
// ICE grace: hangup event, final report, close, finish. A Close that raced
// it keeps its own reason.
func (p *Peer) fail(reason string, lastSample time.Time) {
	if p.closed() {
		reason = p.reason
	}
	p.emitHangup(reason)
	p.finalReport(lastSample)
	p.close(reason, false)
	p.finish()
}

// handleStates turns the flags set by pion callbacks into Observer calls
// and events; it returns a hangup reason when the PeerConnection failed.
func (p *Peer) handleStates() (string, bool) {
	if p.iceFailed.Load() {
		return p.iceFailure(time.Now())
	}
	if p.dtlsFailed.Load() {
		return "DTLS error", true
	}
	if p.dtlsAlert.Load() {
		return "DTLS alert", true
	}
	if p.connected.Load() {
		p.mu.Lock()
		first := !p.state.webrtcUp
		p.state.webrtcUp = true
		p.mu.Unlock()
		if first {
			p.emitWebRTC(subPC, telemetry.PeerConnectionBody{Connection: "webrtcup"})
			p.observe(p.obs.WebRTCUp)
		}
	}
	return "", false
}

// finalReport emits the last media report (janus-reference.md 4.4: "plus
// once more at hangup") and lets Close go on.
func (p *Peer) finalReport(lastSample time.Time) {
	if p.cfg.StatsPeriod > 0 {
		p.sampleAndReport(time.Since(lastSample), true)
	}
	close(p.sampled)
}

// emitHangup emits the PeerConnection "hangup" event (type 16 subtype 6).
// It runs before the final media report, so consumers see Janus's teardown
// order: hangup, the final media reports, then the handle's "detached"
// (which the core emits once Close returned, i.e. after the final report).
func (p *Peer) emitHangup(reason string) {
	p.jsepMu.Lock()
	p.hungUp = true
	p.jsepMu.Unlock()
	p.hangupOnce(reason, false)
}

// finish runs once on the run loop after the PeerConnection closed (which
// ends the receivers' RTCP readers).
func (p *Peer) finish() {
	p.readers.Wait()
	p.observe(func() { p.obs.Hangup(p.reason) })
	close(p.done)
}

// pionStats is pion's statistics report, never taken while pion's Close
// runs (statsMu).
func (p *Peer) pionStats() pion.StatsReport {
	p.statsMu.RLock()
	defer p.statsMu.RUnlock()
	return p.pc.GetStats()
}
