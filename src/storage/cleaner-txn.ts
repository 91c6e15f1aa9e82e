// What the log cleaner needs to know about transactions (Kafka: the cleaner's
// use of the producer state and CleanedTransactionMetadata in LogCleaner.scala).
//
// Main thread: a partition's producer state (log-producer-state.ts) registers
// a TxnView for its Log, so that the cleaner, which only knows Logs, can ask
// for the last stable offset (nothing at or past it is cleaned: transactions
// not decided yet stay as written), the aborted transactions of the range it
// cleans (.txnindex), the last batch of each active producer (kept, possibly
// emptied, so that sequence numbers and epochs survive cleaning), and can hand
// back the aborted-transaction entries of the segments it swapped in.
//
// Worker thread: CleanedTxnMetadata follows the batches in offset order and
// says, per batch, whether it may be discarded:
//   - a data batch of an aborted transaction: yes (its records go);
//   - an ABORT marker: no while this pass saw data of its transaction (the
//     entry is then kept in the cleaned segment's .txnindex), else yes;
//   - a COMMIT marker: no while this pass saw data of its transaction, else yes;
//   - an empty control batch (already cleaned): yes.
// A marker that may be discarded is not dropped at once: it gets a delete
// horizon (now + delete.retention.ms, KIP-534) like a tombstone, and a later
// pass past that horizon removes it, so that consumers reading the log at the
// time still see the transaction end.

import type { Log } from './log.js';
import type { AbortedTxn } from './transaction-index.js';

export interface ActiveProducer {
  producerId: number;
  producerEpoch: number;
  /** Last offset of the producer's last data batch, -1 when its last entry is a marker. */
  lastDataOffset: number;
}

export interface TxnView {
  /** First offset a read_committed reader may not see yet (min of the first unstable offset and the high watermark). */
  lastStableOffset(): number;
  /** Aborted transactions overlapping [from, to): marker at or after `from`, first offset before `to`. */
  abortedTxns(from: number, to: number): AbortedTxn[];
  activeProducers(): ActiveProducer[];
  /** The cleaner replaced `oldBases` by a segment based at `newBase` (null: dropped) whose .txnindex holds `kept`. */
  segmentsReplaced(oldBases: readonly number[], newBase: number | null, kept: readonly AbortedTxn[]): Promise<void>;
}

const views = new WeakMap<Log, TxnView>();

export function registerTxnView(log: Log, view: TxnView): void {
  views.set(log, view);
}

export function txnViewOf(log: Log): TxnView | undefined {
  return views.get(log);
}

/** Per-producer progress of an aborted transaction met in this pass. */
interface OngoingAbort {
  txn: AbortedTxn;
  /** Whether a data batch of it was seen (then its marker is kept). */
  sawData: boolean;
}

export class CleanedTxnMetadata {
  /** Aborted transactions not reached yet, by first offset. */
  private readonly pending: AbortedTxn[];
  private next = 0;
  private readonly ongoingAborted = new Map<number, OngoingAbort>();
  private readonly ongoingCommitted = new Set<number>();
  /** Entries of ABORT markers kept, for the .txnindex of the segment being written. */
  kept: AbortedTxn[] = [];

  constructor(aborted: readonly AbortedTxn[]) {
    this.pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  private reach(offset: number): void {
    while (this.next < this.pending.length && this.pending[this.next]!.firstOffset <= offset) {
      const t = this.pending[this.next++]!;
      if (!this.ongoingAborted.has(t.producerId)) this.ongoingAborted.set(t.producerId, { txn: t, sawData: false });
    }
  }

  /** A data batch: returns whether it belongs to an aborted transaction. */
  onBatch(producerId: number, transactional: boolean, lastOffset: number): boolean {
    this.reach(lastOffset);
    if (!transactional) return false;
    const a = this.ongoingAborted.get(producerId);
    if (a) {
      a.sawData = true;
      return true;
    }
    this.ongoingCommitted.add(producerId);
    return false;
  }

  /**
   * A control batch: returns whether it may be discarded (once its delete
   * horizon passed). `type` is the marker's control type (0 ABORT, 1 COMMIT),
   * null for a control batch without records.
   */
  onControl(producerId: number, lastOffset: number, type: number | null): boolean {
    this.reach(lastOffset);
    if (type === null) return true;
    if (type === 0) {
      const a = this.ongoingAborted.get(producerId);
      this.ongoingAborted.delete(producerId);
      if (a?.sawData) {
        this.kept.push(a.txn);
        return false;
      }
      return true;
    }
    if (type === 1) return !this.ongoingCommitted.delete(producerId);
    return false;
  }
}
