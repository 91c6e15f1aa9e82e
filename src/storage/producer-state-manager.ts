// ProducerStateManager: what a partition knows about the producers writing to
// it (Kafka's ProducerStateManager, ProducerStateEntry and ProducerAppendInfo).
//
// Per producer id: its epoch, the sequence ranges and offsets of its last 5
// batches, the epoch of the last transaction coordinator that wrote a marker
// for it, its last timestamp, and the first offset of its transaction in
// progress here (if any). From that, per append (headers only, never records):
//
//   - a batch whose epoch and sequence range equal one of the producer's last 5
//     batches is a duplicate (a retry): the append is skipped and answered with
//     the original offsets (client appends only);
//   - an epoch below the producer's current one is INVALID_PRODUCER_EPOCH;
//   - with the current epoch, the first sequence must follow the last one
//     (wrapping at 2^31-1), else OUT_OF_ORDER_SEQUENCE_NUMBER; with a new epoch
//     it must be 0 (unless the producer was unknown). As in Kafka since 2.5
//     (KIP-360), a producer id this partition does not know (never seen, or
//     expired) may start at any sequence; UNKNOWN_PRODUCER_ID is not answered;
//   - a non-transactional batch while the producer's transaction is open here
//     is INVALID_TXN_STATE; a transactional batch opens one;
//   - a transaction marker (control batch) ends the open transaction; a marker
//     from an older coordinator epoch is TRANSACTION_COORDINATOR_FENCED.
//
// Transactions in progress give the last stable offset (LSO): the first offset
// of the oldest transaction not yet decided, or of one decided by a marker not
// yet readable (above the high watermark), else the high watermark.
//
// analyzeAppend() validates and computes the changes without applying them;
// applyAppend() applies them once the log has assigned the offsets, so that a
// refused append changes nothing. Snapshots (producer-snapshot.ts) and the
// rebuild from the log (producer-state-loader.ts) live beside this file.

import {
  baseSequence as readBaseSequence,
  batchSize,
  isControl as readIsControl,
  isTransactional as readIsTransactional,
  lastOffsetDelta,
  maxTimestamp as readMaxTimestamp,
  producerEpoch as readProducerEpoch,
  producerId as readProducerId,
  BATCH_HEADER_SIZE,
} from '../protocol/records/batch-header.js';
import { ControlRecordType, readEndTxnMarker } from '../protocol/records/control.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { SnapshotEntry } from './producer-snapshot.js';

export const NUM_BATCHES_TO_RETAIN = 5;
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
const INT32_MAX = 0x7fffffff;

/** Who is appending: clients get every check; the coordinators (offsets, markers) epoch checks only; replication and replay none. */
export type AppendOrigin = 'client' | 'coordinator' | 'replication';

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  timestamp: number;
}

/** Kafka's DecrementWrapAround / incrementSequence over [0, 2^31-1]. */
export function incrementSequence(seq: number, by: number): number {
  return seq > INT32_MAX - by ? by - (INT32_MAX - seq) - 1 : seq + by;
}
export function decrementSequence(seq: number, by: number): number {
  return seq < by ? INT32_MAX - (by - seq) + 1 : seq - by;
}

