// Legacy message sets: the message formats v0 (magic 0, Kafka 0.8-0.9) and
// v1 (magic 1, Kafka 0.10, KIP-31/32) that Produce v0-v2 carry and Fetch
// v0-v3 answer with. Kafka 3.x still serves those request versions: it
// up-converts produced message sets to record batch v2 and down-converts
// stored batches for old fetchers. Samsa does the same, off the hot path.
//
// A message set is a sequence of entries (the protocol guide's "MessageSet"):
//
//   offset  size  field
//        0     8  offset                 (absolute; see wrappers below)
//        8     4  messageSize            (bytes after this field)
//       12     4  crc                    (CRC-32, IEEE polynomial, of bytes 16..end)
//       16     1  magic                  (0 or 1: the same byte position as a v2 batch's magic)
//       17     1  attributes             (bits 0-2 compression: 0 none, 1 gzip, 2 snappy, 3 lz4;
//                                          bit 3, magic 1 only: timestamp type, 1 = LogAppendTime)
//       18     8  timestamp              (magic 1 only)
//   18 / 26    4  keyLength              (-1 = null key)
//              …  key
//              4  valueLength            (-1 = null value)
//              …  value
//
// A compressed message is a "wrapper": its value is the compressed bytes of
// an inner message set whose messages are uncompressed and of the wrapper's
// magic. For magic 1 the inner offsets are relative (0..n-1) and the
// wrapper's offset is the absolute offset of the last inner message; for
// magic 0 the inner offsets are absolute. A magic 1 wrapper with
// LogAppendTime gives every inner message the wrapper's timestamp.
//
// Codecs are those of record batch v2 (compression.ts), except that zstd is
// not allowed below magic 2, and that LZ4 inside magic 0 wrappers was
// written by Kafka 0.8-0.9 (and librdkafka for those versions) with a broken
// frame header checksum: xxHash32 taken over the frame magic as well as the
// descriptor. Like Kafka, we accept that checksum on read for magic 0 (and
// write it for magic 0, as old readers expect it); magic 1 frames must be
// correct.
//
// Up-conversion (what Kafka's LogValidator.convertAndAssignOffsets does for
// magic 0/1 produce data) and down-conversion (RecordsUtil.downConvert for
// old fetchers) are here as plain functions; the broker's rules (which
// timestamps are valid, which codec a topic wants) stay in broker/.

import { crc32 as nativeCrc32 } from '@node-rs/crc32';
import { readInt64, writeInt64 } from '../primitives.js';
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  CompressionType,
  LOG_OVERHEAD,
  MAGIC,
  MAGIC_V2,
  NO_TIMESTAMP,
  TimestampType,
} from './batch-header.js';
import { buildBatch, decodeBatch } from './batch.js';
import { compress, decompress, DEFAULT_MAX_DECOMPRESSED_SIZE } from './compression.js';
import { CorruptRecordError, InvalidRecordError, UnsupportedCompressionTypeError } from './errors.js';

export const MAGIC_V0 = 0;
export const MAGIC_V1 = 1;

// Field positions within an entry (from the start of its offset field).
export const LEGACY_OFFSET = 0;
export const LEGACY_SIZE = 8;
export const LEGACY_CRC = 12;
export const LEGACY_MAGIC = 16;
export const LEGACY_ATTRIBUTES = 17;
export const LEGACY_TIMESTAMP = 18;

/** Smallest message (crc, magic, attributes, key and value lengths) after the offset/size prefix, magic 0. */
export const RECORD_OVERHEAD_V0 = 14;
/** The same for magic 1 (adds the 8-byte timestamp). */
export const RECORD_OVERHEAD_V1 = 22;

export const LEGACY_COMPRESSION_MASK = 0x07;
export const LEGACY_TIMESTAMP_TYPE_MASK = 0x08;

/** Kafka's TimestampType.NO_TIMESTAMP_TYPE: what magic 0 messages have. */
export const NO_TIMESTAMP_TYPE = -1;
export type LegacyTimestampType = TimestampType | typeof NO_TIMESTAMP_TYPE;

