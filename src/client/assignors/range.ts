// Kafka's RangeAssignor, per topic: the members subscribed to the topic in
// member order each take a contiguous range of its partitions, the first
// (partitions % members) one partition more. Same member order and the same
// arithmetic as the Java client, so a mixed group assigns identically
// whichever member leads. Rack-aware placement (KIP-881) is not done.

import type { MemberAssignment, MemberSubscription, PartitionAssignor, PartitionsPerTopic } from './assignor.js';
import { emptyAssignments, sortedMembers } from './assignor.js';

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';
  readonly supportedProtocols = ['eager'] as const;

  assign(partitionsPerTopic: PartitionsPerTopic, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
    const out = emptyAssignments(subscriptions);
    const order = sortedMembers(subscriptions);
    const topics = [...new Set([...subscriptions.values()].flatMap((s) => s.topics))].sort();
    for (const topic of topics) {
      const n = partitionsPerTopic.get(topic);
      if (n === undefined) continue;
      const members = order.filter((m) => subscriptions.get(m)!.topics.includes(topic));
      if (members.length === 0) continue;
      const per = Math.floor(n / members.length);
      const extra = n % members.length;
      members.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        const parts = out.get(m)!.partitions;
        for (let p = start; p < start + length; p++) parts.push({ topic, partition: p });
      });
    }
    return out;
  }
}
