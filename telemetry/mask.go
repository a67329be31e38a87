package telemetry

import (
	"fmt"
	"strings"
)

// Mask selects event types: bit Type(t) is set when events of type t pass.
// Its text form is Janus's events_mask string (janus-reference.md 4.3).
type Mask uint32

// Masks with a meaning of their own.
const (
	MaskNone Mask = 0
	MaskAll  Mask = 0xffffffff
)

// maskLabels lists the Janus labels in type order; String uses this order.
var maskLabels = [...]struct {
	label string
	t     Type
}{
	{"sessions", TypeSession},
	{"handles", TypeHandle},
	{"external", TypeExternal},
	{"jsep", TypeJSEP},
	{"webrtc", TypeWebRTC},
	{"media", TypeMedia},
	{"plugins", TypePlugin},
	{"transports", TypeTransport},
	{"core", TypeCore},
}

// ParseMask parses a Janus events mask: a comma-separated list of labels
// (sessions, handles, jsep, webrtc, media, plugins, transports, core,
// external), case-insensitive with spaces trimmed. "all" sets every bit;
// "none" and "no_events" add nothing; unknown labels are ignored, as in
// Janus (janus-reference.md 4.3).
func ParseMask(s string) Mask {
	var m Mask
	for part := range strings.SplitSeq(s, ",") {
		label := strings.ToLower(strings.TrimSpace(part))
		switch label {
		case "all":
			return MaskAll
		case "", "none", "no_events":
			continue
		}
		for _, l := range maskLabels {
			if l.label == label {
				m |= Mask(l.t)
				break
			}
		}
	}
	return m
}

// Has reports whether events of type t pass the mask.
func (m Mask) Has(t Type) bool { return m&Mask(t) != 0 }

// String renders the mask as ParseMask reads it: "none", "all", or the
// labels in type order. Bits with no Janus label are appended in hex.
func (m Mask) String() string {
	switch m {
	case MaskNone:
		return "none"
	case MaskAll:
		return "all"
	}
	var labels []string
	rest := m
	for _, l := range maskLabels {
		if m.Has(l.t) {
			labels = append(labels, l.label)
			rest &^= Mask(l.t)
		}
	}
	if rest != 0 {
		labels = append(labels, fmt.Sprintf("0x%x", uint32(rest)))
	}
	return strings.Join(labels, ",")
}
