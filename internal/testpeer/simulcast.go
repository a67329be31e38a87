package testpeer

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// SimulcastExtensions are the video header extensions a simulcast sender
// needs (Config.VideoExtensions): the mid and the RTP stream id (rid).
func SimulcastExtensions() []string { return []string{sdp.SDESMidURI, sdp.SDESRTPStreamIDURI} }

// ErrNoExtension is a simulcast sender whose Peer lacks the mid or rid
// header extension (see SimulcastExtensions).
var ErrNoExtension = errors.New("simulcast needs the mid and rid header extensions")

// ErrNoRID is AddSimulcast without a layer.
var ErrNoRID = errors.New("simulcast needs at least one rid")

// Simulcast is one VP8 video m-line sending one RTP stream per RID
// layer, as a browser does with simulcast. The Peer owns its goroutines.
type Simulcast struct {
	p      *Peer
	Sender *pion.RTPSender
	rids   []string
	tracks []*pion.TrackLocalStaticRTP // by index of rids
	sent   []Counter                   // by index of rids
	// PLIs counts the PLIs and FIRs the gateway sent about the layers.
	PLIs atomic.Int64
}

// AddSimulcast adds a VP8 track with one encoding per rid (the first is
// the m-line's first encoding) to a Peer built with
// Config.VideoExtensions = SimulcastExtensions(). Call it before Offer.
// Its sender's RTCP is read (PLIs counted) until Close.
func (p *Peer) AddSimulcast(rids ...string) (*Simulcast, error) {
	if len(rids) == 0 {
		return nil, ErrNoRID
	}
	s := &Simulcast{p: p, rids: rids, sent: make([]Counter, len(rids))}
	for i, rid := range rids {
		tr, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", p.cfg.StreamID, pion.WithRTPStreamID(rid))
		if err != nil {
			return nil, fmt.Errorf("simulcast track %s: %w", rid, err)
		}
		s.tracks = append(s.tracks, tr)
		if i == 0 {
			s.Sender, err = p.PC.AddTrack(tr)
		} else {
			err = s.Sender.AddEncoding(tr)
		}
		if err != nil {
			return nil, fmt.Errorf("simulcast encoding %s: %w", rid, err)
		}
	}
	p.spawn(s.readRTCP)
	return s, nil
}

func (s *Simulcast) readRTCP() {
	for {
		pkts, _, err := s.Sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pk := range pkts {
			switch pk.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.PLIs.Add(1)
			}
		}
	}
}

// Sent is what was written on the layer rid (nil for an unknown rid).
func (s *Simulcast) Sent(rid string) *Counter {
	for i, r := range s.rids {
		if r == rid {
			return &s.sent[i]
		}
	}
	return nil
}

// SimulcastMedia is what the simulcast send loop generates: on every
// tick one single-packet VP8 frame per layer.
type SimulcastMedia struct {
	Interval time.Duration // between frames (default 20 ms)
	Size     int           // payload bytes (default 100, at least 12)
	// KeyEvery makes every KeyEvery-th frame of a layer (counting from 1)
	// a key frame, the others delta frames; 0 or 1: every frame is a key
	// frame.
	KeyEvery int
	// Tags are the last payload byte of each layer's packets, by rid (a
	// missing rid: payloads untouched), so a receiver tells layers apart.
	Tags map[string]byte
	// SeqBases are each layer's sequence number before its first packet,
	// by rid; the RTP timestamp is the sequence number times 3000.
	SeqBases map[string]uint16
}

func (m SimulcastMedia) withDefaults() SimulcastMedia {
	if m.Interval <= 0 {
		m.Interval = 20 * time.Millisecond
	}
	if m.Size < 12 {
		m.Size = 100
	}
	if m.KeyEvery <= 0 {
		m.KeyEvery = 1
	}
	return m
}

// Start sends the layers, each packet tagged with the m-line's mid and
// the layer's rid, until StopSending or Close; call it once the offer
// and answer are applied (the mid is known), and only once.
func (s *Simulcast) Start(m SimulcastMedia) error {
	mid, midID, ridID, err := s.ids()
	if err != nil {
		return err
	}
	s.p.spawnSender(func() { s.send(s.p.sendCtx, m.withDefaults(), mid, midID, ridID) })
	return nil
}

// Send is Start in the caller's goroutine, until ctx (or the Peer's send
// loop) ends: a caller that stops and starts again (as a browser whose
// transceiver goes inactive and back) goes on from the sequence numbers
// it sent, in m.SeqBases.
func (s *Simulcast) Send(ctx context.Context, m SimulcastMedia) error {
	mid, midID, ridID, err := s.ids()
	if err != nil {
		return err
	}
	s.send(ctx, m.withDefaults(), mid, midID, ridID)
	return nil
}

// ids are the m-line's mid and the ids of the mid and rid header
// extensions, known once the offer and answer are applied.
func (s *Simulcast) ids() (mid string, midID, ridID uint8, err error) {
	for _, t := range s.p.PC.GetTransceivers() {
		if t.Sender() == s.Sender {
			mid = t.Mid()
		}
	}
	for _, x := range s.Sender.GetParameters().HeaderExtensions {
		switch x.URI {
		case sdp.SDESMidURI:
			midID = uint8(x.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(x.ID)
		}
	}
	if mid == "" || midID == 0 || ridID == 0 {
		return "", 0, 0, fmt.Errorf("%w (mid %q, extension ids %d and %d)", ErrNoExtension, mid, midID, ridID)
	}
	return mid, midID, ridID, nil
}

func (s *Simulcast) send(ctx context.Context, m SimulcastMedia, mid string, midID, ridID uint8) {
	tick := time.NewTicker(m.Interval)
	defer tick.Stop()
	key := make([]byte, m.Size)
	delta := make([]byte, m.Size)
	copy(key, vp8Key[:])
	copy(delta, vp8Delta[:])
	for frame := 1; ; frame++ {
		select {
		case <-ctx.Done():
			return
		case <-s.p.sendCtx.Done():
			return
		case <-tick.C:
		}
		payload := delta
		if frame%m.KeyEvery == 0 {
			payload = key
		}
		for i, rid := range s.rids {
			if t, ok := m.Tags[rid]; ok {
				payload[len(payload)-1] = t // pion copies on write
			}
			seq := m.SeqBases[rid] + uint16(frame)
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}, Payload: payload}
			_ = pkt.SetExtension(midID, []byte(mid))
			_ = pkt.SetExtension(ridID, []byte(rid))
			if err := s.tracks[i].WriteRTP(pkt); err != nil {
				s.sent[i].Errors.Add(1)
				continue
			}
			s.sent[i].add(len(payload))
		}
	}
}
