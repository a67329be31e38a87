// Package mqtt is the Janus API and Admin API over MQTT, Janus's
// janus.transport.mqtt: requests arrive on subscribe_topic ("to-janus";
// "to-janus-admin" for the Admin API), responses and events are published
// on publish_topic ("from-janus"; "from-janus-admin"), QoS 1 both ways by
// default, as Janus's sample configuration. As in Janus, the broker is one
// application: one client for every session, so sessions survive a
// broker restart; the client reconnects with backoff (and resubscribes)
// and drops (and counts) what it cannot publish meanwhile.
//
// Flag: -mqtt mqtt://user:pass@host:1883?options (tcp://, ssl://, mqtts://
// and ws:// also work), where the options are Janus's configuration keys:
// client_id, subscribe_topic, subscribe_qos, publish_topic, publish_qos,
// keep_alive_interval, cleansession, admin_enabled,
// admin_subscribe_topic, admin_publish_topic (admin QoS as above), json
// (the layout of what is published: indented, Janus's default, plain or
// compact), and Janus's "status" section as status_enabled, status_topic,
// status_qos, status_retain, status_connect_message and
// status_disconnect_message (also the will); as in Janus, a message set
// empty is published empty, one not set is not published.
//
// Transport events (type 128), as Janus 1.1.2's:
// {"event":"connected","broker":"host:port"} at every connection (once
// the topics are subscribed) and {"event":"reconnecting",...} when one is
// lost. Not emitted: Janus's "failed" (with the code of a failed
// connection attempt) and its MQTT 5 "disconnected"; "broker" is Argus's.
//
// Compared with Janus 1.1.2's janus.transport.mqtt by test/janusref.
package mqtt