export class ProducerStateEntry {
  constructor(
    readonly producerId: number,
    public producerEpoch = NO_PRODUCER_EPOCH,
    public coordinatorEpoch = -1,
    public lastTimestamp = -1,
    /** First offset of this producer's transaction in progress here, -1 for none. */
    public currentTxnFirstOffset = -1,
    /** The last batches, oldest first (at most NUM_BATCHES_TO_RETAIN). */
    public batches: BatchMetadata[] = [],
  ) {}

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }
  get firstSeq(): number {
    return this.batches.length ? this.batches[0]!.firstSeq : NO_SEQUENCE;
  }
  get lastSeq(): number {
    return this.batches.length ? this.batches[this.batches.length - 1]!.lastSeq : NO_SEQUENCE;
  }
  get lastDataOffset(): number {
    return this.batches.length ? this.batches[this.batches.length - 1]!.lastOffset : -1;
  }

  /** The same producer-level state with no batches (Kafka's withProducerIdAndBatchMetadata). */
  withoutBatches(): ProducerStateEntry {
    return new ProducerStateEntry(this.producerId, this.producerEpoch, this.coordinatorEpoch, this.lastTimestamp, this.currentTxnFirstOffset);
  }

  maybeUpdateProducerEpoch(epoch: number): boolean {
    if (this.producerEpoch === epoch) return false;
    this.batches = [];
    this.producerEpoch = epoch;
    return true;
  }

  addBatch(epoch: number, b: BatchMetadata): void {
    this.maybeUpdateProducerEpoch(epoch);
    this.addBatchMetadata(b);
    this.lastTimestamp = b.timestamp;
  }

  private addBatchMetadata(b: BatchMetadata): void {
    if (this.batches.length >= NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.batches.push(b);
  }

  /** Takes over what an append computed (Kafka's ProducerStateEntry.update). */
  update(next: ProducerStateEntry): void {
    this.maybeUpdateProducerEpoch(next.producerEpoch);
    for (const b of next.batches) this.addBatchMetadata(b);
    this.coordinatorEpoch = next.coordinatorEpoch;
    this.currentTxnFirstOffset = next.currentTxnFirstOffset;
    this.lastTimestamp = next.lastTimestamp;
  }

  /** The retained batch with exactly this epoch and sequence range. */
  findDuplicate(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | null {
    if (epoch !== this.producerEpoch) return null;
    for (const b of this.batches) if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return b;
    return null;
  }
}

export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  /** Offset of the marker. */
  lastOffset: number;
  isAborted: boolean;
}

/** What one append would change; applyAppend() makes it so. */
export interface AppendAnalysis {
  /** A retry of a batch already in the log: nothing is appended, the original offsets are answered. */
  duplicate: BatchMetadata | null;
  updates: Map<number, ProducerStateEntry>;
  started: { producerId: number; firstOffset: number }[];
  completed: CompletedTxn[];
}

/** Asked when a transactional batch would open a transaction here: 0 if the coordinator has the partition in that producer's transaction, else an error code. */
export type TxnVerifier = (producerId: number, producerEpoch: number) => number;

export class ProducerStateManager {
  readonly producers = new Map<number, ProducerStateEntry>();
  /** Transactions in progress here: first offset → producer id (insertion order is offset order). */
  private ongoingTxns = new Map<number, number>();
  /** Transactions decided by a marker at or above the high watermark: first offset → marker offset. */
  private unreplicatedTxns = new Map<number, number>();
  /** Offset up to which the state reflects the log. */
  mapEndOffset = 0;

  constructor(readonly topicPartition: string) {}

  // ---------------------------------------------------------------- appends

