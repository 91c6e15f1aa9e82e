// The consumer: subscribe (a topic list or a RegExp, with a group.id: group
// membership, assignors, rebalance listeners, static membership) or assign
// (manual assignment); seek, seekToBeginning/End, position, offsetsForTimes,
// beginning/end offsets, pause/resume, poll(), async iteration and
// run({ eachMessage | eachBatch }); committed offsets (auto-commit,
// commitSync, commitAsync, committed). Records come back decoded as
// { topic, partition, offset, timestamp, key, value, headers } with the
// configured deserializers.
//
// SubscriptionState holds positions however partitions were assigned; with a
// group.id the ConsumerCoordinator (consumer-coordinator.ts) runs from every
// poll() round: it applies rebalances, auto-commits, and looks up committed
// offsets for new partitions. As in Kafka's Java client, rebalance listeners
// run inside poll(), between the application's batches.

import { Cluster } from './cluster.js';
import { CONSUMER_DEFAULTS, ConfigInput, ConsumerConfig, resolveConfig, validateConsumerConfig } from './config.js';
import { Fetcher } from './fetcher.js';
import { PartitionState, SubscriptionState } from './subscription-state.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, TopicPartition, listOffsets, tpKey } from './leader-requests.js';
import { Deserializer, bytesDeserializer } from './serializers.js';
import { ClientClosedError, NoOffsetForPartitionError, TimeoutError } from './errors.js';
import { ConsumerCoordinator, GroupMetadata, RebalanceListener } from './consumer-coordinator.js';
import type { CommittedOffset, OffsetToCommit } from './group-requests.js';
import { KafkaError, ErrorCode } from './errors.js';

export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** Kafka's TimestampType names: from the batch attributes (record batches v2 are always CreateTime or LogAppendTime). */
  timestampType: 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';
  key: K;
  value: V;
  headers: { key: string; value: Buffer | null }[];
}

export type ConsumerOptions<K = Buffer | null, V = Buffer | null> = ConfigInput<ConsumerConfig> & {
  keyDeserializer?: Deserializer<K>;
  valueDeserializer?: Deserializer<V>;
};

export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
}

