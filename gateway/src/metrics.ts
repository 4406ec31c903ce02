import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly connectionsRejected: Counter<'reason'>;
  /** Handshakes admitted, by who: `guest`, `account` (a verified identity token), `banned` (read-only). */
  readonly connectionsAdmitted: Counter<'as'>;
  readonly placements: Counter<'result'>;
  readonly placeAckSeconds: Histogram;
  readonly canvasReads: Counter<'source'>;
  readonly canvasBytesSent: Counter<'encoding'>;
  readonly malformedPackets: Counter<'reason'>;
  readonly placementsAnsweredLocally: Counter;
  /** Accepted placements not acknowledged because too few replicas confirmed them (PLACEMENT_REPLICAS). */
  readonly replicaShortfalls: Counter;
  readonly publishFailures: Counter;
  readonly playersOnline: Gauge;
  readonly canvasLoads: Counter;
  readonly fanoutWrites: Counter<'path'>;
  readonly fanoutSeconds: Histogram;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    registry,
    connections: new Gauge({ name: 'tessera_gateway_connections', help: 'Sockets connected to this gateway.', registers: [registry] }),
    connectionsRejected: new Counter({
      name: 'tessera_gateway_connections_rejected_total',
      help: 'Connections refused, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    connectionsAdmitted: new Counter({
      name: 'tessera_gateway_connections_admitted_total',
      help: 'Handshakes admitted, by who: guest, account (signed in) or banned (watching read-only).',
      labelNames: ['as'],
      registers: [registry],
    }),
    placements: new Counter({
      name: 'tessera_placements_total',
      help: 'Placement attempts, by result (accepted or an error code).',
      labelNames: ['result'],
      registers: [registry],
    }),
    placeAckSeconds: new Histogram({
      name: 'tessera_place_ack_duration_seconds',
      help: 'Time from receiving a place event to sending its acknowledgement.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    canvasReads: new Counter({
      name: 'tessera_canvas_reads_total',
      help: 'Canvas reads served, by source (cache or redis).',
      labelNames: ['source'],
      registers: [registry],
    }),
    canvasBytesSent: new Counter({
      name: 'tessera_canvas_bytes_sent_total',
      help: 'Canvas bytes sent over HTTP, by content encoding.',
      labelNames: ['encoding'],
      registers: [registry],
    }),
    malformedPackets: new Counter({
      name: 'tessera_gateway_malformed_packets_total',
      help: 'Socket input dropped or refused as malformed, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    placementsAnsweredLocally: new Counter({
      name: 'tessera_placements_answered_locally_total',
      help: 'Placements refused COOLDOWN by the gateway from what it told the socket, without a script call.',
      registers: [registry],
    }),
    replicaShortfalls: new Counter({
      name: 'tessera_gateway_placement_replica_shortfalls_total',
      help: 'Accepted placements answered OUTCOME_UNKNOWN because fewer than PLACEMENT_REPLICAS replicas confirmed them in time (a replica down or lagging).',
      registers: [registry],
    }),
    publishFailures: new Counter({
      name: 'tessera_gateway_publish_failures_total',
      help: 'Broadcasts to other gateways dropped because Redis refused the PUBLISH (an outage).',
      registers: [registry],
    }),
    playersOnline: new Gauge({
      name: 'tessera_players_online',
      help: "Players online across every gateway at this gateway's last presence report (every gateway reports the same figure: aggregate with max, not sum).",
      registers: [registry],
    }),
    canvasLoads: new Counter({
      name: 'tessera_canvas_loads_total',
      help: "Canvas loads (a page's first connection) this gateway admitted.",
      registers: [registry],
    }),
    fanoutWrites: new Counter({
      name: 'tessera_gateway_fanout_writes_total',
      help: 'Deltas and syncs written to sockets, by path: direct (frames built once, one TCP write) or engine (the socket was busy).',
      labelNames: ['path'],
      registers: [registry],
    }),
    fanoutSeconds: new Histogram({
      name: 'tessera_gateway_fanout_duration_seconds',
      help: 'Time to hand one delta or sync to every socket of this gateway: from the broadcast reaching the adapter to the last socket write.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2],
      registers: [registry],
    }),
  };
}
