import type { ApiHandler, RequestContext } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetCommitPartition } from '../group-coordinator/offset-manager.js';

interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  retentionTimeMs: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; commitTimestamp: number; committedMetadata: string | null }[];
  }[];
}

/**
 * OffsetCommit v0-v9. Partitions of unknown topics answer
 * UNKNOWN_TOPIC_OR_PARTITION without reaching the coordinator; the rest are
 * acknowledged once their records are written to __consumer_offsets.
 */
export const offsetCommitHandler: ApiHandler<OffsetCommitRequest> = {
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  async handle(req, ctx) {
    const codes: number[][] = req.topics.map((t) => t.partitions.map((p) => (partitionExists(ctx, t.name, p.partitionIndex) ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)));
    const valid: OffsetCommitPartition[] = [];
    const slots: [number, number][] = [];
    req.topics.forEach((t, ti) =>
      t.partitions.forEach((p, pi) => {
        if (codes[ti]![pi] !== ErrorCode.NONE) return;
        valid.push({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata,
          commitTimestamp: p.commitTimestamp,
        });
        slots.push([ti, pi]);
      }),
    );
    if (valid.length > 0) {
      const groups = ctx.broker.groupCoordinator;
      // First use: the commit creates __consumer_offsets.
      if (groups.offsetsTopic.partitionCount() === null) await groups.ensureOffsetsTopic();
      const results = await groups.coordinator.commitOffsets({
        groupId: req.groupId,
        memberId: req.memberId ?? '',
        groupInstanceId: req.groupInstanceId,
        generationId: req.generationIdOrMemberEpoch,
        retentionTimeMs: req.retentionTimeMs,
        partitions: valid,
      });
      results.forEach((code, i) => {
        const [ti, pi] = slots[i]!;
        codes[ti]![pi] = code;
      });
    }
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t, ti) => ({
        name: t.name,
        partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi]! })),
      })),
    };
  },
};

/** Whether the cluster knows this topic partition (Kafka checks its metadata cache before the coordinator). */
export function partitionExists(ctx: RequestContext, topic: string, partition: number): boolean {
  const t = ctx.broker.metadata.topic(topic);
  return t !== undefined && t.partitions.some((p) => p.partition === partition);
}
