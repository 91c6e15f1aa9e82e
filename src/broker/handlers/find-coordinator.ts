import type { ApiHandler, RequestContext } from './handler.js';
import { ErrorCode, errorInfo } from '../../protocol/errors.js';

interface FindCoordinatorRequest {
  key: string;
  keyType: number;
  coordinatorKeys: string[];
}

const GROUP = 0;
const TRANSACTION = 1;
const SHARE = 2;

interface Found {
  key: string;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

/**
 * FindCoordinator v0-v6 (v4+ batches keys). Groups: the leader of the
 * group's __consumer_offsets partition; transactional ids: of the id's
 * __transaction_state partition; either topic is created on first use (Kafka
 * answers COORDINATOR_NOT_AVAILABLE while it creates it; we create it and answer).
 */
export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest> = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 6,
  async handle(req, ctx) {
    const v = ctx.header.apiVersion;
    const keys = v >= 4 ? req.coordinatorKeys : [req.key];
    const found: Found[] = [];
    for (const key of keys) found.push(await find(key, req.keyType, v, ctx));
    if (v >= 4) return { throttleTimeMs: 0, coordinators: found };
    const f = found[0]!;
    return { throttleTimeMs: 0, errorCode: f.errorCode, errorMessage: f.errorMessage, nodeId: f.nodeId, host: f.host, port: f.port };
  },
};

async function find(key: string, keyType: number, version: number, ctx: RequestContext): Promise<Found> {
  const fail = (errorCode: number): Found => ({ key, errorCode, errorMessage: version < 4 ? errorInfo(errorCode).message : null, nodeId: -1, host: '', port: -1 });
  if (keyType === SHARE || (keyType !== GROUP && keyType !== TRANSACTION)) return fail(ErrorCode.INVALID_REQUEST);
  let leader: number;
  if (keyType === TRANSACTION) {
    // The leader of the transactional id's __transaction_state partition (created on first use).
    const txn = ctx.broker.transactionCoordinator;
    const error = await txn.ensureStateTopic();
    if (error !== ErrorCode.NONE) return fail(error);
    leader = txn.stateTopic.leaderOf(txn.coordinator.state.partitionFor(key));
  } else {
    const groups = ctx.broker.groupCoordinator;
    const error = await groups.ensureOffsetsTopic();
    if (error !== ErrorCode.NONE) return fail(error);
    leader = groups.offsetsTopic.leaderOf(groups.coordinator.partitionFor(key));
  }
  const ep = ctx.broker.endpointsFor(ctx.conn).find((e) => e.nodeId === leader);
  if (!ep) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  // v1-v3 carry Kafka's message for NONE ("NONE"); v4+ leave it null.
  return { key, errorCode: ErrorCode.NONE, errorMessage: version < 4 ? 'NONE' : null, nodeId: ep.nodeId, host: ep.host, port: ep.port };
}
