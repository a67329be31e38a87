package telemetry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Plugin packages whose event data has a Go type here.
const (
	PluginEchoTest  = "janus.plugin.echotest"
	PluginVideoRoom = "janus.plugin.videoroom"
)

// PluginBody is a type 64 event: {"plugin":..., "data":...}. Data is an
// EchoTestData or a VideoRoomData for those plugins; other plugins' data
// is whatever the plugin passed (raw JSON once decoded from the wire).
type PluginBody struct {
	Plugin string `json:"plugin"`
	Data   any    `json:"data"`
}

// EchoTestData is the data of an EchoTest event, emitted after every
// request that succeeded.
type EchoTestData struct {
	AudioActive bool               `json:"audio_active"`
	VideoActive bool               `json:"video_active"`
	Bitrate     uint64             `json:"bitrate"`
	Simulcast   *EchoTestSimulcast `json:"simulcast,omitempty"`
}

// EchoTestSimulcast is the layer an EchoTest session forwards.
type EchoTestSimulcast struct {
	Substream     int `json:"substream"`
	TemporalLayer int `json:"temporal-layer"`
}

// VideoRoomData is the data of a VideoRoom event (janus-reference.md 6.7).
// Event names most of them ("joined", "published", "subscribing", ...);
// the talking and moderation events have VideoRoom ("talking",
// "stopped-talking", "moderated") instead. Keys that some events carry
// even when zero are pointers.
type VideoRoomData struct {
	Event      string  `json:"event,omitempty"`
	VideoRoom  string  `json:"videoroom,omitempty"`
	Room       ID      `json:"room,omitzero"`
	ID         ID      `json:"id,omitzero"`
	PrivateID  *uint32 `json:"private_id,omitempty"`
	Display    string  `json:"display,omitempty"`
	Bitrate    *uint64 `json:"bitrate,omitempty"`
	Feed       ID      `json:"feed,omitzero"`
	MIndex     *int    `json:"mindex,omitempty"`
	Mid        string  `json:"mid,omitempty"`
	Moderation string  `json:"moderation,omitempty"`
	AudioLevel *Real   `json:"audio-level-dBov-avg,omitempty"`
	Changes    *int    `json:"changes,omitempty"`
	// Dropped is, in Argus's own "fanout-dropped" event, the packets of
	// one publisher stream (Mid) that the fan-out's full queues dropped
	// since the last such event.
	Dropped *uint64 `json:"dropped,omitempty"`
	// Streams are a publisher's streams (joined, published, updated with
	// an id) or a subscriber's subscription summary (subscribing, updated,
	// switched), each as its JSON object. Nil leaves the key out.
	Streams []json.RawMessage `json:"streams,omitzero"`
}

// Real is a number that is always written as a JSON real (10.0, not 10),
// as Janus's JSON library writes a double: consumers that check the JSON
// type see the same kind from Argus as from Janus.
type Real float64

// MarshalJSON writes r with a fraction.
func (r Real) MarshalJSON() ([]byte, error) {
	b := strconv.AppendFloat(nil, float64(r), 'f', -1, 64)
	if !bytes.ContainsAny(b, ".") {
		b = append(b, ".0"...)
	}
	return b, nil
}

// Ptr returns a pointer to v, for the optional keys of a body.
func Ptr[T any](v T) *T { return &v }

// ID is a VideoRoom room or participant id: a number, or a string in a
// room with string_ids. The zero ID is absent.
type ID struct {
	num  uint64
	str  string
	kind uint8 // 0 absent, 1 number, 2 string
}

// NumberID is the id n.
func NumberID(n uint64) ID { return ID{num: n, kind: 1} }

// StringID is the id s.
func StringID(s string) ID { return ID{str: s, kind: 2} }

// IsZero reports whether the id is absent.
func (id ID) IsZero() bool { return id.kind == 0 }

// Number returns the id when it is a number.
func (id ID) Number() (uint64, bool) { return id.num, id.kind == 1 }

// String renders the id: a number in decimal, a string as is, "" when
// absent.
func (id ID) String() string {
	switch id.kind {
	case 1:
		return strconv.FormatUint(id.num, 10)
	case 2:
		return id.str
	}
	return ""
}

// Key renders the id so that the number 7 and the string "7" differ: a
// map key for ids of either kind.
func (id ID) Key() string {
	switch id.kind {
	case 1:
		return "n:" + strconv.FormatUint(id.num, 10)
	case 2:
		return "s:" + id.str
	}
	return ""
}

// MarshalJSON writes a number or a string.
func (id ID) MarshalJSON() ([]byte, error) {
	switch id.kind {
	case 1:
		return strconv.AppendUint(nil, id.num, 10), nil
	case 2:
		return json.Marshal(id.str)
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads a non-negative integer or a string; null is absent.
func (id *ID) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*id = ID{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = StringID(s)
		return nil
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrBadID, b)
	}
	*id = NumberID(n)
	return nil
}
