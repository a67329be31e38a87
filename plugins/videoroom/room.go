package videoroom

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Room defaults (janus-reference.md 6.1).
const (
	defaultPublishers = 3
	defaultAudioCodec = "opus"
	defaultVideoCodec = "vp8"
	// defaultAudioActivePackets and defaultAudioLevelAverage are Janus's.
	defaultAudioActivePackets = 100
	defaultAudioLevelAverage  = 25
)

// roomOptions are a room's settings. Once stored in a room they are an
// immutable snapshot: readers get the pointer from room.options() and may
// keep it after the lock is released; writers (edit, allowed) build a new
// snapshot with room.updateOptions and swap it under room.mu. Nothing ever
// writes into a stored snapshot, its Allowed map or its codec slices.
type roomOptions struct {
	Description   string
	Secret        string
	Pin           string
	IsPrivate     bool
	RequirePvtID  bool
	Publishers    int
	Bitrate       uint64
	FirFreq       uint64
	AudioCodecs   []string
	VideoCodecs   []string
	NotifyJoining bool
	// Audio level detection (Janus audiolevel_event, audio_active_packets,
	// audio_level_average).
	AudioLevelEvent    bool
	AudioActivePackets uint64
	AudioLevelAverage  uint64
	Permanent          bool
	// CheckAllowed turns the token ACL on: a room created with an
	// allowed list, or after allowed "enable" (until "disable").
	CheckAllowed bool
	// Allowed is the token list, kept (and edited by allowed add and
	// remove) whether the check is on or off, as in Janus.
	Allowed map[string]bool
}

// room is one VideoRoom.
type room struct {
	id uint64

	mu           sync.Mutex
	opts         *roomOptions // immutable snapshot, swapped under mu
	participants map[uint64]*publisher
	subscribers  map[*subscriber]struct{}
	destroyed    bool

	shardSeq atomic.Uint32 // spreads subscriber streams over fan-out shards
}

func newRoom(id uint64, o roomOptions) *room {
	if o.Publishers <= 0 {
		o.Publishers = defaultPublishers
	}
	if len(o.AudioCodecs) == 0 {
		o.AudioCodecs = []string{defaultAudioCodec}
	}
	if len(o.VideoCodecs) == 0 {
		o.VideoCodecs = []string{defaultVideoCodec}
	}
	if o.AudioActivePackets == 0 {
		o.AudioActivePackets = defaultAudioActivePackets
	}
	if o.AudioLevelAverage == 0 {
		o.AudioLevelAverage = defaultAudioLevelAverage
	}
	if o.Description == "" {
		o.Description = "Room " + formatID(id)
	}
	return &room{id: id, opts: &o, participants: map[uint64]*publisher{}, subscribers: map[*subscriber]struct{}{}}
}

// options returns the current settings snapshot; the caller must not
// modify it.
func (r *room) options() *roomOptions {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opts
}

// updateOptions applies change to a deep copy of the settings and stores
// the copy as the new snapshot, all under the lock; readers holding the
// old snapshot keep seeing it unchanged. A non-nil error from change
// leaves the settings as they were.
func (r *room) updateOptions(change func(o *roomOptions) *vrError) (*roomOptions, *vrError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.opts.clone()
	if e := change(o); e != nil {
		return r.opts, e
	}
	r.opts = o
	return o, nil
}

// clone is a deep copy of o.
func (o *roomOptions) clone() *roomOptions {
	c := *o
	c.AudioCodecs = slices.Clone(o.AudioCodecs)
	c.VideoCodecs = slices.Clone(o.VideoCodecs)
	if o.Allowed != nil {
		c.Allowed = maps.Clone(o.Allowed)
	}
	return &c
}

// others returns the participants except skip.
func (r *room) others(skip *publisher) []*publisher {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*publisher, 0, len(r.participants))
	for _, p := range r.participants {
		if p != skip {
			out = append(out, p)
		}
	}
	return out
}

// participant returns the participant with id.
func (r *room) participant(id uint64) *publisher {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.participants[id]
}

// hasPrivateID reports whether some participant has this private_id.
func (r *room) hasPrivateID(pid uint32) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.participants {
		if p.privateID == pid {
			return true
		}
	}
	return false
}

// publishedCount counts participants with a PeerConnection up or being set up.
func (r *room) publishedCount() int {
	r.mu.Lock()
	all := make([]*publisher, 0, len(r.participants))
	for _, p := range r.participants {
		all = append(all, p)
	}
	r.mu.Unlock()
	n := 0
	for _, p := range all {
		if p.isPublishing() {
			n++
		}
	}
	return n
}

// summary is the room's entry in a "list" answer.
func (r *room) summary() map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.opts
	out := map[string]any{
		"room": r.id, "description": o.Description, "pin_required": o.Pin != "", "is_private": o.IsPrivate,
		"max_publishers": o.Publishers, "bitrate": o.Bitrate, "fir_freq": o.FirFreq,
		"require_pvtid": o.RequirePvtID, "dummy_publisher": false, "notify_joining": o.NotifyJoining,
		"audiocodec": joinCodecs(o.AudioCodecs), "videocodec": joinCodecs(o.VideoCodecs),
		"record": false, "lock_record": false, "num_participants": len(r.participants),
		"audiolevel_ext": true, "audiolevel_event": o.AudioLevelEvent, "videoorient_ext": false,
		"playoutdelay_ext": false, "transport_wide_cc_ext": true,
		// Opus offered with in-band FEC (core/webrtc codecs); no E2EE.
		"opus_fec": true, "require_e2ee": false,
	}
	if o.AudioLevelEvent { // the thresholds only where they are used, as Janus 1.1.2 lists them
		out["audio_active_packets"], out["audio_level_average"] = o.AudioActivePackets, o.AudioLevelAverage
	}
	return out
}

// codecs is the room's codec list of kind ("audio" or "video"), in its
// order of preference.
func (o *roomOptions) codecs(kind string) []string {
	if kind == "video" {
		return o.VideoCodecs
	}
	return o.AudioCodecs
}

// allowedList is the ACL of o as a sorted list, empty (not nil, so JSON
// [] as Janus answers) when it has no token.
func (o *roomOptions) allowedList() []string {
	return append([]string{}, slices.Sorted(maps.Keys(o.Allowed))...)
}

func joinCodecs(c []string) string {
	s := ""
	for i, x := range c {
		if i > 0 {
			s += ","
		}
		s += x
	}
	return s
}
