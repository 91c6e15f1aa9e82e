// Log: the log of one partition, a directory `<topic>-<partition>/` of segments
// (see log-segment.ts for the files and log-loader.ts for loading/recovery).
//
// Offsets:   logStartOffset <= recoveryPoint <= highWatermark <= logEndOffset
//   logStartOffset  first offset a reader may ask for (DeleteRecords moves it)
//   recoveryPoint   everything below is fsynced; recovery after a crash starts here
//   highWatermark   end of what is written to the file (page cache) and readable
//   logEndOffset    next offset to hand out (includes appends still being written)
//
// Append path: append()/appendAndNotify() are synchronous. They patch each batch's baseOffset (and
// partitionLeaderEpoch; neither is covered by the CRC) in the caller's Buffer,
// roll to a new segment if needed, update the in-memory indexes, and queue
// the Buffer. One write loop, started from a microtask, drains the queue: every
// op queued in the same turn, or while a write was in flight, goes out in a
// single writev of the callers' own Buffers (no copy), made on the event loop
// when small and the loop is not saturated, else on libuv's pool (see
// inline-write-policy.ts); the appenders are called back in offset order. A roll creates the new segment's files before its first write and
// trims + fsyncs the old segment in the background, advancing the recovery
// point. Flush policy: flush.messages / flush.ms (default never: the OS
// decides, as in Kafka).

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  batchSize,
  lastOffsetDelta,
  maxTimestamp,
  recordsCount,
  setBaseOffset,
  setPartitionLeaderEpoch,
  BATCH_HEADER_SIZE,
} from '../protocol/records/batch-header.js';
import { LogSegment, SegmentClosedError, SegmentConfig } from './log-segment.js';
import { loadLog } from './log-loader.js';
import { offsetOfMaxTimestamp } from './batch-scan.js';
import type { ReadAlloc } from './fs-util.js';
import { decompress as decompressRecords } from '../protocol/records/compression.js';
import { KafkaStorageError, OffsetOutOfRangeError, StorageError } from './errors.js';
import { lifecycleConfig, type Decompressor, type LogConfig } from './log-config.js';
import { removeTree } from './file-remover.js';
import { INLINE_WRITE_MAX_BYTES, INLINE_WRITE_STALL_MS, inlineWritesAllowed, pauseInlineWrites } from './inline-write-policy.js';
import { Logger } from '../logger.js';

export { setInlineLogWrites } from './inline-write-policy.js';

const storageLog = new Logger('LogDirFailureChannel');
const unifiedLog = new Logger('UnifiedLog');

export type { LogConfig } from './log-config.js';

/** Told once whether an append's batches were written (null) or not (the error). */
export type AppendCallback = (err: Error | null) => void;

interface WriteOp {
  seg: LogSegment;
  buf: Buffer;
  endOffset: number;
  records: number;
  done: AppendCallback;
}

export type ReadResult =
  | { outOfRange: false; records: Buffer[]; size: number; highWatermark: number; logStartOffset: number }
  | { outOfRange: true };

export interface OpenOptions {
  recoveryPoint?: number;
  hadCleanShutdown: boolean;
  logStartOffset?: number;
  /** Used to find record-level offsets inside compressed batches (ListOffsets); default: protocol/records codecs. */
  decompress?: Decompressor;
}

const SWAP_SUFFIX_ = '.swap';

const SETTLED: Promise<void> = Promise.resolve();

/** The buffers of queue[start, end), for one writev. */
function gatherBuffers(queue: WriteOp[], start: number, end: number): Buffer[] {
  const bufs = new Array<Buffer>(end - start);
  for (let i = start; i < end; i++) bufs[i - start] = queue[i]!.buf;
  return bufs;
}

/** May this write of `bytes` to `seg` be made on the event loop now (see inline-write-policy.ts)? */
function canWriteInline(seg: LogSegment, bytes: number): boolean {
  return bytes <= INLINE_WRITE_MAX_BYTES && seg.writableInline && inlineWritesAllowed();
}

/** Bytes gathered into one writev at most. */
const MAX_WRITE_BYTES = 64 << 20;

