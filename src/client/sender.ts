// The producer's network side (Kafka's Sender, franz-go's sink): decides
// which partitions are ready (batch full, linger.ms passed, flushing, memory
// waiters, more than one batch queued), groups their first batches by leader
// into one Produce request per broker within max.request.size, and handles
// each partition's answer: complete, retry with backoff (driven by the error
// table's retriable flag, within retries and delivery.timeout.ms, refreshing
// metadata for leadership errors), split on MESSAGE_TOO_LARGE, or fail.
//
// It runs on setImmediate after appends (so a synchronous burst of sends
// becomes one batch even with linger.ms=0) and on a single timer for the
// nearest linger / backoff / expiry deadline; with nothing queued it holds no
// timer at all.

import { Cluster } from './cluster.js';
import { RecordAccumulator, PartitionQueue } from './accumulator.js';
import { ProducerBatch } from './producer-batch.js';
import { Acks, ProducerConfig } from './config.js';
import { CompressionType } from '../protocol/records/batch-header.js';
import { ErrorCode } from '../protocol/errors.js';
import { backoffMs } from './backoff.js';
import { BrokerConnection } from './connection.js';
import { KafkaError, TimeoutError, brokerError, isMetadataError } from './errors.js';
import type { TransactionManager } from './transaction-manager.js';

const PRODUCE = 0;
/** Produce request overhead beyond its batches (header, topic names, arrays), kept generous. */
const REQUEST_OVERHEAD = 256;

