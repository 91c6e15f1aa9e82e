// The producer: serializes records, picks their partition (explicit, custom
// partitioner, murmur2 for keys, sticky for the rest), enforces
// max.request.size and buffer.memory before anything is queued, and appends
// to the accumulator; the Sender takes it from there. A send() whose topic's
// metadata is not known yet, or that finds the buffer full, waits (up to
// max.block.ms) in a FIFO that later sends join, so records keep their order.
//
// send(record) returns a promise; send(record, callback) is the form for
// throughput (Java's send(record, Callback), librdkafka's delivery reports):
// no promise, no closure and no object per record beyond the caller's own,
// the callback kept in the batch's flat arrays and called when the batch
// completes, in offset order within a partition. It never blocks either: a
// record that finds buffer.memory full waits in the same FIFO as a promise
// send, up to max.block.ms, then fails with a TimeoutError through its
// callback; an application that wants to stop earlier counts its
// unacknowledged records. Callbacks never run inside send(): errors found
// there (record too large, a closed producer) come on a later tick.
//
// enable.idempotence (default true) and transactional.id go through the
// TransactionManager: producer id and epoch, sequences per partition, up to 5
// batches per partition in flight; without idempotence one batch per
// partition is in flight, which keeps the order.

import { Cluster } from './cluster.js';
import { RecordAccumulator, type PartitionQueue } from './accumulator.js';
import { Sender } from './sender.js';
import { RecordMetadata, Reject, Resolve, failRecord, payloadSize, soloBatchSize, type DeliveryCallback, type Handler } from './producer-batch.js';
import { ConfigInput, PRODUCER_DEFAULTS, ProducerConfig, normalizeAcks, resolveConfig, resolveIdempotence, validateProducerConfig } from './config.js';
import { TransactionManager, type GroupMetadataInput, type TxnOffset } from './transaction-manager.js';
import { Partitioner, PartitionLoad, StickyPartitioner, defaultPartitioner, stickyPartitioner, type StickyState } from './partitioner.js';
import { Serializer, bytesSerializer } from './serializers.js';
import { RingQueue } from './ring-queue.js';
import { ClientClosedError, ErrorCode, KafkaError, RecordTooLargeError, TimeoutError } from './errors.js';
import { CompressionType } from '../protocol/records/batch-header.js';
import type { RecordHeader } from '../protocol/records/records.js';
import type { PartitionMetadata, TopicMetadata } from './metadata.js';

export type { RecordMetadata, DeliveryCallback, GroupMetadataInput, TxnOffset };

export type HeaderValue = string | Buffer | Uint8Array | null;
/** Headers as an object (an array value repeats the key) or as an ordered list. */
export type HeadersInput = { [key: string]: HeaderValue | HeaderValue[] } | readonly { key: string; value: HeaderValue }[];

export type BytesLike = Buffer | Uint8Array | string | null | undefined;

export interface ProducerRecord<K = BytesLike, V = BytesLike> {
  topic: string;
  key?: K;
  value: V;
  headers?: HeadersInput;
  /** CreateTime in ms (or a Date); now when absent. */
  timestamp?: number | Date;
  /** An explicit partition; the partitioner decides when absent. */
  partition?: number;
}

export type ProducerOptions<K = BytesLike, V = BytesLike> = ConfigInput<ProducerConfig> & {
  partitioner?: Partitioner;
  keySerializer?: Serializer<K>;
  valueSerializer?: Serializer<V>;
};

const CODECS: Record<string, CompressionType> = {
  none: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};
const NO_HEADERS: RecordHeader[] = [];
/** Worst case of a record's attribute, delta and length varints: what buffer.memory reserves beyond its payload. */
const RECORD_OVERHEAD_MAX = 21;

/** A send() waiting for its topic's metadata or for buffer.memory, in order. */
interface Blocked {
  topic: string;
  partition: number | undefined;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
  payload: number;
  handler: Handler;
  /** null: the handler is a delivery callback. */
  reject: Reject | null;
  reserve: number;
  deadline: number;
  /** Called when it leaves the queue (appended or failed): what flush() and close() wait for. */
  left: (() => void) | null;
}

