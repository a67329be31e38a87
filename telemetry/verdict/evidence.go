package verdict

// Scopes of a verdict.
const (
	ScopePeerConnection = "peerconnection"
	ScopeSession        = "session"
)

// Schema is the "schema" of the type 4 event that carries a verdict.
const Schema = "argus.verdict"

// Verdict is the outcome of one PeerConnection or one session, with the
// evidence it was drawn from. It is the "data" of the verdict event.
type Verdict struct {
	Scope    string   `json:"scope"`
	Outcome  Outcome  `json:"outcome"`
	Findings []string `json:"findings"`
	// PeerConnection is set when Scope is ScopePeerConnection.
	PeerConnection *PeerConnection `json:"peerconnection,omitempty"`
	// Session is set when Scope is ScopeSession.
	Session *Summary `json:"session,omitempty"`

	// The header of the event that carries it.
	SessionID uint64 `json:"-"`
	HandleID  uint64 `json:"-"`
	OpaqueID  string `json:"-"`
	Timestamp int64  `json:"-"` // µs, the timestamp of the event that ended it
}

// PeerConnection is the evidence of one PeerConnection's verdict.
type PeerConnection struct {
	// Milestone is the furthest step reached: "offer" (JSEP only),
	// "ice-gathering", "ice-connecting", "ice-connected", "dtls-connected",
	// "webrtcup" or "media" (RTP received or sent).
	Milestone    string `json:"milestone"`
	HangupReason string `json:"hangup_reason,omitempty"`
	DurationMs   int64  `json:"duration_ms"`
	// Times from the first JSEP of the PeerConnection, in ms; absent when
	// the step was not reached.
	ICEConnectedMs  *int64 `json:"ice_connected_ms,omitempty"`
	DTLSConnectedMs *int64 `json:"dtls_connected_ms,omitempty"`
	WebRTCUpMs      *int64 `json:"webrtcup_ms,omitempty"`
	// Candidate types (host, srflx, prflx, relay; "/tcp" appended for TCP)
	// the client offered and the gateway gathered.
	RemoteCandidateTypes []string `json:"remote_candidate_types"`
	LocalCandidateTypes  []string `json:"local_candidate_types"`
	SelectedPair         string   `json:"selected_pair,omitempty"`
	// Quality over the PeerConnection's life (the values the rules test).
	LossInPct  float64  `json:"loss_in_pct"`
	LossOutPct float64  `json:"loss_out_pct"`
	JitterMs   float64  `json:"jitter_ms"`
	RTTMs      int64    `json:"rtt_ms"`
	Media      []Medium `json:"media"`
}

// Medium is the evidence of one m-line (audio or video) of a PeerConnection.
type Medium struct {
	Mid   string `json:"mid"`
	Media string `json:"media"`
	// Direction is the gateway's, as judged: the direction of its last
	// SDP for the m-line, plus every direction the m-line carried RTP in
	// (sendrecv, sendonly, recvonly or inactive). An m-line made inactive
	// after it carried media (a VideoRoom feed that left) keeps the
	// direction the media took.
	Direction  string `json:"direction"`
	PacketsIn  int64  `json:"packets_in"`
	PacketsOut int64  `json:"packets_out"`
	BytesIn    int64  `json:"bytes_in"`
	BytesOut   int64  `json:"bytes_out"`
	LostIn     int64  `json:"lost_in"`
	LostOut    int64  `json:"lost_out"`
	// WorstLossInPct is the highest inbound loss of one report period.
	WorstLossInPct float64 `json:"worst_loss_in_pct"`
	JitterInMs     float64 `json:"jitter_in_ms"`  // mean of the reports
	JitterOutMs    float64 `json:"jitter_out_ms"` // mean, as the client reported
	RTTMs          int64   `json:"rtt_ms"`        // median
}

// Summary is a session's end-of-life summary (Janus issue 1257) and the
// evidence of its verdict.
type Summary struct {
	DurationMs int64 `json:"duration_ms"`
	// SetupMs is the time from the session's creation to its first
	// webrtcup; absent when no PeerConnection came up.
	SetupMs         *int64          `json:"setup_ms,omitempty"`
	PeerConnections int             `json:"peerconnections"`
	Outcomes        map[Outcome]int `json:"outcomes"`
	PacketsIn       int64           `json:"packets_in"`
	PacketsOut      int64           `json:"packets_out"`
	BytesIn         int64           `json:"bytes_in"`
	BytesOut        int64           `json:"bytes_out"`
	WorstLossPct    float64         `json:"worst_loss_pct"`
	WorstJitterMs   float64         `json:"worst_jitter_ms"`
	MaxRTTMs        int64           `json:"max_rtt_ms"`
	End             string          `json:"end"` // "destroyed", "timeout" or "shutdown"
}
