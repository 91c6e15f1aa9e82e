import { ApiDef, array, field } from '../schema.js';

// Filters and answers are lists of (entity type, name) pairs: 'user', 'client-id', 'ip'.
// A null name is the default entity. v1 is the first flexible version.
export const DescribeClientQuotas: ApiDef = {
  apiKey: 48,
  name: 'DescribeClientQuotas',
  request: {
    name: 'DescribeClientQuotasRequest',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      array('components', '0+', [
        field('entityType', 'string'),
        // 0 = exact name, 1 = the default entity, 2 = any named entity of the type.
        field('matchType', 'int8'),
        field('match', 'string', '0+', { nullableVersions: '0+' }),
      ]),
      field('strict', 'bool'),
    ],
  },
  response: {
    name: 'DescribeClientQuotasResponse',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      field('throttleTimeMs', 'int32'),
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
      array(
        'entries',
        '0+',
        [
          array('entity', '0+', [field('entityType', 'string'), field('entityName', 'string', '0+', { nullableVersions: '0+' })]),
          array('values', '0+', [field('key', 'string'), field('value', 'float64')]),
        ],
        { nullableVersions: '0+' },
      ),
    ],
  },
};
