import { ApiDef, array, field, FieldDef, struct } from '../schema.js';

// The KIP-848 consumer group protocol: one request both joins, heartbeats and
// leaves (memberEpoch 0 joins, -1 leaves, -2 leaves temporarily as a static
// member), and the response carries the member's new assignment. Most request
// fields are null when unchanged since the previous heartbeat. Flexible in
// every version; v1 adds subscription by regular expression.

// Topic id and partitions (Kafka's common struct TopicPartitions).
const topicPartitions = (name: string, opts: Parameters<typeof array>[3] = {}): FieldDef =>
  array(name, '0+', [field('topicId', 'uuid'), field('partitions', '[]int32')], opts);

export const ConsumerGroupHeartbeat: ApiDef = {
  apiKey: 68,
  name: 'ConsumerGroupHeartbeat',
  request: {
    name: 'ConsumerGroupHeartbeatRequest',
    validVersions: '0-1',
    flexibleVersions: '0+',
    fields: [
      field('groupId', 'string'),
      field('memberId', 'string'),
      field('memberEpoch', 'int32'),
      field('instanceId', 'string', '0+', { nullableVersions: '0+', default: null }),
      field('rackId', 'string', '0+', { nullableVersions: '0+', default: null }),
      field('rebalanceTimeoutMs', 'int32', '0+', { default: -1 }),
      field('subscribedTopicNames', '[]string', '0+', { nullableVersions: '0+', default: null }),
      field('subscribedTopicRegex', 'string', '1+', { nullableVersions: '1+', default: null }),
      field('serverAssignor', 'string', '0+', { nullableVersions: '0+', default: null }),
      topicPartitions('topicPartitions', { nullableVersions: '0+', default: null }),
    ],
  },
  response: {
    name: 'ConsumerGroupHeartbeatResponse',
    validVersions: '0-1',
    flexibleVersions: '0+',
    fields: [
      field('throttleTimeMs', 'int32'),
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
      field('memberId', 'string', '0+', { nullableVersions: '0+', default: null }),
      field('memberEpoch', 'int32'),
      field('heartbeatIntervalMs', 'int32'),
      struct('assignment', '0+', [topicPartitions('topicPartitions')], { nullableVersions: '0+', default: null }),
    ],
  },
};
