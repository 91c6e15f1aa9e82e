// Consumer groups survive broker restarts, driven with confluent-kafka-python
// (librdkafka 2.0.2): offsets committed in a group, a clean stop (SIGTERM)
// and start, then a kill -9 with a member still in the group and a start
// again. After each restart the committed offsets, the group's listing and
// its metadata (state, protocol, members) are as before, and consumers
// resume right after the commits.

import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerProcess, requireTool, type BrokerProcess } from './harness.js';
import { createTopic, uniqueTopic } from './compat-util.js';
import { until, produceToPartitions, awaitCommitted, committedOffsets, awaitRecords, assertReadOnceByOwner, endOffsets } from './group-util.js';
import { PyMember, pyAdmin, type MemberOptions } from './group-python-util.js';

const ALL = [0, 1, 2, 3];

describe('consumer groups across broker restarts (confluent-kafka-python)', { timeout: 180_000 }, () => {
  let broker: BrokerProcess;
  let members: PyMember[] = [];

  const start = async (name: string, topic: string, opts: MemberOptions): Promise<PyMember> => {
    const m = new PyMember(name, 'confluent', broker.bootstrap, topic, opts);
    members.push(m);
    await m.ready();
    return m;
  };
  const procs = () => members.map((m) => m.lp);
  const admin = <T = any>(action: string, params: Record<string, unknown>) => pyAdmin<T>(broker.bootstrap, action, params);

  /** The group as confluent's AdminClient.list_groups describes it, once the restarted coordinator answers. */
  const describeGroup = (group: string) =>
    until(`group ${group} to be described`, async () => {
      const r = await admin('ck_list_groups', { group });
      return r.groups.length === 1 && r.groups[0].error === null ? r.groups[0] : undefined;
    }, 30000, procs(), 200);

  before(async () => {
    requireTool('kcat');
    requireTool('confluent-kafka');
    requireTool('kafka-python');
    broker = await startBrokerProcess({
      overrides: {
        'group.initial.rebalance.delay.ms': '0',
        'group.min.session.timeout.ms': '1000',
        'offsets.topic.num.partitions': '4',
      },
    });
  });

  afterEach(async () => {
    await Promise.all(members.map((m) => m.lp.kill9()));
    members = [];
  });

  after(async () => {
    await broker?.destroy();
  });

  it('committed offsets, group listing and group metadata survive a clean restart and a kill -9; consumers resume right after the commits', async () => {
    const topic = uniqueTopic('gr-restart');
    const group = uniqueTopic('gr-restart-g');
    await createTopic(broker.port, topic, 4);
    const phase1 = await produceToPartitions(broker.bootstrap, topic, ALL, 20, 'one');

    // A member reads everything and commits some of it by hand (with metadata where the client can).
    const m1 = await start('m1', topic, { group, autoCommit: false });
    await awaitRecords([m1], phase1, 'phase 1 read', procs());
    const commits = new Map([[0, 5], [1, 10], [2, 15], [3, 20]]);
    await m1.cmd('commit', { offsets: [...commits].map(([p, o]) => [topic, p, o, null]), async: false });
    await m1.close();
    const before = await describeGroup(group);
    assert.deepEqual([before.state, before.protocol_type, before.members], ['Empty', 'consumer', []]);

    // Clean stop and start.
    assert.equal(await broker.stop(), 0, broker.output().slice(-4000));
    await broker.restart();

    const lag = await until('the committed offsets after the restart', async () => (await admin('ck_lag', { group, topic, partitions: ALL })).rows, 30000);
    assert.deepEqual(lag.map((r: any) => [r.partition, r.committed, r.end, r.lag, r.error]), ALL.map((p) => [p, commits.get(p), 20, 20 - commits.get(p)!, null]));
    const listed = await admin('kp_list_groups', {});
    assert.deepEqual(listed.groups.filter((g: string[]) => g[0] === group), [[group, 'consumer']]);
    const afterStop = await describeGroup(group);
    assert.deepEqual([afterStop.state, afterStop.protocol_type, afterStop.members], ['Empty', 'consumer', []]);

    // A member resumes right after the commits and auto-commits as it reads.
    const m2 = await start('m2', topic, { group, autoCommit: true, sessionTimeoutMs: 15000 });
    const rest1 = new Map<number, string[]>([...commits].filter(([, o]) => o < 20).map(([p, o]) => [p, phase1.get(p)!.slice(o)]));
    await awaitRecords([m2], rest1, 'the rest of phase 1 read after the restart', procs());
    assert.deepEqual(m2.records.map((r) => r.value).sort(), [...rest1.values()].flat().sort(), 'm2 started at the commits');
    await awaitCommitted(broker.port, group, topic, endOffsets(phase1), 20000, procs());

    // The group with m2 in it, then a kill -9 of the broker while m2 is a member.
    const stable = await describeGroup(group);
    assert.equal(stable.state, 'Stable');
    assert.equal(stable.members.length, 1);
    const memberId = stable.members[0].id;
    const assignedBefore = m2.rebalances.length;
    await broker.kill9();
    await broker.restart();

    const reloaded = await describeGroup(group);
    assert.deepEqual(
      [reloaded.state, reloaded.protocol_type, reloaded.protocol, reloaded.members.map((x: any) => [x.id, x.client_id])],
      ['Stable', 'consumer', 'range', [[memberId, 'm2']]],
      'the group and its member are as they were before the kill',
    );
    const afterKill = await committedOffsets(broker.port, group, topic, ALL);
    assert.deepEqual(ALL.map((p) => afterKill.get(p)?.offset), [20, 20, 20, 20]);

    // m2 carries on: new records are read once, nothing before them again, and no rebalance happened.
    const phase2 = await produceToPartitions(broker.bootstrap, topic, ALL, 5, 'two');
    await awaitRecords([m2], phase2, 'phase 2 read by m2 after the kill -9', procs());
    assertReadOnceByOwner([m2], phase2, [ALL]);
    assertReadOnceByOwner([m2], rest1, [ALL]);
    assert.deepEqual(m2.rebalances.slice(assignedBefore), [], 'm2 went through a rebalance after the broker restart');
    await awaitCommitted(broker.port, group, topic, endOffsets(phase2, 20), 20000, procs());
    await m2.close();

    // And once more from a fresh member: it starts right after m2's last commits.
    const phase3 = await produceToPartitions(broker.bootstrap, topic, ALL, 3, 'three');
    const m3 = await start('m3', topic, { group, autoCommit: true });
    await awaitRecords([m3], phase3, 'phase 3 read', procs());
    assert.deepEqual(m3.records.map((r) => r.value).sort(), [...phase3.values()].flat().sort());
    for (const m of [m1, m2, m3]) assert.deepEqual(m.errors, [], m.lp.dump());
  });
});
