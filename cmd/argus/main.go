// Command argus is the Argus WebRTC gateway: the Janus API over HTTP and
// WebSocket, the Admin API, the bundled plugins and the demo pages, in one
// process with no configuration file.
//
//	go run ./cmd/argus            # Janus's ports: 8088, 8188, 127.0.0.1:7088/7188
//	go run ./cmd/argus -help      # every flag; each has an ARGUS_* variable
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// shutdownTimeout bounds the whole graceful shutdown: transports, sessions
// (which emit their final events) and the telemetry queues.
const shutdownTimeout = 10 * time.Second

// defaultGCPercent is the garbage collector's target when GOGC is not set:
// the heap may grow by half the live heap between collections instead of
// Go's default of all of it. Most of a media gateway's heap is long-lived
// per-PeerConnection state, so the heap's peak falls from about twice the
// live heap to about 1.5 times; the collector runs about twice as often,
// which the per-packet allocations removed from the media path pay for
// (measured in docs/BENCHMARKS.md).
const defaultGCPercent = 50

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stderr))
}

// run is main without the process globals; it returns the exit code:
// 0 after a clean shutdown, 1 on a runtime failure, 2 on a bad configuration.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "argus:", err)
		return 2
	}

	level := new(slog.LevelVar)
	level.Set(cfg.LogLevel)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigc)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	srv, err := newServer(ctx, cfg, logger, level)
	if errors.Is(err, errSinkConfig) {
		fmt.Fprintln(stderr, "argus:", configErrorMessage(err))
		return 2
	}
	if err != nil {
		logger.Error("startup failed", "err", err)
		return 1
	}
	logStartup(logger, cfg, srv)
	go func() {
		select {
		case sig := <-sigc:
			signal.Stop(sigc) // a second signal kills the process the default way
			if n, ok := sig.(syscall.Signal); ok {
				srv.gateway.SetShutdownSignal(int(n)) // the core "shutdown" event's signum
			}
			logger.Info("signal received", "signal", sig.String())
			cancel()
		case <-ctx.Done():
		}
	}()
	serveErr := srv.serve(ctx)
	cancel() // ends the signal goroutine
	if serveErr != nil {
		logger.Error("listener failed", "err", serveErr)
	} else {
		logger.Info("shutting down")
	}

	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer scancel()
	if err := srv.shutdown(sctx); err != nil {
		logger.Error("shutdown", "err", err)
		return 1
	}
	if serveErr != nil {
		return 1
	}
	logger.Info("stopped")
	return 0
}
