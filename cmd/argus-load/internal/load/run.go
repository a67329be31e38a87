package load

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Run starts cfg.Sessions EchoTest sessions spread over cfg.Ramp, lets each
// send media for cfg.Duration, and summarises what was echoed. Failed
// sessions are counted in the Result; the error is for unusable
// configurations only.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	results := make([]sessionResult, cfg.Sessions)
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
				results[i] = sessionResult{err: ctx.Err()}
				return
			}
			results[i] = runSession(ctx, &cfg, log.With("n", i))
		}()
	}
	wg.Wait()
	return summarize(&cfg, results, time.Since(start)), nil
}
