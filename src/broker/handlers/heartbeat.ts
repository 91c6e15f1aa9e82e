import type { ApiHandler } from './handler.js';

interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/** Heartbeat v0-v4 (v3+: static members). */
export const heartbeatHandler: ApiHandler<HeartbeatRequest> = {
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const errorCode = ctx.broker.groupCoordinator.coordinator.heartbeat(req.groupId, req.memberId, req.groupInstanceId, req.generationId);
    return { throttleTimeMs: 0, errorCode };
  },
};
