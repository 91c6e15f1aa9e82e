import { ApiDef, array, field } from '../schema.js';

// v1 adds includeSynonyms, and configSource and synonyms in the response (replacing
// isDefault); v3 adds includeDocumentation, configType and documentation;
// v4 is the first flexible version.
export const DescribeConfigs: ApiDef = {
  apiKey: 32,
  name: 'DescribeConfigs',
  request: {
    name: 'DescribeConfigsRequest',
    validVersions: '0-4',
    flexibleVersions: '4+',
    fields: [
      array('resources', '0+', [
        field('resourceType', 'int8'),
        field('resourceName', 'string'),
        field('configurationKeys', '[]string', '0+', { nullableVersions: '0+' }),
      ]),
      field('includeSynonyms', 'bool', '1+', { default: false }),
      field('includeDocumentation', 'bool', '3+', { default: false }),
    ],
  },
  response: {
    name: 'DescribeConfigsResponse',
    validVersions: '0-4',
    flexibleVersions: '4+',
    fields: [
      field('throttleTimeMs', 'int32'),
      array('results', '0+', [
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
        field('resourceType', 'int8'),
        field('resourceName', 'string'),
        array('configs', '0+', [
          field('name', 'string'),
          field('value', 'string', '0+', { nullableVersions: '0+' }),
          field('readOnly', 'bool'),
          field('isDefault', 'bool', '0'),
          // -1 is a placeholder: for v0 the source a caller should see depends on the resource.
          field('configSource', 'int8', '1+', { default: -1 }),
          field('isSensitive', 'bool'),
          array('synonyms', '1+', [
            field('name', 'string', '1+'),
            field('value', 'string', '1+', { nullableVersions: '0+' }),
            field('source', 'int8', '1+'),
          ]),
          field('configType', 'int8', '3+', { default: 0 }),
          field('documentation', 'string', '3+', { nullableVersions: '0+' }),
        ]),
      ]),
    ],
  },
};
