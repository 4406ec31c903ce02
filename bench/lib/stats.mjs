// Figures: a fixed-resolution latency histogram, percentiles, the load average, the output format.
import { appendFileSync, readFileSync } from 'node:fs';

/**
 * Latency histogram in milliseconds: 10 µs buckets up to `maxMs`, one overflow bucket, exact max.
 * O(1) per sample and a fixed few MB, so millions of (placement, client) pairs cost nothing.
 */
export class Histogram {
  /** @param {number} [maxMs] default 30 s */
  constructor(maxMs = 30_000) {
    this.resolution = 0.01;
    this.buckets = new Uint32Array(Math.ceil(maxMs / this.resolution) + 1);
    this.count = 0;
    this.sum = 0;
    this.max = -Infinity;
    this.min = Infinity;
  }

  /** @param {number} ms */
  add(ms, times = 1) {
    const v = ms < 0 ? 0 : ms;
    const index = Math.min(this.buckets.length - 1, Math.floor(v / this.resolution));
    this.buckets[index] += times;
    this.count += times;
    this.sum += v * times;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
  }

  /** @param {number} p 0..100 */
  percentile(p) {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return Math.min(this.max, (i + 1) * this.resolution);
    }
    return this.max;
  }

  get mean() {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** p50/p95/p99/max, rounded, for the JSON line. */
  summary(digits = 2) {
    const r = (/** @type {number} */ x) => (Number.isFinite(x) ? round(x, digits) : null);
    return { count: this.count, p50: r(this.percentile(50)), p95: r(this.percentile(95)), p99: r(this.percentile(99)), max: r(this.max) };
  }
}

/** @param {number} x @param {number} [digits] */
export function round(x, digits = 1) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** @param {number[]} values */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The 1, 5 and 15 minute load averages: other people's tests share this machine. */
export function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

let resultsFile = /** @type {string | undefined} */ (undefined);
/** Every record emitted in this run, for summaries printed at the end. */
export const emitted = /** @type {Array<Record<string, any>>} */ ([]);

/** Where `emit` appends JSON lines as well as printing them. */
export function setResultsFile(/** @type {string} */ file) {
  resultsFile = file;
}

/**
 * Prints one scenario's figures: the `BENCH {json}` line, then a readable table.
 * @param {Record<string, unknown>} record must have `scenario`
 * @param {Array<Record<string, unknown>>} [rows] table rows (objects with the same keys)
 * @param {string} [title]
 */
export function emit(record, rows, title) {
  const line = `BENCH ${JSON.stringify(record)}`;
  console.log(line);
  emitted.push(record);
  if (resultsFile) appendFileSync(resultsFile, `${JSON.stringify(record)}\n`);
  if (rows && rows.length > 0) console.log(table(rows, title));
}

/**
 * An aligned text table: numbers right-aligned, everything else left.
 * @param {Array<Record<string, unknown>>} rows
 * @param {string} [title]
 */
export function table(rows, title) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (/** @type {unknown} */ v) =>
    v === undefined || v === null ? '-' : typeof v === 'number' ? fmt(v) : typeof v === 'string' ? v : JSON.stringify(v);
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const numeric = columns.map((c) => rows.every((row) => typeof row[c] === 'number' || row[c] == null));
  const line = (/** @type {string[]} */ values) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [];
  if (title) out.push(`\n  ${title}`);
  out.push(`  ${line(columns)}`, `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of cells) out.push(`  ${line(r)}`);
  return `${out.join('\n')}\n`;
}

/** @param {number} v */
function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A one-line note to the person watching (stderr, so stdout stays figures). */
export function note(/** @type {string} */ message) {
  process.stderr.write(`  · ${message}\n`);
}
