// The transaction coordinator (Kafka's TransactionCoordinator): producer ids
// for idempotent producers and, for transactional ids, their transactions.
// Each transactional id is served by the leader of its __transaction_state
// partition (abs(hashCode) % transaction.state.log.num.partitions, as
// FindCoordinator key type 1 answers), its state kept by the
// TransactionStateManager (transaction-state-manager.ts, states in
// transaction-metadata.ts).
//
// How each request is answered, by state of the transactional id:
//   InitProducerId   Empty/Complete*: epoch + 1 (a new producer id once the epoch is exhausted; KIP-360: a producer
//                    passing its current id/epoch resumes, a retry of the last bump gets the same answer, anyone else
//                    PRODUCER_FENCED); Ongoing: the running transaction is aborted with a bumped epoch (fencing the
//                    old producer) and CONCURRENT_TRANSACTIONS answered, the client retries; Prepare*: CONCURRENT_TRANSACTIONS.
//   AddPartitions    wrong producer id INVALID_PRODUCER_ID_MAPPING, wrong epoch PRODUCER_FENCED, Prepare* or a write in
//                    flight CONCURRENT_TRANSACTIONS, else Ongoing with the partitions added (nothing written when
//                    they are already in). One difference from Kafka: while this coordinator is completing the
//                    previous transaction (markers, Complete*), the request waits for that (up to
//                    COMPLETION_WAIT_MS) instead of failing at once; see there.
//   EndTxn           Ongoing: PrepareCommit/PrepareAbort written, answered, then the markers are written to every
//                    partition of the transaction and CompleteCommit/CompleteAbort written; a retry of a finished
//                    end answers NONE, of one in progress CONCURRENT_TRANSACTIONS, the other outcome INVALID_TXN_STATE;
//                    Empty INVALID_TXN_STATE.
// Ongoing transactions older than their timeout are aborted with a bumped
// epoch (transaction.abort.timed.out.transaction.cleanup.interval.ms);
// transactional ids idle for transactional.id.expiration.ms are removed
// (tombstones, transaction.remove.expired.transaction.cleanup.interval.ms).
// Loading a partition of __transaction_state finishes transactions left in
// PrepareCommit/PrepareAbort by writing their markers again.

import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { Logger } from '../../logger.js';
import type { Time, Timer } from '../group-coordinator/time.js';
import type { ProducerIdManager } from './producer-id-manager.js';
import type { MarkerWriter, TxnStateLog } from './transaction-state-topic.js';
import { TransactionStateManager, type TransactionStateConfig } from './transaction-state-manager.js';
import {
  InvalidTransitionError,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  TransactionMetadata,
  isEpochExhausted,
  splitTp,
  tpKey,
  type TxnState,
  type TxnTransit,
} from './transaction-metadata.js';

const log = new Logger('TransactionCoordinator');

export interface TransactionCoordinatorConfig extends TransactionStateConfig {
  transactionMaxTimeoutMs: number;
  transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  transactionRemoveExpiredTransactionCleanupIntervalMs: number;
}

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** v3+: the producer's current id and epoch when it resumes after an error (KIP-360); -1 otherwise. */
  producerId: number;
  producerEpoch: number;
  apiVersion?: number;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface TransactionDescription {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: { topic: string; partitions: number[] }[];
}

/** Retry delay for markers and completion records that failed to write. */
const RETRY_BACKOFF_MS = 100;
/**
 * How long AddPartitionsToTxn / AddOffsetsToTxn wait for the completion of the
 * previous transaction (markers and the Complete* record, written here) before
 * answering CONCURRENT_TRANSACTIONS as Kafka does at once. A producer that
 * commits and begins its next transaction straight away otherwise gets that
 * error for most first AddPartitions and waits out a client backoff (20 ms in
 * the Java producer, retry.backoff.ms in others) for a completion that takes
 * about a millisecond; the outcome the client sees is the same as after a
 * well-timed retry. A completion that is stuck (a marker that cannot be
 * written) still gets CONCURRENT_TRANSACTIONS after this long.
 */
const COMPLETION_WAIT_MS = 100;