// send() makes one promise per record; its resolve/reject are taken through
// one shared executor rather than a closure and an object per record.
let takenResolve: Resolve | null = null;
let takenReject: Reject | null = null;
function takeSettlers(resolve: Resolve, reject: Reject): void {
  takenResolve = resolve;
  takenReject = reject;
}

/**
 * What an append needs of a topic, kept per topic so that a record costs one
 * metadata lookup: its partition count, its partitions' queues and its
 * sticky partition. Refreshed when the topic's metadata object changes
 * (every Metadata response replaces it).
 */
interface TopicState {
  name: string;
  meta: TopicMetadata;
  partitionCount: number;
  /** By partition number, filled on first use. */
  queues: PartitionQueue[];
  sticky: StickyState;
  load: () => PartitionLoad;
}

export class Producer<K = BytesLike, V = BytesLike> {
  readonly config: ProducerConfig;
  private readonly cluster: Cluster;
  private readonly acc: RecordAccumulator;
  private readonly sender: Sender;
  private readonly sticky: StickyPartitioner;
  private readonly partitioner: Partitioner;
  private readonly keySerializer: Serializer<K>;
  private readonly valueSerializer: Serializer<V>;
  private readonly blocked = new RingQueue<Blocked>();
  private draining = false;
  private closing: Promise<void> | null = null;
  private cancelMemoryWait: (() => void) | null = null;
  private readonly txn: TransactionManager | null;

  constructor(options: ProducerOptions<K, V>) {
    const { partitioner, keySerializer, valueSerializer, ...rest } = options;
    this.config = resolveConfig<ProducerConfig>(rest as ConfigInput<ProducerConfig>, PRODUCER_DEFAULTS, 'producer');
    this.config.enableIdempotence = resolveIdempotence(this.config, rest as Record<string, unknown>);
    validateProducerConfig(this.config);
    this.cluster = new Cluster(this.config, { allowAutoTopicCreation: this.config.allowAutoCreateTopics, kind: 'producer' });
    this.acc = new RecordAccumulator(this.config.batchSize, this.config.bufferMemory);
    this.txn = this.config.enableIdempotence ? new TransactionManager(this.cluster, this.config) : null;
    this.sender = new Sender(this.cluster, this.acc, this.config, normalizeAcks(this.config.acks), CODECS[this.config.compressionType]!, this.txn);
    if (this.txn) this.txn.onChange = () => this.sender.wakeup();
    this.sticky = new StickyPartitioner(this.config.batchSize);
    this.partitioner = partitioner ?? (this.config.partitionerIgnoreKeys ? stickyPartitioner : defaultPartitioner);
    this.keySerializer = keySerializer ?? (bytesSerializer as Serializer<K>);
    this.valueSerializer = valueSerializer ?? (bytesSerializer as Serializer<V>);
  }

  /** Connects and loads cluster metadata now (optional: send() does it on demand). */
  async connect(): Promise<void> {
    await this.cluster.retry('connect', this.config.maxBlockMs, () => this.cluster.refreshMetadata());
  }

  /** The partitions of a topic, waiting for its metadata up to max.block.ms. */
  async partitionsFor(topic: string): Promise<PartitionMetadata[]> {
    await this.cluster.waitForTopic(topic, this.config.maxBlockMs);
    return this.cluster.metadata.topic(topic)!.partitions.filter(Boolean);
  }