export const recordOverhead = (magic: number): number => (magic === MAGIC_V0 ? RECORD_OVERHEAD_V0 : RECORD_OVERHEAD_V1);

// ------------------------------------------------------------------ checksums

/**
 * CRC-32 (IEEE 802.3 polynomial, the one of zlib and java.util.zip.CRC32) of
 * buf[start, end), unsigned. Legacy messages use it; record batch v2 uses
 * CRC32C (crc32c.ts). @node-rs/crc32 computes it natively (Node's own
 * zlib.crc32 only exists from Node 20.15).
 */
export function crc32(buf: Buffer, start = 0, end = buf.length): number {
  const input = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return nativeCrc32(input) >>> 0;
}

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;
const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const xxRound = (acc: number, input: number): number => Math.imul(rotl((acc + Math.imul(input, PRIME2)) | 0, 13), PRIME1);

/** xxHash32 of buf[start, end) (the LZ4 frame format's checksum), unsigned. Used here on a few header bytes. */
export function xxhash32(buf: Buffer, start = 0, end = buf.length, seed = 0): number {
  let p = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    while (p + 16 <= end) {
      v1 = xxRound(v1, buf.readInt32LE(p));
      v2 = xxRound(v2, buf.readInt32LE(p + 4));
      v3 = xxRound(v3, buf.readInt32LE(p + 8));
      v4 = xxRound(v4, buf.readInt32LE(p + 12));
      p += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }
  h = (h + (end - start)) | 0;
  while (p + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(buf.readInt32LE(p), PRIME3)) | 0, 17), PRIME4);
    p += 4;
  }
  while (p < end) {
    h = Math.imul(rotl((h + Math.imul(buf[p]!, PRIME5)) | 0, 11), PRIME1);
    p++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}

const LZ4_FRAME_MAGIC = 0x184d2204;

/** Position of an LZ4 frame's header checksum byte (after magic, FLG, BD, optional content size and dictionary id). */
function lz4HeaderChecksumAt(frame: Buffer): number {
  if (frame.length < 7 || frame.readUInt32LE(0) !== LZ4_FRAME_MAGIC) return -1;
  const flg = frame[4]!;
  const at = 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0);
  return at < frame.length ? at : -1;
}

/**
 * A copy of an LZ4 frame with the header checksum Kafka 0.8-0.9 wrote
 * (xxHash32 over the frame magic and descriptor, instead of the descriptor
 * alone) replaced by the correct one, so a standard decoder accepts it.
 * Frames whose checksum is already correct come back unchanged.
 */
export function fixLz4HeaderChecksum(frame: Buffer): Buffer {
  const at = lz4HeaderChecksumAt(frame);
  if (at < 0) return frame;
  const correct = (xxhash32(frame, 4, at) >>> 8) & 0xff;
  if (frame[at] === correct) return frame;
  const out = Buffer.from(frame);
  out[at] = correct;
  return out;
}

/** Rewrites (in place) an LZ4 frame's header checksum the broken way Kafka 0.8-0.9 wrote it for magic 0. */
export function breakLz4HeaderChecksum(frame: Buffer): Buffer {
  const at = lz4HeaderChecksumAt(frame);
  if (at >= 0) frame[at] = (xxhash32(frame, 0, at) >>> 8) & 0xff;
  return frame;
}

// ------------------------------------------------------------------ reading

/** One entry of a message set, as stored: a plain message or a compressed wrapper. */
export interface LegacyEntry {
  /** Position of the entry (its offset field) in the buffer read. */
  position: number;
  /** Bytes of the whole entry, the 12-byte offset/size prefix included. */
  size: number;
  offset: number;
  magic: 0 | 1;
  attributes: number;
  compression: CompressionType;
  /** The message's own timestamp: -1 for magic 0. */
  timestamp: number;
  timestampType: LegacyTimestampType;
  crc: number;
  crcValid: boolean;
  key: Buffer | null;
  /** The value; for a wrapper, the compressed inner message set. */
  value: Buffer | null;
}

