package videoroom

import (
	"strconv"
	"strings"

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
			if codecName(c.MimeType) == pref {
				return c, true
			}
		}
	}
	return pion.RTPCodecParameters{}, false
}

// codecName is the lower-case codec of a MIME type: "video/VP8" → "vp8".
func codecName(mime string) string {
	if i := strings.IndexByte(mime, '/'); i >= 0 {
		mime = mime[i+1:]
	}
	return strings.ToLower(mime)
}

// withRTX returns codec plus its RTX companion, for SetCodecPreferences.
func withRTX(all []pion.RTPCodecParameters, codec pion.RTPCodecParameters) []pion.RTPCodecParameters {
	out := []pion.RTPCodecParameters{codec}
	for _, c := range all {
		if strings.EqualFold(c.MimeType, pion.MimeTypeRTX) && c.SDPFmtpLine == "apt="+strconv.Itoa(int(codec.PayloadType)) {
			out = append(out, c)
		}
	}
	return out
}