  /**
   * Sends one record. Without a callback: resolves with where it was stored
   * once the broker has it (per acks). With one: returns nothing and calls
   * `callback(null, metadata)` or `callback(error)` instead, never before
   * send() returns; callbacks of one partition run in offset order.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  send(record: ProducerRecord<K, V>, callback: DeliveryCallback): void;
  send(record: ProducerRecord<K, V>, callback?: DeliveryCallback): Promise<RecordMetadata> | void {
    if (callback === undefined) {
      const p = new Promise<RecordMetadata>(takeSettlers);
      this.dispatch(record, takenResolve!, takenReject!);
      return p;
    }
    if (typeof callback !== 'function') throw new TypeError('the callback given to send() is not a function');
    this.dispatch(record, callback, null);
  }

  private dispatch(record: ProducerRecord<K, V>, handler: Handler, reject: Reject | null): void {
    if (this.closing) return failRecord(handler, reject, new ClientClosedError('producer'));
    const topic = record.topic;
    let key: Buffer | null;
    let value: Buffer | null;
    let headers: RecordHeader[];
    let timestamp: number;
    let payload: number;
    try {
      this.txn?.checkSend();
      if (typeof topic !== 'string' || topic === '') throw new TypeError('a record needs a topic');
      key = record.key === undefined ? null : this.keySerializer(record.key, topic);
      value = this.valueSerializer(record.value, topic);
      headers = normalizeHeaders(record.headers);
      const ts = record.timestamp;
      timestamp = ts === undefined ? Date.now() : ts instanceof Date ? ts.getTime() : ts;
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TypeError(`invalid timestamp ${String(ts)}`);
      payload = payloadSize(key, value, headers);
      const solo = soloBatchSize(payload);
      if (solo > this.config.maxRequestSize) {
        throw new RecordTooLargeError(
          `The message is ${solo} bytes when serialized which is larger than ${this.config.maxRequestSize}, which is the value of the max.request.size configuration.`,
        );
      }
      if (solo > this.config.bufferMemory) {
        throw new RecordTooLargeError(
          `The message is ${solo} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration.`,
        );
      }
    } catch (err) {
      return failRecord(handler, reject, err as Error);
    }
    const reserve = payload + RECORD_OVERHEAD_MAX;
    const meta = this.blocked.length === 0 ? this.cluster.metadata.topic(topic) : undefined;
    if (meta !== undefined && this.acc.tryReserve(reserve)) {
      this.appendNow(this.topicState(topic, meta), record.partition, key, value, headers, timestamp, payload, handler, reject, reserve);
    } else {
      if (!this.cluster.metadata.topic(topic)) this.cluster.addTopics([topic]);
      this.blocked.push({ topic, partition: record.partition, key, value, headers, timestamp, payload, handler, reject, reserve, deadline: Date.now() + this.config.maxBlockMs, left: null });
      if (!this.draining) void this.drainBlocked();
    }
  }

  /** Sends several records; resolves with their metadata in the same order (rejects on the first failure). */
  sendBatch(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  /** Sends everything buffered now, without waiting for linger.ms, and waits until it is acknowledged or failed. */
  async flush(): Promise<void> {
    this.sender.flushing++;
    this.sender.wakeup();
    try {
      await this.pendingDone();
    } finally {
      this.sender.flushing--;
    }
  }

  // ------------------------------------------------------------ transactions

  /** The producer id and epoch in use (-1 before the first InitProducerId, or without idempotence). */
  get producerIdAndEpoch(): { producerId: number; epoch: number } {
    return { producerId: this.txn?.producerId ?? -1, epoch: this.txn?.epoch ?? -1 };
  }

  private transactional(): TransactionManager {
    if (!this.txn?.isTransactional) throw new TypeError('this producer has no transactional.id');
    return this.txn;
  }

  /** Registers the transactional.id with its coordinator (fencing older producers of that id, finishing their open transaction). */
  async initTransactions(): Promise<void> {
    await this.transactional().initTransactions();
    this.sender.wakeup();
  }

  beginTransaction(): void {
    this.transactional().beginTransaction();
  }

  /**
   * Commits consumed offsets (the next offset to read, per partition) with the
   * open transaction: AddOffsetsToTxn, then TxnOffsetCommit to the group's
   * coordinator. `group` is the consumer's groupMetadata() (or a group id).
   */
  async sendOffsetsToTransaction(offsets: readonly TxnOffset[], group: GroupMetadataInput | string): Promise<void> {
    await this.transactional().sendOffsetsToTransaction(offsets, group);
  }

  /** Flushes, then commits the transaction (EndTxn). Throws the transaction's error when a send failed: abort then. */
  async commitTransaction(): Promise<void> {
    const tm = this.transactional();
    await tm.commitTransaction(() => this.flush());
  }

  /** Fails the records not sent yet, waits for those in flight, and aborts the transaction (EndTxn). */
  async abortTransaction(): Promise<void> {
    const tm = this.transactional();
    await tm.abortTransaction((err) => this.sender.failQueued(err), () => this.flush());
    this.sender.wakeup();
  }

  /**
   * Sends what is buffered (up to `timeoutMs`, default forever), then closes
   * every connection. Records still pending after the timeout fail with
   * ClientClosedError. Leaves no socket or timer behind.
   */
  close(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= this.doClose(opts.timeoutMs ?? Infinity);
    return this.closing;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    this.sender.closing = true;
    this.sender.wakeup();
    const pending = this.pendingDone();
    if (timeoutMs === Infinity) await pending;
    else if (timeoutMs > 0) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([pending, new Promise<void>((r) => (t = setTimeout(r, timeoutMs)))]);
      clearTimeout(t);
    }
    const closed = new ClientClosedError('producer');
    this.cancelMemoryWait?.();
    for (let b = this.blocked.shift(); b; b = this.blocked.shift()) {
      failRecord(b.handler, b.reject, closed);
      b.left?.();
    }
    for (const b of [...this.acc.incomplete]) {
      b.fail(closed);
      this.acc.deallocate(b, b.reserved);
    }
    this.sender.stop();
    this.cluster.close();
  }

