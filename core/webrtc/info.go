package webrtc

import (
	"math"
	"strconv"
	"strings"

	pion "github.com/pion/webrtc/v4"
)

// Info returns the PeerConnection part of Admin handle_info.info
// (janus-reference.md 3.4): the keys "flags", "sdps", "ice-mode", "ice-role"
// and "webrtc" (with current media stats); the core merges them in. The
// dates ("agent-created", "agent-started", webrtc.ice "gathered" and
// "connected", webrtc.dtls "handshake-started" and "connected") are
// time.Time values, which the core renders on its monotonic clock.
func (p *Peer) Info() map[string]any {
	p.mu.Lock()
	st := p.state
	st.localCands = append([]string(nil), p.state.localCands...)
	st.remoteCands = append([]string(nil), p.state.remoteCands...)
	p.mu.Unlock()
	closed := p.closed()

	flags := map[string]any{
		"got-offer":        st.gotOffer,
		"got-answer":       st.gotAnswer,
		"negotiated":       st.gotOffer && st.gotAnswer,
		"processing-offer": st.processingOffer,
		"starting":         st.gotOffer && st.gotAnswer && !st.webrtcUp && !closed,
		"ice-restart":      st.iceRestart,
		"ready":            st.webrtcUp && !closed,
		"stopped":          closed,
		"alert":            closed,
		"trickle":          st.trickle,
		"all-trickles":     st.allTrickles,
		"resend-trickles":  false,
		"trickle-synced":   false,
		"data-channels":    st.layout.has("data"),
		"has-audio":        st.layout.has("audio"),
		"has-video":        st.layout.has("video"),
		"new-datachan-sdp": false,
		"rfc4588-rtx":      st.layout.rtx,
		"cleaning":         false,
		"e2ee":             false,
	}
	sdps := map[string]any{}
	if st.layout.profile != "" {
		sdps["profile"] = st.layout.profile
	}
	if st.localSDP != "" {
		sdps["local"] = st.localSDP
	}
	if st.remoteSDP != "" {
		sdps["remote"] = st.remoteSDP
	}
	info := map[string]any{
		"flags":    flags,
		"sdps":     sdps,
		"ice-mode": iceMode(p.cfg.ICELite),
		"webrtc":   p.webrtcInfo(st),
	}
	p.stamps.put(info, "agent-created", stampAgentCreated)
	p.stamps.put(info, "agent-started", stampAgentStarted)
	if !closed {
		info["ice-role"] = strings.ToLower(p.pc.SCTP().Transport().ICETransport().Role().String())
	}
	return info
}

// iceMode is handle_info's "ice-mode", as Janus's: "lite" for an
// ICE-lite agent, else "full".
func iceMode(lite bool) string {
	if lite {
		return "lite"
	}
	return "full"
}

// webrtcInfo builds the "webrtc" object: ice, dtls and media by mid.
func (p *Peer) webrtcInfo(st peerState) map[string]any {
	ice := map[string]any{
		"stream_id": streamID, "component_id": componentID, "state": st.iceState,
		"local-candidates": st.localCands, "remote-candidates": st.remoteCands,
		"ready": boolInt(st.webrtcUp),
	}
	if st.selectedPair != "" {
		ice["selected-pair"] = st.selectedPair
	}
	p.stamps.put(ice, "gathered", stampGathered)
	p.stamps.put(ice, "connected", stampICEConnected)
	dtls := map[string]any{
		"dtls-role":        dtlsRole(st.localSDP, st.remoteSDP),
		"dtls-state":       st.dtlsState,
		"retransmissions":  0,
		"valid":            st.dtlsState == "connected",
		"ready":            st.dtlsState == "connected",
		"srtp-profile":     "none",
		"sctp-association": p.pc.SCTP().State() == pion.SCTPTransportStateConnected,
	}
	if st.dtlsState == "connected" {
		if prof := p.srtpProfile(); prof != "" {
			dtls["srtp-profile"] = prof
		}
	}
	p.stamps.put(dtls, "handshake-started", stampHandshake)
	p.stamps.put(dtls, "connected", stampDTLSConnected)
	if params, err := p.pc.SCTP().Transport().GetLocalParameters(); err == nil && len(params.Fingerprints) > 0 {
		// Upper-case hex, as in the SDP's a=fingerprint (and Janus's).
		dtls["fingerprint"] = strings.ToUpper(params.Fingerprints[0].Value)
	}
	if f := strings.Fields(st.layout.fingerp); len(f) == 2 {
		dtls["remote-fingerprint-hash"] = f[0]
		dtls["remote-fingerprint"] = f[1]
	}
	media := map[string]any{}
	for mid, s := range st.lastSample {
		media[mid] = s.infoObject()
	}
	for _, mid := range st.layout.mids {
		if _, ok := media[mid]; !ok {
			media[mid] = map[string]any{"type": st.layout.kinds[mid], "mindex": st.layout.mindex[mid], "mid": mid}
		}
		if ids, ok := st.layout.msids[mid]; ok {
			if m, ok := media[mid].(map[string]any); ok {
				m["msid"] = map[string]any{"remote-stream": ids[0], "remote-track": ids[1]}
			}
		}
	}
	ext := extensions(st.localSDP)
	bwe := map[string]any{"twcc": false}
	if id, ok := ext[extTWCC]; ok {
		bwe["twcc"], bwe["twcc-ext-id"] = true, id
	}
	return map[string]any{"ice": ice, "dtls": dtls, "extensions": ext, "bwe": bwe, "media": media}
}

