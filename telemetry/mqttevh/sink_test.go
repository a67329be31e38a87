package mqttevh_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/mqttevh"
)

// sharedURL is the Mosquitto of the test environment.
const sharedURL = "mqtt://127.0.0.1:1883"

func newSink(t *testing.T, settings map[string]string) *mqttevh.Sink {
	t.Helper()
	return evhtest.NewSink[*mqttevh.Sink](t, mqttevh.SinkName, settings)
}

// TestEventsPerTypeTopic: status message first, then one message per event
// on <topic>/<label>, each with "eventtype" appended, indented as Janus
// 1.1.2's mqttevh sends by default (test/janusref).
func TestEventsPerTypeTopic(t *testing.T) {
	topic := "argustest/" + evhtest.Name("evh")
	sub := evhtest.MQTTSub(t, "tcp://127.0.0.1:1883", topic+"/#")
	s := newSink(t, map[string]string{"url": sharedURL, "topic": topic, "addevent": "true"})
	evs := evhtest.Events("node-a", 5)
	evhtest.Export(t, s, evs)
	got := sub.Wait(t, 1+len(evs))
	if got[0].Topic != topic+"/status" || string(got[0].Data) != mqttevh.DefaultConnectStatus {
		t.Fatalf("first message %q %s, want the connect status", got[0].Topic, got[0].Data)
	}
	names := []string{"Sessions", "Handles", "WebRTC", "Media", "Plugins"}
	for i, m := range got[1:] {
		e := evs[i]
		if want := topic + "/" + telemetry.Mask(e.Type).String(); m.Topic != want {
			t.Errorf("event %d on %q, want %q", i, m.Topic, want)
		}
		var ev map[string]any
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			t.Fatal(err)
		}
		if ev["eventtype"] != names[i] || ev["session_id"] != float64(e.SessionID) || ev["emitter"] != "node-a" {
			t.Errorf("event %d = %s", i, m.Data)
		}
		want, _ := mqttevh.Encode(e, "indented")
		if string(m.Data) != string(want) || !strings.HasPrefix(string(m.Data), "{\n   \"emitter\": \"node-a\",\n") {
			t.Errorf("event %d payload %s, want %s", i, m.Data, want)
		}
	}
}

// TestBrokerDown runs a private mosquitto, kills it, checks drops
// and failures are counted, restarts it and sees events again.
func TestBrokerDown(t *testing.T) {
	port := evhtest.FreePort(t)
	srv := evhtest.Start(t, port, "mosquitto", "-p", strconv.Itoa(port))
	url := "mqtt://127.0.0.1:" + strconv.Itoa(port)
	s := newSink(t, map[string]string{"url": url, "topic": "ev", "qos": "1",
		"reconnect_backoff": "100", "reconnect_max": "300", "connect_timeout": "2000"})
	evhtest.Export(t, s, evhtest.Events("before", 1))
	var sub *evhtest.Collector
	evhtest.Outage(t, s, srv.Stop, func() {
		srv.Restart()
		sub = evhtest.MQTTSub(t, "tcp://127.0.0.1:"+strconv.Itoa(port), "ev/#")
	}, evhtest.Events("after", 1))
	got := sub.Wait(t, 2) // the reconnect's status, then the event
	var ev map[string]any
	_ = json.Unmarshal(got[1].Data, &ev)
	if got[0].Topic != "ev/status" || got[1].Topic != "ev" || ev["emitter"] != "after" {
		t.Fatalf("after the outage: %q %s, %q %s", got[0].Topic, got[0].Data, got[1].Topic, got[1].Data)
	}
}

// TestWillOnLostConnection: with will_enabled, the broker publishes
// disconnect_status on <topic>/status when the sink's connection dies.
func TestWillOnLostConnection(t *testing.T) {
	topic := "argustest/" + evhtest.Name("will")
	sub := evhtest.MQTTSub(t, "tcp://127.0.0.1:1883", topic+"/status")
	p := evhtest.NewProxy(t, "127.0.0.1:1883")
	s := newSink(t, map[string]string{"url": "mqtt://" + p.Addr(), "topic": topic, "will_enabled": "true",
		"keep_alive_interval": "1"})
	evhtest.Export(t, s, evhtest.Events("n", 1))
	sub.Wait(t, 1)
	p.Stop() // the broker sees the connection drop without DISCONNECT
	got := sub.Wait(t, 2)
	if string(got[1].Data) != mqttevh.DefaultDisconnectStatus {
		t.Fatalf("status messages %q, %q", got[0].Data, got[1].Data)
	}
}

func TestBadSettings(t *testing.T) {
	evhtest.RefusesSettings(t, mqttevh.SinkName,
		map[string]string{"url": "http://x"},
		map[string]string{"url": sharedURL, "qos": "3"},
		map[string]string{"url": sharedURL, "topic": ""},
		map[string]string{"url": sharedURL, "grouping": "true"},
		map[string]string{"url": sharedURL, "what": "1"},
	)
}

// TestTLSBroker: mqtts:// to a private mosquitto with a TLS listener; the
// sink trusts it through tls_cacert and refuses it without.
func TestTLSBroker(t *testing.T) {
	cert := evhtest.SelfSigned(t)
	port := evhtest.FreePort(t)
	conf := filepath.Join(filepath.Dir(cert.CertFile), "mosquitto.conf")
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\ncertfile %s\nkeyfile %s\n", port, cert.CertFile, cert.KeyFile)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	evhtest.Start(t, port, "mosquitto", "-c", conf)
	url := "mqtts://127.0.0.1:" + strconv.Itoa(port)

	untrusted := newSink(t, map[string]string{"url": url, "topic": "ev"})
	if err := untrusted.Export(context.Background(), evhtest.Events("n", 1)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an unknown CA: %v, want a certificate error", err)
	}
	trusted := newSink(t, map[string]string{"url": url, "topic": "ev", "tls_cacert": cert.CertFile})
	evhtest.Export(t, trusted, evhtest.Events("n", 3))
	if st := trusted.Stats(); st.Published != 1 || st.Dropped != 0 || st.Connects != 1 {
		t.Fatalf("stats %+v", st)
	}
}
