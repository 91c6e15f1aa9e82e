// The producer's idempotence and transaction state (Kafka's TransactionManager):
// the producer id and epoch (InitProducerId), per-partition sequence numbers
// (next to assign, last acknowledged), the KIP-360 epoch bump after a gap in
// sequences (idempotent producer), and for a transactional.id the transaction
// state machine: partitions added with AddPartitionsToTxn before their first
// batch is sent, offsets with AddOffsetsToTxn + TxnOffsetCommit, EndTxn;
// abortable errors (the transaction must be aborted) and fatal ones
// (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH, ...: the producer must be closed).

import type { Cluster } from './cluster.js';
import type { ProducerConfig } from './config.js';
import type { BrokerConnection } from './connection.js';
import { ClientClosedError, ErrorCode, KafkaError, brokerError } from './errors.js';
import { findCoordinatorOnce, isCoordinatorError, type CoordinatorInfo } from './group-requests.js';

/**
 * Backoff for CONCURRENT_TRANSACTIONS on AddPartitionsToTxn / AddOffsetsToTxn:
 * the coordinator is still completing the previous transaction (its markers),
 * which takes milliseconds, so waiting retry.backoff.ms (and refreshing
 * metadata, as for other retriable errors) would cost far more than the
 * wait itself. The Java producer uses 20 ms for the first AddPartitions of a
 * transaction; we start lower and double up to that, since a completion on a
 * single broker takes a millisecond or two. (Our own coordinator holds such a
 * request until the completion is written, so this matters against Kafka's.)
 */
const CONCURRENT_TXN_BACKOFF_MS = 2;
const CONCURRENT_TXN_BACKOFF_MAX_MS = 20;

const INIT_PRODUCER_ID = 22;
const ADD_PARTITIONS_TO_TXN = 24;
const ADD_OFFSETS_TO_TXN = 25;
const END_TXN = 26;
const TXN_OFFSET_COMMIT = 28;

export type TxnState = 'UNINITIALIZED' | 'INITIALIZING' | 'READY' | 'IN_TRANSACTION' | 'COMMITTING' | 'ABORTING' | 'ABORTABLE_ERROR' | 'FATAL_ERROR';

export interface GroupMetadataInput {
  groupId: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

export interface TxnOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string | null;
  leaderEpoch?: number;
}

/** A transactional call in the wrong state (Kafka's IllegalStateException / KafkaException). */
export class TransactionStateError extends KafkaError {
  override name = 'TransactionStateError';
  constructor(message: string, code: number = ErrorCode.INVALID_TXN_STATE) {
    super(code, message);
    (this as { retriable: boolean }).retriable = false;
  }
}

interface PartitionSeq {
  /** Next sequence to assign. */
  next: number;
  /** Last sequence the broker acknowledged (-1: none). */
  lastAcked: number;
}

const tpKey = (topic: string, partition: number) => `${topic}\0${partition}`;

export class TransactionManager {
  producerId = -1;
  epoch = -1;
  state: TxnState = 'UNINITIALIZED';
  private readonly seqs = new Map<string, PartitionSeq>();
  private initializing: Promise<void> | null = null;
  /** An epoch bump (KIP-360) waits for in-flight batches to finish. */
  bumpRequested = false;
  private lastError: KafkaError | null = null;
  private coordinator: CoordinatorInfo | null = null;
  /** Group coordinators for TxnOffsetCommit, by group id (a consume-transform-produce loop commits to one group again and again). */
  private readonly groupCoordinators = new Map<string, CoordinatorInfo>();
  /**
   * AddPartitionsToTxn and AddOffsetsToTxn go to the coordinator one at a
   * time, as the Java producer queues them: a second one arriving while the
   * first is being written is answered CONCURRENT_TRANSACTIONS.
   */
  private coordinatorTail: Promise<unknown> = Promise.resolve();
  /** Partitions already in the open transaction / being added. */
  private readonly added = new Set<string>();
  private readonly pendingAdd = new Map<string, { topic: string; partition: number }>();
  /** The AddPartitionsToTxn loop while it runs (commit and abort wait for it). */
  private adding: Promise<void> | null = null;
  /** The transaction has partitions or offsets, so EndTxn must be sent. */
  private txnStarted = false;
  /** Called when something the sender waits for happened. */
  onChange: () => void = () => {};

