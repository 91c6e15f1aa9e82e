// TransactionIndex: the aborted transactions of a segment, `<base offset>.txnindex`
// beside its .log (Kafka's TransactionIndex). An entry is appended when an ABORT
// marker lands in that segment. Each entry is Kafka's AbortedTxn, 34 bytes:
//
//   int16  version            0
//   int64  producerId
//   int64  firstOffset        first offset of the aborted transaction in this partition
//   int64  lastOffset         offset of its ABORT marker
//   int64  lastStableOffset   the partition's last stable offset once it completed
//
// read_committed fetches return, for the range they read, the aborted
// transactions overlapping it (producer id and first offset), so that clients
// drop those records. Entries are few (one per aborted transaction), so the
// partition keeps them all in memory (AbortedTxnIndex) and files are only
// appended to and read at start-up. A torn last entry (crash mid-append) is
// ignored and cut off on the next load.

import fs from 'node:fs';
import path from 'node:path';
import { TXN_INDEX_SUFFIX, segmentFileName } from './log-file-utils.js';

export const ABORTED_TXN_SIZE = 34;
const VERSION = 0;

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export function encodeAbortedTxn(t: AbortedTxn): Buffer {
  const b = Buffer.alloc(ABORTED_TXN_SIZE);
  b.writeInt16BE(VERSION, 0);
  b.writeBigInt64BE(BigInt(t.producerId), 2);
  b.writeBigInt64BE(BigInt(t.firstOffset), 10);
  b.writeBigInt64BE(BigInt(t.lastOffset), 18);
  b.writeBigInt64BE(BigInt(t.lastStableOffset), 26);
  return b;
}

/** Entries of a .txnindex file; a torn trailing entry is ignored. Throws on an unknown version. */
export function decodeTransactionIndex(buf: Buffer): AbortedTxn[] {
  const out: AbortedTxn[] = [];
  for (let at = 0; at + ABORTED_TXN_SIZE <= buf.length; at += ABORTED_TXN_SIZE) {
    const version = buf.readInt16BE(at);
    if (version !== VERSION) throw new Error(`Invalid version ${version} of an aborted transaction index entry`);
    out.push({
      producerId: Number(buf.readBigInt64BE(at + 2)),
      firstOffset: Number(buf.readBigInt64BE(at + 10)),
      lastOffset: Number(buf.readBigInt64BE(at + 18)),
      lastStableOffset: Number(buf.readBigInt64BE(at + 26)),
    });
  }
  return out;
}

export function transactionIndexPath(dir: string, segmentBase: number): string {
  return path.join(dir, segmentFileName(segmentBase, TXN_INDEX_SUFFIX));
}

/**
 * Every aborted transaction of a partition, ordered by marker offset, with
 * the segment whose .txnindex holds it. Appends are written in order, one
 * file append at a time.
 */
export class AbortedTxnIndex {
  private entries: (AbortedTxn & { segment: number })[] = [];
  private writes: Promise<void> = Promise.resolve();
  private failed: Error | null = null;

  constructor(readonly dir: string) {}

  /**
   * Reads the .txnindex of each segment (ascending base offsets); entries at
   * or beyond `logEndOffset` (cut off by recovery) are dropped and their
   * files rewritten.
   */
  loadSync(segmentBases: readonly number[], logEndOffset: number): void {
    this.entries = [];
    for (const base of segmentBases) {
      const file = transactionIndexPath(this.dir, base);
      let buf: Buffer;
      try {
        buf = fs.readFileSync(file);
      } catch {
        continue;
      }
      let list: AbortedTxn[];
      try {
        list = decodeTransactionIndex(buf);
      } catch {
        list = [];
      }
      const kept = list.filter((t) => t.lastOffset < logEndOffset);
      if (kept.length * ABORTED_TXN_SIZE !== buf.length) {
        fs.writeFileSync(file, Buffer.concat(kept.map(encodeAbortedTxn)));
      }
      for (const t of kept) this.entries.push({ ...t, segment: base });
    }
    this.entries.sort((a, b) => a.lastOffset - b.lastOffset);
  }

