// The Samsa client's consumer groups against a Samsa broker process:
// members of our own share a 4-partition topic and read every record once
// through joins, a close and a restart from committed offsets; commits with
// metadata, committed(), auto.offset.reset; static membership; pattern
// subscriptions; max.poll.interval.ms; mixed groups with KafkaJS (roundrobin)
// and confluent-kafka-python (cooperative-sticky); records cross-checked
// with KafkaJS in both directions; and the admin client's group calls
// checked against the broker's own answers (raw OffsetFetch / DescribeGroups).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { startBrokerProcess, requireTool, BrokerProcess, PYTHON, REPO } from './harness.js';
import { uniqueTopic, waitFor } from './compat-util.js';
import { RawClient } from './raw-client.js';
import {
  Producer,
  Consumer,
  Admin,
  AdminOperationError,
  CommitFailedError,
  KafkaError,
  NoOffsetForPartitionError,
  type ConsumerRecord,
  type RebalanceListener,
  type TopicPartition,
} from '../../src/index.js';

const { Kafka, logLevel, PartitionAssigners } = kafkajs;

const PARTITIONS = 4;
const ALL = [0, 1, 2, 3];
const SESSION_TIMEOUT_MS = 6000;

interface Rec {
  partition: number;
  offset: number;
  value: string;
}

const sortNum = (a: number[]) => [...a].sort((x, y) => x - y);

/** One of our consumers in a group, polling in a loop; records what it read and what its listener saw. */
class Member {
  readonly consumer: Consumer<string | null, string | null>;
  readonly records: Rec[] = [];
  readonly events: { ev: 'assigned' | 'revoked' | 'lost'; partitions: number[] }[] = [];
  errors: unknown[] = [];
  private loop: Promise<void> | null = null;
  private stopped = false;
  /** While true the loop does not call poll() (to exceed max.poll.interval.ms). */
  paused = false;

  constructor(
    readonly name: string,
    bootstrap: string,
    readonly group: string,
    config: Record<string, unknown> = {},
  ) {
    this.consumer = new Consumer<string | null, string | null>({
      'bootstrap.servers': bootstrap,
      'group.id': group,
      'client.id': name,
      'auto.offset.reset': 'earliest',
      'session.timeout.ms': SESSION_TIMEOUT_MS,
      'heartbeat.interval.ms': 300,
      'auto.commit.interval.ms': 200,
      'fetch.max.wait.ms': 200,
      'partition.assignment.strategy': 'range',
      keyDeserializer: (b) => (b === null ? null : b.toString()),
      valueDeserializer: (b) => (b === null ? null : b.toString()),
      ...config,
    });
  }

  get listener(): RebalanceListener {
    const note = (ev: 'assigned' | 'revoked' | 'lost') => (tps: TopicPartition[]) => void this.events.push({ ev, partitions: sortNum(tps.map((t) => t.partition)) });
    return { onPartitionsAssigned: note('assigned'), onPartitionsRevoked: note('revoked'), onPartitionsLost: note('lost') };
  }

  start(topics: string[] | RegExp): this {
    this.consumer.subscribe(topics, this.listener);
    this.loop = (async () => {
      while (!this.stopped) {
        if (this.paused) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        try {
          for (const r of await this.consumer.poll(200)) this.records.push({ partition: r.partition, offset: r.offset, value: r.value! });
        } catch (err) {
          if ((err as Error).name === 'ClientClosedError') return;
          this.errors.push(err);
        }
      }
    })();
    return this;
  }

  get assignment(): number[] {
    return sortNum(this.consumer.assignment().map((t) => t.partition));
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.consumer.close();
    await this.loop;
  }
}

