import { ApiDef, array, field } from '../schema.js';

// Deletes empty groups and their committed offsets. v2 is the first flexible
// version.
export const DeleteGroups: ApiDef = {
  apiKey: 42,
  name: 'DeleteGroups',
  request: {
    name: 'DeleteGroupsRequest',
    validVersions: '0-2',
    flexibleVersions: '2+',
    fields: [field('groupsNames', '[]string')],
  },
  response: {
    name: 'DeleteGroupsResponse',
    validVersions: '0-2',
    flexibleVersions: '2+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('results', '0+', [field('groupId', 'string'), field('errorCode', 'int16')]),
    ],
  },
};
