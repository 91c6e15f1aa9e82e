import { ApiDef, array, field } from '../schema.js';

// Flexible from v0. v1 adds durationFilter (KIP-994): only transactions running longer than it.
export const ListTransactions: ApiDef = {
  apiKey: 66,
  name: 'ListTransactions',
  request: {
    name: 'ListTransactionsRequest',
    validVersions: '0-1',
    flexibleVersions: '0+',
    fields: [
      field('stateFilters', '[]string'),
      field('producerIdFilters', '[]int64'),
      field('durationFilter', 'int64', '1+', { default: -1 }),
    ],
  },
  response: {
    name: 'ListTransactionsResponse',
    validVersions: '0-1',
    flexibleVersions: '0+',
    fields: [
      field('throttleTimeMs', 'int32'),
      field('errorCode', 'int16'),
      field('unknownStateFilters', '[]string'),
      array('transactionStates', '0+', [
        field('transactionalId', 'string'),
        field('producerId', 'int64'),
        field('transactionState', 'string'),
      ]),
    ],
  },
};
