// Wire helpers for the benchmark: requests encoded once up front with the
// project's own protocol definitions, a frame scanner that counts responses
// without copying them, and small statistics helpers.

import { randomFillSync } from 'node:crypto';
import { APIS, encodeRequestFrame } from '../../src/protocol/apis.js';
import { decodeResponseHeader, responseHeaderIsFlexible } from '../../src/protocol/header.js';
import { Reader } from '../../src/protocol/primitives.js';
import { buildBatch } from '../../src/protocol/records/batch.js';

export const PRODUCE = 0;
export const FETCH = 1;
export const API_VERSIONS = 18;
export const CREATE_TOPICS = 19;
export const DELETE_TOPICS = 20;

export const PRODUCE_VERSION = 9;
export const FETCH_VERSION = 12;
export const BATCH_BYTES = 16 * 1024;

/** One complete request frame (size prefix included) as a single Buffer. */
export function encodeRequest(apiKey: number, version: number, correlationId: number, body: unknown): Buffer {
  const chunks = encodeRequestFrame({ apiKey, apiVersion: version, correlationId, clientId: 'samsa-bench' }, body);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Decodes a response frame body (after the size prefix). */
export function decodeResponse<T = any>(apiKey: number, version: number, frame: Buffer): T {
  const codec = APIS.get(apiKey)!.response.forVersion(version);
  const r = new Reader(frame);
  decodeResponseHeader(r, responseHeaderIsFlexible(apiKey, codec.flexible));
  return codec.decode(r) as T;
}

export interface ProduceShape {
  /** Bytes of one record's value (no key, no headers). */
  recordSize: number;
  recordsPerBatch: number;
  /** Bytes of one batch as stored in the log. */
  batchSize: number;
}

/** Builds a batch of as many `recordSize`-byte records as fit in 16 KiB. */
export async function buildFullBatch(recordSize: number): Promise<{ batch: Buffer; shape: ProduceShape }> {
  const make = (n: number) => {
    const now = Date.now();
    const records = [];
    for (let i = 0; i < n; i++) {
      const value = Buffer.allocUnsafe(recordSize);
      randomFillSync(value);
      records.push({ value, timestamp: now });
    }
    return buildBatch(records);
  };
  let n = Math.max(1, Math.floor((BATCH_BYTES - 61) / (recordSize + 6)));
  let batch = await make(n);
  while (batch.length > BATCH_BYTES && n > 1) batch = await make(--n);
  for (;;) {
    const bigger = await make(n + 1);
    if (bigger.length > BATCH_BYTES) break;
    batch = bigger;
    n++;
  }
  return { batch, shape: { recordSize, recordsPerBatch: n, batchSize: batch.length } };
}

/**
 * A pool of pre-encoded Produce v9 requests, each carrying one 16 KiB batch
 * for every partition. The broker runs in another process, so the buffers
 * are never patched under us and can be written again and again; the pool
 * only keeps the data from being one repeated batch.
 */
export async function buildProducePool(
  topic: string,
  partitions: number,
  recordSize: number,
  acks: number,
  poolSize: number,
): Promise<{ requests: Buffer[]; shape: ProduceShape }> {
  const requests: Buffer[] = [];
  let shape: ProduceShape | undefined;
  for (let i = 0; i < poolSize; i++) {
    const partitionData = [];
    for (let p = 0; p < partitions; p++) {
      const b = await buildFullBatch(recordSize);
      if (shape && (b.shape.batchSize !== shape.batchSize || b.shape.recordsPerBatch !== shape.recordsPerBatch)) {
        throw new Error('batches of one pool differ in shape');
      }
      shape = b.shape;
      partitionData.push({ index: p, records: b.batch });
    }
    requests.push(
      encodeRequest(PRODUCE, PRODUCE_VERSION, i + 1, {
        transactionalId: null,
        acks,
        timeoutMs: 30000,
        topicData: [{ name: topic, partitionData }],
      }),
    );
  }
  return { requests, shape: shape! };
}

/** A Fetch v12 request for one partition at one offset. */
export function encodeFetch(topic: string, partition: number, fetchOffset: number, maxBytes: number, correlationId: number): Buffer {
  return encodeRequest(FETCH, FETCH_VERSION, correlationId, {
    clusterId: null,
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          { partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
}

/**
 * Splits a byte stream into size-prefixed frames without copying: `onFrame`
 * gets each frame's size, and its body only when `wantBody()` said so at the
 * frame's start.
 */
export class FrameScanner {
  private readonly header = Buffer.alloc(4);
  private headerHave = 0;
  private inBody = false;
  private remaining = 0;
  private size = 0;
  private parts: Buffer[] | null = null;

  constructor(
    private readonly onFrame: (size: number, body: Buffer | null) => void,
    private readonly wantBody: () => boolean = () => false,
    /** Copy body bytes (for chunks whose buffer is reused by the next read). */
    private readonly copyParts = false,
  ) {}

  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (!this.inBody) {
        const take = Math.min(4 - this.headerHave, n - i);
        chunk.copy(this.header, this.headerHave, i, i + take);
        this.headerHave += take;
        i += take;
        if (this.headerHave < 4) return;
        this.headerHave = 0;
        this.size = this.remaining = this.header.readInt32BE(0);
        this.parts = this.wantBody() ? [] : null;
        this.inBody = true;
        if (this.remaining === 0) this.emit();
        continue;
      }
      const take = Math.min(this.remaining, n - i);
      if (this.parts) this.parts.push(this.copyParts ? Buffer.from(chunk.subarray(i, i + take)) : chunk.subarray(i, i + take));
      this.remaining -= take;
      i += take;
      if (this.remaining === 0) this.emit();
    }
  }

  private emit(): void {
    this.inBody = false;
    const parts = this.parts;
    this.parts = null;
    this.onFrame(this.size, parts ? (parts.length === 1 ? parts[0]! : Buffer.concat(parts)) : null);
  }
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile of a sorted sample, p in [0, 100]. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
