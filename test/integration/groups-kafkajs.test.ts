// Consumer groups with KafkaJS 2.2.4 against a Samsa broker process: two
// consumers share a 4-partition topic (their GROUP_JOIN events carry the
// assignments) and eachMessage sees every record once, a third joining gets
// partitions and one disconnecting hands its partitions back, commits (auto
// and manual) let a new consumer resume right after them, and the admin
// client's group operations: fetchOffsets, listGroups, describeGroups,
// setOffsets, resetOffsets, deleteGroups.

import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from './harness.js';
import { uniqueTopic } from './compat-util.js';
import { values, sortNum, awaitShare, awaitRecords, assertReadOnceByOwner, endOffsets, awaitCommitted, type Rec, type Member } from './group-util.js';

const { Kafka, logLevel, AssignerProtocol } = kafkajs;

const PARTITIONS = 4;
const ALL = [0, 1, 2, 3];
const SESSION_TIMEOUT_MS = 6000;

/** A KafkaJS consumer in a group, recording its assignments (GROUP_JOIN) and the records eachMessage saw. */
class JsMember implements Member {
  readonly consumer: Consumer;
  readonly joins: Record<string, number[]>[] = [];
  readonly recs: Rec[] = [];
  crashed: unknown = null;

  constructor(
    readonly name: string,
    kafka: InstanceType<typeof Kafka>,
    readonly group: string,
    readonly topic: string,
  ) {
    this.consumer = kafka.consumer({
      groupId: group,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 300,
      rebalanceTimeout: 20000,
      // Short fetch waits: KafkaJS notices a rebalance on its next heartbeat, between fetches.
      maxWaitTimeInMs: 200,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => this.joins.push(e.payload.memberAssignment));
    this.consumer.on(this.consumer.events.CRASH, (e) => (this.crashed = e.payload.error));
  }

  async start(opts: { autoCommit?: boolean; fromBeginning?: boolean } = {}): Promise<this> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: opts.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: opts.autoCommit ?? true,
      eachMessage: async ({ partition, message }) => {
        this.recs.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
    return this;
  }

  get assignment(): number[] {
    return sortNum(this.joins.at(-1)?.[this.topic] ?? []);
  }

  get records(): Rec[] {
    return this.recs;
  }
}

describe('consumer groups with KafkaJS', { timeout: 180_000 }, () => {
  let broker: BrokerProcess;
  let kafka: InstanceType<typeof Kafka>;
  let admin: Admin;
  let producer: Producer;
  let members: JsMember[] = [];

  const join = async (name: string, group: string, topic: string, opts: { autoCommit?: boolean; fromBeginning?: boolean } = {}) => {
    const m = new JsMember(name, kafka, group, topic);
    members.push(m);
    return m.start(opts);
  };

  const newTopic = async (prefix: string) => {
    const topic = uniqueTopic(prefix);
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true }), true);
    return topic;
  };

  /** Sends `count` records to each partition with KafkaJS (acks=all); returns the values per partition. */
  const produce = async (topic: string, count: number, tag: string): Promise<Map<number, string[]>> => {
    const sent = new Map(ALL.map((p) => [p, values(tag, p, count)]));
    await producer.send({ topic, acks: -1, messages: [...sent].flatMap(([partition, vs]) => vs.map((value) => ({ partition, value }))) });
    return sent;
  };

  const noCrash = () => {
    for (const m of members) assert.equal(m.crashed, null, `${m.name} crashed: ${String(m.crashed)}`);
  };

  /** fetchOffsets for one topic as partition → [offset, metadata]. */
  const fetched = async (groupId: string, topic: string, resolveOffsets = false) => {
    const res = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets });
    assert.equal(res.length, 1);
    assert.equal(res[0]!.topic, topic);
    return new Map(res[0]!.partitions.map((p) => [p.partition, [Number(p.offset), p.metadata] as const]));
  };

  before(async () => {
    broker = await startBrokerProcess({
      overrides: {
        'group.initial.rebalance.delay.ms': '0',
        'group.min.session.timeout.ms': '1000',
        'offsets.topic.num.partitions': '4',
      },
    });
    kafka = new Kafka({ clientId: 'samsa-groups-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(members.map((m) => m.consumer.disconnect().catch(() => undefined)));
    members = [];
  });

  after(async () => {
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await broker?.destroy();
  });

  it('two consumers share a 4-partition topic and read every record once; a third joining gets partitions; one disconnecting hands them over', async () => {
    const topic = await newTopic('gj-share');
    const group = uniqueTopic('gj-share-g');
    const [a, b] = await Promise.all([join('a', group, topic), join('b', group, topic)]);
    const two = await awaitShare([a, b], PARTITIONS, 'a and b share the topic');
    assert.deepEqual(two.map((x) => x.length), [2, 2]);

    const phase1 = await produce(topic, 20, 'one');
    await awaitRecords([a, b], phase1, 'phase 1 read');
    assertReadOnceByOwner([a, b], phase1, two);
    await awaitCommitted(broker.port, group, topic, endOffsets(phase1));

    const c = await join('c', group, topic);
    const three = await awaitShare([a, b, c], PARTITIONS, 'a, b and c share the topic');
    assert.deepEqual(sortNum(three.map((x) => x.length)), [1, 1, 2]);
    const phase2 = await produce(topic, 10, 'two');
    await awaitRecords([a, b, c], phase2, 'phase 2 read');
    assertReadOnceByOwner([a, b, c], phase2, three);
    assertReadOnceByOwner([a, b, c], phase1, [ALL, ALL, ALL]);
    await awaitCommitted(broker.port, group, topic, endOffsets(phase2, 20));

    // The group as the admin client describes it: Stable, three members, their assignments.
    const desc = await admin.describeGroups([group]);
    const g = desc.groups[0]!;
    assert.equal((g as any).errorCode, 0);
    assert.equal(g.state, 'Stable');
    assert.equal(g.protocolType, 'consumer');
    assert.equal(g.protocol, 'RoundRobinAssigner');
    assert.equal(g.members.length, 3);
    const described = g.members.map((m) => sortNum(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)!.assignment[topic] ?? []));
    assert.deepEqual(described.map((x) => x.join()).sort(), three.map((x) => x.join()).sort());
    for (const m of g.members) {
      assert.equal(m.clientId, 'samsa-groups-kafkajs');
      assert.match(m.clientHost, /127\.0\.0\.1/);
      assert.deepEqual(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)!.topics, [topic]);
    }

    // c disconnects (LeaveGroup): a and b take its partitions without waiting for its session to expire.
    const left = Date.now();
    await c.consumer.disconnect();
    const final = await awaitShare([a, b], PARTITIONS, 'a and b take over from c');
    assert.ok(Date.now() - left < SESSION_TIMEOUT_MS, `the takeover took ${Date.now() - left} ms: the leave was not acted upon`);
    const phase3 = await produce(topic, 10, 'three');
    await awaitRecords([a, b], phase3, 'phase 3 read');
    assertReadOnceByOwner([a, b], phase3, final);
    assertReadOnceByOwner([a, b, c], phase2, [ALL, ALL, ALL]);
    noCrash();
  });

  it('commits (auto and manual) let a new consumer resume right after them', async () => {
    const topic = await newTopic('gj-resume');
    const group = uniqueTopic('gj-resume-g');
    const phase1 = await produce(topic, 10, 'one');

    const m1 = await join('m1', group, topic, { autoCommit: true });
    await awaitRecords([m1], phase1, 'phase 1 read');
    await awaitCommitted(broker.port, group, topic, endOffsets(phase1));
    await m1.consumer.disconnect();

    // Manual commits: only some of what is read.
    const phase2 = await produce(topic, 10, 'two');
    const m2 = await join('m2', group, topic, { autoCommit: false });
    await awaitRecords([m2], phase2, 'phase 2 read');
    assert.deepEqual(m2.records.map((r) => r.value).sort(), [...phase2.values()].flat().sort(), 'm2 read only what followed the auto-commits');
    const manual = new Map([[0, 12], [1, 20], [2, 10], [3, 15]]);
    await m2.consumer.commitOffsets([...manual].map(([partition, offset]) => ({ topic, partition, offset: String(offset) })));
    const f = await fetched(group, topic);
    assert.deepEqual(sortNum([...f.keys()]), ALL);
    for (const [p, o] of manual) assert.equal(f.get(p)![0], o, `fetchOffsets partition ${p}`);
    await m2.consumer.disconnect();

    const m3 = await join('m3', group, topic, { autoCommit: false });
    const rest = new Map([...manual].map(([p, o]) => [p, phase2.get(p)!.slice(o - 10)]));
    await awaitRecords([m3], new Map([...rest].filter(([, v]) => v.length > 0)), 'the rest read');
    assert.deepEqual(m3.records.map((r) => r.value).sort(), [...rest.values()].flat().sort());
    for (const [p, o] of manual) if (o < 20) assert.equal(m3.records.find((r) => r.partition === p)!.offset, o);
    noCrash();
  });

  it('admin: fetchOffsets, listGroups, describeGroups, setOffsets, resetOffsets, deleteGroups', async () => {
    const topic = await newTopic('gj-admin');
    const group = uniqueTopic('gj-admin-g');
    const sent = await produce(topic, 8, 'x');

    // No commits yet: every partition at -1.
    const none = await fetched(group, topic);
    assert.deepEqual([...none].sort((x, y) => x[0] - y[0]).map(([p, [o]]) => [p, o]), ALL.map((p) => [p, -1]));

    const m = await join('m', group, topic);
    await awaitRecords([m], sent, 'everything read');
    await awaitCommitted(broker.port, group, topic, endOffsets(sent));
    const f = await fetched(group, topic);
    for (const p of ALL) assert.equal(f.get(p)![0], 8);

    const { groups } = await admin.listGroups();
    assert.deepEqual(groups.filter((g) => g.groupId === group), [{ groupId: group, protocolType: 'consumer' }]);

    // Offsets cannot be changed, nor the group deleted, while it has a member.
    await assert.rejects(admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '1' }] }), /running instances|not empty/i);
    await assert.rejects(admin.deleteGroups([group]), (e: any) => e.name === 'KafkaJSDeleteGroupsError' && e.groups?.[0]?.error?.type === 'NON_EMPTY_GROUP');

    await m.consumer.disconnect();
    const empty = (await admin.describeGroups([group])).groups[0]!;
    assert.equal(empty.state, 'Empty');
    assert.deepEqual(empty.members, []);

    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '3' }, { partition: 2, offset: '5' }] });
    let now = await fetched(group, topic);
    assert.deepEqual([0, 1, 2, 3].map((p) => now.get(p)![0]), [3, 8, 5, 8]);

    // resetOffsets commits Kafka's logical offset as it is (-2, earliest); a consumer then starts from the beginning.
    // (Each setOffsets/resetOffsets runs a KafkaJS consumer that waits out one 5 s fetch wait: keep them few.)
    await admin.resetOffsets({ groupId: group, topic, earliest: true });
    now = await fetched(group, topic);
    assert.deepEqual([0, 1, 2, 3].map((p) => now.get(p)![0]), [-2, -2, -2, -2]);
    const again = await join('again', group, topic);
    await awaitRecords([again], sent, 'everything read again after the reset');
    assertReadOnceByOwner([again], sent, [ALL]);
    await awaitCommitted(broker.port, group, topic, endOffsets(sent));
    await again.consumer.disconnect();

    const deleted = await admin.deleteGroups([group]);
    assert.deepEqual(deleted.map((d) => [d.groupId, d.errorCode]), [[group, 0]]);
    assert.deepEqual((await admin.listGroups()).groups.filter((g) => g.groupId === group), []);
    const gone = await fetched(group, topic);
    assert.deepEqual(ALL.map((p) => gone.get(p)![0]), [-1, -1, -1, -1]);
    assert.equal((await admin.describeGroups([group])).groups[0]!.state, 'Dead');
    noCrash();
  });
});
