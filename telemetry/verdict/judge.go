package verdict

import (
	"fmt"
	"slices"
	"strings"
)

// evidence freezes p into the evidence of its verdict.
func (p *pcState) evidence(now int64) *PeerConnection {
	end := now
	if p.hungUp != 0 {
		end = p.hungUp
	}
	ev := &PeerConnection{
		Milestone:            milestones[p.milestone],
		HangupReason:         p.reason,
		DurationMs:           (end - p.start) / 1000,
		ICEConnectedMs:       since(p.start, p.iceConnected),
		DTLSConnectedMs:      since(p.start, p.dtlsConnected),
		WebRTCUpMs:           since(p.start, p.webrtcUp),
		RemoteCandidateTypes: nonNil(p.remoteTypes),
		LocalCandidateTypes:  nonNil(p.localTypes),
		SelectedPair:         p.selectedPair,
		Media:                []Medium{},
	}
	var in, lostIn, out, lostOut int64
	for _, ms := range p.media {
		if ms.kind == "" {
			continue // an m-line we only saw in a report of another kind
		}
		m := Medium{
			Mid: ms.mid, Media: ms.kind, Direction: ms.direction(),
			PacketsIn: ms.packetsIn, PacketsOut: ms.packetsOut,
			BytesIn: ms.bytesIn, BytesOut: ms.bytesOut,
			LostIn: ms.lostIn, LostOut: ms.lostOut,
			WorstLossInPct: round1(ms.worstLossIn),
			JitterInMs:     round1(mean(ms.jitterInSum, ms.jitterInN)),
			JitterOutMs:    round1(mean(ms.jitterOutSum, ms.jitterOutN)),
			RTTMs:          median(ms.rtts),
		}
		ev.Media = append(ev.Media, m)
		in, lostIn, out, lostOut = in+m.PacketsIn, lostIn+m.LostIn, out+m.PacketsOut, lostOut+m.LostOut
		ev.JitterMs = max(ev.JitterMs, m.JitterInMs, m.JitterOutMs)
		ev.RTTMs = max(ev.RTTMs, m.RTTMs)
	}
	ev.LossInPct = round1(pct(lostIn, in+lostIn))
	ev.LossOutPct = round1(pct(lostOut, out))
	return ev
}

