import { ApiDef, array, field } from '../schema.js';

// v0 returns a list of old-style offsets (maxNumOffsets), v1 a single
// timestamp/offset, v2 isolation level, v4 leader epochs, v6 flexible,
// v10 timeoutMs for tiered-storage lookups.
export const ListOffsets: ApiDef = {
  apiKey: 2,
  name: 'ListOffsets',
  request: {
    name: 'ListOffsetsRequest',
    validVersions: '0-10',
    flexibleVersions: '6+',
    fields: [
      field('replicaId', 'int32'),
      field('isolationLevel', 'int8', '2+'),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [
          field('partitionIndex', 'int32'),
          field('currentLeaderEpoch', 'int32', '4+', { default: -1 }),
          field('timestamp', 'int64'),
          field('maxNumOffsets', 'int32', '0', { default: 1 }),
        ]),
      ]),
      field('timeoutMs', 'int32', '10+'),
    ],
  },
  response: {
    name: 'ListOffsetsResponse',
    validVersions: '0-10',
    flexibleVersions: '6+',
    fields: [
      field('throttleTimeMs', 'int32', '2+'),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [
          field('partitionIndex', 'int32'),
          field('errorCode', 'int16'),
          field('oldStyleOffsets', '[]int64', '0'),
          field('timestamp', 'int64', '1+', { default: -1 }),
          field('offset', 'int64', '1+', { default: -1 }),
          field('leaderEpoch', 'int32', '4+', { default: -1 }),
        ]),
      ]),
    ],
  },
};
