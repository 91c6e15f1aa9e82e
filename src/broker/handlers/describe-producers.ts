import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

interface DescribeProducersRequest {
  topics: { name: string; partitionIndexes: number[] }[];
}

/**
 * DescribeProducers v0 (KIP-664): the producers a partition's leader knows
 * (its producer state: epoch, last sequence and timestamp, coordinator epoch,
 * first offset of the transaction in progress).
 */
export const describeProducersHandler: ApiHandler<DescribeProducersRequest> = {
  apiKey: 61,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const { replicas, metadata } = ctx.broker;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => {
          const part = replicas.getPartition(t.name, p);
          if (!part) {
            const known = metadata.topic(t.name)?.partitions.some((x) => x.partition === p);
            return { partitionIndex: p, errorCode: known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
          }
          const activeProducers = [...part.producerState.producers.producers.values()].map((e) => ({
            producerId: e.producerId,
            producerEpoch: e.producerEpoch,
            lastSequence: e.lastSeq,
            lastTimestamp: e.lastTimestamp,
            coordinatorEpoch: e.coordinatorEpoch,
            currentTxnStartOffset: e.currentTxnFirstOffset,
          }));
          return { partitionIndex: p, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
        }),
      })),
    };
  },
};
