// What a partition assignor is (Kafka's ConsumerPartitionAssignor): the group
// leader runs the assignor the group agreed on (JoinGroup's protocol name)
// over every member's subscription (ConsumerProtocolSubscription: topics,
// userData, owned partitions, generation, rack) and the partition counts of
// the subscribed topics; each member then receives its partitions
// (ConsumerProtocolAssignment). An assignor may put its own bytes in a
// member's subscription (subscriptionUserData) and learns its member's
// assignment afterwards (onAssignment), which is how the sticky assignors
// remember what a member owned.

import type { TopicPartition } from '../leader-requests.js';

/** EAGER: revoke everything before rejoining. COOPERATIVE: KIP-429 incremental rebalancing. */
export type RebalanceProtocol = 'eager' | 'cooperative';

/** One member's subscription as the leader sees it. */
export interface MemberSubscription {
  topics: string[];
  userData: Buffer | null;
  /** Partitions the member owns going into the rebalance (subscription v1+; empty for eager members). */
  ownedPartitions: TopicPartition[];
  /** The generation the member last had (subscription v2+), -1 when unknown. */
  generationId: number;
  rackId: string | null;
  groupInstanceId: string | null;
}

/** What one member gets. */
export interface MemberAssignment {
  partitions: TopicPartition[];
  userData?: Buffer | null;
}

/** Topic name → partition count, for the subscribed topics that exist. */
export type PartitionsPerTopic = ReadonlyMap<string, number>;

export interface PartitionAssignor {
  /** The protocol name sent in JoinGroup ('range', 'roundrobin', 'sticky', 'cooperative-sticky', ...). */
  readonly name: string;
  /** Rebalance protocols this assignor supports; the consumer uses the most advanced one every configured assignor supports. */
  readonly supportedProtocols: readonly RebalanceProtocol[];
  /** Bytes for this member's subscription (null: none). */
  subscriptionUserData?(topics: ReadonlySet<string>): Buffer | null;
  /** Leader only: every member's partitions. Members missing from the result get nothing. */
  assign(partitionsPerTopic: PartitionsPerTopic, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment>;
  /** Every member, after each rebalance, with its own assignment and the group generation. */
  onAssignment?(assignment: MemberAssignment, generationId: number): void;
}

/**
 * Kafka's member order (MemberInfo.compareTo): static members first, by
 * group.instance.id, then dynamic members by member id.
 */
export function compareMembers(a: { memberId: string; groupInstanceId: string | null }, b: { memberId: string; groupInstanceId: string | null }): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return cmp(a.groupInstanceId, b.groupInstanceId) || cmp(a.memberId, b.memberId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return cmp(a.memberId, b.memberId);
}

/** Member ids in Kafka's member order. */
export function sortedMembers(subscriptions: ReadonlyMap<string, MemberSubscription>): string[] {
  return [...subscriptions]
    .map(([memberId, s]) => ({ memberId, groupInstanceId: s.groupInstanceId }))
    .sort(compareMembers)
    .map((m) => m.memberId);
}

/** Plain code-unit order, as Java's String.compareTo. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTp(a: TopicPartition, b: TopicPartition): number {
  return cmp(a.topic, b.topic) || a.partition - b.partition;
}

/** An empty assignment for every member. */
export function emptyAssignments(subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
  return new Map([...subscriptions.keys()].map((m) => [m, { partitions: [] }]));
}
