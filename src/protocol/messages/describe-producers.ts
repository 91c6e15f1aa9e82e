import { ApiDef, array, field } from '../schema.js';

// Only v0, flexible (KIP-664).
export const DescribeProducers: ApiDef = {
  apiKey: 61,
  name: 'DescribeProducers',
  request: {
    name: 'DescribeProducersRequest',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [array('topics', '0+', [field('name', 'string'), field('partitionIndexes', '[]int32')])],
  },
  response: {
    name: 'DescribeProducersResponse',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [
          field('partitionIndex', 'int32'),
          field('errorCode', 'int16'),
          field('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
          array('activeProducers', '0+', [
            field('producerId', 'int64'),
            field('producerEpoch', 'int32'),
            field('lastSequence', 'int32', '0+', { default: -1 }),
            field('lastTimestamp', 'int64', '0+', { default: -1 }),
            field('coordinatorEpoch', 'int32'),
            field('currentTxnStartOffset', 'int64', '0+', { default: -1 }),
          ]),
        ]),
      ]),
    ],
  },
};
