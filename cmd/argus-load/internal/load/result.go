package load

import (
	"slices"
	"time"
)

// Flow is the RTP of one kind summed over all sessions.
type Flow struct {
	SentPackets int64   `json:"sent_packets"`
	SentBytes   int64   `json:"sent_bytes"`
	RecvPackets int64   `json:"recv_packets"`
	RecvBytes   int64   `json:"recv_bytes"`
	LossPct     float64 `json:"loss_pct"` // 100 × (sent − received) / sent
	// SendErrors are packets the client failed to write (not in SentPackets).
	SendErrors int64 `json:"send_errors"`
	// Offered is what the configured rate would send over Duration for
	// every session that connected; SentPackets below it means the client
	// fell behind (ticks dropped or writes failed).
	Offered int64 `json:"offered_packets"`
}

// Latency summarises session setup times in milliseconds.
type Latency struct {
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	Max float64 `json:"max_ms"`
}

// Result is what cmd/argus-load prints as JSON.
type Result struct {
	URL             string         `json:"url"`
	Sessions        int            `json:"sessions"`
	DurationSeconds float64        `json:"duration_s"`
	OK              int            `json:"sessions_ok"`
	Failed          int            `json:"sessions_failed"`
	Errors          map[string]int `json:"errors,omitempty"` // failure text → count
	Hangups         int64          `json:"hangup_events"`
	Slowlinks       int64          `json:"slowlink_events"`
	Audio           Flow           `json:"audio"`
	Video           Flow           `json:"video"`
	Total           Flow           `json:"total"`
	Setup           Latency        `json:"setup"`
	WallSeconds     float64        `json:"wall_s"`
}

// summarize folds per-session results into a Result.
func summarize(cfg *Config, rs []sessionResult, wall time.Duration) Result {
	r := Result{URL: cfg.URL, Sessions: cfg.Sessions, DurationSeconds: cfg.Duration.Seconds(), WallSeconds: wall.Seconds()}
	var setups []time.Duration
	for _, s := range rs {
		r.Hangups += s.hangups
		r.Slowlinks += s.slowlinks
		if s.err != nil {
			r.Failed++
			if r.Errors == nil {
				r.Errors = map[string]int{}
			}
			r.Errors[s.err.Error()]++
		} else {
			r.OK++
			setups = append(setups, s.setup)
		}
		if s.sent != nil {
			addFlow(&r.Audio, s.sent["audio"], s.recv["audio"])
			addFlow(&r.Video, s.sent["video"], s.recv["video"])
		}
		if s.err == nil {
			r.Audio.Offered += int64(cfg.Duration.Seconds() * float64(cfg.AudioPPS))
			r.Video.Offered += int64(cfg.Duration.Seconds() * float64(cfg.VideoPPS/max(cfg.VideoFPS, 1)*cfg.VideoFPS))
		}
	}
	for _, f := range []*Flow{&r.Audio, &r.Video} {
		r.Total.SentPackets += f.SentPackets
		r.Total.SentBytes += f.SentBytes
		r.Total.RecvPackets += f.RecvPackets
		r.Total.RecvBytes += f.RecvBytes
		r.Total.SendErrors += f.SendErrors
		r.Total.Offered += f.Offered
	}
	for _, f := range []*Flow{&r.Audio, &r.Video, &r.Total} {
		if f.SentPackets > 0 {
			f.LossPct = 100 * float64(f.SentPackets-f.RecvPackets) / float64(f.SentPackets)
		}
	}
	r.Setup = latency(setups)
	return r
}

func addFlow(f *Flow, sent, recv *Counter) {
	f.SentPackets += sent.packets.Load()
	f.SentBytes += sent.bytes.Load()
	f.RecvPackets += recv.packets.Load()
	f.RecvBytes += recv.bytes.Load()
	f.SendErrors += sent.errors.Load()
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
