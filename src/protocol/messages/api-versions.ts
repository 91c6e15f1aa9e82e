import { ApiDef, array, field, tagged } from '../schema.js';

// v3 is the first flexible version; v4 only lifts the ban on SupportedFeatures.MinVersion = 0.
export const ApiVersions: ApiDef = {
  apiKey: 18,
  name: 'ApiVersions',
  request: {
    name: 'ApiVersionsRequest',
    validVersions: '0-4',
    flexibleVersions: '3+',
    fields: [field('clientSoftwareName', 'string', '3+'), field('clientSoftwareVersion', 'string', '3+')],
  },
  response: {
    name: 'ApiVersionsResponse',
    validVersions: '0-4',
    flexibleVersions: '3+',
    fields: [
      field('errorCode', 'int16'),
      array('apiKeys', '0+', [field('apiKey', 'int16'), field('minVersion', 'int16'), field('maxVersion', 'int16')]),
      field('throttleTimeMs', 'int32', '1+'),
      tagged(
        array('supportedFeatures', '3+', [field('name', 'string'), field('minVersion', 'int16'), field('maxVersion', 'int16')]),
        0,
        '3+',
      ),
      tagged(field('finalizedFeaturesEpoch', 'int64', '3+', { default: -1 }), 1, '3+'),
      tagged(
        array('finalizedFeatures', '3+', [
          field('name', 'string'),
          field('maxVersionLevel', 'int16'),
          field('minVersionLevel', 'int16'),
        ]),
        2,
        '3+',
      ),
      tagged(field('zkMigrationReady', 'bool', '3+', { default: false }), 3, '3+'),
    ],
  },
};
