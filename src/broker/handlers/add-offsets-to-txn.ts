import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import { tpKey } from '../transaction-coordinator/transaction-metadata.js';
import { OFFSETS_TOPIC } from '../group-coordinator/records.js';

interface AddOffsetsToTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  groupId: string;
}

/**
 * AddOffsetsToTxn v0-v4: adds the group's __consumer_offsets partition to
 * the transaction, so that the transaction's marker reaches the offsets the
 * producer then commits with TxnOffsetCommit.
 */
export const addOffsetsToTxnHandler: ApiHandler<AddOffsetsToTxnRequest> = {
  apiKey: 25,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    const groups = ctx.broker.groupCoordinator;
    if (groups.offsetsTopic.partitionCount() === null) {
      const error = await groups.ensureOffsetsTopic();
      if (error !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: error };
    }
    const partition = groups.coordinator.partitionFor(req.groupId);
    let error = await ctx.broker.transactionCoordinator.coordinator.addPartitions(req.transactionalId, req.producerId, req.producerEpoch, [
      tpKey(OFFSETS_TOPIC, partition),
    ]);
    if (error === ErrorCode.PRODUCER_FENCED && ctx.header.apiVersion < 2) error = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode: error };
  },
};
