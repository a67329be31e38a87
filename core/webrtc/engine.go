package webrtc

import (
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/webrtc/sharedport"
)

// Engine builds Peers sharing one pion API: one MediaEngine, one
// SettingEngine and one interceptor registry per gateway. It never uses
// pion's package-level NewPeerConnection.
type Engine struct {
	cfg Config
	api *pion.API
	// rtcp runs every PeerConnection's periodic RTCP (sender and receiver
	// reports, TWCC feedback) from one goroutine (rtcpticker.go).
	rtcp *rtcpTicker
	udp  *sharedport.Port // nil without Config.SharedUDP: a socket per PeerConnection
	// localIP is the address server info reports as "local-ip"
	// (LocalIP), found at NewEngine.
	localIP string
	// cert is the DTLS certificate of every PeerConnection (dtlscert.go).
	cert *dtlsCert

	// newMu serializes NewPeer so that the per-PeerConnection interceptors
	// built inside pion's NewPeerConnection land in pending unambiguously.
	newMu   sync.Mutex
	pending pendingInterceptors
}

// pendingInterceptors are the per-PeerConnection interceptor instances
// created by the registry during one NewPeerConnection call.
type pendingInterceptors struct {
	watch *mediaWatch
	nack  *nackResponder
}

// NewEngine builds the pion API (MediaEngine, SettingEngine, interceptors).
func NewEngine(cfg Config) (*Engine, error) { return newEngine(cfg, nil) }

// newEngine is NewEngine with a hook on the SettingEngine (tests shorten
// ICE timeouts with it).
func newEngine(cfg Config, tweak func(*pion.SettingEngine)) (*Engine, error) {
	cfg = cfg.withDefaults()
	e := &Engine{cfg: cfg, rtcp: newRTCPTicker()}
	var err error
	if e.cert, err = newDTLSCert(cfg.Logger); err != nil {
		return nil, fmt.Errorf("webrtc: %w", err)
	}

	me := &pion.MediaEngine{}
	if err := registerCodecs(me); err != nil {
		return nil, fmt.Errorf("webrtc: media engine: %w", err)
	}
	ir, err := e.interceptors(true)
	if err != nil {
		return nil, fmt.Errorf("webrtc: interceptors: %w", err)
	}
	filter := newAddrFilter(cfg.ICEEnforceList, cfg.ICEIgnoreList)
	se, err := settingEngine(cfg, filter)
	if err != nil {
		return nil, fmt.Errorf("webrtc: setting engine: %w", err)
	}
	switch {
	case cfg.SharedUDP && (cfg.ICEPortMin != 0 || cfg.ICEPortMax != 0):
		return nil, fmt.Errorf("webrtc: %w: a shared UDP port and an ICE port range %d-%d", ErrPortConfig, cfg.ICEPortMin, cfg.ICEPortMax)
	case !cfg.SharedUDP && cfg.ICEUDPPort != 0:
		return nil, fmt.Errorf("webrtc: %w: ICEUDPPort %d without SharedUDP", ErrPortConfig, cfg.ICEUDPPort)
	case cfg.ICELite && len(cfg.STUNServers) > 0:
		return nil, fmt.Errorf("webrtc: %w: %v", ErrICELiteConfig, cfg.STUNServers)
	}
	if !cfg.IPv6 {
		if addrs, err := net.InterfaceAddrs(); err == nil {
			warnIPv6Only(cfg.Logger, addrs)
		}
	}
	local := localAddrs()
	filter.warnNoneKept(cfg.Logger, local, cfg.IncludeLoopback, cfg.IPv6)
	e.localIP = filter.localIP(local, defaultRouteAddr(), cfg.IncludeLoopback, cfg.IPv6)
	warnNATFamily(cfg.Logger, cfg.NAT1To1IPs, cfg.IPv6)
	if cfg.SharedUDP {
		// pion gathers a UDP mux's addresses whatever the network types
		// and filters.
		sc := sharedport.Config{Port: cfg.ICEUDPPort, Loopback: cfg.IncludeLoopback, ICELite: cfg.ICELite,
			Keep: func(iface string, a netip.Addr) bool { return (cfg.IPv6 || a.Is4()) && filter.keep(iface, a) }}
		e.udp, err = sharedport.Open(sc)
		if err != nil {
			return nil, fmt.Errorf("webrtc: %w", err)
		}
		switch {
		case e.udp != nil:
			se.SetICEUDPMux(e.udp.Mux())
			e.warnSharedUDP()
		case cfg.ICEUDPPort != 0:
			// A fixed port is what a firewall or a container publishes:
			// ephemeral sockets per PeerConnection would not get through.
			return nil, fmt.Errorf("webrtc: %w: port %d (IPv4 only unless IPv6 is on; after the ICE enforce and ignore lists)", ErrNoSharedAddress, cfg.ICEUDPPort)
		default:
			cfg.Logger.Warn("no local address for the shared ICE UDP port (IPv4 only unless IPv6 is on; after the ICE enforce and ignore lists): a socket per PeerConnection")
		}
	}
	if tweak != nil {
		tweak(&se)
	}
	e.api = pion.NewAPI(pion.WithMediaEngine(me), pion.WithInterceptorRegistry(ir), pion.WithSettingEngine(se))
	return e, nil
}

