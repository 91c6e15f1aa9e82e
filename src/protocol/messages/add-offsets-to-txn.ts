import { ApiDef, field } from '../schema.js';

// Tells the transaction coordinator that the transaction will commit offsets
// for a group (so the group's offsets partition gets a marker too). v3 is the
// first flexible version; v2 and v4 only add error codes.
export const AddOffsetsToTxn: ApiDef = {
  apiKey: 25,
  name: 'AddOffsetsToTxn',
  request: {
    name: 'AddOffsetsToTxnRequest',
    validVersions: '0-4',
    flexibleVersions: '3+',
    fields: [
      field('transactionalId', 'string'),
      field('producerId', 'int64'),
      field('producerEpoch', 'int16'),
      field('groupId', 'string'),
    ],
  },
  response: {
    name: 'AddOffsetsToTxnResponse',
    validVersions: '0-4',
    flexibleVersions: '3+',
    fields: [field('throttleTimeMs', 'int32'), field('errorCode', 'int16')],
  },
};
