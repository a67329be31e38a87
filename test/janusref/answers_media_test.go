package janusref

import (
	"context"
	"fmt"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/testpeer"
)

// connected is an action: it waits until handle h's PeerConnection is up
// on the server ("webrtcup") and in the client peer, starts the peer's
// media when it sends, and waits until it received n packets of each kind
// when it receives (n 0: it receives nothing), so what an answer says of
// the streams does not depend on how far they got.
func connected(h, peer string, sends bool, n int64) step {
	return step{name: "connected " + h, action: func(ctx context.Context, r *answerRun) error {
		if _, err := r.in.Wait(ctx, h+" webrtcup", janusclient.From(r.ids[h], "webrtcup")); err != nil {
			return err
		}
		p := r.peers[peer]
		if p == nil {
			return fmt.Errorf("no peer %s", peer)
		}
		if err := p.WaitConnected(ctx); err != nil {
			return err
		}
		if sends {
			p.Start(testpeer.Browser20ms())
		}
		if n > 0 {
			return waitReceived(ctx, p, n)
		}
		return nil
	}}
}

// received is an action: it waits until peer received n more packets of
// each kind than it had.
func received(peer string, n int64) step {
	return step{name: "received " + peer, action: func(ctx context.Context, r *answerRun) error {
		p := r.peers[peer]
		return waitReceived(ctx, p, max(p.Received("audio").Packets.Load(), p.Received("video").Packets.Load())+n)
	}}
}

// reported is an action: it waits until the server reported media
// statistics of handle h twice (its event handler's type 32 events), so
// the Admin API's per-stream counters of both servers exist.
func reported(h string) step {
	return step{name: "reported " + h, action: func(ctx context.Context, r *answerRun) error {
		return r.tg.waitReports(ctx, r.ids[h], 4)
	}}
}

// hungUp is an action: it waits for the "hangup" of handle h (a leave or
// unpublish closes its PeerConnection), so the next request does not
// overtake it.
func hungUp(h string) step {
	return step{name: "hangup " + h, action: func(ctx context.Context, r *answerRun) error {
		_, err := r.in.Wait(ctx, h+" hangup", janusclient.From(r.ids[h], "hangup"))
		return err
	}}
}

// postponedOffer is an action: it waits for the unsolicited "updated"
// with an offer that handle h owes after a start (an update came before
// the start); nothing is compared, a server that does not send it fails.
func postponedOffer(h string) step {
	return step{name: "postponed offer " + h, action: func(ctx context.Context, r *answerRun) error {
		ev, err := r.in.Wait(ctx, h+" updated", func(msg janusclient.Msg) bool {
			return janusclient.From(r.ids[h], "event")(msg) && msg.Field("plugindata", "data", "videoroom") == "updated"
		})
		if err != nil {
			return err
		}
		if tx, _ := ev["transaction"].(string); tx != "" || ev.Field("jsep", "type") != "offer" {
			return fmt.Errorf("%s: updated = %v, want no transaction and an offer", h, ev)
		}
		return nil
	}}
}

