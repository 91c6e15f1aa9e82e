import { ApiDef, array, field } from '../schema.js';

// Flexible from v0. v1 adds endpointType (KIP-919: 1 = brokers, 2 = controllers).
export const DescribeCluster: ApiDef = {
  apiKey: 60,
  name: 'DescribeCluster',
  request: {
    name: 'DescribeClusterRequest',
    validVersions: '0-1',
    flexibleVersions: '0+',
    fields: [
      field('includeClusterAuthorizedOperations', 'bool'),
      field('endpointType', 'int8', '1+', { default: 1 }),
    ],
  },
  response: {
    name: 'DescribeClusterResponse',
    validVersions: '0-1',
    flexibleVersions: '0+',
    fields: [
      field('throttleTimeMs', 'int32'),
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullableVersions: '0+', default: null }),
      field('endpointType', 'int8', '1+', { default: 1 }),
      field('clusterId', 'string'),
      field('controllerId', 'int32', '0+', { default: -1 }),
      array('brokers', '0+', [
        field('brokerId', 'int32'),
        field('host', 'string'),
        field('port', 'int32'),
        field('rack', 'string', '0+', { nullableVersions: '0+', default: null }),
      ]),
      field('clusterAuthorizedOperations', 'int32', '0+', { default: -2147483648 }),
    ],
  },
};
