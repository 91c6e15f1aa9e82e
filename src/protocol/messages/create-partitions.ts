import { ApiDef, array, field } from '../schema.js';

// v2 is the first flexible version; v3 may answer THROTTLING_QUOTA_EXCEEDED (KIP-599).
export const CreatePartitions: ApiDef = {
  apiKey: 37,
  name: 'CreatePartitions',
  request: {
    name: 'CreatePartitionsRequest',
    validVersions: '0-3',
    flexibleVersions: '2+',
    fields: [
      array('topics', '0+', [
        field('name', 'string'),
        field('count', 'int32'),
        array('assignments', '0+', [field('brokerIds', '[]int32')], { nullableVersions: '0+' }),
      ]),
      field('timeoutMs', 'int32'),
      field('validateOnly', 'bool'),
    ],
  },
  response: {
    name: 'CreatePartitionsResponse',
    validVersions: '0-3',
    flexibleVersions: '2+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('results', '0+', [
        field('name', 'string'),
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
      ]),
    ],
  },
};
