/**
 * Every placement of a time range as a dataset, in the shape r/place 2023 published: one row per
 * player placement (a single pixel) and one row per admin rectangle (a rollback), with the user
 * replaced by a salted hash. Written as CSV or Parquet to a file as the history is read, one
 * batch at a time, so an event of millions of rows never sits in memory whole.
 *
 * Columns: timestamp_ms (int64, epoch ms), user_hash (HMAC-SHA-256 of the user id under the
 * salt, 32 hex digits), x, y (int32), x2, y2 (int32, empty for a pixel: an admin rectangle
 * covers x…x2 × y…y2 inclusive), color_hex (`#rrggbb`), color_index (int32).
 */
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { Int32, makeVector, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import type { HistoryEvent } from './history-format.js';
import { DatasetFormat, isAdminUser, type DatasetRequest } from './history-job-types.js';
import { positionBefore, type HistorySource } from './history-replay.js';

export interface DatasetRow {
  readonly timestampMs: number;
  readonly userHash: string;
  readonly x: number;
  readonly y: number;
  /** Set only for an admin rectangle. */
  readonly x2?: number;
  readonly y2?: number;
  readonly colorHex: string;
  readonly colorIndex: number;
}

export const DATASET_COLUMNS = ['timestamp_ms', 'user_hash', 'x', 'y', 'x2', 'y2', 'color_hex', 'color_index'] as const;

/** Rows per Parquet row group (and per CSV write). */
const BATCH_ROWS = 65_536;

export function hashUser(salt: string, userId: string): string {
  return createHmac('sha256', salt).update(userId).digest('hex').slice(0, 32);
}

/**
 * Turns history events into rows. Consecutive admin events of one admin and one colour that fill
 * a rectangle (a rollback rewrites a band of rows inside one chunk per script, pixel by pixel)
 * become one rectangle row; the rectangles cover exactly the pixels the events changed.
 */
export function createRowBuilder(options: { salt: string; palette: readonly string[] }): {
  push(event: HistoryEvent): DatasetRow[];
  flush(): DatasetRow[];
} {
  const { salt, palette } = options;
  const hashes = new Map<string, string>();
  const hash = (userId: string): string => {
    let value = hashes.get(userId);
    if (value === undefined) {
      value = hashUser(salt, userId);
      if (hashes.size < 1_000_000) hashes.set(userId, value);
    }
    return value;
  };
  const colorOf = (index: number): string => palette[index] ?? palette[0] ?? '#000000';
  interface Box {
    userId: string;
    color: number;
    timestampMs: number;
    x: number;
    x2: number;
    y: number;
    y2: number;
  }
  // `rect`: the rectangle so far (whole rows); `span`: the row being extended, of the same admin and colour.
  let rect: Box | undefined;
  let span: Box | undefined;
  const row = (box: Box): DatasetRow => ({
    timestampMs: box.timestampMs,
    userHash: hash(box.userId),
    x: box.x,
    y: box.y,
    x2: box.x2,
    y2: box.y2,
    colorHex: colorOf(box.color),
    colorIndex: box.color,
  });
  /** Folds the finished span into the rectangle when it is the rectangle's next row; returns a rectangle that ended. */
  const settle = (): DatasetRow[] => {
    if (!span) return [];
    const finished = span;
    span = undefined;
    if (rect?.x === finished.x && finished.x2 === rect.x2 && finished.y === rect.y2 + 1) {
      rect.y2 = finished.y;
      return [];
    }
    const ended = rect ? [row(rect)] : [];
    rect = finished;
    return ended;
  };
  const close = (): DatasetRow[] => {
    const out = settle();
    if (rect) out.push(row(rect));
    rect = undefined;
    return out;
  };

  return {
    push(event) {
      if (!isAdminUser(event.userId)) {
        return [
          ...close(),
          { timestampMs: event.position.ms, userHash: hash(event.userId), x: event.x, y: event.y, colorHex: colorOf(event.color), colorIndex: event.color },
        ];
      }
      const current = span ?? rect;
      const out = current && (current.userId !== event.userId || current.color !== event.color) ? close() : [];
      if (span?.y === event.y && event.x === span.x2 + 1) {
        span.x2 = event.x;
        return out;
      }
      out.push(...settle());
      span = { userId: event.userId, color: event.color, timestampMs: event.position.ms, x: event.x, x2: event.x, y: event.y, y2: event.y };
      return out;
    },
    flush: close,
  };
}

/** Reads the rows of a range in batches of about BATCH_ROWS. */
export async function* datasetRows(
  source: HistorySource,
  request: Pick<DatasetRequest, 'from' | 'to'>,
  salt: string,
  progress?: (fraction: number) => void,
  onGap?: () => void,
): AsyncGenerator<DatasetRow[]> {
  const palette = (await source.palette(request.to)) ?? [];
  const builder = createRowBuilder({ salt, palette });
  let rows: DatasetRow[] = [];
  for await (const batch of source.events(positionBefore(request.from), request.to, onGap)) {
    for (const event of batch) {
      if (event.position.ms < request.from) continue;
      for (const row of builder.push(event)) rows.push(row);
    }
    if (rows.length >= BATCH_ROWS) {
      yield rows;
      rows = [];
    }
    const last = batch[batch.length - 1];
    if (last && request.to > request.from) progress?.(Math.min(0.95, (last.position.ms - request.from) / (request.to - request.from)));
  }
  rows.push(...builder.flush());
  if (rows.length > 0) yield rows;
}

export interface DatasetOutcome {
  readonly rows: number;
  readonly bytes: number;
}

/** Writes the dataset to `outputFile`. */
export async function writeDataset(rows: AsyncIterable<DatasetRow[]>, format: DatasetFormat, outputFile: string): Promise<DatasetOutcome> {
  const count = format === DatasetFormat.Csv ? await writeCsv(rows, outputFile) : await writeParquet(rows, outputFile);
  return { rows: count, bytes: (await stat(outputFile)).size };
}

async function writeCsv(rows: AsyncIterable<DatasetRow[]>, outputFile: string): Promise<number> {
  const file = createWriteStream(outputFile);
  const failed = once(file, 'error').then(([error]) => {
    throw error;
  });
  failed.catch(() => undefined);
  const write = async (text: string): Promise<void> => {
    if (!file.write(text)) await Promise.race([once(file, 'drain'), failed]);
  };
  let count = 0;
  await write(`${DATASET_COLUMNS.join(',')}\n`);
  for await (const batch of rows) {
    // Every field is a number, a hex hash or a #rrggbb colour: nothing needs quoting.
    let text = '';
    for (const row of batch) text += `${row.timestampMs},${row.userHash},${row.x},${row.y},${row.x2 ?? ''},${row.y2 ?? ''},${row.colorHex},${row.colorIndex}\n`;
    await write(text);
    count += batch.length;
  }
  file.end();
  await Promise.race([once(file, 'finish'), failed]);
  return count;
}

async function writeParquet(rows: AsyncIterable<DatasetRow[]>, outputFile: string): Promise<number> {
  let count = 0;
  const iterator = rows[Symbol.asyncIterator]();
  const batches = new ReadableStream<parquet.RecordBatch>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) {
        controller.close();
        return;
      }
      count += next.value.length;
      controller.enqueue(toRecordBatch(next.value));
    },
  });
  const properties = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.SNAPPY).build();
  const bytes = await parquet.transformParquetStream(batches, properties);
  await (bytes as ReadableStream<Uint8Array>).pipeTo(Writable.toWeb(createWriteStream(outputFile)) as WritableStream<Uint8Array>);
  return count;
}

