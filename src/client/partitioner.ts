// Where a record goes. Keyed records: murmur2 of the key, positive modulo the
// partition count, exactly as Kafka's Java client (so keyed data lands in the
// same partitions whichever client wrote it). Records without a key: the
// uniform sticky partitioner of KIP-480 as refined by KIP-794 — stay on one
// partition until batch.size bytes have gone to it, then switch; the next
// partition is drawn at random among partitions that have a leader, weighted
// towards partitions with shorter queues (adaptive partitioning), so that a
// slow broker gets less new data.

import { partitionForKey } from '../protocol/records/murmur2.js';

export interface PartitionerArgs {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  partitionCount: number;
}

/**
 * A custom partitioner: returns the partition for a record, or -1 to let the
 * built-in sticky partitioner choose (as Kafka's Partitioner may since KIP-794).
 */
export type Partitioner = (args: PartitionerArgs) => number;

/** Kafka's default placement for keyed records; -1 for unkeyed ones (sticky choice follows). */
export const defaultPartitioner: Partitioner = ({ key, partitionCount }) =>
  key == null ? -1 : partitionForKey(key, partitionCount);

/** Partitioner that ignores keys (partitioner.ignore.keys=true). */
export const stickyPartitioner: Partitioner = () => -1;

/** Java's old RoundRobinPartitioner, for those who ask for it. */
export function roundRobinPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return ({ topic, partitionCount }) => {
    const n = counters.get(topic) ?? 0;
    counters.set(topic, n + 1);
    return n % partitionCount;
  };
}

/** One topic's sticky choice; the producer holds it with the topic's other per-record state. */
export interface StickyState {
  /** -1 until the first record chooses. */
  partition: number;
  bytes: number;
}

/** What the sticky partitioner needs to know about the topic right now. */
export interface PartitionLoad {
  partitionCount: number;
  /** Partitions with a known leader (all when undefined). */
  available?: readonly number[];
  /** Queued batches per partition, for adaptive weighting (uniform when undefined). */
  queueSize?: (partition: number) => number;
}

/** KIP-794's BuiltInPartitioner: one sticky partition per topic, switched after batch.size bytes. */
export class StickyPartitioner {
  private readonly state = new Map<string, StickyState>();

  constructor(
    private readonly batchSize: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The sticky state of `topic`, made on first use. */
  stateOf(topic: string): StickyState {
    let st = this.state.get(topic);
    if (!st) {
      st = { partition: -1, bytes: 0 };
      this.state.set(topic, st);
    }
    return st;
  }

  /** The partition for the next unkeyed record of `topic`. */
  partition(topic: string, partitionCount: number, load: () => PartitionLoad): number {
    return this.partitionIn(this.stateOf(topic), partitionCount, load);
  }

  /** partition() on a topic's state the caller holds. */
  partitionIn(st: StickyState, partitionCount: number, load: () => PartitionLoad): number {
    if (st.partition < 0 || st.partition >= partitionCount) {
      st.partition = this.next(load(), -1);
      st.bytes = 0;
    }
    return st.partition;
  }

  /** Records that `bytes` went to `partition`; switches when the sticky partition has had a batch's worth. */
  onAppend(topic: string, partition: number, bytes: number, load: () => PartitionLoad): void {
    const st = this.state.get(topic);
    if (st) this.onAppendIn(st, partition, bytes, load);
  }

  /** onAppend() on a topic's state the caller holds. */
  onAppendIn(st: StickyState, partition: number, bytes: number, load: () => PartitionLoad): void {
    if (st.partition !== partition) return;
    st.bytes += bytes;
    if (st.bytes >= this.batchSize) {
      st.partition = this.next(load(), st.partition);
      st.bytes = 0;
    }
  }

  private next(load: PartitionLoad, previous: number): number {
    const candidates = load.available && load.available.length > 0 ? load.available : range(load.partitionCount);
    if (candidates.length === 1) return candidates[0]!;
    if (!load.queueSize) {
      // Uniform, avoiding the previous partition when there is a choice (Kafka does the same).
      let p = candidates[Math.floor(this.random() * candidates.length)]!;
      if (p === previous) p = candidates[(candidates.indexOf(p) + 1) % candidates.length]!;
      return p;
    }
    // Adaptive: weight = (longest queue + 1) - own queue, as Kafka's cumulative frequency table.
    const sizes = candidates.map((p) => load.queueSize!(p));
    const max = Math.max(...sizes);
    let total = 0;
    const cumulative = sizes.map((s) => (total += max + 1 - s));
    const r = this.random() * total;
    let i = 0;
    while (i < cumulative.length - 1 && r >= cumulative[i]!) i++;
    return candidates[i]!;
  }
}

function range(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