export interface ReadLegacyOptions {
  /** Throw CorruptRecordError on a CRC mismatch (default true); otherwise report it in crcValid. */
  verifyCrc?: boolean;
  /** Stop quietly at an incomplete last entry instead of throwing (fetch responses end that way). */
  allowTruncatedTail?: boolean;
}

/** True when the first entry of `buf` claims magic 0 or 1 (the byte at 16, where a v2 batch keeps its magic). */
export function isLegacyMessageSet(buf: Buffer, at = 0): boolean {
  if (buf.length - at <= LEGACY_MAGIC) return false;
  const magic = buf[at + LEGACY_MAGIC]!;
  return magic === MAGIC_V0 || magic === MAGIC_V1;
}

function readSizedBytes(buf: Buffer, at: number, end: number, what: string): { bytes: Buffer | null; next: number } {
  if (at + 4 > end) throw new CorruptRecordError(`message truncated before its ${what} length`);
  const n = buf.readInt32BE(at);
  at += 4;
  if (n < 0) {
    if (n !== -1) throw new CorruptRecordError(`invalid message ${what} length ${n}`);
    return { bytes: null, next: at };
  }
  if (n > end - at) throw new CorruptRecordError(`message ${what} length ${n} exceeds the ${end - at} bytes left in the message`);
  return { bytes: buf.subarray(at, at + n), next: at + n };
}

/**
 * Reads the entries of a legacy message set (shallowly: wrappers are not
 * decompressed). Checks each entry's size against the minimum for its magic,
 * that key and value fill the message exactly, and the CRC. Throws
 * CorruptRecordError (CORRUPT_MESSAGE) on any of these, InvalidRecordError
 * for an entry of another magic (a v2 batch in the middle of a message set).
 */
export function readLegacyEntries(buf: Buffer, opts: ReadLegacyOptions = {}): LegacyEntry[] {
  const verify = opts.verifyCrc ?? true;
  const out: LegacyEntry[] = [];
  let at = 0;
  while (at < buf.length) {
    const left = buf.length - at;
    if (left < LOG_OVERHEAD) {
      if (opts.allowTruncatedTail) break;
      throw new CorruptRecordError(`${left} trailing bytes after the last message`);
    }
    const messageSize = buf.readInt32BE(at + LEGACY_SIZE);
    if (messageSize < RECORD_OVERHEAD_V0) {
      throw new CorruptRecordError(`record size ${messageSize} is less than the minimum record overhead (${RECORD_OVERHEAD_V0})`);
    }
    const size = messageSize + LOG_OVERHEAD;
    if (size > left) {
      if (opts.allowTruncatedTail) break;
      throw new CorruptRecordError(`message of ${size} bytes is truncated: only ${left} bytes left`);
    }
    const magic = buf.readInt8(at + LEGACY_MAGIC);
    if (magic !== MAGIC_V0 && magic !== MAGIC_V1) {
      if (magic === MAGIC_V2) throw new InvalidRecordError('a record batch v2 cannot follow magic 0/1 messages in one message set');
      throw new CorruptRecordError(`invalid message magic ${magic}`);
    }
    if (messageSize < recordOverhead(magic)) {
      throw new CorruptRecordError(`record size ${messageSize} is less than the minimum magic ${magic} record overhead (${recordOverhead(magic)})`);
    }
    const end = at + size;
    const crc = buf.readUInt32BE(at + LEGACY_CRC);
    const computed = crc32(buf, at + LEGACY_MAGIC, end);
    if (verify && crc !== computed) {
      throw new CorruptRecordError(`Record is corrupt (stored crc = ${crc}, computed crc = ${computed})`);
    }
    const attributes = buf[at + LEGACY_ATTRIBUTES]!;
    const compression = (attributes & LEGACY_COMPRESSION_MASK) as CompressionType;
    let p = at + LEGACY_TIMESTAMP;
    let timestamp = NO_TIMESTAMP;
    let timestampType: LegacyTimestampType = NO_TIMESTAMP_TYPE;
    if (magic === MAGIC_V1) {
      timestamp = readInt64(buf, p);
      timestampType = attributes & LEGACY_TIMESTAMP_TYPE_MASK ? TimestampType.LogAppendTime : TimestampType.CreateTime;
      p += 8;
    }
    const key = readSizedBytes(buf, p, end, 'key');
    const value = readSizedBytes(buf, key.next, end, 'value');
    if (value.next !== end) throw new CorruptRecordError(`message holds ${end - value.next} bytes after its value`);
    out.push({
      position: at,
      size,
      offset: readInt64(buf, at + LEGACY_OFFSET),
      magic,
      attributes,
      compression,
      timestamp,
      timestampType,
      crc,
      crcValid: crc === computed,
      key: key.bytes,
      value: value.bytes,
    });
    at = end;
  }
  return out;
}

