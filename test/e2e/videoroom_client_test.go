package e2e

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// vrAPI is the clients' pion API: Opus and VP8 (with NACK, PLI, FIR and
// REMB feedback, no RTX) and no interceptors, so the tests see raw RTCP
// and every packet, retransmissions included.
func vrAPI() (*pion.API, error) {
	me := &pion.MediaEngine{}
	if err := me.RegisterCodec(pion.RTPCodecParameters{
		RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType:        111,
	}, pion.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	fb := []pion.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	if err := me.RegisterCodec(pion.RTPCodecParameters{
		RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb},
		PayloadType:        96,
	}, pion.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	if err := me.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, pion.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	se := pion.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	// A NACKed packet comes back with its original sequence number (no
	// RTX negotiated): SRTP replay protection would drop it.
	se.DisableSRTPReplayProtection(true)
	return pion.NewAPI(pion.WithMediaEngine(me), pion.WithSettingEngine(se)), nil
}

// gathered sets a local description and waits for ICE gathering, so the
// SDP carries the candidates (no trickle needed).
func gathered(ctx context.Context, pc *pion.PeerConnection, d pion.SessionDescription) (string, error) {
	done := pion.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		return "", err
	}
	select {
	case <-done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}

// waitPCConnected waits for a PeerConnection to be connected.
func waitPCConnected(ctx context.Context, pc *pion.PeerConnection) error {
	for {
		switch s := pc.ConnectionState(); s {
		case pion.PeerConnectionStateConnected:
			return nil
		case pion.PeerConnectionStateFailed, pion.PeerConnectionStateClosed:
			return fmt.Errorf("PeerConnection %s", s)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("PeerConnection %s: %w", pc.ConnectionState(), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// vrPublisherPeer sends Opus- and VP8-sized RTP whose last payload byte
// is the publisher's marker, and counts the RTCP Argus sends it.
type vrPublisherPeer struct {
	pc           *pion.PeerConnection
	audio, video *pion.TrackLocalStaticRTP
	marker       byte
	name         string
	dc           *pion.DataChannel
	audioSender  *pion.RTPSender
	loud         atomic.Bool // audio level 10 -dBov instead of 127 (silence)
	plis         atomic.Int64
	remb         atomic.Uint64 // last REMB bitrate
	stop         chan struct{}
	stopOnce     sync.Once
	wg           sync.WaitGroup
}

func newVRPublisherPeer(api *pion.API, name string, marker byte) (*vrPublisherPeer, error) {
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &vrPublisherPeer{pc: pc, name: name, marker: marker, stop: make(chan struct{})}
	if p.dc, err = pc.CreateDataChannel("JanusDataChannel", nil); err != nil {
		_ = pc.Close()
		return nil, err
	}
	p.audio, _ = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "pub")
	p.video, _ = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "pub")
	for _, tr := range []*pion.TrackLocalStaticRTP{p.audio, p.video} {
		sender, err := pc.AddTrack(tr)
		if err != nil {
			_ = pc.Close()
			return nil, err
		}
		if tr == p.audio {
			p.audioSender = sender
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				pkts, _, err := sender.ReadRTCP()
				if err != nil {
					return
				}
				for _, pk := range pkts {
					switch pk := pk.(type) {
					case *rtcp.PictureLossIndication:
						p.plis.Add(1)
					case *rtcp.ReceiverEstimatedMaximumBitrate:
						p.remb.Store(uint64(pk.Bitrate))
					}
				}
			}
		}()
	}
	return p, nil
}

// startSending writes one audio and one video packet every rtpInterval.
func (p *vrPublisherPeer) startSending() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(rtpInterval)
		defer tick.Stop()
		audio := make([]byte, 80)
		video := append([]byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, make([]byte, 500)...)
		audio[len(audio)-1], video[len(video)-1] = p.marker, p.marker
		var seq uint16 = 1000 * uint16(p.marker)
		var levelID uint8
		for _, x := range p.audioSender.GetParameters().HeaderExtensions {
			if x.URI == sdp.AudioLevelURI {
				levelID = uint8(x.ID)
			}
		}
		for i := uint32(0); ; i++ {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			seq++
			ap := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: i * 960}, Payload: audio}
			if levelID != 0 {
				level := byte(127)
				if p.loud.Load() {
					level = 10
				}
				_ = ap.SetExtension(levelID, []byte{level})
			}
			_ = p.audio.WriteRTP(ap)
			_ = p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seq, Timestamp: i * 3000}, Payload: video})
			if i%5 == 0 && p.dc.ReadyState() == pion.DataChannelStateOpen {
				_ = p.dc.SendText(p.name)
			}
		}
	}()
}

