package heptest

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/argusrtc/argus/hep"
)

func TestReadStream(t *testing.T) {
	v4 := netip.MustParseAddr("127.0.0.1")
	var stream []byte
	for _, payload := range []string{"one", "two"} {
		var err error
		stream, err = hep.AppendPacket(stream, &hep.Packet{SrcIP: v4, DstIP: v4, ProtoType: hep.ProtoLog, Payload: []byte(payload)})
		if err != nil {
			t.Fatal(err)
		}
	}
	first := len(stream) / 2 // both packets have the same length
	for _, tc := range []struct {
		name    string
		in      []byte
		want    []string
		wantErr error
	}{
		{"two packets", stream, []string{"one", "two"}, nil},
		{"cut in the second packet", stream[:len(stream)-1], []string{"one"}, nil},
		{"cut in the second header", stream[:first+3], []string{"one"}, nil},
		{"not HEP3", append(bytes.Clone(stream[:first]), append([]byte("EEP3"), stream[first+4:]...)...), []string{"one"}, hep.ErrBadMagic},
		{"total below the header", append(bytes.Clone(stream[:first]), 'H', 'E', 'P', '3', 0, 5), []string{"one"}, hep.ErrLengthMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := ReadStream(bytes.NewReader(tc.in), func(p *hep.Packet, err error) {
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				got = append(got, string(p.Payload))
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("payloads %q, want %q", got, tc.want)
			}
		})
	}
}
