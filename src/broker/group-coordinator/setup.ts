// Wires the group coordinator into a broker: its configuration from the
// broker's (group.* and offsets.* keys, read afresh on each use so dynamic
// changes apply), wall-clock time with one shared timer, and
// __consumer_offsets through the replica manager.

import type { MetadataStore } from '../../cluster/metadata-store.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ReplicaManager } from '../replica-manager.js';
import type { TopicManager } from '../topic-manager.js';
import { DEFAULT_MAX_MEMBER_METADATA_BYTES, GroupCoordinator, type GroupCoordinatorConfig } from './coordinator.js';
import { OffsetsTopic } from './offsets-topic.js';
import { SystemTime } from './time.js';

export function groupCoordinatorConfig(c: BrokerConfig): GroupCoordinatorConfig {
  return {
    groupMinSessionTimeoutMs: c.groupMinSessionTimeoutMs,
    groupMaxSessionTimeoutMs: c.groupMaxSessionTimeoutMs,
    groupMaxSize: c.groupMaxSize,
    groupInitialRebalanceDelayMs: c.groupInitialRebalanceDelayMs,
    maxMemberMetadataBytes: DEFAULT_MAX_MEMBER_METADATA_BYTES,
    offsetMetadataMaxBytes: c.offsetMetadataMaxBytes,
    offsetsRetentionMs: c.offsetsRetentionMs,
    offsetsRetentionCheckIntervalMs: c.offsetsRetentionCheckIntervalMs,
    offsetsTopicNumPartitions: c.offsetsTopicNumPartitions,
  };
}

export interface GroupCoordinatorService {
  readonly coordinator: GroupCoordinator;
  readonly offsetsTopic: OffsetsTopic;
  /** Creates __consumer_offsets if needed and loads its new partitions; resolves with an error code. */
  ensureOffsetsTopic(): Promise<number>;
  shutdown(): void;
}

export function createGroupCoordinator(opts: {
  nodeId: number;
  metadata: MetadataStore;
  replicas: ReplicaManager;
  topics: () => TopicManager;
  config: () => BrokerConfig;
}): GroupCoordinatorService {
  const time = new SystemTime();
  const offsetsTopic = new OffsetsTopic(opts.nodeId, opts.metadata, opts.replicas, opts.topics, opts.config);
  const coordinator = new GroupCoordinator(time, offsetsTopic, () => groupCoordinatorConfig(opts.config()));
  return {
    coordinator,
    offsetsTopic,
    async ensureOffsetsTopic() {
      const error = await offsetsTopic.ensureTopic();
      if (error === 0) await coordinator.loadLedPartitions();
      return error;
    },
    shutdown() {
      coordinator.shutdown();
      time.stop();
    },
  };
}
