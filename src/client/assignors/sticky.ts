// The sticky assignors (KIP-54 sticky, KIP-429 cooperative-sticky): a
// balanced assignment that moves as few partitions as possible.
//
// What each member owned comes from its subscription:
//   sticky (eager): userData = StickyAssignorUserData v1, the Java client's
//     and librdkafka's format, no version prefix:
//       [previous_assignment: topic string, partitions [int32]] generation int32
//     (v0 had no generation).
//   cooperative-sticky: ownedPartitions (subscription v1+) with the generation
//     from the subscription (v2+) or else userData = generation int32
//     (the Java CooperativeStickyAssignor's "V0" user data).
// A partition claimed by several members goes to the claim with the highest
// generation; claims tied at the highest generation are all dropped (Kafka
// logs the same conflict and invalidates them).
//
// The algorithm: keep each member's valid owned partitions; when every member
// can take every partition (identical subscriptions) trim to Kafka's quotas
// (floor/ceil of partitions/members, at most partitions % members members at
// the ceiling) and fill up the members below quota, which is exactly balanced
// and maximally sticky; otherwise hand out the free partitions (those with the
// fewest eligible members first) to the eligible member holding the fewest,
// then move partitions from the fullest members to eligible emptier ones while
// that improves the balance.
//
// Cooperative-sticky then withholds every partition changing owner (one that
// a live member owns now and another gets): the owner revokes it on this
// rebalance and it is handed out on the follow-up one (KIP-429).

import type { TopicPartition } from '../leader-requests.js';
import { tpKey } from '../leader-requests.js';
import { Reader, Writer } from '../../protocol/primitives.js';
import type { MemberAssignment, MemberSubscription, PartitionAssignor, PartitionsPerTopic, RebalanceProtocol } from './assignor.js';
import { compareTp, sortedMembers } from './assignor.js';

export interface StickyMemberData {
  owned: TopicPartition[];
  /** -1 when the member did not say. */
  generation: number;
}

/** StickyAssignorUserData v1: the previous assignment and its generation. */
export function encodeStickyUserData(partitions: readonly TopicPartition[], generation: number): Buffer {
  const byTopic = groupByTopic(partitions);
  const w = new Writer(64);
  w.int32(byTopic.size);
  for (const [topic, ps] of byTopic) {
    w.string(topic, false);
    w.int32(ps.length);
    for (const p of ps) w.int32(p);
  }
  w.int32(generation);
  return w.toBuffer();
}

/** Decodes StickyAssignorUserData v0 (no generation) or v1; null when the bytes are not that format. */
export function decodeStickyUserData(buf: Buffer | null): StickyMemberData | null {
  if (!buf || buf.length === 0) return null;
  try {
    const r = new Reader(buf);
    const owned: TopicPartition[] = [];
    const topics = r.arrayLength(false, 6);
    for (let i = 0; i < topics; i++) {
      const topic = r.string(false);
      if (topic === null) return null;
      const n = r.arrayLength(false, 4);
      for (let j = 0; j < n; j++) owned.push({ topic, partition: r.int32() });
    }
    const generation = r.remaining >= 4 ? r.int32() : -1;
    return { owned, generation };
  } catch {
    return null;
  }
}

/** The Java CooperativeStickyAssignor's user data: the generation alone. */
export function encodeCooperativeUserData(generation: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(generation);
  return b;
}

function groupByTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const tp of [...partitions].sort(compareTp)) {
    let l = m.get(tp.topic);
    if (!l) m.set(tp.topic, (l = []));
    l.push(tp.partition);
  }
  return m;
}

abstract class AbstractStickyAssignor implements PartitionAssignor {
  abstract readonly name: string;
  abstract readonly supportedProtocols: readonly RebalanceProtocol[];
  /** This member's last assignment and generation (from onAssignment). */
  protected memberAssignment: TopicPartition[] | null = null;
  protected generation = -1;

  abstract subscriptionUserData(topics: ReadonlySet<string>): Buffer | null;
  protected abstract memberData(sub: MemberSubscription): StickyMemberData;

  onAssignment(assignment: MemberAssignment, generationId: number): void {
    this.memberAssignment = assignment.partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    this.generation = generationId;
  }

  assign(partitionsPerTopic: PartitionsPerTopic, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
    const result = stickyAssign(partitionsPerTopic, subscriptions, (s) => this.memberData(s));
    return new Map([...result].map(([m, ps]) => [m, { partitions: ps }]));
  }
}

/** KIP-54's sticky assignor (eager). */
export class StickyAssignor extends AbstractStickyAssignor {
  readonly name = 'sticky';
  readonly supportedProtocols = ['eager'] as const;

  subscriptionUserData(): Buffer | null {
    return this.memberAssignment === null ? null : encodeStickyUserData(this.memberAssignment, this.generation);
  }

