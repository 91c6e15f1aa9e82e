// The records inside a record batch v2 (after decompression). Each record:
//
//   length          varint   bytes that follow (the record body)
//   attributes      int8     unused, 0
//   timestampDelta  varlong  from the batch's baseTimestamp
//   offsetDelta     varint   from the batch's baseOffset
//   keyLength       varint   -1 = null key
//   key             bytes
//   valueLength     varint   -1 = null value
//   value           bytes
//   headersCount    varint
//   headers         [keyLength varint (>= 0), key UTF-8, valueLength varint (-1 = null), value]
//
// varint/varlong are zigzag LEB128, at most 5 / 10 bytes (Kafka's ByteUtils).
// `walkRecords` validates a records section without allocating anything per
// record; `decodeRecords` builds objects (key/value are views into the input,
// not copies); `measureRecords` + `writeRecords` encode in two passes into one
// Buffer. Malformed input throws InvalidRecordError (Kafka's INVALID_RECORD).

import { varintSize, writeUVarint } from '../primitives.js';
import { CorruptRecordError, InvalidRecordError } from './errors.js';

export { CorruptRecordError, InvalidRecordError };

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}
/** Same as Record, for modules where the name would shadow TypeScript's Record<K, V>. */
export type KafkaRecord = Record;

/** A record to encode: deltas default to its index and to `timestamp - baseTimestamp` (else 0). */
export interface RecordInput {
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: readonly RecordHeader[];
  offsetDelta?: number;
  timestampDelta?: number;
  /** Absolute timestamp (ms), used when timestampDelta is absent. */
  timestamp?: number;
}

/** What a walk over a records section found. Absolute values are the batch's base plus these deltas. */
export interface RecordsSummary {
  count: number;
  /** Smallest and largest timestampDelta (0 and 0 when there are no records). */
  minTimestampDelta: number;
  maxTimestampDelta: number;
  /** Largest offsetDelta, -1 when there are no records. */
  maxOffsetDelta: number;
  /** Every record's offsetDelta equals its index (what producers write; Kafka rebuilds batches where not). */
  offsetsSequential: boolean;
  /** Some record has a null key (refused by compacted topics). */
  anyNullKey: boolean;
}

// ------------------------------------------------------------------ reading

/** Cursor shared by the read helpers below (single-threaded, never held across calls). */
let pos = 0;

function invalid(message: string): InvalidRecordError {
  return new InvalidRecordError(message);
}

/** Zigzag varint, int32 range, at most 5 bytes (Java's ByteUtils.readVarint). */
function readVarint(buf: Buffer, limit: number): number {
  if (pos >= limit) throw invalid('record truncated inside a varint');
  let b = buf[pos++]!;
  if (b < 0x80) return (b >>> 1) ^ -(b & 1);
  let value = b & 0x7f;
  let shift = 7;
  for (;;) {
    if (pos >= limit) throw invalid('record truncated inside a varint');
    b = buf[pos++]!;
    if ((b & 0x80) === 0) break;
    value |= (b & 0x7f) << shift;
    shift += 7;
    if (shift > 28) throw invalid('varint longer than 5 bytes');
  }
  value |= b << shift;
  return (value >>> 1) ^ -(value & 1);
}

/** Zigzag varlong, at most 10 bytes, as a JS number (exact within 2^53). */
function readVarlong(buf: Buffer, limit: number): number {
  if (pos >= limit) throw invalid('record truncated inside a varlong');
  let b = buf[pos++]!;
  if (b < 0x80) return (b >>> 1) ^ -(b & 1);
  let value = b & 0x7f;
  let mul = 128;
  for (let i = 1; ; i++) {
    if (i >= 10) throw invalid('varlong longer than 10 bytes');
    if (pos >= limit) throw invalid('record truncated inside a varlong');
    b = buf[pos++]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) break;
    mul *= 128;
  }
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

