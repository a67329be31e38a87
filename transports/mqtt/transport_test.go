package mqtt

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/transports/internal/fakegw"
)

// brokerAddr is the Mosquitto of the test environment.
const brokerAddr = "127.0.0.1:1883"

// TestStatusMessages: with status_enabled, the connect message is
// published on the status topic once the transport serves, and the
// disconnect message when it closes, with the status QoS and retain flag,
// as Janus 1.1.2's "status" section does (test/janusref); without it,
// nothing is.
func TestStatusMessages(t *testing.T) {
	topic := evhtest.Name("argus-test-status")
	type got struct {
		payload string
		qos     byte
		retain  bool
	}
	msgs := make(chan got, 8)
	sub := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + brokerAddr).SetClientID(evhtest.Name("argus-test-sub")))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.Subscribe(topic, 2, func(_ paho.Client, m paho.Message) {
		msgs <- got{string(m.Payload()), m.Qos(), m.Retained()}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	next := func() got {
		t.Helper()
		select {
		case m := <-msgs:
			return m
		case <-time.After(20 * time.Second):
			t.Fatal("no status message")
			return got{}
		}
	}
	for _, enabled := range []bool{false, true} {
		cfg, err := ParseURL(fmt.Sprintf("mqtt://%s?client_id=%s&subscribe_topic=%s&status_enabled=%v&status_topic=%s&status_qos=1"+
			"&status_connect_message=%s&status_disconnect_message=%s",
			brokerAddr, evhtest.Name("argus-test-tr"), topic+"-to", enabled, topic,
			url.QueryEscape(`{"online": true}`), url.QueryEscape(`{"online": false}`)))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Gateway = fakegw.New()
		tr, err := Start(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !tr.Connected() {
			if time.Now().After(deadline) {
				t.Fatal("not connected")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if enabled {
			if m := next(); m != (got{`{"online": true}`, 1, false}) {
				t.Errorf("connect status %+v", m)
			}
		}
		tr.Close()
		if enabled {
			if m := next(); m != (got{`{"online": false}`, 1, false}) {
				t.Errorf("disconnect status %+v", m)
			}
		}
	}
	select {
	case m := <-msgs:
		t.Errorf("unexpected status message %+v", m)
	default:
	}
}
