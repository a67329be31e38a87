package dashboards

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// peer is the client's PeerConnection: an Opus and a VP8 track filled with
// generated RTP, with pion's default interceptors so it sends RTCP
// receiver/sender reports and NACKs like a browser.
type peer struct {
	pc           *pion.PeerConnection
	audio, video *pion.TrackLocalStaticRTP
	stop         chan struct{}
	stopOnce     sync.Once
	wg           sync.WaitGroup
}

// newPeer returns a sending peer (an Opus and a VP8 track).
func newPeer() (*peer, error) { return newPeerWith(true) }

// newReceiver returns a peer with no tracks, to answer a gateway's offer.
func newReceiver() (*peer, error) { return newPeerWith(false) }

func newPeerWith(tracks bool) (*peer, error) {
	me := &pion.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	// First: the innermost RTCP writer, so the RTCP that the other
	// interceptors generate (receiver/sender reports, NACKs) waits too.
	ir.Add(rtcpDelayerFactory{})
	if err := pion.RegisterDefaultInterceptors(me, ir); err != nil {
		return nil, err
	}
	se := pion.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	api := pion.NewAPI(pion.WithMediaEngine(me), pion.WithInterceptorRegistry(ir), pion.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &peer{pc: pc, stop: make(chan struct{})}
	p.pc.OnTrack(func(track *pion.TrackRemote, recv *pion.RTPReceiver) {
		p.wg.Add(2)
		go func() { // drain the media the gateway sends
			defer p.wg.Done()
			for {
				if _, _, err := track.ReadRTP(); err != nil {
					return
				}
			}
		}()
		go func() { // read its RTCP, so the interceptors see its sender reports (LSR/DLSR of our receiver reports)
			defer p.wg.Done()
			for {
				if _, _, err := recv.ReadRTCP(); err != nil {
					return
				}
			}
		}()
	})
	if !tracks {
		return p, nil
	}
	if err := p.setup(); err != nil {
		_ = pc.Close()
		return nil, err
	}
	return p, nil
}

func (p *peer) setup() error {
	var err error
	p.audio, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "dashboards")
	if err != nil {
		return err
	}
	p.video, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "dashboards")
	if err != nil {
		return err
	}
	for _, tr := range []*pion.TrackLocalStaticRTP{p.audio, p.video} {
		sender, err := p.pc.AddTrack(tr)
		if err != nil {
			return err
		}
		p.wg.Add(1)
		go func() { // read RTCP so the interceptors see it
			defer p.wg.Done()
			buf := make([]byte, 1500)
			for {
				if _, _, err := sender.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	return nil
}

// offer returns a complete (non-trickle) offer: it waits for ICE gathering.
func (p *peer) offer(ctx context.Context) (string, error) {
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	done := pion.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(o); err != nil {
		return "", err
	}
	select {
	case <-done:
	case <-ctx.Done():
		return "", fmt.Errorf("ICE gathering: %w", ctx.Err())
	}
	return p.pc.LocalDescription().SDP, nil
}

// answer applies the gateway's offer and returns a complete answer.
func (p *peer) answer(ctx context.Context, offer string) (string, error) {
	if err := p.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("apply offer: %w", err)
	}
	a, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	done := pion.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(a); err != nil {
		return "", err
	}
	select {
	case <-done:
	case <-ctx.Done():
		return "", fmt.Errorf("ICE gathering: %w", ctx.Err())
	}
	return p.pc.LocalDescription().SDP, nil
}

// waitConnected waits for the PeerConnection to be connected.
func (p *peer) waitConnected(ctx context.Context) error {
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

// send writes an Opus-sized and a VP8-sized packet every 20 ms until
// stopSending, losing one in lossEvery.
func (p *peer) send() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		audio := make([]byte, 80)
		// VP8 payload descriptor (start of partition 0) and a key frame header.
		video := append([]byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, make([]byte, 500)...)
		var seq uint16
		for i := uint32(0); ; i++ {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			seq++
			if seq%lossEvery == 0 {
				continue // lost on the way (impair_test.go)
			}
			_ = p.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: i * 960}, Payload: audio})
			_ = p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seq, Timestamp: i * 3000}, Payload: video})
		}
	}()
}

func (p *peer) stopSending() { p.stopOnce.Do(func() { close(p.stop) }) }

func (p *peer) close() error {
	p.stopSending()
	err := p.pc.Close()
	p.wg.Wait()
	if errors.Is(err, pion.ErrConnectionClosed) {
		err = nil
	}
	return err
}
