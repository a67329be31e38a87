// Package evhkit is what the broker event handlers (wsevh, rabbitmqevh,
// mqttevh, natsevh) share: Janus's JSON layouts, their common -sink-opt
// keys and TLS settings (declared on telemetry.SinkOptions), a connection
// kept with a doubling reconnect backoff, and a sink core that filters,
// groups, publishes and counts.
//
// A dead broker never blocks the gateway: the bus queues events per sink
// (bounded, drops counted), and while the connection is down Export fails
// fast (the batch is counted as failed by the bus and dropped by the sink)
// until the next reconnect attempt is due.
package evhkit
