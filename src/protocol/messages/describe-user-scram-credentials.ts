import { ApiDef, array, field } from '../schema.js';

// Null or empty users: every user with a credential. Mechanism 1 = SCRAM-SHA-256, 2 = SCRAM-SHA-512.
export const DescribeUserScramCredentials: ApiDef = {
  apiKey: 50,
  name: 'DescribeUserScramCredentials',
  request: {
    name: 'DescribeUserScramCredentialsRequest',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [array('users', '0+', [field('name', 'string')], { nullableVersions: '0+' })],
  },
  response: {
    name: 'DescribeUserScramCredentialsResponse',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [
      field('throttleTimeMs', 'int32'),
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
      array('results', '0+', [
        field('user', 'string'),
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
        array('credentialInfos', '0+', [field('mechanism', 'int8'), field('iterations', 'int32')]),
      ]),
    ],
  },
};
