// __consumer_offsets on disk is Kafka's format: a broker process commits
// offsets and runs a group, then the partition files are read raw and decoded
// with a decoder written here from Kafka's documented formats (record batch
// v2, records, int16-versioned keys and values, OffsetCommitKey/Value and
// GroupMetadataKey/Value field by field), sharing no code with the broker.
// Then the broker restarts (clean, and kill -9) and still serves the commits
// and the group.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startBrokerProcess } from './harness.js';
import { RawClient } from './raw-client.js';

// ------------------------------------------------------------------ the independent decoder

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32c(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A cursor over big-endian fields and zig-zag varints. */
class Cur {
  constructor(readonly b: Buffer, public at = 0) {}
  i8() { return this.b.readInt8((this.at += 1) - 1); }
  i16() { return this.b.readInt16BE((this.at += 2) - 2); }
  i32() { return this.b.readInt32BE((this.at += 4) - 4); }
  u32() { return this.b.readUInt32BE((this.at += 4) - 4); }
  i64() { return Number(this.b.readBigInt64BE((this.at += 8) - 8)); }
  varint(): number {
    let shift = 0;
    let raw = 0n;
    for (;;) {
      const byte = this.b[this.at++]!;
      raw |= BigInt(byte & 0x7f) << BigInt(shift);
      if ((byte & 0x80) === 0) break;
      shift += 7;
    }
    return Number((raw >> 1n) ^ -(raw & 1n));
  }
  take(n: number) { return this.b.subarray((this.at += n) - n, this.at); }
  /** int16-length string; -1 is null. */
  str(): string | null {
    const n = this.i16();
    return n < 0 ? null : this.take(n).toString('utf8');
  }
  /** int32-length bytes; -1 is null. */
  bytes(): Buffer | null {
    const n = this.i32();
    return n < 0 ? null : this.take(n);
  }
  get done() { return this.at >= this.b.length; }
}

interface RawRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** Record batches v2 of a .log file (uncompressed; attributes' codec bits must be 0). */
function readLogFile(file: Buffer): { batches: number; records: RawRecord[] } {
  const records: RawRecord[] = [];
  let batches = 0;
  const c = new Cur(file);
  while (file.length - c.at >= 61) {
    const start = c.at;
    const baseOffset = c.i64();
    const length = c.i32();
    const end = c.at + length;
    c.i32(); // partition leader epoch
    assert.equal(c.i8(), 2, 'magic 2');
    const crc = c.u32();
    assert.equal(crc32c(file.subarray(c.at, end)), crc, `CRC32C of the batch at byte ${start}`);
    const attributes = c.i16();
    assert.equal(attributes & 0x07, 0, 'offsets.topic.compression.codec 0: uncompressed');
    assert.equal(attributes & 0x08, 0, 'CreateTime');
    c.i32(); // last offset delta
    const baseTimestamp = c.i64();
    c.i64(); // max timestamp
    assert.equal(c.i64(), -1, 'no producer id');
    c.i16();
    c.i32();
    const count = c.i32();
    for (let i = 0; i < count; i++) {
      const len = c.varint();
      const recEnd = c.at + len;
      c.i8(); // attributes
      const tsDelta = c.varint();
      const offsetDelta = c.varint();
      const kl = c.varint();
      const key = kl < 0 ? null : Buffer.from(c.take(kl));
      const vl = c.varint();
      const value = vl < 0 ? null : Buffer.from(c.take(vl));
      const headers = c.varint();
      assert.equal(headers, 0);
      assert.equal(c.at, recEnd, 'record length');
      records.push({ offset: baseOffset + offsetDelta, timestamp: baseTimestamp + tsDelta, key, value });
    }
    assert.equal(c.at, end, 'batch length');
    batches++;
  }
  return { batches, records };
}

type Decoded =
  | { kind: 'offset'; keyVersion: number; group: string; topic: string; partition: number; valueVersion: number | null; offset?: number; leaderEpoch?: number; metadata?: string; commitTimestamp?: number; expireTimestamp?: number }
  | { kind: 'group'; group: string; valueVersion: number | null; value?: GroupValue };

interface GroupValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; rebalanceTimeout: number; sessionTimeout: number; subscription: Buffer; assignment: Buffer }[];
}