export class Log {
  private _config: LogConfig;
  decompress?: Decompressor;
  private segments: LogSegment[];
  private _logStartOffset: number;
  private nextOffset: number;
  private hw: number;
  private _recoveryPoint: number;
  private queue: WriteOp[] = [];
  private qHead = 0;
  /** Appends queued so far, and those written or failed so far (ops complete in order). */
  private appendsQueued = 0;
  private appendsSettled = 0;
  private settledAhead = 0;
  /** Bytes and records of the write nextWriteEnd() found. */
  private nextBytes = 0;
  private nextRecords = 0;
  /** drain() callers, each waiting for appendsSettled to reach its mark. */
  private drainWaiters: { upTo: number; resolve: () => void }[] = [];
  private writing = false;
  private failed: Error | null = null;
  private closed = false;
  private busy = false; // truncation in progress
  private unflushedMessages = 0;
  private lastFlushTime = Date.now();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushChain: Promise<void> = Promise.resolve();
  private background = new Set<Promise<void>>();
  /** Segments renamed .deleted, waiting for file.delete.delay.ms before their files are removed. */
  private pendingDeletes = new Map<LogSegment, NodeJS.Timeout | null>();
  /** Set by the log cleaner while it works on this log's segments: retention leaves them alone. */
  cleaning = false;
  /** Serialises segment-list changes made by retention, DeleteRecords and the cleaner's swap. */
  private segmentOps: Promise<unknown> = Promise.resolve();
  /** Load statistics, for logs and tests. */
  readonly loadStats: { recoveredSegments: number; truncatedBytes: number };

