import { ApiDef, array, field, struct, tagged } from '../schema.js';

// v3 maxBytes, v4 isolation level and aborted transactions, v7 fetch sessions,
// v12 flexible (diverging epoch, current leader, snapshot id), v13 topic ids
// instead of names, v15 replica state replaces replicaId, v16 node endpoints,
// v17 replica directory id.
export const Fetch: ApiDef = {
  apiKey: 1,
  name: 'Fetch',
  request: {
    name: 'FetchRequest',
    validVersions: '0-17',
    flexibleVersions: '12+',
    fields: [
      tagged(field('clusterId', 'string', '12+', { nullableVersions: '12+', default: null }), 0, '12+'),
      field('replicaId', 'int32', '0-14', { default: -1 }),
      tagged(
        struct('replicaState', '15+', [
          field('replicaId', 'int32', '15+', { default: -1 }),
          field('replicaEpoch', 'int64', '15+', { default: -1 }),
        ]),
        1,
        '15+',
      ),
      field('maxWaitMs', 'int32'),
      field('minBytes', 'int32'),
      field('maxBytes', 'int32', '3+', { default: 0x7fffffff }),
      field('isolationLevel', 'int8', '4+', { default: 0 }),
      field('sessionId', 'int32', '7+', { default: 0 }),
      field('sessionEpoch', 'int32', '7+', { default: -1 }),
      array('topics', '0+', [
        field('topic', 'string', '0-12'),
        field('topicId', 'uuid', '13+'),
        array('partitions', '0+', [
          field('partition', 'int32'),
          field('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
          field('fetchOffset', 'int64'),
          field('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
          field('logStartOffset', 'int64', '5+', { default: -1 }),
          field('partitionMaxBytes', 'int32'),
          tagged(field('replicaDirectoryId', 'uuid', '17+'), 0, '17+'),
        ]),
      ]),
      array('forgottenTopicsData', '7+', [
        field('topic', 'string', '7-12'),
        field('topicId', 'uuid', '13+'),
        field('partitions', '[]int32', '7+'),
      ]),
      field('rackId', 'string', '11+', { default: '' }),
    ],
  },
  response: {
    name: 'FetchResponse',
    validVersions: '0-17',
    flexibleVersions: '12+',
    fields: [
      field('throttleTimeMs', 'int32', '1+'),
      field('errorCode', 'int16', '7+'),
      field('sessionId', 'int32', '7+', { default: 0 }),
      array('responses', '0+', [
        field('topic', 'string', '0-12'),
        field('topicId', 'uuid', '13+'),
        array('partitions', '0+', [
          field('partitionIndex', 'int32'),
          field('errorCode', 'int16'),
          field('highWatermark', 'int64'),
          field('lastStableOffset', 'int64', '4+', { default: -1 }),
          field('logStartOffset', 'int64', '5+', { default: -1 }),
          tagged(
            struct('divergingEpoch', '12+', [
              field('epoch', 'int32', '12+', { default: -1 }),
              field('endOffset', 'int64', '12+', { default: -1 }),
            ]),
            0,
            '12+',
          ),
          tagged(
            struct('currentLeader', '12+', [
              field('leaderId', 'int32', '12+', { default: -1 }),
              field('leaderEpoch', 'int32', '12+', { default: -1 }),
            ]),
            1,
            '12+',
          ),
          tagged(
            struct('snapshotId', '12+', [
              field('endOffset', 'int64', '0+', { default: -1 }),
              field('epoch', 'int32', '0+', { default: -1 }),
            ]),
            2,
            '12+',
          ),
          array(
            'abortedTransactions',
            '4+',
            [field('producerId', 'int64', '4+'), field('firstOffset', 'int64', '4+')],
            { nullableVersions: '4+' },
          ),
          field('preferredReadReplica', 'int32', '11+', { default: -1 }),
          field('records', 'records', '0+', { nullableVersions: '0+' }),
        ]),
      ]),
      tagged(
        array('nodeEndpoints', '16+', [
          field('nodeId', 'int32', '16+'),
          field('host', 'string', '16+'),
          field('port', 'int32', '16+'),
          field('rack', 'string', '16+', { nullableVersions: '16+', default: null }),
        ]),
        0,
        '16+',
      ),
    ],
  },
};