/** Kafka's __consumer_offsets key/value schemas, by hand. */
function decode(r: RawRecord): Decoded {
  const k = new Cur(r.key!);
  const keyVersion = k.i16();
  if (keyVersion === 0 || keyVersion === 1) {
    const group = k.str()!;
    const topic = k.str()!;
    const partition = k.i32();
    assert.ok(k.done);
    if (!r.value) return { kind: 'offset', keyVersion, group, topic, partition, valueVersion: null };
    const v = new Cur(r.value);
    const valueVersion = v.i16();
    const offset = v.i64();
    const leaderEpoch = valueVersion >= 3 ? v.i32() : -1;
    const metadata = v.str()!;
    const commitTimestamp = v.i64();
    const expireTimestamp = valueVersion === 1 ? v.i64() : -1;
    assert.ok(v.done, `OffsetCommitValue v${valueVersion} fully read`);
    return { kind: 'offset', keyVersion, group, topic, partition, valueVersion, offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
  }
  assert.equal(keyVersion, 2, 'GroupMetadataKey');
  const group = k.str()!;
  assert.ok(k.done);
  if (!r.value) return { kind: 'group', group, valueVersion: null };
  const v = new Cur(r.value);
  const valueVersion = v.i16();
  assert.equal(valueVersion, 3, 'GroupMetadataValue v3, as Kafka 3.9 writes');
  const value: GroupValue = { protocolType: v.str()!, generation: v.i32(), protocol: v.str(), leader: v.str(), currentStateTimestamp: v.i64(), members: [] };
  const n = v.i32();
  for (let i = 0; i < n; i++) {
    value.members.push({
      memberId: v.str()!,
      groupInstanceId: v.str(),
      clientId: v.str()!,
      clientHost: v.str()!,
      rebalanceTimeout: v.i32(),
      sessionTimeout: v.i32(),
      subscription: Buffer.from(v.bytes()!),
      assignment: Buffer.from(v.bytes()!),
    });
  }
  assert.ok(v.done, 'GroupMetadataValue fully read');
  return { kind: 'group', group, valueVersion, value };
}

/** Kafka's partition for a group: abs(Java String.hashCode) % 50 (abs(MIN_VALUE) = 0). */
function offsetsPartition(group: string, partitions = 50): number {
  let h = 0;
  for (let i = 0; i < group.length; i++) h = (Math.imul(h, 31) + group.charCodeAt(i)) | 0;
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

function readPartition(dataDir: string, partition: number): Decoded[] {
  const dir = path.join(dataDir, `__consumer_offsets-${partition}`);
  const out: Decoded[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    for (const r of readLogFile(readFileSync(path.join(dir, f))).records) out.push(decode(r));
  }
  return out;
}

// ------------------------------------------------------------------ helpers

/** Subscription v1 as a consumer sends it: version, topics, user data, owned partitions. */
function subscription(topics: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 1])];
  const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
  const s = (x: string) => { const b = Buffer.from(x); const l = Buffer.alloc(2); l.writeInt16BE(b.length); return Buffer.concat([l, b]); };
  parts.push(i32(topics.length), ...topics.map(s), i32(-1), i32(0));
  return Buffer.concat(parts);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** OffsetFetch v8 for all partitions of a group, retried while the coordinator loads. */
async function committed(client: RawClient, group: string): Promise<Map<string, { offset: number; metadata: string }>> {
  const res = await until('OffsetFetch', async () => {
    const r = await client.request(9, 8, { groups: [{ groupId: group, topics: null }], requireStable: true });
    return r.groups[0].errorCode === 0 ? r : undefined;
  });
  const out = new Map<string, { offset: number; metadata: string }>();
  for (const t of res.groups[0].topics) for (const p of t.partitions) out.set(`${t.name}-${p.partitionIndex}`, { offset: p.committedOffset, metadata: p.metadata });
  return out;
}

async function describe(client: RawClient, group: string) {
  return until('DescribeGroups', async () => {
    const r = await client.request(15, 5, { groups: [group], includeAuthorizedOperations: false });
    return r.groups[0].errorCode === 0 ? r.groups[0] : undefined;
  });
}

// ------------------------------------------------------------------ the test

