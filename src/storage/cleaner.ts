// Cleaner: the compaction of one log (Kafka: Cleaner in LogCleaner.scala),
// working on segment files by path only, so that it runs the same in a
// worker thread (cleaner-worker.ts, the normal case) or inline (tests).
// Files are read and written with synchronous calls: in the worker they then
// run on the worker's own (low-priority) thread instead of taking slots of
// the libuv thread pool that the broker's own file I/O needs.
//
// Input: the log's inactive segments from the log start up to the first
// uncleanable offset (never past the last stable offset: transactions not
// decided yet stay as written), the first dirty offset (cleaner-offset-
// checkpoint), the aborted transactions of that range (.txnindex) and the
// last batch of each active producer.
//   1. Offset map: for every keyed record in [firstDirty, firstUncleanable),
//      key -> offset of its latest record; batches of aborted transactions are
//      skipped. Bounded by `maxMapEntries` (log.cleaner.dedupe.buffer.size ×
//      load factor / 24, Kafka's entry size); when full, the map ends before
//      the batch that did not fit (the end becomes the next first dirty offset).
//   2. Segments with base offset below the map's end are grouped (Kafka's
//      groupSegmentsBySize: consecutive, total size <= segment.bytes, offsets
//      within an int32 of the group's base) and each group is rewritten into
//      `<base of the group>.log.cleaned`, fsynced.
//   3. Per batch (Kafka's checkBatchRetention + shouldRetainRecord), with the
//      transaction rules of cleaner-txn.ts:
//      - records of an aborted transaction go; a marker that may be discarded
//        goes once its delete horizon passed;
//      - otherwise a record is kept when it is past the map's end, or it is
//        the latest for its key and it has a value or its batch's delete
//        horizon has not passed; records without a key go; markers stay;
//      - a batch left without records is dropped, except the last batch of an
//        active producer (its sequence and epoch) and the batch ending at the
//        first uncleanable offset (the log's last offset information), which
//        stay as empty batches (header only, as Kafka writes them).
//      A batch whose records are all kept and which needs no delete horizon is
//      copied byte for byte; otherwise its header is kept (base offset, last
//      offset delta, producer id/epoch/sequence, partition leader epoch,
//      timestamp type, control/transactional bits, codec) with its kept
//      records' bytes (cleaner-records.ts: walked in place, no object per
//      record). A batch left with tombstones, or a marker that may be
//      discarded, gets a delete horizon if it has none (KIP-534: attribute
//      bit 6, baseTimestamp = now + delete.retention.ms), written once: a
//      restart keeps it, and the first cleaning after that time removes them;
//      such a batch's records are re-encoded against the new base timestamp.
//   4. A group that ends up empty is merged into the next group's file; a last
//      empty group has no file (its segments are just removed).
// Reads and writes count against log.cleaner.io.max.bytes.per.second; in the
// worker, the cleaner also pauses while the broker's event loop is busy (Pacer).
// The caller (log-cleaner.ts) swaps the files in (Log.replaceSegments) and
// hands each group's kept ABORT entries to the .txnindex. Indexes of cleaned
// segments are rebuilt from the .log on first use.

import fs from 'node:fs';
import path from 'node:path';
import {
  ATTRIBUTES,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  CRC,
  DELETE_HORIZON_FLAG,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  NO_TIMESTAMP,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG,
  TimestampType,
  CompressionType,
  baseOffset as readBaseOffset,
  baseTimestamp as readBaseTimestamp,
  maxTimestamp as readMaxTimestamp,
  partitionLeaderEpoch as readLeaderEpoch,
  producerEpoch as readProducerEpoch,
  producerId as readProducerId,
  baseSequence as readBaseSequence,
} from '../protocol/records/batch-header.js';
import { buildBatch, decodeBatch, type DecodedRecord } from '../protocol/records/batch.js';
import type { RecordInput } from '../protocol/records/records.js';
import { CLEANED_SUFFIX, LOG_SUFFIX, segmentFileName } from './log-file-utils.js';
import { CleanedTxnMetadata, type ActiveProducer } from './cleaner-txn.js';
import { Pacer, Throttler } from './cleaner-throttle.js';
import { filteredBatch, forEachRecord, recordsSection, type RecordCursor } from './cleaner-records.js';
import { crc32c } from '../protocol/records/crc32c.js';
import { CorruptRecordError } from '../protocol/records/errors.js';
import type { AbortedTxn } from './transaction-index.js';

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
  /** Rewrite the clean section even with nothing dirty (tombstones or markers whose delete horizon passed). */
  force?: boolean;
  /** Aborted transactions overlapping the segments (from the .txnindex). */
  abortedTxns?: AbortedTxn[];
  /** The last batch of each of these producers is kept (Kafka: lastRecordsOfActiveProducers). */
  activeProducers?: ActiveProducer[];
  /** log.cleaner.io.max.bytes.per.second (default unlimited). */
  ioMaxBytesPerSecond?: number;
}

