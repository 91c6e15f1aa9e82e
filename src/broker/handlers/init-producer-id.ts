import type { ApiHandler } from './handler.js';

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
 * (epoch bump, fencing, KIP-360 recovery).
 */
export const initProducerIdHandler: ApiHandler<InitProducerIdRequest> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const r = await ctx.broker.transactionCoordinator.initProducerId({
      transactionalId: req.transactionalId,
      transactionTimeoutMs: req.transactionTimeoutMs,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      apiVersion: ctx.header.apiVersion,
    });
    return { throttleTimeMs: 0, errorCode: r.errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
};
