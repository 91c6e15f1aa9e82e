import { ApiDef, field } from '../schema.js';

// Keeps a classic-protocol member alive and tells it when to rejoin.
// v3 adds static membership; v4 is the first flexible version.
export const Heartbeat: ApiDef = {
  apiKey: 12,
  name: 'Heartbeat',
  request: {
    name: 'HeartbeatRequest',
    validVersions: '0-4',
    flexibleVersions: '4+',
    fields: [
      field('groupId', 'string'),
      field('generationId', 'int32'),
      field('memberId', 'string'),
      field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
    ],
  },
  response: {
    name: 'HeartbeatResponse',
    validVersions: '0-4',
    flexibleVersions: '4+',
    fields: [field('throttleTimeMs', 'int32', '1+'), field('errorCode', 'int16')],
  },
};
