// Package rabbitmq is the Janus API and Admin API over RabbitMQ, Janus's
// janus.transport.rabbitmq: requests are consumed from the to-janus queue
// (to-janus-admin for the Admin API), responses and events are published
// to the exchange (the default exchange unless set) with routing key
// from-janus (from-janus-admin), content type application/json, reply_to
// "Janus", and the request's correlation_id on its response. As in Janus,
// the broker is one application: one client for every session, so
// sessions survive a broker restart; the transport reconnects with
// backoff and drops (and counts) what it cannot publish meanwhile.
//
// Flag: -rabbitmq amqp://user:pass@host:port/vhost?options, where the
// options are Janus's configuration keys: to_janus, from_janus,
// janus_exchange, janus_exchange_type, queue_name, declare_outgoing_queue,
// queue_durable, queue_autodelete, queue_exclusive (the incoming queue's),
// admin_enabled, to_janus_admin, from_janus_admin, queue_name_admin,
// declare_outgoing_queue_admin, queue_durable_admin,
// queue_autodelete_admin, queue_exclusive_admin, json (the layout of
// what is published: indented, Janus's default, plain or compact). Other
// query parameters go to the AMQP client (heartbeat, connection_timeout).
//
// Transport events (type 128), as Janus 1.1.2's: one
// {"event":"connected","broker":"host:port"} at the first connection and
// nothing else (Janus emits it once, at setup: not on a reconnection, and
// no event when the connection is lost); "broker" is Argus's.
//
// Compared with Janus 1.1.2's janus.transport.rabbitmq by test/janusref.
package rabbitmq
