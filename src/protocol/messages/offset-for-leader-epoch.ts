import { ApiDef, array, field } from '../schema.js';

// Finds the end offset of a leader epoch, for log truncation after a leader
// change (followers, and consumers validating their position). v1 returns the
// epoch found, v2 adds the caller's current leader epoch for fencing and the
// throttle time, v3 the replica id (-2: a debug consumer allowed past the high
// watermark; -1: an ordinary consumer), v4 is the first flexible version.
export const OffsetForLeaderEpoch: ApiDef = {
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  request: {
    name: 'OffsetForLeaderEpochRequest',
    validVersions: '0-4',
    flexibleVersions: '4+',
    fields: [
      field('replicaId', 'int32', '3+', { default: -2 }),
      array('topics', '0+', [
        field('topic', 'string'),
        array('partitions', '0+', [
          field('partition', 'int32'),
          field('currentLeaderEpoch', 'int32', '2+', { default: -1 }),
          field('leaderEpoch', 'int32'),
        ]),
      ]),
    ],
  },
  response: {
    name: 'OffsetForLeaderEpochResponse',
    validVersions: '0-4',
    flexibleVersions: '4+',
    fields: [
      field('throttleTimeMs', 'int32', '2+'),
      array('topics', '0+', [
        field('topic', 'string'),
        array('partitions', '0+', [
          field('errorCode', 'int16'),
          field('partition', 'int32'),
          field('leaderEpoch', 'int32', '1+', { default: -1 }),
          field('endOffset', 'int64', '0+', { default: -1 }),
        ]),
      ]),
    ],
  },
};
