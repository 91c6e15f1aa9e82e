// One transactional id's state (Kafka's TransactionMetadata) and its state
// machine. Every change is prepared as a transit (the target state and
// fields, with `pendingState` set so that concurrent requests answer
// CONCURRENT_TRANSACTIONS), written to __transaction_state, and only applied
// once written (completeTransitionTo) — the same function loading replays.
//
// States, with the states each may follow (Kafka's TransactionState):
//   Empty              no transaction               ← Empty, CompleteCommit, CompleteAbort
//   Ongoing            partitions being added       ← Ongoing, Empty, CompleteCommit, CompleteAbort
//   PrepareCommit      EndTxn(commit) written; markers being written   ← Ongoing
//   PrepareAbort       EndTxn(abort) or a timeout/fence abort          ← Ongoing, PrepareEpochFence
//   CompleteCommit     every partition has its COMMIT marker           ← PrepareCommit
//   CompleteAbort      every partition has its ABORT marker            ← PrepareAbort
//   Dead               the transactional id expired (tombstone)        ← Empty, CompleteCommit, CompleteAbort
//   PrepareEpochFence  in memory only: a new producer fences an Ongoing one; the abort follows ← Ongoing

export const TXN_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;
export type TxnState = (typeof TXN_STATES)[number];

/** The id each state has in TransactionLogValue.transactionStatus. */
export const TXN_STATE_ID: Record<TxnState, number> = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
};

const VALID_PREVIOUS: Record<TxnState, readonly TxnState[]> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteAbort', 'CompleteCommit'],
  PrepareEpochFence: ['Ongoing'],
};

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32767;

/** An epoch this high cannot be bumped again: the producer gets a new producer id (Kafka's isEpochExhausted). */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= SHORT_MAX - 1;
}

/** A topic partition as a map key. */
export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
export function splitTp(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

/** A prepared change of a transactional id (Kafka's TxnTransitMetadata). */
export interface TxnTransit {
  transactionalId: string;
  producerId: number;
  lastProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  topicPartitions: ReadonlySet<string>;
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
}

export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
}

export class TransactionMetadata {
  producerId: number;
  lastProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  topicPartitions: Set<string>;
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
  /** The state being written to the log, if any. */
  pendingState: TxnState | null = null;
  /** A fencing epoch bump whose write failed: the next fence reuses the epoch (never returned to a client). */
  hasFailedEpochFence = false;

