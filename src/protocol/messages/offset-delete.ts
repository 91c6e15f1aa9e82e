import { ApiDef, array, field } from '../schema.js';

// Deletes a group's committed offsets for partitions it no longer consumes.
// A single version, not flexible.
export const OffsetDelete: ApiDef = {
  apiKey: 47,
  name: 'OffsetDelete',
  request: {
    name: 'OffsetDeleteRequest',
    validVersions: '0',
    flexibleVersions: 'none',
    fields: [
      field('groupId', 'string'),
      array('topics', '0+', [field('name', 'string'), array('partitions', '0+', [field('partitionIndex', 'int32')])]),
    ],
  },
  response: {
    name: 'OffsetDeleteResponse',
    validVersions: '0',
    flexibleVersions: 'none',
    fields: [
      field('errorCode', 'int16'),
      field('throttleTimeMs', 'int32'),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [field('partitionIndex', 'int32'), field('errorCode', 'int16')]),
      ]),
    ],
  },
};
