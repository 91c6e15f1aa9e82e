// The client's partition assignors: range and roundrobin give the Java
// client's assignments (cases from Kafka's RangeAssignorTest and
// RoundRobinAssignorTest), sticky and cooperative-sticky are balanced and
// sticky across generations (members simulated end to end: userData /
// ownedPartitions written by each member, the leader's assignment, then each
// member's onAssignment), cooperative-sticky never hands out a partition its
// owner has not revoked yet (KIP-429's two rebalances), and the embedded
// consumer protocol's bytes round-trip and read other clients' versions.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  CooperativeStickyAssignor,
  type MemberSubscription,
  type PartitionAssignor,
  type TopicPartition,
} from '../../src/index.js';
import { resolveAssignors, rebalanceProtocolOf } from '../../src/client/assignors/index.js';
import { decodeStickyUserData, encodeStickyUserData, stickyAssign, partitionsTransferringOwnership } from '../../src/client/assignors/sticky.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../src/client/consumer-protocol.js';

const sub = (topics: string[], extra: Partial<MemberSubscription> = {}): MemberSubscription => ({
  topics,
  userData: null,
  ownedPartitions: [],
  generationId: -1,
  rackId: null,
  groupInstanceId: null,
  ...extra,
});

const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });
const fmt = (ps: TopicPartition[]) => ps.map((p) => `${p.topic}-${p.partition}`).join(',');
const plain = (m: Map<string, { partitions: TopicPartition[] }>) => Object.fromEntries([...m].map(([k, v]) => [k, fmt(v.partitions)]));
const counts = (topics: Record<string, number>) => new Map(Object.entries(topics));

/** Every partition assigned exactly once (or at most once with `atMostOnce`), only to members subscribed to its topic. */
function assertValid(
  partitionsPerTopic: Map<string, number>,
  subs: Map<string, MemberSubscription>,
  result: Map<string, { partitions: TopicPartition[] }>,
  atMostOnce = false,
): void {
  const seen = new Map<string, string>();
  for (const [m, a] of result) {
    for (const p of a.partitions) {
      const k = `${p.topic}-${p.partition}`;
      assert.ok(!seen.has(k), `${k} assigned to ${seen.get(k)} and ${m}`);
      seen.set(k, m);
      assert.ok(subs.get(m)!.topics.includes(p.topic), `${m} got ${k} without subscribing to ${p.topic}`);
      assert.ok(p.partition >= 0 && p.partition < (partitionsPerTopic.get(p.topic) ?? 0), `${k} does not exist`);
    }
  }
  if (!atMostOnce) {
    for (const [t, n] of partitionsPerTopic) {
      if (![...subs.values()].some((s) => s.topics.includes(t))) continue;
      for (let p = 0; p < n; p++) assert.ok(seen.has(`${t}-${p}`), `${t}-${p} is not assigned`);
    }
  }
}

function spread(result: Map<string, { partitions: TopicPartition[] }>): number {
  const sizes = [...result.values()].map((a) => a.partitions.length);
  return Math.max(...sizes) - Math.min(...sizes);
}

/** A seeded PRNG (mulberry32) so that the randomized cases are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A group of simulated members, each with its own assignor instance: every
 * rebalance encodes each member's subscription as it would go into JoinGroup,
 * the leader decodes them and assigns, and each member gets onAssignment.
 * Cooperative members report what they own in ownedPartitions.
 */
class SimGroup {
  readonly members = new Map<string, { assignor: PartitionAssignor; topics: string[]; owned: TopicPartition[]; instanceId: string | null }>();
  generation = 0;

  constructor(private readonly make: () => PartitionAssignor) {}

  add(id: string, topics: string[], instanceId: string | null = null): void {
    this.members.set(id, { assignor: this.make(), topics, owned: [], instanceId });
  }

  remove(id: string): void {
    this.members.delete(id);
  }

  /** One rebalance; returns the assignment. */
  rebalance(partitionsPerTopic: Map<string, number>): Map<string, { partitions: TopicPartition[] }> {
    const cooperative = rebalanceProtocolOf([[...this.members.values()][0]!.assignor]) === 'cooperative';
    const subs = new Map<string, MemberSubscription>();
    for (const [id, m] of this.members) {
      const bytes = encodeSubscription({
        topics: m.topics,
        userData: m.assignor.subscriptionUserData?.(new Set(m.topics)) ?? null,
        ownedPartitions: cooperative ? m.owned : [],
        generationId: this.generation === 0 ? -1 : this.generation,
        rackId: null,
      });
      subs.set(id, decodeSubscription(bytes, m.instanceId));
    }
    const leader = [...this.members.values()][0]!.assignor;
    const result = leader.assign(partitionsPerTopic, subs);
    this.generation++;
    for (const [id, m] of this.members) {
      const a = decodeAssignment(encodeAssignment(result.get(id) ?? { partitions: [] }));
      m.assignor.onAssignment?.(a, this.generation);
      m.owned = a.partitions;
    }
    return result;
  }

