// The consumer's network side (Kafka's Fetcher, franz-go's source): one Fetch
// in flight per leader broker, covering every assigned partition that has a
// position, is not paused and holds no undelivered records; long polling by
// fetch.min.bytes / fetch.max.wait.ms; fetch.max.bytes and
// max.partition.fetch.bytes as limits. Answers are decoded (decodeBatches:
// CRC, decompression) into each partition's buffer. Offset resets
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
import { decodeBatches, DecodedRecord } from '../protocol/records/batch.js';

const FETCH = 1;

export class Fetcher {
  private readonly inFlight = new Set<number>();
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

  /** Sends whatever fetches and resets are due; cheap to call often. */
  maybeFetch(): void {
    if (this.closed || this.cluster.isClosed) return;
    const now = Date.now();
    let nextAt = Infinity;
    let needMetadata = false;
    let needReset = false;
    const byNode = new Map<number, PartitionState[]>();
    for (const p of this.subs.partitions) {
      if (p.reset !== null && !p.paused) {
        if (p.retryAt <= now) needReset = true;
        else nextAt = Math.min(nextAt, p.retryAt);
        continue;
      }
      if (!p.isFetchable(now)) {
        if (p.retryAt > now && !p.fetching) nextAt = Math.min(nextAt, p.retryAt);
        continue;
      }
      const leader = this.cluster.metadata.leaderFor(p.topic, p.partition);
      if (leader < 0) {
        needMetadata = true;
        continue;
      }
      if (this.inFlight.has(leader)) continue;
      let l = byNode.get(leader);
      if (!l) byNode.set(leader, (l = []));
      l.push(p);
    }
    if (needReset) void this.runResets();
    for (const [node, parts] of byNode) void this.fetchFrom(node, parts);
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

  private async fetchFrom(node: number, parts: PartitionState[]): Promise<void> {
    this.inFlight.add(node);
    const epochs = parts.map((p) => p.epoch);
    const offsets = parts.map((p) => p.position!);
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
          maxWaitMs: this.config.fetchMaxWaitMs,
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
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        const a = answers.get(tpKey(p.topic, p.partition));
        if (!a || this.subs.get(p.topic, p.partition) !== p || p.epoch !== epochs[i]) continue;
        await this.handlePartition(p, offsets[i]!, a);
      }
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

  private async handlePartition(p: PartitionState, fetchOffset: number, a: any): Promise<void> {
    const code: number = a.errorCode;
    if (code === ErrorCode.NONE) {
      p.highWatermark = a.highWatermark;
      p.logStartOffset = a.logStartOffset ?? -1;
      p.lastStableOffset = a.lastStableOffset ?? -1;
      const buf: Buffer | null = a.records;
      if (!buf || buf.length === 0) return;
      const epoch = p.epoch;
      let batches;
      try {
        batches = await decodeBatches(buf, { verifyCrc: this.config.checkCrcs });
      } catch (err) {
        p.error = err as Error;
        return;
      }
      if (p.epoch !== epoch || this.subs.get(p.topic, p.partition) !== p) return;
      const records: DecodedRecord[] = [];
      let nextOffset = fetchOffset;
      // read_committed (Kafka's Fetcher): the answer's aborted transactions, by first offset; a
      // transactional batch of a producer whose aborted transaction began at or before the batch's
      // last offset is dropped, until that producer's ABORT marker. Control records never surface.
      const committedOnly = this.isolationLevel === 1;
      const aborted = committedOnly ? [...((a.abortedTransactions ?? []) as { producerId: number | bigint; firstOffset: number | bigint }[])]
        .map((t) => ({ producerId: Number(t.producerId), firstOffset: Number(t.firstOffset) }))
        .sort((x, y) => x.firstOffset - y.firstOffset) : [];
      let nextAborted = 0;
      const abortedProducers = new Set<number>();
      for (const b of batches) {
        const last = b.baseOffset + b.lastOffsetDelta;
        if (last < fetchOffset) continue;
        nextOffset = Math.max(nextOffset, last + 1);
        if (committedOnly && b.isTransactional) {
          if (b.isControl) {
            const key = b.records[0]?.key;
            if (key && key.length >= 4 && key.readInt16BE(2) === 0) abortedProducers.delete(b.producerId);
            continue;
          }
          while (nextAborted < aborted.length && aborted[nextAborted]!.firstOffset <= last) abortedProducers.add(aborted[nextAborted++]!.producerId);
          if (abortedProducers.has(b.producerId)) continue;
        }
        if (b.isControl) continue;
        for (const r of b.records) if (r.offset >= fetchOffset) records.push(r);
      }
      if (nextOffset === fetchOffset) {
        // Only part of a batch fitted (max.partition.fetch.bytes is a soft limit since KIP-74, so this is a broker speaking an old version).
        return;
      }
      if (records.length === 0) {
        p.position = nextOffset;
        return;
      }
      p.fetched = { records, next: 0, nextOffset, epoch: p.epoch };
      return;
    }
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (p.position !== fetchOffset) return;
      const strategy = this.subs.defaultResetStrategy;
      if (strategy === 'none') {
        p.error = brokerError(code, `Fetch position ${fetchOffset} is out of range for partition ${p.topic}-${p.partition}`);
      } else {
        p.requestReset(strategy);
      }
      return;
    }
    const err = brokerError(code, null, `Fetch ${p.topic}-${p.partition}`);
    if (err.retriable || isMetadataError(code)) {
      p.retryAt = Date.now() + backoffMs(1, this.config.retryBackoffMs, this.config.retryBackoffMaxMs);
      if (isMetadataError(code)) this.cluster.requestMetadataRefresh();
      return;
    }
    p.error = err;
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
