import { ApiDef, array, field } from '../schema.js';

// v1 is v0 with throttling after the response; v2 is the first flexible version.
export const DeleteRecords: ApiDef = {
  apiKey: 21,
  name: 'DeleteRecords',
  request: {
    name: 'DeleteRecordsRequest',
    validVersions: '0-2',
    flexibleVersions: '2+',
    fields: [
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [field('partitionIndex', 'int32'), field('offset', 'int64')]),
      ]),
      field('timeoutMs', 'int32'),
    ],
  },
  response: {
    name: 'DeleteRecordsResponse',
    validVersions: '0-2',
    flexibleVersions: '2+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [
          field('partitionIndex', 'int32'),
          field('lowWatermark', 'int64'),
          field('errorCode', 'int16'),
        ]),
      ]),
    ],
  },
};