  constructor(
    private readonly cluster: Cluster,
    private readonly config: ProducerConfig,
  ) {}

  get transactionalId(): string | null {
    return this.config.transactionalId || null;
  }

  get isTransactional(): boolean {
    return this.transactionalId !== null;
  }

  get hasProducerId(): boolean {
    return this.producerId >= 0 && !this.bumpRequested;
  }

  get error(): KafkaError | null {
    return this.state === 'ABORTABLE_ERROR' || this.state === 'FATAL_ERROR' ? this.lastError : null;
  }

  get isFatal(): boolean {
    return this.state === 'FATAL_ERROR';
  }

  close(): void {
  }

  // ------------------------------------------------------------ sequences

  private seq(topic: string, partition: number): PartitionSeq {
    const k = tpKey(topic, partition);
    let s = this.seqs.get(k);
    if (!s) this.seqs.set(k, (s = { next: 0, lastAcked: -1 }));
    return s;
  }

  /** Assigns the base sequence of a batch of `count` records. */
  assignSequence(topic: string, partition: number, count: number): number {
    const s = this.seq(topic, partition);
    const base = s.next;
    s.next = (s.next + count) % 2147483648;
    return base;
  }

  acknowledge(topic: string, partition: number, baseSequence: number, count: number): void {
    const s = this.seq(topic, partition);
    s.lastAcked = Math.max(s.lastAcked, baseSequence + count - 1);
  }

  /** The batch is the next one the broker expects (its predecessors are acknowledged). */
  isNextSequence(topic: string, partition: number, baseSequence: number): boolean {
    return this.seq(topic, partition).lastAcked + 1 === baseSequence;
  }

  /** Sequences start again at 0 (after a new producer id or epoch). */
  private resetSequences(): void {
    this.seqs.clear();
  }

  // ------------------------------------------------------------ producer id

  /** Idempotent producer: a producer id for the sender (InitProducerId through any broker). */
  ensureProducerId(): void {
    if (this.isTransactional || this.initializing || this.state === 'FATAL_ERROR') return;
    if (this.producerId >= 0 && !this.bumpRequested) return;
    if (this.producerId >= 0 && this.epoch < 32767) {
      // KIP-360, as the Java client: the idempotent producer bumps its epoch itself; the broker takes
      // a higher epoch starting at sequence 0 as a fresh start for the producer id.
      this.epoch++;
      this.resetSequences();
      this.bumpRequested = false;
      queueMicrotask(() => this.onChange());
      return;
    }
    this.initializing = this.initProducerId(this.config.maxBlockMs).then(
      () => {
        this.initializing = null;
        this.bumpRequested = false;
        this.onChange();
      },
      (err: Error) => {
        this.initializing = null;
        if (err instanceof KafkaError && !err.retriable && !(err.name === 'TimeoutError')) this.fatal(err);
        this.onChange();
      },
    );
  }

  get isInitializing(): boolean {
    return this.initializing !== null;
  }

  /** KIP-360: a gap in sequences; the idempotent producer gets a new epoch once nothing is in flight. */
  requestEpochBump(): void {
    this.bumpRequested = true;
  }

  private async initProducerId(timeoutMs: number): Promise<void> {
    const txnId = this.transactionalId;
    const res = await this.cluster.retry('InitProducerId', timeoutMs, async () => {
      const conn = txnId ? await this.coordinatorConnection() : await this.cluster.anyConnection();
      const r = await conn.request<any>(INIT_PRODUCER_ID, {
        transactionalId: txnId,
        transactionTimeoutMs: this.config.transactionTimeoutMs,
        producerId: this.producerId,
        producerEpoch: this.epoch,
      });
      this.checkCoordinatorError(r.errorCode, 'InitProducerId');
      return r;
    });
    this.producerId = Number(res.producerId);
    this.epoch = Number(res.producerEpoch);
    this.resetSequences();
  }

