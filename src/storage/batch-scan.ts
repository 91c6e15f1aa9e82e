// Walking record batches inside a segment's .log file without decoding them.
//
// A .log file is record batches (magic 2) back to back, exactly as on the wire
// (see protocol/records/batch-header.ts for the 61-byte header):
//
//   batch:  baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 |
//           magic int8 (=2) | crc uint32 (CRC32C of attributes..end) | attributes int16 |
//           lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//           producerId int64 | producerEpoch int16 | baseSequence int32 |
//           recordsCount int32 | records...
//   record (only read for timestamp searches, uncompressed or via a Decompressor):
//           length varint | attributes int8 | timestampDelta varlong |
//           offsetDelta varint | key | value | headers
//
// BatchCursor reads the file in chunks and hands out batch headers and byte
// ranges; it is used by reads (header-only walking) and by recovery (whole
// batches, CRC-checked).

import {
  ATTRIBUTES,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  RECORDS,
  RECORDS_COUNT,
  TIMESTAMP_TYPE_MASK,
  BASE_TIMESTAMP,
} from '../protocol/records/batch-header.js';
import { readInt64, Reader } from '../protocol/primitives.js';
import { crc32c } from '../protocol/records/crc32c.js';
import { CorruptRecordError } from './errors.js';
import type { Decompressor } from './log-config.js';

export interface BatchInfo {
  /** Byte position of the batch in the file. */
  position: number;
  /** Total size including the 12-byte offset/length prefix. */
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  partitionLeaderEpoch: number;
  recordsCount: number;
}

export type ReadAtFn = (position: number, length: number) => Promise<Buffer>;

/** Smallest legal batchLength: the header after the length field, with no records. */
export const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;

export function parseHeader(buf: Buffer, at: number, position: number): BatchInfo {
  const baseOffset = readInt64(buf, at);
  return {
    position,
    size: buf.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD,
    baseOffset,
    lastOffset: baseOffset + buf.readInt32BE(at + LAST_OFFSET_DELTA),
    maxTimestamp: readInt64(buf, at + MAX_TIMESTAMP),
    partitionLeaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH),
    recordsCount: buf.readInt32BE(at + RECORDS_COUNT),
  };
}

/**
 * Why the batch header at `at` is not acceptable, or null if it is: batchLength
 * too small or running past `available` bytes, wrong magic, negative
 * lastOffsetDelta.
 */
export function headerProblem(buf: Buffer, at: number, available: number): string | null {
  if (available < BATCH_HEADER_SIZE) return `only ${available} bytes left, less than a batch header`;
  const len = buf.readInt32BE(at + BATCH_LENGTH);
  if (len < MIN_BATCH_LENGTH) return `batch length ${len} is below the minimum ${MIN_BATCH_LENGTH}`;
  if (len + LOG_OVERHEAD > available) return `batch length ${len} runs past the end (${available} bytes left)`;
  const magic = buf.readInt8(at + MAGIC);
  if (magic !== 2) return `unsupported magic ${magic}`;
  if (buf.readInt32BE(at + LAST_OFFSET_DELTA) < 0) return 'negative lastOffsetDelta';
  return null;
}

/** Does the stored CRC32C match bytes attributes..end of the batch at `at`? */
export function crcValid(buf: Buffer, at: number, size: number): boolean {
  return buf.readUInt32BE(at + CRC) === crc32c(buf, at + ATTRIBUTES, at + size) >>> 0;
}

/** Reads a file (or a window of it) in chunks and hands out batch headers and byte ranges. */
export class BatchCursor {
  private buf: Buffer = Buffer.alloc(0);
  private bufPos = 0;

  constructor(
    private readonly readAt: ReadAtFn,
    /** End of the readable region (exclusive). */
    readonly end: number,
    /** Minimum bytes fetched per read. */
    public readAhead: number,
  ) {}

  /** Make [pos, pos+len) available and return the buffer holding it with the index of pos. */
  async window(pos: number, len: number): Promise<{ buf: Buffer; at: number }> {
    if (pos >= this.bufPos && pos + len <= this.bufPos + this.buf.length) {
      return { buf: this.buf, at: pos - this.bufPos };
    }
    const n = Math.min(Math.max(len, this.readAhead), this.end - pos);
    const got = await this.readAt(pos, n);
    this.buf = got;
    this.bufPos = pos;
    if (got.length < len) throw new CorruptRecordError(`short read at ${pos}: wanted ${len} bytes, got ${got.length}`);
    return { buf: got, at: 0 };
  }