/** Reads a varint length (-1 = null) and checks the bytes are there; leaves pos on the bytes. */
function readLength(buf: Buffer, limit: number, what: string, nullable: boolean): number {
  const n = readVarint(buf, limit);
  if (n < (nullable ? -1 : 0)) throw invalid(`invalid ${what} length ${n}`);
  if (n > limit - pos) throw invalid(`${what} length ${n} exceeds the ${limit - pos} bytes left in the record`);
  return n;
}

/** Starts a record at pos: returns its end; leaves pos on the attributes byte. */
function readRecordStart(buf: Buffer, end: number): number {
  const size = readVarint(buf, end);
  if (size < 1) throw invalid(`invalid record size ${size}`);
  const bodyEnd = pos + size;
  if (bodyEnd > end) {
    throw invalid(`invalid record size: expected ${size} bytes in record payload, but only ${end - pos} remain`);
  }
  return bodyEnd;
}

function checkRecordEnd(bodyEnd: number, start: number): void {
  if (pos !== bodyEnd) {
    throw invalid(`invalid record size: expected to read ${bodyEnd - start} bytes in record payload, but read ${pos - start}`);
  }
}

function newSummary(): RecordsSummary {
  return { count: 0, minTimestampDelta: 0, maxTimestampDelta: 0, maxOffsetDelta: -1, offsetsSequential: true, anyNullKey: false };
}

/**
 * Validates the records in buf[start, end) without allocating per record:
 * exactly `expectedCount` records must fill the range exactly, each record's
 * fields must fit within its declared length, lengths must be >= -1 (>= 0 for
 * header keys). Throws InvalidRecordError otherwise.
 */
export function walkRecords(
  buf: Buffer,
  start: number,
  end: number,
  expectedCount: number,
  out: RecordsSummary = newSummary(),
): RecordsSummary {
  if (start < 0 || end > buf.length || start > end) throw new RangeError(`bad records range [${start}, ${end})`);
  pos = start;
  let count = 0;
  let minTs = Infinity;
  let maxTs = -Infinity;
  let maxOffsetDelta = -1;
  let sequential = true;
  let anyNullKey = false;
  while (pos < end) {
    if (count >= expectedCount) {
      throw invalid(`records section holds more than the ${expectedCount} records its batch declares (${end - pos} bytes left)`);
    }
    const bodyEnd = readRecordStart(buf, end);
    const recordStart = pos;
    pos++; // attributes
    const ts = readVarlong(buf, bodyEnd);
    const od = readVarint(buf, bodyEnd);
    const keyLen = readLength(buf, bodyEnd, 'key', true);
    if (keyLen < 0) anyNullKey = true;
    else pos += keyLen;
    const valueLen = readLength(buf, bodyEnd, 'value', true);
    if (valueLen > 0) pos += valueLen;
    const headers = readVarint(buf, bodyEnd);
    if (headers < 0) throw invalid(`invalid number of record headers ${headers}`);
    if (headers * 2 > bodyEnd - pos) {
      throw invalid(`${headers} record headers cannot fit in the ${bodyEnd - pos} bytes left in the record`);
    }
    for (let h = 0; h < headers; h++) {
      const hk = readLength(buf, bodyEnd, 'header key', false); // (not `pos += readLength(...)`: pos moves inside)
      pos += hk;
      const hv = readLength(buf, bodyEnd, 'header value', true);
      if (hv > 0) pos += hv;
    }
    checkRecordEnd(bodyEnd, recordStart);
    if (ts < minTs) minTs = ts;
    if (ts > maxTs) maxTs = ts;
    if (od > maxOffsetDelta) maxOffsetDelta = od;
    if (od !== count) sequential = false;
    count++;
  }
  if (count !== expectedCount) {
    throw invalid(`batch declares ${expectedCount} records but its records section holds ${count}`);
  }
  out.count = count;
  out.minTimestampDelta = count === 0 ? 0 : minTs;
  out.maxTimestampDelta = count === 0 ? 0 : maxTs;
  out.maxOffsetDelta = maxOffsetDelta;
  out.offsetsSequential = sequential;
  out.anyNullKey = anyNullKey;
  return out;
}

