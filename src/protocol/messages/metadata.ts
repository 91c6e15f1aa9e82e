import { ApiDef, array, field } from '../schema.js';

// v1 null topics = all topics, rack and controller; v2 cluster id; v4 auto
// creation flag; v7 leader epoch; v8 authorized operations; v9 flexible;
// v10 topic ids; v11 drops cluster authorized operations; v12 nullable names.
export const Metadata: ApiDef = {
  apiKey: 3,
  name: 'Metadata',
  request: {
    name: 'MetadataRequest',
    validVersions: '0-12',
    flexibleVersions: '9+',
    fields: [
      array('topics', '0+', [field('topicId', 'uuid', '10+'), field('name', 'string', '0+', { nullableVersions: '10+' })], {
        nullableVersions: '1+',
      }),
      field('allowAutoTopicCreation', 'bool', '4+', { default: true }),
      field('includeClusterAuthorizedOperations', 'bool', '8-10'),
      field('includeTopicAuthorizedOperations', 'bool', '8+'),
    ],
  },
  response: {
    name: 'MetadataResponse',
    validVersions: '0-12',
    flexibleVersions: '9+',
    fields: [
      field('throttleTimeMs', 'int32', '3+'),
      array('brokers', '0+', [
        field('nodeId', 'int32'),
        field('host', 'string'),
        field('port', 'int32'),
        field('rack', 'string', '1+', { nullableVersions: '1+', default: null }),
      ]),
      field('clusterId', 'string', '2+', { nullableVersions: '2+', default: null }),
      field('controllerId', 'int32', '1+', { default: -1 }),
      array('topics', '0+', [
        field('errorCode', 'int16'),
        field('name', 'string', '0+', { nullableVersions: '12+' }),
        field('topicId', 'uuid', '10+'),
        field('isInternal', 'bool', '1+', { default: false }),
        array('partitions', '0+', [
          field('errorCode', 'int16'),
          field('partitionIndex', 'int32'),
          field('leaderId', 'int32'),
          field('leaderEpoch', 'int32', '7+', { default: -1 }),
          field('replicaNodes', '[]int32'),
          field('isrNodes', '[]int32'),
          field('offlineReplicas', '[]int32', '5+'),
        ]),
        field('topicAuthorizedOperations', 'int32', '8+', { default: -2147483648 }),
      ]),
      field('clusterAuthorizedOperations', 'int32', '8-10', { default: -2147483648 }),
    ],
  },
};
