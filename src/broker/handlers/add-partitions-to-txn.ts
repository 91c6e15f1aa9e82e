import type { ApiHandler, RequestContext } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import { tpKey } from '../transaction-coordinator/transaction-metadata.js';
import { partitionExists } from './offset-commit.js';

interface Topics {
  name: string;
  partitions: number[];
}

interface AddPartitionsToTxnRequest {
  transactions: { transactionalId: string; producerId: number; producerEpoch: number; verifyOnly: boolean; topics: Topics[] }[];
  v3AndBelowTransactionalId: string;
  v3AndBelowProducerId: number;
  v3AndBelowProducerEpoch: number;
  v3AndBelowTopics: Topics[];
}

type TopicResult = { name: string; resultsByPartition: { partitionIndex: number; partitionErrorCode: number }[] };

/**
 * AddPartitionsToTxn v0-v5. v0-v3 (clients): one transaction, its partitions
 * added to it (one error for all; with unknown partitions those answer
 * UNKNOWN_TOPIC_OR_PARTITION and the rest OPERATION_NOT_ATTEMPTED, as Kafka).
 * v4+ (brokers, KIP-890): several transactions, each added or, with
 * verifyOnly, checked to be in its ongoing transaction partition by partition.
 */
export const addPartitionsToTxnHandler: ApiHandler<AddPartitionsToTxnRequest> = {
  apiKey: 24,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const v = ctx.header.apiVersion;
    if (v <= 3) {
      const results = await addOne(ctx, req.v3AndBelowTransactionalId, req.v3AndBelowProducerId, req.v3AndBelowProducerEpoch, req.v3AndBelowTopics, false, v);
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results };
    }
    const resultsByTransaction = [];
    for (const t of req.transactions) {
      resultsByTransaction.push({ transactionalId: t.transactionalId, topicResults: await addOne(ctx, t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly, v) });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
};

async function addOne(ctx: RequestContext, transactionalId: string, producerId: number, producerEpoch: number, topics: Topics[], verifyOnly: boolean, version: number): Promise<TopicResult[]> {
  const coordinator = ctx.broker.transactionCoordinator.coordinator;
  const answer = (code: (topic: string, p: number, i: number) => number): TopicResult[] => {
    let i = 0;
    return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p, i++) })) }));
  };
  const unknown = new Set<string>();
  for (const t of topics) for (const p of t.partitions) if (!partitionExists(ctx, t.name, p)) unknown.add(tpKey(t.name, p));
  if (unknown.size > 0) {
    return answer((t, p) => (unknown.has(tpKey(t, p)) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
  }
  const keys = topics.flatMap((t) => t.partitions.map((p) => tpKey(t.name, p)));
  if (verifyOnly) {
    const codes = coordinator.verifyPartitions(transactionalId, producerId, producerEpoch, keys);
    return answer((_t, _p, i) => codes[i]!);
  }
  let error = await coordinator.addPartitions(transactionalId, producerId, producerEpoch, keys);
  // v0-v1 clients do not know PRODUCER_FENCED.
  if (error === ErrorCode.PRODUCER_FENCED && version < 2) error = ErrorCode.INVALID_PRODUCER_EPOCH;
  return answer(() => error);
}
