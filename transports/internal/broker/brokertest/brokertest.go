// Package brokertest holds what the broker transports' tests share: the
// table test and the fuzz test of a transport's URL parser.
package brokertest

import (
	"errors"
	"testing"
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
