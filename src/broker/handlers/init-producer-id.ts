import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: number;
  producerEpoch: number;
}

/**
 * InitProducerId v0-v5. Without a transactional id: a fresh producer id with
 * epoch 0 (idempotent producers; the id and epoch a v3+ request carries are
 * ignored, as in Kafka). With one: the transaction coordinator's answer
 * (epoch bump, fencing, KIP-360 recovery), creating __transaction_state on first use.
 */
export const initProducerIdHandler: ApiHandler<InitProducerIdRequest> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const txn = ctx.broker.transactionCoordinator;
    if (req.transactionalId) {
      const error = await txn.ensureStateTopic();
      if (error !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: error, producerId: -1, producerEpoch: -1 };
    }
    const r = await txn.coordinator.initProducerId({
      transactionalId: req.transactionalId,
      transactionTimeoutMs: req.transactionTimeoutMs,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      apiVersion: ctx.header.apiVersion,
    });
    // v0-v3 clients do not know PRODUCER_FENCED: Kafka answers them INVALID_PRODUCER_EPOCH.
    const errorCode = r.errorCode === ErrorCode.PRODUCER_FENCED && ctx.header.apiVersion < 4 ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
};