  // ---------------------------------------------------------------- internals

  /** Settles once every record sent so far is acknowledged or failed (those waiting in the blocked queue first get appended). */
  private async pendingDone(): Promise<void> {
    const last = this.blocked.at(this.blocked.length - 1);
    if (last) {
      const before = last.left;
      await new Promise<void>((resolve) => {
        last.left = () => {
          before?.();
          resolve();
        };
      });
    }
    await Promise.all(this.acc.pendingDone());
  }

  private readonly topics = new Map<string, TopicState>();
  /** The topic of the last append: a run of sends to one topic skips even the map. */
  private lastTopic: TopicState | null = null;

  private topicState(topic: string, meta: TopicMetadata): TopicState {
    const last = this.lastTopic;
    if (last !== null && last.meta === meta) return last;
    let st = this.topics.get(topic);
    if (st === undefined) {
      const queueSize = (p: number) => this.acc.queueSize(topic, p);
      // The sticky partitioner's view of the topic when it switches partition.
      const load = (): PartitionLoad => {
        const t = this.cluster.metadata.topic(topic)!;
        const available: number[] = [];
        for (const p of t.partitions) if (p && p.leader >= 0) available.push(p.partition);
        return { partitionCount: t.partitions.length, available, queueSize };
      };
      st = { name: topic, meta, partitionCount: meta.partitions.length, queues: [], sticky: this.sticky.stateOf(topic), load };
      this.topics.set(topic, st);
    }
    st.meta = meta;
    st.partitionCount = meta.partitions.length;
    this.lastTopic = st;
    return st;
  }

