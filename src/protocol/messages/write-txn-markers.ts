import { ApiDef, array, field } from '../schema.js';

// Sent by the transaction coordinator to partition leaders to write commit or
// abort markers (transactionResult: true = commit). v1 is the first flexible
// version.
export const WriteTxnMarkers: ApiDef = {
  apiKey: 27,
  name: 'WriteTxnMarkers',
  request: {
    name: 'WriteTxnMarkersRequest',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      array('markers', '0+', [
        field('producerId', 'int64'),
        field('producerEpoch', 'int16'),
        field('transactionResult', 'bool'),
        array('topics', '0+', [field('name', 'string'), field('partitionIndexes', '[]int32')]),
        field('coordinatorEpoch', 'int32'),
      ]),
    ],
  },
  response: {
    name: 'WriteTxnMarkersResponse',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      array('markers', '0+', [
        field('producerId', 'int64'),
        array('topics', '0+', [
          field('name', 'string'),
          array('partitions', '0+', [field('partitionIndex', 'int32'), field('errorCode', 'int16')]),
        ]),
      ]),
    ],
  },
};
