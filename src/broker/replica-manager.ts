// The partitions this broker hosts, and the produce/fetch entry points onto
// their logs. Keeps each partition's Log in step with the metadata store
// (created, deleted, reconfigured) and wakes delayed fetches when appended
// bytes become readable.

import { Log, LogConfig, type AppendCallback } from '../storage/log.js';
import { LogManager } from '../storage/log-manager.js';
import { MetadataStore, TopicState } from '../cluster/metadata-store.js';
import { effectiveTopicConfig, TopicConfig } from './config/topic-config.js';
import type { BrokerConfig } from './config/broker-config.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { validateProducedRecords, type ValidatedRecords } from './log-validator.js';
import { Logger } from '../logger.js';
import { LogProducerState, type StateAppendResult } from '../storage/log-producer-state.js';
import type { AppendOrigin } from '../storage/producer-state-manager.js';

const log = new Logger('ReplicaManager');

export class Partition {
  /** Delayed fetches waiting for this partition's high watermark to move. */
  readonly waiters = new Set<() => void>();
  /**
   * Resolves once the last append that had to wait (for re-compression, or
   * behind another such append) is handed to the log; null when none is
   * pending. Later appends queue behind it, in order.
   */
  appendTail: Promise<void> | null = null;
  /** The partition's leader epoch, stamped on every batch appended here. */
  leaderEpoch = 0;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: string,
    public log: Log,
    public config: TopicConfig,
    /** Producer ids, sequences and transactions of this partition (appends go through it). */
    public producerState: LogProducerState,
  ) {}

  /** The last stable offset: read_committed readers see nothing at or above it. */
  get lastStableOffset(): number {
    return this.producerState.lastStableOffset();
  }

  wakeWaiters(): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) w();
  }
}

export interface AppendResult {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
}

