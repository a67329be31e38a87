package webrtc

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// rtcpQueue is an RTCPSource yielding prepared packets, then io.EOF.
type rtcpQueue struct {
	raw    [][]byte
	parsed bool // hand out attributes with the packets already parsed, as the interceptors do
}

func (q *rtcpQueue) Read(b []byte) (int, interceptor.Attributes, error) {
	if len(q.raw) == 0 {
		return 0, nil, io.EOF
	}
	n := copy(b, q.raw[0])
	q.raw = q.raw[1:]
	if !q.parsed {
		return n, nil, nil
	}
	a := interceptor.Attributes{}
	if _, err := a.GetRTCPPackets(b[:n]); err != nil {
		return n, nil, nil //nolint:nilerr // a malformed packet reaches the reader unparsed
	}
	return n, a, nil
}

func TestFeedbackReader(t *testing.T) {
	pli, err := rtcp.Marshal([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: 7},
		&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 300000, SSRCs: []uint32{7}}})
	if err != nil {
		t.Fatal(err)
	}
	nack, err := rtcp.Marshal([]rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: 7, Nacks: []rtcp.NackPair{{PacketID: 3}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, parsed := range []bool{true, false} {
		q := &rtcpQueue{raw: [][]byte{pli, {0x80, 0xc9}, nack}, parsed: parsed}
		f := NewFeedbackReader(q)
		var got []string
		for {
			pkts, err := f.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pkts {
				switch p := p.(type) {
				case *rtcp.PictureLossIndication:
					got = append(got, "pli")
				case *rtcp.ReceiverEstimatedMaximumBitrate:
					if p.Bitrate != 300000 {
						t.Errorf("REMB %v", p.Bitrate)
					}
					got = append(got, "remb")
				case *rtcp.TransportLayerNack:
					got = append(got, "nack")
				}
			}
		}
		// The truncated packet in between is skipped.
		if want := "pli remb nack"; strings.Join(got, " ") != want {
			t.Errorf("parsed by interceptors %v: read %q, want %q", parsed, strings.Join(got, " "), want)
		}
	}
}
