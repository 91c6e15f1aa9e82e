import { ApiDef, array, field } from '../schema.js';

// v1 is v0 with throttling after the response; v2 is the first flexible version.
export const AlterConfigs: ApiDef = {
  apiKey: 33,
  name: 'AlterConfigs',
  request: {
    name: 'AlterConfigsRequest',
    validVersions: '0-2',
    flexibleVersions: '2+',
    fields: [
      array('resources', '0+', [
        field('resourceType', 'int8'),
        field('resourceName', 'string'),
        array('configs', '0+', [field('name', 'string'), field('value', 'string', '0+', { nullableVersions: '0+' })]),
      ]),
      field('validateOnly', 'bool'),
    ],
  },
  response: {
    name: 'AlterConfigsResponse',
    validVersions: '0-2',
    flexibleVersions: '2+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('responses', '0+', [
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
        field('resourceType', 'int8'),
        field('resourceName', 'string'),
      ]),
    ],
  },
};