export function toLogConfig(c: TopicConfig): LogConfig {
  return {
    segmentBytes: c.segmentBytes,
    segmentMs: c.segmentMs,
    segmentJitterMs: c.segmentJitterMs,
    indexIntervalBytes: c.indexIntervalBytes,
    segmentIndexBytes: c.segmentIndexBytes,
    flushIntervalMessages: c.flushMessages,
    flushIntervalMs: c.flushMs,
    retentionMs: c.retentionMs,
    retentionBytes: c.retentionBytes,
    compact: c.compact,
    delete: c.delete,
    fileDeleteDelayMs: c.fileDeleteDelayMs,
    deleteRetentionMs: c.deleteRetentionMs,
    minCleanableDirtyRatio: c.minCleanableDirtyRatio,
    minCompactionLagMs: c.minCompactionLagMs,
    maxCompactionLagMs: c.maxCompactionLagMs,
  };
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Asked before a transactional batch opens a transaction in a partition
 * (Kafka's transaction verification): 0 when the producer's transaction
 * includes the partition, else the error to answer.
 */
export type TransactionVerifier = (topic: string, partition: number, transactionalId: string | null, producerId: number, producerEpoch: number) => number;

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private expiryTimer: NodeJS.Timeout | null = null;
  /** Set by the transaction coordinator when transaction.partition.verification.enable holds. */
  transactionVerifier: TransactionVerifier | null = null;

  constructor(
    private readonly nodeId: number,
    private readonly logs: LogManager,
    private readonly metadata: MetadataStore,
    private brokerConfig: BrokerConfig,
  ) {}

  /** Opens (or creates) a log for every partition the metadata assigns to this broker. */
  async start(): Promise<void> {
    for (const t of this.metadata.topics()) await this.ensureTopic(t);
    this.scheduleProducerExpiry();
    // Partitions on disk whose topic no longer exists were deleted while we were down.
    for (const p of this.logs.existingPartitions()) {
      const t = this.metadata.topic(p.topic);
      if (!t || !t.partitions.some((x) => x.partition === p.partition) || (p.topicId && p.topicId !== t.topicId)) {
        log.info(`Deleting stray log ${p.dir}: its topic or partition no longer exists`);
        await this.logs.deleteLog(p.topic, p.partition);
      }
    }
  }

  async ensureTopic(t: TopicState): Promise<void> {
    const config = effectiveTopicConfig(t.configs, this.brokerConfig);
    for (const p of t.partitions) {
      if (!p.replicas.includes(this.nodeId)) continue;
      const k = key(t.name, p.partition);
      if (this.partitions.has(k)) continue;
      const existing = this.logs.getLog(t.name, p.partition);
      const l = existing ?? (await this.logs.createLog(t.name, p.partition, t.topicId, toLogConfig(config)));
      l.config = toLogConfig(config);
      if (this.partitions.has(k)) continue;
      const state = await LogProducerState.load(l, {
        producerIdExpirationMs: this.brokerConfig.producerIdExpirationMs,
        logger: (msg) => log.info(msg),
      });
      if (this.partitions.has(k)) continue;
      const part = new Partition(t.name, p.partition, t.topicId, l, config, state);
      part.leaderEpoch = p.leaderEpoch;
      this.partitions.set(k, part);
    }
  }

  async removeTopic(t: TopicState): Promise<void> {
    for (const p of t.partitions) {
      const k = key(t.name, p.partition);
      const part = this.partitions.get(k);
      if (!part) continue;
      this.partitions.delete(k);
      part.wakeWaiters();
      await this.logs.deleteLog(t.name, p.partition);
    }
  }

  /** Re-derives every partition's effective config (after a topic or broker config change). */
  reconfigure(brokerConfig: BrokerConfig = this.brokerConfig, onlyTopic?: TopicState): void {
    this.brokerConfig = brokerConfig;
    for (const t of onlyTopic ? [onlyTopic] : this.metadata.topics()) {
      const config = effectiveTopicConfig(t.configs, brokerConfig);
      for (const p of t.partitions) {
        const part = this.partitions.get(key(t.name, p.partition));
        if (!part) continue;
        part.config = config;
        part.log.config = toLogConfig(config);
      }
    }
  }

  /** producer.id.expiration.ms, checked every producer.id.expiration.check.interval.ms. */
  private scheduleProducerExpiry(): void {
    const interval = Number(this.brokerConfig.get('producer.id.expiration.check.interval.ms') ?? 600000);
    this.expiryTimer = setInterval(() => {
      const now = Date.now();
      let n = 0;
      for (const p of this.partitions.values()) n += p.producerState.maintain(now, this.brokerConfig.producerIdExpirationMs);
      if (n > 0) log.debug(`Expired ${n} producer id(s)`);
    }, interval);
    this.expiryTimer.unref();
  }

  /** Clean shutdown: a producer-state snapshot at the end of every partition (before the logs close). */
  async close(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
    await Promise.all([...this.partitions.values()].map((p) => p.producerState.close().catch(() => {})));
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(key(topic, partition));
  }

  allPartitions(): Partition[] {
    return [...this.partitions.values()];
  }

  /**
   * Validates and appends one partition's records. Resolves when the append is
   * acknowledged for `acks` (this single broker: written to the log for 1 and
   * -1, immediately for 0).
   */
  appendRecords(
    topic: string,
    partition: number,
    records: Buffer | null,
    acks: number,
    transactionalId: string | null = null,
  ): AppendResult | Promise<AppendResult> {
    const out = okResult();
    let settledNow = false;
    let resolve: ((r: AppendResult) => void) | null = null;
    this.appendRecordsInto(out, topic, partition, records, acks, transactionalId, () => {
      settledNow = true;
      resolve?.(out);
    });
    return settledNow ? out : new Promise((res) => (resolve = res));
  }

  /**
   * appendRecords() for the produce path, without a Promise per partition:
   * fills `out` with the outcome and then calls `settled` (perhaps before
   * returning), once.
   */
  appendRecordsInto(
    out: AppendResult,
    topic: string,
    partition: number,
    records: Buffer | null,
    acks: number,
    transactionalId: string | null,
    settled: () => void,
  ): void {
    const part = this.getPartition(topic, partition);
    if (!part) {
      setError(out, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
      return settled();
    }
    if (!records || records.length === 0) {
      setError(out, ErrorCode.INVALID_RECORD, 'The produce request carries no record batch.');
      return settled();
    }
    let validated: ValidatedRecords | Promise<ValidatedRecords>;
    try {
      validated = validateProducedRecords(records, part.config, this.brokerConfig, Date.now());
    } catch (err) {
      Object.assign(out, errorFrom(err));
      return settled();
    }
    if (!(validated instanceof Promise) && !part.appendTail) {
      this.appendValidated(part, validated.records, validated.logAppendTimeMs, acks, 'client', transactionalId, out, settled);
      return;
    }
    void this.appendInOrder(part, validated, acks, 'client', transactionalId, out, settled);
  }

  /**
   * Appends batches the broker built itself (group coordinator records):
   * none of the client-side checks; resolves once written (acks=all), in
   * order with appends still waiting on their validation.
   */
  appendInternal(topic: string, partition: number, records: Buffer): Promise<AppendResult> {
    const out = okResult();
    return new Promise((resolve) => {
      const part = this.getPartition(topic, partition);
      const settled = () => resolve(out);
      if (!part) {
        setError(out, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
        settled();
      } else if (!part.appendTail) {
        this.appendValidated(part, records, -1, -1, 'coordinator', null, out, settled);
      } else {
        void this.appendInOrder(part, { records, logAppendTimeMs: -1 }, -1, 'coordinator', null, out, settled);
      }
    });
  }

  /**
   * Appends once `validated` is ready and every earlier append to the partition
   * that waited on something has been handed to the log: validation
   * (re-compression) runs concurrently, appends stay in arrival order. The partition's appendTail resolves when this append is handed to the
   * log, not when it is written, so that writes still coalesce behind it.
   */
  private async appendInOrder(
    part: Partition,
    validated: ValidatedRecords | Promise<ValidatedRecords>,
    acks: number,
    origin: AppendOrigin,
    transactionalId: string | null,
    out: AppendResult,
    settled: () => void,
  ): Promise<void> {
    const previous = part.appendTail;
    let handedOver!: () => void;
    const gate = new Promise<void>((resolve) => (handedOver = resolve));
    part.appendTail = gate;
    // Handled now: a validation that fails while this append waits for `previous` must not
    // become an unhandled rejection (which would end the process).
    const ready = Promise.resolve(validated).then(
      (v) => ({ v, err: null }),
      (err: unknown) => ({ v: null, err }),
    );
    try {
      if (previous) await previous;
      const { v, err } = await ready;
      if (!v) {
        Object.assign(out, errorFrom(err));
        settled();
        return;
      }
      this.appendValidated(part, v.records, v.logAppendTimeMs, acks, origin, transactionalId, out, settled);
    } finally {
      // appendValidated hands the batches to the log synchronously: the next append may follow
      // now, without waiting for this one's write.
      if (part.appendTail === gate) part.appendTail = null;
      handedOver();
    }
  }

  private appendValidated(
    part: Partition,
    records: Buffer,
    logAppendTimeMs: number,
    acks: number,
    origin: AppendOrigin,
    transactionalId: string | null,
    out: AppendResult,
    settled: () => void,
  ): void {
    const onWritten: AppendCallback = (err) => {
      if (err) log.error(`Append to ${part.topic}-${part.index} failed: ${err.message}`);
      else part.wakeWaiters();
      // With acks=0 the answer is given already.
      if (acks === 0) return;
      if (err) setError(out, ErrorCode.KAFKA_STORAGE_ERROR, `Disk error when trying to access log file on the disk: ${err.message}`);
      settled();
    };
    const endBefore = part.log.logEndOffset;
    let appended: StateAppendResult;
    try {
      const verifier = this.transactionVerifier;
      appended = part.producerState.append(
        records,
        origin,
        onWritten,
        verifier ? (pid, epoch) => verifier(part.topic, part.index, transactionalId, pid, epoch) : undefined,
        part.leaderEpoch,
      );
    } catch (err) {
      if (part.log.logEndOffset === endBefore) {
        Object.assign(out, errorFrom(err));
        return settled();
      }
      // Thrown after the log took the batches: they will be written, and onWritten settles.
      log.error(`Producer state update after an append to ${part.topic}-${part.index} failed: ${(err as Error)?.stack ?? err}`);
      appended = { duplicate: null, firstOffset: endBefore };
    }
    out.errorCode = 0;
    out.errorMessage = null;
    out.logStartOffset = part.log.logStartOffset;
    out.recordErrors = [];
    if (appended.duplicate) {
      // A retry of a batch already in the log: answered with its original offsets once they are readable.
      const dup = appended.duplicate;
      out.baseOffset = dup.firstOffset;
      out.logAppendTimeMs = logAppendTimeMs >= 0 ? dup.timestamp : -1;
      if (acks === 0 || part.log.highWatermark > dup.lastOffset) return settled();
      void waitForHighWatermark(part, dup.lastOffset + 1).then(settled);
      return;
    }
    out.baseOffset = appended.firstOffset;
    out.logAppendTimeMs = logAppendTimeMs;
    if (acks === 0) settled();
  }
}

/** Resolves once the partition's high watermark reaches `offset` (or the partition goes away). */
function waitForHighWatermark(part: Partition, offset: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (part.log.highWatermark >= offset || part.log.logEndOffset < offset) {
        part.waiters.delete(check);
        resolve();
      }
    };
    part.waiters.add(check);
    check();
  });
}

