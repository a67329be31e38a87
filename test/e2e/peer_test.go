package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/logging"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// rtpInterval paces the generated media: 50 packets per second per kind,
// like 20 ms Opus frames.
const rtpInterval = 20 * time.Millisecond

// counter counts received RTP.
type counter struct{ packets, bytes atomic.Int64 }

// echoPeer is the client's pion PeerConnection: one Opus and one VP8 track
// it fills with RTP packets it builds, and a data channel.
type echoPeer struct {
	pc           *pion.PeerConnection
	audio, video *pion.TrackLocalStaticRTP
	dc           *pion.DataChannel
	dcOpen       chan struct{}
	dcMsgs       chan string
	cands        chan *pion.ICECandidateInit // nil marks end-of-candidates
	recv         map[string]*counter         // "audio", "video"
	sent         atomic.Int64                // packets written per kind
	// dropEvery > 0 leaves out every dropEvery-th RTP packet (its sequence
	// number is used, the packet never sent): seeded loss. Set before
	// startSending.
	dropEvery uint16

	stopSend chan struct{}
	sendOnce sync.Once
	wg       sync.WaitGroup
}

// newEchoPeer builds the PeerConnection with loopback-only UDP4 ICE.
func newEchoPeer() (*echoPeer, error) {
	me := &pion.MediaEngine{}
	if err := me.RegisterCodec(pion.RTPCodecParameters{
		RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType:        111,
	}, pion.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	if err := me.RegisterCodec(pion.RTPCodecParameters{
		RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000},
		PayloadType:        96,
	}, pion.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	// The client's own pion logs are off: failures surface as test errors.
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled
	se := pion.SettingEngine{LoggerFactory: lf}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	api := pion.NewAPI(pion.WithMediaEngine(me), pion.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &echoPeer{
		pc: pc, dcOpen: make(chan struct{}), dcMsgs: make(chan string, 16),
		cands: make(chan *pion.ICECandidateInit, 64),
		recv:  map[string]*counter{"audio": {}, "video": {}}, stopSend: make(chan struct{}),
	}
	if err := p.setup(); err != nil {
		_ = pc.Close()
		return nil, err
	}
	return p, nil
}

func (p *echoPeer) setup() error {
	var err error
	p.audio, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "argus-e2e")
	if err != nil {
		return err
	}
	p.video, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "argus-e2e")
	if err != nil {
		return err
	}
	for _, tr := range []*pion.TrackLocalStaticRTP{p.audio, p.video} {
		sender, err := p.pc.AddTrack(tr)
		if err != nil {
			return err
		}
		p.wg.Add(1)
		go func() { // drain RTCP until the PeerConnection closes
			defer p.wg.Done()
			buf := make([]byte, 1500)
			for {
				if _, _, err := sender.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	p.dc, err = p.pc.CreateDataChannel("JanusDataChannel", nil)
	if err != nil {
		return err
	}
	p.dc.OnOpen(func() { close(p.dcOpen) })
	p.dc.OnMessage(func(m pion.DataChannelMessage) {
		select {
		case p.dcMsgs <- string(m.Data):
		default:
		}
	})
	p.pc.OnICECandidate(func(c *pion.ICECandidate) {
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
	p.pc.OnTrack(func(track *pion.TrackRemote, _ *pion.RTPReceiver) {
		cnt := p.recv[track.Kind().String()]
		if cnt == nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				pkt, _, err := track.ReadRTP()
				if err != nil {
					return
				}
				cnt.packets.Add(1)
				cnt.bytes.Add(int64(len(pkt.Payload)))
			}
		}()
	})
	return nil
}

// offer creates and applies the local offer (candidates trickle later).
func (p *echoPeer) offer() (string, error) {
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	if err := p.pc.SetLocalDescription(o); err != nil {
		return "", err
	}
	return o.SDP, nil
}

// startSending writes an Opus-sized and a VP8-sized RTP packet every
// rtpInterval until stopSending.
func (p *echoPeer) startSending() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(rtpInterval)
		defer tick.Stop()
		var seq uint16
		audioPayload := make([]byte, 80)
		// VP8 payload descriptor (start of partition 0) and a key frame header.
		videoPayload := append([]byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, make([]byte, 500)...)
		for i := uint32(0); ; i++ {
			select {
			case <-p.stopSend:
				return
			case <-tick.C:
			}
			seq++
			if p.dropEvery > 0 && seq%p.dropEvery == 0 {
				continue
			}
			_ = p.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: i * 960}, Payload: audioPayload})
			_ = p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seq, Timestamp: i * 3000}, Payload: videoPayload})
			p.sent.Add(1)
		}
	}()
}

func (p *echoPeer) stopSending() { p.sendOnce.Do(func() { close(p.stopSend) }) }

// waitConnected waits for the PeerConnection to reach "connected".
func (p *echoPeer) waitConnected(ctx context.Context) error {
	for {
		switch s := p.pc.ConnectionState(); s {
		case pion.PeerConnectionStateConnected:
			return nil
		case pion.PeerConnectionStateFailed, pion.PeerConnectionStateClosed:
			return fmt.Errorf("PeerConnection %s", s)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("PeerConnection %s: %w", p.pc.ConnectionState(), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitReceived waits until at least n packets of each kind came back.
func (p *echoPeer) waitReceived(ctx context.Context, n int64) error {
	for {
		a, v := p.recv["audio"].packets.Load(), p.recv["video"].packets.Load()
		if a >= n && v >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("echoed packets audio=%d video=%d, want >= %d each: %w", a, v, n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// close stops sending, closes the PeerConnection and waits for every goroutine.
func (p *echoPeer) close() error {
	p.stopSending()
	err := p.pc.Close()
	p.wg.Wait()
	if errors.Is(err, pion.ErrConnectionClosed) {
		err = nil
	}
	return err
}
