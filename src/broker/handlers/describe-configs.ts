import type { ApiHandler } from './handler.js';
import { describeResource, errorOf } from '../config-admin.js';

interface DescribeConfigsRequest {
  resources: { resourceType: number; resourceName: string; configurationKeys: string[] | null }[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest> = {
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const results = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      try {
        const configs = describeResource(ctx.broker, r.resourceType, r.resourceName, {
          keys: r.configurationKeys,
          includeSynonyms: req.includeSynonyms,
          includeDocumentation: req.includeDocumentation,
          version,
        });
        return { ...base, errorCode: 0, errorMessage: null, configs };
      } catch (err) {
        return { ...base, ...errorOf(err), configs: [] };
      }
    });
    return { throttleTimeMs: 0, results };
  },
};
