package janusref

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/janusclient/argustest"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/mqtt"
	"github.com/argusrtc/argus/transports/rabbitmq"
	"github.com/argusrtc/argus/transports/unix"

	_ "github.com/argusrtc/argus/telemetry/mqttevh"     // registers the mqtt sink
	_ "github.com/argusrtc/argus/telemetry/rabbitmqevh" // registers the rabbitmq sink
	_ "github.com/argusrtc/argus/telemetry/wsevh"       // registers the ws sink
)

// The brokers of the test environment (scripts/test.sh starts them).
const (
	amqpAddr = "127.0.0.1:5672"
	mqttAddr = "127.0.0.1:1883"
)

// requireBroker fails under CI=true (scripts/test.sh starts the brokers)
// and skips elsewhere when nothing listens at addr.
func requireBroker(t *testing.T, name, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		_ = c.Close()
		return
	}
	msg := fmt.Sprintf("%s broker at %s: %v (scripts/test.sh starts it)", name, addr, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// brokerNames are one server's names on the brokers, unique to the run
// and to the server: <prefix>-<what>, prefix "jr<pid>-<time>-<server>".
type brokerNames struct {
	prefix string
	dir    string // folder of the Unix sockets
}

func newBrokerNames(t *testing.T, server string) brokerNames {
	t.Helper()
	return brokerNames{
		prefix: fmt.Sprintf("jr%d-%s-%s", os.Getpid(), time.Now().Format("150405.000"), server),
		dir:    t.TempDir(),
	}
}

func (n brokerNames) of(what string) string { return n.prefix + "-" + what }

// The names each server uses.
func (n brokerNames) toJanus() string     { return n.of("to-janus") }
func (n brokerNames) fromJanus() string   { return n.of("from-janus") }
func (n brokerNames) toAdmin() string     { return n.of("to-janus-admin") }
func (n brokerNames) fromAdmin() string   { return n.of("from-janus-admin") }
func (n brokerNames) routeKey() string    { return n.of("janus-events") }
func (n brokerNames) exchange() string    { return n.of("janus-exchange") }
func (n brokerNames) evExchange() string  { return n.of("janus-events-exchange") }
func (n brokerNames) ownEvQueue() string  { return n.of("client-events") }
func (n brokerNames) statusTopic() string { return n.of("status") }

// The MQTT transport's status messages of both servers.
const (
	statusOnline  = `{"online": true}`
	statusOffline = `{"online": false}`
)

func (n brokerNames) ownQueue() string      { return n.of("client") }
func (n brokerNames) ownAdminQueue() string { return n.of("client-admin") }
func (n brokerNames) eventTopic() string    { return "/" + n.of("janus") + "/events" }
func (n brokerNames) sock() string          { return filepath.Join(n.dir, "api.sock") }
func (n brokerNames) adminSock() string     { return filepath.Join(n.dir, "admin.sock") }
func (n brokerNames) mqttClientID() string  { return n.of("transport") }
func (n brokerNames) eventClientID() string { return n.of("evh") }

// Socket types of the Unix sockets: the Janus API over SOCK_SEQPACKET,
// the Admin API over SOCK_DGRAM, so both kinds are compared.
const (
	apiSockType   = unix.SeqPacket
	adminSockType = unix.Dgram
)

// janusBrokerConfig is Janus's configuration for the broker test: the
// EchoTest and VideoRoom plugins (the test binary registers both in
// Argus); the RabbitMQ (a topic exchange of its own, a durable Janus API
// queue), MQTT (with status
// messages) and Unix-socket
// transports (Janus and Admin API) with the sample configs' settings and
// n's names; the
// rabbitmqevh (a topic exchange of its own), mqttevh (addevent) and
// wsevh handlers with every event.
// Layouts ("json") are left at Janus's defaults.
func janusBrokerConfig(lib string, n brokerNames, wsBackend string) map[string]string {
	amqpHost, amqpPort, _ := net.SplitHostPort(amqpAddr)
	return map[string]string{
		"janus.jcfg": janusMainConfig(lib, []string{"echotest", "videoroom"}, []string{"mqtt", "pfunix", "rabbitmq"},
			[]string{"mqttevh", "rabbitmqevh", "wsevh"}, "", ""),
		"janus.plugin.echotest.jcfg":  "general: {\n}\n",
		"janus.plugin.videoroom.jcfg": "general: {\n}\n",
		"janus.transport.rabbitmq.jcfg": fmt.Sprintf(`general: {
	enabled = true
	host = "%s"
	port = %s
	username = "guest"
	password = "guest"
	janus_exchange = "%s"
	janus_exchange_type = "topic"
	queue_durable = true
	to_janus = "%s"
	from_janus = "%s"
}
admin: {
	admin_enabled = true
	to_janus_admin = "%s"
	from_janus_admin = "%s"
}
`, amqpHost, amqpPort, n.exchange(), n.toJanus(), n.fromJanus(), n.toAdmin(), n.fromAdmin()),
		"janus.transport.mqtt.jcfg": fmt.Sprintf(`general: {
	enabled = true
	url = "tcp://%s"
	client_id = "%s"
	subscribe_topic = "%s"
	publish_topic = "%s"
}
admin: {
	admin_enabled = true
	subscribe_topic = "%s"
	publish_topic = "%s"
}
status: {
	enabled = true
	topic = "%s"
	connect_message = %q
	disconnect_message = %q
}
`, mqttAddr, n.mqttClientID(), n.toJanus(), n.fromJanus(), n.toAdmin(), n.fromAdmin(), n.statusTopic(), statusOnline, statusOffline),
		"janus.transport.pfunix.jcfg": fmt.Sprintf(`general: {
	enabled = true
	path = "%s"
	type = "%s"
}
admin: {
	admin_enabled = true
	admin_path = "%s"
	admin_type = "%s"
}
`, n.sock(), apiSockType, n.adminSock(), adminSockType),
		"janus.eventhandler.rabbitmqevh.jcfg": fmt.Sprintf(`general: {
	enabled = true
	events = "all"
	grouping = true
	host = "%s"
	port = %s
	username = "guest"
	password = "guest"
	exchange = "%s"
	exchange_type = "topic"
	route_key = "%s"
}
`, amqpHost, amqpPort, n.evExchange(), n.routeKey()),
		"janus.eventhandler.mqttevh.jcfg": fmt.Sprintf(`general: {
	enabled = true
	events = "all"
	url = "tcp://%s"
	client_id = "%s"
	topic = "%s"
	addevent = true
}
`, mqttAddr, n.eventClientID(), n.eventTopic()),
		"janus.eventhandler.wsevh.jcfg": fmt.Sprintf(`general: {
	enabled = true
	events = "all"
	grouping = true
	backend = "%s"
}
`, wsBackend),
	}
}

// startJanusBrokers starts Janus (host namespace: no media) with
// janusBrokerConfig; it is stopped (SIGINT, then SIGKILL) when the test
// ends or stop is called. Readiness is the caller's: each transport is
// waited for.
func startJanusBrokers(t *testing.T, n brokerNames, wsBackend string) (stop func()) {
	t.Helper()
	bin := requireTool(t, "janus")
	return runJanus(t, janusBrokerConfig(janusLibDir(t), n, wsBackend), bin).stop
}

// startArgusBrokers runs an in-process Argus named as Janus is, with the
// same transports and event handlers as janusBrokerConfig (their
// defaults, n's names), each built as cmd/argus builds it from its flag.
func startArgusBrokers(t *testing.T, n brokerNames, wsBackend string) {
	t.Helper()
	logger := argustest.LoggerFromEnv()
	bus := telemetry.NewBus()
	sinks := map[string]map[string]string{
		"rabbitmq": {"url": "amqp://guest:guest@" + amqpAddr + "/", "events": "all", "grouping": "true", "route_key": n.routeKey(),
			"exchange": n.evExchange(), "exchange_type": "topic"},
		"mqtt": {"url": "tcp://" + mqttAddr, "events": "all", "client_id": n.eventClientID(), "topic": n.eventTopic(), "addevent": "true"},
		"ws":   {"backend": wsBackend, "events": "all", "grouping": "true"},
	}
	// server_info lists the handlers and transports, as cmd/argus has it.
	handlers := map[string]core.EventHandler{}
	for name, settings := range sinks {
		s, err := telemetry.NewSink(name, telemetry.SinkConfig{ServerName: "janusref", Logger: logger, Settings: settings})
		if err != nil {
			t.Fatalf("sink %s: %v", name, err)
		}
		if err := bus.Attach(name, s, telemetry.MaskAll); err != nil {
			t.Fatal(err)
		}
		spec, _ := telemetry.SinkSpecOf(name)
		handlers[spec.Handler.Package] = queryHandler{info: spec.Handler, q: s.(core.EventHandler)}
	}
	// The transports, bound to their flags as cmd/argus binds them.
	fs := flag.NewFlagSet("janusref", flag.ContinueOnError)
	var descs []core.TransportDesc
	var setups []transports.Setup
	for _, pkg := range []string{rabbitmq.Package, mqtt.Package, unix.Package} {
		r, ok := transports.Lookup(pkg)
		if !ok {
			t.Fatalf("transport %s is not registered", pkg)
		}
		descs = append(descs, r.Desc())
		setups = append(setups, r.Flags(fs))
	}
	err := fs.Parse([]string{
		"-rabbitmq", fmt.Sprintf("amqp://guest:guest@%s/?janus_exchange=%s&janus_exchange_type=topic&queue_durable=true&to_janus=%s&from_janus=%s&admin_enabled=true&to_janus_admin=%s&from_janus_admin=%s",
			amqpAddr, n.exchange(), n.toJanus(), n.fromJanus(), n.toAdmin(), n.fromAdmin()),
		"-mqtt", fmt.Sprintf("mqtt://%s?client_id=%s&subscribe_topic=%s&publish_topic=%s&admin_enabled=true&admin_subscribe_topic=%s&admin_publish_topic=%s"+
			"&status_enabled=true&status_topic=%s&status_connect_message=%s&status_disconnect_message=%s",
			mqttAddr, n.mqttClientID(), n.toJanus(), n.fromJanus(), n.toAdmin(), n.fromAdmin(),
			n.statusTopic(), url.QueryEscape(statusOnline), url.QueryEscape(statusOffline)),
		"-unix", n.sock(), "-unix-type", apiSockType, "-admin-unix", n.adminSock(), "-admin-unix-type", adminSockType,
	})
	if err != nil {
		t.Fatal(err)
	}
	testkit.ShutdownAtEnd(t, "bus shutdown", 10*time.Second, bus.Shutdown)
	a := argustest.StartWith(t, argustest.Options{
		Name: "janusref", Emitter: bus, Admin: true,
		Configure: func(c *core.Config) {
			c.AdminSecret = adminSecret
			c.Transports = descs
			c.EventHandlers = handlers
		},
	})
	deps := transports.Deps{Gateway: a.Gateway, Emitter: bus, ServerName: "janusref", Logger: logger}
	var running []transports.Running
	// Registered after argustest's cleanup, so it runs before it: the
	// transports close before the gateway, newest first.
	t.Cleanup(func() {
		for i := len(running) - 1; i >= 0; i-- {
			running[i].Close()
		}
	})
	for i, setup := range setups {
		r, err := setup.Start(context.Background(), deps)
		if err != nil {
			t.Fatalf("%s: %v", descs[i].Package, err)
		}
		running = append(running, r)
	}
}

// queryHandler is a sink as server_info's "events" lists it.
type queryHandler struct {
	info telemetry.HandlerInfo
	q    core.EventHandler
}

func (h queryHandler) Query(ctx context.Context, req json.RawMessage) any { return h.q.Query(ctx, req) }

func (h queryHandler) Info() core.ModuleInfo {
	return core.ModuleInfo{Name: h.info.Name, Author: h.info.Author, Description: h.info.Description,
		VersionString: h.info.VersionString, Version: h.info.Version}
}
