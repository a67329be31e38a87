package testpeer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/sdp/v3"
	"github.com/pion/transport/v5/stdnet"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/pionfix"
	"github.com/argusrtc/argus/internal/testpeer/slownet"
)

// transportCCURI is the transport-wide congestion control header extension.
const transportCCURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

// Bounds of what a Peer keeps from the other side.
const (
	maxCandidates = 64  // queued local candidates not yet trickled
	maxDCMessages = 16  // queued data channel messages not yet read
	maxDataTexts  = 256 // distinct data channel texts counted
	maxTracks     = 64  // received m-lines tracked
)

// Counter counts RTP packets and payload bytes; for sending, also failed
// writes and packets dropped on purpose (Media.LossEvery, LossPercent).
type Counter struct{ Packets, Bytes, Errors, Dropped atomic.Int64 }

func (c *Counter) add(payload int) { c.Packets.Add(1); c.Bytes.Add(int64(payload)) }

// RTCPCounts is the RTCP the gateway sent to this Peer's senders.
type RTCPCounts struct {
	PLIs, FIRs, NACKs atomic.Int64 // messages
	NACKed            atomic.Int64 // sequence numbers requested
	Retransmitted     atomic.Int64 // packets resent from the history
	KeyFrames         atomic.Int64 // key frames sent on request
	REMB              atomic.Uint64
}

// Peer is one client PeerConnection.
type Peer struct {
	PC           *pion.PeerConnection
	Audio, Video *pion.TrackLocalStaticRTP
	AudioSender  *pion.RTPSender
	VideoSender  *pion.RTPSender
	DC           *pion.DataChannel
	// Loud tags audio with level 10 -dBov instead of 127 (AudioLevel).
	Loud atomic.Bool
	// RTCP counts what the gateway sent to the senders.
	RTCP RTCPCounts
	// Link is the slow link of Config.SlowLink (nil without one).
	Link *slownet.Net

	cfg      Config
	dcOpen   chan struct{}
	dcMsgs   chan string
	cands    chan *pion.ICECandidateInit
	sent     [2]Counter // by kind index
	recv     [2]Counter
	tagged   [2]Counter
	tag      atomic.Uint32 // last payload byte of sent packets (0: none)
	counted  atomic.Uint32 // last payload byte counted in tagged (0: none)
	hist     [2]*history
	keyframe atomic.Bool // the next video frame is a key frame

	mu      sync.Mutex
	tracks  map[string]*Track // by mid
	data    map[string]int    // remote data channel texts
	closing bool              // Close started: spawn starts nothing

	sendCtx  context.Context //nolint:containedctx // the send loop's lifetime, owned by this Peer
	stopSend context.CancelFunc
	wg       sync.WaitGroup
	sending  sync.WaitGroup // the send loops (spawnSender); StopSending waits for them
}

// kind indexes.
const (
	audioIdx = 0
	videoIdx = 1
)

func kindIdx(kind string) int {
	if kind == "video" {
		return videoIdx
	}
	return audioIdx
}

