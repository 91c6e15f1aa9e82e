import { ApiDef, array, field } from '../schema.js';

// Commits consumed offsets for a group. v1 brought the member identity and a
// per-partition commit timestamp; v2-4 swapped that timestamp for a request-wide
// retention time, which v5 dropped again (retention became broker config).
// v6 adds the leader epoch, v7 static membership, v8 is the first flexible
// version and v9 (same shape) may be sent by KIP-848 consumers, whose member
// epoch travels in generationIdOrMemberEpoch.
export const OffsetCommit: ApiDef = {
  apiKey: 8,
  name: 'OffsetCommit',
  request: {
    name: 'OffsetCommitRequest',
    validVersions: '0-9',
    flexibleVersions: '8+',
    fields: [
      field('groupId', 'string'),
      field('generationIdOrMemberEpoch', 'int32', '1+', { default: -1 }),
      field('memberId', 'string', '1+'),
      field('groupInstanceId', 'string', '7+', { nullableVersions: '7+', default: null }),
      field('retentionTimeMs', 'int64', '2-4', { default: -1 }),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [
          field('partitionIndex', 'int32'),
          field('committedOffset', 'int64'),
          field('committedLeaderEpoch', 'int32', '6+', { default: -1 }),
          field('commitTimestamp', 'int64', '1', { default: -1 }),
          field('committedMetadata', 'string', '0+', { nullableVersions: '0+' }),
        ]),
      ]),
    ],
  },
  response: {
    name: 'OffsetCommitResponse',
    validVersions: '0-9',
    flexibleVersions: '8+',
    fields: [
      field('throttleTimeMs', 'int32', '3+'),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [field('partitionIndex', 'int32'), field('errorCode', 'int16')]),
      ]),
    ],
  },
};
