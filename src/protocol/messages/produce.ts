import { ApiDef, array, field, struct, tagged } from '../schema.js';

// v3 adds transactionalId, v9 is the first flexible version, v10 adds the
// current leader and node endpoints (tagged) for NOT_LEADER_OR_FOLLOWER.
export const Produce: ApiDef = {
  apiKey: 0,
  name: 'Produce',
  request: {
    name: 'ProduceRequest',
    validVersions: '0-11',
    flexibleVersions: '9+',
    fields: [
      field('transactionalId', 'string', '3+', { nullableVersions: '3+', default: null }),
      field('acks', 'int16'),
      field('timeoutMs', 'int32'),
      array('topicData', '0+', [
        field('name', 'string'),
        array('partitionData', '0+', [
          field('index', 'int32'),
          field('records', 'records', '0+', { nullableVersions: '0+' }),
        ]),
      ]),
    ],
  },
  response: {
    name: 'ProduceResponse',
    validVersions: '0-11',
    flexibleVersions: '9+',
    fields: [
      array('responses', '0+', [
        field('name', 'string'),
        array('partitionResponses', '0+', [
          field('index', 'int32'),
          field('errorCode', 'int16'),
          field('baseOffset', 'int64'),
          field('logAppendTimeMs', 'int64', '2+', { default: -1 }),
          field('logStartOffset', 'int64', '5+', { default: -1 }),
          array('recordErrors', '8+', [
            field('batchIndex', 'int32', '8+'),
            field('batchIndexErrorMessage', 'string', '8+', { nullableVersions: '8+', default: null }),
          ]),
          field('errorMessage', 'string', '8+', { nullableVersions: '8+', default: null }),
          tagged(
            struct('currentLeader', '10+', [
              field('leaderId', 'int32', '10+', { default: -1 }),
              field('leaderEpoch', 'int32', '10+', { default: -1 }),
            ]),
            0,
            '10+',
          ),
        ]),
      ]),
      field('throttleTimeMs', 'int32', '1+', { default: 0 }),
      tagged(
        array('nodeEndpoints', '10+', [
          field('nodeId', 'int32', '10+'),
          field('host', 'string', '10+'),
          field('port', 'int32', '10+'),
          field('rack', 'string', '10+', { nullableVersions: '10+', default: null }),
        ]),
        0,
        '10+',
      ),
    ],
  },
};
