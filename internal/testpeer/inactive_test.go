package testpeer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/webrtc"
)

// TestReceivesOnReusedMLine: the gateway's side sends on a sendonly
// m-line, stops (its offers leave the m-line inactive for idle rounds),
// then sends a new track on the same m-line (same mid, new SSRC), as a
// VideoRoom subscription that reuses an unsubscribed stream's m-line. The
// client answers inactive while the m-line is inactive and receives the
// new track's media on the mid whatever the number of idle rounds (with
// pion's own handling of the offers, nothing arrives after two or more).
func TestReceivesOnReusedMLine(t *testing.T) {
	for _, idle := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("%d idle offers", idle), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			gw, client := newPeer(t, Config{}), newPeer(t, Config{})
			first := opusTrack(t, "first")
			tr, err := gw.PC.AddTransceiverFromTrack(first, pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly})
			if err != nil {
				t.Fatal(err)
			}
			connect(t, ctx, gw, client)
			mid := tr.Mid()
			sendUntil(t, ctx, first, 1, func() bool { return client.Track(mid).Packets.Load() > 0 })
			if err := gw.PC.RemoveTrack(tr.Sender()); err != nil {
				t.Fatal(err)
			}
			for i := range idle {
				if answer := renegotiate(t, ctx, gw, client); direction(t, answer, mid) != "inactive" {
					t.Fatalf("idle offer %d: answer's m-line %s is %s, want inactive", i, mid, direction(t, answer, mid))
				}
			}
			second := opusTrack(t, "second")
			s, err := gw.PC.AddTrack(second)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Sender() != s {
				t.Fatal("the new track has a new m-line, want the stopped one")
			}
			if answer := renegotiate(t, ctx, gw, client); direction(t, answer, mid) != "recvonly" {
				t.Fatalf("answer's m-line %s is %s, want recvonly", mid, direction(t, answer, mid))
			}
			ssrc := uint32(s.GetParameters().Encodings[0].SSRC)
			got := client.Track(mid)
			base := got.Packets.Load()
			sendUntil(t, ctx, second, 2, func() bool { return got.SSRC.Load() == ssrc && got.Packets.Load() > base && got.LastMarker.Load() == 2 })
		})
	}
}

// opusTrack is a local Opus track with id.
func opusTrack(t *testing.T, id string) *pion.TrackLocalStaticRTP {
	t.Helper()
	tr, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, id, id)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// sendUntil writes packets whose payload ends with tag on tr every 10 ms
// until done, failing t at ctx's end.
func sendUntil(t *testing.T, ctx context.Context, tr *pion.TrackLocalStaticRTP, tag byte, done func() bool) {
	t.Helper()
	for seq := uint16(0); !done(); seq++ {
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: []byte{0xfc, tag}}
		if err := tr.WriteRTP(pkt); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no media with tag %d: %v", tag, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// renegotiate has gw offer and client answer; it returns the answer.
func renegotiate(t *testing.T, ctx context.Context, gw, client *Peer) string {
	t.Helper()
	offer, err := gw.Offer(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := client.Answer(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	return answer
}

// direction is the direction attribute of raw's m-line mid.
func direction(t *testing.T, raw, mid string) string {
	t.Helper()
	dirs, err := webrtc.SDPDirections(raw)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := dirs[mid]
	if !ok {
		t.Fatalf("no m-line %s in %s", mid, strings.ReplaceAll(raw, "\r\n", " | "))
	}
	return d
}
