import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import { partitionExists } from './offset-commit.js';
import type { TopicPartition } from '../group-coordinator/offset-manager.js';

interface OffsetDeleteRequest {
  groupId: string;
  topics: { name: string; partitions: { partitionIndex: number }[] }[];
}

/** OffsetDelete v0: GROUP_SUBSCRIBED_TO_TOPIC for topics the group consumes, NON_EMPTY_GROUP for non-consumer groups with members. */
export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest> = {
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(req, ctx) {
    const codes: number[][] = req.topics.map((t) => t.partitions.map((p) => (partitionExists(ctx, t.name, p.partitionIndex) ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)));
    const valid: TopicPartition[] = [];
    const slots: [number, number][] = [];
    req.topics.forEach((t, ti) =>
      t.partitions.forEach((p, pi) => {
        if (codes[ti]![pi] !== ErrorCode.NONE) return;
        valid.push({ topic: t.name, partition: p.partitionIndex });
        slots.push([ti, pi]);
      }),
    );
    const r = await ctx.broker.groupCoordinator.coordinator.deleteOffsets(req.groupId, valid);
    if (r.errorCode !== ErrorCode.NONE) return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [] };
    r.partitions.forEach((code, i) => {
      const [ti, pi] = slots[i]!;
      codes[ti]![pi] = code;
    });
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: req.topics.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi]! })) })),
    };
  },
};
