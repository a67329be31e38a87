package e2e

import (
	"context"
	"fmt"
	"testing"
)

// echoOffer sends offer with body on s's handle and returns the event
// carrying the message's transaction.
func (s *echoSession) echoOffer(ctx context.Context, body msg, offer string) (msg, error) {
	res, err := s.c.Request(ctx, s.sid, s.hid, msg{"janus": "message", "body": body, "jsep": msg{"type": "offer", "sdp": offer}})
	if _, err := expectKind(res, err, "ack"); err != nil {
		return nil, fmt.Errorf("message %v: %w", body, err)
	}
	tx, _ := res["transaction"].(string)
	return s.in.wait(ctx, "echotest event", func(m msg) bool { return fromHandle(s.hid, "event")(m) && m["transaction"] == tx })
}

// TestEchoTestOfferRetryAfterRefusal: an EchoTest offer with a request the
// plugin refuses (an element of the wrong type) gets the error event, and
// the same offer sent again with a valid request is answered; media is
// echoed. The client trickles its candidates throughout.
func TestEchoTestOfferRetryAfterRefusal(t *testing.T) {
	srv := startServer(t, serverOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 4*stepTimeout)
	defer cancel()
	s, err := newEchoSession(ctx, srv.dial(t, "ws"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	if s.peer, err = newEchoPeer(); err != nil {
		t.Fatal(err)
	}
	s.trickleDone.Add(1)
	go s.trickle(ctx)
	offer, err := s.peer.offer()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := s.echoOffer(ctx, msg{"audio": "yes"}, offer)
	if err != nil {
		t.Fatal(err)
	}
	if field(ev, "plugindata", "data", "error_code") == nil || ev["jsep"] != nil {
		t.Fatalf("refused request: %s, want an error event without a JSEP", jsonString(ev))
	}
	ev, err = s.echoOffer(ctx, msg{"audio": true, "video": true}, offer)
	if err != nil {
		t.Fatal(err)
	}
	if field(ev, "jsep", "type") != "answer" {
		t.Fatalf("offer after a refused one: %s, want an answer", jsonString(ev))
	}
	answer, _ := field(ev, "jsep", "sdp").(string)
	if err := s.peer.pc.SetRemoteDescription(sdpAnswer(answer)); err != nil {
		t.Fatal(err)
	}
	if err := s.connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.peer.waitReceived(ctx, 50); err != nil {
		t.Fatalf("%v (%s)", err, s.describe())
	}
}