// judge applies the rules of doc.go, in order.
func judge(ev *PeerConnection, th Thresholds, timedOut bool) (Outcome, []string) {
	var findings []string
	outcome := OutcomeOK
	found := func(o Outcome, format string, args ...any) {
		findings = append(findings, fmt.Sprintf(format, args...))
		outcome = worse(outcome, o)
	}
	if ev.ICEConnectedMs == nil {
		offered := "no candidates"
		if len(ev.RemoteCandidateTypes) > 0 {
			offered = "candidate types " + strings.Join(ev.RemoteCandidateTypes, ", ")
		}
		found(OutcomeICEFailed, "ICE never connected (furthest step: %s; the client offered %s)", ev.Milestone, offered)
		return outcome, findings
	}
	if ev.DTLSConnectedMs == nil {
		found(OutcomeDTLSFailed, "ICE connected after %d ms but the DTLS handshake never completed", *ev.ICEConnectedMs)
		return outcome, findings
	}
	var flowing, silent []string
	anyIn, anyOut, wantIn := false, false, false
	for _, m := range ev.Media {
		recv := m.Direction == "sendrecv" || m.Direction == "recvonly"
		send := m.Direction == "sendrecv" || m.Direction == "sendonly"
		wantIn = wantIn || recv
		anyIn = anyIn || (recv && m.PacketsIn > 0)
		anyOut = anyOut || (send && m.PacketsOut > 0)
		for _, d := range []struct {
			want bool
			n    int64
			name string
		}{{recv, m.PacketsIn, "from the client"}, {send, m.PacketsOut, "to the client"}} {
			if !d.want {
				continue
			}
			label := fmt.Sprintf("%s (mid %s) %s", m.Media, m.Mid, d.name)
			if d.n > 0 {
				flowing = append(flowing, label)
			} else {
				silent = append(silent, label)
			}
		}
	}
	switch {
	case len(ev.Media) == 0:
		// a data-channel-only PeerConnection: no media rules apply
	case wantIn && !anyIn:
		found(OutcomeNoMedia, "no RTP came from the client on any medium after DTLS connected")
	case !wantIn && !anyOut:
		found(OutcomeNoMedia, "no RTP was sent to the client on any medium")
	}
	if ev.HangupReason == "ICE failed" {
		found(OutcomeDropped, "ICE failed %d ms after it had connected: the client vanished (no consent, no hangup)", ev.DurationMs-*ev.ICEConnectedMs)
	}
	if timedOut {
		found(OutcomeDropped, "the session timed out while the PeerConnection was up: the client vanished without hangup")
	}
	if len(flowing) > 0 && len(silent) > 0 {
		found(OutcomeOneWay, "media flowed one way only: %s carried packets, %s none", strings.Join(flowing, ", "), strings.Join(silent, ", "))
	}
	if ev.LossInPct >= th.LossPct {
		found(OutcomePoorQuality, "%.1f %% of the client's packets were lost on the way in (threshold %.0f %%)", ev.LossInPct, th.LossPct)
	}
	if ev.LossOutPct >= th.LossPct {
		found(OutcomePoorQuality, "the client reported losing %.1f %% of the gateway's packets (threshold %.0f %%)", ev.LossOutPct, th.LossPct)
	}
	if ev.JitterMs >= th.JitterMs {
		found(OutcomePoorQuality, "mean jitter reached %.0f ms (threshold %.0f ms)", ev.JitterMs, th.JitterMs)
	}
	if ev.RTTMs >= th.RTTMs {
		found(OutcomePoorQuality, "median RTT was %d ms (threshold %d ms)", ev.RTTMs, th.RTTMs)
	}
	if len(findings) == 0 {
		findings = append(findings, fmt.Sprintf("connected in %d ms; loss %.1f %% in, %.1f %% out; jitter %.0f ms; RTT %d ms",
			*ev.DTLSConnectedMs, ev.LossInPct, ev.LossOutPct, ev.JitterMs, ev.RTTMs))
	}
	return outcome, findings
}

// add accumulates one judged PeerConnection into the session summary.
func (s *Summary) add(ev *PeerConnection, o Outcome) {
	if s.Outcomes == nil {
		s.Outcomes = map[Outcome]int{}
	}
	s.PeerConnections++
	s.Outcomes[o]++
	for _, m := range ev.Media {
		s.PacketsIn += m.PacketsIn
		s.PacketsOut += m.PacketsOut
		s.BytesIn += m.BytesIn
		s.BytesOut += m.BytesOut
	}
	s.WorstLossPct = max(s.WorstLossPct, ev.LossInPct, ev.LossOutPct)
	s.WorstJitterMs = max(s.WorstJitterMs, ev.JitterMs)
	s.MaxRTTMs = max(s.MaxRTTMs, ev.RTTMs)
}

// verdict is the session's verdict with its summary.
func (s *sessionState) verdict(end string, now int64) Verdict {
	sum := s.sum
	if sum.Outcomes == nil {
		sum.Outcomes = map[Outcome]int{}
	}
	sum.DurationMs = (now - s.created) / 1000
	sum.SetupMs = since(s.created, s.firstUp)
	sum.End = end
	outcome := OutcomeOK
	for o := range sum.Outcomes {
		outcome = worse(outcome, o)
	}
	var parts []string
	for _, o := range Outcomes() {
		if n := sum.Outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	finding := fmt.Sprintf("%d PeerConnection(s)", sum.PeerConnections)
	if len(parts) > 0 {
		finding += ": " + strings.Join(parts, ", ")
	}
	return Verdict{
		Scope: ScopeSession, Outcome: outcome, Findings: []string{finding}, Session: &sum,
		SessionID: s.id, Timestamp: now,
	}
}

// since returns the ms from start to t, or nil when t was never reached.
func since(start, t int64) *int64 {
	if t == 0 {
		return nil
	}
	ms := max(t-start, 0) / 1000
	return &ms
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func mean(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func round1(f float64) float64 {
	return float64(int64(f*10+0.5)) / 10
}