  constructor(
    readonly transactionalId: string,
    init: Omit<TxnTransit, 'transactionalId' | 'topicPartitions'> & { topicPartitions?: Iterable<string> },
  ) {
    this.producerId = init.producerId;
    this.lastProducerId = init.lastProducerId;
    this.producerEpoch = init.producerEpoch;
    this.lastProducerEpoch = init.lastProducerEpoch;
    this.txnTimeoutMs = init.txnTimeoutMs;
    this.state = init.state;
    this.topicPartitions = new Set(init.topicPartitions ?? []);
    this.txnStartTimestamp = init.txnStartTimestamp;
    this.txnLastUpdateTimestamp = init.txnLastUpdateTimestamp;
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== null;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  /** The current state as a transit (for writing the same record again, or loading). */
  snapshot(): TxnTransit {
    return {
      transactionalId: this.transactionalId,
      producerId: this.producerId,
      lastProducerId: this.lastProducerId,
      producerEpoch: this.producerEpoch,
      lastProducerEpoch: this.lastProducerEpoch,
      txnTimeoutMs: this.txnTimeoutMs,
      state: this.state,
      topicPartitions: new Set(this.topicPartitions),
      txnStartTimestamp: this.txnStartTimestamp,
      txnLastUpdateTimestamp: this.txnLastUpdateTimestamp,
    };
  }

  private prepareTransitionTo(t: Omit<TxnTransit, 'transactionalId' | 'lastProducerId'> & { lastProducerId?: number }): TxnTransit {
    if (this.pendingState !== null) {
      throw new InvalidTransitionError(`Preparing transaction state transition to ${t.state} while it already a pending state ${this.pendingState}`);
    }
    if (t.producerId < 0) throw new InvalidTransitionError(`Illegal new producer id ${t.producerId}`);
    if (t.state !== 'Dead' && t.producerEpoch < 0) throw new InvalidTransitionError(`Illegal new producer epoch ${t.producerEpoch}`);
    if (!VALID_PREVIOUS[t.state].includes(this.state)) {
      throw new InvalidTransitionError(
        `Preparing transaction state transition to ${t.state} failed since the target state ${t.state} is not a valid previous state of the current state ${this.state}`,
      );
    }
    this.pendingState = t.state;
    return { transactionalId: this.transactionalId, lastProducerId: t.lastProducerId ?? this.producerId, ...t };
  }

  /** InitProducerId: the next epoch (or, for a retry, the same one), no partitions (Kafka's prepareIncrementProducerEpoch). */
  prepareIncrementProducerEpoch(newTxnTimeoutMs: number, expectedProducerEpoch: number | null, now: number): TxnTransit | { error: 'PRODUCER_FENCED' } {
    if (this.isProducerEpochExhausted) throw new InvalidTransitionError(`Cannot allocate any more producer epochs for producerId ${this.producerId}`);
    const bumped = this.producerEpoch + 1;
    let next: number;
    let last: number;
    if (expectedProducerEpoch === null) {
      [next, last] = [bumped, NO_PRODUCER_EPOCH];
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedProducerEpoch === this.producerEpoch) {
      [next, last] = [bumped, this.producerEpoch];
    } else if (expectedProducerEpoch === this.lastProducerEpoch) {
      // A retry of a bump whose answer the producer did not get.
      [next, last] = [this.producerEpoch, this.lastProducerEpoch];
    } else {
      return { error: 'PRODUCER_FENCED' };
    }
    return this.prepareTransitionTo({
      state: 'Empty',
      producerId: this.producerId,
      producerEpoch: next,
      lastProducerEpoch: last,
      txnTimeoutMs: newTxnTimeoutMs,
      topicPartitions: new Set(),
      txnStartTimestamp: -1,
      txnLastUpdateTimestamp: now,
    });
  }

  /** InitProducerId when the epoch is exhausted: a new producer id at epoch 0. */
  prepareProducerIdRotation(newProducerId: number, newTxnTimeoutMs: number, now: number, recordLastEpoch: boolean): TxnTransit {
    return this.prepareTransitionTo({
      state: 'Empty',
      producerId: newProducerId,
      lastProducerId: this.producerId,
      producerEpoch: 0,
      lastProducerEpoch: recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH,
      txnTimeoutMs: newTxnTimeoutMs,
      topicPartitions: new Set(),
      txnStartTimestamp: -1,
      txnLastUpdateTimestamp: now,
    });
  }

  /** Fences the producer of an Ongoing transaction (a new InitProducerId, or a timeout): bumped epoch, abort to follow. */
  prepareFenceProducerEpoch(): TxnTransit {
    if (this.producerEpoch >= SHORT_MAX) throw new InvalidTransitionError(`Cannot fence producer with epoch equal to Short.MaxValue since this would overflow`);
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepareTransitionTo({
      state: 'PrepareEpochFence',
      producerId: this.producerId,
      producerEpoch: bumped,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      txnTimeoutMs: this.txnTimeoutMs,
      topicPartitions: new Set(this.topicPartitions),
      txnStartTimestamp: this.txnStartTimestamp,
      txnLastUpdateTimestamp: this.txnLastUpdateTimestamp,
    });
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn: Ongoing with these partitions added (the start time set when a transaction begins). */
  prepareAddPartitions(added: Iterable<string>, now: number): TxnTransit {
    const start = this.state === 'Empty' || this.state === 'CompleteAbort' || this.state === 'CompleteCommit' ? now : this.txnStartTimestamp;
    return this.prepareTransitionTo({
      state: 'Ongoing',
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      lastProducerEpoch: this.lastProducerEpoch,
      txnTimeoutMs: this.txnTimeoutMs,
      topicPartitions: new Set([...this.topicPartitions, ...added]),
      txnStartTimestamp: start,
      txnLastUpdateTimestamp: now,
    });
  }

  prepareAbortOrCommit(state: 'PrepareCommit' | 'PrepareAbort', now: number): TxnTransit {
    return this.prepareTransitionTo({
      state,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      lastProducerEpoch: this.lastProducerEpoch,
      txnTimeoutMs: this.txnTimeoutMs,
      topicPartitions: new Set(this.topicPartitions),
      txnStartTimestamp: this.txnStartTimestamp,
      txnLastUpdateTimestamp: now,
    });
  }

  /** Every marker is written: CompleteCommit / CompleteAbort, no partitions. */
  prepareComplete(now: number): TxnTransit {
    const state = this.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort';
    this.hasFailedEpochFence = false;
    return this.prepareTransitionTo({
      state,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      lastProducerEpoch: this.lastProducerEpoch,
      txnTimeoutMs: this.txnTimeoutMs,
      topicPartitions: new Set(),
      txnStartTimestamp: this.txnStartTimestamp,
      txnLastUpdateTimestamp: now,
    });
  }

  /** The transactional id expired: Dead (written as a tombstone). */
  prepareDead(): TxnTransit {
    return this.prepareTransitionTo({
      state: 'Dead',
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      lastProducerEpoch: this.lastProducerEpoch,
      txnTimeoutMs: this.txnTimeoutMs,
      topicPartitions: new Set(),
      txnStartTimestamp: this.txnStartTimestamp,
      txnLastUpdateTimestamp: this.txnLastUpdateTimestamp,
    });
  }

  /** Applies a transit once it is written (or, for PrepareEpochFence, at once: it is never written). */
  completeTransitionTo(t: TxnTransit): void {
    this.pendingState = null;
    this.producerId = t.producerId;
    this.lastProducerId = t.lastProducerId;
    this.producerEpoch = t.producerEpoch;
    this.lastProducerEpoch = t.lastProducerEpoch;
    this.txnTimeoutMs = t.txnTimeoutMs;
    this.state = t.state;
    this.topicPartitions = new Set(t.topicPartitions);
    this.txnStartTimestamp = t.txnStartTimestamp;
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
  }

  /** Partitions grouped by topic (sorted), as records and admin answers list them. */
  partitionsByTopic(): { topic: string; partitions: number[] }[] {
    return groupPartitions(this.topicPartitions);
  }
}

export function groupPartitions(keys: Iterable<string>): { topic: string; partitions: number[] }[] {
  const m = new Map<string, number[]>();
  for (const k of keys) {
    const { topic, partition } = splitTp(k);
    let l = m.get(topic);
    if (!l) m.set(topic, (l = []));
    l.push(partition);
  }
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}
