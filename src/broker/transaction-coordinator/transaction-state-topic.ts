// __transaction_state on this broker: the log the transaction coordinator
// writes to and loads from, over the replica manager. Created on first use
// (transaction.state.log.num.partitions partitions,
// transaction.state.log.replication.factor replicas, compacted, segment.bytes
// from transaction.state.log.segment.bytes, uncompressed as Kafka's), appended
// to through ReplicaManager.appendInternal (acknowledged once written), read
// back from the log start for loading. Also the marker writer: transaction
// markers appended to the partitions of a transaction.

import { ErrorCode } from '../../protocol/errors.js';
import { buildBatch } from '../../protocol/records/batch.js';
import { buildEndTxnMarker } from '../../protocol/records/control.js';
import { Logger } from '../../logger.js';
import type { MetadataStore } from '../../cluster/metadata-store.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ReplicaManager } from '../replica-manager.js';
import type { TopicManager } from '../topic-manager.js';
import { TRANSACTION_STATE_TOPIC } from './records.js';
import { replayLog } from '../log-replay.js';
import { createInternalTopic } from '../internal-topic.js';

const log = new Logger('TransactionStateManager');

/** __transaction_state as the coordinator uses it (the broker's replica manager, or a test double). */
export interface TxnStateLog {
  /** The topic's partition count, null while it does not exist. */
  partitionCount(): number | null;
  isLeader(partition: number): boolean;
  /** The partition's leader epoch: the coordinator epoch stamped on markers. */
  coordinatorEpoch(partition: number): number;
  /** Appends one record; resolves with the error code once written. */
  append(partition: number, key: Buffer, value: Buffer | null, timestamp: number): Promise<number>;
  /** Every record of the partition from its log start. */
  read(partition: number): AsyncIterable<{ key: Buffer | null; value: Buffer | null }>;
}

/** Writes transaction markers (control batches) to partitions of a transaction. */
export interface MarkerWriter {
  /** Resolves with the error code of the append (0 when written). */
  writeMarker(topic: string, partition: number, marker: { producerId: number; producerEpoch: number; coordinatorEpoch: number; commit: boolean }): Promise<number>;
}

export class TransactionStateTopic implements TxnStateLog, MarkerWriter {
  private creating: Promise<number> | null = null;
  /** Per partition: the previous append, so records land in call order. */
  private readonly tails = new Map<number, Promise<unknown>>();

  constructor(
    private readonly nodeId: number,
    private readonly metadata: MetadataStore,
    private readonly replicas: ReplicaManager,
    private readonly topics: () => TopicManager,
    private readonly config: () => BrokerConfig,
    /** Told when a marker reaches a __consumer_offsets partition (transactional offsets become visible or are dropped). */
    private readonly onOffsetsMarker: (partition: number, producerId: number, commit: boolean) => void,
  ) {}

  partitionCount(): number | null {
    return this.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions.length ?? null;
  }

  isLeader(partition: number): boolean {
    const p = this.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions[partition];
    return p !== undefined && p.leader === this.nodeId && this.replicas.getPartition(TRANSACTION_STATE_TOPIC, partition) !== undefined;
  }

  leaderOf(partition: number): number {
    return this.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions[partition]?.leader ?? -1;
  }

  coordinatorEpoch(partition: number): number {
    return Math.max(0, this.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions[partition]?.leaderEpoch ?? 0);
  }

  /** Creates __transaction_state when it does not exist; resolves with 0 or COORDINATOR_NOT_AVAILABLE. */
  ensureTopic(): Promise<number> {
    if (this.metadata.topic(TRANSACTION_STATE_TOPIC)) return Promise.resolve(ErrorCode.NONE);
    this.creating ??= (async () => {
      const cfg = this.config();
      try {
        return await createInternalTopic(
          this.metadata,
          this.topics,
          {
            name: TRANSACTION_STATE_TOPIC,
            numPartitions: cfg.transactionStateLogNumPartitions,
            replicationFactor: cfg.transactionStateLogReplicationFactor,
            configs: {
              'cleanup.policy': 'compact',
              'segment.bytes': String(cfg.transactionStateLogSegmentBytes),
              'compression.type': 'uncompressed',
              'min.insync.replicas': String(cfg.transactionStateLogMinIsr),
              'unclean.leader.election.enable': 'false',
            },
          },
          log,
        );
      } finally {
        this.creating = null;
      }
    })();
    return this.creating;
  }

  append(partition: number, key: Buffer, value: Buffer | null, timestamp: number): Promise<number> {
    const prev = this.tails.get(partition) ?? Promise.resolve();
    const p = prev.then(async () => {
      const part = this.replicas.getPartition(TRANSACTION_STATE_TOPIC, partition);
      if (!part) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const batch = await buildBatch([{ key, value, timestamp }], { baseTimestamp: timestamp });
      if (batch.length > part.config.maxMessageBytes) return ErrorCode.MESSAGE_TOO_LARGE;
      const r = await this.replicas.appendInternal(TRANSACTION_STATE_TOPIC, partition, batch);
      return r.errorCode;
    });
    const tail = p.catch(() => {});
    this.tails.set(partition, tail);
    void tail.then(() => {
      if (this.tails.get(partition) === tail) this.tails.delete(partition);
    });
    return p.catch((err: Error) => {
      log.error(`Append to ${TRANSACTION_STATE_TOPIC}-${partition} failed: ${err?.message ?? err}`);
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    });
  }

  async *read(partition: number): AsyncIterable<{ key: Buffer | null; value: Buffer | null }> {
    const part = this.replicas.getPartition(TRANSACTION_STATE_TOPIC, partition);
    if (!part) return;
    for await (const b of replayLog(part.log, this.config().transactionStateLogLoadBufferSize)) {
      if (b.isControl) continue;
      for (const rec of b.records) yield { key: rec.key ? Buffer.from(rec.key) : null, value: rec.value ? Buffer.from(rec.value) : null };
    }
  }

  async writeMarker(
    topic: string,
    partition: number,
    m: { producerId: number; producerEpoch: number; coordinatorEpoch: number; commit: boolean },
  ): Promise<number> {
    const part = this.replicas.getPartition(topic, partition);
    if (!part) {
      // Not hosted here: a deleted topic (nothing to mark), or another broker's partition (not supported yet).
      const t = this.metadata.topic(topic);
      return t && t.partitions.some((p) => p.partition === partition) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    }
    const batch = buildEndTxnMarker({ ...m, timestamp: Date.now() });
    const r = await this.replicas.appendInternal(topic, partition, batch);
    if (r.errorCode === ErrorCode.NONE && topic === '__consumer_offsets') this.onOffsetsMarker(partition, m.producerId, m.commit);
    return r.errorCode;
  }
}
