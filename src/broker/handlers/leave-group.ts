import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; reason: string | null }[];
}

/** LeaveGroup v0-v5 (v3+: a batch of members, by member id or group.instance.id). */
export const leaveGroupHandler: ApiHandler<LeaveGroupRequest> = {
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const v = ctx.header.apiVersion;
    const members = v >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null, reason: null }];
    const r = ctx.broker.groupCoordinator.coordinator.leaveGroup(req.groupId, members);
    if (v >= 3) return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
    // v0-v2 have one member and no member list: its error is the answer.
    const memberError = r.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : memberError, members: [] };
  },
};
