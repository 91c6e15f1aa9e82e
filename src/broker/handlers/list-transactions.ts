import type { ApiHandler } from './handler.js';

interface ListTransactionsRequest {
  stateFilters: string[];
  producerIdFilters: number[];
  durationFilter: number;
}

/**
 * ListTransactions v0-v1 (KIP-664; v1 adds the duration filter, KIP-994): the
 * transactional ids coordinated here, filtered by state and producer id;
 * unknown state names are echoed back in unknownStateFilters.
 */
export const listTransactionsHandler: ApiHandler<ListTransactionsRequest> = {
  apiKey: 66,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const r = ctx.broker.transactionCoordinator.coordinator.list(req.stateFilters, req.producerIdFilters, req.durationFilter);
    return { throttleTimeMs: 0, ...r };
  },
};
