// Record batch v2 as a whole: validation of what producers send (header
// fields, CRC32C, and for uncompressed batches a zero-allocation walk of the
// records), the header patches Kafka's broker makes (LogAppendTime), building
// batches, re-compressing them, and decoding them for clients and tools.
// Header layout: batch-header.ts. Record layout: records.ts.
//
// Batches stay opaque Buffers on the broker's hot path: validateBatches reads
// headers and walks records in place; recompressBatch moves the records
// section from one codec to another without decoding a single record.
//
// Where this differs from Apache Kafka on purpose:
//  - Only magic 2 here: magic 0/1 entries are refused with INVALID_RECORD
//    (what Kafka answers for them in Produce v3+). Produce v0-v2 message sets
//    are up-converted to a v2 batch before they get here (legacy.ts).
//  - Bytes after the last whole batch are an error (Kafka silently trims
//    them), unless allowTruncatedTail asks for fetch-response leniency.
//  - An uncompressed record whose offsetDelta exceeds the batch's
//    lastOffsetDelta is refused (Kafka does not look).

import { writeInt64 } from '../primitives.js';
import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  CRC,
  CompressionType,
  DELETE_HORIZON_FLAG,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAGIC_V2,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS,
  RECORDS_COUNT,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG,
  TimestampType,
  baseOffset as readBaseOffset,
  baseTimestamp as readBaseTimestamp,
  maxTimestamp as readMaxTimestamp,
  producerId as readProducerId,
} from './batch-header.js';
import { compress, decompress, DEFAULT_MAX_DECOMPRESSED_SIZE, payloadMismatch } from './compression.js';
import { crc32c } from './crc32c.js';
import {
  CorruptRecordError,
  DecompressionError,
  InvalidRecordError,
  RecordTooLargeError,
  UnsupportedCompressionTypeError,
  UnsupportedMagicError,
} from './errors.js';
import {
  decodeRecords,
  measureRecords,
  walkRecords,
  writeRecords,
  type Record,
  type RecordInput,
  type RecordsSummary,
} from './records.js';

/** Bytes needed to read a batch's magic (offset, length, epoch, magic). */
const HEADER_UP_TO_MAGIC = MAGIC + 1;
/** Smallest legacy (magic 0) message after its offset/size prefix: below this nothing can be a batch. */
const LEGACY_RECORD_OVERHEAD_V0 = 14;

/** One batch found by validateBatches. */
export interface BatchInfo {
  /** Position of the batch in the validated buffer. */
  offset: number;
  /** Bytes of the whole batch, the 12-byte offset/length prefix included. */
  size: number;
  baseOffset: number;
  partitionLeaderEpoch: number;
  recordsCount: number;
  lastOffsetDelta: number;
  compression: CompressionType;
  timestampType: TimestampType;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  isControl: boolean;
  /** Present when the records were walked: always for uncompressed batches, never for compressed ones. */
  records?: RecordsSummary;
}

export interface ValidateOptions {
  /**
   * Apply Kafka's checks for batches appended by clients (default true):
   * baseOffset 0, at least one record, lastOffsetDelta + 1 === recordsCount,
   * no control batches, a sequence number when there is a producer id.
   * Without it (replication, reading logs) compacted batches are allowed:
   * fewer records than the offset range, even none.
   */
  fromClient?: boolean;
  /** Largest batch accepted (the topic's max.message.bytes): RecordTooLargeError beyond. */
  maxBatchSize?: number;
  /** Produce v3+ allows exactly one batch per partition: InvalidRecordError for more. */
  singleBatch?: boolean;
  /** Stop quietly at an incomplete last batch instead of throwing (fetch responses end that way). */
  allowTruncatedTail?: boolean;
}

/**
 * Validates the record batches in `buf` (a Produce request's records field,
 * or a log slice) and returns what their headers say. Throws a
 * CorruptRecordError subclass, carrying the Kafka error code, on the first
 * problem. Compressed batches get header-level checks only; see deepValidateBatch.
 */
