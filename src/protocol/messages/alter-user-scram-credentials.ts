import { ApiDef, array, field } from '../schema.js';

// The client salts the password (SaltedPassword = Hi(password, salt, iterations)); the
// password itself never travels. The broker derives and keeps StoredKey and ServerKey.
export const AlterUserScramCredentials: ApiDef = {
  apiKey: 51,
  name: 'AlterUserScramCredentials',
  request: {
    name: 'AlterUserScramCredentialsRequest',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [
      array('deletions', '0+', [field('name', 'string'), field('mechanism', 'int8')]),
      array('upsertions', '0+', [
        field('name', 'string'),
        field('mechanism', 'int8'),
        field('iterations', 'int32'),
        field('salt', 'bytes'),
        field('saltedPassword', 'bytes'),
      ]),
    ],
  },
  response: {
    name: 'AlterUserScramCredentialsResponse',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('results', '0+', [field('user', 'string'), field('errorCode', 'int16'), field('errorMessage', 'string', '0+', { nullableVersions: '0+' })]),
    ],
  },
};
