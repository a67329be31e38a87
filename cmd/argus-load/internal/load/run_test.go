package load

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"testing"
	"time"
)

// TestRunAgainstArgus runs 3 EchoTest sessions for 2 s over each transport
// against an in-process Argus and checks that media was echoed.
func TestRunAgainstArgus(t *testing.T) {
	wsURL, httpURL := startArgus(t)
	for _, tc := range []struct{ name, url string }{{"ws", wsURL}, {"http", httpURL}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(tc.url, 3, 2*time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := Run(ctx, cfg, nil)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.OK != 3 || res.Failed != 0 {
				t.Fatalf("sessions ok=%d failed=%d errors=%v", res.OK, res.Failed, res.Errors)
			}
			for name, f := range map[string]Flow{"audio": res.Audio, "video": res.Video} {
				if f.SentPackets == 0 || f.RecvPackets == 0 || f.RecvBytes == 0 {
					t.Errorf("%s: sent %d packets, echoed %d packets / %d bytes", name, f.SentPackets, f.RecvPackets, f.RecvBytes)
				}
				if f.Offered == 0 || f.SentPackets > f.Offered+f.Offered/10 {
					t.Errorf("%s: sent %d packets, offered %d", name, f.SentPackets, f.Offered)
				}
				if f.RecvPackets > f.SentPackets {
					t.Errorf("%s: echoed %d > sent %d", name, f.RecvPackets, f.SentPackets)
				}
			}
			if res.Setup.P50 <= 0 || res.Setup.P95 < res.Setup.P50 || res.Setup.Max < res.Setup.P95 {
				t.Errorf("setup latency %+v", res.Setup)
			}
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"sessions_ok", "sessions_failed", "audio", "video", "total", "setup"} {
				if _, ok := back[k]; !ok {
					t.Errorf("JSON lacks %q: %s", k, b)
				}
			}
		})
	}
}