export function validateBatches(buf: Buffer, opts: ValidateOptions = {}): BatchInfo[] {
  const fromClient = opts.fromClient ?? true;
  const out: BatchInfo[] = [];
  let at = 0;
  while (at < buf.length) {
    const left = buf.length - at;
    if (left < LOG_OVERHEAD) {
      if (opts.allowTruncatedTail) break;
      throw new CorruptRecordError(`${left} trailing bytes after the last record batch`);
    }
    // Kafka's order (ByteBufferLogInputStream): size against the smallest legacy message, then magic
    const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
    const size = batchLength + LOG_OVERHEAD;
    if (batchLength < LEGACY_RECORD_OVERHEAD_V0) {
      throw new CorruptRecordError(`record size ${batchLength} is less than the minimum record overhead`);
    }
    if (left < HEADER_UP_TO_MAGIC) {
      if (opts.allowTruncatedTail) break;
      throw new CorruptRecordError(`record batch truncated: ${left} bytes left`);
    }
    const magic = buf.readInt8(at + MAGIC);
    if (magic !== MAGIC_V2) throw new UnsupportedMagicError(magic);
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
      throw new CorruptRecordError(`record batch size ${size} is less than the minimum batch overhead ${BATCH_HEADER_SIZE}`);
    }
    if (size > left) {
      if (opts.allowTruncatedTail) break;
      throw new CorruptRecordError(`record batch of ${size} bytes is truncated: only ${left} bytes left`);
    }
    if (opts.maxBatchSize !== undefined && size > opts.maxBatchSize) {
      throw new RecordTooLargeError(`record batch of ${size} bytes exceeds the maximum of ${opts.maxBatchSize}`);
    }
    if (opts.singleBatch && out.length === 1) {
      throw new InvalidRecordError('only one record batch per partition is allowed');
    }
    const stored = buf.readUInt32BE(at + CRC);
    const computed = crc32c(buf, at + ATTRIBUTES, at + size);
    if (stored !== computed) {
      throw new CorruptRecordError(`record batch is corrupt (stored crc = ${stored}, computed crc = ${computed})`);
    }
    out.push(checkBatch(buf, at, size, fromClient));
    at += size;
  }
  if (out.length === 0 && !opts.allowTruncatedTail) throw new InvalidRecordError('no record batch at all');
  return out;
}

/** Everything after the CRC: attributes, counts, and the records (walked when uncompressed). */
function checkBatch(buf: Buffer, at: number, size: number, fromClient: boolean): BatchInfo {
  const info = headerInfo(buf, at, size);
  const compression = info.compression;
  checkCounts(info, fromClient);
  const start = at + RECORDS;
  const end = at + size;
  if (compression === CompressionType.None) {
    info.records = walkRecords(buf, start, end, info.recordsCount);
    checkOffsetDeltas(info, info.records);
  } else if (info.recordsCount > 0 || end > start) {
    const reason = payloadMismatch(compression, buf.subarray(start, end));
    if (reason) throw new DecompressionError(`record batch payload: ${reason}`);
  }
  return info;
}

function checkCounts(info: BatchInfo, fromClient: boolean): void {
  const { recordsCount: count, lastOffsetDelta: last } = info;
  if (count < 0) throw new InvalidRecordError(`invalid record count ${count}`);
  if (fromClient) {
    if (info.baseOffset !== 0) {
      throw new InvalidRecordError(`the baseOffset of a record batch appended by a client should be 0, but it is ${info.baseOffset}`);
    }
    if (count === 0) throw new InvalidRecordError('invalid reported count for record batch: 0');
    if (last + 1 !== count) {
      throw new InvalidRecordError(`inconsistent batch offset range [0, ${last}] and count of records ${count}`);
    }
    if (info.isControl) throw new InvalidRecordError('clients are not allowed to write control records');
    if (info.producerId >= 0 && info.baseSequence < 0) {
      throw new InvalidRecordError(`invalid sequence number ${info.baseSequence} in record batch with producerId ${info.producerId}`);
    }
  } else if (count > 0 && (last < count - 1 || last < 0)) {
    throw new InvalidRecordError(`lastOffsetDelta ${last} cannot cover ${count} records`);
  }
}

