import { ApiDef, array, field } from '../schema.js';

// Lists the groups a broker coordinates. v3 is the first flexible version,
// v4 adds filtering by state (and reports it), v5 filtering by group type
// (classic, consumer, share) and reports it.
export const ListGroups: ApiDef = {
  apiKey: 16,
  name: 'ListGroups',
  request: {
    name: 'ListGroupsRequest',
    validVersions: '0-5',
    flexibleVersions: '3+',
    fields: [field('statesFilter', '[]string', '4+'), field('typesFilter', '[]string', '5+')],
  },
  response: {
    name: 'ListGroupsResponse',
    validVersions: '0-5',
    flexibleVersions: '3+',
    fields: [
      field('throttleTimeMs', 'int32', '1+'),
      field('errorCode', 'int16'),
      array('groups', '0+', [
        field('groupId', 'string'),
        field('protocolType', 'string'),
        field('groupState', 'string', '4+'),
        field('groupType', 'string', '5+'),
      ]),
    ],
  },
};
