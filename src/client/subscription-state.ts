// What a consumer knows about each partition it is assigned: the position
// (next offset poll() returns), whether it is paused, whether its position
// must be reset (auto.offset.reset, seekToBeginning/End) and the records
// fetched but not yet returned. Each partition holds at most two fetched
// responses (the one poll() is handing out and one fetched ahead from where
// it ends), so memory stays bounded however slowly the application polls.
// `epoch` changes on every seek: a fetch answer computed for an older
// position is dropped. A partition a consumer with a group.id starts to read
// first waits for the group's committed offset (awaitingCommitted); only
// when there is none does auto.offset.reset apply.

import type { CompletedFetch } from './completed-fetch.js';
import type { OffsetReset } from './config.js';
import { tpKey, TopicPartition } from './leader-requests.js';

export type ResetStrategy = 'earliest' | 'latest';

export class PartitionState {
  position: number | null = null;
  paused = false;
  reset: ResetStrategy | null = null;
  /** The group's committed offset is being looked up; it becomes the position (else the reset strategy applies). */
  awaitingCommitted = false;
  fetched: CompletedFetch | null = null;
  /** The next response, fetched from `fetched.nextOffset` while poll() hands out `fetched`. */
  prefetched: CompletedFetch | null = null;
  epoch = 0;
  /** A fetch including this partition is in flight. */
  fetching = false;
  /** Date.now() before which the partition is not fetched (after an error). */
  retryAt = 0;
  highWatermark = -1;
  logStartOffset = -1;
  lastStableOffset = -1;
  /** An error poll() must raise (offset out of range with auto.offset.reset=none, authorization...). */
  error: Error | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  seek(offset: number): void {
    this.position = offset;
    this.reset = null;
    this.awaitingCommitted = false;
    this.fetched = null;
    this.prefetched = null;
    this.error = null;
    this.epoch++;
  }

  requestReset(strategy: ResetStrategy): void {
    this.reset = strategy;
    this.awaitingCommitted = false;
    this.position = null;
    this.fetched = null;
    this.prefetched = null;
    this.epoch++;
  }

  /** Ready for a fetch right now, its buffer aside. */
  canFetch(now: number): boolean {
    return !this.paused && !this.fetching && this.position !== null && this.reset === null && this.error === null && this.retryAt <= now;
  }

  /** Room for another response: none buffered, or one being handed out and none fetched ahead. */
  get hasBufferRoom(): boolean {
    return this.prefetched === null;
  }

  /** Ready for a fetch right now. */
  isFetchable(now: number): boolean {
    return this.canFetch(now) && this.hasBufferRoom;
  }

  /** Where the next fetch starts: after the buffered records, else the position. */
  get fetchOffset(): number {
    return this.fetched !== null ? this.fetched.nextOffset : this.position!;
  }

  /** Takes in a fetched response: handed out next, or after the one being handed out. */
  buffer(f: CompletedFetch): void {
    if (this.fetched === null) this.fetched = f;
    else this.prefetched = f;
  }

  /** The buffered response is handed out: the position moves past it, the one fetched ahead follows. */
  advance(): void {
    this.position = this.fetched!.nextOffset;
    this.fetched = this.prefetched;
    this.prefetched = null;
  }

  /** A buffered record cannot be decoded: poll() raises `err`, and the partition is fetched again from its position after that. */
  failBuffered(err: Error): void {
    this.fetched = null;
    this.prefetched = null;
    this.error = err;
  }
}

export class SubscriptionState {
  private readonly parts = new Map<string, PartitionState>();

  constructor(private readonly defaultReset: OffsetReset) {}

  get partitions(): IterableIterator<PartitionState> {
    return this.parts.values();
  }

  get size(): number {
    return this.parts.size;
  }

  get(topic: string, partition: number): PartitionState | undefined {
    return this.parts.get(tpKey(topic, partition));
  }

  require(tp: TopicPartition): PartitionState {
    const p = this.get(tp.topic, tp.partition);
    if (!p) throw new Error(`no current assignment for partition ${tp.topic}-${tp.partition}`);
    return p;
  }

  /**
   * Replaces the assignment; partitions kept keep their state. New ones start
   * from the group's committed offset when `fromCommitted`, else from the
   * reset strategy.
   */
  assign(tps: readonly TopicPartition[], fromCommitted = false): void {
    const keep = new Set(tps.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const k of [...this.parts.keys()]) if (!keep.has(k)) this.parts.delete(k);
    for (const tp of tps) {
      const k = tpKey(tp.topic, tp.partition);
      if (!this.parts.has(k)) {
        const st = new PartitionState(tp.topic, tp.partition);
        if (fromCommitted) st.awaitingCommitted = true;
        else if (this.defaultReset !== 'none') st.reset = this.defaultReset;
        this.parts.set(k, st);
      }
    }
  }

  assignment(): TopicPartition[] {
    return [...this.parts.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  /** Partitions with neither a position nor a reset to run: auto.offset.reset=none without a committed offset. */
  missingPosition(): PartitionState[] {
    return [...this.parts.values()].filter((p) => p.position === null && p.reset === null && !p.awaitingCommitted);
  }

  get defaultResetStrategy(): OffsetReset {
    return this.defaultReset;
  }
}