// New builds the PeerConnection, its tracks and its data channel.
func New(cfg Config) (*Peer, error) {
	link, err := slowNet(cfg)
	if err != nil {
		return nil, err
	}
	api, err := newAPI(cfg, link)
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	if cfg.StreamID == "" {
		cfg.StreamID = "testpeer"
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Peer{
		PC: pc, cfg: cfg, Link: link,
		dcOpen: make(chan struct{}), dcMsgs: make(chan string, maxDCMessages),
		cands:  make(chan *pion.ICECandidateInit, maxCandidates),
		tracks: map[string]*Track{}, data: map[string]int{},
		sendCtx: ctx, stopSend: cancel,
	}
	if cfg.History > 0 {
		p.hist[videoIdx] = newHistory(cfg.History) // a browser offers nack for video only
	}
	if err := p.setup(); err != nil {
		_ = p.Close()
		return nil, err
	}
	return p, nil
}

// NewAPI is the pion API of cfg (codecs, feedback, interceptors, ICE).
func NewAPI(cfg Config) (*pion.API, error) {
	link, err := slowNet(cfg)
	if err != nil {
		return nil, err
	}
	return newAPI(cfg, link)
}

// slowNet is the network of Config.SlowLink, or nil.
func slowNet(cfg Config) (*slownet.Net, error) {
	if cfg.SlowLink == nil {
		return nil, nil //nolint:nilnil // no slow link is not an error
	}
	std, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	return slownet.New(std, *cfg.SlowLink, *cfg.SlowLink), nil
}

func newAPI(cfg Config, link *slownet.Net) (*pion.API, error) {
	me := &pion.MediaEngine{}
	if err := registerCodecs(me, cfg); err != nil {
		return nil, err
	}
	// Always a registry: pion.NewAPI without one registers its default
	// interceptors (and their feedback in the MediaEngine).
	ir := &interceptor.Registry{}
	for _, f := range cfg.Extra {
		ir.Add(f)
	}
	if cfg.Interceptors {
		if err := pion.RegisterDefaultInterceptors(me, ir); err != nil {
			return nil, fmt.Errorf("interceptors: %w", err)
		}
	}
	opts := []func(*pion.API){pion.WithInterceptorRegistry(ir)}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled
	se := pion.SettingEngine{LoggerFactory: lf}
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	switch {
	case cfg.Network != nil:
		n := cfg.Network
		se.SetIPFilter(func(ip net.IP) bool { return n.Contains(ip) })
		se.SetIncludeLoopbackCandidate(n.IP.IsLoopback())
	case cfg.AnyAddress:
		se.SetIncludeLoopbackCandidate(true)
	default:
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	if cfg.NoReplayProtection {
		se.DisableSRTPReplayProtection(true)
	}
	if link != nil {
		se.SetNet(link)
	}
	if cfg.UDPMux != nil {
		se.SetICEUDPMux(cfg.UDPMux)
	}
	opts = append(opts, pion.WithMediaEngine(me), pion.WithSettingEngine(se))
	return pion.NewAPI(opts...), nil
}

func registerCodecs(me *pion.MediaEngine, cfg Config) error {
	if cfg.Codecs == CodecsPion {
		if err := me.RegisterDefaultCodecs(); err != nil {
			return fmt.Errorf("register codecs: %w", err)
		}
	} else {
		if err := me.RegisterCodec(pion.RTPCodecParameters{
			RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
			PayloadType:        OpusPT,
		}, pion.RTPCodecTypeAudio); err != nil {
			return fmt.Errorf("register opus: %w", err)
		}
		if err := me.RegisterCodec(pion.RTPCodecParameters{
			RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: cfg.Feedback},
			PayloadType:        VP8PT,
		}, pion.RTPCodecTypeVideo); err != nil {
			return fmt.Errorf("register vp8: %w", err)
		}
	}
	for _, fb := range cfg.Feedback {
		if fb.Type != "transport-cc" {
			continue
		}
		for _, k := range []pion.RTPCodecType{pion.RTPCodecTypeAudio, pion.RTPCodecTypeVideo} {
			if err := me.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: transportCCURI}, k); err != nil {
				return fmt.Errorf("register transport-cc: %w", err)
			}
		}
		break
	}
	for _, uri := range cfg.VideoExtensions {
		if err := me.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: uri}, pion.RTPCodecTypeVideo); err != nil {
			return fmt.Errorf("register %s: %w", uri, err)
		}
	}
	if cfg.AudioLevel {
		if err := me.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, pion.RTPCodecTypeAudio); err != nil {
			return fmt.Errorf("register audio level: %w", err)
		}
	}
	return nil
}

func (p *Peer) setup() error {
	var err error
	if p.cfg.Audio {
		if p.Audio, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", p.cfg.StreamID); err != nil {
			return fmt.Errorf("audio track: %w", err)
		}
		if p.AudioSender, err = p.addTrack(p.Audio, audioIdx); err != nil {
			return err
		}
	}
	if p.cfg.Video {
		if p.Video, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", p.cfg.StreamID); err != nil {
			return fmt.Errorf("video track: %w", err)
		}
		if p.VideoSender, err = p.addTrack(p.Video, videoIdx); err != nil {
			return err
		}
	}
	if p.cfg.DataChannel {
		if p.DC, err = p.PC.CreateDataChannel("JanusDataChannel", nil); err != nil {
			return fmt.Errorf("data channel: %w", err)
		}
		var once sync.Once
		p.DC.OnOpen(func() { once.Do(func() { close(p.dcOpen) }) })
		p.DC.OnMessage(func(m pion.DataChannelMessage) {
			select {
			case p.dcMsgs <- string(m.Data):
			default:
			}
		})
	}
	p.PC.OnDataChannel(func(dc *pion.DataChannel) {
		dc.OnMessage(func(m pion.DataChannelMessage) {
			p.mu.Lock()
			if _, ok := p.data[string(m.Data)]; ok || len(p.data) < maxDataTexts {
				p.data[string(m.Data)]++
			}
			p.mu.Unlock()
		})
	})
	p.PC.OnICECandidate(func(c *pion.ICECandidate) {
		var init *pion.ICECandidateInit
		if c != nil {
			ci := c.ToJSON()
			init = &ci
		}
		select {
		case p.cands <- init:
		default:
		}
	})
	p.PC.OnTrack(p.onTrack)
	return nil
}

// addTrack adds a local track and reads its sender's RTCP until close.
func (p *Peer) addTrack(tr *pion.TrackLocalStaticRTP, idx int) (*pion.RTPSender, error) {
	sender, err := p.PC.AddTrack(tr)
	if err != nil {
		return nil, fmt.Errorf("add track: %w", err)
	}
	p.spawn(func() { p.readRTCP(sender, tr, idx) })
	return sender, nil
}

