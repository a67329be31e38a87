package homer

import (
	"encoding/json"
	"fmt"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/telemetry"
)

// TruncationMarker ends an SDP cut to keep a HEP packet under
// hep.MaxPacketLen; the numbers are the bytes kept and the original length.
const TruncationMarker = "\r\n[argus: sdp truncated, %d of %d bytes kept]\r\n"

// fit returns payload, or a shrunk version when the packet would exceed
// hep.MaxPacketLen (see the package doc for the policy).
func (m *mapper) fit(e *telemetry.Event, p *hep.Packet, payload []byte) []byte {
	p.Payload = nil
	budget := hep.MaxPacketLen - hep.EncodedLen(p)
	if len(payload) <= budget {
		return payload
	}
	m.truncated++
	if e.Type == telemetry.TypeJSEP {
		if b, ok := truncateSDP(payload, budget); ok {
			return b
		}
	}
	stub, _ := json.Marshal(struct {
		Emitter      string         `json:"emitter"`
		Type         telemetry.Type `json:"type"`
		Subtype      int            `json:"subtype,omitempty"`
		Timestamp    int64          `json:"timestamp"`
		SessionID    uint64         `json:"session_id,omitempty"`
		HandleID     uint64         `json:"handle_id,omitempty"`
		OpaqueID     string         `json:"opaque_id,omitempty"`
		Truncated    bool           `json:"truncated"`
		OriginalSize int            `json:"original_size"`
	}{e.Emitter, e.Type, e.Subtype, e.Timestamp, e.SessionID, e.HandleID, e.OpaqueID, true, len(payload)})
	if len(stub) > budget { // only with absurd emitter or opaque ids
		return []byte(`{"truncated":true}`)
	}
	return stub
}

// truncateSDP re-marshals a JSEP event with event.jsep.sdp cut so that the
// whole JSON fits budget bytes.
func truncateSDP(payload []byte, budget int) ([]byte, bool) {
	var doc map[string]any
	if json.Unmarshal(payload, &doc) != nil {
		return nil, false
	}
	ev, _ := doc["event"].(map[string]any)
	jsep, _ := ev["jsep"].(map[string]any)
	sdp, _ := jsep["sdp"].(string)
	if sdp == "" {
		return nil, false
	}
	// The SDP's JSON form is longer than the SDP (\r\n escapes): scale the
	// cut by that ratio so the result lands just under budget.
	quoted, err := json.Marshal(sdp)
	if err != nil {
		return nil, false
	}
	ratio := float64(len(quoted)-2) / float64(len(sdp))
	room := budget - (len(payload) - (len(quoted) - 2)) - len(TruncationMarker) - 64
	keep := int(float64(room) / ratio)
	for range 4 { // escaping makes the JSON size inexact; shrink and retry
		if keep <= 0 {
			return nil, false
		}
		jsep["sdp"] = sdp[:keep] + fmt.Sprintf(TruncationMarker, keep, len(sdp))
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, false
		}
		if len(b) <= budget {
			return b, true
		}
		keep -= len(b) - budget + 64
	}
	return nil, false
}
