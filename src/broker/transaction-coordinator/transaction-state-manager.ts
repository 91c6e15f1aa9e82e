// The coordinator's cache of transactional ids and its bridge to
// __transaction_state (Kafka's TransactionStateManager): which partitions of
// that topic are served here and which are still loading, writing a
// transactional id's records, and replaying them.
//
// A transactional id's metadata changes only by writing its record and then
// applying the transit that produced it (append()); loading a partition reads
// its records from the log start, the last record of each id wins (a
// tombstone removes it), and the metadata is built from it — the same state a
// live coordinator holds after the same writes (except the in-memory last
// producer epoch, as in Kafka).

import { ErrorCode } from '../../protocol/errors.js';
import { Logger } from '../../logger.js';
import { partitionFor } from '../group-coordinator/records.js';
import type { Time } from '../group-coordinator/time.js';
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, TRANSACTION_STATE_TOPIC } from './records.js';
import type { TxnStateLog } from './transaction-state-topic.js';
import { TransactionMetadata, type TxnTransit } from './transaction-metadata.js';

const log = new Logger('TransactionStateManager');

export interface TransactionStateConfig {
  transactionStateLogNumPartitions: number;
  transactionalIdExpirationMs: number;
}

type PartitionState = 'loading' | 'owned';

/** Kafka's mapping of a failed __transaction_state write to the error clients see. */
export function txnAppendError(error: number): number {
  switch (error) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return error;
  }
}

export class TransactionStateManager {
  readonly txns = new Map<string, TransactionMetadata>();
  private readonly byProducer = new Map<number, TransactionMetadata>();
  private readonly partitions = new Map<number, PartitionState>();
  private shuttingDown = false;

  constructor(
    readonly time: Time,
    readonly log: TxnStateLog,
    private readonly config: () => TransactionStateConfig,
  ) {}

  partitionCount(): number {
    return this.log.partitionCount() ?? this.config().transactionStateLogNumPartitions;
  }

  partitionFor(transactionalId: string): number {
    return partitionFor(transactionalId, this.partitionCount());
  }