  private constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    config: LogConfig,
    loaded: Awaited<ReturnType<typeof loadLog>>,
    decompress?: Decompressor,
  ) {
    this._config = config;
    this.segments = loaded.segments;
    this.nextOffset = this.hw = loaded.nextOffset;
    this._recoveryPoint = loaded.recoveryPoint;
    this._logStartOffset = loaded.logStartOffset;
    this.decompress = decompress ?? ((type, data) => decompressRecords(type, data));
    this.loadStats = { recoveredSegments: loaded.recoveredSegments, truncatedBytes: loaded.truncatedBytes };
  }

  static async open(dir: string, topic: string, partition: number, config: LogConfig, opts: OpenOptions): Promise<Log> {
    const loaded = await loadLog(dir, segmentConfig(config), opts);
    return new Log(dir, topic, partition, config, loaded, opts.decompress);
  }

  get config(): LogConfig {
    return this._config;
  }

  /** Replace the configuration (AlterConfigs); applies to the next append, roll and index entry. */
  set config(config: LogConfig) {
    this._config = config;
    const sc = segmentConfig(config);
    for (const seg of this.segments) seg.config = sc;
    const active = this.active;
    if (active.indexesLoaded) {
      active.offsetIndex.setMaxIndexSize(config.segmentIndexBytes);
      active.timeIndex.setMaxIndexSize(config.segmentIndexBytes);
    }
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }
  get logEndOffset(): number {
    return this.nextOffset;
  }
  get highWatermark(): number {
    return this.hw;
  }
  get recoveryPoint(): number {
    return this._recoveryPoint;
  }
  get sizeInBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.pendingSize;
    return n;
  }
  get numberOfSegments(): number {
    return this.segments.length;
  }
  /** Base offsets of the segments, oldest first. */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }
  /** The segments, oldest first (a snapshot; for tools and tests). */
  logSegments(): readonly LogSegment[] {
    return this.segments.slice();
  }

  /** True after an I/O error took the log offline (until the broker restarts). */
  get isOffline(): boolean {
    return this.failed !== null;
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  // ---- append --------------------------------------------------------------

  append(batches: Buffer, opts?: { leaderEpoch?: number }): { firstOffset: number; lastOffset: number; written: Promise<void> } {
    let done!: AppendCallback;
    const written = new Promise<void>((resolve, reject) => {
      done = (err) => (err ? reject(err) : resolve());
    });
    // A caller that never awaits `written` must not crash the process on an I/O error.
    written.catch(() => {});
    const firstOffset = this.appendAndNotify(batches, done, opts?.leaderEpoch);
    return { firstOffset, lastOffset: this.nextOffset - 1, written };
  }

  /**
   * append() without a Promise, for the produce path: assigns offsets and
   * queues the batches as append() does, then calls `done` once they are
   * written (null) or failed. Returns the first offset; the last is
   * logEndOffset - 1 on return.
   */
  appendAndNotify(batches: Buffer, done: AppendCallback, leaderEpoch?: number): number {
    if (this.failed) throw new KafkaStorageError(`log ${this.dir} is offline: ${this.failed.message}`, this.failed);
    if (this.closed) throw new StorageError('INVALID_STATE', `log ${this.dir} is closed`);
    if (this.busy) throw new StorageError('INVALID_STATE', `log ${this.dir} is being truncated`);
    // Pass 1: sizes, offsets, timestamps (nothing is modified if this throws).
    const len = batches.length;
    const first = this.nextOffset;
    let next = first;
    let maxTs = -1;
    for (let at = 0; at < len; ) {
      if (len - at < BATCH_HEADER_SIZE) throw new StorageError('CORRUPT_RECORD', `truncated batch at byte ${at}`);
      const size = batchSize(batches, at);
      const delta = lastOffsetDelta(batches, at);
      if (size < BATCH_HEADER_SIZE || at + size > len || delta < 0) {
        throw new StorageError('CORRUPT_RECORD', `malformed batch at byte ${at}`);
      }
      maxTs = Math.max(maxTs, maxTimestamp(batches, at));
      next += delta + 1;
      at += size;
    }
    if (len === 0) throw new StorageError('CORRUPT_RECORD', 'no batches to append');
    const lastOffset = next - 1;
    const cfg = this._config;
    if (this.active.shouldRoll(cfg.segmentBytes, cfg.segmentMs, len, maxTs, lastOffset, Date.now())) this.roll();
    // Pass 2: assign offsets in place and account for each batch in the active segment.
    const seg = this.active;
    const epoch = leaderEpoch;
    let offset = first;
    let records = 0;
    for (let at = 0; at < len; ) {
      const size = batchSize(batches, at);
      const delta = lastOffsetDelta(batches, at);
      setBaseOffset(batches, offset, at);
      if (epoch !== undefined) setPartitionLeaderEpoch(batches, epoch, at);
      seg.assignBatch(size, offset + delta, maxTimestamp(batches, at));
      records += recordsCount(batches, at);
      offset += delta + 1;
      at += size;
    }
    this.nextOffset = next;
    this.queue.push({ seg, buf: batches, endOffset: next, records, done });
    this.appendsQueued++;
    if (!this.writing) {
      // Written once the current callback is done (a microtask): the batches of every request
      // read in one socket read go out in one write per log. (A resolved promise's then, not
      // queueMicrotask, which allocates an AsyncResource per call.)
      this.writing = true;
      void SETTLED.then(this.startPump);
    }
    return first;
  }

  private roll(): void {
    const old = this.active;
    const seg = LogSegment.fresh(this.dir, this.nextOffset, segmentConfig(this._config));
    seg.active = true;
    this.segments.push(seg);
    // The old segment is finished once its last queued write is done.
    if (!this.writing && this.qHead === this.queue.length) this.finishSegment(old);
  }

  /** Trim the rolled segment's indexes and fsync everything below the new segment (Kafka's flush on roll). */
  private finishSegment(seg: LogSegment): void {
    const upTo = this.segments[this.segments.indexOf(seg) + 1]?.baseOffset ?? this.hw;
    this.track(
      (async () => {
        await seg.onBecomeInactive();
        await this.flushUpTo(upTo);
      })(),
    );
  }

  private track(p: Promise<void>): void {
    const q: Promise<void> = p
      .catch((err) => {
        this.fail(err);
      })
      .finally(() => this.background.delete(q));
    this.background.add(q);
  }

  private readonly startPump = (): void => {
    // The common case, inline writes with no flush due, completes here without an async frame;
    // anything else continues in pump().
    let handedOver = false;
    try {
      while (this.qHead < this.queue.length) {
        if (!this.writeNextInline()) {
          handedOver = true;
          void this.pump();
          return;
        }
      }
    } finally {
      if (!handedOver) this.writing = false;
    }
  };

  /**
   * The queued appends [qHead, end) that go out in the next write: one
   * segment's, up to MAX_WRITE_BYTES. Leaves their bytes and records in
   * nextBytes / nextRecords (fields, not a result object: this runs per write).
   */
  private nextWriteEnd(): number {
    const queue = this.queue;
    const seg = queue[this.qHead]!.seg;
    let end = this.qHead;
    let bytes = 0;
    let records = 0;
    while (end < queue.length && bytes < MAX_WRITE_BYTES && queue[end]!.seg === seg) {
      bytes += queue[end]!.buf.length;
      records += queue[end]!.records;
      end++;
    }
    this.nextBytes = bytes;
    this.nextRecords = records;
    return end;
  }

  /** Takes queue[qHead, end) off the queue (the caller holds the array). */
  private dequeue(end: number): void {
    this.qHead = end;
    if (end === this.queue.length) {
      this.queue = [];
      this.qHead = 0;
    }
  }

  /** A write of queue[start, end) failed: the log goes offline and those appends fail. */
  private failWrite(queue: WriteOp[], start: number, end: number, err: unknown): void {
    const e = this.fail(err);
    for (let i = start; i < end; i++) this.notify(queue[i]!, e);
    this.settle(end - start);
  }

  /**
   * Makes the next write on the event loop and completes its appends, if it
   * may be made there and no flush is due after it; returns false, having
   * done nothing, otherwise.
   */
  private writeNextInline(): boolean {
    const queue = this.queue;
    const start = this.qHead;
    const seg = queue[start]!.seg;
    const end = this.nextWriteEnd();
    const bytes = this.nextBytes;
    const records = this.nextRecords;
    if (!canWriteInline(seg, bytes) || this.unflushedMessages + records >= this._config.flushIntervalMessages) return false;
    this.dequeue(end);
    try {
      this.writeInlineTimed(seg, gatherBuffers(queue, start, end), bytes);
    } catch (err) {
      this.failWrite(queue, start, end, err);
      return true;
    }
    this.unflushedMessages += records;
    this.completeWrite(seg, queue, start, end);
    return true;
  }

  /** An inline write; one slower than INLINE_WRITE_STALL_MS sends the next writes to the pool for a while. */
  private writeInlineTimed(seg: LogSegment, bufs: Buffer[], bytes: number): void {
    const t0 = performance.now();
    seg.writeInline(bufs, bytes);
    const took = performance.now() - t0;
    if (took > INLINE_WRITE_STALL_MS) pauseInlineWrites(took, this.dir);
  }

  /** After a write of queue[start, end): advances the high watermark, tells the appenders, finishes a rolled segment. */
  private completeWrite(seg: LogSegment, queue: WriteOp[], start: number, end: number): void {
    this.hw = queue[end - 1]!.endOffset;
    for (let i = start; i < end; i++) this.notify(queue[i]!, null);
    this.settle(end - start);
    this.maybeScheduleTimedFlush();
    const nextSeg = this.queue[this.qHead]?.seg;
    if (seg !== this.active && nextSeg !== seg) this.finishSegment(seg);
  }

  /** Tells an appender how its write went; a throwing callback must not stop this log's writes. */
  private notify(op: WriteOp, err: Error | null): void {
    try {
      op.done(err);
    } catch (cbErr) {
      unifiedLog.error(`An append callback of ${this.topic}-${this.partition} threw: ${(cbErr as Error)?.stack ?? cbErr}`);
    }
  }

  /** Counts `n` more appends written or failed, in order, and wakes the drain() callers they complete. */
  private settle(n: number): void {
    this.appendsSettled += n;
    // Appends fail() settled ahead of the in-flight writes count once those are settled too.
    if (this.settledAhead > 0 && this.appendsQueued - this.appendsSettled === this.settledAhead) {
      this.appendsSettled += this.settledAhead;
      this.settledAhead = 0;
    }
    const waiters = this.drainWaiters;
    if (waiters.length === 0) return;
    let i = 0;
    while (i < waiters.length && waiters[i]!.upTo <= this.appendsSettled) waiters[i++]!.resolve();
    if (i > 0) waiters.splice(0, i);
  }

  private async pump(): Promise<void> {
    this.writing = true;
    try {
      while (this.qHead < this.queue.length) {
        if (this.writeNextInline()) continue;
        const queue = this.queue;
        const start = this.qHead;
        const end = this.nextWriteEnd();
        const seg = queue[start]!.seg;
        const bytes = this.nextBytes;
        const records = this.nextRecords;
        const endOffset = queue[end - 1]!.endOffset;
        this.dequeue(end);
        try {
          if (canWriteInline(seg, bytes)) {
            // Inline, but a flush is due after it.
            this.writeInlineTimed(seg, gatherBuffers(queue, start, end), bytes);
          } else {
            await seg.write(gatherBuffers(queue, start, end), bytes);
          }
          this.unflushedMessages += records;
          if (this.unflushedMessages >= this._config.flushIntervalMessages) await this.flushUpTo(endOffset);
        } catch (err) {
          this.failWrite(queue, start, end, err);
          return;
        }
        this.completeWrite(seg, queue, start, end);
      }
    } finally {
      this.writing = false;
    }
  }

  /** Mark the log offline after an I/O error and fail every queued append. */
  private fail(err: unknown): Error {
    if (!this.failed) {
      this.failed = err instanceof Error ? err : new Error(String(err));
      storageLog.error(
        `Stopping serving ${this.topic}-${this.partition} in dir ${path.dirname(this.dir)}: ${this.failed.message}; ` +
          'produce and fetch answer KAFKA_STORAGE_ERROR until the broker is restarted',
      );
      const queued = this.queue.slice(this.qHead);
      this.queue = [];
      this.qHead = 0;
      const e = new KafkaStorageError(`I/O error in log ${this.dir}: ${this.failed.message}`, this.failed);
      for (const op of queued) this.notify(op, e);
      // Settled ahead of the writes still in flight (drain() must wait for those too).
      this.settledAhead += queued.length;
      this.settle(0);
    }
    return new KafkaStorageError(`I/O error in log ${this.dir}: ${this.failed.message}`, this.failed);
  }

  private maybeScheduleTimedFlush(): void {
    const ms = this._config.flushIntervalMs;
    if (!Number.isFinite(ms) || this.flushTimer || this.closed) return;
    const wait = Math.max(0, this.lastFlushTime + ms - Date.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.track(this.flush());
    }, wait);
    this.flushTimer.unref();
  }

  /** Resolves when every append made so far is written or failed (never rejects). */
  private drain(): Promise<void> {
    if (this.appendsSettled >= this.appendsQueued) return SETTLED;
    return new Promise((resolve) => this.drainWaiters.push({ upTo: this.appendsQueued, resolve }));
  }

  /** fsync every segment holding offsets below `offset` (the caller knows they are written) and advance the recovery point. */
  private flushUpTo(offset: number): Promise<void> {
    const run = async (): Promise<void> => {
      if (offset <= this._recoveryPoint) return;
      const start = Date.now();
      for (const seg of this.segments.slice()) {
        if (seg.baseOffset >= offset) break;
        await seg.flush();
      }
      this._recoveryPoint = Math.max(this._recoveryPoint, offset);
      this.unflushedMessages = 0;
      this.lastFlushTime = start;
    };
    const p = this.flushChain.then(run);
    this.flushChain = p.catch(() => {});
    return p;
  }

  /** fsync the log up to everything appended so far; advances the recovery point. */
  async flush(): Promise<void> {
    await this.drain();
    await this.flushUpTo(this.hw);
  }

  // ---- reads ---------------------------------------------------------------

  /** Index of the segment holding `offset` (the last with baseOffset <= offset), or 0. */
  private floorSegment(segs: LogSegment[], offset: number): number {
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (segs[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Whole batches from fetchOffset, below the high watermark (and maxOffset),
   * at most maxBytes unless minOneBatch. `alloc` supplies the read buffers
   * (the network fetch path's pool; the caller then owns their lifetime).
   */
  async read(
    fetchOffset: number,
    maxBytes: number,
    opts: { minOneBatch: boolean; maxOffset?: number; alloc?: ReadAlloc },
  ): Promise<ReadResult> {
    for (let attempt = 0; ; attempt++) {
      if (this.failed) throw new KafkaStorageError(`log ${this.dir} is offline`, this.failed);
      const lso = this._logStartOffset;
      if (fetchOffset < lso || fetchOffset > this.nextOffset) return { outOfRange: true };
      const hw = this.hw;
      const limit = Math.min(hw, opts.maxOffset ?? Infinity);
      const empty = { outOfRange: false as const, records: [], size: 0, highWatermark: hw, logStartOffset: lso };
      if (fetchOffset >= limit) return empty;
      const segs = this.segments;
      try {
        for (let i = this.floorSegment(segs, fetchOffset); i < segs.length; i++) {
          const seg = segs[i]!;
          if (seg.baseOffset >= limit) break;
          const r = await seg.read(fetchOffset, maxBytes, opts.minOneBatch, limit, undefined, opts.alloc);
          if (r.found) return { ...empty, records: r.records, size: r.size };
        }
        return empty;
      } catch (err) {
        if (err instanceof SegmentClosedError && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** Run `fn` again (up to 5 times) when a segment it used was deleted under it. */
  private async retryOnClosed<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof SegmentClosedError) || attempt >= 5 || this.closed) throw err;
      }
    }
  }

  /** ListOffsets by timestamp: the first record with timestamp >= ts (below the high watermark). */
  offsetForTimestamp(ts: number): Promise<{ offset: number; timestamp: number; leaderEpoch: number } | null> {
    return this.retryOnClosed(() => this.searchTimestamp(ts));
  }

  private async searchTimestamp(ts: number): Promise<{ offset: number; timestamp: number; leaderEpoch: number } | null> {
    const hw = this.hw;
    const lso = this._logStartOffset;
    for (const seg of this.segments.slice()) {
      if (seg.baseOffset >= hw) break;
      await seg.ensureIndexes();
      if (seg.maxTimestampSoFar.timestamp < ts) continue;
      const hit = await seg.findOffsetByTimestamp(ts, lso, hw, this.decompress);
      if (hit) {
        return { offset: hit.offset, timestamp: hit.timestamp, leaderEpoch: hit.leaderEpoch >= 0 ? hit.leaderEpoch : -1 };
      }
    }
    return null;
  }

  /** ListOffsets MAX_TIMESTAMP: the record with the largest timestamp; (-1, -1) for an empty log. */
  async maxTimestampAndOffset(): Promise<{ offset: number; timestamp: number; leaderEpoch: number }> {
    await this.drain();
    return this.retryOnClosed(() => this.searchMaxTimestamp());
  }

  private async searchMaxTimestamp(): Promise<{ offset: number; timestamp: number; leaderEpoch: number }> {
    let best: LogSegment | null = null;
    for (const seg of this.segments.slice()) {
      await seg.ensureIndexes();
      if (!best || seg.maxTimestampSoFar.timestamp > best.maxTimestampSoFar.timestamp) best = seg;
    }
    const none = { offset: -1, timestamp: -1, leaderEpoch: -1 };
    if (!best || best.maxTimestampSoFar.timestamp < 0) return none;
    const b = await best.batchWithMaxTimestamp();
    if (!b) return none;
    const offset = await offsetOfMaxTimestamp(b.bytes, this.decompress);
    const epoch = b.header.partitionLeaderEpoch;
    return { offset, timestamp: b.header.maxTimestamp, leaderEpoch: epoch >= 0 ? epoch : -1 };
  }

  // ---- truncation and deletion -------------------------------------------

  /** Remove every batch with lastOffset >= offset (replication: truncate to a leader-epoch boundary). */
  async truncateTo(offset: number): Promise<void> {
    if (offset < 0) throw new OffsetOutOfRangeError(`cannot truncate ${this.dir} to negative offset ${offset}`);
    await this.drain();
    await Promise.all([...this.background]);
    if (offset >= this.nextOffset) return;
    this.busy = true;
    try {
      await this.flushChain;
      const segs = this.segments;
      if (offset <= segs[0]!.baseOffset) {
        await this.truncateFullyAndStartAt(offset);
        return;
      }
      const keep = segs.filter((s) => s.baseOffset < offset);
      const drop = segs.filter((s) => s.baseOffset >= offset);
      this.segments = keep;
      for (const s of drop) await s.delete();
      const last = keep[keep.length - 1]!;
      await last.truncateTo(offset);
      last.active = true;
      if (last.nextOffset < 0) await last.readNextOffset();
      await last.persistIndexes(false);
      await last.loadFirstBatchTimestamp();
      this.nextOffset = this.hw = last.nextOffset;
      this._recoveryPoint = Math.min(this._recoveryPoint, this.nextOffset);
      this._logStartOffset = Math.min(this._logStartOffset, this.nextOffset);
    } finally {
      this.busy = false;
    }
  }

  /** Delete everything and start empty at `offset` (log start, end and recovery point all move there). */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    await this.drain();
    await Promise.all([...this.background]);
    const old = this.segments;
    const seg = LogSegment.fresh(this.dir, offset, segmentConfig(this._config));
    seg.active = true;
    for (const s of old) await s.delete();
    await seg.ensureFiles();
    this.segments = [seg];
    this.nextOffset = this.hw = this._recoveryPoint = this._logStartOffset = offset;
  }

  /**
   * DeleteRecords: move the log start offset to `offset` (at most the high
   * watermark) at once, so reads below it fail with OFFSET_OUT_OF_RANGE, then
   * delete the segments entirely below it (asynchronously, as retention does;
   * while the cleaner works on this log they go at the next retention check).
   * Returns the new log start offset (the low watermark).
   */
  async deleteRecordsBefore(offset: number): Promise<number> {
    if (offset > this.hw || offset < 0) {
      throw new OffsetOutOfRangeError(`offset ${offset} is outside [0, ${this.hw}] in ${this.dir}`);
    }
    if (offset <= this._logStartOffset) return this._logStartOffset;
    this._logStartOffset = offset;
    await this.deleteLogStartOffsetBreachedSegments();
    return this._logStartOffset;
  }

  // ---- retention (Kafka: UnifiedLog.deleteOldSegments) ----------------------

  /**
   * One retention pass: with cleanup.policy containing delete, segments past
   * retention.ms (by their largest timestamp) and, oldest first, segments
   * beyond retention.bytes; with any policy, segments wholly below the log
   * start offset. Only segments below the high watermark are candidates. When
   * every segment is deletable the log rolls first, so the active segment is
   * never deleted and a quiet topic's data still expires. Advances the log
   * start offset. Returns the number of segments deleted.
   */
  async deleteOldSegments(now = Date.now()): Promise<number> {
    if (this.closed || this.failed) return 0;
    const lc = lifecycleConfig(this._config);
    let n = await this.deleteLogStartOffsetBreachedSegments();
    if (!lc.delete) return n;
    if (lc.retentionBytes >= 0) {
      n += await this.deleteSegmentsWhile(async (segs) => {
        let diff = segs.reduce((a, s) => a + s.size, 0) - lc.retentionBytes;
        let k = 0;
        while (k < segs.length && diff - segs[k]!.size >= 0) {
          diff -= segs[k]!.size;
          k++;
        }
        return k;
      });
    }
    if (lc.retentionMs >= 0) {
      n += await this.deleteSegmentsWhile(async (segs) => {
        let k = 0;
        while (k < segs.length && now - (await segs[k]!.largestTimestamp()) > lc.retentionMs) k++;
        return k;
      });
    }
    return n;
  }

  /**
   * Roll a quiet active segment older than segment.ms (measured, as on append,
   * from its first batch's timestamp, else its creation time), so that
   * retention and compaction reach data of a topic nobody writes to any more.
   * Returns whether it rolled.
   */
  async rollIfExpired(now = Date.now()): Promise<boolean> {
    if (this.closed || this.failed || this.busy) return false;
    const seg = this.active;
    if (seg.pendingSize === 0 || this.hw < this.nextOffset) return false;
    const cfg = this._config;
    if (seg.timeWaitedForRoll(now, now) <= cfg.segmentMs - seg.rollJitterMs) return false;
    this.roll();
    await this.active.ensureFiles();
    return true;
  }

  private deleteLogStartOffsetBreachedSegments(): Promise<number> {
    return this.deleteSegmentsWhile(async (segs) => {
      let k = 0;
      while (k < segs.length - 1 && segs[k + 1]!.baseOffset <= this._logStartOffset) k++;
      // The active segment too, when the log start offset is at the log end (it rolls first).
      if (k === segs.length - 1 && segs[k]!.pendingSize > 0 && this.nextOffset <= this._logStartOffset) k++;
      return k;
    });
  }

  /**
   * Delete the first `count(candidates)` segments, where candidates are the
   * segments whose offsets are all below the high watermark (every segment,
   * the active one included, once everything appended is written).
   */
  private deleteSegmentsWhile(count: (segs: LogSegment[]) => Promise<number>): Promise<number> {
    const run = async (): Promise<number> => {
      if (this.closed || this.failed || this.busy || this.cleaning) return 0;
      await this.drain();
      await Promise.all([...this.background]);
      let segs = this.segments;
      const hw = this.hw;
      const candidates: LogSegment[] = [];
      for (let i = 0; i < segs.length; i++) {
        const upper = i + 1 < segs.length ? segs[i + 1]!.baseOffset : this.nextOffset;
        if (hw < upper) break;
        if (i === segs.length - 1 && segs[i]!.pendingSize === 0) break; // empty active segment
        candidates.push(segs[i]!);
      }
      const k = Math.min(await count(candidates), candidates.length);
      if (k === 0 || this.closed || this.cleaning || this.segments !== segs) return 0;
      const doomed = candidates.slice(0, k);
      if (k === segs.length) {
        // Kafka: the log always keeps a segment; roll so the active one is new and empty.
        this.roll();
        segs = this.segments;
        await this.active.ensureFiles();
        await Promise.all([...this.background]);
      }
      this.segments = segs.slice(doomed.length);
      const first = this.segments[0]!.baseOffset;
      if (first > this._logStartOffset) this._logStartOffset = Math.min(first, this.hw);
      for (const seg of doomed) await this.asyncDeleteSegment(seg);
      return k;
    };
    const p = this.segmentOps.then(run, run);
    this.segmentOps = p.catch(() => {});
    return p;
  }

  /** Rename the segment's files to .deleted and remove them after file.delete.delay.ms. */
  private async asyncDeleteSegment(seg: LogSegment): Promise<void> {
    await seg.renameToDeleted();
    this.scheduleDelete(seg);
  }

  /** Remove the files of segments waiting for file.delete.delay.ms now (shutdown, tests). */
  async flushPendingDeletes(): Promise<void> {
    const segs = [...this.pendingDeletes.keys()];
    for (const seg of segs) {
      const t = this.pendingDeletes.get(seg);
      if (t) clearTimeout(t);
      this.pendingDeletes.delete(seg);
    }
    await Promise.all(segs.map((s) => s.delete().catch(() => {})));
  }

  /**
   * The log cleaner's swap (Kafka: UnifiedLog.replaceSegments), run after the
   * cleaner has written `<base>.log.cleaned` for each replacement. For each
   * replacement in turn: rename its .cleaned file to .swap (from then on a
   * crash completes the swap at load), rename the old segments' files to
   * .deleted, then rename .swap to .log and put the new segment in the list.
   * `replacements` must cover the old segments in order; a replacement without
   * a file (`cleanedPath` null) means the old segments are simply dropped.
   * Throws if the log's segments changed since the cleaner chose them.
   */
  replaceSegments(
    replacements: { oldBaseOffsets: number[]; cleanedPath: string | null; baseOffset: number }[],
    onStep?: (step: string) => void,
  ): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.closed || this.failed) throw new StorageError('INVALID_STATE', `log ${this.dir} is closed`);
      for (const r of replacements) {
        const segs = this.segments;
        const olds = r.oldBaseOffsets.map((b) => segs.find((s) => s.baseOffset === b));
        if (olds.some((s) => !s || s === this.active)) {
          throw new StorageError('INVALID_STATE', `segments of ${this.dir} changed while cleaning`);
        }
        const oldSegs = olds as LogSegment[];
        let fresh: LogSegment | null = null;
        if (r.cleanedPath) {
          const swapPath = r.cleanedPath.replace(/\.cleaned$/, SWAP_SUFFIX_);
          await fs.promises.rename(r.cleanedPath, swapPath);
          onStep?.('swap');
          for (const s of oldSegs) await s.renameToDeleted();
          onStep?.('deleted');
          const logPath = swapPath.slice(0, -SWAP_SUFFIX_.length);
          await fs.promises.rename(swapPath, logPath);
          onStep?.('renamed');
          const size = (await fs.promises.stat(logPath)).size;
          fresh = LogSegment.existing(this.dir, r.baseOffset, segmentConfig(this._config), size);
        } else {
          for (const s of oldSegs) await s.renameToDeleted();
        }
        const at = this.segments.indexOf(oldSegs[0]!);
        const next = this.segments.filter((s) => !oldSegs.includes(s));
        if (fresh) next.splice(at, 0, fresh);
        this.segments = next;
        for (const s of oldSegs) this.scheduleDelete(s);
      }
    };
    const p = this.segmentOps.then(run, run);
    this.segmentOps = p.catch(() => {});
    return p;
  }

  /** Resolves when retention/DeleteRecords/swap work already queued on the segment list is done. */
  quiesceSegmentOps(): Promise<void> {
    return this.segmentOps.then(() => {});
  }

  private scheduleDelete(seg: LogSegment): void {
    const delay = lifecycleConfig(this._config).fileDeleteDelayMs;
    const remove = () => {
      this.pendingDeletes.delete(seg);
      this.track(seg.delete());
    };
    if (delay <= 0) return remove();
    const timer = setTimeout(remove, delay);
    timer.unref();
    this.pendingDeletes.set(seg, timer);
  }

  // ---- lifecycle ------------------------------------------------------------

  /** Wait for pending writes, flush, write final time-index entries, trim indexes, close files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.drain();
    await this.segmentOps;
    await Promise.all([...this.background]);
    await this.flushPendingDeletes();
    if (!this.failed) await this.flushUpTo(this.hw).catch((err) => this.fail(err));
    for (const seg of this.segments) await seg.close();
    if (!this.failed) this._recoveryPoint = this.nextOffset;
  }

  /** Stop accepting appends, wait for pending writes and release every file descriptor; touch no file. */
  async closeHandles(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.drain();
    await this.segmentOps;
    await Promise.all([...this.background]);
    for (const [seg, t] of this.pendingDeletes) {
      if (t) clearTimeout(t);
      await seg.closeHandles();
    }
    this.pendingDeletes.clear();
    for (const seg of this.segments) await seg.closeHandles();
  }

  /** Close and remove the partition directory. */
  async delete(): Promise<void> {
    await this.closeHandles();
    await removeTree(this.dir);
  }
}

export function segmentConfig(c: LogConfig): SegmentConfig {
  return {
    indexIntervalBytes: c.indexIntervalBytes,
    segmentIndexBytes: c.segmentIndexBytes,
    segmentMs: c.segmentMs,
    segmentJitterMs: c.segmentJitterMs,
  };
}
