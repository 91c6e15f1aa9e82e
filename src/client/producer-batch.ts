// One batch of records for one partition, as the producer accumulates it:
// the records (already serialized), each one's promise, and a running wire
// size kept exact for the uncompressed batch as records are added (the same
// arithmetic as protocol/records measureRecords), so batch.size and
// max.request.size are enforced without encoding anything twice.

import { buildBatch } from '../protocol/records/batch.js';
import { BATCH_HEADER_SIZE, CompressionType } from '../protocol/records/batch-header.js';
import type { RecordHeader, RecordInput } from '../protocol/records/records.js';
import { varintSize } from '../protocol/primitives.js';

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0 (the broker does not say). */
  offset: number;
  /** CreateTime (the record's timestamp) or the broker's LogAppendTime. */
  timestamp: number;
}

export interface PreparedRecord extends RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
  /** Bytes of key, value and headers with their length prefixes: the part of the record size independent of its place. */
  payloadSize: number;
}

export interface Completion {
  resolve(m: RecordMetadata): void;
  reject(e: Error): void;
}

/** The key/value/headers part of a record's encoded size. */
export function payloadSize(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]): number {
  let n = key == null ? 1 : varintSize(key.length) + key.length;
  n += value == null ? 1 : varintSize(value.length) + value.length;
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

let nextBatchId = 1;

export class ProducerBatch {
  readonly id = nextBatchId++;
  readonly records: PreparedRecord[] = [];
  readonly completions: Completion[] = [];
  /** Exact size of the uncompressed batch on the wire. */
  sizeInBytes = BATCH_HEADER_SIZE;
  baseTimestamp = 0;
  attempts = 0;
  /** buffer.memory bytes reserved for this batch's records, returned when it is done. */
  reserved = 0;
  /** Date.now() before which a retry must not be sent. */
  retryAt = 0;
  /** Set when no more records may be added (full, or sent once). */
  closed = false;
  private built: Promise<Buffer> | null = null;
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
  ) {}

  get recordCount(): number {
    return this.records.length;
  }

  /** Size the record would add at the end of this batch. */
  sizeOf(r: PreparedRecord): number {
    const base = this.records.length === 0 ? r.timestamp : this.baseTimestamp;
    return recordSize(r.payloadSize, this.records.length, r.timestamp - base);
  }

  /** Adds the record if it fits within `limit` (an empty batch takes any record); returns the bytes added or -1. */
  tryAppend(r: PreparedRecord, c: Completion, limit: number): number {
    if (this.closed) return -1;
    const n = this.sizeOf(r);
    if (this.records.length > 0 && this.sizeInBytes + n > limit) return -1;
    if (this.records.length === 0) this.baseTimestamp = r.timestamp;
    this.records.push(r);
    this.completions.push(c);
    this.sizeInBytes += n;
    return n;
  }

  /** The batch's bytes, built once (retries send the same bytes). */
  build(compression: CompressionType, level: number | undefined): Promise<Buffer> {
    this.closed = true;
    this.built ??= buildBatch(this.records, {
      compression,
      compressionLevel: level,
      baseTimestamp: this.baseTimestamp,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: this.baseSequence,
      transactional: this.transactional,
    });
    return this.built;
  }

  /** Stamps the producer id, epoch and sequence (the bytes are built again). */
  setProducerState(producerId: number, epoch: number, baseSequence: number, transactional: boolean): void {
    this.producerId = producerId;
    this.producerEpoch = epoch;
    this.baseSequence = baseSequence;
    this.transactional = transactional;
    this.built = null;
  }

  complete(baseOffset: number, logAppendTime: number): void {
    if (this.finished) return;
    this.finished = true;
    for (let i = 0; i < this.completions.length; i++) {
      this.completions[i]!.resolve({
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTime >= 0 ? logAppendTime : this.records[i]!.timestamp,
      });
    }
    this.settle();
  }

  fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    for (const c of this.completions) c.reject(err);
    this.settle();
  }

  /** Marks the batch done without completing its records (they moved to other batches). */
  retire(): void {
    this.finished = true;
    this.settle();
  }

  /** Two halves (for MESSAGE_TOO_LARGE from the broker), keeping record order. */
  split(): [ProducerBatch, ProducerBatch] {
    const mid = Math.ceil(this.records.length / 2);
    const a = new ProducerBatch(this.topic, this.partition, this.createdMs);
    const b = new ProducerBatch(this.topic, this.partition, this.createdMs);
    for (let i = 0; i < this.records.length; i++) {
      (i < mid ? a : b).tryAppend(this.records[i]!, this.completions[i]!, Infinity);
    }
    a.attempts = b.attempts = this.attempts;
    a.closed = b.closed = true;
    return [a, b];
  }
}
