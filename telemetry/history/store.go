// Package history is a telemetry sink that keeps recent sessions'
// timelines in memory, bounded, for the Admin API (query_eventhandler,
// handler "argus.eventhandler.history") and the web console (Handler).
//
// Events are grouped by session_id; an event with a handle_id but no
// session_id is filed under the session that handle was last seen in; a
// plugin event with neither but a data room and id (VideoRoom's
// unpublished, leaving, kicked, moderated) goes to the session that
// emitted that room and id with a handle (joined); the rest go to a
// "global" ring. Sessions that ended
// (destroyed, timeout) are kept until the store is full, then evicted
// least recently active first, before any live session.
package history

import (
	"cmp"
	"container/list"
	"context"
	"slices"
	"sync"

	"github.com/argusrtc/argus/telemetry"
)

// HandlerName is the package name Admin query_eventhandler uses.
const HandlerName = "argus.eventhandler.history"

// Store is the history sink. All methods are safe for concurrent use.
type Store struct {
	cfg Config

	mu       sync.RWMutex
	sessions map[uint64]*session
	handles  map[uint64]uint64 // handle_id → session_id
	feeds    map[string]uint64 // feedKey → session_id
	live     *list.List        // *session, least recently active first
	ended    *list.List        // *session, least recently active first
	global   ring
	addrs    addressBook // transport connection → client address
	bytes    int         // kept by every session's ring
	evicted  uint64
	closed   bool

	subMu sync.Mutex
	subs  map[*subscriber]struct{}
}

// New returns an empty store.
func New(cfg Config) *Store {
	cfg.defaults()
	return &Store{
		cfg:      cfg,
		sessions: map[uint64]*session{},
		handles:  map[uint64]uint64{},
		feeds:    map[string]uint64{},
		live:     list.New(),
		ended:    list.New(),
		global:   newRing(cfg.MaxGlobalEvents, 0),
		subs:     map[*subscriber]struct{}{},
	}
}

