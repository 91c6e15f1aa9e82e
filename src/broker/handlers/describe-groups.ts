import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

/** What Kafka reports without an authorizer: every operation a group supports (READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS). */
const GROUP_OPERATIONS = [3, 6, 8, 10, 11].reduce((bits, op) => bits | (1 << op), 0);
const NOT_REQUESTED = -2147483648;

/** DescribeGroups v0-v5: members with metadata and assignment when Stable; unknown groups are "Dead". */
export const describeGroupsHandler: ApiHandler<{ groups: string[]; includeAuthorizedOperations: boolean }> = {
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const coordinator = ctx.broker.groupCoordinator.coordinator;
    const include = ctx.header.apiVersion >= 3 && req.includeAuthorizedOperations;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((id) => {
        const d = coordinator.describeGroup(id);
        return {
          errorCode: d.errorCode,
          groupId: d.groupId,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: d.protocol,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations: include && d.errorCode === ErrorCode.NONE ? GROUP_OPERATIONS : NOT_REQUESTED,
        };
      }),
    };
  },
};
