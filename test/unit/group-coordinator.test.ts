// The classic group coordinator driven with an injected clock (MockTime) and
// an in-memory __consumer_offsets: join/sync flows, delayed rebalances,
// sessions, static members, fencing, bad input, offsets, expiry, and a
// restart that replays the records written and must rebuild the same state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Writer } from '../../src/protocol/primitives.js';
import { MessageCodec } from '../../src/protocol/codec.js';
import { ConsumerProtocolSubscription } from '../../src/protocol/messages/consumer-protocol.js';
import { GroupCoordinator, type GroupCoordinatorConfig } from '../../src/broker/group-coordinator/coordinator.js';
import type { AppendOutcome, CoordinatorLog, LoadedBatch } from '../../src/broker/group-coordinator/group-metadata-manager.js';
import type { JoinRequest } from '../../src/broker/group-coordinator/membership.js';
import type { JoinResult, SyncResult } from '../../src/broker/group-coordinator/member.js';
import {
  decodeRecord,
  encodeKey,
  encodeValue,
  javaStringHashCode,
  partitionFor,
  type CoordinatorRecord,
} from '../../src/broker/group-coordinator/records.js';
import { MockTime } from '../../src/broker/group-coordinator/time.js';
import { canTransition, GROUP_STATES } from '../../src/broker/group-coordinator/group-state.js';
import { setLogLevel } from '../../src/logger.js';

setLogLevel('off');

const PARTITIONS = 4;

/** __consumer_offsets in memory: batches of encoded records per partition; appends can be held or failed. */
class MemoryLog implements CoordinatorLog {
  readonly batches = new Map<number, LoadedBatch[]>();
  private readonly next = new Map<number, number>();
  private held: (() => void)[] | null = null;
  failWith: number | null = null;
  readHold: Promise<void> | null = null;

  partitionCount(): number {
    return PARTITIONS;
  }
  isLeader(): boolean {
    return true;
  }
  async append(partition: number, records: readonly CoordinatorRecord[]): Promise<AppendOutcome> {
    if (this.failWith !== null) return { errorCode: this.failWith, baseOffset: -1 };
    const baseOffset = this.next.get(partition) ?? 0;
    this.next.set(partition, baseOffset + records.length);
    const list = this.batches.get(partition) ?? [];
    this.batches.set(partition, list);
    list.push({ baseOffset, producerId: -1, isTransactional: false, isControl: false, records: records.map((r) => ({ key: encodeKey(r), value: encodeValue(r) })) });
    if (this.held) await new Promise<void>((r) => this.held!.push(r));
    return { errorCode: 0, baseOffset };
  }
  async *read(partition: number): AsyncIterable<LoadedBatch> {
    if (this.readHold) await this.readHold;
    for (const b of this.batches.get(partition) ?? []) yield b;
  }
  hold(): void {
    this.held = [];
  }
  release(): void {
    const h = this.held ?? [];
    this.held = null;
    for (const r of h) r();
  }
  /** Every record written, decoded, in log order per partition. */
  records(): CoordinatorRecord[] {
    const out: CoordinatorRecord[] = [];
    for (const list of this.batches.values()) for (const b of list) for (const r of b.records) out.push(decodeRecord(r.key, r.value) as CoordinatorRecord);
    return out;
  }
}

const BASE_CONFIG: GroupCoordinatorConfig = {
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1800000,
  groupMaxSize: 1000,
  groupInitialRebalanceDelayMs: 0,
  maxMemberMetadataBytes: 1024 * 1024,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600000,
  offsetsTopicNumPartitions: PARTITIONS,
};

async function setup(over: Partial<GroupCoordinatorConfig> = {}, log = new MemoryLog(), time = new MockTime()) {
  const config = { ...BASE_CONFIG, ...over };
  const c = new GroupCoordinator(time, log, () => config);
  await c.startup();
  return { c, log, time, config };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

const subscriptionV0 = new MessageCodec(ConsumerProtocolSubscription).forVersion(0);
function subscription(topics: string[]): Buffer {
  const w = new Writer(64);
  w.int16(0);
  subscriptionV0.encode(w, { topics, userData: null });
  return w.toBuffer();
}

function joinReq(groupId: string, over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: false,
    supportSkippingAssignment: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 30000,
    sessionTimeoutMs: 10000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    reason: null,
    ...over,
  };
}

interface Tracked<T> {
  done: boolean;
  value: T | undefined;
  promise: Promise<T>;
}
function track<T>(p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { done: false, value: undefined, promise: p };
  void p.then((v) => {
    t.done = true;
    t.value = v;
  });
  return t;
}

async function sync(c: GroupCoordinator, groupId: string, j: JoinResult, assignments: { memberId: string; assignment: Buffer }[] = [], instanceId: string | null = null): Promise<SyncResult> {
  return c.syncGroup({ groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: instanceId, protocolType: 'consumer', protocolName: j.protocolName, assignments });
}

/** N members join (static when instance ids are given), the leader assigns "a-<memberId>", everyone syncs. */
async function stableGroup(env: { c: GroupCoordinator; time: MockTime }, groupId: string, n: number, opts: { instanceIds?: string[]; topics?: string[]; sessionTimeoutMs?: number; rebalanceTimeoutMs?: number } = {}) {
  const joins = Array.from({ length: n }, (_, i) =>
    track(env.c.joinGroup(joinReq(groupId, {
      groupInstanceId: opts.instanceIds?.[i] ?? null,
      clientId: `client-${i}`,
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 10000,
      rebalanceTimeoutMs: opts.rebalanceTimeoutMs ?? 30000,
      protocols: [{ name: 'range', metadata: subscription(opts.topics ?? ['t']) }],
    }))),
  );
  env.time.advance(env.c.config().groupInitialRebalanceDelayMs);
  await tick();
  assert.ok(joins.every((j) => j.done), 'every join completes');
  const results = joins.map((j) => j.value!);
  for (const r of results) assert.equal(r.errorCode, 0);
  const leader = results.find((r) => r.memberId === r.leader)!;
  const assignments = leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`a-${m.memberId}`) }));
  const syncs = results.map((r, i) => track(sync(env.c, groupId, r, r === leader ? assignments : [], opts.instanceIds?.[i] ?? null)));
  await tick();
  await tick();
  assert.ok(syncs.every((s) => s.done), 'every sync completes');
  for (const [i, s] of syncs.entries()) {
    assert.equal(s.value!.errorCode, 0);
    assert.equal(s.value!.assignment.toString(), `a-${results[i]!.memberId}`);
  }
  assert.equal(env.c.group(groupId)!.state, 'Stable');
  return results;
}

