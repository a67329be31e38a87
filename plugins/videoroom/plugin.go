// Package videoroom is janus.plugin.videoroom (janus-reference.md section 6,
// the Janus 1.1.x multistream API, version 9): rooms of publishers, each
// with one PeerConnection carrying several streams, and subscribers whose
// PeerConnections (offered by Argus) carry any set of publishers' streams.
// It registers itself with the core in init.
package videoroom

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/pluginkit"
	"github.com/argusrtc/argus/telemetry"
)

// The Janus plugin package name and Janus 1.1.2's VideoRoom version
// (janus-reference.md 6).
const (
	Package       = "janus.plugin.videoroom"
	Version       = 9
	VersionString = "0.0.9"
)

func init() {
	core.RegisterPlugin(Package, func() core.Plugin { return New() },
		core.PluginLimits(LimitSubscriberStreams, LimitForcedKeyframes))
}

// Plugin is the VideoRoom plugin: the rooms and a factory of per-handle sessions.
type Plugin struct {
	*pluginkit.Kit              // Info, host, sessions and their lifetimes, Destroy
	log            *slog.Logger // set by Init, read-only afterwards
	epoch          time.Time    // origin of mono, the throttles' clock
	// counter counts what the plugin's limits refuse or drop: the host,
	// if it counts (core.RefusalCounter); nil otherwise. Set by Init.
	counter core.RefusalCounter

	mu    sync.Mutex
	cfg   Config
	rooms map[uint64]*room
}

// New returns an uninitialized VideoRoom plugin; it has no side effects.
func New() *Plugin {
	kit := pluginkit.New(core.PluginInfo{
		Package: Package, Name: "JANUS VideoRoom plugin", Author: "Argus", Version: Version, VersionString: VersionString,
		Description: "This is a plugin implementing a videoconferencing SFU (Selective Forwarding Unit) for Janus, that is an audio/video router.",
	})
	return &Plugin{Kit: kit, log: slog.New(slog.DiscardHandler), epoch: time.Now(), rooms: map[uint64]*room{}}
}

// mono is the time since the plugin was made, on the monotonic clock: the
// keyframe and REMB throttles keep their stamps in it, so that a step of
// the wall clock neither holds requests back nor lets them through. It is
// never 0, which the stamps use for "never".
func (p *Plugin) mono() int64 { return int64(time.Since(p.epoch)) + 1 }

// Init reads the configuration (see Config) and creates its permanent rooms.
func (p *Plugin) Init(ctx context.Context, h core.Host, cfg json.RawMessage) error {
	c, rooms, err := parseConfig(cfg)
	if err != nil {
		return err
	}
	p.Kit.Init(ctx, h)
	p.log = p.Logger()
	if rc, ok := h.(core.RefusalCounter); ok {
		p.counter = rc
	}
	if mh, ok := h.(mlinesHost); ok {
		c.followMLines(mh.MaxSDPMLines())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg = c
	p.rooms = rooms
	return nil
}

// NewSession is Janus's create_session: one session per handle attached.
func (p *Plugin) NewSession(h core.Handle) (core.PluginSession, error) {
	return newSession(p, h), nil
}

// HandleAdminMessage answers Admin message_plugin: the synchronous
// requests, with no handle (janus-reference.md 6.3).
func (p *Plugin) HandleAdminMessage(_ context.Context, request json.RawMessage) any {
	req, e := parseParams(request)
	if e != nil {
		return e.data()
	}
	name, _, e := req.str("request", true)
	if e != nil {
		return e.data()
	}
	if h := syncHandlers[name]; h != nil {
		return h(p, nil, req)
	}
	return newErr(errInvalidRequest, "Unknown request '%s'", name).data()
}

// room returns the room with id.
func (p *Plugin) room(id uint64) *room {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rooms[id]
}

// emit sends a type 64 event, with the handle's ids in the header when h
// is not nil.
func (p *Plugin) emit(h core.Handle, data telemetry.VideoRoomData) {
	p.mu.Lock()
	on := p.cfg.eventsOn()
	p.mu.Unlock()
	if on {
		p.Kit.Emit(h, data)
	}
}

// eventStreams renders stream objects (a publisher's streams or a
// subscription summary) for VideoRoomData.Streams. An object that does not
// marshal is left out.
func eventStreams(objs []any) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(objs))
	for _, o := range objs {
		if b, err := json.Marshal(o); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// roomEvent is the VideoRoomData of a room-level event (created, edited,
// destroyed, subscribed).
func roomEvent(event string, room uint64) telemetry.VideoRoomData {
	return telemetry.VideoRoomData{Event: event, Room: telemetry.NumberID(room)}
}

// randomID is a random non-zero 53-bit id (janus-reference.md 0).
func randomID() uint64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if v := binary.LittleEndian.Uint64(b[:]) & 0x1FFFFFFFFFFFFF; v != 0 {
			return v
		}
	}
}

// randomPrivateID is a random non-zero uint32.
func randomPrivateID() uint32 {
	var b [4]byte
	for {
		_, _ = rand.Read(b[:])
		if v := binary.LittleEndian.Uint32(b[:]); v != 0 {
			return v
		}
	}
}

var (
	_ core.Plugin         = (*Plugin)(nil)
	_ core.AdminMessenger = (*Plugin)(nil)
)
