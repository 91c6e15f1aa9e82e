import { ApiDef, array, field } from '../schema.js';

// Removes members from a classic group. Up to v2 one member leaves by id; from
// v3 a batch of members identified by member id and/or group instance id, with
// a result per member. v4 is the first flexible version; v5 adds a reason.
export const LeaveGroup: ApiDef = {
  apiKey: 13,
  name: 'LeaveGroup',
  request: {
    name: 'LeaveGroupRequest',
    validVersions: '0-5',
    flexibleVersions: '4+',
    fields: [
      field('groupId', 'string'),
      field('memberId', 'string', '0-2'),
      array('members', '3+', [
        field('memberId', 'string', '3+'),
        field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
        field('reason', 'string', '5+', { nullableVersions: '5+', default: null }),
      ]),
    ],
  },
  response: {
    name: 'LeaveGroupResponse',
    validVersions: '0-5',
    flexibleVersions: '4+',
    fields: [
      field('throttleTimeMs', 'int32', '1+'),
      field('errorCode', 'int16'),
      array('members', '3+', [
        field('memberId', 'string', '3+'),
        field('groupInstanceId', 'string', '3+', { nullableVersions: '3+' }),
        field('errorCode', 'int16', '3+'),
      ]),
    ],
  },
};
