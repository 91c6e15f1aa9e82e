import { ApiDef, field } from '../schema.js';

// v1 means the client will send the SASL tokens framed in SaslAuthenticate requests.
// Never flexible: old clients negotiate this API's version incorrectly.
export const SaslHandshake: ApiDef = {
  apiKey: 17,
  name: 'SaslHandshake',
  request: {
    name: 'SaslHandshakeRequest',
    validVersions: '0-1',
    flexibleVersions: 'none',
    fields: [field('mechanism', 'string')],
  },
  response: {
    name: 'SaslHandshakeResponse',
    validVersions: '0-1',
    flexibleVersions: 'none',
    fields: [field('errorCode', 'int16'), field('mechanisms', '[]string')],
  },
};
