import { ApiDef, array, field } from '../schema.js';

// Second step of the classic rebalance: the leader sends every member's
// assignment, each member receives its own. v3 adds static membership, v4 is
// the first flexible version, v5 carries the protocol type and name both ways
// so the coordinator can reject a mismatch.
export const SyncGroup: ApiDef = {
  apiKey: 14,
  name: 'SyncGroup',
  request: {
    name: 'SyncGroupRequest',
    validVersions: '0-5',
    flexibleVersions: '4+',
    fields: [
      field('groupId', 'string'),
      field('generationId', 'int32'),
      field('memberId', 'string'),
      field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
      field('protocolType', 'string', '5+', { nullableVersions: '5+', default: null }),
      field('protocolName', 'string', '5+', { nullableVersions: '5+', default: null }),
      array('assignments', '0+', [field('memberId', 'string'), field('assignment', 'bytes')]),
    ],
  },
  response: {
    name: 'SyncGroupResponse',
    validVersions: '0-5',
    flexibleVersions: '4+',
    fields: [
      field('throttleTimeMs', 'int32', '1+'),
      field('errorCode', 'int16'),
      field('protocolType', 'string', '5+', { nullableVersions: '5+', default: null }),
      field('protocolName', 'string', '5+', { nullableVersions: '5+', default: null }),
      field('assignment', 'bytes'),
    ],
  },
};
