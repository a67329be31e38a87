package verdict

import (
	"slices"
	"strings"

	"github.com/argusrtc/argus/telemetry"
)

// reasonDetach is the hangup reason of a PeerConnection closed because its
// handle detached (by the client, or by its session's end).
const reasonDetach = "Detach"

// maxCandidateTypes bounds the candidate type sets (host, srflx, prflx,
// relay, each over UDP or TCP: eight at most).
const maxCandidateTypes = 8

// Milestones a PeerConnection reaches, in order.
var milestones = [...]string{
	"offer", "ice-gathering", "ice-connecting", "ice-connected",
	"dtls-connected", "webrtcup", "media",
}

const (
	msOffer = iota
	msGathering
	msConnecting
	msICEConnected
	msDTLSConnected
	msWebRTCUp
	msMedia
)

// pcState follows one PeerConnection.
type pcState struct {
	lim       Limits
	start     int64 // first JSEP, µs
	milestone int
	// Times (µs) of the steps; 0 until reached.
	iceConnected, dtlsConnected, webrtcUp, hungUp int64
	reason                                        string
	remoteTypes, localTypes                       []string
	// local: the gateway gave an SDP of its own (an answer, or its own
	// offer); without one (a client's offer the plugin refused) the
	// PeerConnection never was a call and is not judged.
	local        bool
	selectedPair string
	media        []*mediumState // in m-line order
}

// mediumState follows one audio or video m-line.
type mediumState struct {
	mid, kind                 string
	dir                       string // of the gateway's last SDP; "" before one
	packetsIn, packetsOut     int64
	bytesIn, bytesOut         int64
	lostIn, lostOut           int64
	worstLossIn               float64
	jitterInSum, jitterOutSum float64
	jitterInN, jitterOutN     int
	rtts                      []int64 // a ring of the last lim.RTTSamples
	rttNext                   int
}

func newPC(start int64, lim Limits) *pcState {
	return &pcState{lim: lim, start: start}
}

func (p *pcState) reach(m int) {
	if m > p.milestone {
		p.milestone = m
	}
}

// jsep reads a type 8 body: the gateway's own SDP (owner "local") says
// which directions each m-line negotiated.
func (p *pcState) jsep(body telemetry.JSEPBody) {
	if body.Owner != "local" {
		return
	}
	p.local = true
	for _, m := range parseSDP(body.JSEP.SDP, p.lim.MediaPerPC) {
		ms := p.medium(m.mid, m.kind)
		if ms != nil {
			ms.dir = m.dir
		}
	}
}

// webrtc reads a type 16 body; it reports whether this was webrtcup.
func (p *pcState) webrtc(body any, ts int64) bool {
	switch b := body.(type) {
	case telemetry.ICEBody:
		switch b.ICE {
		case "gathering":
			p.reach(msGathering)
		case "connecting":
			p.reach(msConnecting)
		case "connected", "ready":
			if p.iceConnected == 0 {
				p.iceConnected = ts
			}
			p.reach(msICEConnected)
		}
	case telemetry.LocalCandidateBody:
		p.localTypes = addType(p.localTypes, b.Candidate)
	case telemetry.RemoteCandidateBody:
		p.remoteTypes = addType(p.remoteTypes, b.Candidate)
	case telemetry.SelectedPairBody:
		p.selectedPair = b.SelectedPair
	case telemetry.DTLSBody:
		if b.DTLS == "connected" && p.dtlsConnected == 0 {
			p.dtlsConnected = ts
			p.reach(msDTLSConnected)
		}
	case telemetry.PeerConnectionBody:
		switch b.Connection {
		case "webrtcup":
			if p.webrtcUp == 0 {
				p.webrtcUp = ts
				p.reach(msWebRTCUp)
				return true
			}
		case "hangup":
			if p.hungUp == 0 {
				p.hungUp = ts
				p.reason = b.Reason
			}
		}
	}
	return false
}

