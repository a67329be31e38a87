package adversarial

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Each test replays one attack of issue 10's "Why" list against the real
// binary with its default limits (deadlines shortened only where waiting
// for the default would exceed the suite's time budget) and asserts the
// bound: Janus errors, bounded memory, fds and goroutines back to baseline,
// and the Janus and Admin APIs answering within a second.

// TestEarlyTrickleFlood: trickles of 8,000 candidates each to a handle with
// no PeerConnection. Before: RSS grew 67 → 578 MB (800,006 pending).
func TestEarlyTrickleFlood(t *testing.T) {
	s := start(t, 1024)
	sid := s.create("")
	hid := s.mustAttach(sid)
	s.responsive("baseline")
	rss0 := s.rssKB()
	var cands strings.Builder
	cands.WriteByte('[')
	for i := range 8000 {
		if i > 0 {
			cands.WriteByte(',')
		}
		fmt.Fprintf(&cands, `{"sdpMid":"0","sdpMLineIndex":0,"candidate":"candidate:%d 1 udp 2122260223 10.0.%d.%d %d typ host generation 0"}`, i, i/250, i%250, 10000+i)
	}
	cands.WriteByte(']')
	body := []byte(fmt.Sprintf(`{"janus":"trickle","transaction":"t","candidates":%s}`, cands.String()))
	if len(body) > 1<<20 {
		t.Fatalf("trickle body %d bytes: over the body limit, would not test the queue", len(body))
	}
	path := fmt.Sprintf("/janus/%d/%d", sid, hid)
	parallel(40, 4, func(int) {
		m := s.post("http", path, body)
		if code, reason := janusErr(m); code != 490 || !strings.Contains(reason, "Too many pending trickles") {
			t.Errorf("trickle flood answer: %v", m)
		}
	})
	info := s.postf("admin", "/admin", `{"janus":"handle_info","transaction":"i","admin_secret":%q,"session_id":%d,"handle_id":%d}`, adminSecret, sid, hid)
	pending, _ := info["info"].(map[string]any)["pending-trickles"].(float64)
	if pending != 256 {
		t.Fatalf("pending-trickles %v, want the cap 256", pending)
	}
	if got := s.metric(`argus_limit_refused_total{limit="pending_trickles"}`); got != 40*8000-256 {
		t.Fatalf("dropped candidates counted %v, want %d", got, 40*8000-256)
	}
	s.responsive("after the flood")
	grown := (s.rssKB() - rss0) / 1024
	t.Logf("RSS %d MB -> %d MB after 320,000 early candidates", rss0/1024, rss0/1024+grown)
	if grown > 64 {
		t.Fatalf("RSS grew %d MB", grown)
	}
}

