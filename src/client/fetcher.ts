// The consumer's network side (Kafka's Fetcher, franz-go's source): one Fetch
// in flight per leader broker, covering every assigned partition that has a
// position, is not paused and has room in its buffer: a partition whose
// records poll() is still handing out is fetched ahead, from the offset after
// them (librdkafka's prefetch), so the application rarely waits for the
// network. Long polling by fetch.min.bytes / fetch.max.wait.ms, except when a
// partition was left out only because its buffer is full: it will want
// fetching again as soon as poll() empties it, so that Fetch must not be
// parked by the broker (maxWaitMs 0; after one such Fetch came back empty the
// broker is left alone until poll() frees a buffer). fetch.max.bytes and
// max.partition.fetch.bytes as limits. Compressed batches are checked (CRC)
// and decompressed here; answers are buffered as CompletedFetches whose other
// CRCs and records poll() checks and decodes when it reaches them, so the next
// Fetch goes out at once. Offset resets
// (auto.offset.reset, seekToBeginning/End, OFFSET_OUT_OF_RANGE) run as
// ListOffsets to the leaders. Leadership errors refresh metadata and back the
// partition off; nothing here holds a timer while there is nothing to do.
//
// Fetch sessions (KIP-227) are not used: every request is a full fetch
// (session id 0, epoch -1), which every broker must accept.

import { Cluster } from './cluster.js';
import { ConsumerConfig } from './config.js';
import { PartitionState, SubscriptionState } from './subscription-state.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, tpKey } from './leader-requests.js';
import { backoffMs } from './backoff.js';
import { KafkaError, TimeoutError, brokerError, isMetadataError } from './errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { readBatchSections } from '../protocol/records/batch.js';
import { CompletedFetch } from './completed-fetch.js';

const FETCH = 1;