export class TransactionCoordinator {
  readonly state: TransactionStateManager;
  private active = false;
  private loading: Promise<void> = Promise.resolve();
  private timeoutTimer: Timer | null = null;
  private expiryTimer: Timer | null = null;
  /** Marker writes and completion records in progress (shutdown waits for none of them; tests may). */
  private readonly completions = new Set<Promise<void>>();
  /** The same, by transaction: what the next transaction's first AddPartitions waits for. */
  private readonly completing = new Map<TransactionMetadata, Promise<void>>();

  constructor(
    readonly producerIds: ProducerIdManager,
    readonly time: Time,
    private readonly txnLog: TxnStateLog & { ensureTopic?(): Promise<number> },
    private readonly markers: MarkerWriter,
    readonly config: () => TransactionCoordinatorConfig,
  ) {
    this.state = new TransactionStateManager(time, txnLog, config);
  }

  // ------------------------------------------------------------------ lifecycle

  startup(): Promise<void> {
    this.active = true;
    this.scheduleTimeouts();
    this.scheduleExpiry();
    return this.loadLedPartitions();
  }

  /** Loads led partitions of __transaction_state not loaded yet (at start-up, and after the topic is created). */
  loadLedPartitions(): Promise<void> {
    const count = this.txnLog.partitionCount();
    if (count === null || !this.active) return this.loading;
    const todo: number[] = [];
    for (let p = 0; p < count; p++) {
      if (this.txnLog.isLeader(p) && !this.state.isOwned(p) && !this.state.isLoading(p)) todo.push(p);
    }
    if (todo.length === 0) return this.loading;
    this.state.markLoading(todo);
    const prev = this.loading;
    this.loading = (async () => {
      await prev;
      for (const p of todo) {
        const pending = await this.state.loadPartition(p);
        const epoch = this.txnLog.coordinatorEpoch(p);
        for (const md of pending) {
          log.info(`Completing transaction of ${md.transactionalId} (${md.state}) left over at load`);
          const complete = md.prepareComplete(this.time.now());
          this.complete(md, md.state === 'PrepareCommit', [...md.topicPartitions], complete, epoch);
        }
      }
    })();
    return this.loading;
  }

  loaded(): Promise<void> {
    return this.loading;
  }

  /** Resolves when every marker write and completion started so far is done. */
  async idle(): Promise<void> {
    while (this.completions.size > 0) await Promise.all([...this.completions]);
  }

  shutdown(): void {
    if (!this.active) return;
    this.active = false;
    this.timeoutTimer?.cancel();
    this.expiryTimer?.cancel();
    this.timeoutTimer = this.expiryTimer = null;
    this.state.shutdown();
  }

  /** Writes the markers and the completion record in the background (tracked for idle() and for waiting adds). */
  private complete(md: TransactionMetadata, commit: boolean, partitions: string[], complete: TxnTransit, coordinatorEpoch: number): void {
    const q: Promise<void> = this.writeMarkersAndComplete(md, commit, partitions, complete, coordinatorEpoch)
      .catch((err: Error) => log.error(`Completing a transaction failed: ${err?.stack ?? err}`))
      .finally(() => {
        this.completions.delete(q);
        if (this.completing.get(md) === q) this.completing.delete(md);
      });
    this.completions.add(q);
    this.completing.set(md, q);
  }

  /** Waits (up to COMPLETION_WAIT_MS) for the completion of md's transaction running here; false when none runs. */
  private async awaitCompletion(md: TransactionMetadata): Promise<boolean> {
    const running = this.completing.get(md);
    if (!running) return false;
    let timer: Timer | null = null;
    await Promise.race([running, new Promise<void>((resolve) => (timer = this.time.schedule(COMPLETION_WAIT_MS, resolve)))]);
    (timer as Timer | null)?.cancel();
    return true;
  }

  private scheduleTimeouts(): void {
    this.timeoutTimer = this.time.schedule(this.config().transactionAbortTimedOutTransactionCleanupIntervalMs, () => {
      if (!this.active) return;
      this.abortTimedOutTransactions();
      this.scheduleTimeouts();
    });
  }

  private scheduleExpiry(): void {
    this.expiryTimer = this.time.schedule(this.config().transactionRemoveExpiredTransactionCleanupIntervalMs, () => {
      if (!this.active) return;
      void this.removeExpiredTransactionalIds().finally(() => {
        if (this.active) this.scheduleExpiry();
      });
    });
  }