// TestSlowBodyFlood: 1,100 connections that send headers and never the body,
// from many addresses, against a 1,024-fd process. Before: accept4 "too many
// open files", /janus/info and /admin timed out. Now the public budget
// (half the fds) refuses the excess, /admin answers throughout, and the
// read deadline frees every slot.
func TestSlowBodyFlood(t *testing.T) {
	s := start(t, 1024, "-http-read-timeout", "3s")
	s.responsive("baseline")
	fds0, g0 := s.fds(), s.metric("argus_goroutines")
	conns := make([]net.Conn, 0, 1100)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i := range 1100 {
		src := &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(1+i/100))} // 11 addresses, 100 each
		d := net.Dialer{LocalAddr: src, Timeout: 2 * time.Second}
		c, err := d.Dial("tcp", s.addrs["http"])
		if err != nil {
			continue // refused at accept: that is the bound working
		}
		conns = append(conns, c)
		_, _ = fmt.Fprintf(c, "POST /janus HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
	}
	t.Logf("1,100 slow connections dialled (%d connected before the server closed the excess); the server holds %d fds", len(conns), s.fds())
	// The Admin API has its own budget: it answers during the flood.
	hc := &http.Client{Timeout: time.Second}
	res, err := hc.Post(s.url("admin", "/admin"), "application/json", strings.NewReader(`{"janus":"ping","transaction":"p"}`))
	if err != nil {
		t.Fatalf("/admin during the flood: %v", err)
	}
	_ = res.Body.Close()
	if fds := s.fds(); fds > 1000 {
		t.Fatalf("%d fds open during the flood", fds)
	}
	settle(t, "refusals counted", 10*time.Second, func() bool {
		return s.metric(`argus_limit_refused_total{limit="connections_total"}`) > 0
	})
	// Once the read deadline passes, the public API answers again.
	settle(t, "/janus/info after the deadline", 20*time.Second, func() bool {
		res, err := hc.Get(s.url("http", "/janus/info"))
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	for _, c := range conns {
		_ = c.Close()
	}
	settle(t, "fds back to baseline", 15*time.Second, func() bool { return s.fds() <= fds0+8 })
	settle(t, "goroutines back to baseline", 15*time.Second, func() bool { return s.metric("argus_goroutines") <= g0+10 })
}

// TestPerIPCap: one address cannot take the whole public budget.
func TestPerIPCap(t *testing.T) {
	s := start(t, 4096, "-max-conns-per-ip", "20")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range 40 {
		c, err := net.DialTimeout("tcp", s.addrs["http"], 2*time.Second)
		if err == nil {
			conns = append(conns, c)
		}
	}
	settle(t, "per-IP refusals counted", 10*time.Second, func() bool {
		return s.metric(`argus_limit_refused_total{limit="connections_per_ip"}`) >= 20
	})
	// Another address is still served.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 2, 1)}}
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	res, err := hc.Get(s.url("http", "/janus/info"))
	if err != nil {
		t.Fatalf("another address refused: %v", err)
	}
	_ = res.Body.Close()
}

// TestAdminFromAWebPage: a page the operator opens must not drive the Admin
// API. Before: Access-Control-Allow-Origin * and text/plain accepted; any
// Origin on the admin WebSocket.
func TestAdminFromAWebPage(t *testing.T) {
	s := start(t, 1024)
	body := fmt.Sprintf(`{"janus":"list_sessions","transaction":"x","admin_secret":%q}`, adminSecret)
	for _, tc := range []struct{ name, ctype, origin string }{
		{"simple text/plain POST", "text/plain", "https://evil.example"},
		{"form POST, no Origin", "application/x-www-form-urlencoded", ""},
		{"JSON from a foreign origin", "application/json", "https://evil.example"},
	} {
		req, _ := http.NewRequest(http.MethodPost, s.url("admin", "/admin"), strings.NewReader(body))
		req.Header.Set("Content-Type", tc.ctype)
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		res, err := s.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if acao := res.Header.Get("Access-Control-Allow-Origin"); acao != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", tc.name, acao)
		}
		switch res.StatusCode {
		case http.StatusForbidden:
		case http.StatusOK: // must be a refusal (450), never the session list
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%s: %s", tc.name, raw)
			}
			if code, _ := janusErr(m); code != 450 {
				t.Errorf("%s: answered %s", tc.name, raw)
			}
		default:
			t.Errorf("%s: HTTP %d", tc.name, res.StatusCode)
		}
	}
	ctx := t.Context()
	_, resp, err := websocket.Dial(ctx, "ws://"+s.addrs["admin-ws"], &websocket.DialOptions{
		Subprotocols: []string{"janus-admin-protocol"},
		HTTPHeader:   http.Header{"Origin": {"https://evil.example"}},
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("admin WebSocket from a foreign origin: err %v resp %v", err, resp)
	}
}