export class Consumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly config: ConsumerConfig;
  private readonly cluster: Cluster;
  private readonly subs: SubscriptionState;
  private readonly fetcher: Fetcher;
  private readonly keyDeserializer: Deserializer<K>;
  private readonly valueDeserializer: Deserializer<V>;
  /** Present when group.id is set. */
  private readonly group: ConsumerCoordinator | null;
  private waiters: (() => void)[] = [];
  private closed = false;
  private closing: Promise<void> | null = null;
  /** Round-robin start among partitions, so one busy partition cannot starve the others. */
  private rr = 0;

  constructor(options: ConsumerOptions<K, V>) {
    const { keyDeserializer, valueDeserializer, ...rest } = options;
    this.config = resolveConfig<ConsumerConfig>(rest as ConfigInput<ConsumerConfig>, CONSUMER_DEFAULTS, 'consumer');
    validateConsumerConfig(this.config);
    this.cluster = new Cluster(this.config, { allowAutoTopicCreation: this.config.allowAutoCreateTopics, kind: 'consumer' });
    this.subs = new SubscriptionState(this.config.autoOffsetReset);
    this.fetcher = new Fetcher(this.cluster, this.subs, this.config, () => this.notify());
    this.group = this.config.groupId
      ? new ConsumerCoordinator(this.cluster, this.config, this.subs, () => this.fetcher.maybeFetch(), () => this.notify())
      : null;
    this.keyDeserializer = keyDeserializer ?? (bytesDeserializer as Deserializer<K>);
    this.valueDeserializer = valueDeserializer ?? (bytesDeserializer as Deserializer<V>);
  }

  // ---------------------------------------------------------------- assignment and positions

  /**
   * Replaces the set of partitions this consumer reads (manual assignment, no
   * group membership). With a group.id, new partitions start at the group's
   * committed offset, else at auto.offset.reset.
   */
  assign(partitions: readonly TopicPartition[]): void {
    this.ensureOpen();
    if (this.group?.isSubscribed) throw new Error('assign() cannot be used while subscribed to topics; unsubscribe() first');
    this.subs.assign(partitions, this.group !== null);
    this.cluster.addTopics(partitions.map((p) => p.topic));
    this.fetcher.maybeFetch();
    this.group?.maybeFetchCommitted();
  }

  /** The partitions this consumer reads now (for a group member: its current share). */
  assignment(): TopicPartition[] {
    return this.subs.assignment();
  }

  /**
   * Joins the consumer group (group.id) to share the topics' partitions with
   * its other members. `topics` is a list, or a RegExp tested against every
   * topic name in the cluster metadata (re-evaluated on every metadata
   * refresh, metadata.max.age.ms; anchor it with ^ and $ for Java's
   * whole-name matching; internal topics excluded while
   * exclude.internal.topics). The group is joined by poll(); `listener` is
   * told of partitions assigned, revoked and lost. Calling it again replaces
   * the subscription (the group rebalances).
   */
  subscribe(topics: readonly string[] | RegExp, listener?: RebalanceListener): void {
    this.ensureOpen();
    if (!this.group) throw new KafkaError(ErrorCode.INVALID_GROUP_ID, 'subscribe() needs a group.id in the consumer configuration');
    if (!this.group.isSubscribed && this.subs.size > 0) throw new Error('subscribe() cannot be used while partitions are assigned manually; assign([]) first');
    if (!(topics instanceof RegExp) && topics.length === 0) {
      void this.unsubscribe();
      return;
    }
    this.group.subscribe(topics, listener ?? null);
    this.notify();
  }

  /** The subscribed topics (for a pattern: the topics it currently matches). */
  subscription(): string[] {
    return this.group?.isSubscribed ? [...this.group.subscribedTopics].sort() : [];
  }

  /** Revokes the partitions, leaves the group and forgets the subscription (or the manual assignment). */
  async unsubscribe(): Promise<void> {
    this.ensureOpen();
    if (this.group?.isSubscribed) await this.group.unsubscribe();
    else this.subs.assign([]);
  }

  /** This member's group, generation and member id (generation -1 outside a group). */
  groupMetadata(): GroupMetadata | null {
    return this.group?.groupMetadata() ?? null;
  }

  /** Asks for a rebalance; the next poll() rejoins the group. */
  enforceRebalance(reason = 'rebalance enforced by the application'): void {
    if (this.group?.isSubscribed) this.group.membership.requestRejoin(reason);
  }

  // ---------------------------------------------------------------- commits

  /**
   * Commits offsets and waits for the broker to store them, retrying
   * retriable errors within default.api.timeout.ms. Without `offsets`: the
   * positions of every assigned partition (what poll() has returned so far).
   * An offset is the next one to read (last processed + 1); `metadata` is
   * stored with it. Fails with CommitFailedError when the group has moved on
   * without this member, RebalanceInProgressError during a rebalance.
   */
  async commitSync(offsets?: readonly OffsetToCommit[], opts: { timeoutMs?: number } = {}): Promise<void> {
    this.ensureOpen();
    const g = this.requireGroup('commitSync');
    await g.commit(offsets ?? g.allConsumed(), { retry: true, timeoutMs: opts.timeoutMs ?? this.config.defaultApiTimeoutMs });
  }

  /**
   * Commits without retrying (a retry could overwrite a later commit); the
   * callback (or the returned promise, which need not be awaited) gets the
   * outcome. Commits are sent in call order.
   */
  commitAsync(offsets?: readonly OffsetToCommit[], callback?: (err: Error | null, offsets: OffsetToCommit[]) => void): Promise<void> {
    const run = async (): Promise<OffsetToCommit[]> => {
      this.ensureOpen();
      const g = this.requireGroup('commitAsync');
      const o = [...(offsets ?? g.allConsumed())];
      await g.commit(o, { retry: false, timeoutMs: this.config.requestTimeoutMs });
      return o;
    };
    const p = run().then(
      (o) => {
        callback?.(null, o);
      },
      (err) => {
        callback?.(err as Error, [...(offsets ?? [])]);
        throw err;
      },
    );
    p.catch(() => {}); // the promise may be ignored
    return p;
  }

  /** The group's committed offsets for these partitions (offset -1 where there is none). */
  async committed(tps: readonly TopicPartition[], opts: { timeoutMs?: number } = {}): Promise<CommittedOffset[]> {
    this.ensureOpen();
    return this.requireGroup('committed').committed(tps, opts.timeoutMs ?? this.config.defaultApiTimeoutMs);
  }

  private requireGroup(what: string): ConsumerCoordinator {
    if (!this.group) throw new KafkaError(ErrorCode.INVALID_GROUP_ID, `${what}() needs a group.id in the consumer configuration`);
    return this.group;
  }

  /** The next poll() of this partition starts at `offset`. */
  seek(tp: TopicPartition, offset: number): void {
    this.ensureOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`seek offset must be a non-negative integer, got ${offset}`);
    this.subs.require(tp).seek(offset);
    this.fetcher.maybeFetch();
  }

  seekToBeginning(tps: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.subs.require(tp).requestReset('earliest');
    this.fetcher.maybeFetch();
  }

  seekToEnd(tps: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.subs.require(tp).requestReset('latest');
    this.fetcher.maybeFetch();
  }

  /** The offset of the next record poll() returns for this partition (resolving a pending reset first). */
  async position(tp: TopicPartition, timeoutMs = this.config.defaultApiTimeoutMs): Promise<number> {
    const st = this.subs.require(tp);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.ensureOpen();
      if (st.position !== null) return st.position;
      if (st.error) throw st.error;
      if (st.awaitingCommitted) this.group?.maybeFetchCommitted();
      else if (st.reset === null) throw new NoOffsetForPartitionError(tp.topic, tp.partition);
      this.fetcher.maybeFetch();
      if (!(await this.waitForChange(deadline))) throw new TimeoutError(`position of ${tp.topic}-${tp.partition} not known within ${timeoutMs} ms`);
    }
  }

  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const st = this.subs.require(tp);
      st.paused = true;
    }
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.subs.require(tp).paused = false;
    this.fetcher.maybeFetch();
  }

  paused(): TopicPartition[] {
    return [...this.subs.partitions].filter((p) => p.paused).map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  /** For each partition, the first offset whose timestamp is at or after the one given; null when there is none. */
  async offsetsForTimes(query: readonly (TopicPartition & { timestamp: number })[]): Promise<(TopicPartition & { result: OffsetAndTimestamp | null })[]> {
    const res = await listOffsets(this.cluster, query, { timeoutMs: this.config.defaultApiTimeoutMs, what: 'offsetsForTimes', isolationLevel: this.fetcher.isolationLevel });
    return query.map((q) => {
      const a = res.get(tpKey(q.topic, q.partition))!;
      return { topic: q.topic, partition: q.partition, result: a.offset < 0 ? null : { offset: a.offset, timestamp: a.timestamp } };
    });
  }

  async beginningOffsets(tps: readonly TopicPartition[]): Promise<(TopicPartition & { offset: number })[]> {
    return this.listAt(tps, EARLIEST_TIMESTAMP);
  }

  /** The high watermark (read_uncommitted) or last stable offset (read_committed). */
  async endOffsets(tps: readonly TopicPartition[]): Promise<(TopicPartition & { offset: number })[]> {
    return this.listAt(tps, LATEST_TIMESTAMP);
  }

  private async listAt(tps: readonly TopicPartition[], timestamp: number): Promise<(TopicPartition & { offset: number })[]> {
    const res = await listOffsets(this.cluster, tps.map((tp) => ({ ...tp, timestamp })), {
      timeoutMs: this.config.defaultApiTimeoutMs,
      what: 'ListOffsets',
      isolationLevel: this.fetcher.isolationLevel,
    });
    return tps.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: res.get(tpKey(tp.topic, tp.partition))!.offset }));
  }

  // ---------------------------------------------------------------- reading

  /**
   * Up to max.poll.records records from the assigned partitions, waiting up to
   * `timeoutMs` for some to arrive; an empty array when none did. Raises the
   * first partition error (offset out of range with auto.offset.reset=none,
   * authorization, corrupt data).
   */
  async poll(timeoutMs = 1000): Promise<ConsumerRecord<K, V>[]> {
    const deadline = Date.now() + timeoutMs;
    this.group?.markPoll();
    try {
      for (;;) {
        this.ensurePolling();
        if (this.group) await this.group.poll();
        this.ensurePolling();
        this.raiseErrors();
        const out = this.drain();
        this.fetcher.maybeFetch();
        if (out.length > 0) return out;
        if (!(await this.waitForChange(deadline))) return [];
      }
    } finally {
      this.group?.markPoll();
    }
  }

  /** Records one by one until close() (or break). */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<K, V>> {
    while (!this.closed) {
      let batch: ConsumerRecord<K, V>[];
      try {
        batch = await this.poll(this.config.fetchMaxWaitMs + 1000);
      } catch (err) {
        if (err instanceof ClientClosedError) return;
        throw err;
      }
      for (const r of batch) yield r;
    }
  }

  /** KafkaJS-style loop: calls the handler per record or per polled batch until close() or an error from it. */
  async run(handlers: { eachMessage?: (r: ConsumerRecord<K, V>) => Promise<void> | void; eachBatch?: (rs: ConsumerRecord<K, V>[]) => Promise<void> | void }): Promise<void> {
    while (!this.closed) {
      let batch: ConsumerRecord<K, V>[];
      try {
        batch = await this.poll(this.config.fetchMaxWaitMs + 1000);
      } catch (err) {
        if (err instanceof ClientClosedError) return;
        throw err;
      }
      if (batch.length === 0) continue;
      if (handlers.eachBatch) await handlers.eachBatch(batch);
      if (handlers.eachMessage) for (const r of batch) await handlers.eachMessage(r);
    }
  }

  /**
   * Commits the consumed offsets (enable.auto.commit), revokes the partitions
   * (rebalance listener) and leaves the group (dynamic members: static ones
   * keep their place until session.timeout.ms, as in Kafka); then closes
   * connections and wakes any poll(). Leaves no socket or timer behind.
   */
  async close(): Promise<void> {
    if (this.closed || this.closing) return this.closing ?? undefined;
    this.closing = (async () => {
      this.fetcher.close();
      this.notify();
      try {
        if (this.group) await this.group.close();
      } finally {
        this.closed = true;
        this.cluster.close();
        this.notify();
      }
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- internals

  private ensureOpen(): void {
    if (this.closed) throw new ClientClosedError('consumer');
  }

  /** poll() stops as soon as close() starts (close() commits what poll() returned until then). */
  private ensurePolling(): void {
    if (this.closed || this.closing) throw new ClientClosedError('consumer');
  }

  private raiseErrors(): void {
    for (const p of this.subs.partitions) {
      if (p.error && !p.paused) {
        const err = p.error;
        p.error = null;
        p.retryAt = Date.now() + this.config.retryBackoffMs;
        throw err;
      }
    }
    if (this.subs.defaultResetStrategy === 'none') {
      const missing = this.subs.missingPosition().find((p) => !p.paused);
      if (missing) throw new NoOffsetForPartitionError(missing.topic, missing.partition);
    }
  }

  private drain(): ConsumerRecord<K, V>[] {
    const out: ConsumerRecord<K, V>[] = [];
    const parts: PartitionState[] = [...this.subs.partitions];
    const n = parts.length;
    if (n === 0) return out;
    const max = this.config.maxPollRecords;
    const kd = this.keyDeserializer as Deserializer<unknown>;
    const vd = this.valueDeserializer as Deserializer<unknown>;
    // CompletedFetch builds the records; only deserializers other than the bytes one touch them again.
    const raw = kd === bytesDeserializer && vd === bytesDeserializer;
    let freed = false;
    for (let i = 0; i < n && out.length < max; i++) {
      const p = parts[(this.rr + i) % n]!;
      if (p.paused) continue;
      for (let f = p.fetched; f && out.length < max; f = p.fetched) {
        if (f.next >= f.records.length) {
          let more: boolean;
          try {
            more = f.fill();
          } catch (err) {
            // Raised by the next poll(), after the records before it.
            p.failBuffered(err as Error);
            break;
          }
          if (!more) {
            p.advance();
            freed = true;
            continue;
          }
        }
        const records = f.records;
        while (f.next < records.length && out.length < max) {
          const r = records[f.next++]!;
          if (!raw) {
            r.key = kd(r.key as Buffer | null, p.topic);
            r.value = vd(r.value as Buffer | null, p.topic);
          }
          out.push(r as ConsumerRecord<K, V>);
          p.position = r.offset + 1;
        }
      }
    }
    this.rr = (this.rr + 1) % n;
    if (freed) this.fetcher.bufferFreed();
    return out;
  }

  private notify(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** Resolves true on the next state change, false at the deadline. */
  private waitForChange(deadline: number): Promise<boolean> {
    const ms = deadline - Date.now();
    if (ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      let done = false;
      const t = setTimeout(() => {
        if (done) return;
        done = true;
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(false);
      }, ms);
      const wake = () => {
        if (done) return;
        done = true;
        clearTimeout(t);
        resolve(true);
      };
      this.waiters.push(wake);
    });
  }
}
