package videoroom

import "github.com/argusrtc/argus/core"

// Limits bound what clients can make the plugin store or answer (issue 10:
// no client can exhaust memory). They are an Argus extension, set in the
// plugin config's "limits" object; a zero or missing field takes its
// default. README.md lists them in one table with their reasons.
type Limits struct {
	// MaxRooms bounds the rooms that exist at once; create beyond it fails
	// with 499. Config rooms count but are never refused.
	MaxRooms int `json:"max_rooms,omitempty"`
	// MaxDescriptionLength bounds a room description and a publisher
	// stream description, in bytes (430 beyond it).
	MaxDescriptionLength int `json:"max_description_length,omitempty"`
	// MaxMetadataLength bounds every other client-chosen string the room
	// keeps and repeats to others, in bytes: a display name, the room
	// secret and pin, each token of the allowed list (430 beyond it).
	MaxMetadataLength int `json:"max_metadata_length,omitempty"`
	// MaxAllowedTokens bounds a room's allowed list (430 beyond it).
	MaxAllowedTokens int `json:"max_allowed_tokens,omitempty"`
	// ListLimit caps the entries of one list or listparticipants answer;
	// the optional "offset" and "limit" keys page through longer lists.
	ListLimit int `json:"list_limit,omitempty"`
	// MaxSubscriberStreams bounds the streams of one subscription: its
	// m-lines (removed ones too: they stay in the SDP, inactive, until the
	// PeerConnection ends), its data subscriptions sharing one (430
	// beyond it).
	MaxSubscriberStreams int `json:"max_subscriber_streams,omitempty"`
}

// Limit defaults: generous for any real room, small enough that a client
// filling every one stays within tens of MB (README.md, Limits).
const (
	DefaultMaxRooms             = 1000
	DefaultMaxDescriptionLength = 512
	DefaultMaxMetadataLength    = 1024
	DefaultMaxAllowedTokens     = 64
	DefaultListLimit            = 500
	// DefaultMaxSubscriberStreams is the core's default m-line bound on
	// a client SDP. The bound the core runs with replaces it when the
	// host tells it (mlinesHost, followMLines): a longer offer would draw
	// an answer the core refuses.
	DefaultMaxSubscriberStreams = core.DefaultMaxMLines
)

// Names of the plugin's limits, as the host's refusal counter receives
// them (argus_limit_refused_total{limit="..."}). The plugin declares them
// when it registers (core.PluginLimits in plugin.go's init), so that they
// are exported at 0 from start-up.
const (
	// LimitSubscriberStreams counts the subscription requests refused for
	// MaxSubscriberStreams or a stream subscribed twice, and the duplicate
	// data subscriptions ignored.
	LimitSubscriberStreams = "subscriber_streams"
	// LimitForcedKeyframes counts the forced keyframe requests merged into
	// another PLI: a stream repeated in one request, or a request within
	// forcedPLIGap of the stream's last PLI (held, then sent once).
	LimitForcedKeyframes = "forced_keyframes"
)

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&l.MaxRooms, DefaultMaxRooms},
		{&l.MaxDescriptionLength, DefaultMaxDescriptionLength},
		{&l.MaxMetadataLength, DefaultMaxMetadataLength},
		{&l.MaxAllowedTokens, DefaultMaxAllowedTokens},
		{&l.ListLimit, DefaultListLimit},
		{&l.MaxSubscriberStreams, DefaultMaxSubscriberStreams},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	return l
}

// mlinesHost is a Host that tells the core's m-line bound on a client
// SDP, 0 or negative when it has none (the gateway's Host does).
type mlinesHost interface {
	MaxSDPMLines() int
}

// followMLines makes mlines, the core's m-line bound on a client SDP (0
// or negative: none), the default of MaxSubscriberStreams: a
// subscription's offer has an m-line per stream and the client's answer
// as many, so the core's bound is where a subscription stops being
// usable, whatever it is set to. A max_subscriber_streams in the config
// stays; with no core bound the default stays
// DefaultMaxSubscriberStreams, as the plugin must bound its own state.
func (c *Config) followMLines(mlines int) {
	if mlines <= 0 {
		return
	}
	if c.Limits == nil {
		c.Limits = &Limits{}
	}
	if c.Limits.MaxSubscriberStreams <= 0 {
		c.Limits.MaxSubscriberStreams = mlines
	}
}

// limits returns the plugin's limits.
func (p *Plugin) limits() Limits {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg.limits()
}

// limits returns the configured limits with defaults.
func (c Config) limits() Limits {
	if c.Limits == nil {
		return Limits{}.withDefaults()
	}
	return c.Limits.withDefaults()
}

// refused counts n refusals of limit, when the host counts them (a core
// Host that is also a core.RefusalCounter).
func (p *Plugin) refused(limit string, n int) {
	if p.counter != nil && n > 0 {
		p.counter.Refused(limit, n)
	}
}

// tooLong is the 430 for a string over its limit.
func tooLong(key string, limit int) *vrError {
	return newErr(errInvalidElement, "Invalid element (%s longer than %d bytes)", key, limit)
}

// checkLen refuses v when it is longer than limit bytes.
func checkLen(key, v string, limit int) *vrError {
	if len(v) > limit {
		return tooLong(key, limit)
	}
	return nil
}

// checkRoomOptions enforces the limits on room settings.
func (l Limits) checkRoomOptions(o *roomOptions) *vrError {
	if e := checkLen("description", o.Description, l.MaxDescriptionLength); e != nil {
		return e
	}
	if e := checkLen("secret", o.Secret, l.MaxMetadataLength); e != nil {
		return e
	}
	if e := checkLen("pin", o.Pin, l.MaxMetadataLength); e != nil {
		return e
	}
	return l.checkAllowed(o.Allowed)
}

// checkAllowed enforces the allowed list's size and token lengths.
func (l Limits) checkAllowed(allowed map[string]bool) *vrError {
	if len(allowed) > l.MaxAllowedTokens {
		return newErr(errInvalidElement, "Invalid element (allowed has more than %d tokens)", l.MaxAllowedTokens)
	}
	for t := range allowed {
		if len(t) > l.MaxMetadataLength {
			return tooLong("allowed", l.MaxMetadataLength)
		}
	}
	return nil
}

// page reads the optional "offset" and "limit" of a list request: limit
// defaults to, and is capped at, ListLimit.
func (l Limits) page(req params) (offset, limit int, e *vrError) {
	off, _, e := req.uint("offset", false)
	if e != nil {
		return 0, 0, e
	}
	lim, ok, e := req.uint("limit", false)
	if e != nil {
		return 0, 0, e
	}
	limit = l.ListLimit
	if ok && lim > 0 && lim < uint64(limit) {
		limit = int(lim)
	}
	return int(min(off, 1<<31)), limit, nil
}

// pageOf cuts list to [offset, offset+limit) and sets "next_offset" on
// answer when entries remain after the page; an answer whose list fits
// is unchanged (Janus's JSON).
func pageOf[T any](list []T, offset, limit int, answer map[string]any) []T {
	if offset > len(list) {
		offset = len(list)
	}
	end := min(offset+limit, len(list))
	if end < len(list) {
		answer["next_offset"] = end
	}
	return list[offset:end]
}

// roomLimitError is the 499 when MaxRooms rooms exist.
func roomLimitError(limit int) *vrError {
	return newErr(errUnknown, "Maximum number of rooms (%d) already reached", limit)
}
