// Test-only helpers for the storage tests: temporary directories, a config
// factory, and a tiny record batch v2 builder (uncompressed, correct CRC32C
// computed with @node-rs/crc32 directly, independent of Samsa's own code).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import type { LogConfig } from '../../../src/storage/log-config.js';
import type { AppendCallback } from '../../../src/storage/log.js';
import type { LogProducerState, StateAppendResult } from '../../../src/storage/log-producer-state.js';
import type { AppendOrigin } from '../../../src/storage/producer-state-manager.js';

export function tmpDir(prefix = 'samsa-storage-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return {
    segmentBytes: 1024 * 1024,
    segmentMs: 7 * 24 * 3600 * 1000,
    indexIntervalBytes: 4096,
    segmentIndexBytes: 10485760,
    flushIntervalMessages: Infinity,
    flushIntervalMs: Infinity,
    ...overrides,
  };
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const varint = (n: number) => uvarint(zigzag(n));

export interface TestRecord {
  key?: Buffer | null;
  value: Buffer | null;
  /** Absolute timestamp; default: the batch's baseTimestamp. */
  timestamp?: number;
}

export interface BuildOptions {
  baseOffset?: number;
  baseTimestamp?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  attributes?: number;
  /** gzip the records section (attributes compression = 1). */
  gzip?: boolean;
}

/** One uncompressed v2 batch holding `records`, CRC included. */
export function buildBatch(records: TestRecord[], opts: BuildOptions = {}): Buffer {
  const baseTs = opts.baseTimestamp ?? (records[0]?.timestamp ?? 1_700_000_000_000);
  let maxTs = -1;
  const recs: Buffer[] = [];
  records.forEach((r, i) => {
    const ts = r.timestamp ?? baseTs;
    maxTs = Math.max(maxTs, ts);
    const key = r.key ?? null;
    const body = Buffer.concat([
      Buffer.from([0]),
      Buffer.from(varint(ts - baseTs)),
      Buffer.from(varint(i)),
      Buffer.from(varint(key ? key.length : -1)),
      key ?? Buffer.alloc(0),
      Buffer.from(varint(r.value ? r.value.length : -1)),
      r.value ?? Buffer.alloc(0),
      Buffer.from(varint(0)),
    ]);
    recs.push(Buffer.concat([Buffer.from(varint(body.length)), body]));
  });
  const recordBytes = opts.gzip ? zlib.gzipSync(Buffer.concat(recs)) : Buffer.concat(recs);
  const b = Buffer.alloc(61 + recordBytes.length);
  b.writeBigInt64BE(BigInt(opts.baseOffset ?? 0), 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(opts.partitionLeaderEpoch ?? -1, 12);
  b.writeInt8(2, 16);
  b.writeInt16BE((opts.attributes ?? 0) | (opts.gzip ? 1 : 0), 21);
  b.writeInt32BE(records.length - 1, 23);
  b.writeBigInt64BE(BigInt(baseTs), 27);
  b.writeBigInt64BE(BigInt(maxTs), 35);
  b.writeBigInt64BE(BigInt(opts.producerId ?? -1), 43);
  b.writeInt16BE(opts.producerEpoch ?? -1, 51);
  b.writeInt32BE(opts.baseSequence ?? -1, 53);
  b.writeInt32BE(records.length, 57);
  recordBytes.copy(b, 61);
  b.writeUInt32BE(crc32c(b.subarray(21)) >>> 0, 17);
  return b;
}

/** A batch of `count` records whose values are `size`-byte strings tagged with `tag`. */
export function batchOf(count: number, size = 100, tag = 'v', timestamp = 1_700_000_000_000): Buffer {
  const recs: TestRecord[] = [];
  for (let i = 0; i < count; i++) {
    const v = Buffer.alloc(size, 'x');
    v.write(`${tag}-${i}`);
    recs.push({ value: v, timestamp });
  }
  return buildBatch(recs);
}

export interface ParsedBatch {
  baseOffset: number;
  lastOffset: number;
  size: number;
  maxTimestamp: number;
  partitionLeaderEpoch: number;
}

/** Split bytes into batch headers (no validation beyond lengths). */
export function splitBatches(bufs: Buffer[] | Buffer): ParsedBatch[] {
  const buf = Buffer.isBuffer(bufs) ? bufs : Buffer.concat(bufs);
  const out: ParsedBatch[] = [];
  for (let at = 0; at + 12 <= buf.length; ) {
    const size = buf.readInt32BE(at + 8) + 12;
    const baseOffset = Number(buf.readBigInt64BE(at));
    out.push({
      baseOffset,
      lastOffset: baseOffset + buf.readInt32BE(at + 23),
      size,
      maxTimestamp: Number(buf.readBigInt64BE(at + 35)),
      partitionLeaderEpoch: buf.readInt32BE(at + 12),
    });
    at += size;
  }
  return out;
}

/** LogProducerState.append with the write's outcome as a Promise (`written`; it never settles for a duplicate). */
export function appendToState(
  state: LogProducerState,
  records: Buffer,
  origin: AppendOrigin,
): StateAppendResult & { written: Promise<void> } {
  let done!: AppendCallback;
  const written = new Promise<void>((resolve, reject) => {
    done = (err) => (err ? reject(err) : resolve());
  });
  written.catch(() => {});
  return { ...state.append(records, origin, done), written };
}
