// LogProducerState: a partition's producer state kept in step with its Log —
// the ProducerStateManager, the aborted-transaction index (.txnindex files)
// and the producer-state snapshots (.snapshot files) — and the append path
// that goes through them (Kafka keeps these inside UnifiedLog; Samsa keeps the
// Log itself unaware of producers).
//
// Append: analyse the batches' producer fields (headers only) against the
// state; a duplicate is answered without appending; otherwise Log.append
// assigns offsets and the state changes are applied, and an ABORT marker adds
// an entry to the .txnindex of the segment it lands in.
//
// Snapshots (`<offset>.snapshot`, producer-snapshot.ts) are taken when the log
// has rolled to a new segment (noticed on the next append) and at close; the
// newest two are kept. Loading reads the newest snapshot at or below the log
// end (a snapshot beyond it, left by a crash that cut the log's tail, is
// deleted; a corrupt one falls back to the one before) and replays every batch
// from its offset to the log end, headers only: after a clean shutdown that
// is nothing, after a crash the data written since the last roll. Without any
// snapshot the whole log is replayed.

import { Log, type AppendCallback } from './log.js';
import { BATCH_HEADER_SIZE, batchSize, lastOffsetDelta, baseOffset as readBaseOffset } from '../protocol/records/batch-header.js';
import { AbortedTxnIndex } from './transaction-index.js';
import {
  CorruptSnapshotError,
  deleteSnapshotFile,
  encodeSnapshot,
  listSnapshots,
  readSnapshotFileSync,
  writeSnapshotFile,
} from './producer-snapshot.js';
import { ProducerStateManager, type AppendAnalysis, type AppendOrigin, type BatchMetadata, type TxnVerifier } from './producer-state-manager.js';
import { registerTxnView } from './cleaner-txn.js';

/** Snapshot files kept per partition. */
const SNAPSHOTS_KEPT = 2;
/** Bytes read at a time when replaying the log. */
const REPLAY_READ_BYTES = 4 << 20;

export interface ProducerStateOptions {
  /** producer.id.expiration.ms */
  producerIdExpirationMs: number;
  now?: number;
  logger?: (msg: string) => void;
}

/** A retry of a batch already in the log (nothing appended), or the first offset of the appended batches. */
export type StateAppendResult = { duplicate: BatchMetadata } | { duplicate: null; firstOffset: number };

export class LogProducerState {
  readonly producers: ProducerStateManager;
  readonly aborted: AbortedTxnIndex;
  private segmentCount: number;
  private snapshotWrites: Promise<void> = Promise.resolve();
  private lastSnapshotOffset = -1;
  private closed = false;

  private constructor(readonly log: Log) {
    this.producers = new ProducerStateManager(`${log.topic}-${log.partition}`);
    this.aborted = new AbortedTxnIndex(log.dir);
    this.segmentCount = log.numberOfSegments;
    // What the log cleaner needs to clean transactional data (cleaner-txn.ts).
    registerTxnView(log, {
      lastStableOffset: () => this.lastStableOffset(),
      abortedTxns: (from, to) => this.aborted.all().filter((t) => t.lastOffset >= from && t.firstOffset < to),
      activeProducers: () =>
        [...this.producers.producers.values()].map((e) => ({ producerId: e.producerId, producerEpoch: e.producerEpoch, lastDataOffset: e.lastDataOffset })),
      segmentsReplaced: (oldBases, newBase, kept) => this.aborted.replaceSegments(oldBases, newBase, kept),
    });
  }

  static async load(log: Log, opts: ProducerStateOptions): Promise<LogProducerState> {
    const s = new LogProducerState(log);
    await s.reload(opts);
    return s;
  }

  private async reload(opts: ProducerStateOptions): Promise<void> {
    const log = this.log;
    const now = opts.now ?? Date.now();
    const leo = log.logEndOffset;
    this.aborted.loadSync(log.segmentBaseOffsets(), leo);
    let loadedFrom = -1;
    const snaps = listSnapshots(log.dir);
    for (let i = snaps.length - 1; i >= 0; i--) {
      const off = snaps[i]!;
      if (off > leo) {
        await deleteSnapshotFile(log.dir, off);
        continue;
      }
      try {
        this.producers.loadSnapshot(readSnapshotFileSync(log.dir, off), off, now, opts.producerIdExpirationMs);
        loadedFrom = off;
        break;
      } catch (err) {
        const why = err instanceof CorruptSnapshotError ? err.message : `unreadable: ${(err as Error).message}`;
        opts.logger?.(`Failed to load producer snapshot ${off} of ${log.topic}-${log.partition}: ${why}`);
        await deleteSnapshotFile(log.dir, off);
      }
    }
    if (loadedFrom < 0) this.producers.clear(log.logStartOffset);
    this.lastSnapshotOffset = loadedFrom;
    const from = Math.max(this.producers.mapEndOffset, log.logStartOffset);
    const replayed = await this.replay(from, leo);
    this.producers.truncateHead(log.logStartOffset);
    if (replayed > 0) {
      opts.logger?.(`Rebuilt producer state of ${log.topic}-${log.partition} from offset ${from} to ${leo} (${replayed} batches)`);
    }
    if (loadedFrom !== leo && leo > log.logStartOffset) void this.takeSnapshot();
  }

