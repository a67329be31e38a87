package mqtt

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/broker/brokertest"
)

// brokerAddr is the Mosquitto of the test environment.
const brokerAddr = "127.0.0.1:1883"

// statusSub subscribes to topic and returns its messages.
type statusMsg struct {
	payload string
	qos     byte
	retain  bool
}

func statusSub(t *testing.T, topic string) <-chan statusMsg {
	t.Helper()
	msgs := make(chan statusMsg, 8)
	sub := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + brokerAddr).SetClientID(evhtest.Name("argus-test-sub")))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	t.Cleanup(func() { sub.Disconnect(100) })
	if tok := sub.Subscribe(topic, 2, func(_ paho.Client, m paho.Message) {
		msgs <- statusMsg{string(m.Payload()), m.Qos(), m.Retained()}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return msgs
}

// start starts the transport of url against the test broker, configure
// (nil: nothing) setting what else the test needs; it is closed when the
// test ends.
func start(t *testing.T, url string, configure func(*Config)) *Transport {
	t.Helper()
	return brokertest.Start(t, url, ParseURL, func(c *Config) *transports.Deps { return &c.Deps }, configure, Start)
}

// TestStatusMessages: with status_enabled, the connect message is
// published on the status topic once the transport serves, and the
// disconnect message when it closes, with the status QoS and retain flag,
// as Janus 1.1.2's "status" section does (test/janusref); a message set
// empty is published empty, as Janus does, one not set is not published;
// without status_enabled, nothing is.
func TestStatusMessages(t *testing.T) {
	for _, tc := range []struct {
		name               string
		enabled            bool
		messages           string // URL options
		onConnect, onClose []statusMsg
	}{
		{"disabled", false, "&status_connect_message=on&status_disconnect_message=off", nil, nil},
		{"both", true, "&status_connect_message=" + url.QueryEscape(`{"online": true}`) +
			"&status_disconnect_message=" + url.QueryEscape(`{"online": false}`),
			[]statusMsg{{`{"online": true}`, 1, false}}, []statusMsg{{`{"online": false}`, 1, false}}},
		{"empty connect, no disconnect", true, "&status_connect_message=", []statusMsg{{"", 1, false}}, nil},
		{"none", true, "", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := evhtest.Name("argus-test-status")
			msgs := statusSub(t, topic)
			tr := start(t, fmt.Sprintf("mqtt://%s?client_id=%s&subscribe_topic=%s&status_enabled=%v&status_topic=%s&status_qos=1%s",
				brokerAddr, evhtest.Name("argus-test-tr"), topic+"-to", tc.enabled, topic, tc.messages), nil)
			brokertest.WaitConnected(t, tr)
			expect := func(when string, want []statusMsg) {
				t.Helper()
				for _, w := range want {
					select {
					case m := <-msgs:
						if m != w {
							t.Errorf("%s: status %+v, want %+v", when, m, w)
						}
					case <-time.After(20 * time.Second):
						t.Fatalf("%s: no status message", when)
					}
				}
			}
			expect("connect", tc.onConnect)
			tr.Close()
			expect("close", tc.onClose)
			select {
			case m := <-msgs:
				t.Errorf("unexpected status message %+v", m)
			case <-time.After(300 * time.Millisecond): // the one a bad transport sends comes within milliseconds
			}
		})
	}
}

// TestCloseDuringConnect: paho runs the connect handler on its own
// goroutine; when Close runs while the handler waits for its subscription
// (held there by the test hook), the disconnect message goes out and the
// handler, resumed, neither marks the transport connected (no
// "connected" event) nor publishes the connect message after it, which
// with status_retain would leave "online" on the broker for a stopped
// gateway.
func TestCloseDuringConnect(t *testing.T) {
	topic := evhtest.Name("argus-test-status")
	msgs := statusSub(t, topic)
	em := telemetrytest.NewEmitter()
	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	tr := start(t, fmt.Sprintf("mqtt://%s?client_id=%s&subscribe_topic=%s&status_enabled=true&status_topic=%s&status_qos=1"+
		"&status_connect_message=online&status_disconnect_message=offline", brokerAddr, evhtest.Name("argus-test-tr"), topic+"-to", topic),
		func(c *Config) {
			c.Emitter = em
			c.subscribed = func() {
				once.Do(func() { close(reached) })
				<-release
			}
		})
	select {
	case <-reached:
	case <-time.After(20 * time.Second):
		t.Fatal("the transport did not subscribe")
	}
	tr.Close()
	close(release)
	select {
	case m := <-msgs:
		if m.payload != "offline" {
			t.Fatalf("status %+v, want the disconnect message", m)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no disconnect message")
	}
	// The resumed handler runs at once; give it ample time.
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if tr.Connected() || len(em.Events()) != 0 {
			t.Fatalf("connected after Close (connected %v, %d events)", tr.Connected(), len(em.Events()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case m := <-msgs:
		t.Errorf("status message after the disconnect message: %+v", m)
	default:
	}
}

// TestEmptyMessageIgnored: an empty message on a request topic gets no
// answer, on either API, as Janus 1.1.2's MQTT transport ignores one
// (observed: no answer, the transport goes on serving); the next request
// is answered.
func TestEmptyMessageIgnored(t *testing.T) {
	name := evhtest.Name("argus-test-empty")
	answers := make(chan string, 8)
	sub := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + brokerAddr).SetClientID(name + "-client"))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("client: %v", tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.SubscribeMultiple(map[string]byte{name + "-from": 1, name + "-from-admin": 1}, func(_ paho.Client, m paho.Message) {
		answers <- m.Topic() + " " + string(m.Payload())
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	tr := start(t, fmt.Sprintf("mqtt://%s?client_id=%s&subscribe_topic=%s-to&publish_topic=%s-from&admin_enabled=true"+
		"&admin_subscribe_topic=%s-to-admin&admin_publish_topic=%s-from-admin&json=compact", brokerAddr, name+"-tr", name, name, name, name), nil)
	brokertest.WaitConnected(t, tr)
	for _, api := range []string{"", "-admin"} {
		for _, body := range []string{"", `{"janus":"ping","transaction":"p"}`} {
			if tok := sub.Publish(name+"-to"+api, 1, false, body); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("publish: %v", tok.Error())
			}
		}
		select {
		case a := <-answers:
			if !strings.HasPrefix(a, name+"-from"+api+" ") || !strings.Contains(a, `"pong"`) {
				t.Errorf("first answer %s, want the ping's on %s-from%s", a, name, api)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no answer")
		}
	}
	select {
	case a := <-answers:
		t.Errorf("unexpected answer %s", a)
	case <-time.After(300 * time.Millisecond):
	}
}