export class Sender {
  private immediate: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  /** flush() or close() in progress: every batch is ready now. */
  flushing = 0;
  closing = false;
  private readonly connecting = new Set<number>();
  private inFlightRequests = 0;
  /** Produce requests outstanding per broker (being built or awaiting an answer). */
  private readonly perNode = new Map<number, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly acc: RecordAccumulator,
    private readonly config: ProducerConfig,
    private readonly acks: Acks,
    private readonly compression: CompressionType,
    /** Idempotence / transactions; null for a plain producer. */
    private readonly tm: TransactionManager | null = null,
  ) {
    // Kafka's rules: the idempotent producer keeps at most 5 batches per partition in flight (the broker
    // remembers the last 5 per producer for deduplication); without idempotence nothing limits a
    // partition beyond the connection's max.in.flight.requests.per.connection (each request holds one
    // batch per partition), and a retry may then reorder records unless that is 1.
    this.maxPerPartition = tm ? Math.min(5, config.maxInFlightRequestsPerConnection) : config.maxInFlightRequestsPerConnection;
  }
  private readonly maxPerPartition: number;

  /** Fails every queued (not in-flight) batch: a transaction aborted or in error. */
  failQueued(err: Error): void {
    for (const q of this.acc.all) {
      for (let b = q.batches.shift(); b; b = q.batches.shift()) this.finish(b, err);
    }
  }

  get hasInFlight(): boolean {
    return this.inFlightRequests > 0;
  }

  /** Runs the sender soon (coalesced). */
  wakeup(): void {
    if (this.immediate || this.cluster.isClosed) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.run();
    });
  }

  stop(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = null;
    this.timer = null;
    this.timerAt = Infinity;
  }

  private schedule(at: number): void {
    if (at === Infinity || this.cluster.isClosed) return;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.run();
    }, Math.max(0, at - Date.now()));
  }

  private run(): void {
    if (this.cluster.isClosed) return;
    const now = Date.now();
    const linger = this.config.lingerMs;
    const meta = this.cluster.metadata;
    let nextAt = Infinity;
    let needMetadata = false;
    const byNode = new Map<number, PartitionQueue[]>();
    const forceReady = this.flushing > 0 || this.closing || this.acc.hasMemoryWaiters;
    const tm = this.tm;
    if (tm) {
      const err = tm.error;
      if (err && (tm.isTransactional || tm.isFatal)) this.failQueued(err);
      if (tm.bumpRequested && !tm.isTransactional && !tm.isInitializing && this.inFlightRequests === 0) {
        // KIP-360: nothing in flight any more; the queued batches get sequences of the new epoch.
        for (const b of this.acc.queued()) b.baseSequence = -1;
        tm.ensureProducerId();
      } else if (!tm.isTransactional) tm.ensureProducerId();
      if (!tm.hasProducerId) {
        for (const q of this.acc.all) this.expire(q, now); // delivery.timeout.ms holds while no producer id comes
        if (!this.acc.isEmpty) this.schedule(now + this.config.retryBackoffMs);
        return;
      }
    }

    for (const q of this.acc.all) {
      if (q.batches.length === 0) continue;
      if (q.inFlight >= this.maxPerPartition) continue;
      // A retried batch waits until its partition has nothing in flight, then batches go again in sequence order.
      if (q.inFlight > 0 && q.batches.peek()!.attempts > 0) continue;
      this.expire(q, now);
      const head = q.batches.peek();
      if (!head) continue;
      nextAt = Math.min(nextAt, head.createdMs + this.config.deliveryTimeoutMs);
      if (head.retryAt > now) {
        nextAt = Math.min(nextAt, head.retryAt);
        continue;
      }
      const leader = meta.leaderFor(q.topic, q.partition);
      if (leader < 0) {
        needMetadata = true;
        continue;
      }
      const ready = forceReady || head.closed || q.batches.length > 1 || head.sizeInBytes >= this.acc.batchSize || now - head.createdMs >= linger;
      if (!ready) {
        nextAt = Math.min(nextAt, head.createdMs + linger);
        continue;
      }
      if (tm && !tm.isPartitionAdded(q.topic, q.partition)) {
        tm.maybeAddPartition(q.topic, q.partition); // wakes us when done
        continue;
      }
      let list = byNode.get(leader);
      if (!list) byNode.set(leader, (list = []));
      list.push(q);
    }

    let sent = false;
    for (const [nodeId, queues] of byNode) {
      const conn = this.cluster.readyConnection(nodeId);
      if (!conn) {
        this.connect(nodeId);
        continue;
      }
      if ((this.perNode.get(nodeId) ?? 0) >= this.config.maxInFlightRequestsPerConnection) continue; // woken by a response
      const batches: ProducerBatch[] = [];
      let size = REQUEST_OVERHEAD;
      for (const q of queues) {
        const b = q.batches.peek()!;
        if (batches.length > 0 && size + b.sizeInBytes > this.config.maxRequestSize) continue;
        q.batches.shift();
        q.inFlight++;
        b.closed = true;
        if (tm && (b.baseSequence < 0 || b.producerId !== tm.producerId || b.producerEpoch !== tm.epoch)) {
          b.setProducerState(tm.producerId, tm.epoch, tm.assignSequence(b.topic, b.partition, b.recordCount), tm.isTransactional);
        }
        batches.push(b);
        size += b.sizeInBytes + q.topic.length + 16;
      }
      if (batches.length > 0) {
        sent = true;
        void this.produce(nodeId, conn, batches);
      }
    }
    // Drain again at once: the partitions' next batches go out while the broker appends these
    // (up to max.in.flight.requests.per.connection requests per broker).
    if (sent) this.wakeup();

    if (needMetadata) {
      this.cluster.refreshMetadata().then(
        () => this.wakeup(),
        () => this.schedule(Date.now() + this.config.retryBackoffMs),
      );
    } else if (this.cluster.isStale && !this.acc.isEmpty) {
      this.cluster.requestMetadataRefresh();
    }
    this.schedule(nextAt);
  }

  private connect(nodeId: number): void {
    if (this.connecting.has(nodeId)) return;
    this.connecting.add(nodeId);
    this.cluster.connectionTo(nodeId).then(
      () => {
        this.connecting.delete(nodeId);
        this.wakeup();
      },
      () => {
        this.connecting.delete(nodeId);
        // Leadership may have moved off a dead broker.
        this.cluster.requestMetadataRefresh();
        this.schedule(Date.now() + this.config.reconnectBackoffMs);
      },
    );
  }

  /** Batches whose delivery.timeout.ms has passed while queued fail with a TimeoutError. */
  private expire(q: PartitionQueue, now: number): void {
    for (let b = q.batches.peek(); b && now - b.createdMs >= this.config.deliveryTimeoutMs; b = q.batches.peek()) {
      q.batches.shift();
      this.finish(
        b,
        new TimeoutError(
          `Expiring ${b.recordCount} record(s) for ${b.topic}-${b.partition}: ${now - b.createdMs} ms has passed since batch creation`,
        ),
      );
    }
  }

  private finish(b: ProducerBatch, err: Error | null, baseOffset = -1, logAppendTime = -1): void {
    const tm = this.tm;
    if (tm && !b.finished) {
      const current = b.baseSequence >= 0 && b.producerId === tm.producerId && b.producerEpoch === tm.epoch;
      if (!err && current) tm.acknowledge(b.topic, b.partition, b.baseSequence, b.recordCount);
      if (err) {
        if (tm.isTransactional) tm.transactionFailed(err);
        // A sequence given to a batch that will not be written: a gap, only a new epoch gets past it.
        if (current) tm.requestEpochBump();
      }
    }
    if (err) b.fail(err);
    else b.complete(baseOffset, logAppendTime);
    this.acc.deallocate(b, b.reserved);
  }

  private async produce(nodeId: number, conn: BrokerConnection, batches: ProducerBatch[]): Promise<void> {
    this.inFlightRequests++;
    this.perNode.set(nodeId, (this.perNode.get(nodeId) ?? 0) + 1);
    try {
      const built = await Promise.all(batches.map((b) => b.build(this.compression, this.config.compressionLevel)));
      const topicData: { name: string; partitionData: { index: number; records: Buffer }[] }[] = [];
      const byTopic = new Map<string, { index: number; records: Buffer }[]>();
      for (let i = 0; i < batches.length; i++) {
        const b = batches[i]!;
        b.attempts++;
        let parts = byTopic.get(b.topic);
        if (!parts) {
          byTopic.set(b.topic, (parts = []));
          topicData.push({ name: b.topic, partitionData: parts });
        }
        parts.push({ index: b.partition, records: built[i]! });
      }
      const body = { transactionalId: this.tm?.transactionalId ?? null, acks: this.acks, timeoutMs: this.config.requestTimeoutMs, topicData };
      if (this.acks === 0) {
        await conn.request(PRODUCE, body, { expectResponse: false });
        for (const b of batches) this.finish(b, null);
      } else {
        const res = await conn.request(PRODUCE, body);
        this.handleResponse(batches, res);
      }
    } catch (err) {
      for (const b of batches) this.retryOrFail(b, err as Error);
    } finally {
      this.inFlightRequests--;
      this.perNode.set(nodeId, this.perNode.get(nodeId)! - 1);
      for (const b of batches) this.acc.queue(b.topic, b.partition).inFlight--;
      this.wakeup();
    }
  }

  private handleResponse(batches: ProducerBatch[], res: any): void {
    const answers = new Map<string, any>();
    for (const t of res.responses as any[]) {
      for (const p of t.partitionResponses as any[]) answers.set(`${t.name}\0${p.index}`, p);
    }
    for (const b of batches) {
      const p = answers.get(`${b.topic}\0${b.partition}`);
      if (!p) {
        this.retryOrFail(b, new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `no answer for ${b.topic}-${b.partition} in the Produce response`));
        continue;
      }
      if (p.errorCode === ErrorCode.NONE || (this.tm && p.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER)) {
        this.finish(b, null, p.errorCode === ErrorCode.NONE ? p.baseOffset : -1, p.logAppendTimeMs ?? -1);
        continue;
      }
      const detail = p.errorMessage ?? (p.recordErrors?.length ? p.recordErrors[0].batchIndexErrorMessage : null);
      const err = brokerError(p.errorCode, detail, `producing to ${b.topic}-${b.partition}`);
      const tm = this.tm;
      if (tm && isSequenceError(p.errorCode)) {
        const stale = b.producerId !== tm.producerId || b.producerEpoch !== tm.epoch;
        if (stale || tm.bumpRequested) {
          // Sent under an older producer id / epoch: goes again with the new one.
          this.retryOrFail(b, err, true);
          continue;
        }
        if (p.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || p.errorCode === ErrorCode.UNKNOWN_PRODUCER_ID) {
          if (!tm.isNextSequence(b.topic, b.partition, b.baseSequence)) {
            // An earlier batch of the partition failed or is being retried: this one follows it.
            this.retryOrFail(b, err, true);
            continue;
          }
          if (!tm.isTransactional) {
            // KIP-360: the broker lost or never had our state; a new epoch, sequences from 0, and retry.
            tm.requestEpochBump();
            this.retryOrFail(b, err, true);
            continue;
          }
          tm.requestEpochBump(); // the abort bumps the epoch
        }
        this.finish(b, err);
        continue;
      }
      if (p.errorCode === ErrorCode.MESSAGE_TOO_LARGE && b.recordCount > 1) {
        if (tm && b.baseSequence >= 0) {
          if (tm.isTransactional) tm.transactionFailed(err);
          tm.requestEpochBump(); // the halves need sequences of their own
        }
        const [x, y] = b.split();
        b.retire();
        this.acc.incomplete.delete(b);
        x.reserved = b.reserved;
        this.acc.incomplete.add(x);
        this.acc.incomplete.add(y);
        this.acc.reenqueue(y);
        this.acc.reenqueue(x);
        continue;
      }
      this.retryOrFail(b, err);
    }
  }

  private retryOrFail(b: ProducerBatch, err: Error, forceRetriable = false): void {
    if (b.finished) return;
    const now = Date.now();
    const retriable = forceRetriable || (err instanceof KafkaError && err.retriable);
    const wait = backoffMs(b.attempts, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
    const withinTimeout = now + wait < b.createdMs + this.config.deliveryTimeoutMs;
    if (retriable && b.attempts <= this.config.retries && withinTimeout && !this.cluster.isClosed) {
      b.retryAt = now + wait;
      this.acc.reenqueue(b);
      if (err instanceof KafkaError && isMetadataError((err as KafkaError).code) || (err as KafkaError).code === ErrorCode.REQUEST_TIMED_OUT) {
        this.cluster.requestMetadataRefresh();
      }
      return;
    }
    if (retriable && !withinTimeout) {
      const t = new TimeoutError(`Expiring ${b.recordCount} record(s) for ${b.topic}-${b.partition}: delivery.timeout.ms passed; last error: ${err.message}`);
      (t as { cause?: unknown }).cause = err;
      this.finish(b, t);
      return;
    }
    this.finish(b, err);
  }
}

/** Produce errors about the producer id, epoch or sequence. */
function isSequenceError(code: number): boolean {
  return (
    code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER ||
    code === ErrorCode.UNKNOWN_PRODUCER_ID ||
    code === ErrorCode.INVALID_PRODUCER_EPOCH ||
    code === ErrorCode.PRODUCER_FENCED ||
    code === ErrorCode.INVALID_PRODUCER_ID_MAPPING
  );
}
