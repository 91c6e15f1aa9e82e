// Topic administration as Kafka's controller does it: name and argument
// validation with Kafka's error codes and messages, replica assignment,
// creation (explicit and automatic), deletion and partition growth.

import { randomBytes } from 'node:crypto';
import { MetadataStore, PartitionState, TopicState } from '../cluster/metadata-store.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { validateTopicConfigs, ConfigError } from './config/topic-config.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { ReplicaManager } from './replica-manager.js';
import { Logger } from '../logger.js';

const log = new Logger('TopicManager');

const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_NAME_LENGTH = 249;
export const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

export function newTopicId(): string {
  // Kafka never hands out the zero UUID or the sentinel "metadata topic" id; retry on those.
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (id !== 'AAAAAAAAAAAAAAAAAAAAAA' && id !== 'AAAAAAAAAAAAAAAAAAAAAQ' && !id.startsWith('-')) return id;
  }
}

/** Kafka's topic name rules; throws INVALID_TOPIC_EXCEPTION with Kafka's messages. */
export function validateTopicName(name: string): void {
  if (name.length === 0) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name is illegal, it can\'t be empty');
  if (name === '.' || name === '..') {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name cannot be "." or ".."');
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new KafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic name is illegal, it can't be longer than ${MAX_NAME_LENGTH} characters, topic name: ${name}`,
    );
  }
  if (!LEGAL_NAME.test(name)) {
    throw new KafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
    );
  }
}

export interface CreateTopicRequest {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: Record<string, string>;
}

export class TopicManager {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly replicas: ReplicaManager,
    private readonly config: () => BrokerConfig,
  ) {}

  /** Validates a creation and returns the state it would create; throws KafkaError. */
  plan(req: CreateTopicRequest): TopicState {
    validateTopicName(req.name);
    if (this.metadata.topic(req.name)) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    }
    const collision = this.collidingTopic(req.name);
    if (collision) {
      throw new KafkaError(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic '${req.name}' collides with existing topic: ${collision}`,
      );
    }
    try {
      validateTopicConfigs(req.configs);
    } catch (err) {
      if (err instanceof ConfigError) throw new KafkaError(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
    const brokers = this.metadata.brokers().map((b) => b.nodeId).sort((a, b) => a - b);
    let partitions: PartitionState[];
    if (req.assignments.length > 0) {
      if (req.numPartitions !== -1 || req.replicationFactor !== -1) {
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
        );
      }
      partitions = this.manualAssignment(req.assignments, brokers);
    } else {
      const cfg = this.config();
      const count = req.numPartitions === -1 ? cfg.numPartitions : req.numPartitions;
      const rf = req.replicationFactor === -1 ? cfg.defaultReplicationFactor : req.replicationFactor;
      if (count <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
      if (rf <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
      if (rf > brokers.length) {
        throw new KafkaError(
          ErrorCode.INVALID_REPLICATION_FACTOR,
          `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${brokers.length} broker(s) are registered.`,
        );
      }
      partitions = assignReplicas(0, count, rf, brokers);
    }
    return {
      name: req.name,
      topicId: newTopicId(),
      partitions,
      configs: { ...req.configs },
      internal: INTERNAL_TOPICS.has(req.name),
    };
  }

  private manualAssignment(assignments: { partitionIndex: number; brokerIds: number[] }[], brokers: number[]): PartitionState[] {
    const sorted = [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
    return sorted.map((a, i) => {
      if (a.partitionIndex !== i) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
      }
      if (a.brokerIds.length === 0 || new Set(a.brokerIds).size !== a.brokerIds.length) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate brokers not allowed in replica assignment: ${a.brokerIds.join(', ')} for partition id ${i}.`);
      }
      const unknown = a.brokerIds.filter((b) => !brokers.includes(b));
      if (unknown.length > 0) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker(s) ${unknown.join(', ')} in the replica assignment of partition ${i}.`);
      }
      return { partition: i, replicas: [...a.brokerIds], leader: a.brokerIds[0]!, leaderEpoch: 0, isr: [...a.brokerIds] };
    });
  }

  /** Kafka refuses names that differ only by '.' versus '_' (they collide in metric names). */
  private collidingTopic(name: string): string | undefined {
    const norm = name.replace(/\./g, '_');
    for (const t of this.metadata.topics()) if (t.name !== name && t.name.replace(/\./g, '_') === norm) return t.name;
    return undefined;
  }

  async create(state: TopicState): Promise<void> {
    await this.metadata.createTopic(state);
    await this.replicas.ensureTopic(state);
    log.info(`Created topic ${state.name} with topic ID ${state.topicId}, ${state.partitions.length} partition(s)`);
  }

  /** Auto-creation on Metadata requests (and internal topics), with the broker's defaults. */
  async autoCreate(name: string, numPartitions = -1, configs: Record<string, string> = {}): Promise<TopicState | undefined> {
    const existing = this.metadata.topic(name);
    if (existing) return existing;
    const state = this.plan({ name, numPartitions, replicationFactor: -1, assignments: [], configs });
    await this.create(state);
    return this.metadata.topic(name);
  }

  async delete(name: string): Promise<void> {
    const t = this.metadata.topic(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    if (!this.config().deleteTopicEnable) {
      throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    }
    await this.metadata.deleteTopic(name);
    await this.replicas.removeTopic(t);
    log.info(`Deleted topic ${name}`);
  }

  /** Plans growth to `count` partitions; throws Kafka's INVALID_PARTITIONS messages. */
  planPartitions(name: string, count: number, assignments: number[][] | null): PartitionState[] {
    const t = this.metadata.topic(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    const current = t.partitions.length;
    if (count < current) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${count}.`);
    }
    if (count === current) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
    }
    const brokers = this.metadata.brokers().map((b) => b.nodeId).sort((a, b) => a - b);
    if (assignments) {
      if (assignments.length !== count - current) {
        throw new KafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Increasing the number of partitions by ${count - current} but ${assignments.length} assignments provided.`,
        );
      }
      return this.manualAssignment(
        assignments.map((brokerIds, i) => ({ partitionIndex: i, brokerIds })),
        brokers,
      ).map((p, i) => ({ ...p, partition: current + i }));
    }
    const rf = t.partitions[0]?.replicas.length ?? 1;
    return assignReplicas(current, count - current, rf, brokers);
  }

  async addPartitions(name: string, partitions: PartitionState[]): Promise<void> {
    await this.metadata.addPartitions(name, partitions);
    await this.replicas.ensureTopic(this.metadata.topic(name)!);
    log.info(`Added ${partitions.length} partition(s) to topic ${name}`);
  }
}

/** Round-robin replica placement starting at a rotating broker, as Kafka's rack-unaware assignment. */
export function assignReplicas(firstPartition: number, count: number, rf: number, brokers: number[]): PartitionState[] {
  const out: PartitionState[] = [];
  const n = brokers.length;
  for (let i = 0; i < count; i++) {
    const p = firstPartition + i;
    const replicas: number[] = [];
    for (let r = 0; r < rf; r++) replicas.push(brokers[(p + r) % n]!);
    out.push({ partition: p, replicas, leader: replicas[0]!, leaderEpoch: 0, isr: [...replicas] });
  }
  return out;
}
