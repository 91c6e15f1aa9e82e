import type { ApiHandler } from './handler.js';

/** DeleteGroups v0-v2: Empty groups and their offsets; NON_EMPTY_GROUP while a group has members. */
export const deleteGroupsHandler: ApiHandler<{ groupsNames: string[] }> = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const results = await ctx.broker.groupCoordinator.coordinator.deleteGroups(req.groupsNames);
    return { throttleTimeMs: 0, results };
  },
};
