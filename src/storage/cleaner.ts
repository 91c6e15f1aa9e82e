// Cleaner: the compaction of one log (Kafka: Cleaner in LogCleaner.scala),
// working on segment files by path only, so that it runs the same in a
// worker thread (cleaner-worker.ts, the normal case) or inline (tests).
//
// Input: the log's inactive segments from the log start up to the first
// uncleanable offset, and the first dirty offset (from cleaner-offset-checkpoint).
//   1. Offset map: for every keyed record in [firstDirty, firstUncleanable),
//      key -> offset of its latest record. Bounded by `maxMapEntries`
//      (log.cleaner.dedupe.buffer.size × load factor / 24, Kafka's entry size);
//      when full, the map ends before the batch that did not fit and cleaning
//      stops there (the end becomes the next first dirty offset).
//   2. Segments with base offset below the map's end are grouped (Kafka's
//      groupSegmentsBySize: consecutive, total size <= segment.bytes, offsets
//      within an int32 of the group's base) and each group is rewritten into
//      `<base of the group>.log.cleaned`, fsynced.
//   3. A record is kept when it is past the map's end, or it is the latest for
//      its key and it has a value or its batch's delete horizon has not passed.
//      Records without a key are dropped, control batches kept as they are.
//      A batch whose records are all kept and which needs no delete horizon is
//      copied byte for byte; otherwise its kept records are re-encoded with
//      their original offsets, timestamps and headers into a batch with the
//      original base offset, last offset delta, producer id/epoch/sequence,
//      partition leader epoch, timestamp type and compression codec. A batch
//      left with tombstones and no delete horizon gets one (KIP-534: attribute
//      bit 6, baseTimestamp = now + delete.retention.ms); its tombstones are
//      removed by the first cleaning after that time. Empty batches are dropped.
//   4. A group that ends up empty is merged into the next group's file; a last
//      empty group has no file (its segments are just removed).
// The caller (log-cleaner.ts) swaps the files in (Log.replaceSegments).
// Indexes of cleaned segments are rebuilt from the .log on first use.

import fs from 'node:fs';
import path from 'node:path';
import {
  ATTRIBUTES,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  DELETE_HORIZON_FLAG,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  TIMESTAMP_TYPE_MASK,
  TimestampType,
  CompressionType,
  baseOffset as readBaseOffset,
  baseTimestamp as readBaseTimestamp,
} from '../protocol/records/batch-header.js';
import { buildBatch, decodeBatch, type DecodedRecord } from '../protocol/records/batch.js';
import type { RecordInput } from '../protocol/records/records.js';
import { CLEANED_SUFFIX, LOG_SUFFIX, segmentFileName } from './log-file-utils.js';

export interface CleanerSegment {
  baseOffset: number;
  path: string;
  size: number;
}

export interface CleanTask {
  dir: string;
  /** Segments from the log start up to (not including) the first uncleanable offset's segment, oldest first. */
  segments: CleanerSegment[];
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  now: number;
  deleteRetentionMs: number;
  segmentBytes: number;
  maxMapEntries: number;
  /** Rewrite the clean section even with nothing dirty (tombstones whose delete horizon passed). */
  force?: boolean;
}

export interface CleanGroup {
  oldBaseOffsets: number[];
  baseOffset: number;
  /** `<base>.log.cleaned`, or null when nothing of these segments is kept. */
  cleanedPath: string | null;
}

export interface CleanResult {
  groups: CleanGroup[];
  /** The next first dirty offset (cleaner-offset-checkpoint). */
  endOffset: number;
  stats: { bytesRead: number; bytesWritten: number; recordsRead: number; recordsKept: number; mapEntries: number };
  /** Earliest delete horizon of the tombstones left in the cleaned segments (null: none left). */
  minDeleteHorizon: number | null;
}

type Stats = CleanResult['stats'] & { minDeleteHorizon: number | null };

const CHUNK = 1 << 20;
const INT32_MAX = 0x7fffffff;