/** One message as a consumer sees it: offsets absolute, wrappers expanded. */
export interface LegacyRecord {
  offset: number;
  magic: 0 | 1;
  /** -1 for magic 0; the wrapper's time for messages in a LogAppendTime magic 1 wrapper. */
  timestamp: number;
  timestampType: LegacyTimestampType;
  key: Buffer | null;
  value: Buffer | null;
}

export interface ExpandOptions {
  /** Refuse wrappers that decompress to more than this (default 256 MiB). */
  maxDecompressedSize?: number;
  /** Verify inner messages' CRCs (default true). */
  verifyCrc?: boolean;
}

/**
 * The messages of one entry: the entry itself when uncompressed, else the
 * inner messages of the wrapper with absolute offsets and (for a magic 1
 * LogAppendTime wrapper) the wrapper's timestamp, as Kafka's
 * AbstractLegacyRecordBatch.DeepRecordsIterator gives them. Inner messages
 * must be uncompressed and of the wrapper's magic (InvalidRecordError).
 */
export async function expandLegacyEntry(entry: LegacyEntry, opts: ExpandOptions = {}): Promise<LegacyRecord[]> {
  if (entry.compression === CompressionType.None) {
    return [{ offset: entry.offset, magic: entry.magic, timestamp: entry.timestamp, timestampType: entry.timestampType, key: entry.key, value: entry.value }];
  }
  if (entry.compression === CompressionType.Zstd) {
    throw new InvalidRecordError(`zstd compression is not allowed in magic ${entry.magic} messages`);
  }
  if (entry.compression > CompressionType.Zstd) throw new UnsupportedCompressionTypeError(entry.compression);
  if (entry.value === null) {
    throw new InvalidRecordError(`Found invalid compressed record set with null value (magic = ${entry.magic})`);
  }
  let payload = entry.value;
  if (entry.compression === CompressionType.Lz4 && entry.magic === MAGIC_V0) payload = fixLz4HeaderChecksum(payload);
  const inner = await decompress(entry.compression, payload, opts.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED_SIZE);
  let entries: LegacyEntry[];
  try {
    entries = readLegacyEntries(inner, { verifyCrc: opts.verifyCrc ?? true });
  } catch (err) {
    if (err instanceof CorruptRecordError) err.message = `inner message of a compressed message set: ${err.message}`;
    throw err;
  }
  if (entries.length === 0) throw new InvalidRecordError('Found invalid compressed record set with no inner records');
  let base = 0;
  if (entry.magic === MAGIC_V1 && entry.offset !== 0) {
    // The wrapper carries the last inner message's absolute offset (0 from some librdkafka producers).
    const lastInner = entries[entries.length - 1]!.offset;
    if (entry.offset < lastInner) {
      throw new InvalidRecordError(
        `Found invalid wrapper offset in compressed v1 message set, wrapper offset '${entry.offset}' is less than the last inner message offset '${lastInner}' and it is not zero.`,
      );
    }
    base = entry.offset - lastInner;
  }
  const logAppend = entry.magic === MAGIC_V1 && entry.timestampType === TimestampType.LogAppendTime;
  return entries.map((e) => {
    if (e.magic !== entry.magic) {
      throw new InvalidRecordError(`Compressed message magic ${e.magic} does not match wrapper magic ${entry.magic}`);
    }
    if (e.compression !== CompressionType.None) throw new InvalidRecordError('Inner messages must not be compressed');
    return {
      offset: entry.magic === MAGIC_V1 ? base + e.offset : e.offset,
      magic: e.magic,
      timestamp: logAppend ? entry.timestamp : e.timestamp,
      timestampType: entry.magic === MAGIC_V1 ? entry.timestampType : NO_TIMESTAMP_TYPE,
      key: e.key,
      value: e.value,
    };
  });
}

