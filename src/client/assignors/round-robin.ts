// Kafka's RoundRobinAssignor: every partition of every subscribed topic,
// ordered by topic then partition, dealt in turn to the members in member
// order, skipping members not subscribed to the partition's topic.

import type { MemberAssignment, MemberSubscription, PartitionAssignor, PartitionsPerTopic } from './assignor.js';
import { emptyAssignments, sortedMembers } from './assignor.js';

export class RoundRobinAssignor implements PartitionAssignor {
  readonly name = 'roundrobin';
  readonly supportedProtocols = ['eager'] as const;

  assign(partitionsPerTopic: PartitionsPerTopic, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
    const out = emptyAssignments(subscriptions);
    const order = sortedMembers(subscriptions);
    if (order.length === 0) return out;
    const subscribed = new Map(order.map((m) => [m, new Set(subscriptions.get(m)!.topics)]));
    const topics = [...new Set([...subscriptions.values()].flatMap((s) => s.topics))].filter((t) => partitionsPerTopic.has(t)).sort();
    let next = 0;
    for (const topic of topics) {
      const n = partitionsPerTopic.get(topic)!;
      for (let p = 0; p < n; p++) {
        // The circular iterator moves on until it finds a member subscribed to the topic.
        for (let tries = 0; tries < order.length; tries++) {
          const m = order[next % order.length]!;
          next++;
          if (subscribed.get(m)!.has(topic)) {
            out.get(m)!.partitions.push({ topic, partition: p });
            break;
          }
        }
      }
    }
    return out;
  }
}
