package janusref

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/testpeer"
)

// step is one request of the answers script. Requests go over HTTP to
// the Janus API (or, with admin, the Admin API) at the path of the named
// session and handle; a request that a plugin accepts with an "ack" is
// followed by its event, compared as "<name> event".
type step struct {
	name   string
	admin  bool
	sess   string         // a session named by an earlier save, "nosuch", or "" (none)
	handle string         // a handle, likewise
	req    map[string]any // the request; "transaction" is added unless it has "-transaction"
	raw    string         // sent as is instead of req
	method string         // HTTP method: POST unless set (GET, PUT: no body)
	path   string         // a path under the API's base instead of the ids'.
	save   string         // names the answer's data.id (create, attach)
	feed   string         // names the answer's plugindata.data.id (join)
	shape  bool           // compare JSON kinds only, no values (server_info)
	// redial: over WebSocket, if the server closed the API socket the
	// step is sent once more on a new one (answers_ws_test.go).
	redial bool
	// Media: peer names the client PeerConnection of the handle (made on
	// first use; it sends audio and video when it makes an offer). With
	// offer the request carries the peer's offer (candidates gathered),
	// with answer its answer to the last offer the server sent it; a jsep
	// in the answer or event is applied to the peer.
	peer          string
	offer, answer bool
	// action runs instead of a request (nothing is compared): waits for
	// media, hangups.
	action func(ctx context.Context, r *answerRun) error
}

// Ids no server hands out: 53-bit ids are random, so these are free.
const (
	noSuchSession = 4242424242
	noSuchHandle  = 4343434343
)

// answer is one server's answer to a step: the message (or, when the body
// is no JSON object, its text as "body"), with the HTTP status as
// "http_status"; or a transport failure.
type answer struct {
	msg janusclient.Msg
	err string
}

// answerRun runs the script against one server over plain HTTP, long
// polling each session it creates for asynchronous answers.
type answerRun struct {
	tg    *target
	hc    *http.Client
	poll  *janusclient.HTTP
	in    *janusclient.Inbox
	ids   map[string]uint64 // saved name → id
	names map[string]string // id (decimal) → "<name>"
	tx    int
	// peers by step.peer, and the last offer the server sent each.
	peers  map[string]*testpeer.Peer
	offers map[string]string
	// ws and adminWS, when set, carry the requests instead of HTTP
	// (answers_ws_test.go); wsURL is ws's address, oldWS the API sockets
	// replaced by a fresh one (closed at the end) and redials notes the
	// steps that found ws closed by the server and were sent again.
	ws, adminWS *wsClient
	wsURL       string
	oldWS       []*wsClient
	redials     []string
}

func newAnswerRun(tg *target) *answerRun {
	r := &answerRun{tg: tg, hc: &http.Client{Transport: &http.Transport{}},
		poll: janusclient.NewHTTP(tg.url, janusclient.Options{}),
		ids:  map[string]uint64{}, names: map[string]string{},
		peers: map[string]*testpeer.Peer{}, offers: map[string]string{}}
	r.in = janusclient.NewInbox(r.poll)
	r.name("nosuch", noSuchSession)
	r.name("nosuchhandle", noSuchHandle)
	return r
}

func (r *answerRun) close() {
	for _, p := range r.peers {
		_ = p.Close()
	}
	r.in.Close()
	if r.poll != nil {
		r.poll.Close()
		r.hc.CloseIdleConnections()
	}
	for _, c := range append([]*wsClient{r.ws, r.adminWS}, r.oldWS...) {
		if c != nil {
			c.Close()
		}
	}
}

// number is a run of digits in a text: where an id may stand.
var number = regexp.MustCompile(`[0-9]+`)

func (r *answerRun) name(n string, id uint64) {
	r.ids[n] = id
	r.names[strconv.FormatUint(id, 10)] = "<" + n + ">"
}

// url is the step's endpoint.
func (r *answerRun) url(s step) string {
	u := r.tg.url
	if s.admin {
		u = r.tg.admin
	}
	if s.path != "" {
		return u + s.path
	}
	if s.sess != "" {
		u += "/" + strconv.FormatUint(r.ids[s.sess], 10)
	}
	if s.handle != "" {
		u += "/" + strconv.FormatUint(r.ids[s.handle], 10)
	}
	return u
}

