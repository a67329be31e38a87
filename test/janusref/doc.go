// Package janusref compares the event-handler bodies of Argus with those
// of the real Janus 1.1.2 (Debian's janus package). The test drives one
// client flow (an EchoTest with media, a configure message, hangup, detach
// and destroy; a VideoRoom publisher, a subscriber and leave) against both
// servers, collects what each one's HTTP event handler posts, and compares
// the bodies of every event kind field by field and JSON type by JSON
// type. Janus runs in a network namespace the test creates (it gathers no
// loopback candidates), so the test needs root; it fails under CI=true
// when janus or root is missing and skips otherwise.
package janusref
