package evhkit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Settings reads a sink's -sink-opt map into typed fields; every key read
// is known, and Err reports the first malformed value or unknown key.
type Settings struct {
	m    map[string]string
	seen map[string]bool
	err  error
}

// NewSettings wraps m; "enabled" is always accepted (Janus's key).
func NewSettings(m map[string]string) *Settings {
	return &Settings{m: m, seen: map[string]bool{"enabled": true}}
}

func (s *Settings) get(key string) (string, bool) {
	s.seen[key] = true
	v, ok := s.m[key]
	return v, ok
}

func (s *Settings) fail(key, v string, err error) {
	if s.err == nil {
		s.err = fmt.Errorf("%s=%q: %w: %w", key, v, ErrBadSetting, err)
	}
}

// String sets *dst when key is present.
func (s *Settings) String(key string, dst *string) {
	if v, ok := s.get(key); ok {
		*dst = v
	}
}

// Bool sets *dst when key is present (Janus's true/yes/1 and false/no/0).
func (s *Settings) Bool(key string, dst *bool) {
	v, ok := s.get(key)
	if !ok {
		return
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "1", "on":
		*dst = true
	case "false", "no", "0", "off":
		*dst = false
	default:
		s.fail(key, v, strconv.ErrSyntax)
	}
}

// Int sets *dst when key is present; it must lie in [lo, hi].
func (s *Settings) Int(key string, dst *int, lo, hi int) {
	v, ok := s.get(key)
	if !ok {
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err == nil && (n < lo || n > hi) {
		err = fmt.Errorf("not in %d-%d", lo, hi)
	}
	if err != nil {
		s.fail(key, v, err)
		return
	}
	*dst = n
}

// Millis sets *dst from a positive number of milliseconds.
func (s *Settings) Millis(key string, dst *time.Duration) {
	n := -1
	s.Int(key, &n, 1, 24*3600*1000)
	if n > 0 {
		*dst = time.Duration(n) * time.Millisecond
	}
}

// Err returns the first malformed value, or an unknown key.
func (s *Settings) Err() error {
	if s.err != nil {
		return s.err
	}
	for k := range s.m {
		if !s.seen[k] {
			return fmt.Errorf("unknown setting %q: %w", k, ErrBadSetting)
		}
	}
	return nil
}