// TestRunUnreachable counts sessions against a closed port as failed.
func TestRunUnreachable(t *testing.T) {
	cfg := DefaultConfig()
	cfg.URL = "ws://127.0.0.1:1/"
	cfg.Sessions = 2
	cfg.Duration = time.Second
	cfg.SetupTimeout = 5 * time.Second
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.OK != 0 || res.Failed != 2 || len(res.Errors) == 0 {
		t.Fatalf("ok=%d failed=%d errors=%v", res.OK, res.Failed, res.Errors)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"scheme", func(c *Config) { c.URL = "ftp://x/" }},
		{"sessions", func(c *Config) { c.Sessions = 0 }},
		{"duration", func(c *Config) { c.Duration = 0 }},
		{"no media", func(c *Config) { c.AudioPPS, c.VideoPPS = 0, 0 }},
		{"video size", func(c *Config) { c.VideoSize = 5 }},
		{"fps", func(c *Config) { c.VideoFPS = 0 }},
		{"mode", func(c *Config) { c.Mode = "sip" }},
		{"subscribers", func(c *Config) { c.Mode, c.Subscribers = ModeVideoRoom, 0 }},
		{"history", func(c *Config) { c.NACKHistory = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			if _, err := Run(context.Background(), c, nil); !errors.Is(err, errBadConfig) {
				t.Fatalf("Run: %v, want errBadConfig", err)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	ds := make([]time.Duration, 20)
	for i := range ds {
		ds[i] = time.Duration(20-i) * time.Millisecond
	}
	got := latency(ds)
	if got != (Latency{P50: 10, P95: 19, Max: 20}) {
		t.Fatalf("latency %+v", got)
	}
	if latency(nil) != (Latency{}) {
		t.Fatal("empty latency not zero")
	}
}

// TestRunFeedback loses 5 % of the uplink: Argus NACKs the gaps and the
// clients resend them from their history; loss as the clients see it
// stays below what was dropped on purpose.
func TestRunFeedback(t *testing.T) {
	wsURL, _ := startArgus(t)
	cfg := testConfig(wsURL, 2, 3*time.Second)
	cfg.LossPercent = 5
	cfg.Seed = 42
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.OK != 2 {
		t.Fatalf("sessions ok=%d errors=%v", res.OK, res.Errors)
	}
	t.Logf("rtcp %+v, video %+v", res.RTCP, res.Video)
	if res.RTCP.NACKs == 0 || res.RTCP.Retransmitted == 0 {
		t.Fatalf("rtcp %+v: want NACKs answered with retransmissions", res.RTCP)
	}
	if res.Video.RecvPackets == 0 || res.Video.RecvPackets > res.Video.ExpectedPackets+res.RTCP.Retransmitted {
		t.Errorf("video received %d, expected %d, retransmitted %d", res.Video.RecvPackets, res.Video.ExpectedPackets, res.RTCP.Retransmitted)
	}
}

// TestRunVideoRoom: one publisher in a room of its own, three
// subscribers; every subscriber comes up and receives the feed. The
// "sharded" case has 20 subscribers with two processors, so VideoRoom
// forwards through its fan-out shards (16 subscriber streams or more,
// GOMAXPROCS >= 2: plugins/videoroom/fanout.go) and every subscriber must
// get the feed through them too.
func TestRunVideoRoom(t *testing.T) {
	wsURL, httpURL := startArgus(t)
	for _, tc := range []struct {
		name, url string
		subs      int
		shared    bool
	}{{"ws", wsURL, 3, false}, {"http", httpURL, 3, false}, {"ws sharded", wsURL, 20, false}, {"ws shared port", wsURL, 3, true}} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.subs >= 16 && runtime.GOMAXPROCS(0) < 2 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
			}
			cfg := testConfig(tc.url, 1, 2*time.Second)
			cfg.Mode = ModeVideoRoom
			cfg.Subscribers = tc.subs
			cfg.SharedPort = tc.shared
			if tc.subs > 3 { // a lighter feed: 20 subscribers under -race
				cfg.AudioPPS, cfg.VideoPPS, cfg.VideoFPS = 25, 60, 10
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := Run(ctx, cfg, nil)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			t.Logf("rtcp %+v, audio %+v, video %+v", res.RTCP, res.Audio, res.Video)
			if res.OK != 1 || res.SubscribersOK != tc.subs || res.SubscribersFailed != 0 {
				t.Fatalf("publishers ok=%d, subscribers ok=%d failed=%d, errors %v", res.OK, res.SubscribersOK, res.SubscribersFailed, res.Errors)
			}
			for name, f := range map[string]Flow{"audio": res.Audio, "video": res.Video} {
				if f.SentPackets == 0 || f.ExpectedPackets != int64(tc.subs)*f.SentPackets {
					t.Errorf("%s: sent %d, expected %d (%d subscribers)", name, f.SentPackets, f.ExpectedPackets, tc.subs)
				}
				if f.RecvPackets < f.ExpectedPackets/2 {
					t.Errorf("%s: subscribers received %d of %d", name, f.RecvPackets, f.ExpectedPackets)
				}
			}
			if res.SubscriberSetup == nil || res.SubscriberSetup.P50 <= 0 || res.Setup.P50 <= 0 {
				t.Errorf("setup %+v, subscriber setup %+v", res.Setup, res.SubscriberSetup)
			}
			checkSharedPort(t, tc.shared, &res)
		})
	}
}

// testConfig is n units of d media against url on loopback, with a short
// ramp and drain.
func testConfig(url string, n int, d time.Duration) Config {
	cfg := DefaultConfig()
	cfg.URL = url
	cfg.Sessions = n
	cfg.Duration = d
	cfg.Ramp, cfg.Drain = 300*time.Millisecond, 500*time.Millisecond
	cfg.ICELoopback = true
	return cfg
}

// checkSharedPort checks the shared port's counters against what the
// clients counted: every RTP packet a subscriber counted came through the
// port (which also carried STUN, DTLS and RTCP), and without -shared-port
// there are no such counters.
func checkSharedPort(t *testing.T, shared bool, res *Result) {
	t.Helper()
	p := res.SharedPort
	if !shared {
		if p != nil {
			t.Errorf("shared port counters %+v without a shared port", *p)
		}
		return
	}
	if p == nil {
		t.Fatal("no shared port counters")
	}
	if got := int64(p.Received); got < res.Total.RecvPackets || p.ReceiveCalls == 0 || p.ReceiveCalls > p.Received {
		t.Errorf("port received %d packets in %d calls; clients counted %d RTP packets", p.Received, p.ReceiveCalls, res.Total.RecvPackets)
	}
	if int64(p.Sent) < res.Total.SentPackets {
		t.Errorf("port sent %d packets; the publisher sent %d RTP packets", p.Sent, res.Total.SentPackets)
	}
}
