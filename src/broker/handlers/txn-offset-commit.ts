import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetCommitPartition } from '../group-coordinator/offset-manager.js';
import { partitionExists } from './offset-commit.js';

interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }[] }[];
}

/**
 * TxnOffsetCommit v0-v4: offsets committed in a transaction, pending in the
 * group until the transaction's marker reaches its __consumer_offsets
 * partition (see group-coordinator/txn-offset-commit.ts). Partitions of
 * unknown topics answer UNKNOWN_TOPIC_OR_PARTITION without reaching the coordinator.
 */
export const txnOffsetCommitHandler: ApiHandler<TxnOffsetCommitRequest> = {
  apiKey: 28,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    const codes: number[][] = req.topics.map((t) => t.partitions.map((p) => (partitionExists(ctx, t.name, p.partitionIndex) ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)));
    const valid: OffsetCommitPartition[] = [];
    const slots: [number, number][] = [];
    req.topics.forEach((t, ti) =>
      t.partitions.forEach((p, pi) => {
        if (codes[ti]![pi] !== ErrorCode.NONE) return;
        valid.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata, commitTimestamp: -1 });
        slots.push([ti, pi]);
      }),
    );
    if (valid.length > 0) {
      const groups = ctx.broker.groupCoordinator;
      if (groups.offsetsTopic.partitionCount() === null) await groups.ensureOffsetsTopic();
      const results = await groups.coordinator.commitTransactionalOffsets({
        transactionalId: req.transactionalId,
        groupId: req.groupId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        generationId: req.generationId,
        memberId: req.memberId ?? '',
        groupInstanceId: req.groupInstanceId,
        partitions: valid,
      });
      results.forEach((code, i) => {
        const [ti, pi] = slots[i]!;
        codes[ti]![pi] = code;
      });
    }
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi]! })) })),
    };
  },
};
