// Package testkit holds the small helpers tests across Argus share:
// waiting for a condition or a value with a deadline, and short temporary
// directories for socket files.
package testkit

import (
	"os"
	"testing"
	"time"
)

// pollInterval is how often Until checks its condition.
const pollInterval = 10 * time.Millisecond

// Until waits until cond holds, checking it every 10 ms, and fails t when
// it still does not hold after timeout.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
			return
		}
		time.Sleep(pollInterval)
	}
}

// Recv returns the next value received on ch, and fails t when none
// arrives within timeout.
func Recv[T any](t testing.TB, ch <-chan T, timeout time.Duration, what string) T {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("no %s within %v", what, timeout)
		var zero T
		return zero
	}
}

// ShortTempDir is a temporary directory for socket files, removed when t
// ends: t.TempDir's paths, which carry the test's name, can exceed the
// 108-byte limit of a socket path.
func ShortTempDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
