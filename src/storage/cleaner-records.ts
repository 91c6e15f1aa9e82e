// The cleaner's view of a batch's records: walked in place, one reused cursor,
// no object per record (decoding every record into objects took about half
// of the cleaner's CPU, most of it in allocation and GC), and a filtered batch
// built by copying the kept records' bytes as they are. Records carry their
// offset and timestamp as deltas from the batch header, so as long as the
// header's base offset and base timestamp stay, a kept record's bytes need no
// change; only the header (length, record count, max timestamp, CRC) and, for
// a compressed batch, the compressed section are redone.

import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CRC,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  RECORDS,
  RECORDS_COUNT,
  TIMESTAMP_TYPE_MASK,
  CompressionType,
} from '../protocol/records/batch-header.js';
import { compress, decompress, DEFAULT_MAX_DECOMPRESSED_SIZE } from '../protocol/records/compression.js';
import { crc32c } from '../protocol/records/crc32c.js';
import { writeInt64, readInt64 } from '../protocol/primitives.js';
import { CorruptRecordError } from '../protocol/records/errors.js';

/** One record of a records section; the same object is refilled for each record. */
export interface RecordCursor {
  /** Byte range of the whole record (length prefix included) in the section. */
  start: number;
  end: number;
  offsetDelta: number;
  timestampDelta: number;
  /** Key bytes at [keyStart, keyStart + keyLength); keyLength -1 for a null key. */
  keyStart: number;
  keyLength: number;
  /** -1 for a null value (a tombstone). */
  valueLength: number;
}

/** The records section of a batch, decompressed if need be (a view when it is not compressed). */
export async function recordsSection(batch: Buffer): Promise<Buffer> {
  const payload = batch.subarray(RECORDS);
  const codec = (batch.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK) as CompressionType;
  if (payload.length === 0 || codec === CompressionType.None) return payload;
  return decompress(codec, payload, DEFAULT_MAX_DECOMPRESSED_SIZE);
}

let pos = 0;

function corrupt(what: string): CorruptRecordError {
  return new CorruptRecordError(`record batch being cleaned is corrupt: ${what}`);
}

function varint(buf: Buffer, limit: number): number {
  let value = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (pos >= limit) throw corrupt('varint past the end of its record');
    const b = buf[pos++]!;
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return (value >>> 1) ^ -(value & 1);
  }
  throw corrupt('varint longer than 5 bytes');
}

function varlong(buf: Buffer, limit: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) throw corrupt('varlong past the end of its record');
    const b = buf[pos++]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    mul *= 128;
  }
  throw corrupt('varlong longer than 10 bytes');
}

/** Calls `visit` for each of the `count` records of `section`, with one reused cursor. */
export function forEachRecord(section: Buffer, count: number, visit: (r: RecordCursor) => void): void {
  const r: RecordCursor = { start: 0, end: 0, offsetDelta: 0, timestampDelta: 0, keyStart: 0, keyLength: -1, valueLength: -1 };
  pos = 0;
  for (let i = 0; i < count; i++) {
    const start = pos;
    const size = varint(section, section.length);
    const end = pos + size;
    if (size < 1 || end > section.length) throw corrupt(`record size ${size} at ${start}`);
    pos++; // attributes
    r.timestampDelta = varlong(section, end);
    r.offsetDelta = varint(section, end);
    r.keyLength = varint(section, end);
    r.keyStart = pos;
    if (r.keyLength > 0) pos += r.keyLength;
    r.valueLength = varint(section, end);
    if (pos > end || (r.valueLength > 0 && pos + r.valueLength > end)) throw corrupt(`record fields past its end at ${start}`);
    r.start = start;
    r.end = end;
    pos = end; // headers are carried along with the record's bytes
    visit(r);
  }
}

/**
 * A copy of `batch` holding only the records at byte ranges `kept` of its
 * records section `section` (ranges in order), with its header redone: length,
 * record count, max timestamp (the kept records' largest under CreateTime;
 * unchanged under LogAppendTime), CRC; re-compressed with its own codec.
 */
export async function filteredBatch(batch: Buffer, section: Buffer, kept: readonly number[], count: number, maxTimestampDelta: number): Promise<Buffer> {
  let bytes = 0;
  for (let i = 0; i < kept.length; i += 2) bytes += kept[i + 1]! - kept[i]!;
  let records: Buffer = Buffer.allocUnsafe(bytes);
  for (let i = 0, at = 0; i < kept.length; i += 2) at += section.copy(records, at, kept[i]!, kept[i + 1]!);
  const attributes = batch.readInt16BE(ATTRIBUTES);
  const codec = (attributes & COMPRESSION_MASK) as CompressionType;
  if (codec !== CompressionType.None) records = await compress(codec, records);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + records.length);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  records.copy(out, RECORDS);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt32BE(count, RECORDS_COUNT);
  if ((attributes & TIMESTAMP_TYPE_MASK) === 0) writeInt64(out, MAX_TIMESTAMP, readInt64(batch, BASE_TIMESTAMP) + maxTimestampDelta);
  out.writeUInt32BE(crc32c(out, ATTRIBUTES, out.length), CRC);
  return out;
}
