// Creation of the coordinators' internal topics (__consumer_offsets,
// __transaction_state) on first use, as Kafka creates them.

import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { Logger } from '../logger.js';
import type { MetadataStore } from '../cluster/metadata-store.js';
import type { TopicManager } from './topic-manager.js';

export interface InternalTopicSpec {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

/**
 * Creates the topic unless it exists. Resolves with 0, or with
 * COORDINATOR_NOT_AVAILABLE when it cannot be created (for example a
 * replication factor above the number of brokers), as Kafka answers.
 */
export async function createInternalTopic(metadata: MetadataStore, topics: () => TopicManager, spec: InternalTopicSpec, log: Logger): Promise<number> {
  try {
    if (!metadata.topic(spec.name)) {
      const manager = topics();
      await manager.create(manager.plan({ ...spec, assignments: [] }));
    }
    return ErrorCode.NONE;
  } catch (err) {
    if (err instanceof KafkaError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS) return ErrorCode.NONE;
    log.warn(`Cannot create ${spec.name}: ${(err as Error).message}`);
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}
