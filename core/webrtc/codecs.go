package webrtc

import (
	"strconv"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// Header extension URIs negotiated by Argus (janus-reference.md 3.4 lists
// the ones Janus knows).
const (
	extMID          = sdp.SDESMidURI
	extRID          = sdp.SDESRTPStreamIDURI
	extRepairedRID  = sdp.SDESRepairRTPStreamIDURI
	extAudioLevel   = sdp.AudioLevelURI
	extAbsSendTime  = sdp.ABSSendTimeURI
	extTWCC         = sdp.TransportCCURI
	extVideoOrient  = "urn:3gpp:video-orientation"
	extPlayoutDelay = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"
)

// videoFeedback is the RTCP feedback offered for every video codec.
func videoFeedback() []pion.RTCPFeedback {
	return []pion.RTCPFeedback{
		{Type: "goog-remb"}, {Type: "transport-cc"}, {Type: "ccm", Parameter: "fir"},
		{Type: "nack"}, {Type: "nack", Parameter: "pli"},
	}
}

// codecList is Argus's codec set: Opus, VP8, VP9 and H.264 with RTX.
func codecList() []pion.RTPCodecParameters {
	fb := videoFeedback()
	video := func(pt uint8, mime, fmtp string) pion.RTPCodecParameters {
		return pion.RTPCodecParameters{
			RTPCodecCapability: pion.RTPCodecCapability{MimeType: mime, ClockRate: 90000, SDPFmtpLine: fmtp, RTCPFeedback: fb},
			PayloadType:        pion.PayloadType(pt),
		}
	}
	rtx := func(pt, apt uint8) pion.RTPCodecParameters {
		return pion.RTPCodecParameters{
			RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=" + strconv.Itoa(int(apt))},
			PayloadType:        pion.PayloadType(pt),
		}
	}
	return []pion.RTPCodecParameters{
		{
			RTPCodecCapability: pion.RTPCodecCapability{
				MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2,
				SDPFmtpLine: "minptime=10;useinbandfec=1", RTCPFeedback: []pion.RTCPFeedback{{Type: "transport-cc"}},
			},
			PayloadType: 111,
		},
		video(96, pion.MimeTypeVP8, ""), rtx(97, 96),
		video(98, pion.MimeTypeVP9, "profile-id=0"), rtx(99, 98),
		video(102, pion.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"), rtx(103, 102),
		video(106, pion.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"), rtx(107, 106),
		video(108, pion.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032"), rtx(109, 108),
	}
}

// registerCodecs fills the MediaEngine with codecs and header extensions.
func registerCodecs(me *pion.MediaEngine) error {
	for _, c := range codecList() {
		kind := pion.RTPCodecTypeVideo
		if c.MimeType == pion.MimeTypeOpus {
			kind = pion.RTPCodecTypeAudio
		}
		if err := me.RegisterCodec(c, kind); err != nil {
			return err
		}
	}
	audioExt := []string{extMID, extAudioLevel, extAbsSendTime, extTWCC}
	videoExt := []string{extMID, extRID, extRepairedRID, extAbsSendTime, extTWCC, extVideoOrient, extPlayoutDelay}
	for _, u := range audioExt {
		if err := me.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: u}, pion.RTPCodecTypeAudio); err != nil {
			return err
		}
	}
	for _, u := range videoExt {
		if err := me.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: u}, pion.RTPCodecTypeVideo); err != nil {
			return err
		}
	}
	return nil
}
