import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

/** SyncGroup v0-v5 (v5+: protocol type and name are mandatory and checked). */
export const syncGroupHandler: ApiHandler<SyncGroupRequest> = {
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const v = ctx.header.apiVersion;
    const answer = (r: { errorCode: number; protocolType: string | null; protocolName: string | null; assignment: Buffer }) => ({
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      protocolType: r.protocolType,
      protocolName: r.protocolName,
      assignment: r.assignment,
    });
    if (v >= 5 && (req.protocolType === null || req.protocolName === null)) {
      return answer({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    }
    const r = await ctx.broker.groupCoordinator.coordinator.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      protocolType: req.protocolType,
      protocolName: req.protocolName,
      assignments: req.assignments ?? [],
    });
    return answer(r);
  },
};
