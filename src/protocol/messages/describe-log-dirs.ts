import { ApiDef, array, field } from '../schema.js';

// v2 is the first flexible version; v3 adds a top-level errorCode to the response;
// v4 adds totalBytes and usableBytes per log directory.
export const DescribeLogDirs: ApiDef = {
  apiKey: 35,
  name: 'DescribeLogDirs',
  request: {
    name: 'DescribeLogDirsRequest',
    validVersions: '0-4',
    flexibleVersions: '2+',
    fields: [
      // null asks for every topic.
      array('topics', '0+', [field('topic', 'string'), field('partitions', '[]int32')], { nullableVersions: '0+' }),
    ],
  },
  response: {
    name: 'DescribeLogDirsResponse',
    validVersions: '0-4',
    flexibleVersions: '2+',
    fields: [
      field('throttleTimeMs', 'int32'),
      field('errorCode', 'int16', '3+'),
      array('results', '0+', [
        field('errorCode', 'int16'),
        field('logDir', 'string'),
        array('topics', '0+', [
          field('name', 'string'),
          array('partitions', '0+', [
            field('partitionIndex', 'int32'),
            field('partitionSize', 'int64'),
            field('offsetLag', 'int64'),
            field('isFutureKey', 'bool'),
          ]),
        ]),
        field('totalBytes', 'int64', '4+', { default: -1 }),
        field('usableBytes', 'int64', '4+', { default: -1 }),
      ]),
    ],
  },
};
