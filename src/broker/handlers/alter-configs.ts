import type { ApiHandler } from './handler.js';
import { errorOf, replaceConfigs } from '../config-admin.js';

interface AlterConfigsRequest {
  resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[];
  validateOnly: boolean;
}

export const alterConfigsHandler: ApiHandler<AlterConfigsRequest> = {
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const responses = [];
    for (const r of req.resources) {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName, errorCode: 0, errorMessage: null as string | null };
      try {
        await replaceConfigs(ctx.broker, r.resourceType, r.resourceName, r.configs, req.validateOnly);
        responses.push(base);
      } catch (err) {
        responses.push({ ...base, ...errorOf(err) });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
};