function checkOffsetDeltas(info: BatchInfo, s: RecordsSummary): void {
  if (s.count > 0 && s.maxOffsetDelta > info.lastOffsetDelta) {
    throw new InvalidRecordError(`record offsetDelta ${s.maxOffsetDelta} is beyond the batch's lastOffsetDelta ${info.lastOffsetDelta}`);
  }
}

/** Reads one batch's header (no validation beyond what's needed to read it). */
export function readBatchInfo(batch: Buffer, at = 0): BatchInfo {
  if (batch.length - at < BATCH_HEADER_SIZE) throw new CorruptRecordError('record batch shorter than its header');
  const magic = batch.readInt8(at + MAGIC);
  if (magic !== MAGIC_V2) throw new UnsupportedMagicError(magic);
  const size = batch.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
  if (size < BATCH_HEADER_SIZE || size > batch.length - at) {
    throw new CorruptRecordError(`record batch size ${size} does not fit the ${batch.length - at} bytes given`);
  }
  return headerInfo(batch, at, size);
}

function headerInfo(batch: Buffer, at: number, size: number): BatchInfo {
  const attributes = batch.readInt16BE(at + ATTRIBUTES);
  const compression = (attributes & COMPRESSION_MASK) as CompressionType;
  if (compression > CompressionType.Zstd) throw new UnsupportedCompressionTypeError(compression);
  return {
    offset: at,
    size,
    baseOffset: readBaseOffset(batch, at),
    partitionLeaderEpoch: batch.readInt32BE(at + PARTITION_LEADER_EPOCH),
    recordsCount: batch.readInt32BE(at + RECORDS_COUNT),
    lastOffsetDelta: batch.readInt32BE(at + LAST_OFFSET_DELTA),
    compression,
    timestampType: attributes & TIMESTAMP_TYPE_MASK ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    baseTimestamp: readBaseTimestamp(batch, at),
    maxTimestamp: readMaxTimestamp(batch, at),
    producerId: readProducerId(batch, at),
    producerEpoch: batch.readInt16BE(at + PRODUCER_EPOCH),
    baseSequence: batch.readInt32BE(at + BASE_SEQUENCE),
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
  };
}

export interface DeepValidateOptions {
  /** Refuse payloads that decompress to more than this (default 256 MiB). */
  maxDecompressedSize?: number;
}

/**
 * Decompresses one batch's records and walks them (count, lengths, offset
 * deltas). Returns the summary and the uncompressed records section (a view
 * into `batch` when it is not compressed). The CRC is not checked here.
 */
export async function deepValidateBatch(
  batch: Buffer,
  at = 0,
  opts: DeepValidateOptions = {},
): Promise<{ info: BatchInfo; summary: RecordsSummary; records: Buffer }> {
  const info = readBatchInfo(batch, at);
  checkCounts(info, false);
  const records = await recordsSection(batch, info, opts);
  const summary = walkRecords(records, 0, records.length, Math.max(0, info.recordsCount));
  checkOffsetDeltas(info, summary);
  info.records = summary;
  return { info, summary, records };
}

/**
 * A batch's records section, decompressed. An empty payload stays empty
 * whatever the codec bits say: Kafka's log cleaner writes empty batches that
 * keep the original batch's attributes.
 */
async function recordsSection(batch: Buffer, info: BatchInfo, opts: DeepValidateOptions): Promise<Buffer> {
  const payload = batch.subarray(info.offset + RECORDS, info.offset + info.size);
  if (payload.length === 0 || info.compression === CompressionType.None) return payload;
  return decompress(info.compression, payload, opts.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED_SIZE);
}

// ------------------------------------------------------------------ patches

/** CRC32C of the batch at `at` as it now stands, stored into its CRC field. */
export function updateCrc(batch: Buffer, at = 0): void {
  const size = batch.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
  batch.writeUInt32BE(crc32c(batch, at + ATTRIBUTES, at + size), at + CRC);
}

/** True when the stored CRC matches the batch's bytes. */
export function isCrcValid(batch: Buffer, at = 0): boolean {
  const size = batch.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
  if (size < BATCH_HEADER_SIZE || at + size > batch.length) return false;
  return batch.readUInt32BE(at + CRC) === crc32c(batch, at + ATTRIBUTES, at + size);
}

