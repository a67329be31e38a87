package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/transports/mqtt"
	"github.com/argusrtc/argus/transports/rabbitmq"
	"github.com/argusrtc/argus/transports/unix"
)

// Brokers this machine runs (issue 12); tests use unique queue and topic
// names per run.
const (
	rabbitURL  = "amqp://guest:guest@127.0.0.1:5672/"
	mqttBroker = "tcp://127.0.0.1:1883"
)

// extTransports lists the message transports every ext test runs over.
var extTransports = []string{"unix", "unix-dgram", "rabbitmq", "mqtt"}

// extServer is the e2e server with the Unix socket, RabbitMQ and MQTT
// transports in front of the same gateway.
type extServer struct {
	*server
	dir                            string
	unixPath, dgramPath, adminUnix string
	prefix                         string // queue and topic names of this run
	rabbit                         *rabbitmq.Transport
	mqtt                           *mqtt.Transport
}

func startExtServer(t *testing.T, o serverOptions) *extServer {
	t.Helper()
	srv := startServer(t, o)
	e := &extServer{server: srv, dir: testkit.ShortTempDir(t, "argus"), prefix: fmt.Sprintf("argus-e2e-%d", core.RandomID())}
	e.unixPath = filepath.Join(e.dir, "janus.sock")
	e.dgramPath = filepath.Join(e.dir, "janus-dgram.sock")
	e.adminUnix = filepath.Join(e.dir, "admin.sock")
	ctx := context.Background()
	logger := testLogger()
	for _, c := range []unix.Config{
		{Path: e.unixPath},
		{Path: e.dgramPath, Type: unix.Dgram},
		{Path: e.adminUnix, Admin: true},
	} {
		c.Gateway, c.Emitter, c.ServerName, c.Logger = srv.gateway, o.emitter, "argus-e2e", logger
		tr, err := unix.Start(ctx, c)
		if err != nil {
			t.Fatalf("unix transport: %v", err)
		}
		t.Cleanup(tr.Close)
	}
	rcfg, err := rabbitmq.ParseURL(rabbitURL + "?admin_enabled=true&queue_autodelete=true" +
		"&to_janus=" + e.prefix + "-to&from_janus=" + e.prefix + "-from" +
		"&to_janus_admin=" + e.prefix + "-to-admin&from_janus_admin=" + e.prefix + "-from-admin")
	if err != nil {
		t.Fatal(err)
	}
	rcfg.Gateway, rcfg.Emitter, rcfg.ServerName, rcfg.Logger = srv.gateway, o.emitter, "argus-e2e", logger
	if e.rabbit, err = rabbitmq.Start(ctx, rcfg); err != nil {
		t.Fatal(err)
	}
	deleteQueues(t, e.prefix+"-to", e.prefix+"-from", e.prefix+"-to-admin", e.prefix+"-from-admin")
	t.Cleanup(e.rabbit.Close)
	e.mqtt = startMQTT(t, srv, o, mqttBroker, e.prefix)
	waitUntil(t, "brokers connected", func() bool { return e.rabbit.Connected() && e.mqtt.Connected() })
	return e
}

// deleteQueues deletes this run's queues from the shared broker when the
// test ends (after the transport closed: cleanups run last-in first-out).
// An auto-delete queue that never had a consumer would stay.
func deleteQueues(t *testing.T, names ...string) {
	t.Cleanup(func() {
		conn, err := amqp.Dial(rabbitURL)
		if err != nil {
			t.Logf("deleting queues: %v", err)
			return
		}
		defer conn.Close()
		for _, n := range names {
			ch, err := conn.Channel() // a failed delete closes its channel
			if err != nil {
				return
			}
			_, _ = ch.QueueDelete(n, false, false, false)
			_ = ch.Close()
		}
	})
}

// startMQTT starts the MQTT transport with this run's topics.
func startMQTT(t *testing.T, srv *server, o serverOptions, broker, prefix string) *mqtt.Transport {
	t.Helper()
	mcfg, err := mqtt.ParseURL(broker + "?admin_enabled=true&subscribe_topic=" + prefix + "/to&publish_topic=" + prefix + "/from" +
		"&admin_subscribe_topic=" + prefix + "/to-admin&admin_publish_topic=" + prefix + "/from-admin")
	if err != nil {
		t.Fatal(err)
	}
	mcfg.Gateway, mcfg.Emitter, mcfg.ServerName, mcfg.Logger = srv.gateway, o.emitter, "argus-e2e", testLogger()
	mcfg.MaxBackoff = time.Second
	tr, err := mqtt.Start(context.Background(), mcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return tr
}

// waitUntil polls cond for up to 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.Until(t, 20*time.Second, what, cond)
}

// handleInfo is the Admin API's handle_info of a handle without its SDPs,
// as JSON cut to 4 000 bytes, for a failure message.
func (e *extServer) handleInfo(sid, hid uint64) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := adminCall(ctx, e.gateway, msg{"janus": "handle_info", "session_id": sid, "handle_id": hid, "admin_secret": adminSecret})
	if err != nil {
		return "handle_info: " + err.Error()
	}
	if info, ok := res["info"].(map[string]any); ok {
		delete(info, "sdps")
	}
	s := jsonString(res)
	if len(s) > 4000 {
		s = s[:4000] + "..."
	}
	return s
}

// dialExt connects a Janus (admin=false) or Admin API client over tr.
func (e *extServer) dialExt(t *testing.T, tr string, admin bool) *msgClient {
	t.Helper()
	var (
		c   *msgClient
		err error
	)
	suffix := ""
	if admin {
		suffix = "-admin"
	}
	switch tr {
	case "unix":
		p := e.unixPath
		if admin {
			p = e.adminUnix
		}
		c, err = dialUnix(p)
	case "unix-dgram":
		if admin {
			t.Fatal("no admin datagram socket in this harness")
		}
		c, err = dialUnixgram(e.dgramPath, e.dir)
	case "rabbitmq":
		c, err = dialRabbit(rabbitURL, e.prefix+"-to"+suffix, e.prefix+"-from"+suffix)
	case "mqtt":
		c, err = dialMQTT(mqttBroker, e.prefix+"/to"+suffix, e.prefix+"/from"+suffix)
	default:
		t.Fatalf("unknown transport %q", tr)
	}
	if err != nil {
		t.Fatalf("dial %s: %v", tr, err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestExtTransportsEchoTest runs the EchoTest with real media (pion) over
// the Unix socket (both socket types), RabbitMQ and MQTT transports:
// create, attach, offer with trickle, RTP and data echoed, hangup,
// detach, destroy.
func TestExtTransportsEchoTest(t *testing.T) {
	e := startExtServer(t, serverOptions{})
	for _, tr := range extTransports {
		t.Run(tr, func(t *testing.T) {
			c := e.dialExt(t, tr, false)
			ctx, cancel := context.WithTimeout(context.Background(), 4*stepTimeout)
			defer cancel()
			s := connectedEcho(ctx, t, c)
			if err := s.peer.waitReceived(ctx, 50); err != nil {
				t.Fatalf("%v (%s)\nserver side: %s", err, s.describe(), e.handleInfo(s.sid, s.hid))
			}
			if err := s.dataEcho(ctx, "hello Argus over "+tr); err != nil {
				t.Fatal(err)
			}
			if err := s.hangup(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.detachAndDestroy(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
