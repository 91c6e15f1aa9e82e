import { ApiDef, array, field } from '../schema.js';

// Describes classic groups: state, protocol and members with their metadata
// and assignment (filled in only when the group is Stable). v3 can return the
// caller's authorized operations, v4 the members' group instance ids, and v5
// is the first flexible version.
export const DescribeGroups: ApiDef = {
  apiKey: 15,
  name: 'DescribeGroups',
  request: {
    name: 'DescribeGroupsRequest',
    validVersions: '0-5',
    flexibleVersions: '5+',
    fields: [field('groups', '[]string'), field('includeAuthorizedOperations', 'bool', '3+')],
  },
  response: {
    name: 'DescribeGroupsResponse',
    validVersions: '0-5',
    flexibleVersions: '5+',
    fields: [
      field('throttleTimeMs', 'int32', '1+'),
      array('groups', '0+', [
        field('errorCode', 'int16'),
        field('groupId', 'string'),
        field('groupState', 'string'),
        field('protocolType', 'string'),
        field('protocolData', 'string'),
        array('members', '0+', [
          field('memberId', 'string'),
          field('groupInstanceId', 'string', '4+', { nullableVersions: '4+', default: null }),
          field('clientId', 'string'),
          field('clientHost', 'string'),
          field('memberMetadata', 'bytes'),
          field('memberAssignment', 'bytes'),
        ]),
        // INT32_MIN means "not requested".
        field('authorizedOperations', 'int32', '3+', { default: -2147483648 }),
      ]),
    ],
  },
};
