package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// Counter counts RTP packets and payload bytes, and failed writes.
type Counter struct{ packets, bytes, errors atomic.Int64 }

func (c *Counter) add(payload int) { c.packets.Add(1); c.bytes.Add(int64(payload)) }

// write counts the outcome of one packet write.
func (c *Counter) write(payload int, err error) {
	if err != nil {
		c.errors.Add(1)
		return
	}
	c.add(payload)
}

// peer is one session's pion PeerConnection: an Opus and a VP8 track it
// fills with generated RTP, and counters for what is echoed back.
type peer struct {
	pc           *pion.PeerConnection
	audio, video *pion.TrackLocalStaticRTP
	sent, recv   map[string]*Counter // "audio", "video"
	connected    chan struct{}
	failed       chan struct{}
	connOnce     sync.Once
	failOnce     sync.Once
	wg           sync.WaitGroup
}

// newPeer builds a PeerConnection with UDP4 host candidates only, no mDNS
// and no interceptors (the client should cost little CPU).
func newPeer(cfg *Config) (*peer, error) {
	me := &pion.MediaEngine{}
	if err := me.RegisterCodec(pion.RTPCodecParameters{
		RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType:        111,
	}, pion.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register opus: %w", err)
	}
	if err := me.RegisterCodec(pion.RTPCodecParameters{
		RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000},
		PayloadType:        96,
	}, pion.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register vp8: %w", err)
	}
	se := pion.SettingEngine{}
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	switch {
	case cfg.ICELoopback:
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	case cfg.ICENet != nil:
		n := cfg.ICENet
		se.SetIPFilter(func(ip net.IP) bool { return n.Contains(ip) })
	}
	api := pion.NewAPI(pion.WithMediaEngine(me), pion.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	p := &peer{pc: pc,
		sent:      map[string]*Counter{"audio": {}, "video": {}},
		recv:      map[string]*Counter{"audio": {}, "video": {}},
		connected: make(chan struct{}), failed: make(chan struct{})}
	if err := p.setup(); err != nil {
		_ = pc.Close()
		return nil, err
	}
	return p, nil
}

func (p *peer) setup() error {
	var err error
	p.audio, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "argus-load")
	if err != nil {
		return fmt.Errorf("audio track: %w", err)
	}
	p.video, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "argus-load")
	if err != nil {
		return fmt.Errorf("video track: %w", err)
	}
	for _, tr := range []*pion.TrackLocalStaticRTP{p.audio, p.video} {
		sender, err := p.pc.AddTrack(tr)
		if err != nil {
			return fmt.Errorf("add track: %w", err)
		}
		p.wg.Add(1)
		go func() { // drain RTCP (PLI, REMB, receiver reports) until close
			defer p.wg.Done()
			buf := make([]byte, 1500)
			for {
				if _, _, err := sender.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	p.pc.OnConnectionStateChange(func(s pion.PeerConnectionState) {
		switch s {
		case pion.PeerConnectionStateConnected:
			p.connOnce.Do(func() { close(p.connected) })
		case pion.PeerConnectionStateFailed, pion.PeerConnectionStateClosed:
			p.failOnce.Do(func() { close(p.failed) })
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
			buf := make([]byte, 1600)
			var h rtp.Header
			for {
				n, _, err := track.Read(buf)
				if err != nil {
					return
				}
				hl, err := h.Unmarshal(buf[:n])
				if err != nil {
					continue
				}
				cnt.add(n - hl)
			}
		}()
	})
	return nil
}

// offer creates the local offer and returns it once ICE gathering is
// complete, so every candidate is in the SDP.
func (p *peer) offer(ctx context.Context) (string, error) {
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("create offer: %w", err)
	}
	gathered := pion.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(o); err != nil {
		return "", fmt.Errorf("set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("ice gathering: %w", ctx.Err())
	}
	return p.pc.LocalDescription().SDP, nil
}

// waitConnected waits for the PeerConnection to be connected.
func (p *peer) waitConnected(ctx context.Context) error {
	select {
	case <-p.connected:
		return nil
	case <-p.failed:
		return fmt.Errorf("%w: %s", errPeerFailed, p.pc.ConnectionState())
	case <-ctx.Done():
		return fmt.Errorf("connect (%s): %w", p.pc.ConnectionState(), ctx.Err())
	}
}

// send writes generated Opus and VP8 RTP at cfg's rates until ctx ends:
// one audio packet per audio tick, one video frame of VideoPPS/VideoFPS
// packets (marker on the last) per video tick.
func (p *peer) send(ctx context.Context, cfg *Config) {
	var audioC, videoC <-chan time.Time
	if cfg.AudioPPS > 0 {
		t := time.NewTicker(time.Second / time.Duration(cfg.AudioPPS))
		defer t.Stop()
		audioC = t.C
	}
	perFrame := 0
	if cfg.VideoPPS > 0 {
		perFrame = cfg.VideoPPS / cfg.VideoFPS
		t := time.NewTicker(time.Second / time.Duration(cfg.VideoFPS))
		defer t.Stop()
		videoC = t.C
	}
	audioPayload := make([]byte, cfg.AudioSize)
	// VP8 payload descriptor (S bit, partition 0) then a key frame header.
	videoPayload := make([]byte, cfg.VideoSize)
	copy(videoPayload, []byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01})
	videoCont := make([]byte, cfg.VideoSize) // continuation packets: descriptor without S
	var aSeq, vSeq uint16
	var aTS, vTS uint32
	aStep := uint32(48000 / max(cfg.AudioPPS, 1))
	vStep := uint32(90000 / cfg.VideoFPS)
	for {
		select {
		case <-ctx.Done():
			return
		case <-audioC:
			aSeq++
			aTS += aStep
			err := p.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: aSeq, Timestamp: aTS}, Payload: audioPayload})
			p.sent["audio"].write(len(audioPayload), err)
		case <-videoC:
			vTS += vStep
			for i := range perFrame {
				vSeq++
				payload := videoCont
				if i == 0 {
					payload = videoPayload
				}
				err := p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: i == perFrame-1, SequenceNumber: vSeq, Timestamp: vTS}, Payload: payload})
				p.sent["video"].write(len(payload), err)
			}
		}
	}
}

// close closes the PeerConnection and waits for its reader goroutines.
func (p *peer) close() error {
	err := p.pc.Close()
	p.wg.Wait()
	if errors.Is(err, pion.ErrConnectionClosed) {
		err = nil
	}
	return err
}
