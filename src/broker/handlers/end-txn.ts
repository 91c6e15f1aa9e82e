import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

interface EndTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  committed: boolean;
}

/**
 * EndTxn v0-v4: commits or aborts the transaction. Answered once
 * PrepareCommit/PrepareAbort is written; the markers follow. (v5, transactions
 * version 2 with an epoch bump per transaction, is not served, as in Kafka 3.9.)
 */
export const endTxnHandler: ApiHandler<EndTxnRequest> = {
  apiKey: 26,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    let error = await ctx.broker.transactionCoordinator.coordinator.endTransaction(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
    if (error === ErrorCode.PRODUCER_FENCED && ctx.header.apiVersion < 2) error = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode: error };
  },
};
