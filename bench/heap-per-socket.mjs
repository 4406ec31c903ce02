// Debugging aid: what one idle connection holds in the gateway's heap, by constructor. Starts a
// gateway (no writer), takes a heap snapshot through the inspector with N idle clients and without,
// and prints the difference per connection.
//   node bench/heap-per-socket.mjs [clients=2000]
import { Cluster } from './lib/cluster.mjs';
import { connectMany } from './lib/sio-client.mjs';
import { sleep, table } from './lib/stats.mjs';

const count = Number(process.argv[2] ?? 2000);
const cluster = new Cluster();
await cluster.start({ writer: false, inspect: true });
await sleep(1000);
const before = await snapshot();
const { clients } = await connectMany(cluster.gatewayUrl, count, {});
await sleep(2000);
const after = await snapshot();
for (const client of clients) client.close();
await cluster.stop();

const rows = [];
let total = 0;
for (const [name, entry] of after) {
  const base = before.get(name) ?? { size: 0, count: 0 };
  const size = (entry.size - base.size) / count;
  total += size;
  if (Math.abs(size) >= 40)
    rows.push({ constructor: name.slice(0, 60), 'bytes/conn': Math.round(size), 'objects/conn': Math.round(((entry.count - base.count) / count) * 10) / 10 });
}
rows.sort((a, b) => b['bytes/conn'] - a['bytes/conn']);
console.log(table(rows.slice(0, 45), `heap per idle connection, by constructor (${count} clients): ${Math.round(total)} B in all`));
process.exit(0);

/** Self sizes by constructor name (V8 heap snapshot node types "object", "closure", …). */
async function snapshot() {
  const [target] = await (await fetch(`http://127.0.0.1:${cluster.inspectPort}/json/list`)).json();
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 2 ** 31 });
  const chunks = [];
  await new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
      ws.send(JSON.stringify({ id: 2, method: 'HeapProfiler.takeHeapSnapshot', params: { reportProgress: false } }));
    });
    ws.on('message', (data) => {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the inspector sends text frames, which ws hands over as a Buffer
      const message = JSON.parse(String(data));
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(message.params.chunk);
      if (message.id === 2) resolve(undefined);
    });
    ws.once('error', reject);
  });
  ws.close();
  const heap = JSON.parse(chunks.join(''));
  if (process.env.RETAINERS) retainers(heap, process.env.RETAINERS);
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  /** @type {Map<string, { size: number, count: number }>} */
  const out = new Map();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt]];
    const name = type === 'object' || type === 'closure' ? `${type === 'closure' ? 'closure ' : ''}${heap.strings[heap.nodes[i + nameAt]]}` : `(${type})`;
    const entry = out.get(name) ?? { size: 0, count: 0 };
    entry.size += heap.nodes[i + sizeAt];
    entry.count++;
    out.set(name, entry);
  }
  return out;
}

/** Who points at objects named `name` (owner constructor and edge name), most common first. */
function retainers(heap, name) {
  const { node_fields: nf, edge_fields: ef, edge_types: et } = heap.snapshot.meta;
  const nw = nf.length;
  const ew = ef.length;
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f));
  const edgeCountAt = nf.indexOf('edge_count');
  const nameAt = nf.indexOf('name');
  const counts = new Map();
  let edge = 0;
  for (let i = 0; i < heap.nodes.length; i += nw) {
    const owner = heap.strings[heap.nodes[i + nameAt]];
    for (let e = 0; e < heap.nodes[i + edgeCountAt]; e++, edge += ew) {
      const to = heap.edges[edge + eTo];
      if (heap.strings[heap.nodes[to + nameAt]] !== name) continue;
      const type = et[0][heap.edges[edge + eType]];
      const label = type === 'element' || type === 'hidden' ? `[${type}]` : heap.strings[heap.edges[edge + eName]];
      const key = `${owner} --${label}-->`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  console.log(
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, v]) => `  ${v}\t${k}`)
      .join('\n'),
  );
}
