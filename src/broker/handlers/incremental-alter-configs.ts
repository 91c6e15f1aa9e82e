import type { ApiHandler } from './handler.js';
import { alterConfigsIncrementally, errorOf } from '../config-admin.js';

interface IncrementalAlterConfigsRequest {
  resources: { resourceType: number; resourceName: string; configs: { name: string; configOperation: number; value: string | null }[] }[];
  validateOnly: boolean;
}

export const incrementalAlterConfigsHandler: ApiHandler<IncrementalAlterConfigsRequest> = {
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    const responses = [];
    for (const r of req.resources) {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName, errorCode: 0, errorMessage: null as string | null };
      try {
        await alterConfigsIncrementally(ctx.broker, r.resourceType, r.resourceName, r.configs, req.validateOnly);
        responses.push(base);
      } catch (err) {
        responses.push({ ...base, ...errorOf(err) });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
};
