package history

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// APIPrefix is where Handler serves; mount it as mux.Handle(APIPrefix, h).
const APIPrefix = "/console/api/"

// tailHeartbeat keeps idle Server-Sent Events connections open through
// proxies that cut silent ones (commonly after 30-60 s).
const tailHeartbeat = 15 * time.Second

// Handler serves the console's JSON API:
//
//	GET /console/api/sessions       {"sessions":[SessionSummary...],"evicted":N}
//	GET /console/api/sessions/{id}  {"session":SessionSummary,"events":[event...]} (404 if unknown)
//	GET /console/api/global         {"events":[event...]} (events with no session)
//	GET /console/api/rooms          {"rooms":[Room...]} (participants and their streams)
//	GET /console/api/config         ConsoleConfig (links to the Jaeger and Homer UIs)
//	GET /console/api/tail           Server-Sent Events, one Janus event JSON per
//	                                "data:" line; ?session_id=N keeps one session
//
// Events are in the Janus event-handler JSON form.
func (s *Store) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /console/api/sessions", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, SessionsResponse{Sessions: s.Sessions(), Evicted: s.Evicted()})
	})
	mux.HandleFunc("GET /console/api/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil || id == 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid session id"})
			return
		}
		resp, ok := s.timeline(id)
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such session"})
			return
		}
		writeJSON(w, http.StatusOK, resp)
	})
	mux.HandleFunc("GET /console/api/global", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"events": s.Global()})
	})
	mux.HandleFunc("GET /console/api/rooms", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, RoomsResponse{Rooms: s.Rooms()})
	})
	mux.HandleFunc("GET /console/api/config", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, ConsoleConfig{JaegerURL: s.cfg.JaegerURL, HomerURL: s.cfg.HomerURL, HomerCorrelation: s.cfg.HomerCorrelation})
	})
	mux.HandleFunc("GET /console/api/tail", s.serveTail)
	return mux
}

// RoomsResponse answers GET /console/api/rooms and {"request":"rooms"}.
type RoomsResponse struct {
	Rooms []Room `json:"rooms"`
}

// ConsoleConfig tells the console where to link a session's trace and
// Homer correlation id (Config.JaegerURL, HomerURL).
type ConsoleConfig struct {
	JaegerURL        string `json:"jaeger_url"`
	HomerURL         string `json:"homer_url"`
	HomerCorrelation string `json:"homer_correlation"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}

// serveTail streams events as Server-Sent Events until the client leaves
// or the store shuts down.
func (s *Store) serveTail(w http.ResponseWriter, r *http.Request) {
	var only uint64
	if v := r.URL.Query().Get("session_id"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid session_id"})
			return
		}
		only = id
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	ch := s.Subscribe(r.Context())
	if _, err := w.Write([]byte(": argus history tail\n\n")); err != nil {
		return
	}
	_ = rc.Flush()
	hb := time.NewTicker(tailHeartbeat)
	defer hb.Stop()
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return
			}
			if only != 0 && e.SessionID != only {
				continue
			}
			if err := writeEvent(w, e); err != nil {
				return
			}
		case <-hb.C:
			if _, err := w.Write([]byte(": ping\n\n")); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, e *telemetry.Event) error {
	b, err := e.JSON() // the encoding a JSON sink made of it, if one did
	if err != nil {
		return nil //nolint:nilerr // skip an event whose body cannot be encoded
	}
	buf := make([]byte, 0, len(b)+8)
	buf = append(buf, "data: "...)
	buf = append(buf, b...)
	buf = append(buf, '\n', '\n')
	_, err = w.Write(buf)
	return err
}