func (p *vrPublisherPeer) close() {
	p.stopOnce.Do(func() { close(p.stop) })
	_ = p.pc.Close()
	p.wg.Wait()
}

// vrTrack is what a subscriber received on one m-line.
type vrTrack struct {
	kind       string
	ssrc       atomic.Uint32
	packets    atomic.Int64
	bytes      atomic.Int64
	lastMarker atomic.Int32
	mu         sync.Mutex
	seqs       map[uint16]int // times each sequence number arrived (video)
	lastSeq    uint16
}

// seen returns how often seq arrived and the last sequence number.
func (t *vrTrack) seen(seq uint16) (int, uint16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seqs[seq], t.lastSeq
}

// vrSubscriberPeer is a receive-only client PeerConnection.
type vrSubscriberPeer struct {
	pc     *pion.PeerConnection
	mu     sync.Mutex
	tracks map[string]*vrTrack // by mid
	data   map[string]int      // data channel messages by text
	wg     sync.WaitGroup
}

func newVRSubscriberPeer(api *pion.API) (*vrSubscriberPeer, error) {
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, err
	}
	s := &vrSubscriberPeer{pc: pc, tracks: map[string]*vrTrack{}, data: map[string]int{}}
	pc.OnDataChannel(func(dc *pion.DataChannel) {
		dc.OnMessage(func(m pion.DataChannelMessage) {
			s.mu.Lock()
			s.data[string(m.Data)]++
			s.mu.Unlock()
		})
	})
	pc.OnTrack(func(remote *pion.TrackRemote, recv *pion.RTPReceiver) {
		mid := ""
		for _, t := range pc.GetTransceivers() {
			if t.Receiver() == recv {
				mid = t.Mid()
			}
		}
		tr := s.track(mid)
		tr.kind = remote.Kind().String()
		tr.ssrc.Store(uint32(remote.SSRC()))
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			buf := make([]byte, 1500)
			var pkt rtp.Packet
			for {
				n, _, err := remote.Read(buf)
				if err != nil {
					return
				}
				if pkt.Unmarshal(buf[:n]) != nil || len(pkt.Payload) == 0 {
					continue
				}
				tr.packets.Add(1)
				tr.bytes.Add(int64(len(pkt.Payload)))
				tr.lastMarker.Store(int32(pkt.Payload[len(pkt.Payload)-1]))
				tr.mu.Lock()
				tr.seqs[pkt.SequenceNumber]++
				tr.lastSeq = pkt.SequenceNumber
				tr.mu.Unlock()
			}
		}()
	})
	return s, nil
}

// track returns (creating) the stats of a mid.
func (s *vrSubscriberPeer) track(mid string) *vrTrack {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tracks[mid]
	if t == nil {
		t = &vrTrack{seqs: map[uint16]int{}}
		t.lastMarker.Store(-1)
		s.tracks[mid] = t
	}
	return t
}

func (s *vrSubscriberPeer) close() {
	_ = s.pc.Close()
	s.wg.Wait()
}

// dataFrom returns how many data channel messages with text arrived.
func (s *vrSubscriberPeer) dataFrom(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[text]
}
