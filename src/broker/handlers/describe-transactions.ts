import type { ApiHandler } from './handler.js';

interface DescribeTransactionsRequest {
  transactionalIds: string[];
}

/** DescribeTransactions v0 (KIP-664): state, producer, timeout, start time and partitions of each transactional id coordinated here. */
export const describeTransactionsHandler: ApiHandler<DescribeTransactionsRequest> = {
  apiKey: 65,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const c = ctx.broker.transactionCoordinator.coordinator;
    return { throttleTimeMs: 0, transactionStates: req.transactionalIds.map((id) => c.describe(id)) };
  },
};
