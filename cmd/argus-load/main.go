// Command argus-load drives N concurrent Janus EchoTest sessions, or N
// VideoRoom publishers each with M subscribers (Opus + VP8 RTP over pion,
// with a browser's RTCP feedback), against a Janus API server — Argus or
// real Janus — and prints what came back as JSON (see docs/BENCHMARKS.md).
//
//	argus-load -url ws://10.77.0.2:8188/ -sessions 10 -duration 20s -ice-net 10.77.0.0/30
//	argus-load -url ws://10.77.0.2:8188/ -mode videoroom -sessions 1 -subscribers 100
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/argusrtc/argus/cmd/argus-load/internal/load"
)

// output is the printed JSON: the load result plus the load generator's
// own CPU time, so a run can show whether the client was the bottleneck.
type output struct {
	load.Result
	ClientCPUSeconds float64 `json:"client_cpu_s"`
}

// selfCPU is this process's user+system CPU time in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, runs the load and writes the result; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cfg := load.DefaultConfig()
	fs := flag.NewFlagSet("argus-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.URL, "url", cfg.URL, "Janus API `URL`: ws://host:8188/ (janus-protocol) or http://host:8088/janus")
	fs.StringVar(&cfg.Mode, "mode", cfg.Mode, "load `kind`: echotest or videoroom (publishers with subscribers)")
	fs.IntVar(&cfg.Sessions, "sessions", cfg.Sessions, "concurrent EchoTest sessions, or VideoRoom publishers")
	fs.IntVar(&cfg.Subscribers, "subscribers", cfg.Subscribers, "videoroom: subscribers per publisher")
	fs.Uint64Var(&cfg.Room, "room", cfg.Room, "videoroom: room to join (0: create one room per publisher)")
	fs.BoolVar(&cfg.Feedback, "feedback", cfg.Feedback, "offer a browser's RTCP feedback (nack, pli, fir, remb, transport-cc), answer NACK and PLI")
	fs.IntVar(&cfg.NACKHistory, "nack-history", cfg.NACKHistory, "video packets kept to answer NACKs (0.85 s at 300 packets/s by default)")
	fs.BoolVar(&cfg.Interceptors, "interceptors", cfg.Interceptors, "run pion's default interceptors in the clients (receiver reports, NACK generator, TWCC)")
	fs.Float64Var(&cfg.LossPercent, "loss", cfg.LossPercent, "drop this `percent` of the packets the clients send (seeded)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of -loss")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "media time per session once connected")
	fs.DurationVar(&cfg.Ramp, "ramp", cfg.Ramp, "spread session starts over this time")
	fs.DurationVar(&cfg.Drain, "drain", cfg.Drain, "wait after sending stops for in-flight echoes")
	fs.DurationVar(&cfg.SetupTimeout, "setup-timeout", cfg.SetupTimeout, "bound on one session's setup")
	fs.BoolVar(&cfg.ICELoopback, "ice-loopback", cfg.ICELoopback, "gather only loopback ICE candidates (server on 127.0.0.1)")
	fs.BoolVar(&cfg.SharedPort, "shared-port", cfg.SharedPort, "all clients share one UDP socket per local address (batched reads); false: a socket per PeerConnection, as browsers have. Not against Argus's default shared port (one port for every PeerConnection: the 5-tuple then no longer tells PeerConnections apart): run Argus with -ice-udp-shared=false")
	iceNet := fs.String("ice-net", "", "gather ICE candidates only on this `CIDR` (e.g. 10.77.0.0/30)")
	fs.IntVar(&cfg.AudioPPS, "audio-pps", cfg.AudioPPS, "Opus packets per second per session (0: no audio)")
	fs.IntVar(&cfg.AudioSize, "audio-size", cfg.AudioSize, "Opus payload bytes")
	fs.IntVar(&cfg.VideoPPS, "video-pps", cfg.VideoPPS, "VP8 packets per second per session (0: no video)")
	fs.IntVar(&cfg.VideoSize, "video-size", cfg.VideoSize, "VP8 payload bytes")
	fs.IntVar(&cfg.VideoFPS, "video-fps", cfg.VideoFPS, "VP8 frames per second (packets are sent in frame bursts)")
	asJSON := fs.Bool("json", true, "print the result as JSON (false: one summary line)")
	verbose := fs.Bool("v", false, "log session failures to stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *iceNet != "" {
		_, n, err := net.ParseCIDR(*iceNet)
		if err != nil {
			fmt.Fprintf(stderr, "argus-load: -ice-net: %v\n", err)
			return 2
		}
		cfg.ICENet = n
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := load.Run(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "argus-load: %v\n", err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		out := output{Result: res, ClientCPUSeconds: selfCPU()}
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "argus-load: %v\n", err)
			return 1
		}
	} else {
		fmt.Fprintf(stdout, "%s %s sessions ok=%d failed=%d loss=%.2f%% packets sent=%d received=%d setup p50=%.1fms p95=%.1fms\n",
			res.URL, res.Mode, res.OK, res.Failed, res.Total.LossPct, res.Total.SentPackets, res.Total.RecvPackets, res.Setup.P50, res.Setup.P95)
		if s := res.SubscriberSetup; s != nil {
			fmt.Fprintf(stdout, "subscribers ok=%d failed=%d setup p50=%.1fms p95=%.1fms\n", res.SubscribersOK, res.SubscribersFailed, s.P50, s.P95)
		}
	}
	if res.OK == 0 || (res.Mode == load.ModeVideoRoom && res.SubscribersOK == 0) {
		return 1
	}
	return 0
}