  /** Appends a record whose topic metadata is known and whose memory is reserved. */
  private appendNow(
    st: TopicState,
    explicit: number | undefined,
    key: Buffer | null,
    value: Buffer | null,
    headers: RecordHeader[],
    timestamp: number,
    payload: number,
    handler: Handler,
    reject: Reject | null,
    reserve: number,
  ): void {
    const count = st.partitionCount;
    let partition: number;
    let sticky = false;
    if (explicit !== undefined && explicit !== null) {
      partition = explicit;
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        this.acc.release(reserve);
        failRecord(handler, reject, new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Invalid partition given with record: ${partition} is not in the range [0...${count}).`));
        return;
      }
    } else {
      const chooser = this.partitioner;
      // The built-in partitioners leave unkeyed records to the sticky one: no need to ask them.
      if (chooser === stickyPartitioner || (chooser === defaultPartitioner && key === null)) partition = -1;
      else {
        try {
          partition = chooser({ topic: st.name, key, value, partitionCount: count });
        } catch (err) {
          this.acc.release(reserve);
          failRecord(handler, reject, err as Error);
          return;
        }
      }
      if (partition < 0) {
        partition = this.sticky.partitionIn(st.sticky, count, st.load);
        sticky = true;
      } else if (!Number.isInteger(partition) || partition >= count) {
        this.acc.release(reserve);
        failRecord(handler, reject, new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `the partitioner chose partition ${partition} of ${st.name}, which has ${count}`));
        return;
      }
    }
    const q = st.queues[partition] ?? (st.queues[partition] = this.acc.queue(st.name, partition));
    const batch = this.acc.appendTo(q, key, value, headers, timestamp, payload, handler, reject);
    batch.reserved += reserve;
    if (sticky) this.sticky.onAppendIn(st.sticky, partition, this.acc.appendedBytes, st.load);
    this.sender.wakeup();
  }

  /**
   * Works through sends that wait for metadata or memory, in order: appends
   * synchronously as long as the topic is known and memory is free, and
   * waits (once, for the first record in line) only when one of them is not.
   */
  private async drainBlocked(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let b = this.blocked.peek(); b; b = this.blocked.peek()) {
        try {
          if (!this.cluster.metadata.topic(b.topic)) await this.cluster.waitForTopic(b.topic, Math.max(0, b.deadline - Date.now()));
          if (!this.acc.tryReserve(b.reserve)) await this.reserveWithin(b.reserve, b.deadline);
          if (this.blocked.peek() !== b) continue; // closed meanwhile
          this.blocked.shift();
          const meta = this.cluster.metadata.topic(b.topic);
          if (meta === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${b.topic} not present in metadata.`);
          this.appendNow(this.topicState(b.topic, meta), b.partition, b.key, b.value, b.headers, b.timestamp, b.payload, b.handler, b.reject, b.reserve);
        } catch (err) {
          if (this.blocked.peek() === b) this.blocked.shift();
          failRecord(b.handler, b.reject, err as Error);
        }
        b.left?.();
      }
    } finally {
      this.draining = false;
    }
  }

  /** Waits for `bytes` of buffer.memory (FIFO) until `deadline`. */
  private reserveWithin(bytes: number, deadline: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let got = false;
      const onReserved = () => {
        got = true;
        if (timer) clearTimeout(timer);
        this.cancelMemoryWait = null;
        resolve();
      };
      this.acc.reserve(bytes, onReserved);
      if (!got) {
        this.sender.wakeup(); // memory waiters make every batch ready
        const giveUp = (err: Error) => {
          if (timer) clearTimeout(timer);
          this.cancelMemoryWait = null;
          if (this.acc.cancelReserve(onReserved)) reject(err);
        };
        timer = setTimeout(
          () => giveUp(new TimeoutError(`Failed to allocate memory within the configured max blocking time ${this.config.maxBlockMs} ms.`)),
          Math.max(0, deadline - Date.now()),
        );
        this.cancelMemoryWait = () => giveUp(new ClientClosedError('producer'));
      }
    });
  }
}

function toBuffer(v: HeaderValue): Buffer | null {
  if (v == null) return null;
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function normalizeHeaders(h: HeadersInput | undefined): RecordHeader[] {
  if (!h) return NO_HEADERS;
  const out: RecordHeader[] = [];
  if (Array.isArray(h)) {
    for (const { key, value } of h as readonly { key: string; value: HeaderValue }[]) out.push({ key: String(key), value: toBuffer(value) });
    return out;
  }
  for (const [key, v] of Object.entries(h as { [key: string]: HeaderValue | HeaderValue[] })) {
    if (Array.isArray(v)) for (const x of v) out.push({ key, value: toBuffer(x) });
    else out.push({ key, value: toBuffer(v as HeaderValue) });
  }
  return out;
}