  protected memberData(sub: MemberSubscription): StickyMemberData {
    // Eager members revoked everything before joining: what they owned is in userData.
    return decodeStickyUserData(sub.userData) ?? { owned: [], generation: -1 };
  }
}

/** KIP-429's cooperative-sticky assignor. */
export class CooperativeStickyAssignor extends AbstractStickyAssignor {
  readonly name = 'cooperative-sticky';
  readonly supportedProtocols = ['eager', 'cooperative'] as const;

  subscriptionUserData(): Buffer | null {
    return encodeCooperativeUserData(this.generation);
  }

  protected memberData(sub: MemberSubscription): StickyMemberData {
    if (sub.generationId >= 0) return { owned: sub.ownedPartitions, generation: sub.generationId };
    let generation = -1;
    const u = sub.userData;
    if (u && u.length === 4) generation = u.readInt32BE(0);
    else if (u && u.length > 4) {
      // librdkafka sends StickyAssignorUserData here too.
      const d = decodeStickyUserData(u);
      if (d) {
        generation = d.generation;
        if (sub.ownedPartitions.length === 0) return d;
      }
    }
    return { owned: sub.ownedPartitions, generation };
  }

  override assign(partitionsPerTopic: PartitionsPerTopic, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
    const out = super.assign(partitionsPerTopic, subscriptions);
    const moving = partitionsTransferringOwnership(subscriptions, out);
    for (const [key, member] of moving) {
      const a = out.get(member)!;
      a.partitions = a.partitions.filter((p) => tpKey(p.topic, p.partition) !== key);
    }
    return out;
  }
}

/**
 * Partitions some member gets that another member owns now and gives up
 * (Kafka's computePartitionsTransferringOwnership): key → receiving member.
 */
export function partitionsTransferringOwnership(
  subscriptions: ReadonlyMap<string, MemberSubscription>,
  assignments: ReadonlyMap<string, MemberAssignment>,
): Map<string, string> {
  const added = new Map<string, string>();
  const revoked = new Set<string>();
  for (const [member, a] of assignments) {
    const owned = new Set((subscriptions.get(member)?.ownedPartitions ?? []).map((p) => tpKey(p.topic, p.partition)));
    const assigned = new Set(a.partitions.map((p) => tpKey(p.topic, p.partition)));
    for (const k of assigned) if (!owned.has(k)) added.set(k, member);
    for (const k of owned) if (!assigned.has(k)) revoked.add(k);
  }
  for (const k of [...added.keys()]) if (!revoked.has(k)) added.delete(k);
  return added;
}

/** The sticky assignment itself: member id → sorted partitions. Exported for tests. */
export function stickyAssign(
  partitionsPerTopic: PartitionsPerTopic,
  subscriptions: ReadonlyMap<string, MemberSubscription>,
  memberData: (s: MemberSubscription) => StickyMemberData,
): Map<string, TopicPartition[]> {
  const members = sortedMembers(subscriptions);
  const rank = new Map(members.map((m, i) => [m, i]));
  const byMember = (a: string, b: string) => rank.get(a)! - rank.get(b)!;

  // Every partition, and who may take it.
  const all: TopicPartition[] = [];
  const eligible = new Map<string, string[]>();
  const topicsOf = new Map(members.map((m) => [m, new Set(subscriptions.get(m)!.topics)]));
  for (const topic of [...partitionsPerTopic.keys()].sort()) {
    const takers = members.filter((m) => topicsOf.get(m)!.has(topic));
    if (takers.length === 0) continue;
    for (let p = 0; p < partitionsPerTopic.get(topic)!; p++) {
      all.push({ topic, partition: p });
      eligible.set(tpKey(topic, p), takers);
    }
  }
  const byKey = new Map(all.map((tp) => [tpKey(tp.topic, tp.partition), tp]));

  // Resolve claims: highest generation wins; a tie at the top invalidates the partition's claims.
  const claims = new Map<string, { member: string; generation: number }[]>();
  for (const m of members) {
    const d = memberData(subscriptions.get(m)!);
    const seen = new Set<string>();
    for (const tp of d.owned) {
      const k = tpKey(tp.topic, tp.partition);
      if (seen.has(k) || !byKey.has(k) || !topicsOf.get(m)!.has(tp.topic)) continue;
      seen.add(k);
      let l = claims.get(k);
      if (!l) claims.set(k, (l = []));
      l.push({ member: m, generation: d.generation });
    }
  }
  const current = new Map<string, TopicPartition[]>(members.map((m) => [m, []]));
  const owner = new Map<string, string>();
  for (const [k, l] of claims) {
    const top = Math.max(...l.map((c) => c.generation));
    const winners = l.filter((c) => c.generation === top);
    if (winners.length !== 1) continue;
    current.get(winners[0]!.member)!.push(byKey.get(k)!);
    owner.set(k, winners[0]!.member);
  }
  for (const l of current.values()) l.sort(compareTp);

  const identical = members.every((m) => sameSet(topicsOf.get(m)!, topicsOf.get(members[0]!)!, partitionsPerTopic));
  if (members.length > 0 && identical) {
    constrainedBalance(all, members, current, owner);
  } else {
    generalBalance(all, members, current, owner, eligible, byMember);
  }
  for (const l of current.values()) l.sort(compareTp);
  return current;
}

