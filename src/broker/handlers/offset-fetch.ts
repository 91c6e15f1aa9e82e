import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { FetchedOffset, TopicPartition } from '../group-coordinator/offset-manager.js';

type Topics = { name: string; partitionIndexes: number[] }[] | null;

interface OffsetFetchRequest {
  groupId: string;
  topics: Topics;
  groups: { groupId: string; memberId: string | null; memberEpoch: number; topics: Topics }[];
  requireStable: boolean;
}

/**
 * OffsetFetch v0-v9: one group (v0-v7) or many (v8+); null topics (v2+)
 * ask for every partition with a committed offset.
 */
export const offsetFetchHandler: ApiHandler<OffsetFetchRequest> = {
  apiKey: 9,
  minVersion: 0,
  maxVersion: 9,
  handle(req, ctx) {
    const v = ctx.header.apiVersion;
    const coordinator = ctx.broker.groupCoordinator.coordinator;
    const requireStable = v >= 7 && req.requireStable;
    const fetchGroup = (groupId: string, topics: Topics) => {
      const partitions: TopicPartition[] | null = topics === null ? null : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
      return { ...coordinator.fetchOffsets(groupId, requireStable, partitions), partitions };
    };
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((g) => {
          const r = fetchGroup(g.groupId, g.topics);
          return { groupId: g.groupId, topics: byTopic(r.offsets), errorCode: r.errorCode };
        }),
      };
    }
    const r = fetchGroup(req.groupId, req.topics);
    if (r.errorCode !== ErrorCode.NONE && v < 2) {
      // No group-level error before v2: every requested partition carries it.
      const failed: FetchedOffset[] = (r.partitions ?? []).map((tp) => ({ ...tp, offset: -1, leaderEpoch: -1, metadata: '', errorCode: r.errorCode }));
      return { throttleTimeMs: 0, topics: byTopic(failed), errorCode: r.errorCode };
    }
    return { throttleTimeMs: 0, topics: byTopic(r.offsets), errorCode: r.errorCode };
  },
};

function byTopic(offsets: FetchedOffset[]) {
  const topics = new Map<string, { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string; errorCode: number }[] }>();
  for (const o of offsets) {
    let t = topics.get(o.topic);
    if (!t) topics.set(o.topic, (t = { name: o.topic, partitions: [] }));
    t.partitions.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: o.errorCode });
  }
  return [...topics.values()];
}
