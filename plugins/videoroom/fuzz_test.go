package videoroom

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/pion/rtp"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

// FuzzSyncRequests feeds arbitrary bodies to the synchronous request path
// (also Admin message_plugin): every answer must be a JSON object with
// either a "videoroom" verb or an error code, and nothing may panic.
func FuzzSyncRequests(f *testing.F) {
	for _, seed := range []string{
		`{"request":"create","room":5,"admin_key":"ak","videocodec":"vp8,h264"}`,
		`{"request":"edit","room":1234,"secret":"adminpwd","new_bitrate":1}`,
		`{"request":"allowed","room":1234,"secret":"adminpwd","action":"add","allowed":["a"]}`,
		`{"request":"list"}`, `{"request":"list","offset":1,"limit":1}`, `{"request":"listparticipants","room":1234,"offset":9}`, `{"request":"exists","room":-1}`, `{"request":"kick","room":1234,"id":1e3}`,
		`{"request":"join"}`, `[]`, `null`, `{"request":7}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		p := New()
		if err := p.Init(context.Background(), nil, json.RawMessage(testConfig)); err != nil {
			t.Fatal(err)
		}
		s := newSession(p, coretest.NewHandle(2, "", nil))
		defer s.Destroy()
		res := s.HandleMessage(context.Background(), core.Message{Body: json.RawMessage(body)})
		if res.Ack {
			return // a queued async request; the worker answers it
		}
		if res.Error != "" {
			t.Fatalf("error result %q", res.Error)
		}
		m := roundTrip(res.Data)
		if m["videoroom"] == nil {
			t.Fatalf("answer without videoroom: %v", m)
		}
		_ = roundTrip(p.HandleAdminMessage(context.Background(), json.RawMessage(body)))
	})
}

// FuzzSentPacket forwards arbitrary publisher packets (as read: any
// header extensions, CSRCs, padding) through the shared NACK history and
// asks for each sequence number the subscriber got, plus arbitrary ones:
// nothing may panic, and every packet found is the one forwarded under
// that number (the last one, if the publisher repeated it), rewritten as
// the forward path wrote it, without padding.
func FuzzSentPacket(f *testing.F) {
	f.Add(pubPacket(f, 1, 2, 0), pubPacket(f, 2, 3000, 4), uint16(5), true)
	f.Add([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}, []byte{0xa0, 0x60, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3}, uint16(2), false)
	f.Fuzz(func(t *testing.T, a, b []byte, ask uint16, switchSource bool) {
		ps, other := &pubStream{kind: "video"}, &pubStream{kind: "video"}
		d, _ := newTestDest("video", ps)
		w := &packetWriter{}
		d.track = w
		h, _ := fakeClockHist()
		dests := []*subStream{d}
		for i, raw := range [][]byte{a, b, a} {
			var pkt rtp.Packet
			if pkt.Unmarshal(raw) != nil {
				continue
			}
			if i == 2 && switchSource {
				d.src.Store(other)
				ps = other
			}
			d.write(ps, 0, noTemporal, &pkt, h.add(raw, dests))
		}
		last := map[uint16]rtp.Packet{} // a number sent twice answers with the later packet
		slot := map[uint16]uint16{}     // the log keeps the latest number per slot
		for _, sent := range w.pkts {
			last[sent.SequenceNumber] = sent
			slot[sent.SequenceNumber%sentLogSize] = sent.SequenceNumber
		}
		for _, sent := range last {
			var got rtp.Packet
			_, ok := d.SentPacket(sent.SequenceNumber, 9, 96, &got)
			if want := slot[sent.SequenceNumber%sentLogSize] == sent.SequenceNumber; ok != want {
				t.Fatalf("seq %d forwarded: found %v, want %v", sent.SequenceNumber, ok, want)
			}
			if !ok {
				continue
			}
			if got.SequenceNumber != sent.SequenceNumber || got.Timestamp != sent.Timestamp || got.SSRC != 9 || got.PayloadType != 96 ||
				got.Extension || got.Padding || !bytes.Equal(got.Payload, sent.Payload) {
				t.Fatalf("seq %d: got %+v %x, forwarded %+v %x", sent.SequenceNumber, got.Header, got.Payload, sent.Header, sent.Payload)
			}
		}
		var got rtp.Packet
		if _, ok := d.SentPacket(ask, 9, 96, &got); ok && got.SequenceNumber != ask {
			t.Fatalf("asked %d, got %d", ask, got.SequenceNumber)
		}
	})
}