// TestHandlePathGetDoesNotKeepAlive: GET /janus/<s>/<h> without the api
// secret must not refresh the session. Before, it did.
func TestHandlePathGetDoesNotKeepAlive(t *testing.T) {
	s := start(t, 1024, "-api-secret", "sekrit", "-session-timeout", "3")
	sid := s.create(`,"apisecret":"sekrit"`)
	noRedirect := &http.Client{Timeout: time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for range 7 {
		res, err := noRedirect.Get(s.url("http", fmt.Sprintf("/janus/%d/1", sid)))
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("unauthenticated handle-path GET: HTTP %d", res.StatusCode)
		}
		time.Sleep(time.Second)
	}
	m := s.postf("http", fmt.Sprintf("/janus/%d", sid), `{"janus":"keepalive","transaction":"k","apisecret":"sekrit"}`)
	if code, _ := janusErr(m); code != 458 {
		t.Fatalf("session survived 7 s of unauthenticated GETs with a 3 s timeout: %v", m)
	}
}

// TestHugeOffersAndBadInput: a 1,000-m-line offer, too many handles and
// invalid UTF-8 get Janus errors; the server stays responsive.
func TestHugeOffersAndBadInput(t *testing.T) {
	s := start(t, 1024)
	sid := s.create("")
	hid := s.mustAttach(sid)
	var sdp strings.Builder
	sdp.WriteString("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
	for i := range 1000 {
		fmt.Fprintf(&sdp, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:%d\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n", i)
	}
	m := s.postf("http", fmt.Sprintf("/janus/%d/%d", sid, hid), `{"janus":"message","transaction":"o","body":{"audio":true},"jsep":{"type":"offer","sdp":%q}}`, sdp.String())
	if code, reason := janusErr(m); code != 465 || !strings.Contains(reason, "too many m-lines") {
		t.Fatalf("1,000-m-line offer: %v", m)
	}
	for range 255 {
		if h, m := s.attach(sid); h == 0 {
			t.Fatalf("attach within the cap: %v", m)
		}
	}
	if _, m := s.attach(sid); m["janus"] != "error" {
		t.Fatalf("attach 257: %v", m)
	} else if code, _ := janusErr(m); code != 461 {
		t.Fatalf("attach 257: %v", m)
	}
	m = s.post("http", "/janus", []byte("{\"janus\":\"create\",\"transaction\":\"\xff\xfe\"}"))
	if code, _ := janusErr(m); code != 454 {
		t.Fatalf("invalid UTF-8: %v", m)
	}
	s.responsive("after bad input")
}

// TestSessionFloodOneClient: one client over one kept-alive HTTP
// connection creates sessions until refused. Before: nothing but the
// global 65,536 held it, each session able to negotiate PeerConnections
// (~0.5 MiB each). Now its address gets 472 past 1,024 live sessions,
// counted, while another address still creates; a destroy frees a slot.
func TestSessionFloodOneClient(t *testing.T) {
	s := start(t, 1024)
	const limit, over = 1024, 50
	ids := make([]uint64, 0, limit)
	for range limit {
		ids = append(ids, s.create(""))
	}
	for range over {
		m := s.post("http", "/janus", []byte(`{"janus":"create","transaction":"c"}`))
		if code, reason := janusErr(m); code != 472 || !strings.Contains(reason, "per client address") {
			t.Fatalf("create %d+: %v", limit+1, m)
		}
	}
	if got := s.metric(`argus_limit_refused_total{limit="sessions_per_ip"}`); got != over {
		t.Fatalf("refusals counted %v, want %d", got, over)
	}
	other := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, 1)}}).DialContext,
	}}
	res, err := other.Post(s.url("http", "/janus"), "application/json", strings.NewReader(`{"janus":"create","transaction":"o"}`))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	err = json.NewDecoder(res.Body).Decode(&m)
	_ = res.Body.Close()
	if err != nil || m["janus"] != "success" {
		t.Fatalf("create from another address: %v %v", m, err)
	}
	s.responsive("after the flood")
	s.postf("http", fmt.Sprintf("/janus/%d", ids[0]), `{"janus":"destroy","transaction":"d"}`)
	s.create("")
}
