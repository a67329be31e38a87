package janusref

import (
	"context"
	"maps"
	"slices"
	"sort"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TestBrokerComparisons proves the broker test's own comparisons on
// hand-written messages (no Janus needed): the layout names, the
// per-message descriptions and the counted transport events.
func TestBrokerComparisons(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1,"b":[1,2]}`, "compact"},
		{`{"a": 1, "b": [1, 2]}`, "plain"},
		{"{\n   \"a\": 1\n}", "indented(3)"},
		{"{\n  \"a\": 1\n}", "indented(2)"},
	} {
		if got := layoutOf([]byte(tc.in)); got != tc.want {
			t.Errorf("layoutOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}

	items := wireItems([]wireMsg{
		{body: []byte(`[{"type":1,"event":{"name":"created"}}]`), meta: map[string]any{"routing_key": "<names>-ev"}},
		{body: []byte(`{"type":2,"event":{"name":"attached"}}`), meta: map[string]any{"topic": "t/handles", "qos": 1}},
		{body: []byte(`{"online": true}`), meta: map[string]any{"topic": "t/status"}},
	})
	want := []string{"array of events: routing_key=<names>-ev", "event 2 attached: qos=1 topic=t/handles",
		`message "{\"online\": true}": topic=t/status`}
	if !slices.Equal(items, want) {
		t.Errorf("wireItems = %q, want %q", items, want)
	}

	tr := func(transport, data string) wireMsg {
		return wireMsg{body: []byte(`{"type":128,"event":{"transport":"` + transport + `","data":` + data + `}}`)}
	}
	janus := transportEvents([]wireMsg{tr("mqtt", `{"event":"connected"}`), tr("unix", `{"event":"connected","admin_api":false,"fd":3}`)})
	argus := transportEvents([]wireMsg{
		tr("mqtt", `{"event":"connected","broker":"h:1"}`), tr("mqtt", `{"event":"connected","admin_api":true,"broker":"h:1"}`),
		tr("unix", `{"event":"connected","admin_api":false,"path":"/s"}`),
	})
	got := compareCounts("transport events", janus, argus)
	sort.Strings(got)
	wantDiffs := []string{"transport events: mqtt connected admin_api,event: Janus 0, Argus 1"}
	if !slices.Equal(got, wantDiffs) {
		t.Errorf("compareCounts = %q, want %q", got, wantDiffs)
	}
	if d := compareCounts("x", janus, janus); d != nil {
		t.Errorf("same lists differ: %q", d)
	}
}

// TestBrokerComparisonsQueues proves the broker test's queue checks on
// queues made by hand on the test's RabbitMQ: a queue the server did not
// declare reads "missing" in both, whichever runs first (the flag check
// never creates it), one declared durable is refused a plain declare, and
// one holding a message says so.
func TestBrokerComparisonsQueues(t *testing.T) {
	n := newBrokerNames(t, "check")
	cleanBrokers(t, n)
	conn := amqpConn(t)
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(n.toJanus(), true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(n.fromJanus(), false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.PublishWithContext(context.Background(), "", n.fromJanus(), false, false, amqp.Publishing{Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	flags := queueFlags(t, conn, n)
	wantFlags := map[string]string{"<names>-to-janus": "refused 406", "<names>-from-janus": "as declared",
		"<names>-to-janus-admin": "missing", "<names>-from-janus-admin": "missing", "<names>-janus-events": "missing"}
	if !maps.Equal(flags, wantFlags) {
		t.Errorf("queueFlags = %v, want %v", flags, wantFlags)
	}
	b := &brokerRun{names: n, amqp: conn}
	deadline := time.Now().Add(10 * time.Second) // the broker counts the published message soon after
	for queueLength(conn, n.fromJanus()) < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	held := b.heldMessages()
	wantHeld := map[string]string{"<names>-from-janus": "holds messages", "<names>-from-janus-admin": "missing",
		"<names>-janus-events": "missing"}
	if !maps.Equal(held, wantHeld) {
		t.Errorf("heldMessages = %v, want %v", held, wantHeld)
	}
}

// TestBrokerComparisonsRetries: only Janus is started again when its
// Unix sockets are gone after start-up (its pfunix start-up race, up to
// three starts); Argus missing them fails at the first start.
func TestBrokerComparisonsRetries(t *testing.T) {
	run := &brokerRun{}
	for _, tc := range []struct {
		server    string
		fails     int // starts that lose the sockets before one keeps them
		wantTries int
		wantErr   bool
	}{
		{"janus", 0, 1, false},
		{"janus", 2, 3, false},
		{"janus", 3, 3, true},
		{"argus", 0, 1, false},
		{"argus", 1, 1, true},
	} {
		tries, stops := 0, 0
		got, err := startRetrying(tc.server, func(string, ...any) {}, func() (*brokerRun, func()) {
			tries++
			if tries <= tc.fails {
				return nil, func() { stops++ }
			}
			return run, nil
		})
		if tries != tc.wantTries || (err != nil) != tc.wantErr || (err == nil && got != run) || stops != min(tries, tc.fails) {
			t.Errorf("%s losing the sockets %d times: %d starts, %d stops, err %v; want %d starts, error %v",
				tc.server, tc.fails, tries, stops, err, tc.wantTries, tc.wantErr)
		}
	}
}
