// One batch of records for one partition, as the producer accumulates it:
// each record is encoded into the batch's own buffer as it is appended (as
// Kafka's MemoryRecordsBuilder does), so nothing per record outlives send()
// but its completion handlers and timestamp; the running size is
// the exact wire size of the uncompressed batch, so batch.size and
// max.request.size are enforced without encoding anything twice. Building
// the batch at send time only writes its header and CRC (and compresses).
//
// A record's completion is a pair (handler, reject) in two flat arrays: a
// promise's resolve and reject, or a delivery callback and null (the
// callback form of send(), which creates no promise). Completing a batch
// walks them in record order, so callbacks of one partition run in offset
// order.

import { sealBatch } from '../protocol/records/batch.js';
import { BATCH_HEADER_SIZE, CompressionType, RECORDS } from '../protocol/records/batch-header.js';
import { decodeRecords, type RecordHeader } from '../protocol/records/records.js';
import { varintSize, writeUVarint } from '../protocol/primitives.js';

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0 (the broker does not say). */
  offset: number;
  /** CreateTime (the record's timestamp) or the broker's LogAppendTime. */
  timestamp: number;
}

export type Resolve = (m: RecordMetadata) => void;
export type Reject = (e: Error) => void;
/** send()'s callback form: (null, metadata) once stored, (error) when the record failed. */
export type DeliveryCallback = (err: Error | null, metadata?: RecordMetadata) => void;
/** What completes a record: a promise's resolve, or a delivery callback when the matching reject is null. */
export type Handler = Resolve | DeliveryCallback;

/** Fails one record: rejects its promise, or calls its callback on a later tick (never inside send()). */
export function failRecord(handler: Handler, reject: Reject | null, err: Error): void {
  if (reject !== null) reject(err);
  else process.nextTick(callSafely, handler as DeliveryCallback, err, undefined);
}

/**
 * Calls a delivery callback; an exception it throws is rethrown on a later
 * tick (an uncaught exception, as from an event listener) so that it cannot
 * leave the batch half completed.
 */
function callSafely(cb: DeliveryCallback, err: Error | null, metadata: RecordMetadata | undefined): void {
  try {
    cb(err, metadata);
  } catch (e) {
    process.nextTick(rethrow, e);
  }
}

function rethrow(e: unknown): never {
  throw e;
}

/** Size of a non-negative int's zigzag varint (lengths, deltas), without a loop for the usual sizes. */
function lenSize(n: number): number {
  return n < 64 ? 1 : n < 8192 ? 2 : n < 1048576 ? 3 : varintSize(n);
}

/** The key/value/headers part of a record's encoded size. */
export function payloadSize(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]): number {
  let n = key === null ? 1 : lenSize(key.length) + key.length;
  n += value === null ? 1 : lenSize(value.length) + value.length;
  if (headers.length === 0) return n + 1;
  n += varintSize(headers.length);
  for (const h of headers) {
    const kl = Buffer.byteLength(h.key, 'utf8');
    n += varintSize(kl) + kl + (h.value == null ? 1 : varintSize(h.value.length) + h.value.length);
  }
  return n;
}

/** Encoded size of a record at `offsetDelta`, `timestampDelta` within its batch, length prefix included. */
export function recordSize(payload: number, offsetDelta: number, timestampDelta: number): number {
  const body = 1 + varintSize(timestampDelta) + varintSize(offsetDelta) + payload;
  return varintSize(body) + body;
}

/** Upper bound of a lone record's batch size, for max.request.size and buffer.memory checks. */
export function soloBatchSize(payload: number): number {
  return BATCH_HEADER_SIZE + recordSize(payload, 0, 0);
}

/**
 * A batch's buffer starts at batch.size up to this (as Kafka allocates
 * batch.size per batch), and grows by doubling beyond it.
 */
const INITIAL_CAPACITY = 65536;

/** The size a batch's buffer starts at, for a batch.size of `limit`. */
export function initialBatchCapacity(limit: number): number {
  return Math.min(INITIAL_CAPACITY, limit);
}

const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);

/** writeUVarint with integer shifts for values below 2^31 (every length and delta in practice). */
function writeVarint(buf: Buffer, at: number, v: number): number {
  if (v < 0x80) {
    buf[at] = v;
    return at + 1;
  }
  if (v > 0x7fffffff) return writeUVarint(buf, at, v);
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at] = v;
  return at + 1;
}

