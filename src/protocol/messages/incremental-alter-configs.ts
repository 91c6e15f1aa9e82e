import { ApiDef, array, field } from '../schema.js';

// v1 is the first flexible version. configOperation: 0 set, 1 delete, 2 append, 3 subtract.
export const IncrementalAlterConfigs: ApiDef = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  request: {
    name: 'IncrementalAlterConfigsRequest',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      array('resources', '0+', [
        field('resourceType', 'int8'),
        field('resourceName', 'string'),
        array('configs', '0+', [
          field('name', 'string'),
          field('configOperation', 'int8'),
          field('value', 'string', '0+', { nullableVersions: '0+' }),
        ]),
      ]),
      field('validateOnly', 'bool'),
    ],
  },
  response: {
    name: 'IncrementalAlterConfigsResponse',
    validVersions: '0-1',
    flexibleVersions: '1+',
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
