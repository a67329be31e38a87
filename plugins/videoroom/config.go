package videoroom

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Config is the plugin's configuration section (core.Config.PluginConfigs
// ["janus.plugin.videoroom"]), JSON:
//
//	{"admin_key":"supersecret","events":true,
//	 "rooms":[{"room":1234,"description":"Demo Room","secret":"adminpwd","publishers":6,
//	           "bitrate":128000,"fir_freq":10,"audiocodec":"opus","videocodec":"vp8"}]}
//
// Room keys are the ones of a create request (janus-reference.md 6.1).
// Without a config (nil), room 1234 "Demo Room" exists as in Janus's sample
// configuration, so the demo page works out of the box.
type Config struct {
	// AdminKey, if set, is required in create requests ("admin_key").
	AdminKey string `json:"admin_key,omitempty"`
	// Events turns the type 64 events off when false (default true).
	Events *bool `json:"events,omitempty"`
	// Rooms are permanent rooms created at Init.
	Rooms []json.RawMessage `json:"rooms,omitempty"`
	// Limits are Argus's bounds on client-fed state (see Limits).
	Limits *Limits `json:"limits,omitempty"`
}

// defaultRooms is Janus's sample videoroom configuration's room 1234.
const defaultRooms = `{"rooms":[{"room":1234,"description":"Demo Room","secret":"adminpwd","publishers":6,
 "bitrate":128000,"fir_freq":10,"audiocodec":"opus","videocodec":"vp8"}]}`

// parseConfig reads cfg (nil → defaults) into the admin key, the events
// switch and the permanent rooms.
func parseConfig(cfg json.RawMessage) (Config, map[uint64]*room, error) {
	if len(cfg) == 0 || string(cfg) == "null" {
		cfg = json.RawMessage(defaultRooms)
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(cfg))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, nil, fmt.Errorf("%w: %w", errBadConfig, err)
	}
	lim := c.limits()
	rooms := map[uint64]*room{}
	for i, raw := range c.Rooms {
		p, e := parseParams(raw)
		if e != nil {
			return c, nil, fmt.Errorf("%w: rooms[%d]: %s", errBadConfig, i, e.text)
		}
		id, ok, e := p.uint("room", true)
		if e == nil && (!ok || id == 0) {
			e = invalid("room", "a positive integer")
		}
		if e != nil {
			return c, nil, fmt.Errorf("%w: rooms[%d]: %s", errBadConfig, i, e.text)
		}
		for k := range p {
			if !roomConfigKeys[k] {
				return c, nil, fmt.Errorf("%w: rooms[%d]: unknown setting %q", errBadConfig, i, k)
			}
		}
		o := roomOptions{Permanent: true}
		e = parseRoomOptions(p, &o)
		if e == nil {
			e = lim.checkRoomOptions(&o)
		}
		if e != nil {
			return c, nil, fmt.Errorf("%w: rooms[%d]: %s", errBadConfig, i, e.text)
		}
		if _, dup := rooms[id]; dup {
			return c, nil, fmt.Errorf("%w: room %d defined twice", errBadConfig, id)
		}
		rooms[id] = newRoom(id, o)
	}
	return c, rooms, nil
}

// eventsOn reports whether type 64 events are emitted.
func (c Config) eventsOn() bool { return c.Events == nil || *c.Events }

// roomConfigKeys are the settings a config room may have.
var roomConfigKeys = map[string]bool{
	"room": true, "description": true, "secret": true, "pin": true, "is_private": true,
	"require_pvtid": true, "notify_joining": true, "bitrate": true, "fir_freq": true,
	"publishers": true, "audiocodec": true, "videocodec": true, "allowed": true,
	"audiolevel_event": true, "audio_active_packets": true, "audio_level_average": true,
}