/** A successful result, to be filled in. */
function okResult(): AppendResult {
  return errorResult(0, null);
}

function setError(out: AppendResult, code: number, message: string): void {
  out.errorCode = code;
  out.errorMessage = message;
  out.baseOffset = -1;
  out.logAppendTimeMs = -1;
  out.logStartOffset = -1;
  out.recordErrors = [];
}

function errorResult(code: number, message: string | null): AppendResult {
  return { errorCode: code, errorMessage: message, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [] };
}

function errorFrom(err: unknown): AppendResult {
  if (err instanceof KafkaError) {
    const r = errorResult(err.code, err.message);
    const batchIndex = (err as KafkaError & { batchIndex?: number }).batchIndex;
    if (batchIndex !== undefined) r.recordErrors = [{ batchIndex, batchIndexErrorMessage: err.message }];
    return r;
  }
  if ((err as { code?: unknown })?.code === 'KAFKA_STORAGE_ERROR') {
    // The log is offline after an I/O error (storage/log.ts).
    return errorResult(ErrorCode.KAFKA_STORAGE_ERROR, `Disk error when trying to access log file on the disk: ${(err as Error).message}`);
  }
  return errorResult(ErrorCode.CORRUPT_MESSAGE, (err as Error)?.message ?? String(err));
}