function writeNullableBytes(buf: Buffer, at: number, v: Buffer | null): number {
  if (v === null) {
    buf[at] = 1; // zigzag(-1)
    return at + 1;
  }
  at = writeVarint(buf, at, v.length * 2);
  buf.set(v, at); // a plain memcpy: Buffer#copy makes a view per call
  return at + v.length;
}

/**
 * Batch buffers of one size, reused once their batch is done (Kafka's
 * BufferPool): a fresh 64 KiB allocation costs page faults and external
 * memory the garbage collector must track, for every batch.
 */
export class BatchBufferPool {
  private readonly free: Buffer[] = [];
  constructor(
    /** Size of the buffers kept; others are allocated and dropped. */
    readonly size: number,
    /** Buffers kept at most. */
    readonly max: number,
  ) {}

  take(n: number): Buffer {
    if (n === this.size && this.free.length > 0) return this.free.pop()!;
    return Buffer.allocUnsafe(n);
  }

  give(b: Buffer): void {
    if (b.length === this.size && this.free.length < this.max) this.free.push(b);
  }
}

let nextBatchId = 1;

export class ProducerBatch {
  readonly id = nextBatchId++;
  /** Header room, then the records encoded so far. */
  private buf: Buffer | null = null;
  private readonly handlers: Handler[] = [];
  /** null where the handler is a delivery callback. */
  private readonly rejects: (Reject | null)[] = [];
  /** Each record's CreateTime, for its RecordMetadata. */
  private readonly timestamps: number[] = [];
  /** Exact size of the uncompressed batch on the wire. */
  sizeInBytes = BATCH_HEADER_SIZE;
  baseTimestamp = 0;
  private maxTimestampDelta = 0;
  attempts = 0;
  /** buffer.memory bytes reserved for this batch's records, returned when it is done. */
  reserved = 0;
  /** Date.now() before which a retry must not be sent. */
  retryAt = 0;
  /** Set when no more records may be added (full, or sent once). */
  closed = false;
  private built: Promise<Buffer> | null = null;
  private builtCompression = CompressionType.None;
  private settle!: () => void;
  /** Resolves (never rejects) when the batch is done either way. */
  readonly done: Promise<void> = new Promise((r) => (this.settle = r));
  finished = false;
  /** Idempotence: the producer id, epoch and base sequence stamped in the batch (-1: none yet). */
  producerId = -1;
  producerEpoch = -1;
  baseSequence = -1;
  transactional = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdMs: number,
    /** Where the batch's buffer comes from and goes back to when the batch is done. */
    private readonly pool: BatchBufferPool | null = null,
  ) {}

  get recordCount(): number {
    return this.handlers.length;
  }

  /**
   * Encodes the record at the end of the batch if it fits within `limit`
   * bytes (an empty batch takes any record); returns the bytes added, or -1.
   * `payload` is payloadSize(key, value, headers).
   */
  tryAppend(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[], timestamp: number, payload: number, handler: Handler, reject: Reject | null, limit: number): number {
    if (this.closed) return -1;
    const index = this.handlers.length;
    const td = index === 0 ? 0 : timestamp - this.baseTimestamp;
    const body = 1 + (td >= 0 ? lenSize(td) : varintSize(td)) + lenSize(index) + payload;
    const n = lenSize(body) + body;
    let at = this.sizeInBytes;
    if (index > 0 && at + n > limit) return -1;
    if (index === 0) this.baseTimestamp = timestamp;
    let buf = this.buf;
    if (buf === null || at + n > buf.length) buf = this.grow(at + n, limit);
    at = writeVarint(buf, at, body * 2);
    buf[at++] = 0; // attributes
    at = writeVarint(buf, at, zigzag(td));
    at = writeVarint(buf, at, index * 2);
    at = writeNullableBytes(buf, at, key);
    at = writeNullableBytes(buf, at, value);
    at = writeVarint(buf, at, headers.length * 2);
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      const kl = Buffer.byteLength(h.key, 'utf8');
      at = writeVarint(buf, at, kl * 2);
      at += buf.write(h.key, at, kl, 'utf8');
      at = writeNullableBytes(buf, at, h.value);
    }
    this.sizeInBytes = at;
    if (td > this.maxTimestampDelta) this.maxTimestampDelta = td;
    this.timestamps.push(timestamp);
    this.handlers.push(handler);
    this.rejects.push(reject);
    return n;
  }

  private grow(need: number, limit: number): Buffer {
    const old = this.buf;
    let cap = old === null ? initialBatchCapacity(limit) : old.length * 2;
    if (cap < need) cap = need;
    if (old !== null && cap > limit && need <= limit) cap = limit;
    const buf = this.pool !== null ? this.pool.take(cap) : Buffer.allocUnsafe(cap);
    if (old !== null) {
      old.copy(buf, 0, 0, this.sizeInBytes);
      this.pool?.give(old);
    }
    this.buf = buf;
    return buf;
  }

  /** The batch's bytes, built once (retries send the same bytes). */
  build(compression: CompressionType, level: number | undefined): Promise<Buffer> {
    this.closed = true;
    if (this.built === null) {
      this.buf ??= Buffer.allocUnsafe(BATCH_HEADER_SIZE);
      this.builtCompression = compression;
      this.built = sealBatch(this.buf, this.sizeInBytes, this.recordCount, {
        compression,
        compressionLevel: level,
        baseTimestamp: this.baseTimestamp,
        maxTimestamp: this.baseTimestamp + this.maxTimestampDelta,
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        baseSequence: this.baseSequence,
        transactional: this.transactional,
      });
    }
    return this.built;
  }

  /** Stamps the producer id, epoch and sequence (the bytes are built again). */
  setProducerState(producerId: number, epoch: number, baseSequence: number, transactional: boolean): void {
    this.producerId = producerId;
    this.producerEpoch = epoch;
    this.baseSequence = baseSequence;
    this.transactional = transactional;
    // An uncompressed batch was sealed in place: bytes handed to a socket before are left as they were.
    if (this.built !== null && this.builtCompression === CompressionType.None && this.buf !== null) this.buf = Buffer.from(this.buf.subarray(0, this.sizeInBytes));
    this.built = null;
  }

  complete(baseOffset: number, logAppendTime: number): void {
    if (this.finished) return;
    this.finished = true;
    const { topic, partition, handlers, rejects, timestamps } = this;
    for (let i = 0; i < handlers.length; i++) {
      const metadata: RecordMetadata = {
        topic,
        partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTime >= 0 ? logAppendTime : timestamps[i]!,
      };
      if (rejects[i] !== null) (handlers[i] as Resolve)(metadata);
      else callSafely(handlers[i] as DeliveryCallback, null, metadata);
    }
    this.release();
    this.settle();
  }

  fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    const { handlers, rejects } = this;
    for (let i = 0; i < handlers.length; i++) {
      const reject = rejects[i];
      if (reject != null) reject(err);
      else callSafely(handlers[i] as DeliveryCallback, err, undefined);
    }
    this.release();
    this.settle();
  }

  /** Marks the batch done without completing its records (they moved to other batches). */
  retire(): void {
    this.finished = true;
    this.settle();
  }

  /** The batch is done: its bytes were written (a response came, or the connection is gone), so its buffer may serve another. */
  private release(): void {
    if (this.buf !== null) this.pool?.give(this.buf);
    this.buf = null;
    this.built = null;
  }

  /** The records as encoded so far (keys, values and header values are views into the batch's buffer). */
  records(): { key: Buffer | null; value: Buffer | null; headers: RecordHeader[]; timestamp: number }[] {
    if (this.buf === null) return [];
    return decodeRecords(this.buf, RECORDS, this.sizeInBytes, this.recordCount).map((r, i) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: this.timestamps[i]!,
    }));
  }

  /** Two halves (for MESSAGE_TOO_LARGE from the broker), keeping record order. */
  split(): [ProducerBatch, ProducerBatch] {
    const records = this.records();
    const mid = Math.ceil(records.length / 2);
    const a = new ProducerBatch(this.topic, this.partition, this.createdMs, this.pool);
    const b = new ProducerBatch(this.topic, this.partition, this.createdMs, this.pool);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      (i < mid ? a : b).tryAppend(r.key, r.value, r.headers, r.timestamp, payloadSize(r.key, r.value, r.headers), this.handlers[i]!, this.rejects[i]!, Infinity);
    }
    a.attempts = b.attempts = this.attempts;
    a.closed = b.closed = true;
    return [a, b];
  }
}
