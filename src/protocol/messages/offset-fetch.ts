import { ApiDef, array, field } from '../schema.js';

// Reads a group's committed offsets. From v2 a null topic list means "every
// topic the group has committed", and the response gains a group-level error.
// v6 is the first flexible version, v7 adds requireStable, and v8 batches
// several groups per request (the single-group fields exist only up to v7).
// v9 adds the KIP-848 member id and epoch, checked by the coordinator.
export const OffsetFetch: ApiDef = {
  apiKey: 9,
  name: 'OffsetFetch',
  request: {
    name: 'OffsetFetchRequest',
    validVersions: '0-9',
    flexibleVersions: '6+',
    fields: [
      field('groupId', 'string', '0-7'),
      array('topics', '0-7', [field('name', 'string', '0-7'), field('partitionIndexes', '[]int32', '0-7')], {
        nullableVersions: '2-7',
      }),
      array('groups', '8+', [
        field('groupId', 'string', '8+'),
        field('memberId', 'string', '9+', { nullableVersions: '9+', default: null }),
        field('memberEpoch', 'int32', '9+', { default: -1 }),
        array('topics', '8+', [field('name', 'string', '8+'), field('partitionIndexes', '[]int32', '8+')], {
          nullableVersions: '8+',
        }),
      ]),
      field('requireStable', 'bool', '7+', { default: false }),
    ],
  },
  response: {
    name: 'OffsetFetchResponse',
    validVersions: '0-9',
    flexibleVersions: '6+',
    fields: [
      field('throttleTimeMs', 'int32', '3+'),
      array('topics', '0-7', [
        field('name', 'string', '0-7'),
        array('partitions', '0-7', [
          field('partitionIndex', 'int32', '0-7'),
          field('committedOffset', 'int64', '0-7'),
          field('committedLeaderEpoch', 'int32', '5-7', { default: -1 }),
          field('metadata', 'string', '0-7', { nullableVersions: '0-7' }),
          field('errorCode', 'int16', '0-7'),
        ]),
      ]),
      field('errorCode', 'int16', '2-7', { default: 0 }),
      array('groups', '8+', [
        field('groupId', 'string', '8+'),
        array('topics', '8+', [
          field('name', 'string', '8+'),
          array('partitions', '8+', [
            field('partitionIndex', 'int32', '8+'),
            field('committedOffset', 'int64', '8+'),
            field('committedLeaderEpoch', 'int32', '8+', { default: -1 }),
            field('metadata', 'string', '8+', { nullableVersions: '8+' }),
            field('errorCode', 'int16', '8+'),
          ]),
        ]),
        field('errorCode', 'int16', '8+', { default: 0 }),
      ]),
    ],
  },
};