/**
 * Kafka's RecordBatch.setMaxTimestamp: sets the timestamp type bit and
 * maxTimestamp, then re-checksums (skipped when nothing changes). Records are
 * not touched; with LogAppendTime consumers read every record's timestamp as
 * maxTimestamp.
 */
export function setMaxTimestamp(batch: Buffer, at: number, type: TimestampType, timestamp: number): void {
  const attributes = batch.readInt16BE(at + ATTRIBUTES);
  const currentType = attributes & TIMESTAMP_TYPE_MASK ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  if (currentType === type && readMaxTimestamp(batch, at) === timestamp) return;
  const next = type === TimestampType.LogAppendTime ? attributes | TIMESTAMP_TYPE_MASK : attributes & ~TIMESTAMP_TYPE_MASK;
  batch.writeInt16BE(next, at + ATTRIBUTES);
  writeInt64(batch, at + MAX_TIMESTAMP, timestamp);
  updateCrc(batch, at);
}

/**
 * What Kafka's LogValidator does to a magic-2 batch appended to a topic with
 * message.timestamp.type=LogAppendTime: timestamp type bit set, maxTimestamp
 * = now, CRC recomputed. baseTimestamp and the records stay as sent.
 */
export function patchLogAppendTime(batch: Buffer, at: number, now: number): void {
  setMaxTimestamp(batch, at, TimestampType.LogAppendTime, now);
}

// ------------------------------------------------------------------ building

export interface BuildBatchOptions {
  baseOffset?: number;
  compression?: CompressionType;
  /** Codec level (gzip 1-9, zstd 1-22); Kafka's default when absent. */
  compressionLevel?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  isControl?: boolean;
  partitionLeaderEpoch?: number;
  timestampType?: TimestampType;
  /** Default: the first record's `timestamp`, else now. */
  baseTimestamp?: number;
  /** Default: baseTimestamp + the largest timestampDelta. */
  maxTimestamp?: number;
  /** Default: the largest offsetDelta (0 for an empty batch). Larger values describe a compacted batch. */
  lastOffsetDelta?: number;
  /** Set attribute bit 6 (baseTimestamp then holds the delete horizon). */
  deleteHorizon?: boolean;
}

interface HeaderFields {
  baseOffset: number;
  partitionLeaderEpoch: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/** Writes a complete header into buf[0, 61) for a batch of buf.length bytes, CRC included (records must be in place). */
function writeHeader(buf: Buffer, h: HeaderFields): void {
  writeInt64(buf, 0, h.baseOffset);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, BATCH_LENGTH);
  buf.writeInt32BE(h.partitionLeaderEpoch, PARTITION_LEADER_EPOCH);
  buf.writeInt8(MAGIC_V2, MAGIC);
  buf.writeInt16BE(h.attributes, ATTRIBUTES);
  buf.writeInt32BE(h.lastOffsetDelta, LAST_OFFSET_DELTA);
  writeInt64(buf, BASE_TIMESTAMP, h.baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP, h.maxTimestamp);
  writeInt64(buf, PRODUCER_ID, h.producerId);
  buf.writeInt16BE(h.producerEpoch, PRODUCER_EPOCH);
  buf.writeInt32BE(h.baseSequence, BASE_SEQUENCE);
  buf.writeInt32BE(h.recordsCount, RECORDS_COUNT);
  buf.writeUInt32BE(crc32c(buf, ATTRIBUTES, buf.length), CRC);
}