// ------------------------------------------------------------------ records and partitioning

test('partitionFor is abs(Java String.hashCode) % partitions, with abs(MIN_VALUE) = 0', () => {
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('g1'), 3242);
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.equal(partitionFor('polygenelubricants', 50), 0);
  assert.equal(partitionFor('g1', 50), 42);
  // Negative hash codes: abs before the modulo ("abcdefghij".hashCode() is -634317659 in Java).
  assert.equal(javaStringHashCode('abcdefghij'), -634317659);
  assert.equal(partitionFor('abcdefghij', 50), 634317659 % 50);
  // UTF-16 code units, as Java.
  assert.equal(javaStringHashCode('é'), 233);
  assert.equal(javaStringHashCode('😀'), 0xd83d * 31 + 0xde00);
});

test('records: Kafka 3.9 versions (key v1/v2, OffsetCommitValue v3 or v1 with expiry, GroupMetadataValue v3) round-trip', () => {
  const value = { offset: 42, leaderEpoch: 3, metadata: 'meta', commitTimestamp: 1700000000000, expireTimestamp: -1 };
  const r: CoordinatorRecord = { type: 'offset', group: 'g', topic: 't', partition: 7, value };
  assert.equal(encodeKey(r).readInt16BE(0), 1);
  assert.equal(encodeValue(r)!.readInt16BE(0), 3);
  assert.deepEqual(decodeRecord(encodeKey(r), encodeValue(r)), r);
  const withExpiry: CoordinatorRecord = { ...r, value: { ...value, leaderEpoch: -1, expireTimestamp: 1700000060000 } };
  assert.equal(encodeValue(withExpiry)!.readInt16BE(0), 1);
  assert.deepEqual(decodeRecord(encodeKey(withExpiry), encodeValue(withExpiry)), withExpiry);
  const g: CoordinatorRecord = {
    type: 'group',
    group: 'g',
    value: {
      protocolType: 'consumer',
      generation: 5,
      protocol: 'range',
      leader: 'm1',
      currentStateTimestamp: 1700000000000,
      members: [{ memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/1.2.3.4', rebalanceTimeout: 300000, sessionTimeout: 45000, subscription: Buffer.from([0, 1]), assignment: Buffer.from([2]) }],
    },
  };
  assert.equal(encodeKey(g).readInt16BE(0), 2);
  assert.equal(encodeValue(g)!.readInt16BE(0), 3);
  assert.deepEqual(decodeRecord(encodeKey(g), encodeValue(g)), g);
  assert.deepEqual(decodeRecord(encodeKey({ type: 'group', group: 'g', value: null }), null), { type: 'group', group: 'g', value: null });
  const unknownKey = Buffer.from([0, 9, 0, 0]);
  assert.deepEqual(decodeRecord(unknownKey, null), { type: 'unknown', keyVersion: 9 });
});

test('the state table: every transition the coordinator makes is allowed, and Dead is final', () => {
  assert.ok(canTransition('Empty', 'PreparingRebalance'));
  assert.ok(canTransition('PreparingRebalance', 'CompletingRebalance'));
  assert.ok(canTransition('CompletingRebalance', 'Stable'));
  assert.ok(canTransition('Stable', 'PreparingRebalance'));
  assert.ok(!canTransition('Stable', 'CompletingRebalance'));
  assert.ok(!canTransition('Empty', 'Stable'));
  for (const s of GROUP_STATES) if (s !== 'Dead') assert.ok(!canTransition('Dead', s));
});

// ------------------------------------------------------------------ join / sync

test('one member: MEMBER_ID_REQUIRED, then the delayed initial rebalance, then Stable with its assignment', async () => {
  const env = await setup({ groupInitialRebalanceDelayMs: 3000 });
  const first = await env.c.joinGroup(joinReq('g', { requireKnownMemberId: true }));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^client-[0-9a-f-]{36}$/);
  const j = track(env.c.joinGroup(joinReq('g', { memberId: first.memberId, requireKnownMemberId: true })));
  await tick();
  assert.equal(j.done, false);
  assert.equal(env.c.group('g')!.state, 'PreparingRebalance');
  env.time.advance(2999);
  await tick();
  assert.equal(j.done, false, 'waits for group.initial.rebalance.delay.ms');
  env.time.advance(1);
  await tick();
  assert.equal(j.done, true);
  const r = j.value!;
  assert.equal(r.errorCode, 0);
  assert.equal(r.generationId, 1);
  assert.equal(r.leader, first.memberId);
  assert.equal(r.protocolName, 'range');
  assert.equal(r.protocolType, 'consumer');
  assert.deepEqual(r.members.map((m) => m.memberId), [first.memberId]);
  assert.equal(env.c.group('g')!.state, 'CompletingRebalance');
  const s = await sync(env.c, 'g', r, [{ memberId: r.memberId, assignment: Buffer.from('mine') }]);
  assert.equal(s.errorCode, 0);
  assert.equal(s.assignment.toString(), 'mine');
  assert.equal(env.c.group('g')!.state, 'Stable');
  assert.equal(env.c.heartbeat('g', r.memberId, null, 1), 0);
  const rec = env.log.records().find((x) => x.type === 'group')!;
  assert.equal(rec.type === 'group' && rec.value!.generation, 1);
});

test('the initial delay is extended while new members keep arriving (up to the rebalance timeout)', async () => {
  const env = await setup({ groupInitialRebalanceDelayMs: 3000 });
  const a = track(env.c.joinGroup(joinReq('g', { rebalanceTimeoutMs: 10000 })));
  env.time.advance(2000);
  const b = track(env.c.joinGroup(joinReq('g', { rebalanceTimeoutMs: 10000 })));
  env.time.advance(1000);
  await tick();
  assert.equal(a.done, false, 'a member arrived during the first delay: it is extended');
  env.time.advance(2999);
  await tick();
  assert.equal(a.done, false);
  env.time.advance(1);
  await tick();
  assert.ok(a.done && b.done);
  assert.equal(a.value!.generationId, 1);
  assert.equal(env.c.group('g')!.size, 2);
});

test('N members: the leader gets everyone\'s metadata, followers wait in SyncGroup for the leader\'s assignment', async () => {
  const env = await setup();
  const joins = [0, 1, 2, 3, 4].map((i) => track(env.c.joinGroup(joinReq('g', { clientId: `c${i}`, protocols: [{ name: 'range', metadata: subscription([`t${i}`]) }] }))));
  env.time.advance(0);
  await tick();
  const results = joins.map((j) => j.value!);
  const leaderId = results[0]!.leader;
  const leader = results.find((r) => r.memberId === leaderId)!;
  assert.equal(leader.members.length, 5);
  for (const r of results) {
    assert.equal(r.generationId, 1);
    assert.equal(r.leader, leaderId);
    if (r !== leader) assert.deepEqual(r.members, []);
  }
  const followers = results.filter((r) => r !== leader).map((r) => track(sync(env.c, 'g', r)));
  await tick();
  assert.ok(followers.every((f) => !f.done), 'followers wait for the leader');
  assert.equal(env.c.heartbeat('g', results[1]!.memberId, null, 1), 0, 'heartbeats between join and sync are fine');
  const commit = await env.c.commitOffsets({ groupId: 'g', memberId: leader.memberId, groupInstanceId: null, generationId: 1, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }] });
  assert.deepEqual(commit, [ErrorCode.REBALANCE_IN_PROGRESS], 'no commits before the assignment');
  const l = await sync(env.c, 'g', leader, leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(m.memberId) })));
  await tick();
  assert.equal(l.assignment.toString(), leader.memberId);
  assert.ok(followers.every((f) => f.done && f.value!.errorCode === 0));
  const byMember = new Map(results.filter((r) => r !== leader).map((r, i) => [r.memberId, followers[i]!.value!]));
  for (const [id, s] of byMember) assert.equal(s.assignment.toString(), id);
  const desc = env.c.describeGroup('g');
  assert.equal(desc.state, 'Stable');
  assert.equal(desc.protocol, 'range');
  assert.equal(desc.members.length, 5);
  assert.deepEqual(new Set(env.c.group('g')!.subscribedTopics), new Set(['t0', 't1', 't2', 't3', 't4']));
});