export interface CleanGroup {
  oldBaseOffsets: number[];
  baseOffset: number;
  /** `<base>.log.cleaned`, or null when nothing of these segments is kept. */
  cleanedPath: string | null;
  /** ABORT markers kept in this group, with data of their transaction seen: the new segment's .txnindex. */
  abortedTxns: AbortedTxn[];
}

export interface CleanResult {
  groups: CleanGroup[];
  /** The next first dirty offset (cleaner-offset-checkpoint). */
  endOffset: number;
  stats: { bytesRead: number; bytesWritten: number; recordsRead: number; recordsKept: number; mapEntries: number; throttledMs: number; pausedMs: number };
  /** Earliest delete horizon of the tombstones and markers left in the cleaned segments (null: none left). */
  minDeleteHorizon: number | null;
}

type Stats = CleanResult['stats'] & { minDeleteHorizon: number | null };

const CHUNK = 1 << 20;
const INT32_MAX = 0x7fffffff;

/** Whole batches of a segment file, read in chunks with synchronous reads. */
function* batchesOf(file: string, size: number): Generator<Buffer> {
  const fd = fs.openSync(file, 'r');
  try {
    let pos = 0;
    let buf: Buffer = Buffer.alloc(0);
    let bufStart = 0;
    while (pos < size) {
      if (pos + LOG_OVERHEAD > bufStart + buf.length) {
        buf = readAt(fd, pos, Math.min(CHUNK, size - pos));
        bufStart = pos;
        if (buf.length < LOG_OVERHEAD) return;
      }
      const at = pos - bufStart;
      const batchSize = buf.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
      if (batchSize < BATCH_HEADER_SIZE || pos + batchSize > size) return; // torn tail: stop
      if (at + batchSize > buf.length) {
        buf = readAt(fd, pos, Math.min(Math.max(CHUNK, batchSize), size - pos));
        bufStart = pos;
        if (buf.length < batchSize) return;
      }
      yield buf.subarray(pos - bufStart, pos - bufStart + batchSize);
      pos += batchSize;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let n = 0;
  while (n < length) {
    const got = fs.readSync(fd, b, n, length - n, position + n);
    if (got === 0) break;
    n += got;
  }
  return b.subarray(0, n);
}

const keyOf = (k: Buffer): string => k.toString('latin1');
const attrs = (b: Buffer) => b.readInt16BE(ATTRIBUTES);
const isControl = (b: Buffer) => (attrs(b) & CONTROL_FLAG) !== 0;
const isTransactional = (b: Buffer) => (attrs(b) & TRANSACTIONAL_FLAG) !== 0;
const lastOffsetOf = (b: Buffer) => readBaseOffset(b) + b.readInt32BE(LAST_OFFSET_DELTA);

/** A batch's delete horizon (KIP-534: attribute bit 6 set, baseTimestamp holds it), or null. */
export function deleteHorizonOf(b: Buffer, at = 0): number | null {
  return b.readInt16BE(at + ATTRIBUTES) & DELETE_HORIZON_FLAG ? readBaseTimestamp(b, at) : null;
}

/** A control batch's marker type (0 ABORT, 1 COMMIT), null when it has no record. */
async function controlTypeOf(b: Buffer): Promise<number | null> {
  const d = await decodeBatch(b, 0, { verifyCrc: false });
  const key = d.records[0]?.key;
  return key && key.length >= 4 ? key.readInt16BE(2) : null;
}

interface OffsetMap {
  map: Map<string, number>;
  /** Offsets below this are covered by the map. */
  end: number;
}

/** Called with the bytes of each batch read or written: the I/O throttle and the pacing. */
type Limit = (bytes: number) => Promise<void>;

async function buildOffsetMap(task: CleanTask, stats: Stats, limit: Limit): Promise<OffsetMap> {
  const map = new Map<string, number>();
  const { firstDirtyOffset: from, firstUncleanableOffset: to } = task;
  const txn = new CleanedTxnMetadata((task.abortedTxns ?? []).filter((t) => t.lastOffset >= from && t.firstOffset < to));
  let end = from;
  outer: for (let i = 0; i < task.segments.length; i++) {
    const seg = task.segments[i]!;
    if (seg.baseOffset >= to) break;
    const next = task.segments[i + 1];
    if (next && next.baseOffset <= from) continue;
    for (const b of batchesOf(seg.path, seg.size)) {
      stats.bytesRead += b.length;
      await limit(b.length);
      const base = readBaseOffset(b);
      const last = lastOffsetOf(b);
      if (last < from) continue;
      if (base >= to) break outer;
      const pid = readProducerId(b);
      if (isControl(b)) txn.onControl(pid, last, await controlTypeOf(b));
      else if (!txn.onBatch(pid, isTransactional(b), last)) {
        const count = b.readInt32BE(57);
        if (map.size > 0 && map.size + count > task.maxMapEntries) break outer;
        const section = await recordsSection(b);
        forEachRecord(section, count, (r) => {
          const offset = base + r.offsetDelta;
          if (offset < from || offset >= to || r.keyLength < 0) return;
          map.set(section.toString('latin1', r.keyStart, r.keyStart + r.keyLength), offset);
        });
      }
      end = Math.min(last + 1, to);
    }
  }
  return { map, end };
}

/** Clean the log described by `task`, writing `.cleaned` files; see the header comment. */
export async function cleanLog(task: CleanTask, brokerLoad?: () => number): Promise<CleanResult> {
  const stats: Stats = { bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsKept: 0, mapEntries: 0, throttledMs: 0, pausedMs: 0, minDeleteHorizon: null };
  const throttle = new Throttler(task.ioMaxBytesPerSecond ?? Number.MAX_VALUE);
  const pacer = brokerLoad ? new Pacer(brokerLoad) : null;
  const limit: Limit = async (bytes) => {
    await throttle.maybeThrottle(bytes);
    await pacer?.maybeYield();
  };
  const om = await buildOffsetMap(task, stats, limit);
  stats.mapEntries = om.map.size;
  const endOffset = om.end;
  const done = (groups: CleanGroup[]): CleanResult => {
    const { minDeleteHorizon, ...rest } = stats;
    rest.throttledMs = throttle.sleptMs;
    rest.pausedMs = pacer?.pausedMs ?? 0;
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
  const ctx: FilterContext = {
    om,
    task,
    stats,
    limit,
    txn: new CleanedTxnMetadata(task.abortedTxns ?? []),
    active: new Map((task.activeProducers ?? []).map((p) => [p.producerId, p])),
  };
  const out: CleanGroup[] = [];
  let carried: CleanerSegment[] = [];
  let carriedTxns: AbortedTxn[] = [];
  for (const group of groups) {
    const all = [...carried, ...group];
    const base = all[0]!.baseOffset;
    const cleanedPath = path.join(task.dir, segmentFileName(base, LOG_SUFFIX + CLEANED_SUFFIX));
    ctx.txn.kept = carriedTxns;
    const written = await cleanInto(group, cleanedPath, ctx);
    if (written === 0) {
      fs.rmSync(cleanedPath, { force: true });
      carried = all;
      carriedTxns = ctx.txn.kept;
      continue;
    }
    out.push({ oldBaseOffsets: all.map((s) => s.baseOffset), baseOffset: base, cleanedPath, abortedTxns: ctx.txn.kept });
    carried = [];
    carriedTxns = [];
  }
  if (carried.length > 0) {
    out.push({ oldBaseOffsets: carried.map((s) => s.baseOffset), baseOffset: carried[0]!.baseOffset, cleanedPath: null, abortedTxns: [] });
  }
  return done(out);
}

interface FilterContext {
  om: OffsetMap;
  task: CleanTask;
  stats: Stats;
  limit: Limit;
  txn: CleanedTxnMetadata;
  active: Map<number, ActiveProducer>;
}

const WRITE_CHUNK = 1 << 20;

/** Write the kept batches of `group` to `file`; returns the bytes written (0: nothing kept). */
async function cleanInto(group: CleanerSegment[], file: string, ctx: FilterContext): Promise<number> {
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(file, 'w');
  let pos = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pendingBytes === 0) return;
    const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    for (let n = 0; n < buf.length; ) n += fs.writeSync(fd, buf, n, buf.length - n, pos + n);
    pos += buf.length;
    pending = [];
    pendingBytes = 0;
  };
  try {
    for (const seg of group) {
      for (const b of batchesOf(seg.path, seg.size)) {
        await ctx.limit(b.length);
        const kept = await filterBatch(b, ctx);
        if (!kept) continue;
        pending.push(kept);
        pendingBytes += kept.length;
        await ctx.limit(kept.length);
        if (pendingBytes >= WRITE_CHUNK) flush();
      }
    }
    flush();
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  ctx.stats.bytesWritten += pos;
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

/** Whether `b` holds the last data (or, after a marker, the last marker) of a producer whose state must survive. */
function isLastOfActiveProducer(b: Buffer, ctx: FilterContext): boolean {
  const pid = readProducerId(b);
  if (pid < 0) return false;
  const p = ctx.active.get(pid);
  if (!p) return false;
  if (p.lastDataOffset >= 0) return lastOffsetOf(b) === p.lastDataOffset;
  return isControl(b) && readProducerEpoch(b) === p.producerEpoch;
}

/** The kept form of batch `b` (a copy, a re-encoded batch or an empty batch), or null to drop it. */
async function filterBatch(b: Buffer, ctx: FilterContext): Promise<Buffer | null> {
  const { task, stats } = ctx;
  const attributes = attrs(b);
  const control = (attributes & CONTROL_FLAG) !== 0;
  const horizon = deleteHorizonOf(b);
  const last = lastOffsetOf(b);
  const pid = readProducerId(b);
  const canDiscard = control
    ? ctx.txn.onControl(pid, last, await controlTypeOf(b))
    : ctx.txn.onBatch(pid, (attributes & TRANSACTIONAL_FLAG) !== 0, last);
  const discardRecords = control ? canDiscard && horizon !== null && horizon <= task.now : canDiscard;
  const retainEmpty = isLastOfActiveProducer(b, ctx) || last + 1 === task.firstUncleanableOffset;
  if (discardRecords && !retainEmpty) {
    stats.recordsRead += b.readInt32BE(57);
    return null;
  }
  if (!control && !discardRecords) {
    const fast = await filterInPlace(b, ctx, horizon, retainEmpty);
    if (fast !== undefined) return fast;
  }
  const decoded = await decodeBatch(b);
  stats.recordsRead += decoded.records.length;
  const kept = discardRecords ? [] : control ? decoded.records : decoded.records.filter((r) => retain(r, ctx.om, horizon, task.now));
  stats.recordsKept += kept.length;
  if (kept.length === 0) return retainEmpty ? emptyBatch(b) : null;
  const hasTombstone = !control && kept.some((r) => r.value === null);
  const markerForEmptyTxn = control && canDiscard;
  const needHorizon = (hasTombstone || markerForEmptyTxn) && horizon === null;
  const newHorizon = needHorizon ? task.now + task.deleteRetentionMs : horizon;
  if ((hasTombstone || markerForEmptyTxn) && newHorizon !== null) {
    stats.minDeleteHorizon = Math.min(stats.minDeleteHorizon ?? Infinity, newHorizon);
  }
  if (kept.length === decoded.records.length && !needHorizon) return Buffer.from(b);
  const base = decoded.baseOffset;
  const logAppend = (attributes & TIMESTAMP_TYPE_MASK) !== 0;
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
    isControl: control,
    timestampType: logAppend ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    baseTimestamp,
    maxTimestamp,
    lastOffsetDelta: decoded.lastOffsetDelta,
    deleteHorizon: newHorizon !== null,
  });
}

/**
 * filterBatch for a data batch, on its records in place: null to drop it, the
 * batch itself, a copy with the kept records' bytes, or an empty batch;
 * undefined when the batch must be re-encoded instead (its tombstones need a
 * delete horizon, which changes the base timestamp every record is relative to).
 */
async function filterInPlace(b: Buffer, ctx: FilterContext, horizon: number | null, retainEmpty: boolean): Promise<Buffer | null | undefined> {
  const { om, stats, task } = ctx;
  if (b.readUInt32BE(CRC) !== crc32c(b, ATTRIBUTES, b.length)) {
    throw new CorruptRecordError(`record batch at offset ${readBaseOffset(b)} in ${task.dir} is corrupt (CRC mismatch)`);
  }
  const section = await recordsSection(b);
  const count = b.readInt32BE(57);
  const base = readBaseOffset(b);
  const ranges: number[] = [];
  let kept = 0;
  let tombstones = false;
  let maxTimestampDelta = -Infinity;
  forEachRecord(section, count, (r: RecordCursor) => {
    const offset = base + r.offsetDelta;
    let keep: boolean;
    if (offset >= om.end) keep = true;
    else if (r.keyLength < 0) keep = false;
    else {
      const latest = om.map.get(section.toString('latin1', r.keyStart, r.keyStart + r.keyLength)) ?? -1;
      keep = offset >= latest && (r.valueLength >= 0 || horizon === null || task.now < horizon);
    }
    if (!keep) return;
    kept++;
    if (r.valueLength < 0) tombstones = true;
    if (r.timestampDelta > maxTimestampDelta) maxTimestampDelta = r.timestampDelta;
    if (ranges.length > 0 && ranges[ranges.length - 1] === r.start) ranges[ranges.length - 1] = r.end;
    else ranges.push(r.start, r.end);
  });
  if (tombstones && horizon === null) return undefined;
  stats.recordsRead += count;
  stats.recordsKept += kept;
  if (tombstones) stats.minDeleteHorizon = Math.min(stats.minDeleteHorizon ?? Infinity, horizon!);
  if (kept === 0) return retainEmpty ? emptyBatch(b) : null;
  if (kept === count) return Buffer.from(b);
  return filteredBatch(b, section, ranges, kept, maxTimestampDelta);
}

/** Kafka's writeEmptyHeader: the batch's offsets, producer fields and max timestamp, no records, no compression. */
function emptyBatch(b: Buffer): Promise<Buffer> {
  const attributes = attrs(b);
  return buildBatch([], {
    baseOffset: readBaseOffset(b),
    lastOffsetDelta: b.readInt32BE(LAST_OFFSET_DELTA),
    partitionLeaderEpoch: readLeaderEpoch(b),
    producerId: readProducerId(b),
    producerEpoch: readProducerEpoch(b),
    baseSequence: readBaseSequence(b),
    transactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    timestampType: attributes & TIMESTAMP_TYPE_MASK ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    baseTimestamp: NO_TIMESTAMP,
    maxTimestamp: readMaxTimestamp(b),
  });
}

/**
 * The earliest delete horizon among the batches of these segments (headers
 * only), or null: after a restart, tells the cleaner when a log's tombstones
 * and markers cleaned before the restart are due.
 */
export function scanDeleteHorizons(segments: CleanerSegment[]): number | null {
  let min: number | null = null;
  const head = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
  for (const seg of segments) {
    const fd = fs.openSync(seg.path, 'r');
    try {
      for (let pos = 0; pos + BATCH_HEADER_SIZE <= seg.size; ) {
        if (fs.readSync(fd, head, 0, BATCH_HEADER_SIZE, pos) < BATCH_HEADER_SIZE) break;
        const size = head.readInt32BE(BATCH_LENGTH) + LOG_OVERHEAD;
        if (size < BATCH_HEADER_SIZE) break;
        const h = deleteHorizonOf(head);
        if (h !== null) min = Math.min(min ?? Infinity, h);
        pos += size;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return min;
}
