package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/transports/rabbitmq"
)

// mosquitto is a private broker the test can kill and restart.
type mosquitto struct {
	conf string
	port int
	cmd  *exec.Cmd
}

func startMosquitto(t *testing.T, dir string, port int) *mosquitto {
	t.Helper()
	m := &mosquitto{conf: filepath.Join(dir, "mosquitto.conf"), port: port}
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n", port)
	if err := os.WriteFile(m.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	m.start(t)
	t.Cleanup(m.stop)
	return m
}

func (m *mosquitto) start(t *testing.T) {
	t.Helper()
	m.cmd = exec.Command("mosquitto", "-c", m.conf)
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("mosquitto: %v", err)
	}
	waitUntil(t, "mosquitto listening", func() bool {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(m.port), time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
}

func (m *mosquitto) stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
		m.cmd = nil
	}
}

// createOver takes a dial's results and creates a session over the client.
func createOver(t *testing.T) func(*msgClient, error) (*msgClient, uint64) {
	return func(c *msgClient, err error) (*msgClient, uint64) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
		defer cancel()
		res, err := expectKindOf("success")(c.Request(ctx, 0, 0, msg{"janus": "create"}))
		if err != nil {
			t.Fatal(err)
		}
		return c, u64(field(res, "data", "id"))
	}
}

// keepaliveUntilAck retries a keepalive of sid until it is acknowledged
// (the broker and both clients are back) or 30 s pass.
func keepaliveUntilAck(t *testing.T, c *msgClient, sid uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		res, err := c.Request(ctx, sid, 0, msg{"janus": "keepalive"})
		cancel()
		if err == nil && kind(res) == "ack" {
			return
		}
		if err == nil && kind(res) == "error" {
			t.Fatalf("session lost across the broker restart: %s", jsonString(res))
		}
		if time.Now().After(deadline) {
			t.Fatalf("no keepalive ack after the broker restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestMQTTBrokerRestart kills a private Mosquitto under a live session and
// starts it again on the same port: the transport reconnects, resubscribes
// and the session still answers.
func TestMQTTBrokerRestart(t *testing.T) {
	if _, err := exec.LookPath("mosquitto"); err != nil {
		t.Fatalf("mosquitto is required (apt-get install mosquitto): %v", err)
	}
	srv := startServer(t, serverOptions{})
	dir := testkit.ShortTempDir(t, "argus")
	m := startMosquitto(t, dir, evhtest.FreePort(t))
	broker := "tcp://127.0.0.1:" + strconv.Itoa(m.port)
	prefix := fmt.Sprintf("argus-e2e-%d", core.RandomID())
	tr := startMQTT(t, srv, serverOptions{}, broker, prefix)
	waitUntil(t, "transport connected", tr.Connected)
	c, sid := createOver(t)(dialMQTT(broker, prefix+"/to", prefix+"/from"))

	m.stop()
	waitUntil(t, "transport disconnected", func() bool { return !tr.Connected() })
	m.start(t)
	waitUntil(t, "transport reconnected", func() bool { return tr.Connected() && tr.Connects() >= 2 })
	keepaliveUntilAck(t, c, sid)
}

// TestRabbitMQConnectionLoss cuts the transport's connection to RabbitMQ
// (through a proxy, as the broker is shared) under a live session: the
// transport reconnects with backoff and the session still answers.
func TestRabbitMQConnectionLoss(t *testing.T) {
	srv := startServer(t, serverOptions{})
	proxy := evhtest.NewProxy(t, "127.0.0.1:5672")
	prefix := fmt.Sprintf("argus-e2e-%d", core.RandomID())
	cfg, err := rabbitmq.ParseURL("amqp://guest:guest@" + proxy.Addr() + "/?queue_autodelete=true" +
		"&to_janus=" + prefix + "-to&from_janus=" + prefix + "-from")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Gateway, cfg.ServerName, cfg.Logger = srv.gateway, "argus-e2e", testLogger()
	tr, err := rabbitmq.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	deleteQueues(t, prefix+"-to", prefix+"-from")
	t.Cleanup(tr.Close)
	waitUntil(t, "transport connected", tr.Connected)
	c, sid := createOver(t)(dialRabbit(rabbitURL, prefix+"-to", prefix+"-from"))
	proxy.Stop() // cuts every connection, as a broker that went away
	proxy.Restart()
	waitUntil(t, "transport reconnected", func() bool { return tr.Connected() && tr.Connects() >= 2 })
	keepaliveUntilAck(t, c, sid)
}