test('__consumer_offsets holds Kafka-format records that an independent decoder reads; commits and groups survive clean and kill -9 restarts', { timeout: 120_000 }, async () => {
  const broker = await startBrokerProcess({ overrides: { 'group.initial.rebalance.delay.ms': '0' } });
  try {
    let client = await RawClient.connect(broker.port);
    const created = await client.request(19, 5, {
      topics: [{ name: 'orders', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10000,
      validateOnly: false,
    });
    assert.equal(created.topics[0].errorCode, 0);

    // FindCoordinator creates __consumer_offsets and names this broker (v3 single key, v4 batched).
    const fc3 = await client.request(10, 3, { key: 'simple-group', keyType: 0 });
    assert.equal(fc3.errorCode, 0);
    assert.equal(fc3.port, broker.port);
    const fc4 = await client.request(10, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    assert.deepEqual(fc4.coordinators.map((c: any) => [c.key, c.errorCode, c.port]), [['a', 0, broker.port], ['b', 0, broker.port]]);
    const txn = await client.request(10, 4, { keyType: 1, coordinatorKeys: ['tx'] });
    // Key type 1: the transaction coordinator, leader of the id's __transaction_state partition (created now).
    assert.deepEqual([txn.coordinators[0].errorCode, txn.coordinators[0].port], [0, broker.port]);
    const md = await client.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const offsetsTopic = md.topics.find((t: any) => t.name === '__consumer_offsets');
    assert.ok(offsetsTopic, '__consumer_offsets exists');
    assert.equal(offsetsTopic.isInternal, true);
    assert.equal(offsetsTopic.partitions.length, 50);

    // A "simple" consumer commits with generation -1 (OffsetCommit v8), unknown partitions are refused per partition.
    const commit = await client.request(8, 8, {
      groupId: 'simple-group',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 0, committedMetadata: 'm-zero' }, { partitionIndex: 2, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: null }, { partitionIndex: 9, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] },
        { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] },
      ],
    });
    assert.deepEqual(commit.topics.map((t: any) => [t.name, t.partitions.map((p: any) => p.errorCode)]), [['orders', [0, 0, 3]], ['no-such-topic', [3]]]);
    // OffsetCommit v2 with its own retention: written as OffsetCommitValue v1 with an expire timestamp.
    const v2 = await client.request(8, 2, { groupId: 'retained-group', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: 3_600_000, topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 5, committedMetadata: 'r' }] }] });
    assert.equal(v2.topics[0].partitions[0].errorCode, 0);
    // OffsetDelete writes a tombstone.
    await client.request(8, 8, { groupId: 'simple-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 99, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    const del = await client.request(47, 0, { groupId: 'simple-group', topics: [{ name: 'orders', partitions: [{ partitionIndex: 1 }] }] });
    assert.equal(del.errorCode, 0);
    assert.equal(del.topics[0].partitions[0].errorCode, 0);

    // A static member joins (JoinGroup v5), syncs, commits with its generation.
    const sub = subscription(['orders']);
    const join = await client.request(11, 5, {
      groupId: 'live-group',
      sessionTimeoutMs: 45000,
      rebalanceTimeoutMs: 60000,
      memberId: '',
      groupInstanceId: 'instance-1',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: sub }],
    });
    assert.equal(join.errorCode, 0);
    assert.equal(join.leader, join.memberId);
    const assignment = Buffer.from('assignment-bytes');
    const syncRes = await client.request(14, 3, { groupId: 'live-group', generationId: join.generationId, memberId: join.memberId, groupInstanceId: 'instance-1', assignments: [{ memberId: join.memberId, assignment }] });
    assert.equal(syncRes.errorCode, 0);
    assert.deepEqual(Buffer.from(syncRes.assignment), assignment);
    const memberCommit = await client.request(8, 7, { groupId: 'live-group', generationIdOrMemberEpoch: join.generationId, memberId: join.memberId, groupInstanceId: 'instance-1', topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 1000, committedLeaderEpoch: 0, committedMetadata: 'member' }] }] });
    assert.equal(memberCommit.topics[0].partitions[0].errorCode, 0);

    // ---- the files, read raw
    const simple = readPartition(broker.dataDir, offsetsPartition('simple-group')).filter((d) => d.group === 'simple-group');
    const simpleOffsets = simple.filter((d) => d.kind === 'offset');
    assert.deepEqual(
      simpleOffsets.map((d) => d.kind === 'offset' && [d.keyVersion, d.topic, d.partition, d.valueVersion, d.offset ?? null, d.leaderEpoch ?? null, d.metadata ?? null, d.expireTimestamp ?? null]),
      [
        [1, 'orders', 0, 3, 42, 0, 'm-zero', -1],
        [1, 'orders', 2, 3, 7, -1, '', -1],
        [1, 'orders', 1, 3, 99, -1, '', -1],
        [1, 'orders', 1, null, null, null, null, null],
      ],
    );
    const c0 = simpleOffsets[0]!;
    assert.ok(c0.kind === 'offset' && Math.abs(c0.commitTimestamp! - Date.now()) < 60_000, 'commit timestamp is the broker time');
    assert.ok(!simple.some((d) => d.kind === 'group'), 'a simple consumer group has no metadata record');

    const retained = readPartition(broker.dataDir, offsetsPartition('retained-group')).filter((d) => d.group === 'retained-group');
    assert.equal(retained.length, 1);
    const r0 = retained[0]!;
    assert.ok(r0.kind === 'offset');
    assert.equal(r0.valueVersion, 1);
    assert.equal(r0.offset, 5);
    assert.equal(r0.metadata, 'r');
    assert.equal(r0.expireTimestamp! - r0.commitTimestamp!, 3_600_000);

    const live = readPartition(broker.dataDir, offsetsPartition('live-group')).filter((d) => d.group === 'live-group');
    const groupRecords = live.filter((d) => d.kind === 'group');
    assert.equal(groupRecords.length, 1, 'one metadata record, written at SyncGroup');
    const g = groupRecords[0]!;
    assert.ok(g.kind === 'group' && g.value);
    assert.equal(g.value.protocolType, 'consumer');
    assert.equal(g.value.generation, join.generationId);
    assert.equal(g.value.protocol, 'range');
    assert.equal(g.value.leader, join.memberId);
    assert.equal(g.value.members.length, 1);
    const m = g.value.members[0]!;
    assert.equal(m.memberId, join.memberId);
    assert.equal(m.groupInstanceId, 'instance-1');
    assert.equal(m.clientId, 'samsa-test');
    assert.equal(m.clientHost, '/127.0.0.1');
    assert.equal(m.sessionTimeout, 45000);
    assert.equal(m.rebalanceTimeout, 60000);
    assert.deepEqual(m.subscription, sub);
    assert.deepEqual(m.assignment, assignment);
    const lo = live.find((d) => d.kind === 'offset')!;
    assert.ok(lo.kind === 'offset');
    assert.deepEqual([lo.topic, lo.partition, lo.offset, lo.leaderEpoch, lo.metadata], ['orders', 1, 1000, 0, 'member']);

    const expected = new Map([
      ['orders-0', { offset: 42, metadata: 'm-zero' }],
      ['orders-2', { offset: 7, metadata: '' }],
    ]);
    assert.deepEqual(await committed(client, 'simple-group'), expected);
    client.close();

    // ---- clean restart
    await broker.restart();
    client = await RawClient.connect(broker.port);
    assert.deepEqual(await committed(client, 'simple-group'), expected);
    assert.deepEqual(await committed(client, 'retained-group'), new Map([['orders-1', { offset: 5, metadata: 'r' }]]));
    assert.deepEqual(await committed(client, 'live-group'), new Map([['orders-1', { offset: 1000, metadata: 'member' }]]));
    let d = await describe(client, 'live-group');
    assert.equal(d.groupState, 'Stable');
    assert.equal(d.protocolType, 'consumer');
    assert.equal(d.protocolData, 'range');
    assert.deepEqual(d.members.map((x: any) => [x.memberId, x.groupInstanceId]), [[join.memberId, 'instance-1']]);
    assert.deepEqual(Buffer.from(d.members[0].memberAssignment), assignment);
    // The static member comes back with a new incarnation after the restart: same generation, same assignment.
    const rejoin = await until('JoinGroup', async () => {
      const r = await client.request(11, 5, { groupId: 'live-group', sessionTimeoutMs: 45000, rebalanceTimeoutMs: 60000, memberId: '', groupInstanceId: 'instance-1', protocolType: 'consumer', protocols: [{ name: 'range', metadata: sub }] });
      return r.errorCode === 0 ? r : undefined;
    });
    assert.equal(rejoin.generationId, join.generationId);
    const resync = await client.request(14, 3, { groupId: 'live-group', generationId: rejoin.generationId, memberId: rejoin.memberId, groupInstanceId: 'instance-1', assignments: [] });
    assert.deepEqual(Buffer.from(resync.assignment), assignment);
    // One more acknowledged commit, then kill -9.
    const last = await client.request(8, 8, { groupId: 'simple-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 43, committedLeaderEpoch: 0, committedMetadata: 'after' }] }] });
    assert.equal(last.topics[0].partitions[0].errorCode, 0);
    client.close();

    // ---- kill -9
    await broker.kill9();
    await broker.restart();
    client = await RawClient.connect(broker.port);
    assert.deepEqual(await committed(client, 'simple-group'), new Map([['orders-0', { offset: 43, metadata: 'after' }], ['orders-2', { offset: 7, metadata: '' }]]));
    assert.deepEqual(await committed(client, 'live-group'), new Map([['orders-1', { offset: 1000, metadata: 'member' }]]));
    d = await describe(client, 'live-group');
    assert.equal(d.groupState, 'Stable');
    assert.deepEqual(d.members.map((x: any) => [x.memberId, x.groupInstanceId]), [[rejoin.memberId, 'instance-1']]);
    // Old-version fetches read the same state: OffsetFetch v1 (no top-level error) and v5.
    const f1 = await client.request(9, 1, { groupId: 'simple-group', topics: [{ name: 'orders', partitionIndexes: [0, 1] }] });
    assert.deepEqual(f1.topics[0].partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.errorCode]), [[0, 43, 0], [1, -1, 0]]);
    const f5 = await client.request(9, 5, { groupId: 'live-group', topics: null });
    assert.deepEqual(f5.topics[0].partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch]), [[1, 1000, 0]]);
    const list = await client.request(16, 4, { statesFilter: ['Stable'] });
    assert.deepEqual(list.groups.map((x: any) => [x.groupId, x.groupState]), [['live-group', 'Stable']]);
    client.close();
  } catch (err) {
    console.error(broker.output().slice(-4000));
    throw err;
  } finally {
    await broker.destroy();
  }
});
