// __consumer_offsets on this broker: the CoordinatorLog the group
// coordinator writes to and loads from, over the replica manager. Creates
// the topic on first use (offsets.topic.num.partitions partitions,
// offsets.topic.replication.factor replicas, compacted, segment.bytes from
// offsets.topic.segment.bytes, compression.type=producer so the batches keep
// the codec offsets.topic.compression.codec gave them), appends the
// coordinator's batches through ReplicaManager.appendInternal (no client
// checks, acknowledged once written), and reads a partition back from its
// log start for loading.

import { ErrorCode } from '../../protocol/errors.js';
import { replayLog } from '../log-replay.js';
import { createInternalTopic } from '../internal-topic.js';
import type { CompressionType } from '../../protocol/records/batch-header.js';
import { Logger } from '../../logger.js';
import type { MetadataStore } from '../../cluster/metadata-store.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ReplicaManager } from '../replica-manager.js';
import type { TopicManager } from '../topic-manager.js';
import type { AppendOutcome, CoordinatorLog, LoadedBatch } from './group-metadata-manager.js';
import { buildRecordBatch, OFFSETS_TOPIC, recordsSize, type CoordinatorRecord } from './records.js';

const log = new Logger('GroupMetadataManager');

export class OffsetsTopic implements CoordinatorLog {
  /** Per partition: settles once the previous append has reached the log, so batches land in call order. */
  private readonly tails = new Map<number, Promise<void>>();
  private creating: Promise<number> | null = null;

  constructor(
    private readonly nodeId: number,
    private readonly metadata: MetadataStore,
    private readonly replicas: ReplicaManager,
    private readonly topics: () => TopicManager,
    private readonly config: () => BrokerConfig,
  ) {}

  partitionCount(): number | null {
    return this.metadata.topic(OFFSETS_TOPIC)?.partitions.length ?? null;
  }

  isLeader(partition: number): boolean {
    const p = this.metadata.topic(OFFSETS_TOPIC)?.partitions[partition];
    return p !== undefined && p.leader === this.nodeId && this.replicas.getPartition(OFFSETS_TOPIC, partition) !== undefined;
  }

  /** The coordinator's broker for a group's partition, or -1. */
  leaderOf(partition: number): number {
    return this.metadata.topic(OFFSETS_TOPIC)?.partitions[partition]?.leader ?? -1;
  }

  /**
   * Creates __consumer_offsets when it does not exist (once, however many
   * callers ask at the same time). Resolves with an error code: 0, or
   * COORDINATOR_NOT_AVAILABLE when it cannot be created (for example
   * offsets.topic.replication.factor above the number of brokers), as Kafka.
   */
  ensureTopic(): Promise<number> {
    if (this.metadata.topic(OFFSETS_TOPIC)) return Promise.resolve(ErrorCode.NONE);
    this.creating ??= (async () => {
      const cfg = this.config();
      try {
        return await createInternalTopic(
          this.metadata,
          this.topics,
          {
            name: OFFSETS_TOPIC,
            numPartitions: cfg.offsetsTopicNumPartitions,
            replicationFactor: cfg.offsetsTopicReplicationFactor,
            configs: {
              'cleanup.policy': 'compact',
              'segment.bytes': String(cfg.offsetsTopicSegmentBytes),
              'compression.type': 'producer',
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

  append(
    partition: number,
    records: readonly CoordinatorRecord[],
    timestamp: number,
    txn?: { producerId: number; producerEpoch: number },
  ): Promise<AppendOutcome> {
    const prev = this.tails.get(partition) ?? Promise.resolve();
    let reached!: () => void;
    const gate = new Promise<void>((r) => (reached = r));
    this.tails.set(partition, gate);
    void gate.then(() => {
      if (this.tails.get(partition) === gate) this.tails.delete(partition);
    });
    return prev.then(async () => {
      try {
        const part = this.replicas.getPartition(OFFSETS_TOPIC, partition);
        if (!part) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1 };
        // As Kafka: a coordinator write larger than the topic's max.message.bytes fails (MESSAGE_TOO_LARGE).
        const limit = part.config.maxMessageBytes;
        if (recordsSize(records) > limit * 4) return { errorCode: ErrorCode.MESSAGE_TOO_LARGE, baseOffset: -1 };
        const codec = Number(this.config().get('offsets.topic.compression.codec') ?? 0) as CompressionType;
        const batch = await buildRecordBatch(records, timestamp, codec, txn);
        if (batch.length > limit) return { errorCode: ErrorCode.MESSAGE_TOO_LARGE, baseOffset: -1 };
        const pending = this.replicas.appendInternal(OFFSETS_TOPIC, partition, batch);
        reached();
        const r = await pending;
        return { errorCode: r.errorCode, baseOffset: r.baseOffset };
      } finally {
        reached();
      }
    });
  }

  async *read(partition: number): AsyncIterable<LoadedBatch> {
    const part = this.replicas.getPartition(OFFSETS_TOPIC, partition);
    if (!part) return;
    const bufferSize = Number(this.config().get('offsets.load.buffer.size') ?? 5 * 1024 * 1024);
    for await (const b of replayLog(part.log, bufferSize)) {
      yield {
        baseOffset: b.baseOffset,
        producerId: b.producerId,
        isTransactional: b.isTransactional,
        isControl: b.isControl,
        records: b.records.map((rec) => ({ key: rec.key, value: rec.value })),
      };
    }
  }
}