/**
 * Decodes the records in buf[start, end), with the same validation as
 * walkRecords. Keys, values and header values are views into `buf`.
 */
export function decodeRecords(buf: Buffer, start: number, end: number, expectedCount: number): Record[] {
  const records: Record[] = [];
  visitRecords(buf, start, end, expectedCount, (offsetDelta, timestampDelta, key, value, headers) => {
    // Callers may add headers to what they get: never hand out the shared empty array.
    records.push({ offsetDelta, timestampDelta, key, value, headers: headers === NO_RECORD_HEADERS ? [] : headers });
  });
  return records;
}

/** What visitRecords hands over for each record (keys, values and header values are views into the buffer). */
export type RecordVisitor = (offsetDelta: number, timestampDelta: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]) => void;

/** The headers of every record that has none in visitRecords: one shared, frozen empty array. */
export const NO_RECORD_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

/**
 * Decodes the records in buf[start, end) like decodeRecords, with the same
 * validation, but builds no record object: each record's fields go to
 * `visit`, so that a reader (the consumer) builds its own record shape once.
 * Records without headers share NO_RECORD_HEADERS. Returns the record count.
 */
export function visitRecords(buf: Buffer, start: number, end: number, expectedCount: number, visit: RecordVisitor): number {
  if (start < 0 || end > buf.length || start > end) throw new RangeError(`bad records range [${start}, ${end})`);
  let n = 0;
  pos = start;
  while (pos < end) {
    if (n >= expectedCount) throw invalid(`records section holds more than the ${expectedCount} records its batch declares`);
    const bodyEnd = readRecordStart(buf, end);
    const recordStart = pos;
    pos++; // attributes
    const timestampDelta = readVarlong(buf, bodyEnd);
    const offsetDelta = readVarint(buf, bodyEnd);
    const key = readBytes(buf, bodyEnd, 'key');
    const value = readBytes(buf, bodyEnd, 'value');
    const count = readVarint(buf, bodyEnd);
    if (count < 0) throw invalid(`invalid number of record headers ${count}`);
    if (count * 2 > bodyEnd - pos) throw invalid(`${count} record headers cannot fit in the ${bodyEnd - pos} bytes left`);
    let headers = NO_RECORD_HEADERS;
    if (count > 0) {
      headers = new Array(count);
      for (let h = 0; h < count; h++) {
        const kl = readLength(buf, bodyEnd, 'header key', false);
        const hk = buf.toString('utf8', pos, pos + kl);
        pos += kl;
        headers[h] = { key: hk, value: readBytes(buf, bodyEnd, 'header value') };
      }
    }
    checkRecordEnd(bodyEnd, recordStart);
    n++;
    // The visitor may decode other records (it does not here, but the cursor is shared): keep ours.
    const resume = pos;
    visit(offsetDelta, timestampDelta, key, value, headers);
    pos = resume;
  }
  if (n !== expectedCount) throw invalid(`batch declares ${expectedCount} records but its records section holds ${n}`);
  return n;
}

function readBytes(buf: Buffer, limit: number, what: string): Buffer | null {
  const n = readLength(buf, limit, what, true);
  if (n < 0) return null;
  const at = pos;
  pos += n;
  return buf.subarray(at, pos);
}

// ------------------------------------------------------------------ writing

/** Sizes from the first encoding pass, reused by the second. */
export interface RecordsMeasure {
  /** Bytes of the whole records section (uncompressed). */
  size: number;
  /** Each record's body size (without its length prefix). */
  bodySizes: number[];
  /** UTF-8 byte lengths of every header key, in order. */
  headerKeySizes: number[];
  maxOffsetDelta: number;
  maxTimestampDelta: number;
}

