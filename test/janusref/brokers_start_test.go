package janusref

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
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
	keep := func(all []string, keep ...string) string {
		var off []string
		for _, m := range all {
			if !strings.Contains(" "+strings.Join(keep, " ")+" ", " "+m+" ") {
				off = append(off, "libjanus_"+m+".so")
			}
		}
		return strings.Join(off, ",")
	}
	plugins := keep([]string{"audiobridge", "duktape", "lua", "nosip", "recordplay", "sip", "streaming", "textroom",
		"videocall", "voicemail", "echotest", "videoroom"}, "echotest", "videoroom")
	trans := keep([]string{"http", "websockets", "mqtt", "nanomsg", "pfunix", "rabbitmq"}, "mqtt", "pfunix", "rabbitmq")
	evh := keep([]string{"sampleevh", "gelfevh", "mqttevh", "nanomsgevh", "rabbitmqevh", "wsevh"}, "mqttevh", "rabbitmqevh", "wsevh")
	amqpHost, amqpPort, _ := net.SplitHostPort(amqpAddr)
	return map[string]string{
		"janus.jcfg": fmt.Sprintf(`general: {
	configs_folder = "%%CONFIGS%%"
	plugins_folder = "%[1]s/plugins"
	transports_folder = "%[1]s/transports"
	events_folder = "%[1]s/events"
	loggers_folder = "%[1]s/loggers"
	debug_level = 4
	server_name = "janusref"
	session_timeout = 60
	admin_secret = "%[2]s"
}
media: {
}
nat: {
}
plugins: {
	disable = "%[3]s"
}
transports: {
	disable = "%[4]s"
}
loggers: {
	disable = "libjanus_jsonlog.so"
}
events: {
	broadcast = true
	disable = "%[5]s"
}
`, lib, adminSecret, plugins, trans, evh),
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
	lib := janusLibDir(t)
	dir := t.TempDir()
	for name, text := range janusBrokerConfig(lib, n, wsBackend) {
		text = strings.ReplaceAll(text, "%CONFIGS%", dir)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	logPath := filepath.Join(dir, "janus.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-C", filepath.Join(dir, "janus.jcfg"), "-F", dir, "-o")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("start janus: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			defer logFile.Close()
			_ = cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			if t.Failed() {
				if b, err := os.ReadFile(logPath); err == nil {
					t.Logf("janus log (tail):\n%s", tail(string(b), 6000))
				}
			}
		})
	}
	t.Cleanup(stop)
	return stop
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
	var descs []core.TransportDesc
	for _, pkg := range []string{rabbitmq.Package, mqtt.Package, unix.Package} {
		if r, ok := transports.Lookup(pkg); ok {
			descs = append(descs, r.Desc())
		}
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
	ctx := context.Background()
	rcfg, err := rabbitmq.ParseURL(fmt.Sprintf("amqp://guest:guest@%s/?janus_exchange=%s&janus_exchange_type=topic&queue_durable=true&to_janus=%s&from_janus=%s&admin_enabled=true&to_janus_admin=%s&from_janus_admin=%s",
		amqpAddr, n.exchange(), n.toJanus(), n.fromJanus(), n.toAdmin(), n.fromAdmin()))
	if err != nil {
		t.Fatal(err)
	}
	rcfg.Deps = deps
	rt, err := rabbitmq.Start(ctx, rcfg)
	if err != nil {
		t.Fatal(err)
	}
	mcfg, err := mqtt.ParseURL(fmt.Sprintf("mqtt://%s?client_id=%s&subscribe_topic=%s&publish_topic=%s&admin_enabled=true&admin_subscribe_topic=%s&admin_publish_topic=%s"+
		"&status_enabled=true&status_topic=%s&status_connect_message=%s&status_disconnect_message=%s",
		mqttAddr, n.mqttClientID(), n.toJanus(), n.fromJanus(), n.toAdmin(), n.fromAdmin(),
		n.statusTopic(), url.QueryEscape(statusOnline), url.QueryEscape(statusOffline)))
	if err != nil {
		t.Fatal(err)
	}
	mcfg.Deps = deps
	mt, err := mqtt.Start(ctx, mcfg)
	if err != nil {
		t.Fatal(err)
	}
	var socks []*unix.Transport
	for _, s := range []struct {
		path, typ string
		admin     bool
	}{{n.sock(), apiSockType, false}, {n.adminSock(), adminSockType, true}} {
		ut, err := unix.Start(ctx, unix.Config{Gateway: a.Gateway, Emitter: bus, ServerName: "janusref", Logger: logger,
			Path: s.path, Type: s.typ, Admin: s.admin})
		if err != nil {
			t.Fatal(err)
		}
		socks = append(socks, ut)
	}
	// Registered after argustest's cleanup, so it runs before it: the
	// transports close before the gateway.
	t.Cleanup(func() {
		for _, u := range socks {
			u.Close()
		}
		mt.Close()
		rt.Close()
	})
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
