// The Samsa client's public surface.
export { Producer, normalizeHeaders } from './producer.js';
export type { ProducerRecord, ProducerOptions, HeadersInput, HeaderValue, BytesLike, RecordMetadata } from './producer.js';
export { defaultPartitioner, stickyPartitioner, roundRobinPartitioner, StickyPartitioner } from './partitioner.js';
export type { Partitioner, PartitionerArgs } from './partitioner.js';
export * from './serializers.js';
export * from './errors.js';
export type { ProducerConfig, ConsumerConfig, AdminConfig, CommonConfig, Acks, CompressionName, OffsetReset } from './config.js';
export { PRODUCER_DEFAULTS, CONSUMER_DEFAULTS, ADMIN_DEFAULTS } from './config.js';
export { BrokerConnection } from './connection.js';
export { Cluster } from './cluster.js';
export type { BrokerInfo, PartitionMetadata, TopicMetadata } from './metadata.js';
export { Admin, AdminOperationError } from './admin.js';
export type { NewTopic, CreateTopicResult, TopicDescription, PartitionDescription, ConfigResource, ConfigEntry, ConfigDescription, AlterConfigOp, OffsetSpec, ListedOffset, ClusterDescription, LogDirDescription, ResourceType, ConfigSource } from './admin.js';
export type { TopicPartition } from './leader-requests.js';
export { Consumer } from './consumer.js';
export type { ConsumerRecord, ConsumerOptions, OffsetAndTimestamp } from './consumer.js';
