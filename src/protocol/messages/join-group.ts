import { ApiDef, array, field } from '../schema.js';

// First step of the classic rebalance protocol. v1 adds the rebalance timeout;
// from v4 a new member is answered MEMBER_ID_REQUIRED and joins again with the
// id it was given; v5 adds static membership; v6 is the first flexible version;
// v7 echoes the protocol type; v8 adds the join reason; v9 lets the coordinator
// tell a leader to skip computing the assignment.
export const JoinGroup: ApiDef = {
  apiKey: 11,
  name: 'JoinGroup',
  request: {
    name: 'JoinGroupRequest',
    validVersions: '0-9',
    flexibleVersions: '6+',
    fields: [
      field('groupId', 'string'),
      field('sessionTimeoutMs', 'int32'),
      // Absent before v1: the session timeout then stands in for it.
      field('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
      field('memberId', 'string'),
      field('groupInstanceId', 'string', '5+', { nullableVersions: '5+', default: null }),
      field('protocolType', 'string'),
      array('protocols', '0+', [field('name', 'string'), field('metadata', 'bytes')]),
      field('reason', 'string', '8+', { nullableVersions: '8+', default: null }),
    ],
  },
  response: {
    name: 'JoinGroupResponse',
    validVersions: '0-9',
    flexibleVersions: '6+',
    fields: [
      field('throttleTimeMs', 'int32', '2+'),
      field('errorCode', 'int16'),
      field('generationId', 'int32', '0+', { default: -1 }),
      field('protocolType', 'string', '7+', { nullableVersions: '7+', default: null }),
      field('protocolName', 'string', '0+', { nullableVersions: '7+' }),
      field('leader', 'string'),
      field('skipAssignment', 'bool', '9+', { default: false }),
      field('memberId', 'string'),
      array('members', '0+', [
        field('memberId', 'string'),
        field('groupInstanceId', 'string', '5+', { nullableVersions: '5+', default: null }),
        field('metadata', 'bytes'),
      ]),
    ],
  },
};