/** Every message of a legacy message set (a fetch response's records, say), wrappers expanded. */
export async function decodeLegacyMessageSet(buf: Buffer, opts: ReadLegacyOptions & ExpandOptions = {}): Promise<LegacyRecord[]> {
  const out: LegacyRecord[] = [];
  for (const e of readLegacyEntries(buf, opts)) out.push(...(await expandLegacyEntry(e, opts)));
  return out;
}

// ------------------------------------------------------------------ writing

export interface LegacyRecordInput {
  /** Absolute offset; default: baseOffset + index. */
  offset?: number;
  /** Ignored for magic 0; default -1 (no timestamp). */
  timestamp?: number;
  key?: Buffer | null;
  value?: Buffer | null;
}

export interface LegacyEncodeOptions {
  magic: 0 | 1;
  /** Offset of the first message when records give none (default 0). */
  baseOffset?: number;
  /** Magic 1 only: sets attribute bit 3 on every message (default CreateTime). */
  timestampType?: TimestampType;
}

/** Size of one message with its offset/size prefix. */
export function legacyEntrySize(magic: number, key: Buffer | null | undefined, value: Buffer | null | undefined): number {
  return LOG_OVERHEAD + recordOverhead(magic) + (key?.length ?? 0) + (value?.length ?? 0);
}

function writeSized(buf: Buffer, at: number, v: Buffer | null | undefined): number {
  if (v == null) {
    buf.writeInt32BE(-1, at);
    return at + 4;
  }
  buf.writeInt32BE(v.length, at);
  v.copy(buf, at + 4);
  return at + 4 + v.length;
}

/** Writes one message (prefix, CRC and all) at buf[at]; returns the position after it. */
function writeMessage(
  buf: Buffer,
  at: number,
  offset: number,
  magic: number,
  attributes: number,
  timestamp: number,
  key: Buffer | null | undefined,
  value: Buffer | null | undefined,
): number {
  const start = at;
  writeInt64(buf, at + LEGACY_OFFSET, offset);
  buf[at + LEGACY_MAGIC] = magic;
  buf[at + LEGACY_ATTRIBUTES] = attributes;
  let p = at + LEGACY_TIMESTAMP;
  if (magic === MAGIC_V1) {
    writeInt64(buf, p, timestamp);
    p += 8;
  }
  p = writeSized(buf, p, key);
  p = writeSized(buf, p, value);
  buf.writeInt32BE(p - start - LOG_OVERHEAD, start + LEGACY_SIZE);
  buf.writeUInt32BE(crc32(buf, start + LEGACY_MAGIC, p), start + LEGACY_CRC);
  return p;
}

function checkMagic(magic: number): void {
  if (magic !== MAGIC_V0 && magic !== MAGIC_V1) throw new RangeError(`legacy message sets have magic 0 or 1, not ${magic}`);
}

/** Encodes uncompressed messages, one entry each, as a message set. */
export function encodeLegacyMessageSet(records: readonly LegacyRecordInput[], opts: LegacyEncodeOptions): Buffer {
  const { magic } = opts;
  checkMagic(magic);
  const attributes = magic === MAGIC_V1 && opts.timestampType === TimestampType.LogAppendTime ? LEGACY_TIMESTAMP_TYPE_MASK : 0;
  let size = 0;
  for (const r of records) size += legacyEntrySize(magic, r.key, r.value);
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  const base = opts.baseOffset ?? 0;
  records.forEach((r, i) => {
    at = writeMessage(buf, at, r.offset ?? base + i, magic, attributes, r.timestamp ?? NO_TIMESTAMP, r.key, r.value);
  });
  return buf;
}

