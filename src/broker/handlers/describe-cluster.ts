import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12, 13, 14].reduce((bits, op) => bits | (1 << op), 0);

export const describeClusterHandler: ApiHandler<{ includeClusterAuthorizedOperations: boolean; endpointType: number }> = {
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const { broker } = ctx;
    // endpointType 2 asks for controllers; this broker is its own controller.
    if (req.endpointType !== 1 && req.endpointType !== 2 && ctx.header.apiVersion >= 1) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Unsupported endpoint type', endpointType: req.endpointType, clusterId: broker.clusterId, controllerId: -1, brokers: [], clusterAuthorizedOperations: -2147483648 };
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: req.endpointType || 1,
      clusterId: broker.clusterId,
      controllerId: broker.metadata.controllerId(),
      brokers: broker.endpointsFor(ctx.conn).map((e) => ({ brokerId: e.nodeId, host: e.host, port: e.port, rack: e.rack })),
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : -2147483648,
    };
  },
};