/** Whole batches of a segment file, read in chunks. */
async function* batchesOf(file: string, size: number): AsyncGenerator<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    let pos = 0;
    let buf: Buffer = Buffer.alloc(0);
    let bufStart = 0;
    while (pos < size) {
      if (pos + LOG_OVERHEAD > bufStart + buf.length) {
        buf = await readAt(fh, pos, Math.min(CHUNK, size - pos));
        bufStart = pos;
        if (buf.length < LOG_OVERHEAD) return;
      }
      const at = pos - bufStart;
      const batchSize = buf.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
      if (batchSize < BATCH_HEADER_SIZE || pos + batchSize > size) return; // torn tail: stop
      if (at + batchSize > buf.length) {
        buf = await readAt(fh, pos, Math.min(Math.max(CHUNK, batchSize), size - pos));
        bufStart = pos;
        if (buf.length < batchSize) return;
      }
      yield buf.subarray(pos - bufStart, pos - bufStart + batchSize);
      pos += batchSize;
    }
  } finally {
    await fh.close();
  }
}

async function readAt(fh: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const b = Buffer.allocUnsafe(length);
  let n = 0;
  while (n < length) {
    const { bytesRead } = await fh.read(b, n, length - n, position + n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return b.subarray(0, n);
}

const keyOf = (k: Buffer): string => k.toString('latin1');
const isControl = (b: Buffer) => (b.readInt16BE(ATTRIBUTES) & CONTROL_FLAG) !== 0;
const lastOffsetOf = (b: Buffer) => readBaseOffset(b) + b.readInt32BE(LAST_OFFSET_DELTA);

interface OffsetMap {
  map: Map<string, number>;
  /** Offsets below this are covered by the map. */
  end: number;
}

async function buildOffsetMap(task: CleanTask, stats: CleanResult['stats']): Promise<OffsetMap> {
  const map = new Map<string, number>();
  const { firstDirtyOffset: from, firstUncleanableOffset: to } = task;
  let end = from;
  outer: for (const seg of task.segments) {
    if (seg.baseOffset >= to) break;
    const next = task.segments[task.segments.indexOf(seg) + 1];
    if (next && next.baseOffset <= from) continue;
    for await (const b of batchesOf(seg.path, seg.size)) {
      stats.bytesRead += b.length;
      const base = readBaseOffset(b);
      const last = lastOffsetOf(b);
      if (last < from) continue;
      if (base >= to) break outer;
      if (!isControl(b)) {
        const count = b.readInt32BE(57);
        if (map.size > 0 && map.size + count > task.maxMapEntries) break outer;
        const decoded = await decodeBatch(b);
        for (const r of decoded.records) {
          if (r.offset < from || r.offset >= to || r.key === null) continue;
          map.set(keyOf(r.key), r.offset);
        }
      }
      end = Math.min(last + 1, to);
    }
  }
  return { map, end };
}

/** Clean the log described by `task`, writing `.cleaned` files; see the header comment. */
export async function cleanLog(task: CleanTask): Promise<CleanResult> {
  const stats: Stats = { bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsKept: 0, mapEntries: 0, minDeleteHorizon: null };
  const om = await buildOffsetMap(task, stats);
  stats.mapEntries = om.map.size;
  const endOffset = om.end;
  const done = (groups: CleanGroup[]): CleanResult => {
    const { minDeleteHorizon, ...rest } = stats;
    return { groups, endOffset, stats: rest, minDeleteHorizon };
  };
  if (endOffset <= task.firstDirtyOffset && !task.force) return done([]);
  const segs = task.segments.filter((s) => s.baseOffset < endOffset);
  // Group by size (original sizes, as Kafka) and offset range.
  const groups: CleanerSegment[][] = [];
  for (let i = 0; i < segs.length; ) {
    const group = [segs[i]!];
    let size = segs[i]!.size;
    i++;
    while (i < segs.length) {
      const s = segs[i]!;
      const nextBase = segs[i + 1]?.baseOffset ?? endOffset;
      if (size + s.size > task.segmentBytes || nextBase - 1 - group[0]!.baseOffset > INT32_MAX) break;
      group.push(s);
      size += s.size;
      i++;
    }
    groups.push(group);
  }
  const out: CleanGroup[] = [];
  let carried: CleanerSegment[] = [];
  for (const group of groups) {
    const all = [...carried, ...group];
    const base = all[0]!.baseOffset;
    const cleanedPath = path.join(task.dir, segmentFileName(base, LOG_SUFFIX + CLEANED_SUFFIX));
    const written = await cleanInto(group, cleanedPath, om, task, stats);
    if (written === 0) {
      await fs.promises.rm(cleanedPath, { force: true });
      carried = all;
      continue;
    }
    out.push({ oldBaseOffsets: all.map((s) => s.baseOffset), baseOffset: base, cleanedPath });
    carried = [];
  }
  if (carried.length > 0) {
    out.push({ oldBaseOffsets: carried.map((s) => s.baseOffset), baseOffset: carried[0]!.baseOffset, cleanedPath: null });
  }
  return done(out);
}

/** Write the kept batches of `group` to `file`; returns the bytes written (0: nothing kept). */
async function cleanInto(group: CleanerSegment[], file: string, om: OffsetMap, task: CleanTask, stats: Stats): Promise<number> {
  await fs.promises.rm(file, { force: true });
  const fh = await fs.promises.open(file, 'w');
  let pos = 0;
  try {
    for (const seg of group) {
      for await (const b of batchesOf(seg.path, seg.size)) {
        const kept = await filterBatch(b, om, task, stats);
        if (!kept) continue;
        await fh.write(kept, 0, kept.length, pos);
        pos += kept.length;
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  stats.bytesWritten += pos;
  return pos;
}

/** Kafka's shouldRetainRecord. */
function retain(r: DecodedRecord, om: OffsetMap, horizon: number | null, now: number): boolean {
  if (r.offset >= om.end) return true;
  if (r.key === null) return false;
  const latest = om.map.get(keyOf(r.key)) ?? -1;
  if (r.offset < latest) return false;
  return r.value !== null || horizon === null || now < horizon;
}

async function filterBatch(b: Buffer, om: OffsetMap, task: CleanTask, stats: Stats): Promise<Buffer | null> {
  if (isControl(b)) return Buffer.from(b);
  const attributes = b.readInt16BE(ATTRIBUTES);
  const horizon = attributes & DELETE_HORIZON_FLAG ? readBaseTimestamp(b) : null;
  const decoded = await decodeBatch(b);
  stats.recordsRead += decoded.records.length;
  const kept = decoded.records.filter((r) => retain(r, om, horizon, task.now));
  stats.recordsKept += kept.length;
  if (kept.length === 0) return null;
  const hasTombstone = kept.some((r) => r.value === null);
  const needHorizon = hasTombstone && horizon === null;
  const keptHorizon = needHorizon ? task.now + task.deleteRetentionMs : horizon;
  if (hasTombstone && keptHorizon !== null) stats.minDeleteHorizon = Math.min(stats.minDeleteHorizon ?? Infinity, keptHorizon);
  if (kept.length === decoded.records.length && !needHorizon) return Buffer.from(b);
  const base = decoded.baseOffset;
  const logAppend = (attributes & TIMESTAMP_TYPE_MASK) !== 0;
  const newHorizon = needHorizon ? task.now + task.deleteRetentionMs : horizon;
  const records: RecordInput[] = kept.map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers,
    offsetDelta: r.offset - base,
    timestamp: r.timestamp,
  }));
  const maxTimestamp = logAppend ? decoded.maxTimestamp : Math.max(...kept.map((r) => r.timestamp));
  const baseTimestamp = newHorizon ?? Math.min(...kept.map((r) => r.timestamp));
  return buildBatch(records, {
    baseOffset: base,
    compression: (attributes & COMPRESSION_MASK) as CompressionType,
    partitionLeaderEpoch: decoded.partitionLeaderEpoch,
    producerId: decoded.producerId,
    producerEpoch: decoded.producerEpoch,
    baseSequence: decoded.baseSequence,
    transactional: decoded.isTransactional,
    timestampType: logAppend ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    baseTimestamp,
    maxTimestamp,
    lastOffsetDelta: decoded.lastOffsetDelta,
    deleteHorizon: newHorizon !== null,
  });
}