// Export files the batch into timelines and feeds live-tail subscribers.
func (s *Store) Export(_ context.Context, batch []*telemetry.Event) error {
	// Sizes of the events other than media reports, outside the lock:
	// eventBytes JSON-encodes the ones it cannot estimate (neither media
	// nor JSEP); a batch of media reports, the bulk, needs no slice.
	var sizes []int
	for i, e := range batch {
		if e.Type != telemetry.TypeMedia {
			if sizes == nil {
				sizes = make([]int, len(batch))
			}
			sizes[i] = eventBytes(e)
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	for i, e := range batch {
		size := 0
		if sizes != nil {
			size = sizes[i]
		}
		if size == 0 {
			size = eventBytes(e) // a media event: not encoded
		}
		s.add(e, size)
	}
	s.mu.Unlock()
	s.publish(batch)
	return nil
}

// add files one event of size bytes (eventBytes); s.mu is held.
func (s *Store) add(e *telemetry.Event, size int) {
	sid := e.SessionID
	if sid == 0 && e.HandleID != 0 {
		sid = s.handles[e.HandleID]
	}
	var f bodyFields
	if needsFields(e) {
		f = fields(e)
	}
	if e.Type == telemetry.TypeTransport {
		s.addrs.learn(e)
	}
	feed := feedKey(e, &f)
	if sid == 0 && feed != "" {
		sid = s.feeds[feed]
	}
	if sid == 0 {
		s.global.push(e, size)
		return
	}
	sess, ok := s.sessions[sid]
	if !ok {
		sess = &session{sum: SessionSummary{SessionID: sid}, events: newRing(s.cfg.MaxEventsPerSession, s.cfg.MaxBytesPerSession)}
		s.sessions[sid] = sess
		sess.elem = s.live.PushBack(sess)
		s.evict()
	}
	newHandle := e.HandleID != 0 && s.handles[e.HandleID] != sid
	if newHandle {
		if old := sess.mapHandle(e.HandleID); old != 0 && s.handles[old] == sid {
			delete(s.handles, old)
		}
		s.handles[e.HandleID] = sid
	}
	before := sess.events.bytes
	sess.add(e, &f, newHandle, size)
	s.bytes += sess.events.bytes - before
	if f.Transport != nil && f.Name == "created" && sess.sum.Address == "" {
		sess.sum.Transport = f.Transport.Transport
		sess.sum.Address = s.addrs.lookup(f.Transport.Transport, f.Transport.ID)
	}
	if feed != "" && e.SessionID != 0 {
		if _, known := s.feeds[feed]; !known {
			sess.feeds = append(sess.feeds, feed)
		}
		s.feeds[feed] = sid
	}
	switch reason := endOf(e, &f); {
	case reason != "" && !sess.sum.Ended:
		sess.sum.Ended, sess.sum.EndReason = true, reason
		s.live.Remove(sess.elem)
		sess.elem = s.ended.PushBack(sess)
	case sess.sum.Ended:
		s.ended.MoveToBack(sess.elem)
	default:
		s.live.MoveToBack(sess.elem)
	}
	s.evictBytes(sess)
}

// evict drops sessions past MaxSessions, ended ones first; s.mu is held.
func (s *Store) evict() {
	for len(s.sessions) > s.cfg.MaxSessions {
		if !s.evictOldest(nil) {
			return
		}
	}
}

// evictBytes drops sessions, in evict's order, until the kept events are
// within MaxBytes or only keep, the session just filed to, is left; s.mu
// is held.
func (s *Store) evictBytes(keep *session) {
	for s.bytes > s.cfg.MaxBytes {
		if !s.evictOldest(keep) {
			return
		}
	}
}

// evictOldest drops the least recently active ended session, else the
// least recently active live one, other than keep, and reports whether
// there was one; s.mu is held.
func (s *Store) evictOldest(keep *session) bool {
	var sess *session
	for _, l := range []*list.List{s.ended, s.live} {
		for el := l.Front(); el != nil && sess == nil; el = el.Next() {
			if v, _ := el.Value.(*session); v != keep {
				sess = v
			}
		}
	}
	if sess == nil {
		return false
	}
	if sess.sum.Ended {
		s.ended.Remove(sess.elem)
	} else {
		s.live.Remove(sess.elem)
	}
	delete(s.sessions, sess.sum.SessionID)
	s.bytes -= sess.events.bytes
	for _, h := range sess.mapped {
		if s.handles[h] == sess.sum.SessionID {
			delete(s.handles, h)
		}
	}
	for _, f := range sess.feeds {
		if s.feeds[f] == sess.sum.SessionID {
			delete(s.feeds, f)
		}
	}
	s.evicted++
	return true
}

// Sessions returns every kept session, most recently active first.
func (s *Store) Sessions() []SessionSummary {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]SessionSummary, 0, len(s.sessions))
	for _, sess := range s.sessions {
		out = append(out, s.summaryOf(sess))
	}
	slices.SortFunc(out, func(a, b SessionSummary) int { // newest first
		return cmp.Or(cmp.Compare(b.Last, a.Last), cmp.Compare(b.SessionID, a.SessionID))
	})
	return out
}

// Session returns one session's summary.
func (s *Store) Session(id uint64) (SessionSummary, bool) {
	return readSession(s, id, s.summaryOf)
}

// Timeline returns the kept events of a session, oldest first, or nil
// for an unknown session. The events are shared: do not modify them.
func (s *Store) Timeline(id uint64) []*telemetry.Event {
	evs, _ := readSession(s, id, func(sess *session) []*telemetry.Event { return sess.events.slice() })
	return evs
}

// readSession returns read of session id under the read lock; false for
// an unknown session.
func readSession[T any](s *Store, id uint64, read func(*session) T) (T, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess, ok := s.sessions[id]
	if !ok {
		var zero T
		return zero, false
	}
	return read(sess), true
}

// Global returns the kept events that belong to no session, oldest first.
func (s *Store) Global() []*telemetry.Event {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.global.slice()
}

// Evicted counts sessions evicted to stay within MaxSessions or MaxBytes.
func (s *Store) Evicted() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.evicted
}

// Shutdown stops filing events and closes every subscriber's channel. The
// kept timelines stay readable.
func (s *Store) Shutdown(context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.closeSubscribers()
	return nil
}

var (
	_ telemetry.Sink    = (*Store)(nil)
	_ telemetry.Querier = (*Store)(nil)
)