test('a new member joining a Stable group: others learn REBALANCE_IN_PROGRESS, rejoin, and the join completes once all are in', async () => {
  const env = await setup();
  const [a, b] = await stableGroup(env, 'g', 2);
  const c3 = track(env.c.joinGroup(joinReq('g', { clientId: 'late' })));
  await tick();
  assert.equal(env.c.group('g')!.state, 'PreparingRebalance');
  assert.equal(env.c.heartbeat('g', a!.memberId, null, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal((await sync(env.c, 'g', a!)).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const ra = track(env.c.joinGroup(joinReq('g', { memberId: a!.memberId })));
  await tick();
  assert.equal(ra.done, false);
  const rb = track(env.c.joinGroup(joinReq('g', { memberId: b!.memberId })));
  await tick();
  assert.ok(ra.done && rb.done && c3.done, 'completes without waiting for the rebalance timeout');
  assert.equal(ra.value!.generationId, 2);
  assert.equal(env.c.group('g')!.size, 3);
});

test('protocol selection: the protocol all members support with the most votes; incompatible members are refused', async () => {
  const env = await setup();
  const m = (names: string[]) => names.map((name) => ({ name, metadata: subscription(['t']) }));
  const j = [m(['range', 'roundrobin']), m(['roundrobin', 'range']), m(['roundrobin', 'sticky'])].map((protocols) => track(env.c.joinGroup(joinReq('g', { protocols }))));
  env.time.advance(0);
  await tick();
  assert.equal(j[0]!.value!.protocolName, 'roundrobin');
  const bad = await env.c.joinGroup(joinReq('g', { protocols: m(['cooperative-sticky']) }));
  assert.equal(bad.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const otherType = await env.c.joinGroup(joinReq('g', { protocolType: 'connect' }));
  assert.equal(otherType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const empty = await env.c.joinGroup(joinReq('g2', { protocols: [] }));
  assert.equal(empty.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('Stable: a follower rejoining with the same metadata gets the current generation; the leader rejoining starts a rebalance', async () => {
  const env = await setup();
  const [a, b] = await stableGroup(env, 'g', 2);
  const leader = a!.memberId === a!.leader ? a! : b!;
  const follower = leader === a ? b! : a!;
  const f = await env.c.joinGroup(joinReq('g', { memberId: follower.memberId }));
  assert.equal(f.generationId, 1);
  assert.equal(env.c.group('g')!.state, 'Stable');
  const l = track(env.c.joinGroup(joinReq('g', { memberId: leader.memberId })));
  await tick();
  assert.equal(env.c.group('g')!.state, 'PreparingRebalance');
  const f2 = await env.c.joinGroup(joinReq('g', { memberId: follower.memberId }));
  await tick();
  assert.ok(l.done);
  assert.equal(f2.generationId, 2);
});

// ------------------------------------------------------------------ sessions and timeouts

test('session expiry removes a member and the group rebalances around it', async () => {
  const env = await setup();
  const [a, b] = await stableGroup(env, 'g', 2, { sessionTimeoutMs: 10000 });
  env.time.advance(6000);
  assert.equal(env.c.heartbeat('g', a!.memberId, null, 1), 0);
  assert.equal(env.c.group('g')!.state, 'Stable');
  env.time.advance(4000);
  // b never heartbeats: gone after 10 s.
  assert.equal(env.c.group('g')!.has(b!.memberId), false);
  assert.equal(env.c.group('g')!.state, 'PreparingRebalance');
  assert.equal(env.c.heartbeat('g', a!.memberId, null, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  const r = await env.c.joinGroup(joinReq('g', { memberId: a!.memberId }));
  assert.equal(r.generationId, 2);
  assert.deepEqual(r.members.map((m) => m.memberId), [a!.memberId]);
  assert.equal(env.c.heartbeat('g', b!.memberId, null, 1), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('rebalance timeout: members that do not rejoin are dropped; the last one leaving makes the group Empty', async () => {
  const env = await setup();
  const [a, b] = await stableGroup(env, 'g', 2, { rebalanceTimeoutMs: 20000, sessionTimeoutMs: 60000 });
  // New metadata: a rebalance (a follower rejoining unchanged would just get the current generation).
  const ra = track(env.c.joinGroup(joinReq('g', { memberId: a!.memberId, rebalanceTimeoutMs: 20000, sessionTimeoutMs: 60000, protocols: [{ name: 'range', metadata: subscription(['t', 'u']) }] })));
  await tick();
  env.time.advance(19999);
  await tick();
  assert.equal(ra.done, false);
  env.time.advance(1);
  await tick();
  assert.ok(ra.done);
  assert.equal(ra.value!.generationId, 2);
  assert.equal(env.c.group('g')!.has(b!.memberId), false);
  const left = env.c.leaveGroup('g', [{ memberId: a!.memberId, groupInstanceId: null, reason: 'bye' }]);
  assert.deepEqual(left.members.map((m) => m.errorCode), [0]);
  // Nobody left to wait for: the join completes at once, into Empty.
  assert.equal(env.c.group('g')!.state, 'Empty');
  assert.equal(env.c.group('g')!.generationId, 3);
});

test('a member that never sends SyncGroup is removed after the rebalance timeout', async () => {
  const env = await setup();
  const joins = [0, 1].map(() => track(env.c.joinGroup(joinReq('g', { rebalanceTimeoutMs: 15000, sessionTimeoutMs: 30000 }))));
  env.time.advance(0);
  await tick();
  const [a, b] = joins.map((j) => j.value!);
  const leader = a!.memberId === a!.leader ? a! : b!;
  const other = leader === a ? b! : a!;
  await sync(env.c, 'g', leader, leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from('x') })));
  assert.equal(env.c.group('g')!.state, 'Stable');
  env.time.advance(15000);
  await tick();
  assert.equal(env.c.group('g')!.has(other.memberId), false);
  assert.equal(env.c.group('g')!.state, 'PreparingRebalance');
});

test('a pending member (MEMBER_ID_REQUIRED) that never comes back expires after its session timeout', async () => {
  const env = await setup();
  const [a] = await stableGroup(env, 'g', 1);
  // a is stable; a pending member does not disturb it.
  const p = await env.c.joinGroup(joinReq('g', { requireKnownMemberId: true, sessionTimeoutMs: 10000 }));
  assert.equal(p.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.ok(env.c.group('g')!.isPendingMember(p.memberId));
  env.time.advance(5000);
  assert.equal(env.c.heartbeat('g', a!.memberId, null, 1), 0);
  env.time.advance(5000);
  assert.equal(env.c.group('g')!.isPendingMember(p.memberId), false);
});

// ------------------------------------------------------------------ static membership

test('static member restarting within the session timeout gets its assignment back without a rebalance; the old id is fenced', async () => {
  const env = await setup();
  const [a, b] = await stableGroup(env, 'g', 2, { instanceIds: ['i-a', 'i-b'] });
  const gen = env.c.group('g')!.generationId;
  const writesBefore = env.log.records().length;
  // a restarts: unknown member id, same instance id.
  const again = await env.c.joinGroup(joinReq('g', { groupInstanceId: 'i-a', requireKnownMemberId: false, clientId: 'client-0' }));
  assert.equal(again.errorCode, 0);
  assert.notEqual(again.memberId, a!.memberId);
  assert.match(again.memberId, /^i-a-/);
  assert.equal(again.generationId, gen, 'same generation: no rebalance');
  assert.equal(env.c.group('g')!.state, 'Stable');
  assert.ok(env.log.records().length > writesBefore, 'the new member id is persisted');
  const s = await sync(env.c, 'g', again, [], 'i-a');
  assert.equal(s.errorCode, 0);
  assert.equal(s.assignment.toString(), `a-${a!.memberId}`, 'the old assignment');
  // The old incarnation is fenced everywhere.
  assert.equal(env.c.heartbeat('g', a!.memberId, 'i-a', gen), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal((await sync(env.c, 'g', a!, [], 'i-a')).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const commit = await env.c.commitOffsets({ groupId: 'g', memberId: a!.memberId, groupInstanceId: 'i-a', generationId: gen, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
  assert.deepEqual(commit, [ErrorCode.FENCED_INSTANCE_ID]);
  const leave = env.c.leaveGroup('g', [{ memberId: a!.memberId, groupInstanceId: 'i-a', reason: null }]);
  assert.deepEqual(leave.members.map((m) => m.errorCode), [ErrorCode.FENCED_INSTANCE_ID]);
  // b never noticed.
  assert.equal(env.c.heartbeat('g', b!.memberId, 'i-b', gen), 0);
  assert.equal(env.c.heartbeat('g', again.memberId, 'i-a', gen), 0);
});

test('JoinGroup v9 static leader rejoin: told it leads, skipAssignment, no rebalance', async () => {
  const env = await setup();
  const results = await stableGroup(env, 'g', 2, { instanceIds: ['i-a', 'i-b'] });
  const leaderIdx = results.findIndex((r) => r.memberId === r.leader);
  const instance = leaderIdx === 0 ? 'i-a' : 'i-b';
  const again = await env.c.joinGroup(joinReq('g', { groupInstanceId: instance, supportSkippingAssignment: true }));
  assert.equal(again.leader, again.memberId);
  assert.equal(again.skipAssignment, true);
  assert.equal(again.members.length, 2);
  assert.equal(env.c.group('g')!.state, 'Stable');
});

test('a static member that does not return within its session timeout is removed and the group rebalances', async () => {
  const env = await setup();
  const [a, b] = await stableGroup(env, 'g', 2, { instanceIds: ['i-a', 'i-b'], sessionTimeoutMs: 30000 });
  env.time.advance(20000);
  assert.equal(env.c.heartbeat('g', b!.memberId, 'i-b', 1), 0);
  env.time.advance(10000);
  assert.equal(env.c.group('g')!.currentStaticMemberId('i-a'), undefined);
  assert.equal(env.c.group('g')!.state, 'PreparingRebalance');
  assert.ok(a);
});

// ------------------------------------------------------------------ bad input

test('errors: invalid session timeout, unknown member, stale generation, max size, empty group id, oversized metadata', async () => {
  const env = await setup({ groupMaxSize: 2, maxMemberMetadataBytes: 1000 });
  assert.equal((await env.c.joinGroup(joinReq('g', { sessionTimeoutMs: 5999 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await env.c.joinGroup(joinReq('g', { sessionTimeoutMs: 1800001 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await env.c.joinGroup(joinReq('nope', { memberId: 'ghost' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await env.c.joinGroup(joinReq(''))).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await env.c.joinGroup(joinReq('g', { protocols: [{ name: 'range', metadata: Buffer.alloc(1001) }] }))).errorCode, ErrorCode.INVALID_REQUEST);
  const [a] = await stableGroup(env, 'g', 2);
  assert.equal(env.c.heartbeat('g', 'ghost', null, 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(env.c.heartbeat('g', a!.memberId, null, 0), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(env.c.heartbeat('nope', a!.memberId, null, 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await sync(env.c, 'g', { ...a!, generationId: 7 })).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await env.c.syncGroup({ groupId: 'g', generationId: 1, memberId: a!.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const third = await env.c.joinGroup(joinReq('g'));
  assert.equal(third.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal(env.c.group('g')!.size, 2);
  const commit = await env.c.commitOffsets({ groupId: 'g', memberId: a!.memberId, groupInstanceId: null, generationId: 0, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
  assert.deepEqual(commit, [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(await env.c.commitOffsets({ groupId: 'g', memberId: '', groupInstanceId: null, generationId: -1, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] }), [ErrorCode.UNKNOWN_MEMBER_ID], 'non-members may not commit for a group with members');
  assert.deepEqual(await env.c.commitOffsets({ groupId: 'unknown', memberId: 'm', groupInstanceId: null, generationId: 3, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] }), [ErrorCode.ILLEGAL_GENERATION]);
});

test('a JoinGroup storm of 300 members ends in one generation with all of them', async () => {
  const env = await setup({ groupInitialRebalanceDelayMs: 3000 });
  const ids = await Promise.all(Array.from({ length: 300 }, () => env.c.joinGroup(joinReq('storm', { requireKnownMemberId: true }))));
  assert.ok(ids.every((r) => r.errorCode === ErrorCode.MEMBER_ID_REQUIRED));
  const joins = ids.map((r) => track(env.c.joinGroup(joinReq('storm', { memberId: r.memberId, requireKnownMemberId: true }))));
  env.time.advance(3000);
  await tick();
  env.time.advance(3000);
  await tick();
  assert.ok(joins.every((j) => j.done && j.value!.errorCode === 0 && j.value!.generationId === 1));
  const leader = joins.find((j) => j.value!.memberId === j.value!.leader)!.value!;
  assert.equal(leader.members.length, 300);
});

test('leave: a batch by member id and by group.instance.id, with per-member errors', async () => {
  const env = await setup();
  const [a, b, c] = await stableGroup(env, 'g', 3, { instanceIds: ['i-a', 'i-b', ''] .map((x) => x || null) as string[] });
  const r = env.c.leaveGroup('g', [
    { memberId: '', groupInstanceId: 'i-a', reason: 'admin' },
    { memberId: c!.memberId, groupInstanceId: null, reason: null },
    { memberId: 'ghost', groupInstanceId: null, reason: null },
    { memberId: '', groupInstanceId: 'i-zzz', reason: null },
  ]);
  assert.equal(r.errorCode, 0);
  assert.deepEqual(r.members.map((m) => m.errorCode), [0, 0, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID]);
  const g = env.c.group('g')!;
  assert.deepEqual([...g.members.keys()], [b!.memberId]);
  assert.equal(g.state, 'PreparingRebalance');
  assert.ok(a);
  assert.deepEqual(env.c.leaveGroup('nope', [{ memberId: 'x', groupInstanceId: null, reason: null }]).members.map((m) => m.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID]);
});

// ------------------------------------------------------------------ offsets

const commitOf = (groupId: string, partitions: [string, number, number, string?][], over: Partial<{ memberId: string; generationId: number; retentionTimeMs: number; instanceId: string | null }> = {}) => ({
  groupId,
  memberId: over.memberId ?? '',
  groupInstanceId: over.instanceId ?? null,
  generationId: over.generationId ?? -1,
  retentionTimeMs: over.retentionTimeMs ?? -1,
  partitions: partitions.map(([topic, partition, offset, metadata]) => ({ topic, partition, offset, leaderEpoch: -1, metadata: metadata ?? null, commitTimestamp: -1 })),
});

test('commit and fetch: simple consumers (generation -1), members, metadata limits, all partitions', async () => {
  const env = await setup({ offsetMetadataMaxBytes: 10 });
  assert.deepEqual(await env.c.commitOffsets(commitOf('simple', [['t', 0, 10, 'm'], ['t', 1, 20], ['u', 0, 5, 'way too long metadata']])), [0, 0, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  const f = env.c.fetchOffsets('simple', false, [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }, { topic: 'u', partition: 0 }, { topic: 'zz', partition: 3 }]);
  assert.equal(f.errorCode, 0);
  assert.deepEqual(f.offsets.map((o) => [o.topic, o.partition, o.offset, o.metadata, o.errorCode]), [['t', 0, 10, 'm', 0], ['t', 1, 20, '', 0], ['u', 0, -1, '', 0], ['zz', 3, -1, '', 0]]);
  const all = env.c.fetchOffsets('simple', false, null);
  assert.deepEqual(all.offsets.map((o) => [o.topic, o.partition, o.offset]), [['t', 0, 10], ['t', 1, 20]]);
  assert.equal(env.c.describeGroup('simple').state, 'Empty');
  assert.deepEqual(env.c.fetchOffsets('nobody', false, null).offsets, []);
  // Members commit with their generation.
  const [a] = await stableGroup(env, 'g', 1);
  assert.deepEqual(await env.c.commitOffsets(commitOf('g', [['t', 0, 7]], { memberId: a!.memberId, generationId: 1 })), [0]);
  assert.equal(env.c.fetchOffsets('g', false, [{ topic: 't', partition: 0 }]).offsets[0]!.offset, 7);
  // A commit is a sign of life: the session does not expire.
  for (let i = 0; i < 3; i++) {
    env.time.advance(8000);
    assert.deepEqual(await env.c.commitOffsets(commitOf('g', [['t', 0, 8 + i]], { memberId: a!.memberId, generationId: 1 })), [0]);
  }
  assert.ok(env.c.group('g')!.has(a!.memberId));
});

test('a commit is acknowledged only once written; requireStable sees it as unstable meanwhile; a failed write is an error', async () => {
  const env = await setup();
  env.log.hold();
  const p = track(env.c.commitOffsets(commitOf('g', [['t', 0, 3]])));
  await tick();
  assert.equal(p.done, false);
  assert.equal(env.c.fetchOffsets('g', true, [{ topic: 't', partition: 0 }]).offsets[0]!.errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
  assert.equal(env.c.fetchOffsets('g', false, [{ topic: 't', partition: 0 }]).offsets[0]!.offset, -1, 'not visible before it is written');
  env.log.release();
  await tick();
  assert.deepEqual(p.value, [0]);
  assert.equal(env.c.fetchOffsets('g', true, [{ topic: 't', partition: 0 }]).offsets[0]!.offset, 3);
  env.log.failWith = ErrorCode.KAFKA_STORAGE_ERROR;
  assert.deepEqual(await env.c.commitOffsets(commitOf('g', [['t', 0, 4]])), [ErrorCode.NOT_COORDINATOR]);
  env.log.failWith = ErrorCode.MESSAGE_TOO_LARGE;
  assert.deepEqual(await env.c.commitOffsets(commitOf('g', [['t', 0, 4]])), [ErrorCode.INVALID_COMMIT_OFFSET_SIZE]);
  env.log.failWith = null;
  assert.equal(env.c.fetchOffsets('g', false, [{ topic: 't', partition: 0 }]).offsets[0]!.offset, 3);
});

test('a failed group metadata write fails the SyncGroup for everyone and the group rebalances', async () => {
  const env = await setup();
  const joins = [0, 1].map(() => track(env.c.joinGroup(joinReq('g'))));
  env.time.advance(0);
  await tick();
  const [a, b] = joins.map((j) => j.value!);
  const leader = a!.memberId === a!.leader ? a! : b!;
  const other = leader === a ? b! : a!;
  const fs = track(sync(env.c, 'g', other));
  env.log.failWith = ErrorCode.MESSAGE_TOO_LARGE;
  const ls = await sync(env.c, 'g', leader, [{ memberId: leader.memberId, assignment: Buffer.from('x') }]);
  await tick();
  assert.equal(ls.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  assert.equal(fs.value!.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  assert.equal(env.c.group('g')!.state, 'PreparingRebalance');
});

test('expiry: offsets of groups without a protocol expire from their commit; Empty consumer groups from when they became Empty, then disappear', async () => {
  const day = 24 * 3600 * 1000;
  const env = await setup({ offsetsRetentionMs: 7 * day, offsetsRetentionCheckIntervalMs: 60000 });
  await env.c.commitOffsets(commitOf('simple', [['t', 0, 1]]));
  env.time.advance(3 * day);
  await env.c.commitOffsets(commitOf('simple', [['t', 1, 2]]));
  // A consumer group that commits and then empties.
  const [a] = await stableGroup(env, 'g', 1);
  await env.c.commitOffsets(commitOf('g', [['t', 0, 9]], { memberId: a!.memberId, generationId: 1 }));
  env.c.leaveGroup('g', [{ memberId: a!.memberId, groupInstanceId: null, reason: null }]);
  env.time.advance(0);
  await tick();
  assert.equal(env.c.group('g')!.state, 'Empty');
  env.time.advance(4 * day);
  await tick();
  const simple = env.c.fetchOffsets('simple', false, null).offsets.map((o) => o.partition);
  assert.deepEqual(simple, [1], 'the 7-day-old commit expired, the 4-day-old one not');
  assert.equal(env.c.fetchOffsets('g', false, null).offsets.length, 1, 'Empty for 4 days only');
  env.time.advance(3 * day);
  await tick();
  await tick();
  assert.equal(env.c.group('simple'), undefined, 'no offsets left: gone');
  assert.equal(env.c.group('g'), undefined);
  assert.equal(env.c.describeGroup('g').state, 'Dead');
  const tombstones = env.log.records().filter((r) => r.value === null);
  assert.ok(tombstones.some((r) => r.type === 'group' && r.group === 'g'), 'g wrote a metadata tombstone');
  assert.ok(!tombstones.some((r) => r.type === 'group' && r.group === 'simple'), 'simple never had metadata');
  assert.equal(tombstones.filter((r) => r.type === 'offset').length, 3);
});

test('expiry in a Stable consumer group touches only topics no member subscribes to; explicit retention (v2-v4) counts from the commit', async () => {
  const day = 24 * 3600 * 1000;
  const env = await setup({ offsetsRetentionMs: day, offsetsRetentionCheckIntervalMs: 60000 });
  const [a] = await stableGroup(env, 'g', 1, { topics: ['subscribed'], sessionTimeoutMs: 1800000 });
  await env.c.commitOffsets(commitOf('g', [['subscribed', 0, 1], ['old', 0, 2]], { memberId: a!.memberId, generationId: 1 }));
  await env.c.commitOffsets(commitOf('s', [['t', 0, 1]], { retentionTimeMs: 60000 }));
  for (let i = 0; i < 72; i++) {
    env.time.advance(20 * 60 * 1000);
    assert.equal(env.c.heartbeat('g', a!.memberId, null, 1), 0);
    await tick();
  }
  await tick();
  assert.deepEqual(env.c.fetchOffsets('g', false, null).offsets.map((o) => o.topic), ['subscribed']);
  assert.equal(env.c.group('s'), undefined, 'expired after its own 60 s retention');
});

test('DeleteGroups and OffsetDelete', async () => {
  const env = await setup();
  const [a] = await stableGroup(env, 'g', 1, { topics: ['mine'] });
  await env.c.commitOffsets(commitOf('g', [['mine', 0, 1], ['other', 0, 2]], { memberId: a!.memberId, generationId: 1 }));
  await env.c.commitOffsets(commitOf('empty', [['t', 0, 1], ['t', 1, 1]]));
  assert.deepEqual(await env.c.deleteGroups(['g', 'empty', 'missing', 'empty']), [
    { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
    { groupId: 'empty', errorCode: 0 },
    { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
  ]);
  assert.equal(env.c.group('empty'), undefined);
  assert.deepEqual(env.c.fetchOffsets('empty', false, null).offsets, []);
  const d = await env.c.deleteOffsets('g', [{ topic: 'mine', partition: 0 }, { topic: 'other', partition: 0 }]);
  assert.deepEqual(d, { errorCode: 0, partitions: [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 0] });
  assert.deepEqual(env.c.fetchOffsets('g', false, null).offsets.map((o) => o.topic), ['mine']);
  assert.equal((await env.c.deleteOffsets('missing', [{ topic: 't', partition: 0 }])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  // A deleted group can be used again at once.
  assert.deepEqual(await env.c.commitOffsets(commitOf('empty', [['t', 0, 5]])), [0]);
  assert.equal(env.c.fetchOffsets('empty', false, null).offsets[0]!.offset, 5);
});

test('ListGroups filters by state and type (case-insensitively)', async () => {
  const env = await setup();
  await stableGroup(env, 'stable', 1);
  await env.c.commitOffsets(commitOf('simple', [['t', 0, 1]]));
  const names = (states: string[], types: string[] = []) => env.c.listGroups(states, types).groups.map((g) => g.groupId).sort();
  assert.deepEqual(names([]), ['simple', 'stable']);
  assert.deepEqual(names(['stable']), ['stable']);
  assert.deepEqual(names(['Empty', 'Dead']), ['simple']);
  assert.deepEqual(names([], ['Classic']), ['simple', 'stable']);
  assert.deepEqual(names([], ['consumer']), []);
  assert.equal(env.c.listGroups([], []).groups.find((g) => g.groupId === 'stable')!.protocolType, 'consumer');
});

// ------------------------------------------------------------------ loading

test('while loading: COORDINATOR_LOAD_IN_PROGRESS, heartbeats answered blindly, SyncGroup asks to rejoin', async () => {
  const log = new MemoryLog();
  let release!: () => void;
  log.readHold = new Promise<void>((r) => (release = r));
  const time = new MockTime();
  const c = new GroupCoordinator(time, log, () => BASE_CONFIG);
  const loaded = c.startup();
  assert.equal((await c.joinGroup(joinReq('g'))).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(c.heartbeat('g', 'm', null, 1), ErrorCode.NONE);
  assert.equal((await c.syncGroup({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.deepEqual(await c.commitOffsets(commitOf('g', [['t', 0, 1]])), [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
  assert.equal(c.fetchOffsets('g', false, null).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(c.describeGroup('g').errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(c.listGroups([], []).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  release();
  await loaded;
  assert.equal(c.listGroups([], []).errorCode, 0);
  c.shutdown();
  assert.equal((await c.joinGroup(joinReq('g'))).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
});

test('not the coordinator for partitions led elsewhere', async () => {
  const log = new MemoryLog();
  log.isLeader = () => false;
  const c = new GroupCoordinator(new MockTime(), log, () => BASE_CONFIG);
  await c.startup();
  assert.equal((await c.joinGroup(joinReq('g'))).errorCode, ErrorCode.NOT_COORDINATOR);
});

test('shutdown answers parked JoinGroup and SyncGroup requests with NOT_COORDINATOR', async () => {
  const env = await setup({ groupInitialRebalanceDelayMs: 3000 });
  const j = track(env.c.joinGroup(joinReq('g')));
  await tick();
  env.c.shutdown();
  await tick();
  assert.equal(j.value!.errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(env.time.pending, 0, 'no timers left');
});

// ------------------------------------------------------------------ replay equals live

/** What must survive a restart: the persisted view of every group. */
function view(c: GroupCoordinator) {
  const out: Record<string, unknown> = {};
  for (const g of [...c.groups.groups.values()].sort((x, y) => x.groupId.localeCompare(y.groupId))) {
    out[g.groupId] = {
      state: g.state,
      generation: g.generationId,
      protocolType: g.protocolType,
      protocol: g.protocolName,
      leader: g.leaderId,
      members: [...g.members.values()]
        .map((m) => ({ id: m.memberId, instance: m.groupInstanceId, client: m.clientId, host: m.clientHost, session: m.sessionTimeoutMs, rebalance: m.rebalanceTimeoutMs, metadata: g.protocolName ? m.metadata(g.protocolName).toString('hex') : '', assignment: m.assignment.toString('hex') }))
        .sort((x, y) => x.id.localeCompare(y.id)),
      offsets: [...g.offsets].flatMap(([t, ps]) => [...ps].map(([p, o]) => [t, p, o])).sort(),
      subscribed: g.subscribedTopics ? [...g.subscribedTopics].sort() : null,
    };
  }
  return out;
}

test('replaying the records written rebuilds exactly the live state (groups, members, assignments, offsets, deletions)', async () => {
  const env = await setup({ offsetsRetentionCheckIntervalMs: 1000 });
  // A stable group of two static members and one dynamic, with a static member replaced.
  const members = await stableGroup(env, 'stable', 3, { instanceIds: ['s1', 's2', null as unknown as string], topics: ['a', 'b'] });
  const again = await env.c.joinGroup(joinReq('stable', { groupInstanceId: 's1', clientId: 'client-0', protocols: [{ name: 'range', metadata: subscription(['a', 'b']) }] }));
  assert.equal(again.errorCode, 0);
  await env.c.commitOffsets(commitOf('stable', [['a', 0, 100, 'meta-a'], ['b', 3, 7]], { memberId: members[1]!.memberId, generationId: 1, instanceId: 's2' }));
  await env.c.commitOffsets(commitOf('stable', [['a', 0, 101, 'meta-a2']], { memberId: members[2]!.memberId, generationId: 1 }));
  // A group that went Empty, with offsets.
  const [e] = await stableGroup(env, 'emptied', 1);
  await env.c.commitOffsets(commitOf('emptied', [['x', 0, 5]], { memberId: e!.memberId, generationId: 1 }));
  env.c.leaveGroup('emptied', [{ memberId: e!.memberId, groupInstanceId: null, reason: null }]);
  env.time.advance(0);
  await tick();
  // Simple consumers, one deleted, one with an offset deleted.
  await env.c.commitOffsets(commitOf('simple', [['x', 0, 1], ['x', 1, 2], ['y', 0, 3]]));
  await env.c.commitOffsets(commitOf('doomed', [['x', 0, 1]]));
  await env.c.deleteGroups(['doomed']);
  await env.c.deleteOffsets('simple', [{ topic: 'x', partition: 1 }]);
  // A group whose only offset expires (its commit asked for 60 s of retention).
  await env.c.commitOffsets(commitOf('expiring', [['x', 0, 1]], { retentionTimeMs: 60000 }));
  await env.c.commitOffsets(commitOf('simple', [['y', 0, 4]]));
  for (let i = 0; i < 65; i++) {
    env.time.advance(1000);
    assert.equal(env.c.heartbeat('stable', members[1]!.memberId, 's2', 1), 0);
    assert.equal(env.c.heartbeat('stable', members[2]!.memberId, null, 1), 0);
    assert.equal(env.c.heartbeat('stable', again.memberId, 's1', 1), 0);
    await tick();
  }
  await tick();
  assert.equal(env.c.group('expiring'), undefined);
  assert.equal(env.c.group('doomed'), undefined);
  const live = view(env.c);
  assert.deepEqual(Object.keys(live), ['emptied', 'simple', 'stable']);

  // A restart: a new coordinator loading the same log.
  const restarted = new GroupCoordinator(new MockTime(env.time.now()), env.log, () => env.config);
  await restarted.startup();
  assert.deepEqual(view(restarted), live);
  assert.equal(restarted.fetchOffsets('stable', false, [{ topic: 'a', partition: 0 }]).offsets[0]!.metadata, 'meta-a2');
  assert.equal(restarted.describeGroup('stable').state, 'Stable');
  assert.equal(restarted.describeGroup('stable').members.length, 3);
  // The loaded members must heartbeat within their session timeout, as after any coordinator move.
  assert.equal(restarted.heartbeat('stable', members[1]!.memberId, 's2', 1), 0);
  env.c.shutdown();
  restarted.shutdown();
});

test('loading skips unknown key versions and applies transactional offsets only on COMMIT', async () => {
  const log = new MemoryLog();
  const rec = (group: string, offset: number): CoordinatorRecord => ({ type: 'offset', group, topic: 't', partition: 0, value: { offset, leaderEpoch: -1, metadata: '', commitTimestamp: 1, expireTimestamp: -1 } });
  const enc = (r: CoordinatorRecord) => ({ key: encodeKey(r), value: encodeValue(r) });
  const p = partitionFor('g', PARTITIONS);
  const control = (type: number) => ({ key: Buffer.from([0, 0, 0, type]), value: Buffer.from([0, 0, 0, 0, 0, 0]) });
  log.batches.set(p, [
    { baseOffset: 0, producerId: -1, isTransactional: false, isControl: false, records: [enc(rec('g', 1)), { key: Buffer.from([0, 42, 1]), value: null }] },
    { baseOffset: 2, producerId: 7, isTransactional: true, isControl: false, records: [enc(rec('g', 2))] },
    { baseOffset: 3, producerId: 7, isTransactional: true, isControl: true, records: [control(0)] },
    { baseOffset: 4, producerId: 8, isTransactional: true, isControl: false, records: [enc(rec('g', 3))] },
    { baseOffset: 5, producerId: 8, isTransactional: true, isControl: true, records: [control(1)] },
  ]);
  const c = new GroupCoordinator(new MockTime(), log, () => BASE_CONFIG);
  await c.startup();
  assert.equal(c.fetchOffsets('g', false, [{ topic: 't', partition: 0 }]).offsets[0]!.offset, 3);
});