  /**
   * Validates the producer fields of every batch in `records` (batches back
   * to back, the first to be assigned `firstOffset`) and computes the state
   * changes. Returns null when no batch carries a producer id (nothing to do).
   * Throws a KafkaError for a refused append; a duplicate is reported, not thrown.
   */
  analyzeAppend(records: Buffer, firstOffset: number, origin: AppendOrigin, verify?: TxnVerifier): AppendAnalysis | null {
    let analysis: AppendAnalysis | null = null;
    const len = records.length;
    let offset = firstOffset;
    for (let at = 0; at + BATCH_HEADER_SIZE <= len; ) {
      const size = batchSize(records, at);
      const delta = lastOffsetDelta(records, at);
      const pid = readProducerId(records, at);
      if (pid >= 0) {
        analysis ??= { duplicate: null, updates: new Map(), started: [], completed: [] };
        const epoch = readProducerEpoch(records, at);
        const current = this.producers.get(pid);
        const isControl = readIsControl(records, at);
        if (origin === 'client' && current && !isControl) {
          const firstSeq = readBaseSequence(records, at);
          const dup = current.findDuplicate(epoch, firstSeq, incrementSequence(firstSeq, delta));
          if (dup) return { duplicate: dup, updates: new Map(), started: [], completed: [] };
        }
        const isTxn = readIsTransactional(records, at);
        if (isTxn && !isControl && origin !== 'replication' && verify && !(current && current.currentTxnFirstOffset >= 0) && !analysis.updates.get(pid)) {
          const error = verify(pid, epoch);
          if (error !== ErrorCode.NONE) throw new KafkaError(error, `Record was not part of an ongoing transaction (producer ${pid}, epoch ${epoch}) in ${this.topicPartition}`);
        }
        let updated = analysis.updates.get(pid);
        if (!updated) {
          updated = current ? current.withoutBatches() : new ProducerStateEntry(pid);
          analysis.updates.set(pid, updated);
        }
        const empty = current ?? EMPTY;
        if (isControl) {
          const marker = readEndTxnMarker(records, at);
          if (marker) {
            const done = this.appendEndTxnMarker(updated, origin, epoch, marker.type, marker.coordinatorEpoch, offset, readMaxTimestamp(records, at));
            if (done) analysis.completed.push(done);
          }
        } else {
          const firstSeq = readBaseSequence(records, at);
          this.appendDataBatch(updated, empty, origin, epoch, firstSeq, incrementSequence(firstSeq, delta), readMaxTimestamp(records, at), offset, offset + delta, isTxn, analysis);
        }
      }
      offset += delta + 1;
      at += size;
    }
    return analysis;
  }

