package load

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/argusrtc/argus/core/webrtc/sharedport"
)

// Run starts cfg.Sessions EchoTest sessions (or VideoRoom publishers with
// their subscribers) spread over cfg.Ramp, lets each send media for
// cfg.Duration, and summarises what came back. Failed sessions are
// counted in the Result; the error is for unusable configurations only.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (Result, error) {
	if cfg.Mode == "" {
		cfg.Mode = ModeEchoTest
	}
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var port *sharedport.Port
	if cfg.SharedPort {
		var err error
		if port, err = openSharedPort(&cfg); err != nil {
			return Result{}, err
		}
		if port == nil {
			log.Warn("-shared-port: no address qualifies; a socket per PeerConnection")
		} else {
			cfg.udpMux = port.Mux()
			defer func() { _ = port.Close() }()
		}
	}
	unit := runEchoTest
	if cfg.Mode == ModeVideoRoom {
		unit = runVideoRoom
	}
	start := time.Now()
	results := make([]unitResult, cfg.Sessions)
	var wg sync.WaitGroup
	for i := range cfg.Sessions {
		delay := time.Duration(0)
		if cfg.Sessions > 1 {
			delay = cfg.Ramp * time.Duration(i) / time.Duration(cfg.Sessions)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTimer(delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				results[i] = unitResult{err: ctx.Err()}
				return
			}
			results[i] = unit(ctx, &cfg, log.With("n", i), i)
		}()
	}
	wg.Wait()
	r := summarize(&cfg, results, time.Since(start))
	if port != nil {
		r.SharedPort = portStats(port.Stats())
		if n := r.SharedPort.SendDropped; n > 0 {
			log.Warn("-shared-port dropped packets the clients sent: the loss is not the server's alone", "send_dropped", n)
		}
	}
	return r, nil
}