// extensions maps the extmap URIs of an SDP to their ids.
func extensions(raw string) map[string]any {
	out := map[string]any{}
	d, err := parseSDP(raw)
	if err != nil {
		return out
	}
	for _, m := range d.MediaDescriptions {
		for _, a := range m.Attributes {
			if a.Key != "extmap" {
				continue
			}
			f := strings.Fields(a.Value)
			if len(f) < 2 {
				continue
			}
			id, err := strconv.Atoi(strings.SplitN(f[0], "/", 2)[0])
			if err == nil {
				out[f[1]] = id
			}
		}
	}
	return out
}

// infoObject is one entry of webrtc.media.
func (s mediumSample) infoObject() map[string]any {
	m := map[string]any{"type": s.Media, "mindex": s.MIndex, "mid": s.Mid}
	in := map[string]any{"packets": s.PacketsIn, "bytes": s.BytesIn}
	out := map[string]any{"packets": s.PacketsOut, "bytes": s.BytesOut}
	if s.Media != "data" {
		m["do_nacks"] = s.Media == "video"
		m["direction"] = map[string]any{"send": s.DirSend, "recv": s.DirRecv}
		codecs := map[string]any{}
		if s.Codec != "" {
			codecs["codec"] = s.Codec
			codecs["pt"] = s.PT
		}
		m["codecs"] = codecs
		ssrc := map[string]any{}
		if s.SSRCOut != 0 {
			ssrc["ssrc"] = s.SSRCOut
		}
		if s.SSRCIn != 0 {
			ssrc["ssrc-peer"] = s.SSRCIn
		}
		m["ssrc"] = ssrc
		m["rtcp"] = map[string]any{"main": map[string]any{
			"base": s.Base, "rtt": s.RTTms, "lost": s.Lost, "lost-by-remote": s.LostByRemote,
			"jitter-local": int64(math.Round(s.JitterLocal)), "jitter-remote": int64(math.Round(s.JitterRemote)),
			"in-link-quality": s.InLQ, "in-media-link-quality": s.InMLQ,
			"out-link-quality": s.OutLQ, "out-media-link-quality": s.OutMLQ,
		}}
		in["bytes_lastsec"], out["bytes_lastsec"], out["nacks"] = s.BytesInSec, s.BytesOutSec, s.NACKsOut
		if s.Media == "video" { // Janus 1.1.2 counts NACKs it sends only where it sends them
			in["nacks"], in["retransmissions"] = s.NACKsIn, s.RetransIn
		}
	}
	m["stats"] = map[string]any{"in": in, "out": out}
	return m
}

// dtlsRole is handle_info's "dtls-role": the local SDP's a=setup, or,
// when that offered "actpass", the role the remote answer left to us
// (its "active" makes us "passive" and the other way round).
func dtlsRole(local, remote string) string {
	role := setupOf(local)
	if role != "actpass" {
		return role
	}
	switch setupOf(remote) {
	case "active":
		return "passive"
	case "passive":
		return "active"
	default:
		return role
	}
}

// setupOf reads a=setup from an SDP ("actpass" when absent).
func setupOf(raw string) string {
	for _, line := range strings.Split(raw, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=setup:"); ok {
			return v
		}
	}
	return "actpass"
}

// srtpProfile is the negotiated SRTP protection profile in Janus's
// (OpenSSL's) names, from the transport statistics; "" before DTLS is up.
func (p *Peer) srtpProfile() string {
	for _, v := range p.pionStats() {
		if ts, ok := v.(pion.TransportStats); ok && ts.SRTPCipher != "" {
			return strings.Replace(ts.SRTPCipher, "_CM_HMAC_SHA1_", "_CM_SHA1_", 1)
		}
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