  private checkProducerEpoch(updated: ProducerStateEntry, origin: AppendOrigin, epoch: number, offset: number): void {
    if (epoch < updated.producerEpoch && origin !== 'replication') {
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `Epoch of producer ${updated.producerId} at offset ${offset} in ${this.topicPartition} is ${epoch}, which is smaller than the last seen epoch ${updated.producerEpoch}`,
      );
    }
  }

  private appendDataBatch(
    updated: ProducerStateEntry,
    current: ProducerStateEntry,
    origin: AppendOrigin,
    epoch: number,
    firstSeq: number,
    lastSeq: number,
    timestamp: number,
    firstOffset: number,
    lastOffset: number,
    isTransactional: boolean,
    analysis: AppendAnalysis,
  ): void {
    this.checkProducerEpoch(updated, origin, epoch, firstOffset);
    if (origin === 'client') this.checkSequence(updated, current, epoch, firstSeq, firstOffset);
    updated.addBatch(epoch, { firstSeq, lastSeq, firstOffset, lastOffset, timestamp });
    if (updated.currentTxnFirstOffset >= 0 && !isTransactional) {
      throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `Expected transactional write from producer ${updated.producerId} at offset ${firstOffset} in partition ${this.topicPartition}`);
    } else if (updated.currentTxnFirstOffset < 0 && isTransactional) {
      updated.currentTxnFirstOffset = firstOffset;
      analysis.started.push({ producerId: updated.producerId, firstOffset });
    }
  }

  private checkSequence(updated: ProducerStateEntry, current: ProducerStateEntry, epoch: number, firstSeq: number, offset: number): void {
    const pid = updated.producerId;
    if (epoch !== updated.producerEpoch) {
      if (firstSeq !== 0 && updated.producerEpoch !== NO_PRODUCER_EPOCH) {
        throw new KafkaError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `Invalid sequence number for new epoch of producer ${pid} at offset ${offset} in partition ${this.topicPartition}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${updated.producerEpoch} (current producer epoch)`,
        );
      }
      return;
    }
    const currentLastSeq = !updated.isEmpty ? updated.lastSeq : epoch === current.producerEpoch ? current.lastSeq : NO_SEQUENCE;
    // No epoch known (the producer's records were all removed, or it expired): any sequence goes.
    if (current.producerEpoch === NO_PRODUCER_EPOCH || inSequence(currentLastSeq, firstSeq)) return;
    throw new KafkaError(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `Out of order sequence number for producer ${pid} at offset ${offset} in partition ${this.topicPartition}: ${firstSeq} (incoming seq. number), ${currentLastSeq} (current end sequence number)`,
    );
  }

  private appendEndTxnMarker(
    updated: ProducerStateEntry,
    origin: AppendOrigin,
    epoch: number,
    type: ControlRecordType,
    coordinatorEpoch: number,
    offset: number,
    timestamp: number,
  ): CompletedTxn | null {
    this.checkProducerEpoch(updated, origin, epoch, offset);
    if (updated.coordinatorEpoch > coordinatorEpoch && origin !== 'replication') {
      throw new KafkaError(
        ErrorCode.TRANSACTION_COORDINATOR_FENCED,
        `Invalid coordinator epoch for producerId ${updated.producerId} at offset ${offset} in partition ${this.topicPartition}: ${coordinatorEpoch} (zombie), ${updated.coordinatorEpoch} (current)`,
      );
    }
    const done: CompletedTxn | null =
      updated.currentTxnFirstOffset >= 0
        ? { producerId: updated.producerId, firstOffset: updated.currentTxnFirstOffset, lastOffset: offset, isAborted: type === ControlRecordType.Abort }
        : null;
    updated.maybeUpdateProducerEpoch(epoch);
    updated.coordinatorEpoch = coordinatorEpoch;
    updated.currentTxnFirstOffset = -1;
    updated.lastTimestamp = timestamp;
    return done;
  }

  /**
   * Applies an analysed append once its offsets are assigned (`endOffset` is
   * the offset after it). Returns the completed transactions, each with the
   * last stable offset it leaves (for the aborted-transaction index).
   */
  applyAppend(a: AppendAnalysis, endOffset: number): (CompletedTxn & { lastStableOffset: number })[] {
    for (const [pid, next] of a.updates) {
      const cur = this.producers.get(pid);
      if (cur) cur.update(next);
      else this.producers.set(pid, next);
    }
    for (const t of a.started) this.ongoingTxns.set(t.firstOffset, t.producerId);
    const out: (CompletedTxn & { lastStableOffset: number })[] = [];
    for (const c of a.completed) {
      out.push({ ...c, lastStableOffset: this.lastStableOffsetAfter(c) });
      this.ongoingTxns.delete(c.firstOffset);
      this.unreplicatedTxns.set(c.firstOffset, c.lastOffset);
    }
    if (endOffset > this.mapEndOffset) this.mapEndOffset = endOffset;
    return out;
  }

  /** Kafka's lastStableOffset(completedTxn): the next undecided transaction of another producer, else after the marker. */
  private lastStableOffsetAfter(c: CompletedTxn): number {
    for (const [first, pid] of this.ongoingTxns) if (pid !== c.producerId) return first;
    return c.lastOffset + 1;
  }

  /** Moves the state past offsets that carry no producer state (an append without producer ids). */
  advanceMapEndOffset(endOffset: number): void {
    if (endOffset > this.mapEndOffset) this.mapEndOffset = endOffset;
  }

  // ---------------------------------------------------------------- transactions

  hasOngoingTransaction(producerId: number): boolean {
    return (this.producers.get(producerId)?.currentTxnFirstOffset ?? -1) >= 0;
  }

  /** First offset of the oldest transaction not decided yet (or decided at or above `highWatermark`), -1 for none. */
  firstUnstableOffset(highWatermark: number): number {
    let min = -1;
    for (const [first] of this.ongoingTxns) {
      min = first;
      break;
    }
    for (const [first, last] of this.unreplicatedTxns) {
      if (last < highWatermark) {
        this.unreplicatedTxns.delete(first);
        continue;
      }
      if (min < 0 || first < min) min = first;
    }
    return min;
  }

  /** The last stable offset: min(first unstable offset, high watermark). */
  lastStableOffset(highWatermark: number): number {
    const f = this.firstUnstableOffset(highWatermark);
    return f >= 0 && f < highWatermark ? f : highWatermark;
  }

  /** Transactions in progress here, oldest first. */
  ongoingTransactions(): { producerId: number; firstOffset: number }[] {
    return [...this.ongoingTxns].map(([firstOffset, producerId]) => ({ producerId, firstOffset }));
  }

  // ---------------------------------------------------------------- expiry and truncation

  /** Drops producers idle for `expirationMs` (by their last batch's timestamp) that have no transaction in progress. Returns how many. */
  removeExpiredProducers(now: number, expirationMs: number): number {
    let n = 0;
    for (const [pid, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= expirationMs) {
        this.producers.delete(pid);
        n++;
      }
    }
    return n;
  }

  /** After the log start moved (retention, DeleteRecords): producers whose last batch is gone are forgotten, as are decided transactions below it. */
  truncateHead(logStartOffset: number): void {
    for (const [pid, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && e.lastDataOffset >= 0 && e.lastDataOffset < logStartOffset) this.producers.delete(pid);
    }
    for (const [first, last] of this.unreplicatedTxns) if (last < logStartOffset) this.unreplicatedTxns.delete(first);
    if (this.mapEndOffset < logStartOffset) this.mapEndOffset = logStartOffset;
  }

  clear(mapEndOffset: number): void {
    this.producers.clear();
    this.ongoingTxns.clear();
    this.unreplicatedTxns.clear();
    this.mapEndOffset = mapEndOffset;
  }

  // ---------------------------------------------------------------- snapshots

  /** Snapshot entries: one per retained batch (oldest first), or one without a batch for a producer that has none. */
  snapshotEntries(): SnapshotEntry[] {
    const out: SnapshotEntry[] = [];
    for (const e of this.producers.values()) {
      const common = { producerId: e.producerId, epoch: e.producerEpoch, coordinatorEpoch: e.coordinatorEpoch, currentTxnFirstOffset: e.currentTxnFirstOffset };
      if (e.batches.length === 0) {
        out.push({ ...common, lastSequence: NO_SEQUENCE, lastOffset: -1, offsetDelta: 0, timestamp: e.lastTimestamp });
        continue;
      }
      for (const b of e.batches) {
        out.push({ ...common, lastSequence: b.lastSeq, lastOffset: b.lastOffset, offsetDelta: b.lastOffset - b.firstOffset, timestamp: b.timestamp });
      }
    }
    return out;
  }

  /** Replaces the state with a snapshot's (entries of expired producers skipped), as of `offset`. */
  loadSnapshot(entries: readonly SnapshotEntry[], offset: number, now: number, expirationMs: number): void {
    this.clear(offset);
    for (const s of entries) {
      let e = this.producers.get(s.producerId);
      if (!e) {
        e = new ProducerStateEntry(s.producerId, s.epoch);
        this.producers.set(s.producerId, e);
      }
      e.producerEpoch = s.epoch;
      e.coordinatorEpoch = s.coordinatorEpoch;
      e.currentTxnFirstOffset = s.currentTxnFirstOffset;
      e.lastTimestamp = s.timestamp;
      if (s.lastOffset >= 0) {
        // offsetDelta is the batch's lastOffset - firstOffset, which is also lastSeq - firstSeq.
        const b = { firstSeq: decrementSequence(s.lastSequence, s.offsetDelta), lastSeq: s.lastSequence, firstOffset: s.lastOffset - s.offsetDelta, lastOffset: s.lastOffset, timestamp: s.timestamp };
        if (e.batches.length >= NUM_BATCHES_TO_RETAIN) e.batches.shift();
        e.batches.push(b);
      }
    }
    for (const [pid, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= expirationMs) this.producers.delete(pid);
    }
    const txns = [...this.producers.values()].filter((e) => e.currentTxnFirstOffset >= 0).sort((a, b) => a.currentTxnFirstOffset - b.currentTxnFirstOffset);
    for (const e of txns) this.ongoingTxns.set(e.currentTxnFirstOffset, e.producerId);
  }
}

const EMPTY = new ProducerStateEntry(-1);

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}
