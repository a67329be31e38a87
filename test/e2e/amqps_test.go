package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/rabbitmqevh"
	"github.com/argusrtc/argus/transports/rabbitmq"
)

// startAMQPS starts the RabbitMQ transport over amqps:// at proxy with
// ssl_cacert=ca and this run's queues (prefix-to, prefix-from).
func startAMQPS(t *testing.T, srv *server, emitter telemetry.Emitter, logger *slog.Logger, proxy, ca, prefix string) *rabbitmq.Transport {
	t.Helper()
	cfg, err := rabbitmq.ParseURL("amqps://guest:guest@" + proxy + "/?queue_autodelete=true&ssl_cacert=" + url.QueryEscape(ca) +
		"&to_janus=" + prefix + "-to&from_janus=" + prefix + "-from")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Gateway, cfg.Emitter, cfg.ServerName, cfg.Logger = srv.gateway, emitter, "argus-e2e", logger
	tr, err := rabbitmq.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	deleteQueues(t, prefix+"-to", prefix+"-from")
	t.Cleanup(tr.Close)
	return tr
}

// TestRabbitMQOverTLS: the RabbitMQ transport and the RabbitMQ event
// handler over amqps://, through a TLS terminator (certificate from a CA
// the test made) in front of the environment's plain RabbitMQ. An
// EchoTest with media runs over the transport, and every event of its
// session arrives through the event handler.
func TestRabbitMQOverTLS(t *testing.T) {
	cert := evhtest.SelfSigned(t)
	proxy := evhtest.NewTLSProxy(t, "127.0.0.1:5672", cert)
	queue := evhtest.Name("argus-e2e-amqps-events")
	amqpGot := evhtest.AMQPQueue(t, "127.0.0.1:5672", queue)

	bus, rec := recordingBus(t)
	evh, err := telemetry.NewSink(rabbitmqevh.SinkName, telemetry.SinkConfig{ServerName: "argus-e2e", Logger: testLogger(),
		Settings: map[string]string{"url": "amqps://guest:guest@" + proxy.Addr() + "/", "route_key": queue, "ssl_cacert": cert.CertFile}})
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Attach(rabbitmqevh.SinkName, evh, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, serverOptions{emitter: bus})
	prefix := fmt.Sprintf("argus-e2e-tls-%d", core.RandomID())
	tr := startAMQPS(t, srv, bus, testLogger(), proxy.Addr(), cert.CertFile, prefix)
	waitUntil(t, "transport connected over amqps", tr.Connected)

	c, err := dialRabbit(rabbitURL, prefix+"-to", prefix+"-from")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 4*stepTimeout)
	defer cancel()
	s := negotiatedEcho(ctx, t, c)
	for _, step := range []func(context.Context) error{s.connect,
		func(ctx context.Context) error { return s.peer.waitReceived(ctx, 50) },
		s.hangup, s.detachAndDestroy} {
		if err := step(ctx); err != nil {
			t.Fatalf("%v (%s)", err, s.describe())
		}
	}

	run := echoRun{transport: "rabbitmq", sid: s.sid, hid: s.hid}
	waitAllArrived(t, sessionEvents(t, bus, rec, run), amqpGot, "", run)
	if n := tr.Dropped(); n != 0 {
		t.Errorf("the transport dropped %d messages", n)
	}
}

// TestRabbitMQTransportWrongCA: a transport whose ssl_cacert is not the
// broker certificate's CA never connects, and says why in its log (the
// x509 error, the broker address), retrying with backoff.
func TestRabbitMQTransportWrongCA(t *testing.T) {
	cert, other := evhtest.SelfSigned(t), evhtest.SelfSigned(t)
	proxy := evhtest.NewTLSProxy(t, "127.0.0.1:5672", cert)
	logPath := filepath.Join(t.TempDir(), "transport.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	srv := startServer(t, serverOptions{})
	tr := startAMQPS(t, srv, nil, slog.New(slog.NewTextHandler(logFile, nil)), proxy.Addr(), other.CertFile,
		fmt.Sprintf("argus-e2e-badca-%d", core.RandomID()))
	var log string
	waitUntil(t, "the refused handshake in the log", func() bool {
		b, err := os.ReadFile(logPath)
		log = string(b)
		return err == nil && strings.Contains(log, "x509: certificate signed by unknown authority")
	})
	if !strings.Contains(log, "cannot connect to the broker") || !strings.Contains(log, proxy.Addr()) {
		t.Errorf("log does not say what failed where:\n%s", log)
	}
	if tr.Connected() {
		t.Error("connected with the wrong CA")
	}
}
