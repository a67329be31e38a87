package load

import (
	"slices"
	"time"
)

// unitResult is what one EchoTest session, or one VideoRoom publisher
// with its subscribers, measured.
type unitResult struct {
	err       error
	setups    []time.Duration // the session's (echo) or publisher's setup
	subSetups []time.Duration // subscribers set up
	subErrs   []error         // subscribers that failed
	sent      [2]counts       // by kind: what the client sent in the window
	recv      [2]counts       // what came back (echo) or all subscribers received
	expected  [2]int64        // packets that should have arrived
	rtcp      rtcpCounts
	hangups   int64 // hangup events during media
	slowlinks int64
	dropped   uint64 // asynchronous messages dropped by the clients
}

// Flow is the RTP of one kind summed over all sessions.
type Flow struct {
	SentPackets int64 `json:"sent_packets"`
	SentBytes   int64 `json:"sent_bytes"`
	RecvPackets int64 `json:"recv_packets"`
	RecvBytes   int64 `json:"recv_bytes"`
	// ExpectedPackets is what should have arrived: the sent (and dropped)
	// packets for EchoTest, that × connected subscribers for VideoRoom,
	// counting for VideoRoom only the packets of the measurement window
	// (after every subscriber was set up).
	ExpectedPackets int64   `json:"expected_packets"`
	LossPct         float64 `json:"loss_pct"` // 100 × (expected − received) / expected
	// SendErrors are packets the client failed to write (not in SentPackets).
	SendErrors int64 `json:"send_errors"`
	// Dropped are packets the client lost on purpose (-loss), not in
	// SentPackets but in ExpectedPackets: NACK should repair them.
	Dropped int64 `json:"dropped_on_purpose"`
	// Offered is what the configured rate would send over Duration for
	// every session that connected; SentPackets below it means the client
	// fell behind (ticks dropped or writes failed).
	Offered int64 `json:"offered_packets"`
}

// Latency summarises setup times in milliseconds.
type Latency struct {
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	Max float64 `json:"max_ms"`
}

// Result is what cmd/argus-load prints as JSON.
type Result struct {
	URL             string         `json:"url"`
	Mode            string         `json:"mode"`
	Sessions        int            `json:"sessions"`
	DurationSeconds float64        `json:"duration_s"`
	OK              int            `json:"sessions_ok"`
	Failed          int            `json:"sessions_failed"`
	Errors          map[string]int `json:"errors,omitempty"` // failure text → count
	// VideoRoom: subscribers per publisher, and how many of all came up.
	Subscribers       int   `json:"subscribers_per_publisher,omitempty"`
	SubscribersOK     int   `json:"subscribers_ok,omitempty"`
	SubscribersFailed int   `json:"subscribers_failed,omitempty"`
	Hangups           int64 `json:"hangup_events"`
	Slowlinks         int64 `json:"slowlink_events"`
	// EventsDropped counts asynchronous Janus messages the clients dropped
	// because nobody waited for them (never replies).
	EventsDropped uint64     `json:"events_dropped"`
	RTCP          rtcpCounts `json:"rtcp"`
	Audio         Flow       `json:"audio"`
	Video         Flow       `json:"video"`
	Total         Flow       `json:"total"`
	// Setup is create .. connected and webrtcup of each EchoTest session
	// or VideoRoom publisher; SubscriberSetup the same per subscriber.
	Setup           Latency  `json:"setup"`
	SubscriberSetup *Latency `json:"subscriber_setup,omitempty"`
	WallSeconds     float64  `json:"wall_s"`
	// SharedPort is the clients' shared UDP port (-shared-port), if any.
	SharedPort *PortStats `json:"shared_port,omitempty"`
}

// summarize folds per-unit results into a Result.
func summarize(cfg *Config, rs []unitResult, wall time.Duration) Result {
	r := Result{URL: cfg.URL, Mode: cfg.Mode, Sessions: cfg.Sessions, DurationSeconds: cfg.Duration.Seconds(), WallSeconds: wall.Seconds()}
	var setups, subSetups []time.Duration
	fail := func(err error) {
		if r.Errors == nil {
			r.Errors = map[string]int{}
		}
		r.Errors[err.Error()]++
	}
	perFrame := cfg.VideoPPS / max(cfg.VideoFPS, 1)
	for _, s := range rs {
		r.Hangups += s.hangups
		r.Slowlinks += s.slowlinks
		r.EventsDropped += s.dropped
		r.RTCP.NACKs += s.rtcp.NACKs
		r.RTCP.NACKed += s.rtcp.NACKed
		r.RTCP.Retransmitted += s.rtcp.Retransmitted
		r.RTCP.PLIs += s.rtcp.PLIs
		r.RTCP.FIRs += s.rtcp.FIRs
		r.RTCP.KeyFrames += s.rtcp.KeyFrames
		if s.err != nil {
			r.Failed++
			fail(s.err)
			continue
		}
		r.OK++
		setups = append(setups, s.setups...)
		subSetups = append(subSetups, s.subSetups...)
		r.SubscribersOK += len(s.subSetups)
		r.SubscribersFailed += len(s.subErrs)
		for _, err := range s.subErrs {
			fail(err)
		}
		for i, f := range []*Flow{&r.Audio, &r.Video} {
			f.SentPackets += s.sent[i].packets
			f.SentBytes += s.sent[i].bytes
			f.SendErrors += s.sent[i].errors
			f.Dropped += s.sent[i].dropped
			f.RecvPackets += s.recv[i].packets
			f.RecvBytes += s.recv[i].bytes
			f.ExpectedPackets += s.expected[i]
		}
		r.Audio.Offered += int64(cfg.Duration.Seconds() * float64(cfg.AudioPPS))
		r.Video.Offered += int64(cfg.Duration.Seconds() * float64(perFrame*cfg.VideoFPS))
	}
	for _, f := range []*Flow{&r.Audio, &r.Video} {
		r.Total.SentPackets += f.SentPackets
		r.Total.SentBytes += f.SentBytes
		r.Total.RecvPackets += f.RecvPackets
		r.Total.RecvBytes += f.RecvBytes
		r.Total.ExpectedPackets += f.ExpectedPackets
		r.Total.SendErrors += f.SendErrors
		r.Total.Dropped += f.Dropped
		r.Total.Offered += f.Offered
	}
	for _, f := range []*Flow{&r.Audio, &r.Video, &r.Total} {
		if f.ExpectedPackets > 0 {
			f.LossPct = 100 * float64(f.ExpectedPackets-f.RecvPackets) / float64(f.ExpectedPackets)
		}
	}
	r.Setup = latency(setups)
	if cfg.Mode == ModeVideoRoom {
		r.Subscribers = cfg.Subscribers
		l := latency(subSetups)
		r.SubscriberSetup = &l
	}
	return r
}

// latency computes nearest-rank percentiles.
func latency(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	return Latency{P50: ms(rank(0.50)), P95: ms(rank(0.95)), Max: ms(ds[len(ds)-1])}
}