/** Waits until the members' assignments are disjoint, each non-empty, and together cover 0..n-1. */
async function awaitShare(members: { name: string; assignment: number[] }[], n = PARTITIONS, what = 'the members to share the partitions'): Promise<number[][]> {
  try {
    return await waitFor(
      what,
      () => {
        const a = members.map((m) => m.assignment);
        const flat = a.flat();
        const ok = a.every((x) => x.length > 0) && new Set(flat).size === flat.length && flat.length === n && flat.every((p) => p >= 0 && p < n);
        return ok ? a : undefined;
      },
      30000,
      50,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (assignments: ${members.map((m) => `${m.name}=${JSON.stringify(m.assignment)}`).join(' ')})`);
  }
}

/** Waits until the members together have read every value in `want`. */
async function awaitRead(members: { name: string; records: Rec[] }[], want: string[], what: string): Promise<void> {
  const set = new Set(want);
  await waitFor(
    `${what}: ${want.length} records`,
    () => (new Set(members.flatMap((m) => m.records.map((r) => r.value)).filter((v) => set.has(v))).size === set.size ? true : undefined),
    30000,
    50,
  );
}

/** Each value of `want` read exactly once in total, from the partition it was produced to. */
function assertReadOnce(members: { name: string; records: Rec[] }[], want: string[]): void {
  const set = new Set(want);
  const seen = new Map<string, string[]>();
  for (const m of members) {
    for (const r of m.records) {
      if (!set.has(r.value)) continue;
      assert.equal(Number(/-p(\d+)-/.exec(r.value)![1]), r.partition, `${r.value} came from partition ${r.partition}`);
      const l = seen.get(r.value) ?? [];
      l.push(m.name);
      seen.set(r.value, l);
    }
  }
  for (const v of want) assert.equal(seen.get(v)?.length, 1, `${v} read by ${JSON.stringify(seen.get(v) ?? [])}`);
}

/** A raw OffsetFetch v5 (the broker's own answer, independent of the client under test). */
async function rawCommitted(port: number, group: string, topic: string, partitions: number[]): Promise<Map<number, { offset: number; metadata: string | null }>> {
  const c = await RawClient.connect(port);
  try {
    const res = await c.request(9, 5, { groupId: group, topics: [{ name: topic, partitionIndexes: partitions }] });
    assert.equal(res.errorCode, 0);
    return new Map((res.topics[0]?.partitions ?? []).map((p: any) => [p.partitionIndex, { offset: Number(p.committedOffset), metadata: p.metadata }]));
  } finally {
    c.close();
  }
}

/** A raw DescribeGroups v5. */
async function rawDescribe(port: number, group: string): Promise<any> {
  const c = await RawClient.connect(port);
  try {
    const res = await c.request(15, 5, { groups: [group], includeAuthorizedOperations: false });
    return res.groups[0];
  } finally {
    c.close();
  }
}

/** A child process whose stdout lines are JSON events. */
class JsonLines {
  readonly events: any[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private partial = '';
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d: Buffer) => {
      const lines = (this.partial + d.toString()).split('\n');
      this.partial = lines.pop()!;
      for (const l of lines) if (l.trim()) this.events.push(JSON.parse(l));
    });
    proc.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    proc.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => proc.once('close', (code) => resolve(code)));
  }
  dump(): string {
    return `events: ${JSON.stringify(this.events.filter((e) => e.ev !== 'rec'))}\nstderr: ${this.stderr.join('').slice(-3000)}`;
  }
}

const PY_COOPERATIVE = `
import json, sys, select
from confluent_kafka import Consumer
p = json.loads(sys.argv[1])
c = Consumer({'bootstrap.servers': p['bootstrap'], 'group.id': p['group'], 'client.id': 'python',
              'partition.assignment.strategy': 'cooperative-sticky', 'auto.offset.reset': 'earliest',
              'enable.auto.commit': True, 'auto.commit.interval.ms': 200,
              'session.timeout.ms': 6000, 'heartbeat.interval.ms': 300})
def out(o): print(json.dumps(o), flush=True)
def cb(name):
    return lambda consumer, parts: out({'ev': name, 'partitions': sorted(x.partition for x in parts)})
c.subscribe([p['topic']], on_assign=cb('assign'), on_revoke=cb('revoke'), on_lost=cb('lost'))
last = None
while True:
    r, _, _ = select.select([sys.stdin], [], [], 0)
    if r:
        line = sys.stdin.readline()
        if not line or line.strip() == 'quit':
            break
    m = c.poll(0.1)
    a = sorted(x.partition for x in c.assignment())
    if a != last:
        last = a
        out({'ev': 'assignment', 'partitions': a})
    if m is None:
        continue
    if m.error():
        out({'ev': 'error', 'error': str(m.error())})
        continue
    out({'ev': 'rec', 'partition': m.partition(), 'offset': m.offset(), 'value': m.value().decode()})
c.close()
out({'ev': 'closed'})
`;

describe('Samsa client consumer groups against a Samsa broker process', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  let admin: Admin;
  let producer: Producer;
  const open: { close(): Promise<void> }[] = [];

  const member = (name: string, group: string, config: Record<string, unknown> = {}) => {
    const m = new Member(name, broker.bootstrap, group, config);
    open.push(m);
    return m;
  };

  /** `count` records per partition, values `${tag}-p${partition}-${i}`, produced with our producer; returns every value. */
  const produce = async (topic: string, tag: string, count: number, partitions = ALL): Promise<string[]> => {
    const values: string[] = [];
    await Promise.all(
      partitions.flatMap((p) =>
        Array.from({ length: count }, (_, i) => {
          const value = `${tag}-p${p}-${i}`;
          values.push(value);
          return producer.send({ topic, partition: p, key: `k${i}`, value });
        }),
      ),
    );
    return values;
  };

  const newTopic = async (prefix: string, partitions = PARTITIONS) => {
    const topic = uniqueTopic(prefix);
    await admin.createTopics([{ name: topic, numPartitions: partitions }]);
    return topic;
  };

  before(async () => {
    requireTool('confluent-kafka');
    broker = await startBrokerProcess({
      overrides: {
        'group.initial.rebalance.delay.ms': '0',
        'group.min.session.timeout.ms': '1000',
        'offsets.topic.num.partitions': '4',
        'num.partitions': String(PARTITIONS),
      },
    });
    admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
    producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'linger.ms': 5 });
  });

  after(async () => {
    await Promise.all(open.map((m) => m.close().catch(() => undefined)));
    await producer?.close();
    await admin?.close();
    await broker?.destroy();
  });

  it('two members share the partitions and read every record once; a third joins; one closes; a restart resumes from the commits', async () => {
    const topic = await newTopic('grp-share');
    const group = uniqueTopic('g-share');
    const m1 = member('m1', group).start([topic]);
    const m2 = member('m2', group).start([topic]);
    const [s1, s2] = await awaitShare([m1, m2]);
    assert.deepEqual([s1!.length, s2!.length], [2, 2], 'range splits 4 partitions 2 + 2');
    const a = await produce(topic, 'a', 20);
    await awaitRead([m1, m2], a, 'm1 and m2');
    assertReadOnce([m1, m2], a);
    for (const m of [m1, m2]) for (const r of m.records) assert.ok(m.assignment.includes(r.partition), `${m.name} read partition ${r.partition} it does not hold`);

    // A third member: the group rebalances and hands it partitions.
    const m3 = member('m3', group).start([topic]);
    await awaitShare([m1, m2, m3]);
    assert.ok(m1.events.some((e) => e.ev === 'revoked'), 'the eager protocol revoked before reassigning');
    const b = await produce(topic, 'b', 10);
    await awaitRead([m1, m2, m3], b, 'three members');
    assertReadOnce([m1, m2, m3], b);

    // m2 closes (LeaveGroup): its partitions go to the others.
    const m2had = m2.assignment;
    const m2id = m2.consumer.groupMetadata()!.memberId;
    await m2.close();
    // close() sent LeaveGroup: the broker dropped the member at once (no session timeout).
    assert.ok(!(await rawDescribe(broker.port, group)).members.some((m: any) => m.memberId === m2id), 'm2 is gone from the group');
    const [after1, after3] = await awaitShare([m1, m3]);
    for (const p of m2had) assert.ok(after1!.includes(p) || after3!.includes(p));
    const c = await produce(topic, 'c', 10);
    await awaitRead([m1, m3], c, 'after m2 left');
    assertReadOnce([m1, m3], c);
    // Across all three rebalances nothing was read twice (auto-commit before every revocation).
    assertReadOnce([m1, m2, m3], [...a, ...b, ...c]);
    for (const m of [m1, m2, m3]) assert.deepEqual(m.errors, []);

    // Close commits: the group's offsets are the end of every partition.
    await Promise.all([m1.close(), m3.close()]);
    const committed = await admin.listConsumerGroupOffsets(group);
    assert.deepEqual(committed.map((x) => [x.topic, x.partition, x.offset]), ALL.map((p) => [topic, p, 40]));
    assert.deepEqual(await admin.listGroups({ states: ['Empty'] }).then((l) => l.some((g) => g.groupId === group)), true);

    // A restarted member resumes right after the commits.
    const d = await produce(topic, 'd', 5);
    const m4 = member('m4', group).start([topic]);
    await awaitRead([m4], d, 'the restarted member');
    await waitFor('m4 to settle', () => (m4.assignment.length === PARTITIONS ? true : undefined));
    assert.deepEqual(sortNum(m4.records.map((r) => r.offset)).slice(0, 4), [40, 40, 40, 40]);
    assert.deepEqual(new Set(m4.records.map((r) => r.value)), new Set(d));
    await m4.close();
  });

  it('commitSync / commitAsync with metadata, committed(), and auto.offset.reset earliest / latest / none', async () => {
    const topic = await newTopic('grp-commit', 2);
    const group = uniqueTopic('g-commit');
    const values = await produce(topic, 'x', 10, [0, 1]);
    const c = new Consumer({ 'bootstrap.servers': broker.bootstrap, 'group.id': group, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', 'session.timeout.ms': SESSION_TIMEOUT_MS, 'heartbeat.interval.ms': 300 });
    open.push(c);
    c.subscribe([topic]);
    const got: ConsumerRecord[] = [];
    await waitFor('20 records', async () => {
      got.push(...(await c.poll(200)));
      return got.length >= 20 ? true : undefined;
    });
    assert.equal(got.length, values.length);
    await c.commitSync([{ topic, partition: 0, offset: 4, metadata: 'checkpoint-a' }]);
    const asyncDone = new Promise<Error | null>((resolve) => c.commitAsync([{ topic, partition: 1, offset: 7, metadata: 'b' }], (err) => resolve(err)));
    assert.equal(await asyncDone, null);
    const tps = [0, 1].map((partition) => ({ topic, partition }));
    assert.deepEqual(
      (await c.committed(tps)).map((x) => [x.partition, x.offset, x.metadata]),
      [
        [0, 4, 'checkpoint-a'],
        [1, 7, 'b'],
      ],
    );
    const raw = await rawCommitted(broker.port, group, topic, [0, 1]);
    assert.deepEqual([...raw].sort(), [
      [0, { offset: 4, metadata: 'checkpoint-a' }],
      [1, { offset: 7, metadata: 'b' }],
    ]);
    assert.deepEqual((await admin.listConsumerGroupOffsets(group, { partitions: tps })).map((x) => [x.offset, x.metadata]), [
      [4, 'checkpoint-a'],
      [7, 'b'],
    ]);
    // Without arguments: the positions (after everything poll() returned).
    await c.commitSync();
    assert.deepEqual((await c.committed(tps)).map((x) => x.offset), [10, 10]);
    await c.close();

    // A new member of the group starts at the committed offsets.
    await produce(topic, 'y', 3, [0]);
    const c2 = new Consumer<null, string>({ 'bootstrap.servers': broker.bootstrap, 'group.id': group, 'enable.auto.commit': false, 'session.timeout.ms': SESSION_TIMEOUT_MS, valueDeserializer: (b) => b!.toString() });
    open.push(c2);
    c2.subscribe([topic]);
    const resumed: ConsumerRecord<null, string>[] = [];
    await waitFor('3 new records', async () => {
      resumed.push(...(await c2.poll(200)));
      return resumed.length >= 3 ? true : undefined;
    });
    assert.deepEqual(resumed.map((r) => [r.partition, r.offset, r.value]), [0, 1, 2].map((i) => [0, 10 + i, `y-p0-${i}`]));
    await c2.close();

    // No committed offset: latest starts at the end, none refuses.
    const latest = new Consumer({ 'bootstrap.servers': broker.bootstrap, 'group.id': uniqueTopic('g-latest'), 'auto.offset.reset': 'latest', 'session.timeout.ms': SESSION_TIMEOUT_MS });
    open.push(latest);
    latest.subscribe([topic]);
    await waitFor('latest to be assigned', async () => {
      await latest.poll(100);
      return latest.assignment().length === 2 ? true : undefined;
    });
    assert.equal(await latest.position({ topic, partition: 0 }), 13);
    assert.equal(await latest.position({ topic, partition: 1 }), 10);
    await latest.close();
    const none = new Consumer({ 'bootstrap.servers': broker.bootstrap, 'group.id': uniqueTopic('g-none'), 'auto.offset.reset': 'none', 'session.timeout.ms': SESSION_TIMEOUT_MS });
    open.push(none);
    none.subscribe([topic]);
    const err = await waitFor('NoOffsetForPartitionError', async () => {
      try {
        await none.poll(100);
        return undefined;
      } catch (e) {
        return e;
      }
    });
    assert.ok(err instanceof NoOffsetForPartitionError, String(err));
    await none.close();

    // Manual assignment with a group.id: starts at the committed offset, commits as a simple consumer.
    const manual = new Consumer({ 'bootstrap.servers': broker.bootstrap, 'group.id': group, 'enable.auto.commit': false });
    open.push(manual);
    manual.assign(tps);
    assert.equal(await manual.position({ topic, partition: 1 }), 10);
    await manual.commitSync([{ topic, partition: 1, offset: 2, metadata: 'manual' }]);
    assert.deepEqual(await rawCommitted(broker.port, group, topic, [1]), new Map([[1, { offset: 2, metadata: 'manual' }]]));
    await manual.close();
  });

  it('rebalance listeners may seek when partitions are assigned and commit when they are revoked', async () => {
    const topic = await newTopic('grp-listener', 2);
    const group = uniqueTopic('g-listener');
    await produce(topic, 'l', 6, [0, 1]);
    const c = new Consumer<null, string>({ 'bootstrap.servers': broker.bootstrap, 'group.id': group, 'enable.auto.commit': false, 'session.timeout.ms': SESSION_TIMEOUT_MS, 'heartbeat.interval.ms': 300, valueDeserializer: (b) => b!.toString() });
    open.push(c);
    const committedOnRevoke: number[][] = [];
    c.subscribe([topic], {
      onPartitionsAssigned: (tps) => tps.forEach((tp) => c.seek(tp, 2)),
      onPartitionsRevoked: async (tps) => {
        await c.commitSync();
        committedOnRevoke.push((await c.committed(tps)).map((x) => x.offset));
      },
    });
    const got: ConsumerRecord<null, string>[] = [];
    await waitFor('8 records', async () => {
      got.push(...(await c.poll(200)));
      return got.length >= 8 ? true : undefined;
    });
    assert.deepEqual(sortNum(got.map((r) => r.offset)), [2, 2, 3, 3, 4, 4, 5, 5]);
    // Another member joins: the first revokes (eager) and commits what it read.
    const other = member('other', group, { 'enable.auto.commit': false }).start([topic]);
    const first = { name: 'first', get assignment() { return sortNum(c.assignment().map((t) => t.partition)); } };
    await waitFor('the rebalance', async () => {
      await c.poll(100);
      return c.assignment().length === 1 && other.assignment.length === 1 ? true : undefined;
    });
    await awaitShare([first, other], 2);
    assert.deepEqual(committedOnRevoke[0], [6, 6]);
    await c.close();
  });

  it('static membership: a member that restarts within session.timeout.ms gets its partitions back without a rebalance', async () => {
    const topic = await newTopic('grp-static');
    const group = uniqueTopic('g-static');
    const cfg = (id: string) => ({ 'group.instance.id': id, 'session.timeout.ms': 20000 });
    const s1 = member('s1', group, cfg('instance-1')).start([topic]);
    const s2 = member('s2', group, cfg('instance-2')).start([topic]);
    const [a1] = await awaitShare([s1, s2]);
    const gen = s2.consumer.groupMetadata()!.generationId;
    const s2events = s2.events.length;
    await s1.close();
    // No LeaveGroup: the broker still counts the static member.
    const d = await rawDescribe(broker.port, group);
    assert.equal(d.groupState, 'Stable');
    assert.deepEqual(d.members.map((m: any) => m.groupInstanceId).sort(), ['instance-1', 'instance-2']);
    const s1b = member('s1b', group, cfg('instance-1')).start([topic]);
    await waitFor('s1b to get its partitions back', () => (s1b.assignment.length > 0 ? true : undefined));
    assert.deepEqual(s1b.assignment, a1);
    assert.equal(s2.consumer.groupMetadata()!.generationId, gen, 'no new generation');
    assert.equal(s2.events.length, s2events, 's2 saw no rebalance');
    assert.deepEqual(s1b.consumer.groupMetadata()!.generationId, gen);
  });

  it('a pattern subscription picks up matching topics created later', async () => {
    const prefix = uniqueTopic('pat');
    const t1 = `${prefix}-one`;
    await admin.createTopics([{ name: t1, numPartitions: 2 }]);
    const group = uniqueTopic('g-pattern');
    const m = member('pm', group, { 'metadata.max.age.ms': 300 }).start(new RegExp(`^${prefix}-`));
    await waitFor('the first topic', () => (m.consumer.assignment().length === 2 ? true : undefined));
    const t2 = `${prefix}-two`;
    await admin.createTopics([{ name: t2, numPartitions: 1 }, { name: `other-${prefix}`, numPartitions: 1 }]);
    await waitFor('the second topic', () => (m.consumer.assignment().length === 3 ? true : undefined));
    assert.deepEqual(m.consumer.subscription(), [t1, t2]);
    await producer.send({ topic: t2, value: 'in-two-p0-0', partition: 0 });
    await awaitRead([m], ['in-two-p0-0'], 'the pattern member');
  });

  it('a subscribed topic created after the group formed is assigned once it exists', async () => {
    const topic = uniqueTopic('grp-later');
    const group = uniqueTopic('g-later');
    const m = member('later', group, { 'allow.auto.create.topics': false }).start([topic]);
    await waitFor('the member to join', () => ((m.consumer.groupMetadata()?.generationId ?? -1) >= 0 ? true : undefined));
    assert.deepEqual(m.assignment, []);
    await admin.createTopics([{ name: topic, numPartitions: 2 }]);
    await waitFor('the new topic to be assigned', () => (m.assignment.length === 2 ? true : undefined));
    const values = await produce(topic, 'later', 3, [0, 1]);
    await awaitRead([m], values, 'the member');
  });

  it('a member that stops polling for max.poll.interval.ms leaves; polling again, it finds its partitions lost and rejoins', async () => {
    const topic = await newTopic('grp-maxpoll');
    const group = uniqueTopic('g-maxpoll');
    const slow = member('slow', group, { 'max.poll.interval.ms': 1500 }).start([topic]);
    const fast = member('fast', group, { 'max.poll.interval.ms': 1500 }).start([topic]);
    await awaitShare([slow, fast]);
    slow.paused = true;
    await waitFor('fast to take every partition', () => (fast.assignment.length === PARTITIONS ? true : undefined), 20000, 50);
    slow.paused = false;
    await waitFor('slow to report lost partitions', () => (slow.events.some((e) => e.ev === 'lost') ? true : undefined));
    await awaitShare([slow, fast]);
  });

  it('shares a group with a KafkaJS consumer (roundrobin)', async () => {
    const topic = await newTopic('grp-kafkajs');
    const group = uniqueTopic('g-kafkajs');
    const kafka = new Kafka({ clientId: 'kafkajs-member', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    // KafkaJS's round robin assigner under the Java client's protocol name.
    const roundrobin = ((cfg: any) => ({ ...PartitionAssigners.roundRobin(cfg), name: 'roundrobin' })) as any;
    const js = kafka.consumer({ groupId: group, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 300, maxWaitTimeInMs: 200, partitionAssigners: [roundrobin] });
    const jsMember = { name: 'kafkajs', records: [] as Rec[], assignment: [] as number[] };
    js.on(js.events.GROUP_JOIN, (e: any) => (jsMember.assignment = sortNum(e.payload.memberAssignment[topic] ?? [])));
    const ours = member('ours', group, { 'partition.assignment.strategy': 'roundrobin' }).start([topic]);
    await waitFor('ours to be assigned', () => (ours.assignment.length === PARTITIONS ? true : undefined));
    await js.connect();
    try {
      await js.subscribe({ topics: [topic], fromBeginning: true });
      await js.run({ eachMessage: async ({ partition, message }) => void jsMember.records.push({ partition, offset: Number(message.offset), value: message.value!.toString() }) });
      const [oa, ja] = await awaitShare([ours, jsMember]);
      assert.deepEqual([oa!.length, ja!.length], [2, 2]);
      const values = await produce(topic, 'mixed', 15);
      await awaitRead([ours, jsMember], values, 'ours and KafkaJS');
      assertReadOnce([ours, jsMember], values);
      const d = await admin.describeGroups([group]);
      assert.equal(d[0]!.protocol, 'roundrobin');
      assert.deepEqual(d[0]!.members.map((m) => sortNum(m.assignment.map((p) => p.partition))).sort(), [oa, ja].sort());
    } finally {
      await js.disconnect();
    }
    await waitFor('ours to take every partition back', () => (ours.assignment.length === PARTITIONS ? true : undefined));

    // The other way round: KafkaJS first (the leader, assigning with our subscription in the group), then ours.
    const group2 = uniqueTopic('g-kafkajs-led');
    const js2 = kafka.consumer({ groupId: group2, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 300, maxWaitTimeInMs: 200, partitionAssigners: [roundrobin] });
    const js2Member = { name: 'kafkajs-leader', records: [] as Rec[], assignment: [] as number[] };
    js2.on(js2.events.GROUP_JOIN, (e: any) => (js2Member.assignment = sortNum(e.payload.memberAssignment[topic] ?? [])));
    await js2.connect();
    try {
      await js2.subscribe({ topics: [topic], fromBeginning: true });
      await js2.run({ eachMessage: async ({ partition, message }) => void js2Member.records.push({ partition, offset: Number(message.offset), value: message.value!.toString() }) });
      await waitFor('KafkaJS to hold every partition', () => (js2Member.assignment.length === PARTITIONS ? true : undefined));
      const ours2 = member('ours2', group2, { 'partition.assignment.strategy': 'roundrobin' }).start([topic]);
      await awaitShare([ours2, js2Member]);
      const more = await produce(topic, 'jsled', 5);
      await awaitRead([ours2, js2Member], more, 'ours and the KafkaJS leader');
      assertReadOnce([ours2, js2Member], more);
      await ours2.close();
    } finally {
      await js2.disconnect();
    }
  });

  it('shares a group with confluent-kafka-python, both cooperative-sticky: members keep the partitions they retain', async () => {
    const topic = await newTopic('grp-coop');
    const group = uniqueTopic('g-coop');
    const ours = member('ours', group, { 'partition.assignment.strategy': 'cooperative-sticky' }).start([topic]);
    await waitFor('ours to be assigned', () => (ours.assignment.length === PARTITIONS ? true : undefined));
    const first = await produce(topic, 'c1', 5);
    await awaitRead([ours], first, 'ours alone');
    const py = new JsonLines(spawn(PYTHON, ['-c', PY_COOPERATIVE, JSON.stringify({ bootstrap: broker.bootstrap, group, topic })], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const pyMember = {
      name: 'python',
      get assignment(): number[] {
        return [...py.events].reverse().find((e) => e.ev === 'assignment')?.partitions ?? [];
      },
      get records(): Rec[] {
        return py.events.filter((e) => e.ev === 'rec');
      },
    };
    try {
      const [oa, pa] = await awaitShare([ours, pyMember]).catch((e) => {
        throw new Error(`${e.message}\n${py.dump()}`);
      });
      assert.deepEqual([oa!.length, pa!.length], [2, 2]);
      // Cooperative: ours only ever gave up the partitions python got; it never revoked everything.
      const revoked = ours.events.filter((e) => e.ev === 'revoked').flatMap((e) => e.partitions);
      assert.deepEqual(sortNum(revoked), pa, 'ours revoked exactly what python received');
      assert.ok(!ours.events.some((e) => e.ev === 'lost'));
      const second = await produce(topic, 'c2', 10);
      await awaitRead([ours, pyMember], second, 'ours and python');
      assertReadOnce([ours, pyMember], [...first, ...second]);
      // Python leaves: ours gets its partitions without giving up its own.
      const before = ours.events.length;
      py.proc.stdin!.write('quit\n');
      assert.equal(await py.exited, 0, py.dump());
      await waitFor('ours to hold every partition', () => (ours.assignment.length === PARTITIONS ? true : undefined));
      assert.ok(!ours.events.slice(before).some((e) => e.ev === 'revoked' || e.ev === 'lost'), JSON.stringify(ours.events.slice(before)));
      const third = await produce(topic, 'c3', 5);
      await awaitRead([ours], third, 'ours after python left');
      assertReadOnce([ours, pyMember], [...first, ...second, ...third]);
    } finally {
      if (py.proc.exitCode === null) py.proc.kill('SIGKILL');
    }
  });

  it('confluent-kafka-python leading a cooperative-sticky group: ours joins, shares, and leaves again', async () => {
    const topic = await newTopic('grp-coop-py');
    const group = uniqueTopic('g-coop-py');
    const py = new JsonLines(spawn(PYTHON, ['-c', PY_COOPERATIVE, JSON.stringify({ bootstrap: broker.bootstrap, group, topic })], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const pyMember = {
      name: 'python',
      get assignment(): number[] {
        return [...py.events].reverse().find((e) => e.ev === 'assignment')?.partitions ?? [];
      },
      get records(): Rec[] {
        return py.events.filter((e) => e.ev === 'rec');
      },
    };
    try {
      await waitFor('python to hold every partition', () => (pyMember.assignment.length === PARTITIONS ? true : undefined)).catch((e) => {
        throw new Error(`${e.message}\n${py.dump()}`);
      });
      const ours = member('ours', group, { 'partition.assignment.strategy': 'cooperative-sticky' }).start([topic]);
      const [oa, pa] = await awaitShare([ours, pyMember]).catch((e) => {
        throw new Error(`${e.message}\n${py.dump()}`);
      });
      assert.deepEqual([oa!.length, pa!.length], [2, 2]);
      // Python (the leader) revoked only what ours got, and ours never had anything taken away.
      const pyRevoked = py.events.filter((e) => e.ev === 'revoke').flatMap((e) => e.partitions);
      assert.deepEqual(sortNum(pyRevoked), oa, py.dump());
      assert.ok(!ours.events.some((e) => e.ev === 'revoked' || e.ev === 'lost'));
      const values = await produce(topic, 'pl', 10);
      await awaitRead([ours, pyMember], values, 'python and ours');
      assertReadOnce([ours, pyMember], values);
      // Ours leaves: python takes its partitions back.
      await ours.close();
      await waitFor('python to hold every partition again', () => (pyMember.assignment.length === PARTITIONS ? true : undefined));
      py.proc.stdin!.write('quit\n');
      assert.equal(await py.exited, 0, py.dump());
    } finally {
      if (py.proc.exitCode === null) py.proc.kill('SIGKILL');
    }
  });

  it('cross-check with KafkaJS group consumers and producers: keys, values, headers, timestamps and partitions record by record', async () => {
    const kafka = new Kafka({ clientId: 'kafkajs-cross', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const base = 1_700_000_000_000;
    type Row = { key: string | null; value: string; headers: [string, string][]; timestamp: number; partition: number };
    const rows: Row[] = Array.from({ length: 60 }, (_, i) => ({
      key: i % 6 === 0 ? null : `key-${i % 11}`,
      value: `value-${i}-${'q'.repeat(i % 30)}`,
      headers: i % 3 === 0 ? [] : i % 3 === 1 ? [['h', `v${i}`]] : [['a', 'x'], ['b', `y${i}`]],
      timestamp: base + i * 1000,
      partition: i % PARTITIONS,
    }));
    const sortRows = (rs: Row[]) => [...rs].sort((x, y) => x.partition - y.partition || x.timestamp - y.timestamp);

    // Ours → KafkaJS (a group consumer).
    const t1 = await newTopic('cross-ours');
    await Promise.all(rows.map((r) => producer.send({ topic: t1, key: r.key, value: r.value, headers: r.headers.map(([key, value]) => ({ key, value })), timestamp: r.timestamp, partition: r.partition })));
    const js = kafka.consumer({ groupId: uniqueTopic('g-cross-js'), sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    const jsRows: Row[] = [];
    await js.connect();
    try {
      await js.subscribe({ topics: [t1], fromBeginning: true });
      await js.run({
        eachMessage: async ({ partition, message }) =>
          void jsRows.push({
            key: message.key ? message.key.toString() : null,
            value: message.value!.toString(),
            headers: Object.entries(message.headers ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, String(x)] as [string, string])),
            timestamp: Number(message.timestamp),
            partition,
          }),
      });
      await waitFor('KafkaJS to read every record', () => (jsRows.length >= rows.length ? true : undefined));
    } finally {
      await js.disconnect();
    }
    // KafkaJS gathers headers by key, so compare header sets by sorted pairs.
    const norm = (rs: Row[]) => sortRows(rs).map((r) => ({ ...r, headers: [...r.headers].sort() }));
    assert.deepEqual(norm(jsRows), norm(rows));

    // KafkaJS → ours (a group consumer).
    const t2 = await newTopic('cross-js');
    const jsProducer = kafka.producer();
    await jsProducer.connect();
    try {
      await jsProducer.send({
        topic: t2,
        messages: rows.map((r) => ({ key: r.key, value: r.value, headers: Object.fromEntries(r.headers), timestamp: String(r.timestamp), partition: r.partition })),
      });
    } finally {
      await jsProducer.disconnect();
    }
    const c = new Consumer<string | null, string>({
      'bootstrap.servers': broker.bootstrap,
      'group.id': uniqueTopic('g-cross-ours'),
      'auto.offset.reset': 'earliest',
      'session.timeout.ms': SESSION_TIMEOUT_MS,
      keyDeserializer: (b) => (b === null ? null : b.toString()),
      valueDeserializer: (b) => b!.toString(),
    });
    open.push(c);
    c.subscribe([t2]);
    const ourRows: Row[] = [];
    await waitFor('ours to read every record', async () => {
      for (const r of await c.poll(200)) ourRows.push({ key: r.key, value: r.value, headers: r.headers.map((h) => [h.key, h.value!.toString()]), timestamp: r.timestamp, partition: r.partition });
      return ourRows.length >= rows.length ? true : undefined;
    });
    assert.deepEqual(sortRows(ourRows), sortRows(rows));
    await c.close();
  });

  it('admin group calls: list (state filter), describe (decoded assignments), offsets list / alter / reset / delete, delete groups', async () => {
    const topic = await newTopic('grp-admin');
    const group = uniqueTopic('g-admin');
    await produce(topic, 'adm', 10);
    const m1 = member('a1', group).start([topic]);
    const m2 = member('a2', group).start([topic]);
    await awaitShare([m1, m2]);
    await waitFor('auto-commit to reach the end', async () => {
      const c = await admin.listConsumerGroupOffsets(group);
      return c.length === PARTITIONS && c.every((x) => x.offset === 10) ? true : undefined;
    });

    // listGroups with and without the state filter.
    const all = await admin.listGroups();
    const mine = all.find((g) => g.groupId === group);
    assert.deepEqual(mine, { groupId: group, protocolType: 'consumer', state: 'Stable', type: 'classic' });
    assert.ok((await admin.listGroups({ states: ['Stable'] })).some((g) => g.groupId === group));
    assert.ok(!(await admin.listGroups({ states: ['Empty'] })).some((g) => g.groupId === group));

    // describeGroups matches the members' own view and the broker's raw answer.
    const [d] = await admin.describeGroups([group]);
    assert.equal(d!.state, 'Stable');
    assert.equal(d!.protocol, 'range');
    const byClient = new Map(d!.members.map((m) => [m.clientId, m]));
    assert.deepEqual(sortNum(byClient.get('a1')!.assignment.map((p) => p.partition)), m1.assignment);
    assert.deepEqual(sortNum(byClient.get('a2')!.assignment.map((p) => p.partition)), m2.assignment);
    assert.deepEqual(byClient.get('a1')!.subscription!.topics, [topic]);
    const raw = await rawDescribe(broker.port, group);
    assert.deepEqual(raw.members.map((m: any) => m.memberId).sort(), d!.members.map((m) => m.memberId).sort());
    assert.deepEqual(raw.members.map((m: any) => Buffer.from(m.memberAssignment).toString('hex')).sort(), d!.members.map((m) => m.memberAssignment.toString('hex')).sort());

    // Offsets of an active group cannot be altered from outside, nor the group deleted.
    await assert.rejects(admin.alterConsumerGroupOffsets(group, [{ topic, partition: 0, offset: 1 }]), (e: any) => e instanceof AdminOperationError && e.errorName === 'UNKNOWN_MEMBER_ID');
    await assert.rejects(admin.deleteGroups([group]), (e: any) => e instanceof AdminOperationError && e.errorName === 'NON_EMPTY_GROUP');
    await assert.rejects(admin.deleteConsumerGroupOffsets(group, [{ topic, partition: 0 }]), (e: any) => e instanceof KafkaError && e.errorName === 'GROUP_SUBSCRIBED_TO_TOPIC');

    await Promise.all([m1.close(), m2.close()]);
    await waitFor('the group to be Empty', async () => ((await rawDescribe(broker.port, group)).groupState === 'Empty' ? true : undefined));

    // alter: per-partition offsets with metadata, seen by the broker's raw OffsetFetch.
    await admin.alterConsumerGroupOffsets(group, [
      { topic, partition: 0, offset: 3, metadata: 'set-by-admin' },
      { topic, partition: 1, offset: 5 },
    ]);
    const raw1 = await rawCommitted(broker.port, group, topic, [0, 1, 2, 3]);
    assert.deepEqual(raw1.get(0), { offset: 3, metadata: 'set-by-admin' });
    assert.deepEqual(raw1.get(1), { offset: 5, metadata: '' });
    assert.equal(raw1.get(2)!.offset, 10);

    // reset: earliest, latest, by timestamp, to an offset.
    assert.deepEqual((await admin.resetConsumerGroupOffsets(group, [topic], 'earliest')).map((x) => x.offset), [0, 0, 0, 0]);
    assert.deepEqual([...(await rawCommitted(broker.port, group, topic, ALL)).values()].map((x) => x.offset), [0, 0, 0, 0]);
    assert.deepEqual((await admin.resetConsumerGroupOffsets(group, [{ topic, partition: 2 }], 'latest')).map((x) => x.offset), [10]);
    assert.deepEqual((await admin.resetConsumerGroupOffsets(group, [{ topic, partition: 3 }], { timestamp: Date.now() + 3_600_000 })).map((x) => x.offset), [10]);
    assert.deepEqual((await admin.resetConsumerGroupOffsets(group, [{ topic, partition: 3 }], { timestamp: 0 })).map((x) => x.offset), [0]);
    await admin.resetConsumerGroupOffsets(group, [{ topic, partition: 1 }], { offset: 6 });
    assert.deepEqual([...(await rawCommitted(broker.port, group, topic, ALL))].sort().map(([p, x]) => [p, x.offset]), [
      [0, 0],
      [1, 6],
      [2, 10],
      [3, 0],
    ]);
    // A member started now resumes where the admin put the group.
    const m3 = member('a3', group).start([topic]);
    await waitFor('a3 to read partition 1 from 6', () => (m3.records.some((r) => r.partition === 1) ? true : undefined));
    assert.equal(Math.min(...m3.records.filter((r) => r.partition === 1).map((r) => r.offset)), 6);
    await m3.close();

    // deleteConsumerGroupOffsets: gone from the broker's answer.
    await admin.deleteConsumerGroupOffsets(group, [{ topic, partition: 0 }]);
    assert.equal((await rawCommitted(broker.port, group, topic, [0])).get(0)!.offset, -1);
    assert.deepEqual((await admin.listConsumerGroupOffsets(group, { partitions: [{ topic, partition: 0 }] }))[0]!.offset, -1);

    // deleteGroups: an empty group goes, with its offsets.
    assert.deepEqual(await admin.deleteGroups([group]), [{ groupId: group, error: null }]);
    assert.ok(!(await admin.listGroups()).some((g) => g.groupId === group));
    assert.deepEqual(await admin.listConsumerGroupOffsets(group), []);
    await assert.rejects(admin.deleteGroups([group]), (e: any) => e instanceof AdminOperationError && e.errorName === 'GROUP_ID_NOT_FOUND');
  });

  it('a commit after the group moved on fails with CommitFailedError and the member rejoins', async () => {
    const topic = await newTopic('grp-fenced', 1);
    const group = uniqueTopic('g-fenced');
    const c = new Consumer({ 'bootstrap.servers': broker.bootstrap, 'group.id': group, 'enable.auto.commit': false, 'session.timeout.ms': SESSION_TIMEOUT_MS, 'heartbeat.interval.ms': 5000 });
    open.push(c);
    c.subscribe([topic]);
    await waitFor('c to be assigned', async () => {
      await c.poll(100);
      return c.assignment().length === 1 ? true : undefined;
    });
    // Another process removes the member behind its back (LeaveGroup v3 by member id).
    const memberId = c.groupMetadata()!.memberId;
    const raw = await RawClient.connect(broker.port);
    try {
      const res = await raw.request(13, 3, { groupId: group, members: [{ memberId, groupInstanceId: null }] });
      assert.equal(res.errorCode, 0);
    } finally {
      raw.close();
    }
    await assert.rejects(c.commitSync([{ topic, partition: 0, offset: 0 }]), (e: any) => e instanceof CommitFailedError && e.errorName === 'UNKNOWN_MEMBER_ID');
    await waitFor('c to rejoin', async () => {
      await c.poll(100);
      return c.assignment().length === 1 && c.groupMetadata()!.memberId !== memberId ? true : undefined;
    });
    await c.commitSync([{ topic, partition: 0, offset: 0 }]);
    await c.close();
  });

  it('a member keeps consuming across a broker restart without reading anything twice', async () => {
    const topic = await newTopic('grp-restart');
    const group = uniqueTopic('g-restart');
    const m = member('r', group).start([topic]);
    await waitFor('the member to be assigned', () => (m.assignment.length === PARTITIONS ? true : undefined));
    const before = await produce(topic, 'before', 10);
    await awaitRead([m], before, 'before the restart');
    await broker.restart();
    const after = await produce(topic, 'after', 10);
    await awaitRead([m], after, 'after the restart');
    assertReadOnce([m], [...before, ...after]);
    await m.close();
    assert.deepEqual((await admin.listConsumerGroupOffsets(group)).map((x) => x.offset), [20, 20, 20, 20]);
  });

  it('a process with a group consumer exits by itself after close() (heartbeat timer and coordinator connection gone)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'samsa-group-exit-'));
    try {
      const script = path.join(dir, 'exit.mjs');
      writeFileSync(
        script,
        `import { Producer, Consumer } from ${JSON.stringify(path.join(REPO, 'dist/src/index.js'))};
const bootstrap = process.argv[2];
const topic = 'group-exit-' + process.pid;
const producer = new Producer({ bootstrapServers: bootstrap });
await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic, value: 'v' + i })));
const consumer = new Consumer({ bootstrapServers: bootstrap, groupId: 'exit-' + process.pid, autoOffsetReset: 'earliest', sessionTimeoutMs: 6000, heartbeatIntervalMs: 200 });
consumer.subscribe([topic]);
let n = 0;
for await (const r of consumer) { if (++n === 20) break; }
await Promise.all([producer.close(), consumer.close()]);
console.log('closed ' + n);
`,
      );
      const child = spawn(process.execPath, [script, broker.bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let closedAt = 0;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (!closedAt && out.includes('closed')) closedAt = Date.now();
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the process did not exit within 30 s; output:\n${out}`));
        }, 30000);
        child.on('exit', (c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
      assert.equal(code, 0, out);
      assert.match(out, /closed 20/);
      assert.ok(Date.now() - closedAt < 1500, `the process lived ${Date.now() - closedAt} ms after close()`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
