// LogManager: every partition log of this node, spread over the log dirs
// (Kafka: LogManager). Layout of each log dir:
//
//   meta.properties                     cluster.id, node.id, directory.id (meta-properties.ts)
//   .kafka_cleanshutdown                written last at clean shutdown, removed at start-up;
//                                       JSON {"version":0,"brokerEpoch":N} as Kafka writes it
//   recovery-point-offset-checkpoint    "topic partition offset" per log (checkpoints.ts)
//   log-start-offset-checkpoint         idem, only logs whose start is above their first segment
//   cleaner-offset-checkpoint           first dirty offset of each compacted log (log-cleaner.ts)
//   <topic>-<partition>/                one Log (log.ts), with partition.metadata (topic id)
//   <topic>-<partition>.<32 hex>-delete/  a deleted log, removed asynchronously
//
// Background tasks (startBackgroundTasks): the retention check every
// log.retention.check.interval.ms (first run after min(log.initial.task.delay.ms,
// the interval)) runs Log.deleteOldSegments on every log with its current
// config, and writes the log-start-offset checkpoint when anything was
// deleted; the LogCleaner compacts logs with cleanup.policy=compact.
//
// At start-up the marker decides between a clean load (no scanning) and
// recovery from each log's recovery point. New logs go to the log dir with the
// fewest partitions.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Log } from './log.js';
import type { Decompressor, LogConfig } from './log-config.js';
import { ensureMetaProperties } from './meta-properties.js';
import { readPartitionMetadataSync, writePartitionMetadata } from './partition-metadata.js';
import {
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  TopicPartitionOffset,
  offsetMap,
  readOffsetCheckpointSync,
  writeOffsetCheckpoint,
} from './checkpoints.js';
import { writeFileAtomicSync } from './fs-util.js';
import { StorageError } from './errors.js';
import { removeTree } from './file-remover.js';
import { LogCleaner } from './log-cleaner.js';

export interface BackgroundTaskOptions {
  /** log.retention.check.interval.ms; 0 disables the retention task. */
  retentionCheckIntervalMs: number;
  /** log.initial.task.delay.ms (capped at the interval). */
  initialTaskDelayMs?: number;
  /** log.cleaner.enable */
  cleanerEnable: boolean;
  /** log.cleaner.backoff.ms */
  cleanerBackoffMs: number;
  /** log.cleaner.dedupe.buffer.size */
  cleanerDedupeBufferSize?: number;
  /** log.cleaner.io.buffer.load.factor */
  cleanerLoadFactor?: number;
  /** log.cleaner.io.max.bytes.per.second */
  cleanerIoMaxBytesPerSecond?: number;
}

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
const DELETE_DIR_SUFFIX = '-delete';
const FUTURE_DIR_SUFFIX = '-future';
const STRAY_DIR_SUFFIX = '-stray';
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;

export interface LogManagerOptions {
  logDirs: string[];
  nodeId: number;
  clusterId?: string;
  defaultConfig: LogConfig;
  /** Per-topic configuration for logs found at start-up (default: defaultConfig). */
  configFor?: (topic: string) => LogConfig;
  decompress?: Decompressor;
  /** log.flush.offset.checkpoint.interval.ms; 0 disables the timer (default 60000). */
  checkpointIntervalMs?: number;
  /** Logs opened concurrently at start-up (num.recovery.threads.per.data.dir × dirs). */
  recoveryConcurrency?: number;
  /** Where to report what happened at start-up. */
  logger?: (msg: string) => void;
}

interface Entry {
  log: Log;
  logDir: string;
  topicId: string | null;
}

