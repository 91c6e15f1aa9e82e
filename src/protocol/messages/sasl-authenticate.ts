import { ApiDef, field } from '../schema.js';

// v1 adds sessionLifetimeMs to the response; v2 is the first flexible version.
export const SaslAuthenticate: ApiDef = {
  apiKey: 36,
  name: 'SaslAuthenticate',
  request: {
    name: 'SaslAuthenticateRequest',
    validVersions: '0-2',
    flexibleVersions: '2+',
    fields: [field('authBytes', 'bytes')],
  },
  response: {
    name: 'SaslAuthenticateResponse',
    validVersions: '0-2',
    flexibleVersions: '2+',
    fields: [
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
      field('authBytes', 'bytes'),
      field('sessionLifetimeMs', 'int64', '1+', { default: 0 }),
    ],
  },
};
