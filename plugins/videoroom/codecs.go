package videoroom

import (
	"slices"
	"strings"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/pluginkit/mediakit"
)

// kindName maps an SDP media name to a Janus stream type.
func kindName(media string) string {
	if media == "application" {
		return "data"
	}
	return media
}

// pickCodec returns the first codec of prefs that was offered.
func pickCodec(codecs []pion.RTPCodecParameters, prefs []string) (pion.RTPCodecParameters, bool) {
	for _, pref := range prefs {
		for _, c := range codecs {
			if mediakit.CodecName(c.MimeType) == pref {
				return c, true
			}
		}
	}
	return pion.RTPCodecParameters{}, false
}

// offerCodecs lists what a subscription m-line sending codec offers:
// codec and its RTX first, as Janus 1.1.2 offers the publisher's codec,
// then the other codecs of all (the m-line's) that room names, with their
// RTX, on payload types still free. pion keeps for a PeerConnection only
// the codecs of a kind its first negotiation of that kind agreed on, and
// offers no other on any later m-line: had that offer listed VP8 alone, a
// later H264 publisher of the room would be offered as VP8 and its sender
// refused. The sender still sends codec (pion binds the track's own
// codec, whatever the order the client answers in); a room with one codec
// of the kind offers exactly the publisher's, as before.
func offerCodecs(all []pion.RTPCodecParameters, codec pion.RTPCodecParameters, room []string) []pion.RTPCodecParameters {
	out := mediakit.WithRTX(all, codec)
	used := map[pion.PayloadType]bool{}
	for _, c := range out {
		used[c.PayloadType] = true
	}
	first := mediakit.CodecName(codec.MimeType)
	for _, c := range all {
		name := mediakit.CodecName(c.MimeType)
		if used[c.PayloadType] || strings.EqualFold(c.MimeType, pion.MimeTypeRTX) || name == first || !slices.Contains(room, name) {
			continue
		}
		for _, x := range mediakit.WithRTX(all, c) {
			if !used[x.PayloadType] {
				used[x.PayloadType] = true
				out = append(out, x)
			}
		}
	}
	return out
}