export interface LegacyWrapperOptions extends LegacyEncodeOptions {
  compression: CompressionType;
  compressionLevel?: number;
  /** Magic 1 with LogAppendTime: the wrapper's (and so every message's) timestamp. */
  logAppendTime?: number;
  /**
   * Write LZ4 frames with the header checksum of Kafka 0.8-0.9 (default: for
   * magic 0, as those readers expect; Kafka and librdkafka accept both there).
   */
  brokenLz4Checksum?: boolean;
}

/**
 * Encodes messages as one compressed wrapper message, as Kafka's
 * MemoryRecordsBuilder writes them: inner offsets relative for magic 1,
 * absolute for magic 0; the wrapper's offset is the last message's; its
 * timestamp the largest inner timestamp (CreateTime) or the log append time.
 */
export async function encodeLegacyWrapper(records: readonly LegacyRecordInput[], opts: LegacyWrapperOptions): Promise<Buffer> {
  const { magic, compression } = opts;
  checkMagic(magic);
  if (compression === CompressionType.None || compression === CompressionType.Zstd || compression > CompressionType.Zstd) {
    throw new UnsupportedCompressionTypeError(compression);
  }
  if (records.length === 0) throw new RangeError('a compressed message set needs at least one message');
  const base = opts.baseOffset ?? 0;
  const offsets = records.map((r, i) => r.offset ?? base + i);
  const logAppend = magic === MAGIC_V1 && opts.timestampType === TimestampType.LogAppendTime;
  const inner = encodeLegacyMessageSet(
    records.map((r, i) => ({
      offset: magic === MAGIC_V1 ? i : offsets[i]!,
      timestamp: logAppend ? (opts.logAppendTime ?? NO_TIMESTAMP) : r.timestamp,
      key: r.key,
      value: r.value,
    })),
    { magic, timestampType: opts.timestampType },
  );
  let packed = await compress(compression, inner, opts.compressionLevel);
  if (compression === CompressionType.Lz4 && (opts.brokenLz4Checksum ?? magic === MAGIC_V0)) packed = breakLz4HeaderChecksum(packed);
  let timestamp = NO_TIMESTAMP;
  if (magic === MAGIC_V1) {
    if (logAppend) timestamp = opts.logAppendTime ?? NO_TIMESTAMP;
    else for (const r of records) if ((r.timestamp ?? NO_TIMESTAMP) > timestamp) timestamp = r.timestamp!;
  }
  const attributes = compression | (logAppend ? LEGACY_TIMESTAMP_TYPE_MASK : 0);
  const buf = Buffer.allocUnsafe(legacyEntrySize(magic, null, packed));
  writeMessage(buf, 0, offsets[offsets.length - 1]!, magic, attributes, timestamp, null, packed);
  return buf;
}

// ------------------------------------------------------------------ conversion

export interface UpConvertOptions {
  /** Codec of the new batch (the producer's, or the topic's compression.type). */
  compression: CompressionType;
  compressionLevel?: number;
  /** The topic's message.timestamp.type. */
  timestampType: TimestampType;
  /** Log append time, used as maxTimestamp under LogAppendTime. */
  now: number;
}

/**
 * Builds the one record batch v2 that Kafka's convertAndAssignOffsets builds
 * from produced magic 0/1 messages: offsets 0..n-1 (the log assigns real ones
 * as for any batch), keys and values kept, timestamps kept (-1 from magic 0),
 * no producer id, baseTimestamp the first message's timestamp; under
 * LogAppendTime the type bit set and maxTimestamp = now.
 */