// Close releases shared resources: it stops the periodic RTCP (reports,
// TWCC feedback) of the Peers still open and closes the shared UDP
// sockets. Peers must be closed by their owners, before.
func (e *Engine) Close() error {
	e.rtcp.close()
	if e.udp == nil {
		return nil
	}
	if err := e.udp.Close(); err != nil {
		return fmt.Errorf("webrtc: close ICE UDP mux: %w", err)
	}
	return nil
}

// LocalIP is the gateway's own address as Janus's server info reports it
// ("local-ip"): of the addresses ICE gathers on, the one the default
// route leaves from, else the first that is not loopback, else loopback;
// "" when ICE gathers on none. Found at NewEngine.
func (e *Engine) LocalIP() string { return e.localIP }

// warnSharedUDP logs, once at start, what makes the shared port weaker than
// it looks: kernel buffers capped below what was asked (every
// PeerConnection shares them, and what overflows them is dropped unseen),
// and loopback addresses only (clients elsewhere cannot reach it, and the
// addresses are not looked at again).
func (e *Engine) warnSharedUDP() {
	if b := e.udp.Buffers(); b.Short() {
		e.cfg.Logger.Warn("shared ICE UDP port: the kernel capped the socket buffers; raise net.core.rmem_max and net.core.wmem_max (sysctl) to at least the wanted size",
			"wanted_bytes", b.Wanted, "read_bytes", b.Read, "write_bytes", b.Write)
	}
	addrs := e.udp.Addrs()
	for _, a := range addrs {
		if !a.Addr().IsLoopback() {
			return
		}
	}
	e.cfg.Logger.Warn("shared ICE UDP port on loopback addresses only: clients off this host cannot reach it (the addresses are fixed at start: was the network up?)",
		"addresses", addrs)
}

// SharedUDPAddrs are the local addresses of the shared ICE UDP port, fixed
// at NewEngine; nil without one.
func (e *Engine) SharedUDPAddrs() []netip.AddrPort {
	if e.udp == nil {
		return nil
	}
	return e.udp.Addrs()
}

// SharedUDPBuffers are the kernel buffers of the shared ICE UDP port's
// sockets; ok is false without a shared port.
func (e *Engine) SharedUDPBuffers() (b sharedport.Buffers, ok bool) {
	if e.udp == nil {
		return sharedport.Buffers{}, false
	}
	return e.udp.Buffers(), true
}

// SharedUDP describes the Engine's shared ICE UDP port: the port and the
// sockets' counters. ok is false when PeerConnections have their own
// sockets (no Config.SharedUDP, or no local address at start).
func (e *Engine) SharedUDP() (port int, st sharedport.Stats, ok bool) {
	if e.udp == nil {
		return 0, sharedport.Stats{}, false
	}
	return e.udp.Number(), e.udp.Stats(), true
}

// configuration is the standard part of the PeerConnection settings,
// with the Engine's DTLS certificate.
func (e *Engine) configuration() (pion.Configuration, error) {
	cert, err := e.cert.get()
	if err != nil {
		return pion.Configuration{}, fmt.Errorf("webrtc: %w", err)
	}
	c := pion.Configuration{
		BundlePolicy:  pion.BundlePolicyMaxBundle,
		RTCPMuxPolicy: pion.RTCPMuxPolicyRequire,
		Certificates:  []pion.Certificate{cert},
	}
	if len(e.cfg.STUNServers) > 0 {
		c.ICEServers = []pion.ICEServer{{URLs: append([]string(nil), e.cfg.STUNServers...)}}
	}
	return c, nil
}