const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);

function offsetDeltaOf(r: RecordInput, index: number): number {
  return r.offsetDelta ?? index;
}

function timestampDeltaOf(r: RecordInput, baseTimestamp: number): number {
  return r.timestampDelta ?? (r.timestamp == null ? 0 : r.timestamp - baseTimestamp);
}

/** First pass: sizes of every record. */
export function measureRecords(records: readonly RecordInput[], baseTimestamp: number): RecordsMeasure {
  const bodySizes: number[] = new Array(records.length);
  const headerKeySizes: number[] = [];
  let size = 0;
  let maxOffsetDelta = -1;
  let maxTimestampDelta = -Infinity;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const od = offsetDeltaOf(r, i);
    const td = timestampDeltaOf(r, baseTimestamp);
    if (!Number.isInteger(od) || od < 0 || od > 0x7fffffff) throw new RangeError(`invalid offsetDelta ${od}`);
    if (!Number.isSafeInteger(td)) throw new RangeError(`invalid timestampDelta ${td}`);
    if (od > maxOffsetDelta) maxOffsetDelta = od;
    if (td > maxTimestampDelta) maxTimestampDelta = td;
    let n = 1 + varintSize(td) + varintSize(od);
    n += r.key == null ? 1 : varintSize(r.key.length) + r.key.length;
    n += r.value == null ? 1 : varintSize(r.value.length) + r.value.length;
    const headers = r.headers ?? [];
    n += varintSize(headers.length);
    for (const h of headers) {
      if (h.key == null) throw new TypeError('record header keys cannot be null');
      const kl = Buffer.byteLength(h.key, 'utf8');
      headerKeySizes.push(kl);
      n += varintSize(kl) + kl + (h.value == null ? 1 : varintSize(h.value.length) + h.value.length);
    }
    bodySizes[i] = n;
    size += varintSize(n) + n;
  }
  return { size, bodySizes, headerKeySizes, maxOffsetDelta, maxTimestampDelta: records.length ? maxTimestampDelta : 0 };
}

function writeNullableBytes(buf: Buffer, at: number, v: Buffer | null | undefined): number {
  if (v == null) return writeUVarint(buf, at, 1); // zigzag(-1)
  at = writeUVarint(buf, at, v.length * 2);
  v.copy(buf, at);
  return at + v.length;
}

/** Second pass: writes the records section at buf[at]; returns the end position. */
export function writeRecords(
  records: readonly RecordInput[],
  baseTimestamp: number,
  measure: RecordsMeasure,
  buf: Buffer,
  at: number,
): number {
  let hk = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    at = writeUVarint(buf, at, measure.bodySizes[i]! * 2);
    buf[at++] = 0; // attributes
    at = writeUVarint(buf, at, zigzag(timestampDeltaOf(r, baseTimestamp)));
    at = writeUVarint(buf, at, zigzag(offsetDeltaOf(r, i)));
    at = writeNullableBytes(buf, at, r.key);
    at = writeNullableBytes(buf, at, r.value);
    const headers = r.headers ?? [];
    at = writeUVarint(buf, at, headers.length * 2);
    for (const h of headers) {
      const kl = measure.headerKeySizes[hk++]!;
      at = writeUVarint(buf, at, kl * 2);
      at += buf.write(h.key, at, kl, 'utf8');
      at = writeNullableBytes(buf, at, h.value);
    }
  }
  return at;
}

/** Encodes a records section (uncompressed) into a new Buffer. */
export function encodeRecords(records: readonly RecordInput[], baseTimestamp = 0): Buffer {
  const m = measureRecords(records, baseTimestamp);
  const buf = Buffer.allocUnsafe(m.size);
  const end = writeRecords(records, baseTimestamp, m, buf, 0);
  if (end !== m.size) throw new Error(`record encoder wrote ${end} bytes, measured ${m.size}`);
  return buf;
}