  /** NONE when this broker serves the id now, else NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS. */
  status(transactionalId: string): number {
    const p = this.partitionFor(transactionalId);
    const s = this.partitions.get(p);
    if (s === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (s !== 'owned') return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  isOwned(partition: number): boolean {
    return this.partitions.get(partition) === 'owned';
  }
  isLoading(partition: number): boolean {
    return this.partitions.get(partition) === 'loading';
  }
  get anyLoading(): boolean {
    for (const s of this.partitions.values()) if (s === 'loading') return true;
    return false;
  }

  get(transactionalId: string): TransactionMetadata | undefined {
    return this.txns.get(transactionalId);
  }

  /** The transactional id currently using this producer id. */
  byProducerId(producerId: number): TransactionMetadata | undefined {
    return this.byProducer.get(producerId);
  }

  putIfNotExists(md: TransactionMetadata): TransactionMetadata {
    const existing = this.txns.get(md.transactionalId);
    if (existing) return existing;
    this.txns.set(md.transactionalId, md);
    this.byProducer.set(md.producerId, md);
    return md;
  }

  private apply(md: TransactionMetadata, t: TxnTransit): void {
    if (this.byProducer.get(md.producerId) === md) this.byProducer.delete(md.producerId);
    md.completeTransitionTo(t);
    if (t.state === 'Dead') {
      if (this.txns.get(md.transactionalId) === md) this.txns.delete(md.transactionalId);
      return;
    }
    this.byProducer.set(md.producerId, md);
  }

  /**
   * Writes the transit's record (a tombstone for Dead) and, once written,
   * applies it. Resolves with the error clients see (0 when written); on
   * failure the metadata is left as it was (pending state cleared).
   */
  async append(md: TransactionMetadata, t: TxnTransit): Promise<number> {
    const p = this.partitionFor(md.transactionalId);
    let error: number;
    try {
      const value = t.state === 'Dead' ? null : encodeTxnValue(t);
      error = await this.log.append(p, encodeTxnKey(md.transactionalId), value, this.time.now());
    } catch (err) {
      log.error(`Appending transaction state of ${md.transactionalId} failed: ${(err as Error)?.message ?? err}`);
      error = ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    if (error !== ErrorCode.NONE) {
      md.pendingState = null;
      log.info(`Appending ${t.state} for ${md.transactionalId} to ${TRANSACTION_STATE_TOPIC}-${p} failed with error ${error}`);
      return txnAppendError(error);
    }
    if (!this.isOwned(p) && !this.isLoading(p)) {
      // Emigrated while writing: the next coordinator loads it from the log.
      md.pendingState = null;
      return ErrorCode.NOT_COORDINATOR;
    }
    this.apply(md, t);
    return ErrorCode.NONE;
  }

  // ---- loading

  markLoading(partitions: Iterable<number>): void {
    for (const p of partitions) if (!this.partitions.has(p)) this.partitions.set(p, 'loading');
  }

  /** Rebuilds the partition's transactional ids from its records; returns those left in PrepareCommit/PrepareAbort (their markers must be written). */
  async loadPartition(partition: number): Promise<TransactionMetadata[]> {
    this.partitions.set(partition, 'loading');
    const started = this.time.now();
    const latest = new Map<string, TxnTransit | null>();
    let records = 0;
    try {
      for await (const r of this.log.read(partition)) {
        if (this.shuttingDown) return [];
        if (!r.key) continue;
        let k;
        try {
          k = decodeTxnKey(r.key);
        } catch (err) {
          log.warn(`Skipping an undecodable key in ${TRANSACTION_STATE_TOPIC}-${partition}: ${(err as Error).message}`);
          continue;
        }
        if ('unknownVersion' in k) {
          log.warn(`Unknown message key with version ${k.unknownVersion} while loading transaction state from ${TRANSACTION_STATE_TOPIC}-${partition}. Ignoring it.`);
          continue;
        }
        records++;
        if (r.value === null) {
          latest.set(k.transactionalId, null);
          continue;
        }
        try {
          latest.set(k.transactionalId, decodeTxnValue(k.transactionalId, r.value));
        } catch (err) {
          log.warn(`Skipping an undecodable value for ${k.transactionalId} in ${TRANSACTION_STATE_TOPIC}-${partition}: ${(err as Error).message}`);
        }
      }
    } catch (err) {
      log.error(`Error loading transactions from ${TRANSACTION_STATE_TOPIC}-${partition}: ${(err as Error)?.stack ?? err}`);
    }
    if (this.shuttingDown) return [];
    const pending: TransactionMetadata[] = [];
    for (const [id, t] of latest) {
      const old = this.txns.get(id);
      if (old && this.byProducer.get(old.producerId) === old) this.byProducer.delete(old.producerId);
      this.txns.delete(id);
      if (!t) continue;
      const md = new TransactionMetadata(id, t);
      this.txns.set(id, md);
      this.byProducer.set(md.producerId, md);
      if (md.state === 'PrepareCommit' || md.state === 'PrepareAbort') pending.push(md);
    }
    this.partitions.set(partition, 'owned');
    const msg = `Finished loading ${latest.size} transaction metadata from ${TRANSACTION_STATE_TOPIC}-${partition} in ${this.time.now() - started} milliseconds (${records} records)`;
    if (records > 0) log.info(msg);
    else log.debug(msg);
    return pending;
  }

  // ---- expiry and timeouts

  /** Ongoing transactions past their timeout (not being changed). */
  timedOutTransactions(now: number): TransactionMetadata[] {
    const out: TransactionMetadata[] = [];
    for (const md of this.txns.values()) {
      if (!this.isOwned(this.partitionFor(md.transactionalId))) continue;
      if (md.state === 'Ongoing' && !md.pendingTransitionInProgress && md.txnStartTimestamp + md.txnTimeoutMs < now) out.push(md);
    }
    return out;
  }

  /** Transactional ids idle for transactional.id.expiration.ms with no transaction in progress. */
  expiredTransactionalIds(now: number): TransactionMetadata[] {
    const ttl = this.config().transactionalIdExpirationMs;
    const out: TransactionMetadata[] = [];
    for (const md of this.txns.values()) {
      if (!this.isOwned(this.partitionFor(md.transactionalId)) || md.pendingTransitionInProgress) continue;
      if ((md.state === 'Empty' || md.state === 'CompleteCommit' || md.state === 'CompleteAbort') && md.txnLastUpdateTimestamp + ttl <= now) out.push(md);
    }
    return out;
  }

  shutdown(): void {
    this.shuttingDown = true;
    this.partitions.clear();
  }
}
