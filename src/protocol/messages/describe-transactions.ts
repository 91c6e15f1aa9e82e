import { ApiDef, array, field } from '../schema.js';

// Only v0, flexible (KIP-664).
export const DescribeTransactions: ApiDef = {
  apiKey: 65,
  name: 'DescribeTransactions',
  request: {
    name: 'DescribeTransactionsRequest',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [field('transactionalIds', '[]string')],
  },
  response: {
    name: 'DescribeTransactionsResponse',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('transactionStates', '0+', [
        field('errorCode', 'int16'),
        field('transactionalId', 'string'),
        field('transactionState', 'string'),
        field('transactionTimeoutMs', 'int32'),
        field('transactionStartTimeMs', 'int64'),
        field('producerId', 'int64'),
        field('producerEpoch', 'int16'),
        // Partitions in the transaction; while it completes, only those still without markers.
        array('topics', '0+', [field('topic', 'string'), field('partitions', '[]int32')]),
      ]),
    ],
  },
};