// report reads one medium's object of a media report (cumulative
// counters; janus-reference.md 4.4).
func (p *pcState) report(m *telemetry.MediaReportBody) {
	kind := m.Media
	if kind != "audio" && kind != "video" {
		return // data channels and simulcast layers (video-sim1, …)
	}
	q := m.RTPStats
	if q == nil { // a report of no RTP statistics yet
		q = &telemetry.RTPStats{}
	}
	ms := p.medium(m.Mid, kind)
	if ms == nil {
		return
	}
	in, out, lost := int64(m.PacketsReceived), int64(m.PacketsSent), q.Lost
	if in < ms.packetsIn || out < ms.packetsOut {
		// Counters are cumulative: a smaller one is a report of a
		// PeerConnection whose statistics were already gone (the report
		// at hangup), not news.
		return
	}
	dIn, dLost := in-ms.packetsIn, lost-ms.lostIn
	if dIn+dLost >= minPeriodPackets && dLost > 0 {
		ms.worstLossIn = max(ms.worstLossIn, pct(dLost, dIn+dLost))
	}
	if m.RTPStats != nil && in > ms.packetsIn {
		ms.jitterInSum += q.JitterLocal
		ms.jitterInN++
	}
	if m.RTPStats != nil && out > ms.packetsOut {
		ms.jitterOutSum += q.JitterRemote
		ms.jitterOutN++
	}
	if rtt := q.RTT; rtt > 0 {
		if len(ms.rtts) < p.lim.RTTSamples {
			ms.rtts = append(ms.rtts, rtt)
		} else if len(ms.rtts) > 0 {
			ms.rtts[ms.rttNext] = rtt
			ms.rttNext = (ms.rttNext + 1) % len(ms.rtts)
		}
	}
	ms.packetsIn, ms.packetsOut, ms.lostIn = in, out, lost
	ms.bytesIn, ms.bytesOut, ms.lostOut = int64(m.BytesReceived), int64(m.BytesSent), q.LostByRemote
	if in > 0 || out > 0 {
		p.reach(msMedia)
	}
}

// direction is the direction an m-line is judged with: the one of the
// gateway's last SDP (sendrecv when none was seen: expect both ways), plus
// every direction the m-line carried RTP in over the PeerConnection's life.
// An m-line made inactive after it carried media (the feed of a VideoRoom
// subscriber left, and its last offer made the stream inactive) keeps the
// direction that media flowed in, so it is judged by what it got.
func (ms *mediumState) direction() string {
	send, recv := true, true
	switch ms.dir {
	case "sendonly":
		recv = false
	case "recvonly":
		send = false
	case "inactive":
		send, recv = false, false
	}
	send = send || ms.packetsOut > 0
	recv = recv || ms.packetsIn > 0
	switch {
	case send && recv:
		return "sendrecv"
	case send:
		return "sendonly"
	case recv:
		return "recvonly"
	}
	return "inactive"
}

// minPeriodPackets is the fewest packets of one report period whose loss
// counts for the worst-period loss (fewer make noise, not evidence).
const minPeriodPackets = 20

// medium finds or adds the m-line mid (nil past Limits.MediaPerPC).
func (p *pcState) medium(mid, kind string) *mediumState {
	for _, ms := range p.media {
		if ms.mid == mid {
			if ms.kind == "" {
				ms.kind = kind
			}
			return ms
		}
	}
	if len(p.media) >= p.lim.MediaPerPC {
		return nil
	}
	ms := &mediumState{mid: mid, kind: kind}
	p.media = append(p.media, ms)
	return ms
}

// addType adds the type of an ICE candidate line ("… udp … typ host …") to
// set; "/tcp" marks TCP candidates.
func addType(set []string, line string) []string {
	f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "candidate:"))
	typ := ""
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "typ" {
			typ = f[i+1]
			break
		}
	}
	switch typ {
	case "host", "srflx", "prflx", "relay":
	default:
		return set
	}
	if len(f) > 2 && strings.EqualFold(f[2], "tcp") {
		typ += "/tcp"
	}
	if slices.Contains(set, typ) || len(set) >= maxCandidateTypes {
		return set
	}
	set = append(set, typ)
	slices.Sort(set)
	return set
}

func pct(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) * 100 / float64(whole)
}
