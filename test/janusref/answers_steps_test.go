package janusref

// m is a request body.
type m = map[string]any

// msg is a plugin message to a handle.
func msg(name, sess, handle string, body any) step {
	return step{name: name, sess: sess, handle: handle, req: m{"janus": "message", "body": body}}
}

// vr is a VideoRoom request on handle h of session s.
func vr(name, s, h string, body m) step { return msg(name, s, h, body) }

// adm is an Admin API request with the right secret.
func adm(name string, req m) step {
	req["admin_secret"] = adminSecret
	return step{name: name, admin: true, req: req}
}

// admOn is adm on session s and, unless h is "", its handle h.
func admOn(name, s, h string, req m) step {
	st := adm(name, req)
	st.sess, st.handle = s, h
	return st
}

// answerSteps is the script: the Janus API core, the EchoTest, the
// VideoRoom and the Admin API, errors and successes. Sessions: A (the
// main one), B (detach and destroy twice), C to F (VideoRoom members).
func answerSteps() []step {
	var steps []step
	add := func(s ...step) { steps = append(steps, s...) }

	// Core, Janus API.
	add(
		step{name: "core info", req: m{"janus": "info"}, shape: true},
		step{name: "core ping", req: m{"janus": "ping"}},
		step{name: "core bad json", raw: `{"janus":"info",`},
		step{name: "core not an object", raw: `[1,2]`},
		step{name: "core missing transaction", req: m{"janus": "info", "-transaction": true}},
		step{name: "core missing janus", req: m{}},
		step{name: "core janus not a string", req: m{"janus": 5}},
		step{name: "core unknown verb at root", req: m{"janus": "frobnicate"}},
		step{name: "core keepalive at root", req: m{"janus": "keepalive"}},
		step{name: "core get info", method: "GET", path: "/info", shape: true},
		step{name: "core put", method: "PUT"},
		step{name: "core poll unknown session", method: "GET", sess: "nosuch"},
		step{name: "core create with id", req: m{"janus": "create", "id": 4444}, save: "fixed"},
		step{name: "core create with id in use", req: m{"janus": "create", "id": 4444}},
		step{name: "core create with bad id", req: m{"janus": "create", "id": "x"}},
		step{name: "core destroy fixed", sess: "fixed", req: m{"janus": "destroy"}},
		step{name: "core create", req: m{"janus": "create"}, save: "A"},
		step{name: "core keepalive", sess: "A", req: m{"janus": "keepalive"}},
		step{name: "core unknown verb", sess: "A", req: m{"janus": "frobnicate"}},
		step{name: "core create with session", sess: "A", req: m{"janus": "create"}},
		step{name: "core unknown session", sess: "nosuch", req: m{"janus": "keepalive"}},
		step{name: "core attach unknown plugin", sess: "A", req: m{"janus": "attach", "plugin": "janus.plugin.nope"}},
		step{name: "core attach without plugin", sess: "A", req: m{"janus": "attach"}},
		step{name: "core attach echotest", sess: "A", req: m{"janus": "attach", "plugin": "janus.plugin.echotest", "opaque_id": "answers-echo"}, save: "echo"},
		step{name: "core unknown handle", sess: "A", handle: "nosuchhandle", req: m{"janus": "message", "body": m{"audio": true}}},
		step{name: "core message without body", sess: "A", handle: "echo", req: m{"janus": "message"}},
		step{name: "core message body not an object", sess: "A", handle: "echo", req: m{"janus": "message", "body": "x"}},
		step{name: "core message without handle", sess: "A", req: m{"janus": "message", "body": m{"audio": true}}},
		step{name: "core jsep not an object", sess: "A", handle: "echo", req: m{"janus": "message", "body": m{"audio": true}, "jsep": "x"}},
		step{name: "core jsep unknown type", sess: "A", handle: "echo", req: m{"janus": "message", "body": m{"audio": true}, "jsep": m{"type": "pranswer", "sdp": "v=0"}}},
		step{name: "core jsep answer without offer", sess: "A", handle: "echo", req: m{"janus": "message", "body": m{"audio": true}, "jsep": m{"type": "answer", "sdp": "v=0\r\n"}}},
		step{name: "core jsep good answer without offer", sess: "A", handle: "echo", req: m{"janus": "message", "body": m{"audio": true}, "jsep": m{"type": "answer", "sdp": answerSDP}}},
		step{name: "core trickle without pc", sess: "A", handle: "echo", req: m{"janus": "trickle", "candidate": m{"candidate": "candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}}},
		step{name: "core trickle completed", sess: "A", handle: "echo", req: m{"janus": "trickle", "candidate": m{"completed": true}}},
		step{name: "core trickle without candidate", sess: "A", handle: "echo", req: m{"janus": "trickle"}},
		step{name: "core trickle both", sess: "A", handle: "echo", req: m{"janus": "trickle", "candidate": m{"completed": true}, "candidates": []any{}}},
		step{name: "core trickle candidates", sess: "A", handle: "echo", req: m{"janus": "trickle", "candidates": []any{m{"candidate": "candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}, m{"completed": true}}}},
		step{name: "core trickle candidates not array", sess: "A", handle: "echo", req: m{"janus": "trickle", "candidates": "x"}},
		step{name: "core ping with session", sess: "A", req: m{"janus": "ping"}},
		step{name: "core hangup without pc", sess: "A", handle: "echo", req: m{"janus": "hangup"}},
		step{name: "core hangup without handle", sess: "A", req: m{"janus": "hangup"}},
		step{name: "core attach with handle", sess: "A", handle: "echo", req: m{"janus": "attach", "plugin": "janus.plugin.echotest"}},
		step{name: "core keepalive with handle", sess: "A", handle: "echo", req: m{"janus": "keepalive"}},
		step{name: "core create B", req: m{"janus": "create"}, save: "B"},
		step{name: "core attach B", sess: "B", req: m{"janus": "attach", "plugin": "janus.plugin.echotest"}, save: "bh"},
		// A claim over HTTP: in Janus 1.1.2 (and Argus) what was queued
		// for the session's long poll is dropped, and a poll parked during
		// the claim waits out its 30 s; so the claim is made on B, whose
		// events the script never waits for.
		step{name: "core claim", sess: "B", req: m{"janus": "claim"}},
		step{name: "core detach", sess: "B", handle: "bh", req: m{"janus": "detach"}},
		step{name: "core detach twice", sess: "B", handle: "bh", req: m{"janus": "detach"}},
		step{name: "core destroy", sess: "B", req: m{"janus": "destroy"}},
		step{name: "core destroy twice", sess: "B", req: m{"janus": "destroy"}},
	)

	// EchoTest (plugins/echotest's TestRequestErrors, then a good
	// configure).
	for _, b := range []struct {
		name string
		body any
	}{
		{"empty", m{}},
		{"array", []any{1}},
		{"null", nil},
		{"audio not bool", m{"audio": "yes"}},
		{"negative bitrate", m{"bitrate": -1}},
		{"real bitrate", m{"bitrate": 1.5}},
		{"substream 3", m{"substream": 3}},
		{"temporal 9", m{"temporal": 9}},
		{"record", m{"record": true}},
		{"configure", m{"audio": true, "video": false, "bitrate": 128000}},
	} {
		add(msg("echotest "+b.name, "A", "echo", b.body))
	}

	// VideoRoom: synchronous requests on a handle that never joins.
	add(
		step{name: "videoroom attach", sess: "A", req: m{"janus": "attach", "plugin": "janus.plugin.videoroom"}, save: "vr"},
		vr("videoroom no request", "A", "vr", m{"room": 1234}),
		vr("videoroom unknown request", "A", "vr", m{"request": "frobnicate"}),
		vr("videoroom list", "A", "vr", m{"request": "list"}),
		vr("videoroom exists", "A", "vr", m{"request": "exists", "room": 1234}),
		vr("videoroom exists not", "A", "vr", m{"request": "exists", "room": 4321}),
		vr("videoroom exists without room", "A", "vr", m{"request": "exists"}),
		vr("videoroom create", "A", "vr", m{"request": "create", "room": 5555, "description": "answers", "publishers": 2}),
		vr("videoroom create duplicate", "A", "vr", m{"request": "create", "room": 5555}),
		vr("videoroom create room string", "A", "vr", m{"request": "create", "room": "x"}),
		vr("videoroom create description number", "A", "vr", m{"request": "create", "room": 5556, "description": 5}),
		vr("videoroom create publishers string", "A", "vr", m{"request": "create", "room": 5556, "publishers": "six"}),
		vr("videoroom create negative bitrate", "A", "vr", m{"request": "create", "room": 5556, "bitrate": -1}),
		vr("videoroom create is_private string", "A", "vr", m{"request": "create", "room": 5556, "is_private": "yes"}),
		vr("videoroom create permanent", "A", "vr", m{"request": "create", "room": 5557, "permanent": true}),
		vr("videoroom edit", "A", "vr", m{"request": "edit", "room": 5555, "new_description": "edited"}),
		vr("videoroom edit without secret", "A", "vr", m{"request": "edit", "room": 1234, "new_description": "x"}),
		vr("videoroom edit missing room", "A", "vr", m{"request": "edit", "room": 9999, "new_description": "x"}),
		vr("videoroom destroy without secret", "A", "vr", m{"request": "destroy", "room": 1234}),
		vr("videoroom destroy wrong secret", "A", "vr", m{"request": "destroy", "room": 1234, "secret": "nope"}),
		vr("videoroom destroy", "A", "vr", m{"request": "destroy", "room": 5555}),
		vr("videoroom destroy missing room", "A", "vr", m{"request": "destroy", "room": 5555}),
		vr("videoroom listparticipants empty", "A", "vr", m{"request": "listparticipants", "room": 1234}),
		vr("videoroom listparticipants no room", "A", "vr", m{"request": "listparticipants", "room": 9999}),
		vr("videoroom allowed without secret", "A", "vr", m{"request": "allowed", "room": 1234, "action": "add", "allowed": []any{"tok"}}),
		vr("videoroom allowed bad action", "A", "vr", m{"request": "allowed", "room": 1234, "secret": "adminpwd", "action": "frob", "allowed": []any{"tok"}}),
		vr("videoroom allowed add", "A", "vr", m{"request": "allowed", "room": 1234, "secret": "adminpwd", "action": "add", "allowed": []any{"tok"}}),
		vr("videoroom allowed remove", "A", "vr", m{"request": "allowed", "room": 1234, "secret": "adminpwd", "action": "remove", "allowed": []any{"tok"}}),
		vr("videoroom allowed enable", "A", "vr", m{"request": "allowed", "room": 5557, "action": "enable"}),
		vr("videoroom allowed add to enabled", "A", "vr", m{"request": "allowed", "room": 5557, "action": "add", "allowed": []any{"a", "b"}}),
		vr("videoroom allowed disable", "A", "vr", m{"request": "allowed", "room": 5557, "action": "disable"}),
		vr("videoroom allowed add without list", "A", "vr", m{"request": "allowed", "room": 5557, "action": "add"}),
		vr("videoroom enable_recording without secret", "A", "vr", m{"request": "enable_recording", "room": 1234, "record": false}),
		vr("videoroom enable_recording", "A", "vr", m{"request": "enable_recording", "room": 1234, "secret": "adminpwd", "record": false}),
		vr("videoroom listforwarders", "A", "vr", m{"request": "listforwarders", "room": 1234, "secret": "adminpwd"}),
		vr("videoroom listforwarders without secret", "A", "vr", m{"request": "listforwarders", "room": 1234}),
	)

	// VideoRoom participants: pub (session C), guest (D), sub (E).
	add(
		step{name: "videoroom create C", req: m{"janus": "create"}, save: "C"},
		step{name: "videoroom attach pub", sess: "C", req: m{"janus": "attach", "plugin": "janus.plugin.videoroom", "opaque_id": "answers-pub"}, save: "pub"},
		vr("videoroom configure before join", "C", "pub", m{"request": "configure", "bitrate": 64000}),
		vr("videoroom publish before join", "C", "pub", m{"request": "publish"}),
		vr("videoroom join without ptype", "C", "pub", m{"request": "join", "room": 1234}),
		vr("videoroom join bad ptype", "C", "pub", m{"request": "join", "room": 1234, "ptype": "listener"}),
		vr("videoroom join missing room", "C", "pub", m{"request": "join", "room": 9999, "ptype": "publisher"}),
		vr("videoroom join without room", "C", "pub", m{"request": "join", "ptype": "publisher"}),
		step{name: "videoroom join", sess: "C", handle: "pub", req: m{"janus": "message", "body": m{"request": "join", "room": 1234, "ptype": "publisher", "display": "pub"}}, feed: "pubfeed"},
		vr("videoroom join twice", "C", "pub", m{"request": "join", "room": 1234, "ptype": "publisher", "display": "pub"}),
		vr("videoroom publish without jsep", "C", "pub", m{"request": "publish"}),
		vr("videoroom configure", "C", "pub", m{"request": "configure", "bitrate": 64000}),
		vr("videoroom unpublish unpublished", "C", "pub", m{"request": "unpublish"}),
		vr("videoroom start as publisher", "C", "pub", m{"request": "start"}),
		vr("videoroom listparticipants", "C", "pub", m{"request": "listparticipants", "room": 1234}),
		vr("videoroom moderate without secret", "C", "pub", m{"request": "moderate", "room": 1234, "id": "$pubfeed", "mid": "0", "mute": true}),
		vr("videoroom moderate unknown mid", "C", "pub", m{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": "$pubfeed", "mid": "0", "mute": true}),
		vr("videoroom moderate unknown id", "C", "pub", m{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": 777, "mid": "0", "mute": true}),
		vr("videoroom rtp_forward", "C", "pub", m{"request": "rtp_forward", "room": 1234, "secret": "adminpwd", "publisher_id": "$pubfeed", "host": "127.0.0.1", "streams": []any{m{"mid": "0", "port": 5000}}}),
		vr("videoroom stop_rtp_forward", "C", "pub", m{"request": "stop_rtp_forward", "room": 1234, "secret": "adminpwd", "publisher_id": "$pubfeed", "stream_id": 1}),
		step{name: "videoroom create D", req: m{"janus": "create"}, save: "D"},
		step{name: "videoroom attach guest", sess: "D", req: m{"janus": "attach", "plugin": "janus.plugin.videoroom"}, save: "guest"},
		step{name: "videoroom attach guest2", sess: "D", req: m{"janus": "attach", "plugin": "janus.plugin.videoroom"}, save: "guest2"},
		step{name: "videoroom join guest", sess: "D", handle: "guest", req: m{"janus": "message", "body": m{"request": "join", "room": 1234, "ptype": "publisher", "display": "guest"}}, feed: "guestfeed"},
		vr("videoroom join id taken", "D", "guest2", m{"request": "join", "room": 1234, "ptype": "publisher", "id": "$pubfeed"}),
		vr("videoroom join display not string", "D", "guest2", m{"request": "join", "room": 1234, "ptype": "publisher", "display": 5}),
		vr("videoroom kick without secret", "C", "pub", m{"request": "kick", "room": 1234, "id": "$guestfeed"}),
		vr("videoroom kick unknown id", "C", "pub", m{"request": "kick", "room": 1234, "secret": "adminpwd", "id": 777}),
		vr("videoroom kick", "C", "pub", m{"request": "kick", "room": 1234, "secret": "adminpwd", "id": "$guestfeed"}),
		vr("videoroom configure after kick", "D", "guest", m{"request": "configure", "bitrate": 64000}),
		vr("videoroom join after kick", "D", "guest", m{"request": "join", "room": 1234, "ptype": "publisher"}),
		step{name: "videoroom create E", req: m{"janus": "create"}, save: "E"},
		step{name: "videoroom attach sub", sess: "E", req: m{"janus": "attach", "plugin": "janus.plugin.videoroom"}, save: "sub"},
		vr("videoroom subscriber start before join", "E", "sub", m{"request": "start"}),
		vr("videoroom subscriber pause before join", "E", "sub", m{"request": "pause"}),
		vr("videoroom subscribe missing feed", "E", "sub", m{"request": "join", "room": 1234, "ptype": "subscriber", "streams": []any{m{"feed": 777}}}),
		vr("videoroom subscribe unpublished feed", "E", "sub", m{"request": "join", "room": 1234, "ptype": "subscriber", "streams": []any{m{"feed": "$pubfeed"}}}),
		vr("videoroom subscribe without streams", "E", "sub", m{"request": "join", "room": 1234, "ptype": "subscriber"}),
		vr("videoroom leave", "C", "pub", m{"request": "leave"}),
		vr("videoroom leave twice", "C", "pub", m{"request": "leave"}),
		vr("videoroom unpublish after leave", "C", "pub", m{"request": "unpublish"}),
		vr("videoroom join after leave", "C", "pub", m{"request": "join", "room": 1234, "ptype": "publisher"}),
		vr("videoroom subscriber leave unjoined", "E", "sub", m{"request": "leave"}),
	)

	// Admin API.
	add(
		step{name: "admin info", admin: true, req: m{"janus": "info"}, shape: true},
		step{name: "admin ping", admin: true, req: m{"janus": "ping"}},
		step{name: "admin wrong secret", admin: true, req: m{"janus": "list_sessions", "admin_secret": "nope"}},
		step{name: "admin no secret", admin: true, req: m{"janus": "list_sessions"}},
		adm("admin list_sessions", m{"janus": "list_sessions"}),
		adm("admin get_status", m{"janus": "get_status"}),
		adm("admin add_token", m{"janus": "add_token", "token": "t1"}),
		adm("admin list_tokens", m{"janus": "list_tokens"}),
		adm("admin set_session_timeout", m{"janus": "set_session_timeout", "timeout": 60}),
		adm("admin set_session_timeout negative", m{"janus": "set_session_timeout", "timeout": -1}),
		adm("admin message_plugin without request", m{"janus": "message_plugin", "plugin": "janus.plugin.videoroom"}),
		adm("admin unknown request", m{"janus": "frobnicate"}),
		adm("admin set_log_level", m{"janus": "set_log_level", "level": 4}),
		adm("admin set_log_level out of range", m{"janus": "set_log_level", "level": 9}),
		adm("admin set_log_level missing", m{"janus": "set_log_level"}),
		adm("admin query_eventhandler", m{"janus": "query_eventhandler", "handler": "janus.eventhandler.sampleevh", "request": m{}}),
		adm("admin query_eventhandler tweak", m{"janus": "query_eventhandler", "handler": "janus.eventhandler.sampleevh", "request": m{"request": "tweak", "grouping": true}}),
		adm("admin query_eventhandler unknown", m{"janus": "query_eventhandler", "handler": "janus.eventhandler.nope", "request": m{}}),
		adm("admin message_plugin unknown", m{"janus": "message_plugin", "plugin": "janus.plugin.nope", "request": m{}}),
		adm("admin message_plugin exists", m{"janus": "message_plugin", "plugin": "janus.plugin.videoroom", "request": m{"request": "exists", "room": 1234}}),
	)
	add(
		admOn("admin list_handles", "A", "", m{"janus": "list_handles"}),
		admOn("admin list_handles bad session", "nosuch", "", m{"janus": "list_handles"}),
		admOn("admin handle_info bad handle", "A", "nosuchhandle", m{"janus": "handle_info"}),
		admOn("admin handle_info", "A", "echo", m{"janus": "handle_info", "plugin_only": true}),
		admOn("admin unknown session request", "A", "", m{"janus": "frobnicate"}),
		admOn("admin hangup_webrtc", "A", "echo", m{"janus": "hangup_webrtc"}),
		admOn("admin detach_handle bad handle", "A", "nosuchhandle", m{"janus": "detach_handle"}),
		admOn("admin destroy_session bad session", "nosuch", "", m{"janus": "destroy_session"}),
		step{name: "core destroy A", sess: "A", req: m{"janus": "destroy"}},
		step{name: "core destroy C", sess: "C", req: m{"janus": "destroy"}},
		step{name: "core destroy D", sess: "D", req: m{"janus": "destroy"}},
		step{name: "core destroy E", sess: "E", req: m{"janus": "destroy"}},
	)
	return steps
}

// answerSDP is a well-formed SDP answer (sent where no offer was made).
const answerSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n" +
	"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=setup:active\r\n" +
	"a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n" +
	"a=rtpmap:111 opus/48000/2\r\n"

// answerAllowlist explains each intended difference between Argus's
// answers and Janus 1.1.2's, as compareAnswers prints it ("*" matches any
// run of characters).
var answerAllowlist = map[string]string{
	// server_info (Janus API and Admin API): Argus's own version, its Go
	// and pion modules instead of Janus's C libraries, and two Janus 1.2
	// fields (README "Version"), as in the event test's allowlist.
	"* info: argus_version: only in Argus":         "Argus's own version",
	"* info: dependencies.*":                       "Go and pion modules, not glib, libnice, ...",
	"* info: hangup-on-failed: only in Argus":      "Janus 1.2 field",
	"* info: ice-consent-freshness: only in Argus": "Janus 1.2 field",

	// The parser's own words after the same code and prefix: jansson's in
	// Janus, encoding/json's in Argus.
	`core bad json: error.reason: "JSON error: on line 1: *`: "parser wording",
	// Over WebSocket Janus 1.1.2's transport words a parse error its own
	// way ("Invalid Janus API request - <jansson's text>") and leaves a
	// JSON array to the core, which misses its transaction (456); Argus
	// answers as over HTTP (454 "JSON error: ...", 455), on every transport.
	`core bad json: error.reason: "Invalid Janus API request - *`: "WebSocket transport's parse error wording",
	"core not an object: error.*":                                 "WebSocket transport: 456 for an array, Argus 455 as over HTTP",

	// Argus echoes the transaction it read even when "janus" is missing or
	// not a string, or "id" not an integer; Janus 1.1.2 leaves it out. A
	// client can only gain.
	"core missing janus: transaction: only in Argus":      "transaction echoed on a bad janus",
	"core janus not a string: transaction: only in Argus": "transaction echoed on a bad janus",
	"core create with bad id: transaction: only in Argus": "transaction echoed on a bad id",

	// The body of a 404 (a long poll on an unknown session): Janus sends
	// none, Argus Go's one-line page. Clients read the status.
	`core poll unknown session: body: "" only in Janus`:                   "404 body text",
	`core poll unknown session: body: "404 page not found" only in Argus`: "404 body text",

	// A trickle whose "candidates" is no array, on a handle without a
	// PeerConnection: Janus 1.1.2 queues it unchecked and acks; Argus
	// refuses it at once with 467 (the reference's code for it).
	"core trickle candidates not array: *": "stricter check of a malformed trickle",

	// An unparsable SDP answer without an offer: Janus parses first (465,
	// its parser's text), Argus checks the offer first (469). A parsable
	// one gets 469 from both ("core jsep good answer without offer").
	"core jsep answer without offer: error.*": "order of two checks of a request that fails either way",

	// Documented in the plugins' READMEs: Argus has no config file to
	// save rooms into, does not record and has no RTP forwarders; the
	// requests answer with a Janus-style error (EchoTest 413, VideoRoom
	// 423).
	"videoroom create permanent: plugindata.data.permanent: *": `"permanent":false, nothing is saved`,
	"echotest record event: plugindata.data.*":                 "recording not supported, 413",
	"videoroom enable_recording: plugindata.data.*":            "recording not supported, 423",
	"videoroom rtp_forward: plugindata.data.*":                 "RTP forwarding not supported, 423",
	"videoroom stop_rtp_forward: plugindata.data.*":            "RTP forwarding not supported, 423",

	// Argus's VideoRoom has no video-orientation or playout-delay room
	// option (Janus: on by default) and says so in its room list.
	"videoroom list: plugindata.data.list[room=*].playoutdelay_ext: *": "room option not implemented",
	"videoroom list: plugindata.data.list[room=*].videoorient_ext: *":  "room option not implemented",

	// Admin handle_info of a live PeerConnection (answers_media_test.go).
	// Janus 1.1.2 leaves its legacy has-audio/has-video flags false;
	// Argus says whether the PeerConnection has the medium.
	"media admin handle_info*: info.flags.has-audio: *": "Argus sets the flag from the SDP",
	"media admin handle_info*: info.flags.has-video: *": "Argus sets the flag from the SDP",
	// Janus's ICE "ready" reads -1 once up (its internal counter); Argus 1.
	"media admin handle_info*: info.webrtc.ice.ready: *": "Janus 1.1.2 internal value, not copied",
	// Janus's send queue and its NACK queue length: Argus has no send
	// queue of its own (pion writes at once) and keeps NACK history per
	// publisher stream in time (docs/DESIGN.md), nothing per-stream to show.
	"media admin handle_info*: info.queued-packets: only in Janus":               "no send queue in Argus",
	"media admin handle_info*: info.webrtc.media.*.nack-queue-ms: only in Janus": "no per-stream NACK queue in Argus",
	// Janus counts DTLS records (handshake, SCTP) apart from SRTP; pion
	// does not expose them.
	"media admin handle_info*: info.webrtc.dtls.stats*: only in Janus": "DTLS record counters not available from pion",
	// Where Argus is the DTLS server (it offered: a subscriber), its own
	// profile order decides: AES-128-GCM first (core/webrtc engine.go).
	"media admin handle_info subscriber: info.webrtc.dtls.srtp-profile: *": "Argus's SRTP profile order",
	// Argus's subscriber offer also carries the simulcast, orientation,
	// playout-delay and abs-send-time header extensions.
	"media admin handle_info subscriber: info.webrtc.extensions.*: only in Argus": "more header extensions offered to subscribers",
}

// answerTimingAllowlist explains differences that come and go with
// Janus's own timing: used like answerAllowlist, but an entry no run
// matched is no error.
var answerTimingAllowlist = map[string]string{
	// Janus 1.1.2 clears its "starting" flag at a moment of its own: seen
	// both set and clear while media flowed, in runs alike; Argus clears
	// it when the PeerConnection is up.
	"media admin handle_info*: info.flags.starting: *": "Janus-internal timing",
}
