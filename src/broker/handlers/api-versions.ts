import type { ApiHandler } from './handler.js';

export const apiVersionsHandler: ApiHandler = {
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  handle(_req, ctx) {
    return {
      errorCode: 0,
      apiKeys: ctx.broker.handlers.versions(),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  },
};
