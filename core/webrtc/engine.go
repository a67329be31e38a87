package webrtc

import (
	"fmt"
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/interceptor/pkg/twcc"
	pion "github.com/pion/webrtc/v4"
)

// Engine builds Peers sharing one pion API: one MediaEngine, one
// SettingEngine and one interceptor registry per gateway. It never uses
// pion's package-level NewPeerConnection.
type Engine struct {
	cfg Config
	api *pion.API

	// newMu serializes NewPeer so that the per-PeerConnection interceptors
	// built inside pion's NewPeerConnection land in pending unambiguously.
	newMu   sync.Mutex
	pending pendingInterceptors
}

// pendingInterceptors are the per-PeerConnection interceptor instances
// created by the registry during one NewPeerConnection call.
type pendingInterceptors struct {
	stats stats.Getter
	watch *mediaWatch
}

// NewEngine builds the pion API (MediaEngine, SettingEngine, interceptors).
func NewEngine(cfg Config) (*Engine, error) { return newEngine(cfg, nil) }

// newEngine is NewEngine with a hook on the SettingEngine (tests shorten
// ICE timeouts with it).
func newEngine(cfg Config, tweak func(*pion.SettingEngine)) (*Engine, error) {
	cfg = cfg.withDefaults()
	e := &Engine{cfg: cfg}

	me := &pion.MediaEngine{}
	if err := registerCodecs(me); err != nil {
		return nil, fmt.Errorf("webrtc: media engine: %w", err)
	}
	ir, err := e.interceptors(true)
	if err != nil {
		return nil, fmt.Errorf("webrtc: interceptors: %w", err)
	}
	se, err := settingEngine(cfg)
	if err != nil {
		return nil, fmt.Errorf("webrtc: setting engine: %w", err)
	}
	if tweak != nil {
		tweak(&se)
	}
	e.api = pion.NewAPI(pion.WithMediaEngine(me), pion.WithInterceptorRegistry(ir), pion.WithSettingEngine(se))
	return e, nil
}

// Close releases shared resources. Peers must be closed by their owners.
func (e *Engine) Close() error { return nil }

// configuration is the standard part of the PeerConnection settings.
func (e *Engine) configuration() pion.Configuration {
	c := pion.Configuration{
		BundlePolicy:  pion.BundlePolicyMaxBundle,
		RTCPMuxPolicy: pion.RTCPMuxPolicyRequire,
	}
	if len(e.cfg.STUNServers) > 0 {
		c.ICEServers = []pion.ICEServer{{URLs: append([]string(nil), e.cfg.STUNServers...)}}
	}
	return c
}

// settingEngine maps Config onto pion's SettingEngine.
func settingEngine(cfg Config) (pion.SettingEngine, error) {
	se := pion.SettingEngine{LoggerFactory: pionLogs{log: cfg.Logger}}
	// UDP only, as Janus without ICE-TCP.
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4, pion.NetworkTypeUDP6})
	if cfg.IncludeLoopback {
		se.SetIncludeLoopbackCandidate(true)
	}
	if len(cfg.NAT1To1IPs) > 0 {
		se.SetNAT1To1IPs(append([]string(nil), cfg.NAT1To1IPs...), pion.ICECandidateTypeHost)
	}
	if cfg.ICEDisconnectedTimeout > 0 || cfg.ICEFailedTimeout > 0 {
		setICETimeouts(&se, cfg.ICEDisconnectedTimeout, cfg.ICEFailedTimeout)
	}
	if cfg.ICEPortMin != 0 || cfg.ICEPortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.ICEPortMin, cfg.ICEPortMax); err != nil {
			return se, fmt.Errorf("ICE port range %d-%d: %w", cfg.ICEPortMin, cfg.ICEPortMax, err)
		}
	}
	return se, nil
}

// interceptors builds the registry: the header cache (innermost; the
// benchmark compares the chain without it), NACK generator, NACK
// responder, RTCP sender/receiver reports, TWCC feedback, pion's stats
// interceptor and our own mediaWatch (per-stream counters and RTCP
// feedback seen).
func (e *Engine) interceptors(headerCache bool) (*interceptor.Registry, error) {
	ir := &interceptor.Registry{}
	if headerCache {
		// Innermost, so every interceptor reading RTP finds the header
		// parsed once, in storage reused per stream (rtpattrs.go).
		ir.Add(newHeaderCacheFactory())
	}
	gen, err := nack.NewGeneratorInterceptor()
	if err != nil {
		return nil, err
	}
	// Our own responder: a send history bounded by time, not pion's fixed
	// count of MTU-sized copies per stream (nackresponder.go).
	resp := &nackResponderFactory{window: e.cfg.NACKWindow}
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	sr, err := report.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	tw, err := twcc.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	st, err := stats.NewInterceptor(stats.WithLoggerFactory(pionLogs{log: e.cfg.Logger}))
	if err != nil {
		return nil, err
	}
	// Called synchronously inside NewPeerConnection while newMu is held.
	st.OnNewPeerConnection(func(_ string, g stats.Getter) { e.pending.stats = g })
	// Order matters. The chain wraps writers in registration order, so the
	// first interceptor is the innermost, nearest the network; an
	// interceptor that generates RTCP (reports, NACKs, TWCC feedback) or
	// RTP (NACK retransmissions) writes below itself, where only earlier
	// ones see it. The stats interceptor therefore goes first: it must see
	// our sender reports (to compute RTT from the peer's LSR/DLSR) and our
	// NACKs (nacks-sent). Incoming RTP/RTCP reaches every interceptor
	// whatever the order.
	ir.Add(st)
	ir.Add(resp)
	ir.Add(gen)
	ir.Add(rr)
	ir.Add(sr)
	ir.Add(tw)
	ir.Add(&watchFactory{onNew: func(w *mediaWatch) { e.pending.watch = w }})
	return ir, nil
}

// newPeerConnection creates a pion PeerConnection and returns the
// interceptor instances bound to it.
func (e *Engine) newPeerConnection() (*pion.PeerConnection, pendingInterceptors, error) {
	e.newMu.Lock()
	defer e.newMu.Unlock()
	e.pending = pendingInterceptors{}
	pc, err := e.api.NewPeerConnection(e.configuration())
	got := e.pending
	e.pending = pendingInterceptors{}
	if err != nil {
		return nil, got, err
	}
	if got.watch == nil {
		got.watch = newMediaWatch()
	}
	return pc, got, nil
}
