// The consumer, with manual assignment: assign, seek, seekToBeginning/End,
// position, offsetsForTimes, beginning/end offsets, pause/resume, poll(),
// async iteration and run({ eachMessage | eachBatch }). Records come back
// decoded as { topic, partition, offset, timestamp, key, value, headers }
// with the configured deserializers.
//
// Group membership (subscribe, assignors, commits) is not here yet: the
// broker's consumer-group APIs are still being built. The shape is ready for
// it: SubscriptionState holds positions independent of how partitions were
// assigned, and a group coordinator client would call assign() on
// rebalances and read positions to commit.

import { Cluster } from './cluster.js';
import { CONSUMER_DEFAULTS, ConfigInput, ConsumerConfig, resolveConfig, validateConsumerConfig } from './config.js';
import { Fetcher } from './fetcher.js';
import { PartitionState, SubscriptionState } from './subscription-state.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, TopicPartition, listOffsets, tpKey } from './leader-requests.js';
import { Deserializer, bytesDeserializer } from './serializers.js';
import { ClientClosedError, NoOffsetForPartitionError, TimeoutError } from './errors.js';

export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
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
  private waiters: (() => void)[] = [];
  private closed = false;
  /** Round-robin start among partitions, so one busy partition cannot starve the others. */
  private rr = 0;

  constructor(options: ConsumerOptions<K, V>) {
    const { keyDeserializer, valueDeserializer, ...rest } = options;
    this.config = resolveConfig<ConsumerConfig>(rest as ConfigInput<ConsumerConfig>, CONSUMER_DEFAULTS, 'consumer');
    validateConsumerConfig(this.config);
    this.cluster = new Cluster(this.config, { allowAutoTopicCreation: this.config.allowAutoCreateTopics, kind: 'consumer' });
    this.subs = new SubscriptionState(this.config.autoOffsetReset);
    this.fetcher = new Fetcher(this.cluster, this.subs, this.config, () => this.notify());
    this.keyDeserializer = keyDeserializer ?? (bytesDeserializer as Deserializer<K>);
    this.valueDeserializer = valueDeserializer ?? (bytesDeserializer as Deserializer<V>);
  }

  // ---------------------------------------------------------------- assignment and positions

  /** Replaces the set of partitions this consumer reads (manual assignment). */
  assign(partitions: readonly TopicPartition[]): void {
    this.ensureOpen();
    this.subs.assign(partitions);
    this.cluster.addTopics(partitions.map((p) => p.topic));
    this.fetcher.maybeFetch();
  }

  assignment(): TopicPartition[] {
    return this.subs.assignment();
  }

  /** Not available yet: group membership waits for the broker's consumer-group APIs. */
  subscribe(_topics: readonly string[] | RegExp): never {
    throw new Error('subscribe() needs consumer groups, which the Samsa client does not implement yet; use assign()');
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
      if (st.reset === null) throw new NoOffsetForPartitionError(tp.topic, tp.partition);
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
    for (;;) {
      this.ensureOpen();
      this.raiseErrors();
      const out = this.drain();
      this.fetcher.maybeFetch();
      if (out.length > 0) return out;
      if (!(await this.waitForChange(deadline))) return [];
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

  /** Closes connections and wakes any poll(); leaves no socket or timer behind. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fetcher.close();
    this.cluster.close();
    this.notify();
  }

  // ---------------------------------------------------------------- internals

  private ensureOpen(): void {
    if (this.closed) throw new ClientClosedError('consumer');
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
    for (let i = 0; i < n && out.length < max; i++) {
      const p = parts[(this.rr + i) % n]!;
      const f = p.fetched;
      if (!f || p.paused) continue;
      while (f.next < f.records.length && out.length < max) {
        const r = f.records[f.next++]!;
        out.push({
          topic: p.topic,
          partition: p.partition,
          offset: r.offset,
          timestamp: r.timestamp,
          key: this.keyDeserializer(r.key, p.topic),
          value: this.valueDeserializer(r.value, p.topic),
          headers: r.headers,
        });
        p.position = r.offset + 1;
      }
      if (f.next >= f.records.length) {
        p.position = f.nextOffset;
        p.fetched = null;
      }
    }
    this.rr = (this.rr + 1) % n;
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