/** Builds a complete v2 batch, compressed as asked, with its CRC. */
export async function buildBatch(records: readonly RecordInput[], opts: BuildBatchOptions = {}): Promise<Buffer> {
  const compression = opts.compression ?? CompressionType.None;
  if (compression < CompressionType.None || compression > CompressionType.Zstd) {
    throw new UnsupportedCompressionTypeError(compression);
  }
  let baseTimestamp = opts.baseTimestamp;
  if (baseTimestamp === undefined) {
    for (const r of records) {
      if (r.timestamp != null && r.timestampDelta == null) {
        baseTimestamp = r.timestamp;
        break;
      }
    }
    baseTimestamp ??= Date.now();
  }
  const m = measureRecords(records, baseTimestamp);
  let attributes = compression;
  if (opts.timestampType === TimestampType.LogAppendTime) attributes |= TIMESTAMP_TYPE_MASK;
  if (opts.transactional) attributes |= TRANSACTIONAL_FLAG;
  if (opts.isControl) attributes |= CONTROL_FLAG;
  if (opts.deleteHorizon) attributes |= DELETE_HORIZON_FLAG;
  const header: HeaderFields = {
    baseOffset: opts.baseOffset ?? 0,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
    attributes,
    lastOffsetDelta: opts.lastOffsetDelta ?? Math.max(0, m.maxOffsetDelta),
    baseTimestamp,
    maxTimestamp: opts.maxTimestamp ?? baseTimestamp + m.maxTimestampDelta,
    producerId: opts.producerId ?? -1,
    producerEpoch: opts.producerEpoch ?? -1,
    baseSequence: opts.baseSequence ?? -1,
    recordsCount: records.length,
  };
  let batch: Buffer;
  if (compression === CompressionType.None) {
    batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + m.size);
    writeRecords(records, baseTimestamp, m, batch, RECORDS);
  } else {
    const raw = Buffer.allocUnsafe(m.size);
    writeRecords(records, baseTimestamp, m, raw, 0);
    const packed = await compress(compression, raw, opts.compressionLevel);
    batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + packed.length);
    packed.copy(batch, RECORDS);
  }
  writeHeader(batch, header);
  return batch;
}

export interface RecompressOptions extends DeepValidateOptions {
  compressionLevel?: number;
}

/**
 * Moves one batch to another codec (for topics whose compression.type names
 * one), keeping every header field but the compression bits, and the records
 * byte for byte: the records section is decompressed, validated by a walk,
 * and compressed again, never decoded into objects. A batch already in the
 * target codec is returned as is (Kafka does not recompress those either).
 */
export async function recompressBatch(
  batch: Buffer,
  target: CompressionType,
  opts: RecompressOptions = {},
): Promise<Buffer> {
  if (target < CompressionType.None || target > CompressionType.Zstd) throw new UnsupportedCompressionTypeError(target);
  const info = readBatchInfo(batch, 0);
  const whole = info.size === batch.length ? batch : batch.subarray(0, info.size);
  if (info.compression === target) return whole;
  const { records } = await deepValidateBatch(whole, 0, opts);
  const packed = records.length === 0 ? records : await compress(target, records, opts.compressionLevel);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + packed.length);
  whole.copy(out, 0, 0, BATCH_HEADER_SIZE);
  packed.copy(out, RECORDS);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt16BE((whole.readInt16BE(ATTRIBUTES) & ~COMPRESSION_MASK) | target, ATTRIBUTES);
  updateCrc(out, 0);
  return out;
}

// ------------------------------------------------------------------ decoding

export interface DecodedRecord extends Record {
  /** baseOffset + offsetDelta. */
  offset: number;
  /** baseTimestamp + timestampDelta, or the batch's maxTimestamp under LogAppendTime (Kafka's rule). */
  timestamp: number;
}

export interface DecodedBatch extends Omit<BatchInfo, 'records' | 'offset'> {
  crcValid: boolean;
  records: DecodedRecord[];
}

export interface DecodeOptions extends DeepValidateOptions {
  /** Throw CorruptRecordError on a CRC mismatch (default true); otherwise report it in crcValid. */
  verifyCrc?: boolean;
}

/** Decodes one batch (at `at`) into header fields and records, for clients, tools and tests. */
export async function decodeBatch(batch: Buffer, at = 0, opts: DecodeOptions = {}): Promise<DecodedBatch> {
  const info = readBatchInfo(batch, at);
  const crcValid = isCrcValid(batch, at);
  if (!crcValid && (opts.verifyCrc ?? true)) {
    throw new CorruptRecordError(`record batch at ${at} is corrupt (stored crc = ${batch.readUInt32BE(at + CRC)})`);
  }
  const section = await recordsSection(batch, info, opts);
  const raw = decodeRecords(section, 0, section.length, Math.max(0, info.recordsCount));
  const logAppend = info.timestampType === TimestampType.LogAppendTime;
  const records: DecodedRecord[] = raw.map((r) => ({
    ...r,
    offset: info.baseOffset + r.offsetDelta,
    timestamp: logAppend ? info.maxTimestamp : info.baseTimestamp + r.timestampDelta,
  }));
  const { offset: _offset, records: _summary, ...header } = info;
  return { ...header, crcValid, records };
}