  /** Applies every batch in [from, to) to the state (headers only); returns the number of batches read. */
  private async replay(from: number, to: number): Promise<number> {
    const log = this.log;
    let offset = from;
    let batches = 0;
    while (offset < to) {
      const r = await log.read(offset, REPLAY_READ_BYTES, { minOneBatch: true, maxOffset: to });
      if (r.outOfRange || r.records.length === 0) break;
      const before = offset;
      for (const chunk of r.records) {
        for (let at = 0; at + BATCH_HEADER_SIZE <= chunk.length; ) {
          const size = batchSize(chunk, at);
          if (at + size > chunk.length) break;
          const base = readBaseOffset(chunk, at);
          const next = base + lastOffsetDelta(chunk, at) + 1;
          if (next > offset) {
            const batch = chunk.subarray(at, at + size);
            const a = this.producers.analyzeAppend(batch, base, 'replication');
            if (a) this.applyAnalysis(a, next, true);
            else this.producers.advanceMapEndOffset(next);
            offset = next;
            batches++;
          }
          at += size;
        }
      }
      if (offset === before) break;
    }
    this.producers.advanceMapEndOffset(to);
    return batches;
  }

  private applyAnalysis(a: AppendAnalysis, endOffset: number, replaying: boolean): void {
    const completed = this.producers.applyAppend(a, endOffset);
    for (const c of completed) {
      if (!c.isAborted) continue;
      if (replaying && this.aborted.has(c.producerId, c.lastOffset)) continue;
      void this.aborted.append(
        { producerId: c.producerId, firstOffset: c.firstOffset, lastOffset: c.lastOffset, lastStableOffset: c.lastStableOffset },
        this.segmentOf(c.lastOffset),
      );
    }
  }

  /** Base offset of the segment holding `offset`. */
  private segmentOf(offset: number): number {
    const bases = this.log.segmentBaseOffsets();
    let seg = bases[0] ?? 0;
    for (const b of bases) {
      if (b > offset) break;
      seg = b;
    }
    return seg;
  }

  /**
   * Appends batches to the log through the producer state: refused (throws a
   * KafkaError) when a producer check fails, answered with the original
   * batch when it is a duplicate (`onWritten` is not called), else appended
   * and applied; `onWritten` hears when the batches are written.
   */
  append(records: Buffer, origin: AppendOrigin, onWritten: AppendCallback, verify?: TxnVerifier, leaderEpoch?: number): StateAppendResult {
    const log = this.log;
    const firstOffset = log.logEndOffset;
    const a = this.producers.analyzeAppend(records, firstOffset, origin, verify);
    if (a?.duplicate) return { duplicate: a.duplicate };
    // Kafka stamps every appended batch with the leader's epoch (not covered by the CRC).
    log.appendAndNotify(records, onWritten, leaderEpoch);
    const end = log.logEndOffset;
    // A roll (here, or by retention since the last append) starts a segment: snapshot the state as of its start.
    const count = log.numberOfSegments;
    if (count !== this.segmentCount) {
      this.segmentCount = count;
      if (log.segmentBaseOffsets().at(-1) === firstOffset) void this.takeSnapshot();
    }
    if (a) this.applyAnalysis(a, end, false);
    else this.producers.advanceMapEndOffset(end);
    return { duplicate: null, firstOffset };
  }

  /** The last stable offset (read_committed readers stop there). */
  lastStableOffset(): number {
    return this.producers.lastStableOffset(this.log.highWatermark);
  }

  /** Aborted transactions a read_committed fetch of [fetchOffset, upperBound) reports. */
  abortedTransactions(fetchOffset: number, upperBound: number): { producerId: number; firstOffset: number }[] {
    return this.aborted.collect(fetchOffset, upperBound);
  }

  /** Writes a snapshot of the current state, as of the offset it reflects (in the background; close() waits). */
  takeSnapshot(): Promise<void> {
    const offset = this.producers.mapEndOffset;
    if (offset === this.lastSnapshotOffset) return this.snapshotWrites;
    this.lastSnapshotOffset = offset;
    const buf = encodeSnapshot(this.producers.snapshotEntries());
    const dir = this.log.dir;
    this.snapshotWrites = this.snapshotWrites.then(async () => {
      try {
        await writeSnapshotFile(dir, offset, buf);
        const all = listSnapshots(dir);
        const start = this.log.logStartOffset;
        for (let i = 0; i < all.length; i++) {
          const off = all[i]!;
          if (off === offset) continue;
          if (i < all.length - SNAPSHOTS_KEPT || (off < start && off < offset)) await deleteSnapshotFile(dir, off);
        }
      } catch {
        // A lost snapshot only means a longer replay at the next start.
      }
    });
    return this.snapshotWrites;
  }

  /** Resolves when the snapshot writes started so far are done. */
  snapshotsWritten(): Promise<void> {
    return this.snapshotWrites;
  }

  /** Periodic upkeep: producer.id.expiration.ms, and state below the log start offset. */
  maintain(now: number, expirationMs: number): number {
    const n = this.producers.removeExpiredProducers(now, expirationMs);
    this.producers.truncateHead(this.log.logStartOffset);
    this.aborted.truncateHead(this.log.logStartOffset);
    return n;
  }

  /** Clean shutdown: a snapshot at the log end, and every file write finished. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.producers.advanceMapEndOffset(this.log.logEndOffset);
    await this.takeSnapshot();
    await this.aborted.flush();
  }
}