/** Same subscribed topics among those that exist. */
function sameSet(a: Set<string>, b: Set<string>, existing: PartitionsPerTopic): boolean {
  const x = [...a].filter((t) => existing.has(t)).sort();
  const y = [...b].filter((t) => existing.has(t)).sort();
  return x.length === y.length && x.every((t, i) => t === y[i]);
}

function constrainedBalance(all: TopicPartition[], members: string[], current: Map<string, TopicPartition[]>, owner: Map<string, string>): void {
  const total = all.length;
  const n = members.length;
  const minQuota = Math.floor(total / n);
  const maxQuota = Math.ceil(total / n);
  const expectedAtMax = total % n;
  let atMax = 0;
  // Members owning the most keep the extra partition first (fewest moves), then member order.
  const byOwned = [...members].sort((a, b) => current.get(b)!.length - current.get(a)!.length || members.indexOf(a) - members.indexOf(b));
  for (const m of byOwned) {
    const owned = current.get(m)!;
    let keep: number;
    if (owned.length <= minQuota) keep = owned.length;
    else if (owned.length >= maxQuota && atMax < expectedAtMax) {
      keep = maxQuota;
      atMax++;
    } else keep = minQuota;
    for (const tp of owned.splice(keep)) owner.delete(tpKey(tp.topic, tp.partition));
  }
  const free = all.filter((tp) => !owner.has(tpKey(tp.topic, tp.partition)));
  let i = 0;
  // Up to the minimum quota first, in member order...
  for (const m of members) {
    const l = current.get(m)!;
    while (l.length < minQuota && i < free.length) l.push(free[i++]!);
  }
  // ...then one more for as many members as may hold the maximum.
  for (const m of members) {
    if (i >= free.length) break;
    const l = current.get(m)!;
    if (l.length === minQuota && atMax < expectedAtMax) {
      l.push(free[i++]!);
      atMax++;
    }
  }
  // Cannot happen when the quotas add up, but never drop a partition.
  for (let k = 0; i < free.length; k++) current.get(members[k % n]!)!.push(free[i++]!);
}

function generalBalance(
  all: TopicPartition[],
  members: string[],
  current: Map<string, TopicPartition[]>,
  owner: Map<string, string>,
  eligible: Map<string, string[]>,
  byMember: (a: string, b: string) => number,
): void {
  const count = (m: string) => current.get(m)!.length;
  // Free partitions, the most constrained (fewest eligible members) first.
  const free = all
    .filter((tp) => !owner.has(tpKey(tp.topic, tp.partition)))
    .sort((a, b) => eligible.get(tpKey(a.topic, a.partition))!.length - eligible.get(tpKey(b.topic, b.partition))!.length || compareTp(a, b));
  for (const tp of free) {
    const k = tpKey(tp.topic, tp.partition);
    const to = [...eligible.get(k)!].sort((a, b) => count(a) - count(b) || byMember(a, b))[0]!;
    current.get(to)!.push(tp);
    owner.set(k, to);
  }
  // Move from the fullest members to eligible emptier ones while a move narrows a gap of 2 or more.
  const limit = all.length * Math.max(1, members.length);
  for (let iter = 0; iter < limit; iter++) {
    let best: { tp: TopicPartition; from: string; to: string; gap: number } | null = null;
    for (const from of members) {
      for (const tp of current.get(from)!) {
        for (const to of eligible.get(tpKey(tp.topic, tp.partition))!) {
          const gap = count(from) - count(to);
          if (to === from || gap < 2) continue;
          if (!best || gap > best.gap || (gap === best.gap && (byMember(from, best.from) < 0 || (from === best.from && (compareTp(tp, best.tp) > 0 || (compareTp(tp, best.tp) === 0 && byMember(to, best.to) < 0)))))) {
            best = { tp, from, to, gap };
          }
        }
      }
    }
    if (!best) break;
    const l = current.get(best.from)!;
    l.splice(l.indexOf(best.tp), 1);
    current.get(best.to)!.push(best.tp);
    owner.set(tpKey(best.tp.topic, best.tp.partition), best.to);
  }
}

