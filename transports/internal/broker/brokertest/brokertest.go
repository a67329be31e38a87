// Package brokertest holds what the broker transports' tests share: the
// table test and the fuzz test of a transport's URL parser, and starting a
// transport against the test environment's broker.
package brokertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/fakegw"
)

// ParseCase is one URL given to a parser: either it parses and check holds
// for the result, or (WantErr) the parser refuses it with the bad-option
// error.
type ParseCase[C any] struct {
	In      string
	WantErr bool
	Check   func(c C) bool
}

// CheckParse runs every case through parse; a refusal must wrap errBad.
func CheckParse[C any](t *testing.T, parse func(string) (C, error), errBad error, tests []ParseCase[C]) {
	t.Helper()
	for _, tc := range tests {
		c, err := parse(tc.In)
		if tc.WantErr {
			if !errors.Is(err, errBad) {
				t.Errorf("%s: err %v, want %v", tc.In, err, errBad)
			}
			continue
		}
		if err != nil || !tc.Check(c) {
			t.Errorf("%s: %+v, %v", tc.In, c, err)
		}
	}
}

// FuzzParse fuzzes parse from seeds: every config it accepts must be
// valid.
func FuzzParse[C any](f *testing.F, parse func(string) (C, error), valid func(c C) bool, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := parse(s); err == nil && !valid(c) {
			t.Fatalf("%q parsed to %+v", s, c)
		}
	})
}

// Transport is a started broker transport as its tests see it.
type Transport interface {
	// Connected reports whether it consumes from the broker.
	Connected() bool
	Close()
}

// Start starts a broker transport for a test from the three functions its
// package gives broker.Register: parse reads url, the Deps that deps
// points to get a fake gateway, configure (nil: nothing) sets what else
// the test needs, and start starts it. The transport is closed when the
// test ends (Close may be called before).
func Start[C any, T Transport](t *testing.T, url string, parse func(string) (C, error),
	deps func(*C) *transports.Deps, configure func(*C), start func(context.Context, C) (T, error),
) T {
	t.Helper()
	cfg, err := parse(url)
	if err != nil {
		t.Fatal(err)
	}
	deps(&cfg).Gateway = fakegw.New()
	if configure != nil {
		configure(&cfg)
	}
	tr, err := start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return tr
}

// WaitConnected fails the test unless tr consumes from the broker within
// 20 s.
func WaitConnected(t *testing.T, tr Transport) {
	t.Helper()
	testkit.Until(t, 20*time.Second, "the transport to connect", tr.Connected)
}
