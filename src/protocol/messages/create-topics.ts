import { ApiDef, array, field, tagged } from '../schema.js';

// v1 adds validateOnly; v1 response adds errorMessage, v2 throttleTimeMs.
// v5 is the first flexible version and returns the created topic's configs (KIP-525).
// v6 may answer THROTTLING_QUOTA_EXCEEDED (KIP-599); v7 returns the topic id.
export const CreateTopics: ApiDef = {
  apiKey: 19,
  name: 'CreateTopics',
  request: {
    name: 'CreateTopicsRequest',
    validVersions: '0-7',
    flexibleVersions: '5+',
    fields: [
      array('topics', '0+', [
        field('name', 'string'),
        field('numPartitions', 'int32'),
        field('replicationFactor', 'int16'),
        array('assignments', '0+', [field('partitionIndex', 'int32'), field('brokerIds', '[]int32')]),
        array('configs', '0+', [field('name', 'string'), field('value', 'string', '0+', { nullableVersions: '0+' })]),
      ]),
      field('timeoutMs', 'int32', '0+', { default: 60000 }),
      field('validateOnly', 'bool', '1+', { default: false }),
    ],
  },
  response: {
    name: 'CreateTopicsResponse',
    validVersions: '0-7',
    flexibleVersions: '5+',
    fields: [
      field('throttleTimeMs', 'int32', '2+'),
      array('topics', '0+', [
        field('name', 'string'),
        field('topicId', 'uuid', '7+'),
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '1+', { nullableVersions: '0+' }),
        tagged(field('topicConfigErrorCode', 'int16', '5+'), 0, '5+'),
        field('numPartitions', 'int32', '5+', { default: -1 }),
        field('replicationFactor', 'int16', '5+', { default: -1 }),
        array(
          'configs',
          '5+',
          [
            field('name', 'string', '5+'),
            field('value', 'string', '5+', { nullableVersions: '5+' }),
            field('readOnly', 'bool', '5+'),
            field('configSource', 'int8', '5+', { default: -1 }),
            field('isSensitive', 'bool', '5+'),
          ],
          { nullableVersions: '5+' },
        ),
      ]),
    ],
  },
};
