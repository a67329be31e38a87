// Package webrtc is Argus's PeerConnection layer on pion/webrtc v4: one Peer
// per Janus handle, JSEP, trickle, ICE/DTLS state, and media statistics read
// on a timer. It emits the Janus event types 8 (jsep), 16 (webrtc) and 32
// (media); it never imports a plugin or an exporter.
//
// CONTRACT STUB: signatures agreed between core, plugins and this package.
package webrtc

import (
	"context"
	"errors"
	"log/slog"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// Config configures the Engine (one pion API per gateway).
type Config struct {
	ServerName        string            // event emitter name
	Emitter           telemetry.Emitter // jsep, webrtc and media events
	Logger            *slog.Logger
	NAT1To1IPs        []string // advertised host addresses (Janus nat_1_1_mapping)
	STUNServers       []string // "stun:host:port"; none by default
	IncludeLoopback   bool     // gather loopback candidates (tests, local use)
	ICEPortMin        uint16
	ICEPortMax        uint16
	StatsPeriod       time.Duration // media report period; 0 disables reports
	NoMediaTimer      time.Duration // "media receiving false" after this idle time
	SlowlinkThreshold int           // lost packets per second for slowlink; 0 = off
	CombineMediaStats bool
}

// Observer receives a Peer's state changes that the core turns into Janus
// API events for the client. Calls never overlap for one Peer and must not block.
type Observer interface {
	WebRTCUp()
	Media(mid, kind string, receiving bool)
	SlowLink(mid, kind string, uplink bool, lost int)
	// Hangup is called exactly once, after the PeerConnection closed.
	Hangup(reason string)
}

// PeerParams identifies the handle a Peer belongs to.
type PeerParams struct {
	SessionID uint64
	HandleID  uint64
	OpaqueID  string
	Observer  Observer
	Logger    *slog.Logger
}

// Candidate is a trickled ICE candidate; Completed marks end-of-candidates.
type Candidate struct {
	SDPMid        *string
	SDPMLineIndex *uint16
	Candidate     string
	Completed     bool
}

// Sentinel errors, matched with errors.Is by the core to pick Janus codes.
var (
	ErrInvalidSDP       = errors.New("invalid SDP")                       // 465
	ErrUnexpectedAnswer = errors.New("unexpected ANSWER (did we offer?)") // 469
	ErrClosed           = errors.New("peer connection closed")            // 471
	ErrInvalidCandidate = errors.New("invalid candidate")
)

// Engine builds Peers sharing one pion API.
type Engine struct{ cfg Config }

// NewEngine builds the pion API (MediaEngine, SettingEngine, interceptors).
func NewEngine(cfg Config) (*Engine, error) { return &Engine{cfg: cfg}, nil }

// Close releases shared resources.
func (e *Engine) Close() error { return nil }

// Peer is one PeerConnection of one handle.
type Peer struct{ pc *pion.PeerConnection }

// NewPeer creates the PeerConnection of a handle.
func (e *Engine) NewPeer(p PeerParams) (*Peer, error) { return nil, errors.New("not implemented") }

// PeerConnection exposes pion's PeerConnection to the plugin (tracks, data channels).
func (p *Peer) PeerConnection() *pion.PeerConnection { return p.pc }

// SetRemoteDescription applies the client's offer or answer, emits the
// remote jsep event, and applies queued candidates.
func (p *Peer) SetRemoteDescription(ctx context.Context, typ, sdp string) error {
	return errors.New("not implemented")
}

// CreateAnswer answers the remote offer; it waits for ICE gathering so the
// SDP carries Argus's candidates (Janus half-trickle) and emits the local jsep event.
func (p *Peer) CreateAnswer(ctx context.Context) (string, error) {
	return "", errors.New("not implemented")
}

// CreateOffer makes an offer (plugin-initiated negotiation, ICE restart).
func (p *Peer) CreateOffer(ctx context.Context, iceRestart bool) (string, error) {
	return "", errors.New("not implemented")
}

// AddCandidate adds a remote candidate, queueing it until a remote description exists.
func (p *Peer) AddCandidate(c Candidate) error { return errors.New("not implemented") }

// Close hangs up with a Janus hangup reason; idempotent.
func (p *Peer) Close(reason string) {}

// Done is closed once the PeerConnection is closed.
func (p *Peer) Done() <-chan struct{} { return nil }

// Info returns the PeerConnection part of Admin handle_info.info
// (janus-reference.md 3.4): the keys "flags", "sdps", "ice-mode", "ice-role"
// and "webrtc" (with current media stats); the core merges them in.
func (p *Peer) Info() map[string]any { return nil }