// subst replaces "$name" strings in v with the saved ids.
func (r *answerRun) subst(v any) any {
	switch x := v.(type) {
	case string:
		if n, ok := strings.CutPrefix(x, "$"); ok {
			return r.ids[n]
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, c := range x {
			out[k] = r.subst(c)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = r.subst(c)
		}
		return out
	}
	return v
}

// do sends one request and decodes the answer.
func (r *answerRun) do(ctx context.Context, method, url string, body []byte) answer {
	var rd io.Reader
	if method == http.MethodPost {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return answer{err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := r.hc.Do(req)
	if err != nil {
		return answer{err: err.Error()}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return answer{err: err.Error()}
	}
	m, err := janusclient.Decode(raw)
	if err != nil || len(m) == 0 {
		// Not a Janus message (a 404 on a poll): status and text.
		m = janusclient.Msg{"body": strings.TrimSpace(string(raw))}
	}
	m["http_status"] = json.Number(strconv.Itoa(res.StatusCode))
	return answer{msg: m}
}

// run sends every step and returns the answers by step name (and "<name>
// event" for asynchronous plugin answers).
func (r *answerRun) run(ctx context.Context, steps []step) (map[string]answer, error) {
	out := map[string]answer{}
	for _, s := range steps {
		if s.action != nil {
			if err := s.action(ctx, r); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", r.tg.name, s.name, err)
			}
			continue
		}
		var body []byte
		var req map[string]any
		tx := ""
		switch {
		case s.raw != "":
			body = []byte(s.raw)
		case s.req == nil:
		default:
			req, _ = r.subst(s.req).(map[string]any)
			if err := r.addJSEP(ctx, s, req); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", r.tg.name, s.name, err)
			}
			if _, no := req["-transaction"]; no {
				delete(req, "-transaction")
			} else {
				r.tx++
				tx = fmt.Sprintf("ans%d", r.tx)
				req["transaction"] = tx
			}
			var err error
			if body, err = json.Marshal(req); err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
		}
		method := s.method
		if method == "" {
			method = http.MethodPost
		}
		var a answer
		if r.ws != nil {
			a = r.sendWS(ctx, s, body, req)
		} else {
			a = r.do(ctx, method, r.url(s), body)
		}
		out[s.name] = a
		if a.msg == nil {
			continue
		}
		if s.save != "" && a.msg.Kind() == "success" {
			id := a.msg.Uint("data", "id")
			r.name(s.save, id)
			if s.req["janus"] == "create" && r.poll != nil {
				r.poll.Watch(id)
			}
		}
		plugin := a.msg
		if a.msg.Kind() == "ack" && s.req["janus"] == "message" {
			hid := r.ids[s.handle]
			ev, err := r.in.Wait(ctx, s.name+" event", func(m janusclient.Msg) bool {
				return janusclient.From(hid, "event")(m) && m["transaction"] == tx
			})
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", r.tg.name, s.name, err)
			}
			out[s.name+" event"] = answer{msg: ev}
			if r.ws != nil {
				out[s.name+" order"] = r.wsOrder(tx)
			}
			plugin = ev
		}
		if s.feed != "" {
			if id := plugin.Uint("plugindata", "data", "id"); id != 0 {
				r.name(s.feed, id)
			}
		}
		if err := r.takeJSEP(s, plugin); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", r.tg.name, s.name, err)
		}
	}
	return out, nil
}

// peerOf returns the step's peer, made on first use: sending audio and
// video when it starts with an offer, receiving only otherwise.
func (r *answerRun) peerOf(s step) (*testpeer.Peer, error) {
	if p := r.peers[s.peer]; p != nil {
		return p, nil
	}
	p, err := r.tg.peer(s.offer, false)
	if err != nil {
		return nil, err
	}
	r.peers[s.peer] = p
	return p, nil
}

// addJSEP adds the step's offer or answer to req.
func (r *answerRun) addJSEP(ctx context.Context, s step, req map[string]any) error {
	if !s.offer && !s.answer {
		return nil
	}
	p, err := r.peerOf(s)
	if err != nil {
		return err
	}
	var sdp string
	typ := "offer"
	if s.offer {
		sdp, err = p.Offer(ctx, true)
	} else {
		typ = "answer"
		sdp, err = p.Answer(ctx, r.offers[s.peer])
	}
	if err != nil {
		return err
	}
	req["jsep"] = janusclient.JSEP(typ, sdp, false)
	return nil
}

// takeJSEP applies the jsep of a peer's handle's answer or event to the
// peer: an answer is set, an offer kept for the next step's answer.
func (r *answerRun) takeJSEP(s step, m janusclient.Msg) error {
	sdp, _ := m.Field("jsep", "sdp").(string)
	if s.peer == "" || sdp == "" {
		return nil
	}
	if m.Field("jsep", "type") == "offer" {
		r.offers[s.peer] = sdp
		return nil
	}
	p, err := r.peerOf(s)
	if err != nil {
		return err
	}
	return p.SetAnswer(sdp)
}

// randomKeys name fields holding random ids or clock readings, wherever
// they are: their values are compared only when they are ids the script
// named (sessions, handles, feeds).
var randomKeys = map[string]bool{
	"session_id": true, "sender": true, "id": true, "private_id": true, "handle_id": true,
	"publisher_id": true, "feed_id": true, "sessions": true, "handles": true,
	"created": true, "current_time": true, "session_last_activity": true,
}

