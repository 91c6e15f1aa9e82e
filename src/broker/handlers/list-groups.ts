import type { ApiHandler } from './handler.js';

/** ListGroups v0-v5 (v4+: states filter; v5+: types filter, every group here being "classic"). */
export const listGroupsHandler: ApiHandler<{ statesFilter: string[]; typesFilter: string[] }> = {
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const v = ctx.header.apiVersion;
    const r = ctx.broker.groupCoordinator.coordinator.listGroups(v >= 4 ? req.statesFilter ?? [] : [], v >= 5 ? req.typesFilter ?? [] : []);
    return { throttleTimeMs: 0, errorCode: r.errorCode, groups: r.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.groupType })) };
  },
};