export class Fetcher {
  private readonly inFlight = new Set<number>();
  /** Brokers whose last zero-wait Fetch (partitions held back by full buffers) returned nothing, with its partition count. */
  private readonly idle = new Map<number, number>();
  private resetting = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private failures = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly subs: SubscriptionState,
    private readonly config: ConsumerConfig,
    /** Called whenever records arrive, a position changes or an error is recorded. */
    private readonly onChange: () => void,
  ) {}

  get isolationLevel(): number {
    return this.config.isolationLevel === 'read_committed' ? 1 : 0;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** poll() handed out a partition's buffered response: brokers idle for want of buffer room may be asked again. */
  bufferFreed(): void {
    this.idle.clear();
  }

  /** Sends whatever fetches and resets are due; cheap to call often. */
  maybeFetch(): void {
    if (this.closed || this.cluster.isClosed) return;
    const now = Date.now();
    let nextAt = Infinity;
    let needMetadata = false;
    let needReset = false;
    const byNode = new Map<number, PartitionState[]>();
    /** Brokers with a partition left out only because its buffer is full. */
    let heldBack: Set<number> | null = null;
    for (const p of this.subs.partitions) {
      if (p.reset !== null && !p.paused) {
        if (p.retryAt <= now) needReset = true;
        else nextAt = Math.min(nextAt, p.retryAt);
        continue;
      }
      if (!p.canFetch(now)) {
        if (p.retryAt > now && !p.fetching) nextAt = Math.min(nextAt, p.retryAt);
        continue;
      }
      const leader = this.cluster.metadata.leaderFor(p.topic, p.partition);
      if (leader < 0) {
        needMetadata = true;
        continue;
      }
      if (!p.hasBufferRoom) {
        (heldBack ??= new Set()).add(leader);
        continue;
      }
      if (this.inFlight.has(leader)) continue;
      let l = byNode.get(leader);
      if (!l) byNode.set(leader, (l = []));
      l.push(p);
    }
    if (needReset) void this.runResets();
    for (const [node, parts] of byNode) {
      const zeroWait = heldBack !== null && heldBack.has(node);
      if (zeroWait) {
        const idleWith = this.idle.get(node);
        if (idleWith !== undefined && parts.length <= idleWith) continue; // nothing new to ask for until poll() frees a buffer
      }
      void this.fetchFrom(node, parts, zeroWait);
    }
    if (needMetadata) {
      this.cluster.addTopics([...this.subs.partitions].map((p) => p.topic));
      this.cluster.refreshMetadata().then(
        () => {
          this.failures = 0;
          this.maybeFetch();
        },
        () => this.schedule(Date.now() + backoffMs(++this.failures, this.config.retryBackoffMs, this.config.retryBackoffMaxMs)),
      );
    }
    this.schedule(nextAt);
  }

  private schedule(at: number): void {
    if (at === Infinity || this.closed) return;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.maybeFetch();
    }, Math.max(0, at - Date.now()));
  }

  private async fetchFrom(node: number, parts: PartitionState[], zeroWait: boolean): Promise<void> {
    this.inFlight.add(node);
    const epochs = parts.map((p) => p.epoch);
    const offsets = parts.map((p) => p.fetchOffset);
    for (const p of parts) p.fetching = true;
    try {
      const conn = await this.cluster.connectionTo(node);
      const byTopic = new Map<string, any[]>();
      parts.forEach((p, i) => {
        let l = byTopic.get(p.topic);
        if (!l) byTopic.set(p.topic, (l = []));
        l.push({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: offsets[i], lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: this.config.maxPartitionFetchBytes });
      });
      const res = await conn.request(
        FETCH,
        {
          clusterId: null,
          replicaId: -1,
          maxWaitMs: zeroWait ? 0 : this.config.fetchMaxWaitMs,
          minBytes: this.config.fetchMinBytes,
          maxBytes: this.config.fetchMaxBytes,
          isolationLevel: this.isolationLevel,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, topicId: null, partitions })),
          forgottenTopicsData: [],
          rackId: this.config.clientRack,
        },
        { timeoutMs: this.config.requestTimeoutMs + this.config.fetchMaxWaitMs },
      );
      if (res.errorCode) throw brokerError(res.errorCode, null, `Fetch from broker ${node}`);
      const answers = new Map<string, any>();
      for (const t of res.responses as any[]) for (const p of t.partitions as any[]) answers.set(tpKey(t.topic, p.partitionIndex), p);
      let got = false;
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        const a = answers.get(tpKey(p.topic, p.partition));
        if (!a || this.subs.get(p.topic, p.partition) !== p || p.epoch !== epochs[i]) continue;
        if (await this.handlePartition(p, offsets[i]!, a)) got = true;
      }
      if (zeroWait && !got) this.idle.set(node, parts.length);
      else this.idle.delete(node);
      this.failures = 0;
    } catch (err) {
      const now = Date.now();
      const wait = backoffMs(++this.failures, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
      for (const p of parts) p.retryAt = now + wait;
      if (!(err instanceof KafkaError) || !err.retriable) {
        for (const p of parts) p.error = err as Error;
      } else {
        this.cluster.requestMetadataRefresh();
      }
    } finally {
      for (const p of parts) p.fetching = false;
      this.inFlight.delete(node);
      this.onChange();
      this.maybeFetch();
    }
  }

  /** Takes in one partition's answer; true when it buffered records. */
  private async handlePartition(p: PartitionState, fetchOffset: number, a: any): Promise<boolean> {
    const code: number = a.errorCode;
    if (code === ErrorCode.NONE) {
      p.highWatermark = a.highWatermark;
      p.logStartOffset = a.logStartOffset ?? -1;
      p.lastStableOffset = a.lastStableOffset ?? -1;
      const buf: Buffer | null = a.records;
      if (!buf || buf.length === 0) return false;
      const epoch = p.epoch;
      let batches;
      try {
        batches = await readBatchSections(buf, { verifyCrc: this.config.checkCrcs, lazyCrc: true });
      } catch (err) {
        // Raised when poll() reaches it: a response fetched ahead is dropped and fetched again from there.
        if (p.fetched === null) p.error = err as Error;
        return false;
      }
      if (p.epoch !== epoch || this.subs.get(p.topic, p.partition) !== p || p.fetchOffset !== fetchOffset) return false;
      const aborted =
        this.isolationLevel === 1
          ? ((a.abortedTransactions ?? []) as { producerId: number | bigint; firstOffset: number | bigint }[])
              .map((t) => ({ producerId: Number(t.producerId), firstOffset: Number(t.firstOffset) }))
              .sort((x, y) => x.firstOffset - y.firstOffset)
          : null;
      const f = new CompletedFetch(p.topic, p.partition, fetchOffset, batches, aborted, epoch, this.config.checkCrcs ? buf : null);
      // Only part of a batch fitted (max.partition.fetch.bytes is a soft limit since KIP-74, so this is a broker speaking an old version).
      if (f.nextOffset === fetchOffset) return false;
      // Records are decoded when poll() reaches them, so the next Fetch can go out now.
      p.buffer(f);
      return true;
    }
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      // Only a fetch from the position itself: one fetched ahead is asked again from there once poll() gets there.
      if (p.fetched !== null || p.position !== fetchOffset) return false;
      const strategy = this.subs.defaultResetStrategy;
      if (strategy === 'none') {
        p.error = brokerError(code, `Fetch position ${fetchOffset} is out of range for partition ${p.topic}-${p.partition}`);
      } else {
        p.requestReset(strategy);
      }
      return false;
    }
    const err = brokerError(code, null, `Fetch ${p.topic}-${p.partition}`);
    if (err.retriable || isMetadataError(code)) {
      p.retryAt = Date.now() + backoffMs(1, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
      if (isMetadataError(code)) this.cluster.requestMetadataRefresh();
      return false;
    }
    p.error = err;
    return false;
  }

  private async runResets(): Promise<void> {
    if (this.resetting) return;
    this.resetting = true;
    const now = Date.now();
    const parts = [...this.subs.partitions].filter((p) => p.reset !== null && !p.paused && p.retryAt <= now);
    const epochs = parts.map((p) => p.epoch);
    try {
      const res = await listOffsets(
        this.cluster,
        parts.map((p) => ({ topic: p.topic, partition: p.partition, timestamp: p.reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP })),
        { timeoutMs: this.config.requestTimeoutMs, what: 'resetting offsets', isolationLevel: this.isolationLevel },
      );
      parts.forEach((p, i) => {
        const a = res.get(tpKey(p.topic, p.partition));
        if (a && p.epoch === epochs[i] && p.reset !== null && this.subs.get(p.topic, p.partition) === p) p.seek(a.offset);
      });
    } catch (err) {
      const wait = backoffMs(1, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
      for (const p of parts) {
        p.retryAt = Date.now() + wait;
        if (!(err instanceof KafkaError) || (!err.retriable && !(err instanceof TimeoutError))) {
          if (!this.closed && !this.cluster.isClosed) p.error = err as Error;
        }
      }
    } finally {
      this.resetting = false;
      this.onChange();
      this.maybeFetch();
    }
  }
}
