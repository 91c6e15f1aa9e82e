import { ApiDef, field } from '../schema.js';

// Allocates a producer id and epoch (idempotent producers) or fences earlier
// incarnations of a transactional id. v2 is the first flexible version; v3
// lets a producer pass its current id and epoch to resume after an epoch
// error; v4 and v5 only add error codes.
export const InitProducerId: ApiDef = {
  apiKey: 22,
  name: 'InitProducerId',
  request: {
    name: 'InitProducerIdRequest',
    validVersions: '0-5',
    flexibleVersions: '2+',
    fields: [
      field('transactionalId', 'string', '0+', { nullableVersions: '0+' }),
      field('transactionTimeoutMs', 'int32'),
      field('producerId', 'int64', '3+', { default: -1 }),
      field('producerEpoch', 'int16', '3+', { default: -1 }),
    ],
  },
  response: {
    name: 'InitProducerIdResponse',
    validVersions: '0-5',
    flexibleVersions: '2+',
    fields: [
      field('throttleTimeMs', 'int32'),
      field('errorCode', 'int16'),
      field('producerId', 'int64', '0+', { default: -1 }),
      field('producerEpoch', 'int16'),
    ],
  },
};
