import { ApiDef, array, field } from '../schema.js';

// Commits offsets as part of a transaction; they become visible when the
// transaction commits. v2 adds the leader epoch, v3 (first flexible version)
// the group member identity so the coordinator can fence zombie members.
export const TxnOffsetCommit: ApiDef = {
  apiKey: 28,
  name: 'TxnOffsetCommit',
  request: {
    name: 'TxnOffsetCommitRequest',
    validVersions: '0-4',
    flexibleVersions: '3+',
    fields: [
      field('transactionalId', 'string'),
      field('groupId', 'string'),
      field('producerId', 'int64'),
      field('producerEpoch', 'int16'),
      field('generationId', 'int32', '3+', { default: -1 }),
      field('memberId', 'string', '3+', { default: '' }),
      field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [
          field('partitionIndex', 'int32'),
          field('committedOffset', 'int64'),
          field('committedLeaderEpoch', 'int32', '2+', { default: -1 }),
          field('committedMetadata', 'string', '0+', { nullableVersions: '0+' }),
        ]),
      ]),
    ],
  },
  response: {
    name: 'TxnOffsetCommitResponse',
    validVersions: '0-4',
    flexibleVersions: '3+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [field('partitionIndex', 'int32'), field('errorCode', 'int16')]),
      ]),
    ],
  },
};
