// LogCleaner: background compaction of logs whose cleanup.policy contains
// compact (Kafka: LogCleaner + LogCleanerManager). One cleaner loop; the
// CPU and I/O of cleaning (cleaner.ts) run in a worker thread, so produce and
// fetch on the event loop are not held up; the main thread only picks the
// log, snapshots its segments and swaps the cleaned files in.
//
// File per log dir:
//   cleaner-offset-checkpoint   Kafka's offset checkpoint format (checkpoints.ts):
//                               "topic partition firstDirtyOffset" per compacted log
//
// Choosing a log (Kafka's grabFilthiestCompactedLog): for each compacted log
// (its active segment first rolled if older than segment.ms, so quiet topics are compacted too),
//   firstDirty        = checkpoint, or the log start offset if absent or out of range
//   firstUncleanable  = min(active segment base, base of the segment holding the
//                       high watermark, of the one holding the last stable offset
//                       (transactions not decided yet are never cleaned), and of the
//                       first segment with a record newer than now - min.compaction.lag.ms)
//   dirty ratio       = bytes of segments in [firstDirty, firstUncleanable)
//                       / bytes of segments below firstUncleanable
// A log is cleanable when it has dirty bytes and its ratio exceeds
// min.cleanable.dirty.ratio, or when its oldest dirty segment's first batch is
// older than max.compaction.lag.ms. The dirtiest cleanable log is cleaned;
// when none is, the loop sleeps log.cleaner.backoff.ms. A log whose cleaned
// tombstones or markers reached their delete horizon is cleaned too; after a
// restart the horizons are read back from the batch headers of the clean
// section (they are written there, KIP-534), once per log.
//
// Transactions: the partition's producer state (cleaner-txn.ts) gives the last
// stable offset, the aborted transactions and the active producers for the
// task; the ABORT entries kept in each swapped-in segment go back to its
// .txnindex. Priority: the worker thread runs at nice `workerNice` (19 by
// default, Linux) and cleaning I/O obeys log.cleaner.io.max.bytes.per.second.
//
// Swap and crash safety: see Log.replaceSegments and log-loader.ts (.cleaned
// files are discarded, a complete .swap file replaces the segments it covers).
// While a log is being cleaned, retention and DeleteRecords leave its
// segments alone (they catch up at the next check).

import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import type { Log } from './log.js';
import { lifecycleConfig } from './log-config.js';
import { cleanLog, scanDeleteHorizons, type CleanResult, type CleanTask, type CleanerSegment } from './cleaner.js';
import { txnViewOf } from './cleaner-txn.js';
import { offsetMap, readOffsetCheckpointSync, writeOffsetCheckpoint, type TopicPartitionOffset } from './checkpoints.js';

export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
/** How often the event loop's utilization is sampled for the worker's pacing. */
const LOAD_SAMPLE_MS = 100;

export interface LogCleanerOptions {
  logDirs: string[];
  /** Every log with the log dir holding it. */
  logs: () => { log: Log; logDir: string }[];
  /** log.cleaner.backoff.ms */
  backoffMs: number;
  /** log.cleaner.dedupe.buffer.size */
  dedupeBufferSize?: number;
  /** log.cleaner.io.buffer.load.factor */
  loadFactor?: number;
  /** Run cleaning in a worker thread (default true); false runs it on the event loop (tests). */
  useWorker?: boolean;
  /** Nice value of the worker thread (Linux; default 19, the lowest priority); null leaves it as the broker's. */
  workerNice?: number | null;
  /** log.cleaner.io.max.bytes.per.second (default unlimited). */
  ioMaxBytesPerSecond?: number;
  /** Let the worker pause while the event loop is busy (default true; see cleaner-throttle.ts Pacer). */
  pace?: boolean;
  now?: () => number;
  logger?: (msg: string) => void;
  /** Test hook: called at each step of a swap ('swap', 'deleted', 'renamed'). */
  onSwapStep?: (step: string) => void;
}

export interface CleanableLog {
  log: Log;
  logDir: string;
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  cleanBytes: number;
  dirtyBytes: number;
  ratio: number;
  forced: boolean;
  /** Cleaning only to drop tombstones whose delete horizon has passed. */
  tombstonesOnly?: boolean;
}