  // ------------------------------------------------------------------ InitProducerId

  async initProducerId(req: InitProducerIdRequest): Promise<InitProducerIdResult> {
    const txnId = req.transactionalId;
    if (txnId === null) {
      // Idempotent producer: always a new id, epoch 0 (a v3+ id/epoch is ignored, as in Kafka).
      try {
        return { errorCode: ErrorCode.NONE, producerId: await this.producerIds.generateProducerId(), producerEpoch: 0 };
      } catch (err) {
        return initError(err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR);
      }
    }
    if (txnId === '') return initError(ErrorCode.INVALID_REQUEST);
    const timeout = req.transactionTimeoutMs;
    if (timeout <= 0 || timeout > this.config().transactionMaxTimeoutMs) return initError(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const status = this.coordinatorStatus(txnId);
    if (status !== ErrorCode.NONE) return initError(status);
    let md = this.state.get(txnId);
    if (!md) {
      let pid: number;
      try {
        pid = await this.producerIds.generateProducerId();
      } catch (err) {
        return initError(err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR);
      }
      md = this.state.putIfNotExists(
        new TransactionMetadata(txnId, {
          producerId: pid,
          lastProducerId: NO_PRODUCER_ID,
          producerEpoch: NO_PRODUCER_EPOCH,
          lastProducerEpoch: NO_PRODUCER_EPOCH,
          txnTimeoutMs: timeout,
          state: 'Empty',
          txnStartTimestamp: -1,
          txnLastUpdateTimestamp: this.time.now(),
        }),
      );
    }
    const expected = req.producerId >= 0 && req.producerEpoch >= 0 ? { producerId: req.producerId, epoch: req.producerEpoch } : null;
    if (md.pendingTransitionInProgress) return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (expected && !isValidProducerId(md, expected)) return initError(ErrorCode.PRODUCER_FENCED);
    let transit: TxnTransit;
    try {
      switch (md.state) {
        case 'PrepareAbort':
        case 'PrepareCommit':
          return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
        case 'CompleteAbort':
        case 'CompleteCommit':
        case 'Empty': {
          if (md.isProducerEpochExhausted && (!expected || expected.epoch === md.producerEpoch)) {
            const newPid = await this.producerIds.generateProducerId();
            if (md.pendingTransitionInProgress) return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
            transit = md.prepareProducerIdRotation(newPid, timeout, this.time.now(), expected !== null);
          } else {
            const r = md.prepareIncrementProducerEpoch(timeout, expected ? expected.epoch : null, this.time.now());
            if ('error' in r) return initError(ErrorCode.PRODUCER_FENCED);
            transit = r;
          }
          break;
        }
        case 'Ongoing': {
          // Abort the running transaction with a bumped epoch (fencing its producer); the client retries and then
          // gets an epoch bumped again (or a new producer id if this exhausted the epochs).
          const fence = md.prepareFenceProducerEpoch();
          const error = await this.endTransaction(txnId, fence.producerId, fence.producerEpoch, false, false);
          if (md.pendingState === 'PrepareEpochFence') md.pendingState = null;
          return initError(error !== ErrorCode.NONE ? error : ErrorCode.CONCURRENT_TRANSACTIONS);
        }
        default:
          log.error(`Found transactionalId ${txnId} with state ${md.state}. This is illegal as we should never have transitioned to this state.`);
          return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
      }
    } catch (err) {
      if (err instanceof InvalidTransitionError) return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
      if (err instanceof KafkaError) return initError(err.code);
      throw err;
    }
    const error = await this.state.append(md, transit);
    if (error !== ErrorCode.NONE) {
      log.info(`Returning ${error} error code to client for ${txnId}'s InitProducerId request`);
      return initError(error);
    }
    log.info(`Initialized transactionalId ${txnId} with producerId ${md.producerId} and producer epoch ${md.producerEpoch} on partition __transaction_state-${this.state.partitionFor(txnId)}`);
    return { errorCode: ErrorCode.NONE, producerId: md.producerId, producerEpoch: md.producerEpoch };
  }

  /** NONE when this broker coordinates the id now (the topic is created on first use). */
  private coordinatorStatus(transactionalId: string): number {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return this.state.status(transactionalId);
  }

  // ------------------------------------------------------------------ AddPartitionsToTxn / AddOffsetsToTxn

  /** Adds partitions ("topic\0partition" keys) to the transaction; resolves with one error code for all of them. */
  async addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly string[], waited = false): Promise<number> {
    if (!transactionalId) return ErrorCode.INVALID_REQUEST;
    const status = this.coordinatorStatus(transactionalId);
    if (status !== ErrorCode.NONE) return status;
    const md = this.state.get(transactionalId);
    if (!md) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (md.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (md.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (!waited && (md.state === 'PrepareCommit' || md.state === 'PrepareAbort') && (await this.awaitCompletion(md))) {
      return this.addPartitions(transactionalId, producerId, producerEpoch, partitions, true);
    }
    if (md.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (md.state === 'PrepareCommit' || md.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (md.state === 'Ongoing' && partitions.every((p) => md.topicPartitions.has(p))) return ErrorCode.NONE;
    let transit: TxnTransit;
    try {
      transit = md.prepareAddPartitions(partitions, this.time.now());
    } catch (err) {
      if (err instanceof InvalidTransitionError) return ErrorCode.INVALID_TXN_STATE;
      throw err;
    }
    return this.state.append(md, transit);
  }

  /** AddPartitionsToTxn v4+ verifyOnly (KIP-890): whether each partition is in the producer's ongoing transaction. */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly string[]): number[] {
    const status = this.coordinatorStatus(transactionalId);
    if (status !== ErrorCode.NONE) return partitions.map(() => status);
    const md = this.state.get(transactionalId);
    const one = (p: string): number => {
      if (!md || md.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
      if (md.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
      if (md.pendingTransitionInProgress || md.state === 'PrepareCommit' || md.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
      return md.state === 'Ongoing' && md.topicPartitions.has(p) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
    };
    return partitions.map(one);
  }

  /**
   * Produce-side verification (transaction.partition.verification.enable): a
   * transactional batch may open a transaction in a partition only when the
   * producer's ongoing transaction includes it. Producers whose transactional
   * id this broker does not coordinate pass (their coordinator is elsewhere).
   */
  verifyProduce(topic: string, partition: number, transactionalId: string | null, producerId: number, producerEpoch: number): number {
    if (transactionalId !== null && this.coordinatorStatus(transactionalId) !== ErrorCode.NONE) return ErrorCode.NONE;
    const md = transactionalId !== null ? this.state.get(transactionalId) : this.state.byProducerId(producerId);
    if (!md) return transactionalId !== null ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
    if (md.producerId !== producerId) return ErrorCode.INVALID_TXN_STATE;
    if (producerEpoch < md.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (md.state !== 'Ongoing' || !md.topicPartitions.has(tpKey(topic, partition))) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------------ EndTxn

  /**
   * Commits or aborts the transaction. Resolves once PrepareCommit/PrepareAbort
   * is written (as Kafka answers); the markers and the completion record follow.
   * `fromClient` false: an abort started by the coordinator (fencing, timeout), with the bumped epoch.
   */
  async endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, fromClient = true): Promise<number> {
    if (!transactionalId) return ErrorCode.INVALID_REQUEST;
    const status = this.coordinatorStatus(transactionalId);
    if (status !== ErrorCode.NONE) return status;
    const md = this.state.get(transactionalId);
    if (!md) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (md.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    // Strict equality for clients; the coordinator's own aborts come with a bumped epoch.
    if ((fromClient && producerEpoch !== md.producerEpoch) || producerEpoch < md.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (md.pendingTransitionInProgress && md.pendingState !== 'PrepareEpochFence') return ErrorCode.CONCURRENT_TRANSACTIONS;
    let isEpochFence = false;
    let transit: TxnTransit;
    switch (md.state as TxnState) {
      case 'Ongoing': {
        const next = commit ? 'PrepareCommit' : 'PrepareAbort';
        if (next === 'PrepareAbort' && md.pendingState === 'PrepareEpochFence') {
          // The fencing abort: clear the fence and take its bumped epoch into the record we write.
          isEpochFence = true;
          md.pendingState = null;
          md.producerEpoch = producerEpoch;
          md.lastProducerEpoch = NO_PRODUCER_EPOCH;
        }
        try {
          transit = md.prepareAbortOrCommit(next, this.time.now());
        } catch (err) {
          if (err instanceof InvalidTransitionError) return ErrorCode.INVALID_TXN_STATE;
          throw err;
        }
        break;
      }
      case 'CompleteCommit':
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case 'CompleteAbort':
        return !commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case 'PrepareCommit':
        return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case 'PrepareAbort':
        return !commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case 'Empty':
        return ErrorCode.INVALID_TXN_STATE;
      default:
        log.error(`Found transactionalId ${transactionalId} with state ${md.state}. This is illegal as we should never have transitioned to this state.`);
        return ErrorCode.INVALID_TXN_STATE;
    }
    const partitions = [...transit.topicPartitions];
    const error = await this.state.append(md, transit);
    if (error !== ErrorCode.NONE) {
      if (isEpochFence) md.hasFailedEpochFence = true;
      return error;
    }
    if (md.producerId !== producerId || md.producerEpoch !== transit.producerEpoch || md.state !== transit.state) {
      // Changed under us (a reload): the new owner completes it.
      return ErrorCode.NOT_COORDINATOR;
    }
    const complete = md.prepareComplete(this.time.now());
    const epoch = this.txnLog.coordinatorEpoch(this.state.partitionFor(transactionalId));
    this.complete(md, commit, partitions, complete, epoch);
    return ErrorCode.NONE;
  }

  /** Writes the markers to every partition (retrying until each is written or its topic is gone), then the completion record. */
  private async writeMarkersAndComplete(md: TransactionMetadata, commit: boolean, partitions: string[], complete: TxnTransit, coordinatorEpoch: number): Promise<void> {
    const marker = { producerId: md.producerId, producerEpoch: md.producerEpoch, coordinatorEpoch, commit };
    await Promise.all(
      partitions.map(async (key) => {
        const { topic, partition } = splitTp(key);
        for (let attempt = 0; ; attempt++) {
          const error = await this.markers.writeMarker(topic, partition, marker).catch(() => ErrorCode.UNKNOWN_SERVER_ERROR);
          if (error === ErrorCode.NONE || error === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return;
          if (error === ErrorCode.INVALID_PRODUCER_EPOCH || error === ErrorCode.TRANSACTION_COORDINATOR_FENCED) {
            log.error(`Writing a ${commit ? 'COMMIT' : 'ABORT'} marker for ${md.transactionalId} to ${topic}-${partition} failed with error ${error}; giving up on that partition`);
            return;
          }
          if (!this.active) return;
          if (attempt % 50 === 0) log.warn(`Writing a transaction marker for ${md.transactionalId} to ${topic}-${partition} failed with error ${error}; retrying`);
          await new Promise((r) => setTimeout(r, RETRY_BACKOFF_MS));
        }
      }),
    );
    for (;;) {
      if (!this.active) {
        md.pendingState = null;
        return;
      }
      const error = await this.state.append(md, complete);
      if (error === ErrorCode.NONE) {
        log.debug(`Completed ${commit ? 'commit' : 'abort'} of ${md.transactionalId} (producer ${md.producerId}, epoch ${md.producerEpoch})`);
        return;
      }
      if (error === ErrorCode.NOT_COORDINATOR) return;
      log.warn(`Writing ${complete.state} for ${md.transactionalId} failed with error ${error}; retrying`);
      await new Promise((r) => setTimeout(r, RETRY_BACKOFF_MS));
      // append() cleared the pending state on failure: prepare the same transit again.
      if (md.pendingState === null) md.pendingState = complete.state;
    }
  }

  // ------------------------------------------------------------------ timeouts and expiry

  /** Aborts Ongoing transactions past transaction.timeout.ms, fencing their producers (epoch + 1). */
  abortTimedOutTransactions(): void {
    const now = this.time.now();
    for (const md of this.state.timedOutTransactions(now)) {
      let fence: TxnTransit;
      try {
        fence = md.prepareFenceProducerEpoch();
      } catch (err) {
        log.error(`Cannot abort timed-out transaction ${md.transactionalId}: ${(err as Error).message}`);
        continue;
      }
      log.info(`Aborting transaction of ${md.transactionalId} (producer ${md.producerId}) that timed out after ${md.txnTimeoutMs} ms`);
      void this.endTransaction(md.transactionalId, fence.producerId, fence.producerEpoch, false, false).then((error) => {
        if (error !== ErrorCode.NONE) {
          if (md.pendingState === 'PrepareEpochFence') md.pendingState = null;
          log.info(`Aborting the timed-out transaction of ${md.transactionalId} failed with error ${error}`);
        }
      });
    }
  }

  /** Removes transactional ids idle for transactional.id.expiration.ms (tombstones). Resolves with how many. */
  async removeExpiredTransactionalIds(): Promise<number> {
    const expired = this.state.expiredTransactionalIds(this.time.now());
    let n = 0;
    await Promise.all(
      expired.map(async (md) => {
        let t: TxnTransit;
        try {
          t = md.prepareDead();
        } catch {
          return;
        }
        if ((await this.state.append(md, t)) === ErrorCode.NONE) n++;
      }),
    );
    if (n > 0) log.info(`Removed ${n} expired transactional ids`);
    return n;
  }

  // ------------------------------------------------------------------ admin

  describe(transactionalId: string): TransactionDescription {
    const none = (errorCode: number): TransactionDescription => ({
      errorCode,
      transactionalId,
      transactionState: '',
      transactionTimeoutMs: 0,
      transactionStartTimeMs: -1,
      producerId: -1,
      producerEpoch: -1,
      topics: [],
    });
    if (!transactionalId) return none(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    const status = this.coordinatorStatus(transactionalId);
    if (status !== ErrorCode.NONE) return none(status);
    const md = this.state.get(transactionalId);
    if (!md) return none(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    return {
      errorCode: ErrorCode.NONE,
      transactionalId,
      transactionState: md.state,
      transactionTimeoutMs: md.txnTimeoutMs,
      transactionStartTimeMs: md.txnStartTimestamp,
      producerId: md.producerId,
      producerEpoch: md.producerEpoch,
      topics: md.partitionsByTopic(),
    };
  }

  /** ListTransactions: state and producer id filters (empty: all); durationFilter (v1): running longer than this. */
  list(stateFilters: readonly string[], producerIdFilters: readonly number[], durationFilterMs = -1): {
    errorCode: number;
    unknownStateFilters: string[];
    transactionStates: { transactionalId: string; producerId: number; transactionState: string }[];
  } {
    if (!this.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters: [], transactionStates: [] };
    const known = new Set<string>(['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence', 'Dead']);
    const unknownStateFilters = stateFilters.filter((s) => !known.has(s));
    const states = new Set(stateFilters.filter((s) => known.has(s)));
    const pids = new Set(producerIdFilters);
    const now = this.time.now();
    const out: { transactionalId: string; producerId: number; transactionState: string }[] = [];
    if (stateFilters.length > 0 && states.size === 0) return { errorCode: this.state.anyLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, unknownStateFilters, transactionStates: [] };
    for (const md of this.state.txns.values()) {
      if (!this.state.isOwned(this.state.partitionFor(md.transactionalId))) continue;
      if (states.size > 0 && !states.has(md.state)) continue;
      if (pids.size > 0 && !pids.has(md.producerId)) continue;
      if (durationFilterMs >= 0 && (md.state !== 'Ongoing' || now - md.txnStartTimestamp < durationFilterMs)) continue;
      out.push({ transactionalId: md.transactionalId, producerId: md.producerId, transactionState: md.state });
    }
    return { errorCode: this.state.anyLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, unknownStateFilters, transactionStates: out };
  }
}

/** Kafka's isValidProducerId for an InitProducerId that names the producer's current id and epoch (KIP-360). */
function isValidProducerId(md: TransactionMetadata, expected: { producerId: number; epoch: number }): boolean {
  return (
    md.producerEpoch === NO_PRODUCER_EPOCH ||
    expected.producerId === md.producerId ||
    (expected.producerId === md.lastProducerId && isEpochExhausted(expected.epoch))
  );
}

function initError(errorCode: number): InitProducerIdResult {
  return { errorCode, producerId: -1, producerEpoch: -1 };
}