  /** Whether an entry for this marker exists (replaying the log after a crash must not index it twice). */
  has(producerId: number, lastOffset: number): boolean {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.lastOffset === lastOffset && e.producerId === producerId) return true;
      if (e.lastOffset < lastOffset) return false;
    }
    return false;
  }

  /** Records an aborted transaction whose marker is in the segment based at `segment`; the file append is queued. */
  append(t: AbortedTxn, segment: number): Promise<void> {
    this.entries.push({ ...t, segment });
    const file = transactionIndexPath(this.dir, segment);
    const buf = encodeAbortedTxn(t);
    this.writes = this.writes.then(async () => {
      if (this.failed) return;
      try {
        await fs.promises.appendFile(file, buf);
      } catch (err) {
        this.failed = err as Error;
      }
    });
    return this.writes;
  }

  /**
   * The aborted transactions a read of [fetchOffset, upperBound) must report
   * (Kafka's collectAbortedTransactions): those whose marker is at or after
   * fetchOffset and which started before upperBound.
   */
  collect(fetchOffset: number, upperBound: number): { producerId: number; firstOffset: number }[] {
    const out: { producerId: number; firstOffset: number }[] = [];
    // Entries are ordered by marker offset: skip those that ended before the fetch offset.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.lastOffset < fetchOffset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.firstOffset < upperBound) out.push({ producerId: e.producerId, firstOffset: e.firstOffset });
    }
    return out;
  }

  /** Forgets entries entirely below the log start offset (their segments were deleted with their files). */
  truncateHead(logStartOffset: number): void {
    let k = 0;
    while (k < this.entries.length && this.entries[k]!.lastOffset < logStartOffset) k++;
    if (k > 0) this.entries = this.entries.slice(k);
  }

  /** Drops entries at or beyond `offset` (the log was truncated) and rewrites the affected files. */
  async truncateTo(offset: number): Promise<void> {
    const dropped = this.entries.filter((e) => e.lastOffset >= offset);
    if (dropped.length === 0) return;
    this.entries = this.entries.filter((e) => e.lastOffset < offset);
    await this.writes;
    for (const seg of new Set(dropped.map((e) => e.segment))) {
      const kept = this.entries.filter((e) => e.segment === seg);
      await fs.promises.writeFile(transactionIndexPath(this.dir, seg), Buffer.concat(kept.map(encodeAbortedTxn))).catch(() => {});
    }
  }

  /**
   * The log cleaner swapped segments `oldBases` for one based at `newBase`
   * (null: they were dropped) whose ABORT markers with data are `kept`: the
   * old segments' entries are forgotten and the new segment's .txnindex is
   * written (a temporary file renamed over it).
   */
  async replaceSegments(oldBases: readonly number[], newBase: number | null, kept: readonly AbortedTxn[]): Promise<void> {
    const olds = new Set(oldBases);
    this.entries = this.entries.filter((e) => !olds.has(e.segment));
    if (newBase === null) return;
    for (const t of kept) this.entries.push({ ...t, segment: newBase });
    this.entries.sort((a, b) => a.lastOffset - b.lastOffset);
    await this.writes;
    const file = transactionIndexPath(this.dir, newBase);
    if (kept.length === 0) {
      await fs.promises.rm(file, { force: true });
      return;
    }
    await fs.promises.writeFile(file + '.tmp', Buffer.concat(kept.map(encodeAbortedTxn)));
    await fs.promises.rename(file + '.tmp', file);
  }

  get size(): number {
    return this.entries.length;
  }

  all(): readonly AbortedTxn[] {
    return this.entries;
  }

  /** Resolves when every queued file append is done. */
  flush(): Promise<void> {
    return this.writes;
  }
}