// settingEngine maps Config onto pion's SettingEngine; filter is the
// Config's ICE enforce and ignore lists.
func settingEngine(cfg Config, filter addrFilter) (pion.SettingEngine, error) {
	se := pion.SettingEngine{LoggerFactory: pionLogs{log: cfg.Logger}}
	// AEAD-AES-GCM first, the 128-bit key before the 256-bit one: where
	// Argus is the DTLS server its order decides, and AES-128-GCM costs
	// about 8 % fewer instructions per 1000-byte packet than AES-256-GCM (pion's
	// default first choice); both are AEAD, authenticated without the
	// separate HMAC-SHA1 pass of AES_CM_128_HMAC_SHA1_80, kept for clients
	// without GCM.
	se.SetSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AEAD_AES_256_GCM, dtls.SRTP_AES128_CM_HMAC_SHA1_80)
	// No mDNS: pion would open, per PeerConnection, a multicast socket and
	// six goroutines to resolve the browser's ".local" host candidates. A
	// gateway that clients reach does not need them (their checks arrive
	// as peer-reflexive candidates), and Argus's server info already says
	// "mdns-enabled": false; .local candidates are ignored.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// Receive queues with limits sized to media, their packet buffers
	// shared by the Engine's PeerConnections (queues.go).
	se.BufferFactory = newPacketPools().newQueue
	// One list of the host's interfaces for the PeerConnections set up
	// within a second of each other, not a netlink dump per
	// PeerConnection (ifacenet.go); the enforce list's filter looks
	// interfaces up in it too.
	ifaces := newIfaceNet(ifaceMaxAge)
	se.SetNet(ifaces)
	// UDP only, as Janus without ICE-TCP; IPv6 only when asked, as Janus.
	nets := []pion.NetworkType{pion.NetworkTypeUDP4}
	if cfg.IPv6 {
		nets = append(nets, pion.NetworkTypeUDP6)
	}
	se.SetNetworkTypes(nets)
	if cfg.IncludeLoopback {
		se.SetIncludeLoopbackCandidate(true)
	}
	filter.apply(&se, ifaces)
	rules, err := natRules(cfg.NAT1To1IPs, cfg.KeepPrivateHost)
	if err != nil {
		return se, err
	}
	if err := se.SetICEAddressRewriteRules(rules...); err != nil {
		return se, fmt.Errorf("nat_1_1_mapping: %w", err)
	}
	if cfg.ICELite {
		se.SetLite(true)
	}
	if cfg.ICEDisconnectedTimeout > 0 || cfg.ICEFailedTimeout > 0 {
		setICETimeouts(&se, cfg.ICEDisconnectedTimeout, cfg.ICEFailedTimeout, cfg.ICELite)
	}
	if cfg.ICEPortMin != 0 || cfg.ICEPortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.ICEPortMin, cfg.ICEPortMax); err != nil {
			return se, fmt.Errorf("ICE port range %d-%d: %w", cfg.ICEPortMin, cfg.ICEPortMax, err)
		}
	}
	return se, nil
}

// interceptors builds the registry: the header cache (innermost; the
// benchmark compares the chain without it), our own mediaWatch (the media
// reports' statistics and the RTCP feedback seen, and from them the RTCP
// sender and receiver reports), NACK responder, NACK generator and TWCC
// feedback; the reports and the feedback are sent by the Engine's
// rtcpTicker.
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
	resp := &nackResponderFactory{window: e.cfg.NACKWindow, refusals: e.cfg.Refusals, onNew: func(n *nackResponder) { e.pending.nack = n }}
	// Our own TWCC feedback: pion's woke its goroutine once per received
	// packet (twcc.go).
	tw := twccFactory{ticker: e.rtcp}
	// Order matters. The chain wraps writers in registration order, so the
	// first interceptor is the innermost, nearest the network; an
	// interceptor that generates RTCP (reports, NACKs, TWCC feedback) or
	// RTP (NACK retransmissions) writes below itself, where only earlier
	// ones see it. mediaWatch therefore comes right after the header
	// cache: it must count our NACKs (nacks-sent) and retransmissions. On
	// the read side it is the first to see each packet's parsed header.
	// (pion's stats interceptor, which it replaces, cloned every packet's
	// header and copied its whole state twice per packet under a lock.)
	// Its counters also make the RTCP sender and receiver reports, which
	// replace pion's report interceptors (two goroutines per
	// PeerConnection and a lock per packet; reports.go); they are written
	// below mediaWatch, like NACKs and TWCC feedback below their own.
	// Called synchronously inside NewPeerConnection while newMu is held.
	ir.Add(&watchFactory{onNew: func(w *mediaWatch) { e.pending.watch = w }, ticker: e.rtcp})
	ir.Add(resp)
	ir.Add(lazyWriterFactory{inner: gen, needs: streamNegotiatedNACK}) // no ticker without a stream to NACK (nackgen.go)
	ir.Add(tw)
	return ir, nil
}

// newPeerConnection creates a pion PeerConnection and returns the
// interceptor instances bound to it.
func (e *Engine) newPeerConnection() (*pion.PeerConnection, pendingInterceptors, error) {
	conf, err := e.configuration()
	if err != nil {
		return nil, pendingInterceptors{}, err
	}
	e.newMu.Lock()
	defer e.newMu.Unlock()
	e.pending = pendingInterceptors{}
	pc, err := e.api.NewPeerConnection(conf)
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