/**
 * Decodes every batch in a buffer (a fetch response's records, a log segment
 * slice); an incomplete batch at the end is skipped, as fetch responses may
 * end in one.
 */
export async function decodeBatches(buf: Buffer, opts: DecodeOptions = {}): Promise<DecodedBatch[]> {
  const out: DecodedBatch[] = [];
  let at = 0;
  while (buf.length - at >= BATCH_HEADER_SIZE) {
    const size = buf.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
    if (size > buf.length - at) break;
    out.push(await decodeBatch(buf, at, opts));
    at += size;
  }
  return out;
}

/** One batch's header fields and its records section, decompressed (a view when not compressed). */
export interface BatchSection {
  info: BatchInfo;
  records: Buffer;
}

/**
 * Every whole batch in a buffer (an incomplete one at the end is skipped, as
 * in decodeBatches) as its header and its records section, with the CRC
 * checked as decodeBatch does (with `lazyCrc`, only for compressed batches,
 * before decompressing them) but no record decoded: readers that build their
 * own record objects walk the section with visitRecords.
 */
export async function readBatchSections(buf: Buffer, opts: DecodeOptions & { lazyCrc?: boolean } = {}): Promise<BatchSection[]> {
  const out: BatchSection[] = [];
  const verify = opts.verifyCrc ?? true;
  let at = 0;
  while (buf.length - at >= BATCH_HEADER_SIZE) {
    const size = buf.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
    if (size > buf.length - at) break;
    const info = readBatchInfo(buf, at);
    // lazyCrc: only batches decompressed here are checked now; the caller checks the others (isCrcValid) when it reads them.
    if (verify && (!opts.lazyCrc || info.compression !== CompressionType.None) && !isCrcValid(buf, at)) {
      throw new CorruptRecordError(`record batch at ${at} is corrupt (stored crc = ${buf.readUInt32BE(at + CRC)})`);
    }
    out.push({ info, records: await recordsSection(buf, info, opts) });
    at += size;
  }
  return out;
}

/**
 * Completes a batch whose records are already encoded at buf[RECORDS, end)
 * (records 0..recordsCount-1 with offset deltas equal to their index, as a
 * producer writes them while it accumulates): compresses that section when
 * asked and writes the header and CRC. Returns the batch: a view of `buf`
 * when uncompressed (its header bytes are overwritten), else a new Buffer.
 */
export async function sealBatch(buf: Buffer, end: number, recordsCount: number, opts: BuildBatchOptions & { baseTimestamp: number; maxTimestamp: number }): Promise<Buffer> {
  const compression = opts.compression ?? CompressionType.None;
  if (compression < CompressionType.None || compression > CompressionType.Zstd) throw new UnsupportedCompressionTypeError(compression);
  let attributes = compression;
  if (opts.timestampType === TimestampType.LogAppendTime) attributes |= TIMESTAMP_TYPE_MASK;
  if (opts.transactional) attributes |= TRANSACTIONAL_FLAG;
  if (opts.isControl) attributes |= CONTROL_FLAG;
  let batch: Buffer;
  if (compression === CompressionType.None) batch = buf.subarray(0, end);
  else {
    const packed = await compress(compression, buf.subarray(RECORDS, end), opts.compressionLevel);
    batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + packed.length);
    packed.copy(batch, RECORDS);
  }
  writeHeader(batch, {
    baseOffset: opts.baseOffset ?? 0,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
    attributes,
    lastOffsetDelta: Math.max(0, recordsCount - 1),
    baseTimestamp: opts.baseTimestamp,
    maxTimestamp: opts.maxTimestamp,
    producerId: opts.producerId ?? -1,
    producerEpoch: opts.producerEpoch ?? -1,
    baseSequence: opts.baseSequence ?? -1,
    recordsCount,
  });
  return batch;
}