/** One batch of rows as a record batch in parquet-wasm's memory (through Arrow IPC). */
function toRecordBatch(batch: readonly DatasetRow[]): parquet.RecordBatch {
  const table = new Table({
    // Typed arrays become Arrow vectors without a builder: most of the columns, most of the time.
    timestamp_ms: makeVector(BigInt64Array.from(batch, (row) => BigInt(row.timestampMs))),
    user_hash: vectorFromArray(
      batch.map((row) => row.userHash),
      new Utf8(),
    ),
    x: makeVector(Int32Array.from(batch, (row) => row.x)),
    y: makeVector(Int32Array.from(batch, (row) => row.y)),
    x2: vectorFromArray(
      batch.map((row) => row.x2 ?? null),
      new Int32(),
    ),
    y2: vectorFromArray(
      batch.map((row) => row.y2 ?? null),
      new Int32(),
    ),
    color_hex: vectorFromArray(
      batch.map((row) => row.colorHex),
      new Utf8(),
    ),
    color_index: makeVector(Int32Array.from(batch, (row) => row.colorIndex)),
  });
  const wasmTable = parquet.Table.fromIPCStream(tableToIPC(table, 'stream'));
  const recordBatch = wasmTable.recordBatch(0);
  if (!recordBatch) throw new Error('an empty record batch');
  return recordBatch;
}
