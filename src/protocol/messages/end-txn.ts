import { ApiDef, field } from '../schema.js';

// Commits or aborts a transaction. v3 is the first flexible version; v5
// (KIP-890 part 2) bumps the epoch on every transaction, so the response
// returns the producer id and epoch to use next.
export const EndTxn: ApiDef = {
  apiKey: 26,
  name: 'EndTxn',
  request: {
    name: 'EndTxnRequest',
    validVersions: '0-5',
    flexibleVersions: '3+',
    fields: [
      field('transactionalId', 'string'),
      field('producerId', 'int64'),
      field('producerEpoch', 'int16'),
      field('committed', 'bool'),
    ],
  },
  response: {
    name: 'EndTxnResponse',
    validVersions: '0-5',
    flexibleVersions: '3+',
    fields: [
      field('throttleTimeMs', 'int32'),
      field('errorCode', 'int16'),
      field('producerId', 'int64', '5+', { default: -1 }),
      field('producerEpoch', 'int16', '5+', { default: -1 }),
    ],
  },
};