/** `topic-partition` → { topic, partition }, or null for names that are not a partition directory. */
export function parseTopicPartitionDir(name: string): { topic: string; partition: number } | null {
  if (name.endsWith(DELETE_DIR_SUFFIX) || name.endsWith(FUTURE_DIR_SUFFIX) || name.endsWith(STRAY_DIR_SUFFIX)) {
    return null;
  }
  const i = name.lastIndexOf('-');
  if (i <= 0) return null;
  const topic = name.slice(0, i);
  const p = name.slice(i + 1);
  if (!/^\d+$/.test(p) || !LEGAL_TOPIC.test(topic)) return null;
  return { topic, partition: Number(p) };
}

/** Kafka's name for a log dir pending deletion: `<topic>-<partition>.<uuid hex>-delete` (capped at 255 chars). */
export function deleteDirName(topic: string, partition: number): string {
  const suffix = `${partition}.${crypto.randomUUID().replace(/-/g, '')}${DELETE_DIR_SUFFIX}`;
  return `${topic.slice(0, Math.min(topic.length, 255 - suffix.length - 1))}-${suffix}`;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export class LogManager {
  readonly clusterId: string;
  readonly nodeId: number;
  /** log dir → directory.id */
  readonly directoryIds: Map<string, string>;
  /** log dir → did it have the clean-shutdown marker at start-up */
  readonly hadCleanShutdown: Map<string, boolean>;
  private readonly dirs: string[];
  private readonly logs = new Map<string, Entry>();
  private readonly creating = new Map<string, Promise<Log>>();
  private readonly deletions = new Set<Promise<void>>();
  /** Logs being closed and renamed by deleteLog(); createLog() of the same partition waits. */
  private readonly deleting = new Map<string, Promise<void>>();
  private checkpointTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private retentionRun: Promise<unknown> | null = null;
  /** The log cleaner, once startBackgroundTasks started it. */
  cleaner: LogCleaner | null = null;
  private checkpointChain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly opts: LogManagerOptions,
    dirs: string[],
    clusterId: string,
    directoryIds: Map<string, string>,
    clean: Map<string, boolean>,
  ) {
    this.dirs = dirs;
    this.clusterId = clusterId;
    this.nodeId = opts.nodeId;
    this.directoryIds = directoryIds;
    this.hadCleanShutdown = clean;
  }

  static async open(opts: LogManagerOptions): Promise<LogManager> {
    if (opts.logDirs.length === 0) throw new StorageError('INVALID_STATE', 'no log dirs configured');
    const dirs = [...new Set(opts.logDirs.map((d) => path.resolve(d)))];
    for (const d of dirs) fs.mkdirSync(d, { recursive: true });
    const { clusterId, directoryIds } = ensureMetaProperties(dirs, opts.nodeId, opts.clusterId);
    const clean = new Map<string, boolean>();
    for (const d of dirs) {
      const marker = path.join(d, CLEAN_SHUTDOWN_FILE);
      clean.set(d, fs.existsSync(marker));
      // Removed before loading: a crash while loading must count as unclean next time.
      fs.rmSync(marker, { force: true });
    }
    const mgr = new LogManager(opts, dirs, clusterId, directoryIds, clean);
    await mgr.loadLogs();
    const interval = opts.checkpointIntervalMs ?? 60000;
    if (interval > 0) {
      mgr.checkpointTimer = setInterval(() => void mgr.checkpoint().catch(() => {}), interval);
      mgr.checkpointTimer.unref();
    }
    return mgr;
  }

  private key(topic: string, partition: number): string {
    return `${topic}-${partition}`;
  }

  private async loadLogs(): Promise<void> {
    const jobs: { dir: string; logDir: string; topic: string; partition: number; rp?: number; lso?: number }[] = [];
    const say = this.opts.logger ?? (() => {});
    for (const logDir of this.dirs) {
      let recovery = new Map<string, number>();
      let starts = new Map<string, number>();
      try {
        recovery = offsetMap(readOffsetCheckpointSync(path.join(logDir, RECOVERY_POINT_CHECKPOINT)));
      } catch (err) {
        say(`ignoring unreadable recovery point checkpoint in ${logDir}: ${(err as Error).message}`);
      }
      try {
        starts = offsetMap(readOffsetCheckpointSync(path.join(logDir, LOG_START_OFFSET_CHECKPOINT)));
      } catch (err) {
        say(`ignoring unreadable log start offset checkpoint in ${logDir}: ${(err as Error).message}`);
      }
      for (const ent of fs.readdirSync(logDir, { withFileTypes: true })) {
        if (!ent.isDirectory()) continue;
        const full = path.join(logDir, ent.name);
        if (ent.name.endsWith(DELETE_DIR_SUFFIX)) {
          this.trackDeletion(removeTree(full));
          continue;
        }
        const tp = parseTopicPartitionDir(ent.name);
        if (!tp) continue;
        const key = this.key(tp.topic, tp.partition);
        const dup = jobs.find((j) => j.topic === tp.topic && j.partition === tp.partition);
        if (dup) {
          throw new StorageError('INVALID_STATE', `Duplicate log directories for ${key} are found in both ${dup.dir} and ${full}`);
        }
        jobs.push({ dir: full, logDir, ...tp, rp: recovery.get(key), lso: starts.get(key) });
      }
    }
    const concurrency = this.opts.recoveryConcurrency ?? Math.max(2, this.dirs.length * 2);
    await mapLimit(jobs, concurrency, async (j) => {
      const config = this.opts.configFor?.(j.topic) ?? this.opts.defaultConfig;
      const topicId = readPartitionMetadataSync(j.dir);
      const log = await Log.open(j.dir, j.topic, j.partition, config, {
        hadCleanShutdown: this.hadCleanShutdown.get(j.logDir) ?? false,
        recoveryPoint: j.rp,
        logStartOffset: j.lso,
        decompress: this.opts.decompress,
      });
      if (log.loadStats.recoveredSegments > 0) {
        say(
          `recovered ${log.loadStats.recoveredSegments} segment(s) of ${j.topic}-${j.partition}, ` +
            `truncated ${log.loadStats.truncatedBytes} invalid bytes`,
        );
      }
      this.logs.set(this.key(j.topic, j.partition), { log, logDir: j.logDir, topicId });
    });
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logs.get(this.key(topic, partition))?.log;
  }

  allLogs(): Log[] {
    return [...this.logs.values()].map((e) => e.log);
  }

  /** Logs found on disk (and created since), with their topic ids from partition.metadata. */
  existingPartitions(): { topic: string; partition: number; topicId: string | null; dir: string }[] {
    return [...this.logs.values()].map((e) => ({
      topic: e.log.topic,
      partition: e.log.partition,
      topicId: e.topicId,
      dir: e.log.dir,
    }));
  }

  /** The log of topic-partition, created in the log dir holding the fewest partitions if it does not exist. */
  async createLog(topic: string, partition: number, topicId: string, config: LogConfig): Promise<Log> {
    if (this.closed) throw new StorageError('INVALID_STATE', 'log manager is closed');
    if (!LEGAL_TOPIC.test(topic) || !Number.isInteger(partition) || partition < 0) {
      throw new StorageError('INVALID_STATE', `invalid topic partition ${topic}-${partition}`);
    }
    const key = this.key(topic, partition);
    const existing = this.logs.get(key);
    if (existing) {
      if (existing.topicId !== null && existing.topicId !== topicId) {
        throw new StorageError(
          'INVALID_STATE',
          `log ${key} belongs to topic id ${existing.topicId}, not ${topicId}`,
        );
      }
      if (existing.topicId === null) {
        await writePartitionMetadata(existing.log.dir, topicId);
        existing.topicId = topicId;
      }
      return existing.log;
    }
    const pending = this.creating.get(key);
    if (pending) return pending;
    const deleting = this.deleting.get(key);
    if (deleting) {
      await deleting.catch(() => {});
      return this.createLog(topic, partition, topicId, config);
    }
    const p = (async () => {
      const counts = new Map(this.dirs.map((d) => [d, 0]));
      for (const e of this.logs.values()) counts.set(e.logDir, (counts.get(e.logDir) ?? 0) + 1);
      const logDir = [...counts.entries()].sort((a, b) => a[1] - b[1])[0]![0];
      const dir = path.join(logDir, key);
      await fs.promises.mkdir(dir, { recursive: true });
      await writePartitionMetadata(dir, topicId);
      const log = await Log.open(dir, topic, partition, config, {
        hadCleanShutdown: true,
        decompress: this.opts.decompress,
      });
      this.logs.set(key, { log, logDir, topicId });
      return log;
    })();
    this.creating.set(key, p);
    try {
      return await p;
    } finally {
      this.creating.delete(key);
    }
  }

  /**
   * Forget the log and rename its directory to `<topic>-<partition>.<uuid>-delete`;
   * files are closed and removed in the background (awaitDeletions() waits).
   */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const key = this.key(topic, partition);
    const entry = this.logs.get(key);
    if (!entry) return this.deleting.get(key);
    this.logs.delete(key);
    const p = (async () => {
      await entry.log.closeHandles().catch(() => {});
      const target = path.join(entry.logDir, deleteDirName(topic, partition));
      await fs.promises.rename(entry.log.dir, target);
      this.trackDeletion(removeTree(target));
    })();
    this.deleting.set(key, p);
    try {
      await p;
    } finally {
      this.deleting.delete(key);
    }
  }

  private trackDeletion(p: Promise<void>): void {
    const q: Promise<void> = p.catch(() => {}).finally(() => this.deletions.delete(q));
    this.deletions.add(q);
  }

  /** Wait until every deleted log's directory is gone. */
  async awaitDeletions(): Promise<void> {
    while (this.deletions.size > 0) await Promise.all([...this.deletions]);
  }

  /** Start the retention task and the log cleaner. */
  startBackgroundTasks(o: BackgroundTaskOptions): void {
    const say = this.opts.logger ?? (() => {});
    if (o.retentionCheckIntervalMs > 0 && !this.retentionTimer) {
      const interval = o.retentionCheckIntervalMs;
      const tick = () => {
        this.retentionRun = this.cleanupLogs()
          .catch((err) => say(`retention check failed: ${(err as Error).message}`))
          .finally(() => {
            this.retentionRun = null;
            if (!this.closed) {
              this.retentionTimer = setTimeout(tick, interval);
              this.retentionTimer.unref();
            }
          });
      };
      this.retentionTimer = setTimeout(tick, Math.min(o.initialTaskDelayMs ?? interval, interval));
      this.retentionTimer.unref();
    }
    if (o.cleanerEnable && !this.cleaner) {
      this.cleaner = new LogCleaner({
        logDirs: this.dirs,
        logs: () => [...this.logs.values()].map((e) => ({ log: e.log, logDir: e.logDir })),
        backoffMs: o.cleanerBackoffMs,
        dedupeBufferSize: o.cleanerDedupeBufferSize,
        loadFactor: o.cleanerLoadFactor,
        ioMaxBytesPerSecond: o.cleanerIoMaxBytesPerSecond,
        logger: say,
      });
      this.cleaner.start();
    }
  }

  /**
   * One retention pass over every log (Kafka: LogManager.cleanupLogs): delete
   * segments past retention.ms / retention.bytes (cleanup.policy delete) and
   * below the log start offset. Returns the number of segments deleted.
   */
  async cleanupLogs(now = Date.now()): Promise<number> {
    let total = 0;
    const say = this.opts.logger ?? (() => {});
    for (const e of [...this.logs.values()]) {
      if (this.closed) break;
      try {
        await e.log.rollIfExpired(now);
        const n = await e.log.deleteOldSegments(now);
        if (n > 0) say(`deleted ${n} segment(s) of ${e.log.topic}-${e.log.partition}; log start offset is now ${e.log.logStartOffset}`);
        total += n;
      } catch (err) {
        say(`retention of ${e.log.topic}-${e.log.partition} failed: ${(err as Error).message}`);
      }
    }
    if (total > 0 && !this.closed) await this.checkpoint();
    return total;
  }

  /** Write recovery-point-offset-checkpoint and log-start-offset-checkpoint in every log dir. */
  checkpoint(): Promise<void> {
    const run = async () => {
      let firstError: unknown = null;
      // A failing dir (full disk) must not keep the others' checkpoints from being written.
      for (const logDir of this.dirs) {
        try {
          await this.checkpointDir(logDir);
        } catch (err) {
          firstError ??= err;
        }
      }
      if (firstError) throw firstError;
    };
    const p = this.checkpointChain.then(run);
    this.checkpointChain = p.catch(() => {});
    return p;
  }

  private async checkpointDir(logDir: string): Promise<void> {
    const rps: TopicPartitionOffset[] = [];
    const starts: TopicPartitionOffset[] = [];
    for (const e of this.logs.values()) {
      if (e.logDir !== logDir) continue;
      const { topic, partition } = e.log;
      rps.push({ topic, partition, offset: e.log.recoveryPoint });
      const first = e.log.segmentBaseOffsets()[0] ?? 0;
      if (e.log.logStartOffset > first) starts.push({ topic, partition, offset: e.log.logStartOffset });
    }
    await writeOffsetCheckpoint(path.join(logDir, RECOVERY_POINT_CHECKPOINT), rps);
    await writeOffsetCheckpoint(path.join(logDir, LOG_START_OFFSET_CHECKPOINT), starts);
  }

  /** Close every log, write the checkpoints, then the clean-shutdown marker in each log dir. */
  async close(opts: { brokerEpoch?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    if (this.retentionTimer) clearTimeout(this.retentionTimer);
    await this.retentionRun;
    await this.cleaner?.stop();
    await Promise.allSettled([...this.creating.values()]);
    // Per dir: a dir with an offline log (I/O error), a failed close or failing checkpoint writes is left unclean, so it is recovered at start-up.
    const unclean = new Set<string>();
    await mapLimit(this.allLogs(), 8, async (log) => {
      await log.close().catch(() => {
        unclean.add(path.dirname(log.dir));
      });
      if (log.isOffline) unclean.add(path.dirname(log.dir));
    });
    await this.awaitDeletions();
    await this.checkpointChain;
    for (const d of this.dirs) {
      if (unclean.has(d)) continue;
      await this.checkpointDir(d).catch(() => unclean.add(d));
    }
    const content = JSON.stringify({ version: 0, brokerEpoch: opts.brokerEpoch ?? -1 });
    for (const d of this.dirs) if (!unclean.has(d)) writeFileAtomicSync(path.join(d, CLEAN_SHUTDOWN_FILE), content);
  }

  /** DescribeLogDirs: capacity of each log dir and the size of each partition in it. */
  logDirs(): {
    path: string;
    totalBytes: number;
    usableBytes: number;
    partitions: { topic: string; partition: number; size: number; offsetLag: number }[];
  }[] {
    return this.dirs.map((d) => {
      let totalBytes = -1;
      let usableBytes = -1;
      try {
        const s = fs.statfsSync(d);
        totalBytes = s.blocks * s.bsize;
        usableBytes = s.bavail * s.bsize;
      } catch {
        // unknown: Kafka reports -1
      }
      const partitions = [...this.logs.values()]
        .filter((e) => e.logDir === d)
        .map((e) => ({
          topic: e.log.topic,
          partition: e.log.partition,
          size: e.log.sizeInBytes,
          offsetLag: Math.max(0, e.log.highWatermark - e.log.logEndOffset),
        }));
      return { path: d, totalBytes, usableBytes, partitions };
    });
  }
}
