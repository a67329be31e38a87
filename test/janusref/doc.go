// Package janusref compares Argus with the real Janus 1.1.2 (Debian's
// janus package), in two tests.
//
// TestJanusReference compares the event-handler bodies. It drives one
// client flow (an EchoTest with media, a configure message, hangup, detach
// and destroy; a VideoRoom publisher, a subscriber and leave) against both
// servers, collects what each one's HTTP event handler posts, and compares
// the bodies of every event kind field by field and JSON type by JSON
// type.
//
// TestJanusReferenceAnswers compares the answers a client gets. It sends
// the same script of requests over HTTP to both servers (answers_steps_test.go:
// the Janus API core's successes and errors, the EchoTest's bad requests
// and a configure, the VideoRoom's synchronous requests and a publisher's
// and a subscriber's asynchronous ones, the Admin API) and compares each
// answer: HTTP status, "janus" kind, error code and text, the plugin's
// data (keys, JSON kinds and values, ids replaced by the names the script
// gave them; arrays element by element and by length), jsep presence,
// and the event of each "ack". Part of the script drives media with pion
// test peers (answers_media_test.go: offers, subscriptions, handle_info
// of live PeerConnections). The script runs over HTTP, then over
// WebSocket (answers_ws_test.go). Requests follow one another, each
// waiting for its answer (and event), so nothing depends on timing.
//
// Each test has an allowlist of intended differences, one reason each;
// every other difference fails the test. Janus runs in a network
// namespace the tests create (it gathers no loopback candidates), so they
// need root; they fail under CI=true when janus or root is missing and
// skip otherwise.
package janusref
