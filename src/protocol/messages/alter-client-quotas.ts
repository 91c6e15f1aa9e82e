import { ApiDef, array, field } from '../schema.js';

// Each entry names one entity and the quota keys to set (value) or remove (remove = true).
// v1 is the first flexible version.
export const AlterClientQuotas: ApiDef = {
  apiKey: 49,
  name: 'AlterClientQuotas',
  request: {
    name: 'AlterClientQuotasRequest',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      array('entries', '0+', [
        array('entity', '0+', [field('entityType', 'string'), field('entityName', 'string', '0+', { nullableVersions: '0+' })]),
        array('ops', '0+', [field('key', 'string'), field('value', 'float64'), field('remove', 'bool')]),
      ]),
      field('validateOnly', 'bool'),
    ],
  },
  response: {
    name: 'AlterClientQuotasResponse',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('entries', '0+', [
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
        array('entity', '0+', [field('entityType', 'string'), field('entityName', 'string', '0+', { nullableVersions: '0+' })]),
      ]),
    ],
  },
};
