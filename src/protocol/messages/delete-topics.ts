import { ApiDef, array, field } from '../schema.js';

// v1 response adds throttleTimeMs; v4 is the first flexible version; v5 adds the
// response errorMessage (and KIP-599 throttling); v6 replaces topicNames with
// topics (name or topic id) and lets response names be null.
export const DeleteTopics: ApiDef = {
  apiKey: 20,
  name: 'DeleteTopics',
  request: {
    name: 'DeleteTopicsRequest',
    validVersions: '0-6',
    flexibleVersions: '4+',
    fields: [
      array('topics', '6+', [
        field('name', 'string', '6+', { nullableVersions: '6+', default: null }),
        field('topicId', 'uuid', '6+'),
      ]),
      field('topicNames', '[]string', '0-5'),
      field('timeoutMs', 'int32'),
    ],
  },
  response: {
    name: 'DeleteTopicsResponse',
    validVersions: '0-6',
    flexibleVersions: '4+',
    fields: [
      field('throttleTimeMs', 'int32', '1+'),
      array('responses', '0+', [
        field('name', 'string', '0+', { nullableVersions: '6+' }),
        field('topicId', 'uuid', '6+'),
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '5+', { nullableVersions: '5+', default: null }),
      ]),
    ],
  },
};
