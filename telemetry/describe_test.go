package telemetry_test

import (
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// TestArgusHandler: the module is listed with the given package, name
// and description, Argus as author and version 0.0.1 (1).
func TestArgusHandler(t *testing.T) {
	got := telemetry.ArgusHandler("argus.eventhandler.x", "X handler", "Sends events to X.")
	want := telemetry.HandlerInfo{Package: "argus.eventhandler.x", Name: "X handler", Author: "Argus",
		Description: "Sends events to X.", VersionString: "0.0.1", Version: 1}
	if got != want {
		t.Fatalf("ArgusHandler = %+v, want %+v", got, want)
	}
}

// TestOptionDocs: each declared key is documented with its value in the
// defaults handed over.
func TestOptionDocs(t *testing.T) {
	docs := telemetry.OptionDocs(optsConfig{Name: "n1", N: 7}, declareOpts)
	byKey := map[string]string{}
	for _, d := range docs {
		byKey[d.Key] = d.Default
	}
	if byKey["name"] != "n1" || byKey["n"] != "7" {
		t.Fatalf("docs %+v, want name n1 and n 7", docs)
	}
}
