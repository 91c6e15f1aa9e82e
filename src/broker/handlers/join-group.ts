import type { ApiHandler, RequestContext } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  reason: string | null;
}

/** JoinGroup v0-v9 (v4+: MEMBER_ID_REQUIRED first-join flow; v5+: static members; v9+: skipAssignment). */
export const joinGroupHandler: ApiHandler<JoinGroupRequest> = {
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  async handle(req, ctx) {
    const v = ctx.header.apiVersion;
    const groups = ctx.broker.groupCoordinator;
    // First use may come before any FindCoordinator: create __consumer_offsets then.
    if (groups.offsetsTopic.partitionCount() === null) await groups.ensureOffsetsTopic();
    const r = await groups.coordinator.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId ?? '',
      groupInstanceId: req.groupInstanceId,
      requireKnownMemberId: v >= 4 && req.groupInstanceId === null,
      supportSkippingAssignment: v >= 9,
      clientId: ctx.header.clientId ?? '',
      clientHost: clientHost(ctx),
      // v0 has no rebalance timeout: the session timeout stands for it.
      rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType ?? '',
      protocols: req.protocols ?? [],
      reason: req.reason,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      // Nullable only from v7.
      protocolName: v >= 7 ? r.protocolName : (r.protocolName ?? ''),
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.errorCode === ErrorCode.NONE ? r.members : [],
    };
  },
};

/** The client's address as Kafka shows it in DescribeGroups ("/127.0.0.1"). */
export function clientHost(ctx: RequestContext): string {
  const remote = ctx.conn.remote;
  const i = remote.lastIndexOf(':');
  const host = i > 0 ? remote.slice(0, i) : remote;
  return `/${host.replace(/^\[|\]$/g, '')}`;
}
