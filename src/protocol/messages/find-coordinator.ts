import { ApiDef, array, field } from '../schema.js';

// Locates the group or transaction coordinator (keyType 0 = group,
// 1 = transaction, 2 = share group). v3 is the first flexible version; from
// v4 the request carries several keys and the response one entry per key,
// replacing the single-key fields. v5 and v6 only add error codes / key types.
export const FindCoordinator: ApiDef = {
  apiKey: 10,
  name: 'FindCoordinator',
  request: {
    name: 'FindCoordinatorRequest',
    validVersions: '0-6',
    flexibleVersions: '3+',
    fields: [
      field('key', 'string', '0-3'),
      field('keyType', 'int8', '1+', { default: 0 }),
      field('coordinatorKeys', '[]string', '4+'),
    ],
  },
  response: {
    name: 'FindCoordinatorResponse',
    validVersions: '0-6',
    flexibleVersions: '3+',
    fields: [
      field('throttleTimeMs', 'int32', '1+'),
      field('errorCode', 'int16', '0-3'),
      field('errorMessage', 'string', '1-3', { nullableVersions: '1-3' }),
      field('nodeId', 'int32', '0-3'),
      field('host', 'string', '0-3'),
      field('port', 'int32', '0-3'),
      array('coordinators', '4+', [
        field('key', 'string', '4+'),
        field('nodeId', 'int32', '4+'),
        field('host', 'string', '4+'),
        field('port', 'int32', '4+'),
        field('errorCode', 'int16', '4+'),
        field('errorMessage', 'string', '4+', { nullableVersions: '4+' }),
      ]),
    ],
  },
};
