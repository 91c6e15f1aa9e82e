// The cluster's source of truth (brokers, topics, partition assignments,
// leaders, configs) behind one interface. The embedded LocalMetadataStore
// serves a single broker from a file in its log dir; an etcd-backed store
// implements the same interface for a replicated cluster.

import { EventEmitter } from 'node:events';

export interface PartitionState {
  partition: number;
  replicas: number[];
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

export interface TopicState {
  name: string;
  topicId: string;
  partitions: PartitionState[];
  /** Topic-level config overrides (Kafka's dotted keys). */
  configs: Record<string, string>;
  internal: boolean;
}

export interface BrokerRegistration {
  nodeId: number;
  rack: string | null;
  /** Advertised endpoints by listener name. */
  endpoints: { name: string; host: string; port: number; securityProtocol: string }[];
}

/** A client quota entity: its ('user' | 'client-id' | 'ip') → name pairs; a null name is that type's default entity. */
export type QuotaEntity = readonly (readonly [type: string, name: string | null])[];

export interface ClientQuota {
  /** Sorted by entity type. */
  entity: QuotaEntity;
  /** Quota key → value (producer_byte_rate, request_percentage, connection_creation_rate, …). */
  values: Record<string, number>;
}

export interface ClientQuotaChange {
  entity: QuotaEntity;
  set: Record<string, number>;
  remove: string[];
}

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** What a broker keeps of a SCRAM credential (RFC 5802): never the password nor the salted password. */
export interface ScramCredential {
  user: string;
  mechanism: ScramMechanismName;
  iterations: number;
  /** base64 */
  salt: string;
  storedKey: string;
  serverKey: string;
}

export interface MetadataStore extends EventEmitter {
  readonly clusterId: string;
  controllerId(): number;
  brokers(): BrokerRegistration[];
  topics(): TopicState[];
  topic(name: string): TopicState | undefined;
  topicById(topicId: string): TopicState | undefined;
  createTopic(topic: TopicState): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  addPartitions(name: string, partitions: PartitionState[]): Promise<void>;
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<void>;
  /** Dynamic broker configs: per broker by node id as a string, cluster-wide default under ''. */
  brokerConfigs(entity: string): Record<string, string>;
  setBrokerConfigs(entity: string, configs: Record<string, string>): Promise<void>;
  /**
   * Reserves the next `count` producer ids of the cluster (Kafka: AllocateProducerIds /
   * ProducerIdsRecord): persisted before it resolves, so no id is handed out twice, even across restarts.
   */
  allocateProducerIds(count: number): Promise<{ firstProducerId: number; size: number }>;
  /** Every client quota entity that has at least one value. */
  clientQuotas(): ClientQuota[];
  /** Applies all changes in one write; an entity left without values disappears. */
  alterClientQuotas(changes: readonly ClientQuotaChange[]): Promise<void>;
  scramCredentials(): ScramCredential[];
  /** Applies upserts and deletions (by user and mechanism) in one write. */
  alterScramCredentials(upserts: readonly ScramCredential[], deletions: readonly { user: string; mechanism: ScramMechanismName }[]): Promise<void>;
  close(): Promise<void>;
}