export async function upConvertToBatch(records: readonly LegacyRecord[], opts: UpConvertOptions): Promise<Buffer> {
  if (records.length === 0) throw new InvalidRecordError('no messages to convert');
  const baseTimestamp = records[0]!.timestamp;
  const logAppend = opts.timestampType === TimestampType.LogAppendTime;
  return buildBatch(
    records.map((r, i) => ({ key: r.key, value: r.value, offsetDelta: i, timestampDelta: r.timestamp - baseTimestamp })),
    {
      compression: opts.compression,
      compressionLevel: opts.compressionLevel,
      baseTimestamp,
      timestampType: opts.timestampType,
      ...(logAppend ? { maxTimestamp: opts.now } : {}),
    },
  );
}

export interface DownConvertOptions {
  /** Messages below this offset are left out (the fetch offset: old clients expect nothing before it). Default 0. */
  fromOffset?: number;
  /**
   * Stop before the message that would take the output past this many
   * bytes; the first message is always kept. Default: no limit.
   */
  maxBytes?: number;
  maxDecompressedSize?: number;
}

interface OutMessage {
  offset: number;
  timestamp: number;
  logAppend: boolean;
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * Down-converts stored batches (record batch v2, or legacy entries a log may
 * still hold) to an uncompressed message set of `toMagic`, as old fetchers
 * (Fetch v0-v1: magic 0, v2-v3: magic 1) read them: offsets and keys/values
 * kept, timestamps kept for magic 1 (a LogAppendTime batch gives its messages
 * the batch's time and the LogAppendTime bit), headers dropped, control
 * batches skipped. An incomplete batch at the end of a buffer is ignored.
 * Unlike Kafka, compressed batches are not re-compressed into wrappers, and
 * zstd batches convert too (Kafka answers UNSUPPORTED_COMPRESSION_TYPE).
 */
export async function downConvertBatches(data: Buffer | readonly Buffer[], toMagic: 0 | 1, opts: DownConvertOptions = {}): Promise<Buffer> {
  checkMagic(toMagic);
  const fromOffset = opts.fromOffset ?? 0;
  const maxBytes = opts.maxBytes ?? Infinity;
  const messages: OutMessage[] = [];
  let total = 0;
  const add = (m: OutMessage): boolean => {
    if (m.offset < fromOffset) return true;
    const size = legacyEntrySize(toMagic, m.key, m.value);
    if (messages.length > 0 && total + size > maxBytes) return false;
    messages.push(m);
    total += size;
    return true;
  };
  const buffers = Buffer.isBuffer(data) ? [data] : data;
  outer: for (const buf of buffers) {
    let at = 0;
    while (buf.length - at > MAGIC) {
      const size = buf.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
      if (size < LOG_OVERHEAD + RECORD_OVERHEAD_V0 || size > buf.length - at) break;
      const magic = buf.readInt8(at + MAGIC);
      if (magic === MAGIC_V2) {
        if (size < BATCH_HEADER_SIZE) break;
        const batch = await decodeBatch(buf, at, { verifyCrc: false, maxDecompressedSize: opts.maxDecompressedSize });
        if (!batch.isControl) {
          const logAppend = batch.timestampType === TimestampType.LogAppendTime;
          for (const r of batch.records) {
            if (!add({ offset: r.offset, timestamp: r.timestamp, logAppend, key: r.key, value: r.value })) break outer;
          }
        }
      } else {
        const [entry] = readLegacyEntries(buf.subarray(at, at + size), { verifyCrc: false });
        for (const r of await expandLegacyEntry(entry!, { verifyCrc: false, maxDecompressedSize: opts.maxDecompressedSize })) {
          const logAppend = r.timestampType === TimestampType.LogAppendTime;
          if (!add({ offset: r.offset, timestamp: r.timestamp, logAppend, key: r.key, value: r.value })) break outer;
        }
      }
      at += size;
    }
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const m of messages) {
    const attributes = toMagic === MAGIC_V1 && m.logAppend ? LEGACY_TIMESTAMP_TYPE_MASK : 0;
    at = writeMessage(out, at, m.offset, toMagic, attributes, m.timestamp, m.key, m.value);
  }
  return out;
}