// spawn runs f in a goroutine that Close waits for, unless Close has
// started (false): pion may deliver a track while the PeerConnection
// closes, and a reader started then would outlive Close.
func (p *Peer) spawn(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return false
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f()
	}()
	return true
}

// spawnSender is spawn for a send loop of sendCtx: StopSending waits for
// it, so that the Sent counters are final when it returns.
func (p *Peer) spawnSender(f func()) {
	p.sending.Add(1)
	if !p.spawn(func() { defer p.sending.Done(); f() }) {
		p.sending.Done()
	}
}

// Candidates yields the local ICE candidates as gathered; nil marks the
// end of gathering. Candidates past a backlog of 64 are dropped.
func (p *Peer) Candidates() <-chan *pion.ICECandidateInit { return p.cands }

// DataOpen is closed when the data channel opened.
func (p *Peer) DataOpen() <-chan struct{} { return p.dcOpen }

// DataMessages yields text received on the data channel (a backlog of
// 16; more are dropped).
func (p *Peer) DataMessages() <-chan string { return p.dcMsgs }

// DataFrom counts the messages with text received on data channels the
// gateway opened.
func (p *Peer) DataFrom(text string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.data[text]
}

// Sent is what was written on the kind's track ("audio" or "video").
func (p *Peer) Sent(kind string) *Counter { return &p.sent[kindIdx(kind)] }

// Received is what arrived on the tracks of a kind.
func (p *Peer) Received(kind string) *Counter { return &p.recv[kindIdx(kind)] }

// Offer creates and applies the local offer. With gather it waits for ICE
// gathering and returns the SDP with every candidate; without, candidates
// trickle on Candidates().
func (p *Peer) Offer(ctx context.Context, gather bool) (string, error) {
	o, err := p.PC.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("create offer: %w", err)
	}
	return p.setLocal(ctx, o, gather)
}

// Answer applies the gateway's offer (SetOffer) and returns a complete
// answer.
func (p *Peer) Answer(ctx context.Context, offer string) (string, error) {
	if err := p.SetOffer(offer); err != nil {
		return "", err
	}
	a, err := p.PC.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("create answer: %w", err)
	}
	return p.setLocal(ctx, a, true)
}

// SetOffer applies the gateway's offer, so that an m-line the offer
// leaves inactive can be received on again when a later offer reuses it,
// as in a browser (pionfix.KeepReceivers).
func (p *Peer) SetOffer(offer string) error {
	offer = pionfix.KeepReceivers(offer, p.PC.GetTransceivers())
	if err := p.PC.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: offer}); err != nil {
		return fmt.Errorf("apply offer: %w", err)
	}
	return nil
}

// SetAnswer applies the gateway's answer.
func (p *Peer) SetAnswer(sdp string) error {
	if err := p.PC.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("apply answer: %w", err)
	}
	return nil
}

func (p *Peer) setLocal(ctx context.Context, d pion.SessionDescription, gather bool) (string, error) {
	if !gather {
		if err := p.PC.SetLocalDescription(d); err != nil {
			return "", fmt.Errorf("set local description: %w", err)
		}
		return d.SDP, nil
	}
	return Gathered(ctx, p.PC, d)
}

// Gathered sets a local description and waits for ICE gathering, so the
// returned SDP carries the candidates (no trickle needed).
func Gathered(ctx context.Context, pc *pion.PeerConnection, d pion.SessionDescription) (string, error) {
	done := pion.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		return "", fmt.Errorf("set local description: %w", err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		return "", fmt.Errorf("ICE gathering: %w", ctx.Err())
	}
	return pc.LocalDescription().SDP, nil
}

// ErrFailed is a PeerConnection that failed or closed while awaited.
var ErrFailed = errors.New("peer connection failed")

// WaitConnected waits for the PeerConnection to be connected (ICE and
// DTLS done).
func (p *Peer) WaitConnected(ctx context.Context) error { return WaitConnected(ctx, p.PC) }

// WaitConnected waits for any PeerConnection to be connected.
func WaitConnected(ctx context.Context, pc *pion.PeerConnection) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		switch s := pc.ConnectionState(); s {
		case pion.PeerConnectionStateConnected:
			return nil
		case pion.PeerConnectionStateFailed, pion.PeerConnectionStateClosed:
			return fmt.Errorf("%w: PeerConnection %s", ErrFailed, s)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("PeerConnection %s: %w", pc.ConnectionState(), ctx.Err())
		case <-tick.C:
		}
	}
}

// StopSending ends the send loops started by Start (and StartSimulcast)
// and waits for them: a packet in flight is counted in Sent, or was not
// sent, once it returns.
func (p *Peer) StopSending() {
	p.stopSend()
	p.sending.Wait()
}

// Close stops sending, closes the PeerConnection and waits for every
// goroutine of the Peer.
func (p *Peer) Close() error {
	p.stopSend()
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	err := p.PC.Close()
	p.wg.Wait()
	if errors.Is(err, pion.ErrConnectionClosed) {
		err = nil
	}
	return err
}