  /** Cooperative: rebalances until nobody has to revoke anything; returns every intermediate assignment. */
  settle(partitionsPerTopic: Map<string, number>): Map<string, { partitions: TopicPartition[] }>[] {
    const rounds = [];
    for (let i = 0; i < 5; i++) {
      const before = new Map([...this.members].map(([id, m]) => [id, new Set(m.owned.map(fmt1))]));
      const r = this.rebalance(partitionsPerTopic);
      rounds.push(r);
      const revoked = [...this.members].some(([id, m]) => [...before.get(id)!].some((k) => !m.owned.map(fmt1).includes(k)));
      if (!revoked) return rounds;
    }
    throw new Error('cooperative rebalancing did not settle in 5 rounds');
  }
}
const fmt1 = (p: TopicPartition) => `${p.topic}-${p.partition}`;

describe('client assignors', () => {
  it('range: contiguous ranges per topic, the first members get the extra partitions (Java RangeAssignorTest)', () => {
    const r = new RangeAssignor();
    // testTwoConsumersTwoTopicsSixPartitions
    const subs = new Map([
      ['consumer1', sub(['topic1', 'topic2'])],
      ['consumer2', sub(['topic1', 'topic2'])],
    ]);
    assert.deepEqual(plain(r.assign(counts({ topic1: 3, topic2: 3 }), subs)), {
      consumer1: 'topic1-0,topic1-1,topic2-0,topic2-1',
      consumer2: 'topic1-2,topic2-2',
    });
    // testMultipleConsumersMixedTopics
    const mixed = new Map([
      ['consumer1', sub(['topic1'])],
      ['consumer2', sub(['topic1', 'topic2'])],
      ['consumer3', sub(['topic1'])],
    ]);
    assert.deepEqual(plain(r.assign(counts({ topic1: 3, topic2: 2 }), mixed)), {
      consumer1: 'topic1-0',
      consumer2: 'topic1-1,topic2-0,topic2-1',
      consumer3: 'topic1-2',
    });
    // More members than partitions: the extra ones get nothing; a topic that does not exist is skipped.
    const many = new Map([...Array(5).keys()].map((i) => [`c${i}`, sub(['t', 'missing'])]));
    const res = r.assign(counts({ t: 3 }), many);
    assert.deepEqual(plain(res), { c0: 't-0', c1: 't-1', c2: 't-2', c3: '', c4: '' });
    // Static members sort first, by group.instance.id (Kafka's MemberInfo order).
    const stat = new Map([
      ['a-dynamic', sub(['t'])],
      ['z-static', sub(['t'], { groupInstanceId: 'instance-1' })],
    ]);
    assert.deepEqual(plain(r.assign(counts({ t: 3 }), stat)), { 'a-dynamic': 't-2', 'z-static': 't-0,t-1' });
  });

  it('roundrobin: partitions dealt in topic/partition order, skipping unsubscribed members (Java RoundRobinAssignorTest)', () => {
    const r = new RoundRobinAssignor();
    const subs = new Map([
      ['consumer1', sub(['topic1', 'topic2'])],
      ['consumer2', sub(['topic1', 'topic2'])],
    ]);
    assert.deepEqual(plain(r.assign(counts({ topic1: 3, topic2: 3 }), subs)), {
      consumer1: 'topic1-0,topic1-2,topic2-1',
      consumer2: 'topic1-1,topic2-0,topic2-2',
    });
    const mixed = new Map([
      ['consumer1', sub(['topic1'])],
      ['consumer2', sub(['topic1', 'topic2'])],
      ['consumer3', sub(['topic1'])],
    ]);
    assert.deepEqual(plain(r.assign(counts({ topic1: 3, topic2: 2 }), mixed)), {
      consumer1: 'topic1-0',
      consumer2: 'topic1-1,topic2-0,topic2-1',
      consumer3: 'topic1-2',
    });
  });

  it('sticky: balanced for identical and mixed subscriptions, many random shapes', () => {
    const random = rng(42);
    for (let round = 0; round < 200; round++) {
      const nTopics = 1 + Math.floor(random() * 4);
      const topics: Record<string, number> = {};
      for (let t = 0; t < nTopics; t++) topics[`t${t}`] = 1 + Math.floor(random() * 12);
      const nMembers = 1 + Math.floor(random() * 7);
      const identical = random() < 0.5;
      const subs = new Map<string, MemberSubscription>();
      for (let m = 0; m < nMembers; m++) {
        const mine = identical ? Object.keys(topics) : Object.keys(topics).filter(() => random() < 0.6);
        subs.set(`member-${m}`, sub(mine.length ? mine : ['t0']));
      }
      const ppt = counts(topics);
      const result = new StickyAssignor().assign(ppt, subs);
      assertValid(ppt, subs, result);
      if (identical) assert.ok(spread(result) <= 1, `identical subscriptions unbalanced: ${JSON.stringify(plain(result))}`);
      else {
        // No partition could move to an eligible member holding 2 or more fewer.
        for (const [m, a] of result) {
          for (const p of a.partitions) {
            for (const [o, b] of result) {
              if (o !== m && subs.get(o)!.topics.includes(p.topic)) assert.ok(a.partitions.length - b.partitions.length <= 1, `${fmt1(p)} could move from ${m} to ${o}`);
            }
          }
        }
      }
    }
  });

  it('sticky: members keep their partitions across rebalances (join, leave, new partitions), through userData', () => {
    const g = new SimGroup(() => new StickyAssignor());
    const ppt = counts({ a: 6, b: 6 });
    g.add('m1', ['a', 'b']);
    g.add('m2', ['a', 'b']);
    g.add('m3', ['a', 'b']);
    let prev = g.rebalance(ppt);
    assert.equal(spread(prev), 0);
    // A fourth member: only the partitions it needs move (12 over 4: 3 each, so 3 move), none between the old members.
    g.add('m4', ['a', 'b']);
    let next = g.rebalance(ppt);
    assertValid(ppt, new Map([...g.members].map(([id, m]) => [id, sub(m.topics)])), next);
    assert.equal(spread(next), 0);
    let moved = 0;
    for (const id of ['m1', 'm2', 'm3']) {
      const before = new Set(prev.get(id)!.partitions.map(fmt1));
      const after = next.get(id)!.partitions.map(fmt1);
      for (const k of after) assert.ok(before.has(k), `${id} gained ${k}`);
      moved += before.size - after.length;
    }
    assert.equal(moved, 3);
    // m2 leaves: its partitions go to the others, nobody else loses one.
    prev = next;
    g.remove('m2');
    next = g.rebalance(ppt);
    assert.ok(spread(next) <= 1);
    for (const id of ['m1', 'm3', 'm4']) {
      const after = new Set(next.get(id)!.partitions.map(fmt1));
      for (const k of prev.get(id)!.partitions.map(fmt1)) assert.ok(after.has(k), `${id} lost ${k}`);
    }
    // The topic grows: existing partitions stay put, the new ones are spread.
    prev = next;
    const grown = counts({ a: 9, b: 6 });
    next = g.rebalance(grown);
    assert.equal(spread(next), 0);
    for (const id of ['m1', 'm3', 'm4']) {
      const after = new Set(next.get(id)!.partitions.map(fmt1));
      for (const k of prev.get(id)!.partitions.map(fmt1)) assert.ok(after.has(k), `${id} lost ${k} when partitions were added`);
    }
  });

  it('sticky: a partition claimed by two members goes to the newer generation; a tie invalidates both claims', () => {
    const ppt = counts({ t: 4 });
    const d = (owned: TopicPartition[], generation: number) => encodeStickyUserData(owned, generation);
    const subs = new Map([
      ['old', sub(['t'], { userData: d([tp('t', 0), tp('t', 1)], 3) })],
      ['new', sub(['t'], { userData: d([tp('t', 1), tp('t', 2)], 4) })],
    ]);
    const r = new StickyAssignor().assign(ppt, subs);
    assertValid(ppt, subs, r);
    assert.ok(r.get('new')!.partitions.some((p) => p.partition === 1), 't-1 stays with the newer generation');
    assert.ok(r.get('new')!.partitions.some((p) => p.partition === 2));
    assert.ok(r.get('old')!.partitions.some((p) => p.partition === 0));
    // Same generation, same partition: neither claim counts, the result is still valid and balanced.
    const tie = new Map([
      ['x', sub(['t'], { userData: d([tp('t', 0)], 5) })],
      ['y', sub(['t'], { userData: d([tp('t', 0)], 5) })],
    ]);
    const rt = new StickyAssignor().assign(ppt, tie);
    assertValid(ppt, tie, rt);
    assert.equal(spread(rt), 0);
    // Owned partitions of topics no longer subscribed, or that no longer exist, are dropped.
    const stale = new Map([['m', sub(['t'], { userData: d([tp('gone', 0), tp('t', 9)], 2) })]]);
    assert.deepEqual(plain(new StickyAssignor().assign(ppt, stale)), { m: 't-0,t-1,t-2,t-3' });
  });

  it('sticky userData: the Java/librdkafka StickyAssignorUserData v1 bytes', () => {
    // [ {topic "t06", partitions [0, 4]} ] generation -1 (the bytes other clients' tests use).
    const golden = Buffer.from('0000000100037430360000000200000000000000' + '04' + 'ffffffff', 'hex');
    assert.deepEqual(decodeStickyUserData(golden), { owned: [tp('t06', 0), tp('t06', 4)], generation: -1 });
    assert.deepEqual(encodeStickyUserData([tp('t06', 4), tp('t06', 0)], -1), golden);
    // v0 (no generation) still decodes; garbage does not throw.
    assert.deepEqual(decodeStickyUserData(golden.subarray(0, golden.length - 4)), { owned: [tp('t06', 0), tp('t06', 4)], generation: -1 });
    assert.equal(decodeStickyUserData(Buffer.from([0xff, 0xff])), null);
    // The cooperative assignor's userData is the generation alone (Java's CooperativeStickyAssignor).
    const c = new CooperativeStickyAssignor();
    c.onAssignment({ partitions: [tp('t', 1)] }, 7);
    assert.deepEqual(c.subscriptionUserData(), Buffer.from([0, 0, 0, 7]));
    const s = new StickyAssignor();
    assert.equal(s.subscriptionUserData(), null, 'no previous assignment: no userData');
    s.onAssignment({ partitions: [tp('t', 1)] }, 7);
    assert.deepEqual(decodeStickyUserData(s.subscriptionUserData()), { owned: [tp('t', 1)], generation: 7 });
  });

  it('cooperative-sticky: a partition changing owner is first revoked, then assigned on the follow-up rebalance', () => {
    const g = new SimGroup(() => new CooperativeStickyAssignor());
    const ppt = counts({ t: 4 });
    g.add('m1', ['t']);
    const first = g.settle(ppt);
    assert.equal(first.length, 1);
    assert.deepEqual(plain(first[0]!), { m1: 't-0,t-1,t-2,t-3' });

    // m2 joins: round 1 takes 2 partitions from m1 but gives them to nobody; round 2 hands them to m2.
    g.add('m2', ['t']);
    const rounds = g.settle(ppt);
    assert.equal(rounds.length, 2, 'two rebalances (KIP-429)');
    assert.deepEqual(rounds[0]!.get('m2')!.partitions, []);
    assert.equal(rounds[0]!.get('m1')!.partitions.length, 2);
    const released = ['t-0', 't-1', 't-2', 't-3'].filter((k) => !rounds[0]!.get('m1')!.partitions.map(fmt1).includes(k));
    assert.deepEqual(rounds[1]!.get('m2')!.partitions.map(fmt1), released);
    assert.deepEqual(rounds[1]!.get('m1')!.partitions, rounds[0]!.get('m1')!.partitions, 'm1 keeps what it kept');

    // m3 joins: again no partition is ever owned by two members at once, and the end is balanced.
    g.add('m3', ['t']);
    const owners = new Map<string, string>();
    for (const [id, m] of g.members) for (const p of m.owned) owners.set(fmt1(p), id);
    const r3 = g.settle(ppt);
    for (const round of r3) {
      for (const [id, a] of round) {
        for (const p of a.partitions) {
          const was = owners.get(fmt1(p));
          assert.ok(was === undefined || was === id, `${fmt1(p)} given to ${id} while ${was} still owned it`);
        }
      }
      owners.clear();
      for (const [id, m] of g.members) for (const p of m.owned) owners.set(fmt1(p), id);
    }
    const final = r3.at(-1)!;
    assertValid(ppt, new Map([...g.members].map(([id, m]) => [id, sub(m.topics)])), final);
    assert.ok(spread(final) <= 1);

    // A member leaving: its partitions have no live owner and are assigned in a single rebalance.
    g.remove('m1');
    const afterLeave = g.settle(ppt);
    assert.equal(afterLeave.length, 1);
    assertValid(ppt, new Map([...g.members].map(([id, m]) => [id, sub(m.topics)])), afterLeave[0]!);
  });

  it('cooperative-sticky: transferring partitions are exactly those owned by one member and assigned to another', () => {
    const subs = new Map([
      ['a', sub(['t'], { ownedPartitions: [tp('t', 0), tp('t', 1), tp('t', 2)], generationId: 3 })],
      ['b', sub(['t'], { ownedPartitions: [], generationId: -1 })],
    ]);
    const full = new Map([...stickyAssign(counts({ t: 4 }), subs, (s) => ({ owned: s.ownedPartitions, generation: s.generationId }))].map(([m, ps]) => [m, { partitions: ps }]));
    assert.equal(spread(full), 0);
    const moving = partitionsTransferringOwnership(subs, full);
    // b gets t-3 (unowned) at once, and one of a's partitions later.
    assert.equal(moving.size, 1);
    assert.equal([...moving.values()][0], 'b');
    const coop = new CooperativeStickyAssignor().assign(counts({ t: 4 }), subs);
    assert.deepEqual(plain(coop), { a: 't-0,t-1', b: 't-3' });
  });

  it('consumer protocol: subscription and assignment bytes round-trip; older and truncated versions decode', () => {
    const bytes = encodeSubscription({ topics: ['b', 'a'], userData: Buffer.from([1, 2]), ownedPartitions: [tp('a', 1), tp('a', 0)], generationId: 5, rackId: 'r1' });
    assert.equal(bytes.readInt16BE(0), 3);
    const d = decodeSubscription(bytes, 'inst');
    assert.deepEqual(d, { version: 3, topics: ['a', 'b'], userData: Buffer.from([1, 2]), ownedPartitions: [tp('a', 0), tp('a', 1)], generationId: 5, rackId: 'r1', groupInstanceId: 'inst' });
    // KafkaJS writes version 0: topics and userData only.
    const v0 = Buffer.from('0000' + '00000001' + '0001' + '74' + '00000000', 'hex');
    assert.deepEqual(decodeSubscription(v0), { version: 0, topics: ['t'], userData: Buffer.alloc(0), ownedPartitions: [], generationId: -1, rackId: null, groupInstanceId: null });
    // A client claiming v1 without writing owned partitions is read as v0.
    const lying = Buffer.from(v0);
    lying.writeInt16BE(1, 0);
    assert.deepEqual(decodeSubscription(lying).topics, ['t']);
    // A newer version than we know: the fields we know are read, the rest ignored.
    const v9 = Buffer.concat([bytes, Buffer.from([9, 9, 9])]);
    v9.writeInt16BE(9, 0);
    assert.deepEqual(decodeSubscription(v9).ownedPartitions, [tp('a', 0), tp('a', 1)]);

    const a = encodeAssignment({ partitions: [tp('y', 2), tp('x', 0), tp('y', 1)], userData: null });
    assert.deepEqual(decodeAssignment(a), { version: 3, partitions: [tp('x', 0), tp('y', 1), tp('y', 2)], userData: null });
    assert.deepEqual(decodeAssignment(Buffer.alloc(0)).partitions, [], 'empty bytes: nothing assigned');
  });

  it('assignors by name, and the rebalance protocol a list implies', () => {
    assert.deepEqual(resolveAssignors('range, cooperative-sticky').map((a) => a.name), ['range', 'cooperative-sticky']);
    assert.deepEqual(resolveAssignors(['org.apache.kafka.clients.consumer.RoundRobinAssignor']).map((a) => a.name), ['roundrobin']);
    assert.throws(() => resolveAssignors(['nope']), /unknown partition.assignment.strategy/);
    assert.throws(() => resolveAssignors(['range', 'range']), /twice/);
    assert.equal(rebalanceProtocolOf(resolveAssignors(['cooperative-sticky'])), 'cooperative');
    assert.equal(rebalanceProtocolOf(resolveAssignors(['range', 'cooperative-sticky'])), 'eager', "Kafka's default list stays eager");
    const custom: PartitionAssignor = { name: 'mine', supportedProtocols: ['cooperative'], assign: () => new Map() };
    assert.throws(() => rebalanceProtocolOf([new RangeAssignor(), custom]), /no common rebalance protocol/);
    assert.equal(resolveAssignors([custom])[0], custom);
  });
});