  /**
   * The header of the batch at `pos`; null at the end of the region. Throws
   * CorruptRecordError when the header is malformed or the batch runs past the end.
   */
  async header(pos: number): Promise<BatchInfo | null> {
    if (pos >= this.end) return null;
    const avail = this.end - pos;
    if (avail < BATCH_HEADER_SIZE) throw new CorruptRecordError(`truncated batch header at position ${pos}`);
    const { buf, at } = await this.window(pos, BATCH_HEADER_SIZE);
    const problem = headerProblem(buf, at, avail);
    if (problem) throw new CorruptRecordError(`invalid batch at position ${pos}: ${problem}`);
    return parseHeader(buf, at, pos);
  }

  /** Bytes [start, end) of the file: a view when already buffered, else one fresh read. */
  async bytes(start: number, end: number): Promise<Buffer> {
    const { buf, at } = await this.window(start, end - start);
    return buf.subarray(at, at + (end - start));
  }
}

export interface RecordHit {
  offset: number;
  timestamp: number;
}

/**
 * The records section of a batch (bytes 61..end), decompressed when needed;
 * null when it is compressed and no decompressor is available.
 */
async function recordsSection(batch: Buffer, decompress?: Decompressor): Promise<Buffer | null> {
  const compression = batch.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK;
  const raw = batch.subarray(RECORDS);
  if (compression === 0) return raw;
  if (!decompress) return null;
  return await decompress(compression, raw);
}

/**
 * Visit each record's (offset, timestamp) in a whole batch (starting at index
 * 0 of `batch`); stops when `visit` returns true. Returns false if the records
 * could not be read (compressed without a decompressor).
 */
async function forEachRecord(
  batch: Buffer,
  decompress: Decompressor | undefined,
  visit: (offset: number, timestamp: number) => boolean,
): Promise<boolean> {
  const records = await recordsSection(batch, decompress);
  if (records === null) return false;
  const baseOffset = readInt64(batch, 0);
  const logAppendTime = (batch.readInt16BE(ATTRIBUTES) & TIMESTAMP_TYPE_MASK) !== 0;
  const baseTimestamp = readInt64(batch, BASE_TIMESTAMP);
  const maxTimestamp = readInt64(batch, MAX_TIMESTAMP);
  const count = batch.readInt32BE(RECORDS_COUNT);
  const r = new Reader(records);
  for (let i = 0; i < count && r.remaining > 0; i++) {
    const len = r.varint();
    const start = r.offset;
    r.int8(); // attributes
    const tsDelta = r.varlong();
    const offsetDelta = r.varint();
    const ts = logAppendTime ? maxTimestamp : baseTimestamp + tsDelta;
    if (visit(baseOffset + offsetDelta, ts)) return true;
    r.offset = start;
    r.skip(len);
  }
  return true;
}

/**
 * First record of `batch` with timestamp >= target and offset >= startingOffset.
 * Without a way to read the records, falls back to the batch level:
 * (max(baseOffset, startingOffset), maxTimestamp).
 */
export async function searchBatchForTimestamp(
  batch: Buffer,
  target: number,
  startingOffset: number,
  decompress?: Decompressor,
): Promise<RecordHit | null> {
  let hit: RecordHit | null = null;
  const readable = await forEachRecord(batch, decompress, (offset, timestamp) => {
    if (timestamp >= target && offset >= startingOffset) {
      hit = { offset, timestamp };
      return true;
    }
    return false;
  });
  if (!readable) {
    return { offset: Math.max(readInt64(batch, 0), startingOffset), timestamp: readInt64(batch, MAX_TIMESTAMP) };
  }
  return hit;
}

/** Offset of the first record carrying the batch's maxTimestamp (fallback: the batch's last offset). */
export async function offsetOfMaxTimestamp(batch: Buffer, decompress?: Decompressor): Promise<number> {
  const max = readInt64(batch, MAX_TIMESTAMP);
  let found = -1;
  const readable = await forEachRecord(batch, decompress, (offset, timestamp) => {
    if (timestamp === max) {
      found = offset;
      return true;
    }
    return false;
  });
  if (!readable || found < 0) return readInt64(batch, 0) + batch.readInt32BE(LAST_OFFSET_DELTA);
  return found;
}
