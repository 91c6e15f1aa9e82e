// Kafka's RecordAccumulator: a queue of batches per partition, batches
// filled up to batch.size by a running wire size, buffer.memory accounted in
// the same bytes (a send waits while the buffer is full, FIFO), and the
// "drain" that takes at most one batch per partition for a broker's next
// Produce request up to max.request.size. Several batches of a partition may
// be in flight (the Sender's limit: up to 5 with idempotence, sequence numbers
// keeping their order across retries; max.in.flight.requests.per.connection
// without, where only a limit of 1 keeps order across retries, as in Kafka).

import { RingQueue } from './ring-queue.js';
import { BatchBufferPool, ProducerBatch, initialBatchCapacity, type Handler, type Reject } from './producer-batch.js';
import type { RecordHeader } from '../protocol/records/records.js';

export class PartitionQueue {
  readonly batches = new RingQueue<ProducerBatch>(4);
  /** Batches of this partition in flight (see the Sender's per-partition limit). */
  inFlight = 0;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

export class RecordAccumulator {
  private readonly queues = new Map<string, Map<number, PartitionQueue>>();
  /** Every queue, for the sender's scans. */
  readonly all: PartitionQueue[] = [];
  /** Batches not yet completed (queued or in flight). */
  readonly incomplete = new Set<ProducerBatch>();
  private used = 0;
  private readonly memoryWaiters = new RingQueue<{ bytes: number; resolve: () => void }>();

  /** Batch buffers of the first size a batch gets (batch.size up to 64 KiB), reused up to a quarter of buffer.memory. */
  private readonly buffers: BatchBufferPool;

  constructor(
    readonly batchSize: number,
    readonly bufferMemory: number,
  ) {
    const size = initialBatchCapacity(batchSize);
    this.buffers = new BatchBufferPool(size, Math.max(1, Math.floor(bufferMemory / 4 / Math.max(size, 1))));
  }

  queue(topic: string, partition: number): PartitionQueue {
    let byPartition = this.queues.get(topic);
    if (!byPartition) {
      byPartition = new Map();
      this.queues.set(topic, byPartition);
    }
    let q = byPartition.get(partition);
    if (!q) {
      q = new PartitionQueue(topic, partition);
      byPartition.set(partition, q);
      this.all.push(q);
    }
    return q;
  }

  /** Batches queued (not in flight) for a partition: the adaptive partitioner's load signal. */
  queueSize(topic: string, partition: number): number {
    return this.queues.get(topic)?.get(partition)?.batches.length ?? 0;
  }

  // ---------------------------------------------------------------- memory

  get usedBytes(): number {
    return this.used;
  }

  get hasMemoryWaiters(): boolean {
    return this.memoryWaiters.length > 0;
  }

  /** Reserves bytes when free and nobody waits before us; false otherwise. */
  tryReserve(bytes: number): boolean {
    if (this.memoryWaiters.length > 0 || this.used + bytes > this.bufferMemory) return false;
    this.used += bytes;
    return true;
  }

  /** Calls `onReserved` (FIFO among waiters) once `bytes` are reserved: at once when free. */
  reserve(bytes: number, onReserved: () => void): void {
    if (this.tryReserve(bytes)) onReserved();
    else this.memoryWaiters.push({ bytes, resolve: onReserved });
  }

  /** Drops a waiter that gave up (max.block.ms); returns false when it already got its bytes. */
  cancelReserve(resolve: () => void): boolean {
    const n = this.memoryWaiters.length;
    let found = false;
    for (let i = 0; i < n; i++) {
      const w = this.memoryWaiters.shift()!;
      if (w.resolve === resolve) found = true;
      else this.memoryWaiters.push(w);
    }
    if (found) this.wakeMemoryWaiters();
    return found;
  }

  release(bytes: number): void {
    this.used -= bytes;
    if (this.used < 0) this.used = 0;
    this.wakeMemoryWaiters();
  }

  private wakeMemoryWaiters(): void {
    for (let w = this.memoryWaiters.peek(); w && this.used + w.bytes <= this.bufferMemory; w = this.memoryWaiters.peek()) {
      this.memoryWaiters.shift();
      this.used += w.bytes;
      w.resolve();
    }
  }

  // ---------------------------------------------------------------- batches

  /** Bytes the last append added to its batch. */
  appendedBytes = 0;

  /**
   * Appends a record to the partition's last open batch, or a new one, and
   * returns that batch (appendedBytes tells what it added). Memory must
   * already be reserved. `now` is the time a new batch is created at (read
   * from the clock when absent, and only when a batch is created).
   */
  append(topic: string, partition: number, key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[], timestamp: number, payload: number, handler: Handler, reject: Reject | null, now?: number): ProducerBatch {
    return this.appendTo(this.queue(topic, partition), key, value, headers, timestamp, payload, handler, reject, now);
  }

  /** append() to a queue the caller already holds (the producer keeps them per topic). */
  appendTo(q: PartitionQueue, key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[], timestamp: number, payload: number, handler: Handler, reject: Reject | null, now?: number): ProducerBatch {
    const last = q.batches.at(q.batches.length - 1);
    if (last !== undefined && !last.closed) {
      const bytes = last.tryAppend(key, value, headers, timestamp, payload, handler, reject, this.batchSize);
      if (bytes >= 0) {
        this.appendedBytes = bytes;
        return last;
      }
      last.closed = true;
    }
    const batch = new ProducerBatch(q.topic, q.partition, now ?? Date.now(), this.buffers);
    this.appendedBytes = batch.tryAppend(key, value, headers, timestamp, payload, handler, reject, this.batchSize);
    q.batches.push(batch);
    this.incomplete.add(batch);
    return batch;
  }

  /** Marks a batch done and returns its memory. */
  deallocate(batch: ProducerBatch, reservedBytes: number): void {
    this.incomplete.delete(batch);
    this.release(reservedBytes);
  }

  /** Puts a batch back at the front of its partition's queue for a retry. */
  reenqueue(batch: ProducerBatch): void {
    const q = this.queue(batch.topic, batch.partition).batches;
    // Idempotence: retried batches go back in sequence order, ahead of the ones never sent.
    const before: ProducerBatch[] = [];
    if (batch.baseSequence >= 0) {
      for (let h = q.peek(); h && h.baseSequence >= 0 && h.producerEpoch === batch.producerEpoch && h.baseSequence < batch.baseSequence; h = q.peek()) before.push(q.shift()!);
    }
    q.unshift(batch);
    for (let i = before.length - 1; i >= 0; i--) q.unshift(before[i]!);
  }

  /** Every queued (not in-flight) batch. */
  *queued(): Iterable<ProducerBatch> {
    for (const q of this.all) for (const b of q.batches) yield b;
  }

  /** Snapshot of every batch not yet done: what flush() waits for. */
  pendingDone(): Promise<void>[] {
    return [...this.incomplete].map((b) => b.done);
  }

  get isEmpty(): boolean {
    return this.incomplete.size === 0;
  }
}
