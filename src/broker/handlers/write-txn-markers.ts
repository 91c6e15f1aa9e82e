import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

interface WriteTxnMarkersRequest {
  markers: { producerId: number; producerEpoch: number; transactionResult: boolean; topics: { name: string; partitionIndexes: number[] }[]; coordinatorEpoch: number }[];
}

/**
 * WriteTxnMarkers v0-v1 (coordinator to partition leaders): appends a COMMIT
 * (transactionResult true) or ABORT marker to each named partition hosted
 * here, checked against the partition's producer state (a stale producer
 * epoch is INVALID_PRODUCER_EPOCH, an older coordinator epoch
 * TRANSACTION_COORDINATOR_FENCED); markers on __consumer_offsets also decide
 * the producer's pending transactional offsets. The local coordinator writes
 * its markers through the same function without this request.
 */
export const writeTxnMarkersHandler: ApiHandler<WriteTxnMarkersRequest> = {
  apiKey: 27,
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    const writer = ctx.broker.transactionCoordinator.stateTopic;
    const markers = [];
    for (const m of req.markers) {
      const topics = [];
      for (const t of m.topics) {
        const partitions = await Promise.all(
          t.partitionIndexes.map(async (p) => {
            const errorCode = await writer
              .writeMarker(t.name, p, { producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: m.coordinatorEpoch, commit: m.transactionResult })
              .catch(() => ErrorCode.UNKNOWN_SERVER_ERROR);
            return { partitionIndex: p, errorCode };
          }),
        );
        topics.push({ name: t.name, partitions });
      }
      markers.push({ producerId: m.producerId, topics });
    }
    return { markers };
  },
};
