package telemetry

// JSEPBody is a type 8 event: Owner is "remote" (the SDP as the client sent
// it) or "local" (the SDP the gateway sent).
type JSEPBody struct {
	Owner string `json:"owner"`
	JSEP  JSEP   `json:"jsep"`
}

// JSEP is an SDP offer or answer.
type JSEP struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// Stream is the ICE stream and component a type 16 event is about (Janus
// bundles everything into stream 1, component 1).
type Stream struct {
	StreamID    int `json:"stream_id"`
	ComponentID int `json:"component_id"`
}

// ICEBody is a type 16 subtype 1 event: the ICE state (gathering,
// connecting, connected, ready, failed, disconnected).
type ICEBody struct {
	ICE string `json:"ice"`
	Stream
}

// LocalCandidateBody is a type 16 subtype 2 event: a gathered candidate,
// the candidate line without "candidate:".
type LocalCandidateBody struct {
	Candidate string `json:"local-candidate"`
	Stream
}

// RemoteCandidateBody is a type 16 subtype 3 event: a candidate the client
// trickled or put in its SDP.
type RemoteCandidateBody struct {
	Candidate string `json:"remote-candidate"`
	Stream
}

// SelectedPairBody is a type 16 subtype 4 event, sent when the pair changes.
type SelectedPairBody struct {
	SelectedPair string         `json:"selected-pair"`
	Candidates   *CandidatePair `json:"candidates,omitempty"`
	Stream
}

// CandidatePair is the two ends of a selected pair.
type CandidatePair struct {
	Local  Candidate `json:"local"`
	Remote Candidate `json:"remote"`
}

// Candidate is one end of a selected pair; Family is 4 or 6.
type Candidate struct {
	Address   string `json:"address"`
	Port      int    `json:"port"`
	Type      string `json:"type"`
	Transport string `json:"transport"`
	Family    int    `json:"family"`
}

// DTLSBody is a type 16 subtype 5 event: the DTLS state (trying,
// connected, failed).
type DTLSBody struct {
	DTLS string `json:"dtls"`
	Stream
	Retransmissions int `json:"retransmissions"`
}

// PeerConnectionBody is a type 16 subtype 6 event: Connection is
// "webrtcup" or "hangup" (with the Reason when there is one).
type PeerConnectionBody struct {
	Connection string `json:"connection"`
	Reason     string `json:"reason,omitempty"`
}

// MediaStateBody is a type 32 subtype 1 event: a medium started or stopped
// arriving; Seconds is the no-media timer when it is over a second.
type MediaStateBody struct {
	Media     string `json:"media"`
	Mid       string `json:"mid"`
	Receiving bool   `json:"receiving"`
	Seconds   int    `json:"seconds,omitempty"`
}

// SlowLinkBody is a type 32 subtype 2 event: SlowLink is "uplink" or
// "downlink".
type SlowLinkBody struct {
	Mid         string `json:"mid"`
	Media       string `json:"media"`
	SlowLink    string `json:"slow_link"`
	LostLastSec int    `json:"lost_lastsec"`
}

// MediaReportBody is a type 32 subtype 3 event: the statistics of one
// medium (audio, video, data, or a simulcast layer such as video-sim1).
// With combine_media_stats the body is a MediaReports instead.
type MediaReportBody struct {
	Mid             string `json:"mid"`
	MIndex          int    `json:"mindex"`
	Media           string `json:"media"`
	PacketsReceived uint64 `json:"packets-received"`
	PacketsSent     uint64 `json:"packets-sent"`
	BytesReceived   uint64 `json:"bytes-received"`
	BytesSent       uint64 `json:"bytes-sent"`
	// RTP is nil for a data channel.
	*RTPStats
}

// RTPStats are the keys of a media report that only audio and video have.
type RTPStats struct {
	Codec                   string  `json:"codec,omitempty"`
	Base                    uint32  `json:"base"` // RTP clock rate
	RTT                     int64   `json:"rtt"`  // ms
	Lost                    int64   `json:"lost"`
	LostByRemote            int64   `json:"lost-by-remote"`
	JitterLocal             float64 `json:"jitter-local"`
	JitterRemote            float64 `json:"jitter-remote"`
	InLinkQuality           int     `json:"in-link-quality"`
	InMediaLinkQuality      int     `json:"in-media-link-quality"`
	OutLinkQuality          int     `json:"out-link-quality"`
	OutMediaLinkQuality     int     `json:"out-media-link-quality"`
	BytesReceivedLastSec    uint64  `json:"bytes-received-lastsec"`
	BytesSentLastSec        uint64  `json:"bytes-sent-lastsec"`
	NACKsReceived           uint64  `json:"nacks-received"`
	NACKsSent               uint64  `json:"nacks-sent"`
	RetransmissionsReceived uint64  `json:"retransmissions-received"`
	REMBBitrate             uint64  `json:"remb-bitrate,omitempty"` // mindex 0 only
}

// MediaReports is the body of a type 32 subtype 3 event with
// combine_media_stats: one report per medium, in one event.
type MediaReports []MediaReportBody