// peerKeys name the fields of a live PeerConnection (Admin handle_info)
// that hold dates, addresses and ports, fingerprints, SSRCs, counters and
// the SDP texts; they are compared by JSON kind only under peerPaths, by
// value anywhere else.
var peerKeys = map[string]bool{
	"agent-created": true, "agent-started": true, "gathered": true, "connected": true, "handshake-started": true,
	"local-candidates": true, "remote-candidates": true, "selected-pair": true,
	"fingerprint": true, "remote-fingerprint": true, "ssrc": true, "ssrc-peer": true, "ssrc-rtx": true, "ssrc-peer-rtx": true,
	"packets": true, "bytes": true, "bytes_lastsec": true, "nacks": true, "retransmissions": true,
	"rtt": true, "lost": true, "lost-by-remote": true, "jitter-local": true, "jitter-remote": true,
	"in-link-quality": true, "in-media-link-quality": true, "out-link-quality": true, "out-media-link-quality": true,
	"local": true, "remote": true, // sdps: the SDP texts
}

// peerPaths are where handle_info describes the PeerConnection: its ICE
// agent's dates, its webrtc and sdps objects.
var peerPaths = []string{"info.agent-created", "info.agent-started", "info.webrtc.", "info.sdps."}

// isRandom tells whether the field at path, last its key, holds a random
// value (randomKeys anywhere, peerKeys under peerPaths).
func isRandom(path, last string) bool {
	if randomKeys[last] {
		return true
	}
	if !peerKeys[last] {
		return false
	}
	for _, p := range peerPaths {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// randomUnder are paths under which every value is compared by JSON kind
// only: handle_info's header extension ids (each server numbers its own
// offers; the URIs, with dots, are the keys).
var randomUnder = []string{"info.webrtc.extensions.", "info.webrtc.bwe.twcc-ext-id"}

// valueOf is the compared value of an answer field: ids replaced by the
// name the script gave them (or left out when unnamed), SDPs left out,
// names substituted into strings.
func (r *answerRun) valueOf(path string, v any) (string, bool) {
	last := path[strings.LastIndex(path, ".")+1:]
	if i := strings.IndexByte(last, '['); i > 0 {
		last = last[:i] // an array element compares as its array's key
	}
	for _, p := range randomUnder {
		if strings.HasPrefix(path, p) {
			return "", false
		}
	}
	switch x := v.(type) {
	case map[string]any, []any:
		return "", false
	case json.Number:
		if n, ok := r.names[x.String()]; ok {
			return n, true
		}
		if isRandom(path, last) {
			return "", false
		}
	case string:
		if last == "sdp" || isRandom(path, last) {
			return "", false
		}
		// Whole numbers only: a short id (4444) must not replace part of
		// a longer one.
		v = number.ReplaceAllStringFunc(x, func(d string) string {
			if n, ok := r.names[d]; ok {
				return n
			}
			return d
		})
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}

// unorderedArrays are the answer arrays whose order Janus 1.1.2 does not
// define (it lists them from hash tables), by their last path component,
// with the field that names an element ("" for an array of ids: the
// element's own value). Their elements compare by that key; every other
// array's by index.
var unorderedArrays = map[string]string{
	"list":         "room",  // VideoRoom rooms
	"participants": "id",    // VideoRoom participants
	"publishers":   "id",    // VideoRoom publishers
	"sessions":     "",      // Admin list_sessions
	"handles":      "",      // Admin list_handles
	"tokens":       "token", // Admin list_tokens
	"allowed":      "",      // VideoRoom access list
}

// setArrays are the answer arrays compared as sets of JSON kinds, their
// length too left out: a PeerConnection's candidates (Janus 1.1.2 lists
// a peer-reflexive one when a check overtook the trickle, and drops
// component 2 with rtcp-mux; Argus lists the client's lines).
var setArrays = map[string]bool{"local-candidates": true, "remote-candidates": true}

// elems names the elements of the array at path: by the key of
// unorderedArrays (ids by the name the script gave them, a repeated key
// with "#2", "#3"...), or by index; nil for setArrays.
func (r *answerRun) elems(path string, arr []any) []string {
	last := path[strings.LastIndex(path, ".")+1:]
	if setArrays[last] {
		return nil
	}
	key, keyed := unorderedArrays[last]
	out := make([]string, len(arr))
	seen := map[string]int{}
	for i, e := range arr {
		if !keyed {
			out[i] = strconv.Itoa(i)
			continue
		}
		v := e
		if key != "" {
			obj, _ := e.(map[string]any)
			v = obj[key]
		}
		name, ok := r.valueOf(key, v)
		if !ok {
			name = "?" // an unnamed id: only how many there are compares
		}
		name = key + "=" + name
		if seen[name]++; seen[name] > 1 {
			name += "#" + strconv.Itoa(seen[name])
		}
		out[i] = name
	}
	return out
}

// compareAnswers lists the differences between Janus's and Argus's
// answers, step by step, in compare's format with the step's name as the
// kind.
func compareAnswers(steps []step, jr, ar *answerRun, ja, aa map[string]answer) []string {
	shapeOnly := map[string]bool{}
	var names []string
	for _, s := range steps {
		shapeOnly[s.name], shapeOnly[s.name+" event"] = s.shape, s.shape
	}
	for n := range ja {
		names = append(names, n)
	}
	for n := range aa {
		if _, ok := ja[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var diffs []string
	for _, n := range names {
		j, jok := ja[n]
		a, aok := aa[n]
		switch {
		case !aok:
			diffs = append(diffs, n+": only in Janus")
			continue
		case !jok:
			diffs = append(diffs, n+": only in Argus")
			continue
		case j.err != "" || a.err != "":
			if (j.err == "") != (a.err == "") {
				diffs = append(diffs, fmt.Sprintf("%s: Janus %q, Argus %q", n, j.err, a.err))
			}
			continue
		}
		jv, av := jr.valueOf, ar.valueOf
		if shapeOnly[n] {
			jv = func(string, any) (string, bool) { return "", false }
			av = jv
		}
		js, as := newShape(jv), newShape(av)
		js.elems, as.elems = jr.elems, ar.elems
		js.add(j.msg)
		as.add(a.msg)
		diffs = append(diffs, compareShape(n, js, as)...)
	}
	sort.Strings(diffs)
	return diffs
}

// TestJanusReferenceAnswers sends the same requests to real Janus and to
// Argus and compares every answer: kind, HTTP status, error code and
// text, the plugin's data (keys, JSON kinds, values) and jsep presence.
// The script runs over HTTP, then again over WebSocket (on the same two
// servers), where how many messages of each kind (ack, event) come with
// a plugin message's transaction is compared too, not their order
// (Janus 1.1.2 sends them in either order, see wsOrder).
func TestJanusReferenceAnswers(t *testing.T) {
	j := startJanus(t)
	a := startArgus(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	targets := []*target{
		{name: "janus", url: j.url, admin: j.admin, peerNet: j.peerNet, events: j.events},
		{name: "argus", url: a.url, admin: a.admin, events: a.events},
	}
	steps := append(answerSteps(), mediaSteps()...)
	stale := map[string]int{} // allowlist entries by how many runs did not use them
	for _, tr := range []string{"http", "websocket"} {
		script := steps
		if tr == "websocket" {
			script = wsSteps(steps)
		}
		var runs []*answerRun
		var got []map[string]answer
		for i, tg := range targets {
			var r *answerRun
			if tr == "http" {
				r = newAnswerRun(tg)
			} else {
				api, admin, err := janusWS(j.url)
				if i == 1 {
					api, admin = a.ws, a.adminWS
				}
				if err == nil {
					r, err = newWSAnswerRun(ctx, tg, api, admin)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			defer r.close()
			out, err := r.run(ctx, script)
			if err != nil {
				t.Fatalf("%s: %v", tr, err)
			}
			for _, n := range r.redials {
				t.Logf("%s: %s: %s", tr, tg.name, n)
			}
			runs, got = append(runs, r), append(got, out)
		}
		for _, s := range script {
			if got[0][s.name].msg == nil && s.action == nil {
				t.Errorf("%s: Janus gave no answer to %s: %s", tr, s.name, got[0][s.name].err)
			}
		}
		rest, unused := unexplained(compareAnswers(script, runs[0], runs[1], got[0], got[1]), answerAllowlist)
		rest, _ = unexplained(rest, answerTimingAllowlist)
		for _, d := range rest {
			t.Errorf("%s: answer differs from Janus 1.1.2: %s", tr, d)
		}
		for _, a := range unused {
			stale[a]++
		}
		if testing.Verbose() || t.Failed() {
			logAnswers(t, tr, script, got)
		}
	}
	for a, n := range stale {
		if n == 2 {
			t.Errorf("allowlist entry not seen over HTTP or WebSocket: %s", a)
		}
	}
}

// logAnswers logs both servers' answers to each step of a run.
func logAnswers(t *testing.T, tr string, steps []step, got []map[string]answer) {
	t.Helper()
	for _, s := range steps {
		for _, n := range []string{s.name, s.name + " event", s.name + " order"} {
			if ja, ok := got[0][n]; ok {
				t.Logf("%s: %s\n  janus: %s%s\n  argus: %s%s", tr, n, ja.msg, ja.err, got[1][n].msg, got[1][n].err)
			}
		}
	}
}
