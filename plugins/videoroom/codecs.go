package videoroom

import (
	"github.com/argusrtc/argus/core/pluginkit/mediakit"

	pion "github.com/pion/webrtc/v4"
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