// mediaSteps is the part of the script with media (sessions M and N): an
// EchoTest offer and its PeerConnection as the Admin API shows it; two
// VideoRoom publishers publishing and renegotiating, moderated; a
// subscriber that joins, starts, configures, pauses, switches, updates,
// leaves and is used again after its leave.
func mediaSteps() []step {
	var steps []step
	add := func(s ...step) { steps = append(steps, s...) }
	pm := func(name, s, h, peer string, body m) step {
		st := msg(name, s, h, body)
		st.peer = peer
		return st
	}
	offer := func(st step) step { st.offer = true; return st }
	answer := func(st step) step { st.answer = true; return st }

	// EchoTest with media, and the Admin API's view of it.
	add(
		step{name: "media create M", req: m{"janus": "create"}, save: "M"},
		step{name: "media attach echo", sess: "M", req: m{"janus": "attach", "plugin": "janus.plugin.echotest", "opaque_id": "answers-media-echo"}, save: "mecho"},
		offer(pm("media echotest offer", "M", "mecho", "echop", m{"audio": true, "video": true})),
		connected("mecho", "echop", true, 25),
		reported("mecho"),
	)
	add(
		admOn("media admin handle_info", "M", "mecho", m{"janus": "handle_info"}),
		admOn("media admin list_handles", "M", "", m{"janus": "list_handles"}),
	)

	// VideoRoom: publishers mpub and mpub2 on session M.
	add(
		step{name: "media attach pub", sess: "M", req: m{"janus": "attach", "plugin": "janus.plugin.videoroom", "opaque_id": "answers-media-pub"}, save: "mpub"},
		step{name: "media join pub", sess: "M", handle: "mpub", req: m{"janus": "message", "body": m{"request": "join", "room": 1234, "ptype": "publisher", "display": "mpub"}}, feed: "mpubfeed"},
		offer(pm("media publish", "M", "mpub", "pubp", m{"request": "publish", "audio": true, "video": true, "display": "mpub"})),
		connected("mpub", "pubp", true, 0),
		offer(pm("media configure with offer", "M", "mpub", "pubp", m{"request": "configure", "bitrate": 64000})),
		pm("media configure without offer", "M", "mpub", "pubp", m{"request": "configure", "display": "mpub-renamed"}),
		vr("media moderate mute", "M", "mpub", m{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": "$mpubfeed", "mid": "1", "mute": true}),
		vr("media moderate unmute", "M", "mpub", m{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": "$mpubfeed", "mid": "1", "mute": false}),
		vr("media moderate unknown mid", "M", "mpub", m{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": "$mpubfeed", "mid": "7", "mute": true}),
		step{name: "media attach pub2", sess: "M", req: m{"janus": "attach", "plugin": "janus.plugin.videoroom", "opaque_id": "answers-media-pub2"}, save: "mpub2"},
		step{name: "media join pub2", sess: "M", handle: "mpub2", req: m{"janus": "message", "body": m{"request": "join", "room": 1234, "ptype": "publisher", "display": "mpub2"}}, feed: "mpub2feed"},
		offer(pm("media publish pub2", "M", "mpub2", "pub2p", m{"request": "publish"})),
		connected("mpub2", "pub2p", true, 0),
		vr("media listparticipants", "M", "mpub", m{"request": "listparticipants", "room": 1234}),
	)

	// A subscriber on session N.
	add(
		step{name: "media create N", req: m{"janus": "create"}, save: "N"},
		step{name: "media attach sub", sess: "N", req: m{"janus": "attach", "plugin": "janus.plugin.videoroom", "opaque_id": "answers-media-sub"}, save: "msub"},
		pm("media subscribe", "N", "msub", "subp", m{"request": "join", "room": 1234, "ptype": "subscriber", "streams": []any{m{"feed": "$mpubfeed"}}}),
		answer(pm("media start", "N", "msub", "subp", m{"request": "start"})),
		connected("msub", "subp", false, 25),
		reported("msub"),
	)
	add(
		step{name: "media attach sub2", sess: "N", req: m{"janus": "attach", "plugin": "janus.plugin.videoroom", "opaque_id": "answers-media-sub2"}, save: "msub2"},
		pm("media subscribe sub2", "N", "msub2", "sub2p", m{"request": "join", "room": 1234, "ptype": "subscriber", "streams": []any{m{"feed": "$mpubfeed", "mid": "0"}}}),
		vr("media update before start", "N", "msub2", m{"request": "update", "subscribe": []any{m{"feed": "$mpubfeed", "mid": "1"}}}),
		vr("media configure before start", "N", "msub2", m{"request": "configure", "streams": []any{m{"mid": "0", "send": false}}}),
		admOn("media admin handle_info before start", "N", "msub2", m{"janus": "handle_info", "plugin_only": true}),
		// start with the update's offer owed: "started" answers start's
		// transaction, the offer follows as an unsolicited "updated".
		answer(pm("media start sub2 with postponed offer", "N", "msub2", "sub2p", m{"request": "start"})),
		postponedOffer("msub2"),
		admOn("media admin handle_info subscriber", "N", "msub", m{"janus": "handle_info"}),
		admOn("media admin list_handles subscriber", "N", "", m{"janus": "list_handles"}),
		pm("media subscriber configure", "N", "msub", "subp", m{"request": "configure", "streams": []any{m{"mid": "1", "send": false}}}),
		pm("media subscriber configure back", "N", "msub", "subp", m{"request": "configure", "streams": []any{m{"mid": "1", "send": true}}}),
		pm("media pause", "N", "msub", "subp", m{"request": "pause"}),
		pm("media start again", "N", "msub", "subp", m{"request": "start"}),
		received("subp", 10),
		pm("media switch", "N", "msub", "subp", m{"request": "switch", "streams": []any{m{"feed": "$mpub2feed", "mid": "0", "sub_mid": "0"}}}),
		pm("media switch unknown feed", "N", "msub", "subp", m{"request": "switch", "streams": []any{m{"feed": 777, "mid": "0", "sub_mid": "0"}}}),
		pm("media update", "N", "msub", "subp", m{"request": "update", "subscribe": []any{m{"feed": "$mpub2feed", "mid": "1"}}}),
		answer(pm("media start after update", "N", "msub", "subp", m{"request": "start"})),
		pm("media subscriber listparticipants", "N", "msub", "subp", m{"request": "listparticipants", "room": 1234}),
		pm("media subscriber leave", "N", "msub", "subp", m{"request": "leave"}),
		hungUp("msub"),
		// paused again, until a start
		admOn("media admin handle_info after leave hangup", "N", "msub", m{"janus": "handle_info", "plugin_only": true}),
		pm("media subscriber configure after leave", "N", "msub", "subp", m{"request": "configure", "streams": []any{m{"mid": "0", "send": true}}}),
		pm("media subscriber start after leave", "N", "msub", "subp", m{"request": "start"}),
		pm("media subscriber pause after leave", "N", "msub", "subp", m{"request": "pause"}),
		pm("media subscriber update after leave", "N", "msub", "subp", m{"request": "update", "subscribe": []any{m{"feed": "$mpubfeed"}}}),
		admOn("media admin handle_info after leave", "N", "msub", m{"janus": "handle_info", "plugin_only": true}),
		pm("media subscriber leave after leave", "N", "msub", "subp", m{"request": "leave"}),
		pm("media subscriber join after leave", "N", "msub", "", m{"request": "join", "room": 1234, "ptype": "subscriber", "streams": []any{m{"feed": "$mpubfeed"}}}),
	)

	// The publishers end.
	add(
		pm("media unpublish", "M", "mpub2", "pub2p", m{"request": "unpublish"}),
		hungUp("mpub2"),
		vr("media leave pub2", "M", "mpub2", m{"request": "leave"}),
		vr("media leave pub", "M", "mpub", m{"request": "leave"}),
		step{name: "media destroy N", sess: "N", req: m{"janus": "destroy"}},
		step{name: "media destroy M", sess: "M", req: m{"janus": "destroy"}},
	)
	return steps
}
