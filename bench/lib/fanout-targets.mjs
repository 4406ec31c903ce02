// Issue 14's targets 2–4 (memory, bytes, fan-out) beside the peer's reference figures: PixelPlanet
// (Node + Redis, raw `ws`, per-chunk broadcasts every ~50 ms) and Tessera before the work, both
// measured on this machine with one load generator for both (the table in the issue).

/** @typedef {Record<string, any>} BenchRecord */

/**
 * @type {Array<{ figure: string, peer: string, before: string, target: string, pick: (records: BenchRecord[]) => unknown }>}
 */
const ROWS = [
  {
    figure: 'heap per connection, 10,000 idle (after GC)',
    peer: '3.3 KB',
    before: '12.6 KB',
    target: '≤ 4 KB',
    pick: (r) => kb(find(r, (x) => x.scenario === 'connection-memory' && x.clients >= 10000)?.heapPerConnectionKB),
  },
  {
    figure: 'RSS per connection, 10,000 idle (after GC)',
    peer: '1.4 KB',
    before: '13.7 KB',
    target: '',
    pick: (r) => kb(find(r, (x) => x.scenario === 'connection-memory' && x.clients >= 10000)?.rssPerConnectionKB),
  },
  {
    figure: 'time to open 10,000 sockets',
    peer: '2.9 s',
    before: '4.7 s',
    target: '≤ 3 s',
    pick: (r) => unit(find(r, (x) => x.scenario === 'connection-memory' && x.clients >= 10000)?.connectSec, 's'),
  },
  {
    figure: '10,000 subscribers: delivery p99 after the broadcast (~100 px/s)',
    peer: '349–374 ms',
    before: '238–266 ms',
    target: '',
    pick: (r) =>
      perFormat(
        r,
        (x) => x.clients === 10000 && x.placementsPerSec === 100 && x.pattern === 'random',
        (x) => unit(x.afterTickMs?.p99, 'ms'),
      ),
  },
  {
    figure: '10,000 subscribers: gateway CPU at ~100 px/s',
    peer: '71 %',
    before: '37–39 %',
    target: '',
    pick: (r) =>
      perFormat(
        r,
        (x) => x.clients === 10000 && x.placementsPerSec === 100 && x.pattern === 'random',
        (x) => unit(x.gatewayCpuPercent, '%'),
      ),
  },
  {
    figure: 'bytes per subscriber per second, ~100 px/s, random pixels',
    peer: '403–418',
    before: '584–597',
    target: '≤ 200',
    pick: (r) =>
      perFormat(
        r,
        (x) => x.placementsPerSec === 100 && x.pattern === 'random',
        (x) => unit(x.bytesPerSubscriberPerSec, ''),
      ),
  },
  {
    figure: 'bytes per subscriber per second, ~100 px/s, drawing',
    peer: '',
    before: '',
    target: '≤ 200',
    pick: (r) =>
      perFormat(
        r,
        (x) => x.placementsPerSec === 100 && x.pattern === 'drawing',
        (x) => unit(x.bytesPerSubscriberPerSec, ''),
      ),
  },
  {
    figure: 'bytes per changed pixel at 8,000 px/s, random pixels',
    peer: '',
    before: '',
    target: '≤ 1.5',
    pick: (r) =>
      perFormat(
        r,
        (x) => x.placementsPerSec === 8000 && x.pattern === 'random',
        (x) => unit(x.bytesPerChangedPixel, ''),
      ),
  },
  {
    figure: 'bytes per changed pixel at 8,000 px/s, drawing',
    peer: '',
    before: '',
    target: '≤ 1.5',
    pick: (r) =>
      perFormat(
        r,
        (x) => x.placementsPerSec === 8000 && x.pattern === 'drawing',
        (x) => unit(x.bytesPerChangedPixel, ''),
      ),
  },
  {
    figure: '~20,000 subscribers: delivery p99 after the tick, every delta delivered',
    peer: '',
    before: '',
    target: '≤ 250 ms, 0 missed',
    pick: (r) =>
      perFormat(
        r,
        (x) => x.clients >= 19000,
        (x) =>
          `${unit(x.afterTickMs?.p99, 'ms')} at ${x.clients.toLocaleString('en-US')} (${x.missedDeliveries} missed, ${x.placementsPerSec} px/s; the gateway's own fan-out p99 ≤ ${unit(x.gatewayFanoutMs?.p99, 'ms')})`,
      ),
  },
];

/** Table rows: each figure, the peer's and the earlier Tessera's, this run's, and the target. */
export function fanoutTargets(/** @type {BenchRecord[]} */ records) {
  return ROWS.map((row) => ({
    figure: row.figure,
    PixelPlanet: row.peer,
    'Tessera before': row.before,
    'this run': row.pick(records) ?? '(not run)',
    target: row.target,
  }));
}

/** @param {BenchRecord[]} records @param {(r: BenchRecord) => boolean} match */
function find(records, match) {
  return records.find(match);
}

/** One value per wire format measured: "base64 x; binary y". */
function perFormat(/** @type {BenchRecord[]} */ records, /** @type {(r: BenchRecord) => boolean} */ match, /** @type {(r: BenchRecord) => string} */ show) {
  const hits = records.filter((x) => x.scenario === 'fanout' && match(x));
  return hits.length === 0 ? undefined : hits.map((x) => `${x.format}${x.frames === 'socket.io' ? ' (Socket.IO framing)' : ''} ${show(x)}`).join('; ');
}

function kb(/** @type {number | undefined} */ value) {
  return unit(value, 'KB');
}

function unit(/** @type {number | undefined | null} */ value, /** @type {string} */ suffix) {
  if (value === undefined || value === null || !Number.isFinite(value)) return undefined;
  const shown = Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
  return suffix ? `${shown} ${suffix}` : shown;
}