export class LogCleaner {
  private readonly checkpoints = new Map<string, Map<string, number>>();
  private worker: Worker | null = null;
  /** Event-loop utilization sampler feeding the worker's pacing. */
  private loadTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  /** Logs whose cleaning failed (Kafka: uncleanable partitions); skipped until restart. */
  private readonly uncleanable = new Set<Log>();
  /** Earliest delete horizon of the tombstones each log still holds (Kafka: latestDeleteHorizon). */
  private readonly horizons = new WeakMap<Log, number>();
  /** Logs whose clean section's delete horizons were read back from disk (once per log after a start). */
  private readonly horizonsKnown = new WeakSet<Log>();
  /** Number of cleanings done, for tests and metrics. */
  cleanings = 0;

  constructor(private readonly opts: LogCleanerOptions) {
    for (const d of opts.logDirs) {
      let m = new Map<string, number>();
      try {
        m = offsetMap(readOffsetCheckpointSync(path.join(d, CLEANER_OFFSET_CHECKPOINT)));
      } catch (err) {
        opts.logger?.(`ignoring unreadable cleaner checkpoint in ${d}: ${(err as Error).message}`);
      }
      this.checkpoints.set(d, m);
    }
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Start the background loop. */
  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.cleanOnce()
        .catch((err) => {
          this.opts.logger?.(`log cleaner error: ${(err as Error).message}`);
          return false;
        })
        .then((cleaned) => {
          this.running = null;
          this.schedule(cleaned ? 0 : this.opts.backoffMs);
        });
    }, ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    if (this.loadTimer) clearInterval(this.loadTimer);
    this.loadTimer = null;
    if (this.worker) {
      const w = this.worker;
      this.worker = null;
      await w.terminate();
    }
  }

  private key(log: Log): string {
    return `${log.topic}-${log.partition}`;
  }

  /** The cleaner checkpoint of a log (its first dirty offset), if any. */
  checkpointOf(log: Log, logDir: string): number | undefined {
    return this.checkpoints.get(logDir)?.get(this.key(log));
  }

  /** Kafka's cleanableOffsets and dirty ratio for one log, or null if it is not compacted. */
  async cleanable(log: Log, logDir: string): Promise<CleanableLog | null> {
    const lc = lifecycleConfig(log.config);
    if (!lc.compact) return null;
    const now = this.now();
    const lso = log.logStartOffset;
    let firstDirty = this.checkpointOf(log, logDir) ?? lso;
    if (firstDirty < lso || firstDirty > log.logEndOffset) firstDirty = lso;
    const segs = log.logSegments();
    const active = segs[segs.length - 1]!;
    let firstUncleanable = Math.min(active.baseOffset, log.highWatermark);
    // A rolled segment may still have appends queued (the high watermark inside it): it is not
    // cleanable yet, or its pending writes would land in the file the swap replaces.
    for (let i = 0; i + 1 < segs.length; i++) {
      if (segs[i + 1]!.baseOffset > log.highWatermark) {
        firstUncleanable = Math.min(firstUncleanable, segs[i]!.baseOffset);
        break;
      }
    }
    const view = txnViewOf(log);
    if (view) firstUncleanable = Math.min(firstUncleanable, segmentBaseOf(segs, view.lastStableOffset()));
    if (lc.minCompactionLagMs > 0) {
      for (let i = 0; i < segs.length - 1; i++) {
        const s = segs[i]!;
        const next = segs[i + 1]!.baseOffset;
        if (next <= firstDirty) continue;
        if (s.baseOffset >= firstUncleanable) break;
        if ((await s.largestTimestamp()) > now - lc.minCompactionLagMs) {
          firstUncleanable = Math.min(firstUncleanable, Math.max(s.baseOffset, firstDirty));
          break;
        }
      }
    }
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let earliestDirty = Infinity;
    for (let i = 0; i < segs.length - 1; i++) {
      const s = segs[i]!;
      const next = segs[i + 1]!.baseOffset;
      if (s.baseOffset >= firstUncleanable) break;
      if (next <= firstDirty) cleanBytes += s.size;
      else {
        dirtyBytes += s.size;
        await s.loadFirstBatchTimestamp();
        const ts = s.rollingBasedTimestamp;
        if (ts !== null && ts > 0) earliestDirty = Math.min(earliestDirty, ts);
      }
    }
    const total = cleanBytes + dirtyBytes;
    const ratio = total > 0 ? dirtyBytes / total : 0;
    const forced = Number.isFinite(lc.maxCompactionLagMs) && earliestDirty < now - lc.maxCompactionLagMs;
    return { log, logDir, firstDirtyOffset: firstDirty, firstUncleanableOffset: firstUncleanable, cleanBytes, dirtyBytes, ratio, forced };
  }

  /** The log to clean next, if any (the highest dirty ratio among the cleanable). */
  async grabFilthiestLog(): Promise<CleanableLog | null> {
    let best: CleanableLog | null = null;
    for (const { log, logDir } of this.opts.logs()) {
      if (this.uncleanable.has(log)) continue;
      let c: CleanableLog | null;
      try {
        if (lifecycleConfig(log.config).compact && !log.cleaning) await log.rollIfExpired(this.now());
        c = await this.cleanable(log, logDir);
      } catch {
        continue; // closed or deleted under us
      }
      if (!c || c.dirtyBytes === 0 || c.firstUncleanableOffset <= c.firstDirtyOffset) continue;
      if (c.log.cleaning) continue;
      const min = lifecycleConfig(log.config).minCleanableDirtyRatio;
      if (!(c.forced || c.ratio > min)) continue;
      if (!best || c.ratio > best.ratio) best = c;
    }
    if (best) return best;
    // Nothing dirty enough: a log whose tombstones have passed their delete horizon.
    const now = this.now();
    for (const { log, logDir } of this.opts.logs()) {
      if (!this.horizonsKnown.has(log) && !this.uncleanable.has(log)) await this.recoverHorizon(log, logDir).catch(() => {});
      const h = this.horizons.get(log);
      if (h === undefined || h > now || this.uncleanable.has(log)) continue;
      const c = await this.cleanable(log, logDir).catch(() => null);
      if (c) return { ...c, tombstonesOnly: true };
    }
    return null;
  }

  /**
   * After a start, the earliest delete horizon of the batches the cleaner
   * wrote before (the clean section, below the checkpoint), from their headers.
   */
  private async recoverHorizon(log: Log, logDir: string): Promise<void> {
    if (!lifecycleConfig(log.config).compact || log.cleaning) return;
    this.horizonsKnown.add(log);
    const firstDirty = this.checkpointOf(log, logDir);
    if (firstDirty === undefined || this.horizons.has(log)) return;
    const segs = log.logSegments();
    const clean: CleanerSegment[] = [];
    for (let i = 0; i + 1 < segs.length && segs[i + 1]!.baseOffset <= firstDirty; i++) {
      clean.push({ baseOffset: segs[i]!.baseOffset, path: segs[i]!.logPath, size: segs[i]!.size });
    }
    if (clean.length === 0) return;
    log.cleaning = true; // no swap or retention removes the files while they are read
    try {
      const h = await this.post<number | null>({ scan: clean }, () => scanDeleteHorizons(clean));
      if (h !== null && !this.horizons.has(log)) this.horizons.set(log, h);
    } finally {
      log.cleaning = false;
    }
  }

  /** Clean the dirtiest log, if one needs it. Returns whether a log was cleaned. */
  async cleanOnce(): Promise<boolean> {
    const c = await this.grabFilthiestLog();
    if (!c) return false;
    await this.clean(c);
    return true;
  }

  /** Clean one log: snapshot, clean in the worker, swap, checkpoint. */
  async clean(c: CleanableLog): Promise<CleanResult> {
    const { log } = c;
    log.cleaning = true;
    let result: CleanResult | null = null;
    try {
      await log.quiesceSegmentOps();
      const lc = lifecycleConfig(log.config);
      const segs = log.logSegments();
      const view = txnViewOf(log);
      const task: CleanTask = {
        dir: log.dir,
        segments: segs
          .slice(0, -1)
          .filter((s) => s.baseOffset < c.firstUncleanableOffset)
          .map((s) => ({ baseOffset: s.baseOffset, path: s.logPath, size: s.size })),
        firstDirtyOffset: c.firstDirtyOffset,
        firstUncleanableOffset: c.firstUncleanableOffset,
        now: this.now(),
        deleteRetentionMs: lc.deleteRetentionMs,
        segmentBytes: log.config.segmentBytes,
        force: c.tombstonesOnly === true,
        maxMapEntries: Math.max(1, Math.floor(((this.opts.dedupeBufferSize ?? 134217728) * (this.opts.loadFactor ?? 0.9)) / 24)),
        abortedTxns: view?.abortedTxns(log.logStartOffset, c.firstUncleanableOffset),
        activeProducers: view?.activeProducers(),
        ioMaxBytesPerSecond: this.opts.ioMaxBytesPerSecond,
      };
      result = await this.run(task);
      if (result.groups.length > 0) await log.replaceSegments(result.groups, this.opts.onSwapStep);
      this.horizonsKnown.add(log);
      if (view) {
        // Best effort: the aborted data of these entries is gone from the new segments, so a
        // .txnindex lost to a crash here only drops entries no read_committed reader needs.
        for (const g of result.groups) {
          await view.segmentsReplaced(g.oldBaseOffsets, g.cleanedPath ? g.baseOffset : null, g.abortedTxns).catch((err) => {
            this.opts.logger?.(`updating the transaction index of ${this.key(log)} failed: ${(err as Error).message}`);
          });
        }
      }
      await this.updateCheckpoint(log, c.logDir, result.endOffset);
      if (result.minDeleteHorizon !== null) this.horizons.set(log, result.minDeleteHorizon);
      else this.horizons.delete(log);
      this.cleanings++;
      this.opts.logger?.(
        `cleaned ${this.key(log)} up to offset ${result.endOffset}: ${result.stats.bytesRead} bytes read, ` +
          `${result.stats.bytesWritten} written, ${result.stats.recordsRead - result.stats.recordsKept} records removed`,
      );
      return result;
    } catch (err) {
      for (const g of result?.groups ?? []) if (g.cleanedPath) await fs.promises.rm(g.cleanedPath, { force: true });
      if (!this.stopped) {
        this.uncleanable.add(log);
        this.opts.logger?.(`cleaning ${this.key(log)} failed, skipping it until restart: ${(err as Error).message}`);
      }
      throw err;
    } finally {
      log.cleaning = false;
    }
  }

  private run(task: CleanTask): Promise<CleanResult> {
    return this.post({ task }, () => cleanLog(task));
  }

  /** Sends a message to the worker (or runs `inline` when there is none) and waits for its answer. */
  private post<T>(msg: object, inline: () => T | Promise<T>): Promise<T> {
    if (this.opts.useWorker === false) return Promise.resolve().then(inline);
    const w = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, ...msg });
    });
  }

  /** The worker thread's kernel thread id and nice value as it reads them itself (tests, diagnostics). */
  workerPriority(): Promise<{ tid: number | null; nice: number | null; error?: string }> {
    return this.post({ priority: true }, () => ({ tid: null, nice: null }));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const nice = this.opts.workerNice === undefined ? 19 : this.opts.workerNice;
    const data: { nice?: number; load?: SharedArrayBuffer } = nice === null ? {} : { nice };
    if (this.opts.pace !== false) {
      const load = new SharedArrayBuffer(4);
      const view = new Int32Array(load);
      let last = performance.eventLoopUtilization();
      if (this.loadTimer) clearInterval(this.loadTimer);
      this.loadTimer = setInterval(() => {
        const now = performance.eventLoopUtilization();
        Atomics.store(view, 0, Math.round(performance.eventLoopUtilization(now, last).utilization * 1000));
        last = now;
      }, LOAD_SAMPLE_MS);
      this.loadTimer.unref();
      data.load = load;
    }
    const w = new Worker(new URL('./cleaner-worker.js', import.meta.url), { workerData: data });
    w.unref();
    w.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result!);
    });
    const failAll = (err: Error) => {
      if (this.worker === w && this.loadTimer) {
        clearInterval(this.loadTimer);
        this.loadTimer = null;
      }
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      if (this.worker === w) this.worker = null;
    };
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`cleaner worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  private async updateCheckpoint(log: Log, logDir: string, offset: number): Promise<void> {
    const m = this.checkpoints.get(logDir) ?? new Map<string, number>();
    this.checkpoints.set(logDir, m);
    m.set(this.key(log), offset);
    await this.writeCheckpoint(logDir);
  }

  /** Rewrite cleaner-offset-checkpoint of a log dir, keeping only logs that still exist. */
  async writeCheckpoint(logDir: string): Promise<void> {
    const m = this.checkpoints.get(logDir) ?? new Map<string, number>();
    const live = new Set(this.opts.logs().filter((e) => e.logDir === logDir).map((e) => this.key(e.log)));
    const entries: TopicPartitionOffset[] = [];
    for (const [k, offset] of m) {
      if (!live.has(k)) {
        m.delete(k);
        continue;
      }
      const i = k.lastIndexOf('-');
      entries.push({ topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset });
    }
    await writeOffsetCheckpoint(path.join(logDir, CLEANER_OFFSET_CHECKPOINT), entries);
  }
}

/** Base offset of the segment holding `offset` (the first segment's when it is below them all). */
function segmentBaseOf(segs: readonly { baseOffset: number }[], offset: number): number {
  let base = segs[0]!.baseOffset;
  for (const s of segs) {
    if (s.baseOffset > offset) break;
    base = s.baseOffset;
  }
  return base;
}