  private checkCoordinatorError(code: number, what: string): void {
    if (!code) return;
    if (isCoordinatorError(code)) this.coordinator = null;
    const err = brokerError(code, null, what);
    if (code === ErrorCode.CONCURRENT_TRANSACTIONS) (err as { retriable: boolean }).retriable = true;
    throw err;
  }

  private async coordinatorConnection(): Promise<BrokerConnection> {
    if (!this.coordinator) this.coordinator = await findCoordinatorOnce(await this.cluster.anyConnection(), this.transactionalId!, 1);
    const c = this.coordinator;
    return this.cluster.connectionToAddress(c.host, c.port, c.nodeId, 'txn');
  }

  // ------------------------------------------------------------ transactions

  private fatal(err: KafkaError): void {
    this.lastError = err;
    this.state = 'FATAL_ERROR';
  }

  /** A batch or request of the transaction failed: fatal for fencing, otherwise the transaction must be aborted. */
  transactionFailed(err: Error): void {
    const k = err instanceof KafkaError ? err : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, err.message);
    if (isFencing(k.code)) this.fatal(k);
    else if (this.state !== 'FATAL_ERROR' && this.state !== 'ABORTING') {
      this.lastError = k;
      this.state = 'ABORTABLE_ERROR';
    }
  }

  private throwIfError(): void {
    if (this.state === 'FATAL_ERROR') throw this.lastError!;
    if (this.state === 'ABORTABLE_ERROR') throw this.lastError!;
  }

  async initTransactions(): Promise<void> {
    if (!this.isTransactional) throw new TransactionStateError('initTransactions() needs a transactional.id');
    if (this.state === 'FATAL_ERROR') throw this.lastError!;
    if (this.state !== 'UNINITIALIZED') throw new TransactionStateError(`initTransactions() in state ${this.state}`);
    this.state = 'INITIALIZING';
    try {
      await this.initProducerId(this.config.maxBlockMs);
      this.state = 'READY';
    } catch (err) {
      if (err instanceof KafkaError && isFencing(err.code)) this.fatal(err);
      else this.state = 'UNINITIALIZED';
      throw err;
    }
  }

  beginTransaction(): void {
    this.throwIfError();
    if (this.state !== 'READY') throw new TransactionStateError(`beginTransaction() in state ${this.state}`);
    this.state = 'IN_TRANSACTION';
    this.txnStarted = false;
  }

  /** send() is allowed: idempotent producers always, transactional ones inside a transaction. */
  checkSend(): void {
    if (!this.isTransactional) {
      if (this.state === 'FATAL_ERROR') throw this.lastError!;
      return;
    }
    this.throwIfError();
    if (this.state !== 'IN_TRANSACTION') throw new TransactionStateError(`Cannot call send in state ${this.state}: call beginTransaction() first`);
  }

  /** The partition was added to the open transaction (the sender may send to it). */
  isPartitionAdded(topic: string, partition: number): boolean {
    return !this.isTransactional || this.added.has(tpKey(topic, partition));
  }

  /** Queues AddPartitionsToTxn for a partition (sent in one request with the others pending). */
  maybeAddPartition(topic: string, partition: number): void {
    const k = tpKey(topic, partition);
    if (this.added.has(k) || this.pendingAdd.has(k)) return;
    this.pendingAdd.set(k, { topic, partition });
    this.adding ??= this.addPartitions();
  }

  private async addPartitions(): Promise<void> {
    try {
      // One request for every partition the sender finds ready in the same pass (it asks synchronously).
      await null;
      while (this.pendingAdd.size > 0 && this.state === 'IN_TRANSACTION' || this.pendingAdd.size > 0 && this.state === 'COMMITTING') {
        const parts = [...this.pendingAdd.entries()];
        const byTopic = new Map<string, number[]>();
        for (const [, p] of parts) {
          let l = byTopic.get(p.topic);
          if (!l) byTopic.set(p.topic, (l = []));
          l.push(p.partition);
        }
        try {
          await this.serially(() => this.retryTxnRequest('AddPartitionsToTxn', async () => {
            const conn = await this.coordinatorConnection();
            const version = Math.min(3, conn.versionFor(ADD_PARTITIONS_TO_TXN));
            const r = await conn.request<any>(
              ADD_PARTITIONS_TO_TXN,
              {
                v3AndBelowTransactionalId: this.transactionalId,
                v3AndBelowProducerId: this.producerId,
                v3AndBelowProducerEpoch: this.epoch,
                v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
              },
              { version },
            );
            let first = 0;
            for (const t of r.resultsByTopicV3AndBelow ?? []) {
              for (const p of t.resultsByPartition) {
                if (p.partitionErrorCode && p.partitionErrorCode !== ErrorCode.OPERATION_NOT_ATTEMPTED && !first) first = p.partitionErrorCode;
              }
            }
            this.checkCoordinatorError(first, 'AddPartitionsToTxn');
          }));
          for (const [k] of parts) {
            this.pendingAdd.delete(k);
            this.added.add(k);
          }
          this.txnStarted = true;
        } catch (err) {
          for (const [k] of parts) this.pendingAdd.delete(k);
          this.transactionFailed(err as Error);
        }
        this.onChange();
      }
    } finally {
      this.pendingAdd.clear();
      this.adding = null;
    }
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.coordinatorTail.then(fn, fn);
    this.coordinatorTail = p.catch(() => {});
    return p;
  }

  /**
   * cluster.retry() for a request to the transaction coordinator, except that
   * CONCURRENT_TRANSACTIONS is retried after a short backoff and without a
   * metadata refresh (see CONCURRENT_TXN_BACKOFF_MS).
   */
  private retryTxnRequest(what: string, fn: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.config.maxBlockMs;
    return this.cluster.retry(what, this.config.maxBlockMs, async () => {
      for (let backoff = CONCURRENT_TXN_BACKOFF_MS; ; backoff = Math.min(backoff * 2, CONCURRENT_TXN_BACKOFF_MAX_MS)) {
        try {
          return await fn();
        } catch (err) {
          if (!(err instanceof KafkaError) || err.code !== ErrorCode.CONCURRENT_TRANSACTIONS || Date.now() + backoff >= deadline) throw err;
        }
        await this.cluster.sleeper.sleep(backoff);
        if (this.cluster.isClosed) throw new ClientClosedError('producer');
      }
    });
  }

  async sendOffsetsToTransaction(offsets: readonly TxnOffset[], group: GroupMetadataInput | string): Promise<void> {
    this.throwIfError();
    if (this.state !== 'IN_TRANSACTION') throw new TransactionStateError(`sendOffsetsToTransaction() in state ${this.state}`);
    const g: GroupMetadataInput = typeof group === 'string' ? { groupId: group } : group;
    try {
      await this.serially(() =>
        this.retryTxnRequest('AddOffsetsToTxn', async () => {
          const conn = await this.coordinatorConnection();
          const r = await conn.request<any>(ADD_OFFSETS_TO_TXN, { transactionalId: this.transactionalId, producerId: this.producerId, producerEpoch: this.epoch, groupId: g.groupId });
          this.checkCoordinatorError(r.errorCode, 'AddOffsetsToTxn');
        }),
      );
      this.txnStarted = true;
      const byTopic = new Map<string, any[]>();
      for (const o of offsets) {
        let l = byTopic.get(o.topic);
        if (!l) byTopic.set(o.topic, (l = []));
        l.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' });
      }
      await this.cluster.retry('TxnOffsetCommit', this.config.maxBlockMs, async () => {
        let groupCoord = this.groupCoordinators.get(g.groupId);
        if (!groupCoord) this.groupCoordinators.set(g.groupId, (groupCoord = await findCoordinatorOnce(await this.cluster.anyConnection(), g.groupId, 0)));
        let r: any;
        try {
          const conn = await this.cluster.connectionToAddress(groupCoord.host, groupCoord.port, groupCoord.nodeId, 'txn-group');
          r = await conn.request<any>(TXN_OFFSET_COMMIT, {
            transactionalId: this.transactionalId,
            groupId: g.groupId,
            producerId: this.producerId,
            producerEpoch: this.epoch,
            generationId: g.generationId ?? -1,
            memberId: g.memberId ?? '',
            groupInstanceId: g.groupInstanceId ?? null,
            topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
          });
        } catch (err) {
          // Not reachable there (any more): look it up again.
          this.groupCoordinators.delete(g.groupId);
          throw err;
        }
        let first = 0;
        for (const t of r.topics ?? []) for (const p of t.partitions) if (p.errorCode && !first) first = p.errorCode;
        if (first && isCoordinatorError(first)) this.groupCoordinators.delete(g.groupId);
        if (first) {
          const err = brokerError(first, null, 'TxnOffsetCommit');
          if (first === ErrorCode.CONCURRENT_TRANSACTIONS) (err as { retriable: boolean }).retriable = true;
          throw err;
        }
      });
    } catch (err) {
      this.transactionFailed(err as Error);
      throw err;
    }
  }

  /** Commit after `flush` (which waits for every batch of the transaction). */
  async commitTransaction(flush: () => Promise<void>): Promise<void> {
    this.throwIfError();
    if (this.state !== 'IN_TRANSACTION') throw new TransactionStateError(`commitTransaction() in state ${this.state}`);
    this.state = 'COMMITTING';
    await flush();
    await this.adding;
    if (this.lastError && (this.state as TxnState) !== 'COMMITTING') throw this.lastError;
    try {
      await this.endTxn(true);
    } catch (err) {
      this.transactionFailed(err as Error);
      throw err;
    }
    this.completeTxn();
  }

  /** Abort: `dropQueued` fails what was not sent, `flush` waits for what is in flight. */
  async abortTransaction(dropQueued: (err: Error) => void, flush: () => Promise<void>): Promise<void> {
    if (this.state === 'FATAL_ERROR') throw this.lastError!;
    if (this.state !== 'IN_TRANSACTION' && this.state !== 'ABORTABLE_ERROR' && this.state !== 'ABORTING') {
      throw new TransactionStateError(`abortTransaction() in state ${this.state}`);
    }
    const needBump = this.bumpRequested;
    this.state = 'ABORTING';
    dropQueued(new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Failing batch since transaction was aborted'));
    await flush();
    await this.adding;
    try {
      if (this.txnStarted) await this.endTxn(false);
      if (needBump || this.bumpRequested) {
        await this.initProducerId(this.config.maxBlockMs);
        this.bumpRequested = false;
      }
    } catch (err) {
      if (err instanceof KafkaError && isFencing(err.code)) this.fatal(err);
      throw err;
    }
    this.completeTxn();
  }

  private completeTxn(): void {
    this.added.clear();
    this.pendingAdd.clear();
    this.txnStarted = false;
    this.lastError = null;
    this.state = 'READY';
  }

  private async endTxn(committed: boolean): Promise<void> {
    await this.cluster.retry('EndTxn', this.config.maxBlockMs, async () => {
      const conn = await this.coordinatorConnection();
      const r = await conn.request<any>(END_TXN, { transactionalId: this.transactionalId, producerId: this.producerId, producerEpoch: this.epoch, committed });
      this.checkCoordinatorError(r.errorCode, 'EndTxn');
    });
  }
}

/** Errors after which a transactional producer must be closed. */
export function isFencing(code: number): boolean {
  return (
    code === ErrorCode.PRODUCER_FENCED ||
    code === ErrorCode.INVALID_PRODUCER_EPOCH ||
    code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
    code === ErrorCode.INVALID_PRODUCER_ID_MAPPING ||
    code === ErrorCode.UNSUPPORTED_VERSION
  );
}
