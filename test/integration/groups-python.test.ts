// Consumer groups with the two Python clients Debian ships, confluent-kafka
// 1.7.0 (librdkafka 2.0.2) and kafka-python 2.0.2, against a Samsa broker
// process. Each group member is its own Python process (py/group_consumer.py)
// that prints its assignments and records as JSON lines and takes commands
// (commit, committed, close) on stdin; the test coordinates them by what they
// print, never by sleeping. Administration and lag go through
// py/group_admin.py. Every assertion is made here.

import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerProcess, requireTool, type BrokerProcess } from './harness.js';
import { createTopic, uniqueTopic } from './compat-util.js';
import { until, produceToPartitions, awaitCommitted, sortNum, awaitShare, awaitRecords, assertReadOnceByOwner, endOffsets } from './group-util.js';
import { PyMember, pyAdmin, CLIENTS, SESSION_TIMEOUT_MS, HEARTBEAT_MS, type Client, type MemberOptions } from './group-python-util.js';

const PARTITIONS = 4;
const ALL = [0, 1, 2, 3];

describe('consumer groups with confluent-kafka-python and kafka-python', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  let members: PyMember[] = [];

  const start = async (name: string, client: Client, topic: string, opts: MemberOptions): Promise<PyMember> => {
    const m = new PyMember(name, client, broker.bootstrap, topic, opts);
    members.push(m);
    await m.ready();
    return m;
  };
  const procs = () => members.map((m) => m.lp);
  const admin = <T = any>(action: string, params: Record<string, unknown>) => pyAdmin<T>(broker.bootstrap, action, params);
  const newTopic = async (prefix: string, partitions = PARTITIONS) => {
    const t = uniqueTopic(prefix);
    await createTopic(broker.port, t, partitions);
    return t;
  };
  const noErrors = (ms: PyMember[]) => {
    for (const m of ms) assert.deepEqual(m.errors, [], `${m.lp.name} reported errors\n${m.lp.dump()}`);
  };

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

  for (const client of CLIENTS) {
    it(`${client}: two members share a topic and read every record once; a third joining gets partitions; a closed member's partitions and a killed member's (after its session) go to the others`, async () => {
      const topic = await newTopic(`gp-share-${client}`);
      const group = uniqueTopic(`gp-share-${client}-g`);
      const [a, b] = await Promise.all([start('a', client, topic, { group }), start('b', client, topic, { group })]);
      const two = await awaitShare([a, b], PARTITIONS, 'a and b share the topic');
      assert.deepEqual(two.map((x) => x.length), [2, 2]);
      const phase1 = await produceToPartitions(broker.bootstrap, topic, ALL, 20, 'one');
      await awaitRecords([a, b], phase1, 'phase 1 read');
      assertReadOnceByOwner([a, b], phase1, two);
      await awaitCommitted(broker.port, group, topic, endOffsets(phase1), 20000, procs());

      const c = await start('c', client, topic, { group });
      const three = await awaitShare([a, b, c], PARTITIONS, 'a, b and c share the topic');
      assert.deepEqual(sortNum(three.map((x) => x.length)), [1, 1, 2]);
      const phase2 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'two');
      await awaitRecords([a, b, c], phase2, 'phase 2 read');
      assertReadOnceByOwner([a, b, c], phase2, three);
      assertReadOnceByOwner([a, b, c], phase1, [ALL, ALL, ALL]);
      await awaitCommitted(broker.port, group, topic, endOffsets(phase2, 20), 20000, procs());

      // c closes: it leaves the group and a and b take its partitions at once.
      await c.close();
      const afterLeave = await awaitShare([a, b], PARTITIONS, 'a and b take over from c');
      const phase3 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'three');
      await awaitRecords([a, b], phase3, 'phase 3 read');
      assertReadOnceByOwner([a, b], phase3, afterLeave);
      assertReadOnceByOwner([a, b, c], phase2, [ALL, ALL, ALL]);
      await awaitCommitted(broker.port, group, topic, endOffsets(phase3, 30), 20000, procs());

      // b is killed: a gets everything once b's session has expired.
      const killedAt = Date.now();
      await b.lp.kill9();
      await until(`a to hold every partition (holds ${a.assignment})`, () => (a.assignment.length === PARTITIONS ? true : undefined), SESSION_TIMEOUT_MS + 20000, procs());
      const took = Date.now() - killedAt;
      assert.ok(took >= SESSION_TIMEOUT_MS - HEARTBEAT_MS - 500, `a took b's partitions ${took} ms after the kill, before b's session could expire`);
      const phase4 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'four');
      await awaitRecords([a], phase4, 'phase 4 read by a');
      assertReadOnceByOwner([a], phase4, [ALL]);
      assertReadOnceByOwner([a, b, c], phase3, [ALL, ALL, ALL]);
      noErrors([a, b, c]);
    });

    it(`${client}: consumers in different groups each read everything`, async () => {
      const topic = await newTopic(`gp-groups-${client}`);
      const sent = await produceToPartitions(broker.bootstrap, topic, ALL, 15, 'x');
      const g1 = await start('g1', client, topic, { group: uniqueTopic('gp-g1') });
      const g2 = await start('g2', client, topic, { group: uniqueTopic('gp-g2') });
      await awaitRecords([g1], sent, 'group 1 reads everything');
      await awaitRecords([g2], sent, 'group 2 reads everything');
      assertReadOnceByOwner([g1], sent, [ALL]);
      assertReadOnceByOwner([g2], sent, [ALL]);
      noErrors([g1, g2]);
    });

    it(`${client}: auto-commit, then stop and start again: the group resumes right after its commits`, async () => {
      const topic = await newTopic(`gp-auto-${client}`);
      const group = uniqueTopic(`gp-auto-${client}-g`);
      const phase1 = await produceToPartitions(broker.bootstrap, topic, ALL, 15, 'one');
      const m1 = await start('m1', client, topic, { group, autoCommit: true });
      await awaitRecords([m1], phase1, 'phase 1 read');
      await awaitCommitted(broker.port, group, topic, endOffsets(phase1), 20000, procs());
      await m1.close();

      const phase2 = await produceToPartitions(broker.bootstrap, topic, ALL, 5, 'two');
      const m2 = await start('m2', client, topic, { group, autoCommit: true });
      await awaitRecords([m2], phase2, 'phase 2 read');
      assert.deepEqual(m2.records.map((r) => r.value).sort(), [...phase2.values()].flat().sort(), 'the restarted member read only what came after the commits');
      for (const p of ALL) assert.equal(m2.records.find((r) => r.partition === p)?.offset, 15, `partition ${p} resumed at the committed offset`);
      noErrors([m1, m2]);
    });

    it(`${client}: manual sync and async commits${client === 'kafka-python' ? ' with metadata strings' : ''}: committed() and the admin view show them, and a new member starts there`, async () => {
      const topic = await newTopic(`gp-manual-${client}`);
      const group = uniqueTopic(`gp-manual-${client}-g`);
      const sent = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'x');
      const m1 = await start('m1', client, topic, { group, autoCommit: false });
      await awaitRecords([m1], sent, 'everything read');
      // confluent-kafka 1.7.0's TopicPartition has no metadata field; kafka-python's OffsetAndMetadata does.
      const meta = (s: string) => (client === 'kafka-python' ? s : null);
      await m1.cmd('commit', { offsets: [[topic, 0, 3, meta('sync zero')], [topic, 1, 7, meta('sync one ✓')]], async: false });
      await m1.cmd('commit', { offsets: [[topic, 2, 5, meta('async two')], [topic, 3, 10, meta('')]], async: true });
      const cb = await until('the async commit callback', () => m1.events.find((e) => e.ev === 'commit_cb' && (e.offsets as any[]).some((o) => o[0] === topic && o[1] === 2)), 20000, procs());
      assert.equal(cb.error, null, JSON.stringify(cb));
      assert.deepEqual(
        (cb.offsets as any[]).filter((o) => o[0] === topic).map((o) => [o[1], o[2], o[4] ?? null]).sort((x, y) => x[0] - y[0]),
        [[2, 5, null], [3, 10, null]],
      );

      const expected = [[0, 3, 'sync zero'], [1, 7, 'sync one ✓'], [2, 5, 'async two'], [3, 10, '']] as const;
      const committed = await m1.cmd('committed', { partitions: ALL.map((p) => [topic, p]) });
      assert.deepEqual(
        (committed.offsets as any[]).map((o) => [o[1], o[2], o[3]]).sort((x, y) => x[0] - y[0]),
        expected.map(([p, o, md]) => [p, o, meta(md)]),
      );
      // Any admin client sees the same: OffsetFetch with metadata, and lag against the log end.
      const lag = await admin('kp_lag', { group, topic, partitions: ALL });
      assert.deepEqual(lag.rows, expected.map(([p, o, md]) => ({ partition: p, committed: o, metadata: client === 'kafka-python' ? md : '', end: 10, lag: 10 - o })));
      await m1.close();

      // Closing did not commit anything else (auto-commit is off); a new member starts at the commits.
      const m2 = await start('m2', client, topic, { group, autoCommit: false });
      const rest = new Map(expected.map(([p, o]) => [p, sent.get(p)!.slice(o)]));
      await awaitRecords([m2], new Map([...rest].filter(([, v]) => v.length > 0)), 'the rest read');
      assert.deepEqual(m2.records.map((r) => r.value).sort(), [...rest.values()].flat().sort());
      noErrors([m1, m2]);
    });

    it(`${client}: commits for manually assigned partitions, without group membership`, async () => {
      const topic = await newTopic(`gp-assign-${client}`);
      const group = uniqueTopic(`gp-assign-${client}-g`);
      const sent = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'x');
      const m1 = await start('m1', client, topic, { group, autoCommit: false, assign: [[topic, 1, 0], [topic, 3, 0]] });
      await awaitRecords([m1], new Map([1, 3].map((p) => [p, sent.get(p)!])), 'partitions 1 and 3 read');
      await m1.cmd('commit', { offsets: [[topic, 1, 4, client === 'kafka-python' ? 'simple' : null], [topic, 3, 9, null]], async: false });
      await m1.close();
      const lag = await admin('kp_lag', { group, topic, partitions: [1, 3] });
      assert.deepEqual(
        lag.rows.map((r: any) => [r.partition, r.committed, r.lag]),
        [[1, 4, 6], [3, 9, 1]],
      );

      // Kafka lists such a group, with an empty protocol type.
      const listed = await admin('kp_list_groups', {});
      assert.deepEqual(listed.groups.filter((g: string[]) => g[0] === group), [[group, '']]);

      // A second assigned consumer of the same group, without a start offset, starts at the commits.
      const m2 = await start('m2', client, topic, { group, autoCommit: false, assign: [[topic, 1, null], [topic, 3, null]] });
      const rest = new Map([[1, sent.get(1)!.slice(4)], [3, sent.get(3)!.slice(9)]]);
      await awaitRecords([m2], rest, 'the rest read');
      assert.deepEqual(m2.records.map((r) => r.value).sort(), [...rest.values()].flat().sort());
      noErrors([m1, m2]);
    });

    it(`${client}: auto.offset.reset earliest / latest / none with no committed offset, and with one out of range`, async () => {
      const topic = await newTopic(`gp-reset-${client}`, 1);
      const early = await produceToPartitions(broker.bootstrap, topic, [0], 10, 'early');

      const earliest = await start('earliest', client, topic, { group: uniqueTopic('gp-earliest'), reset: 'earliest' });
      await awaitRecords([earliest], early, 'earliest reads from the start');

      // latest: nothing from before; late records are produced until the member sees one (it positions itself
      // asynchronously after its assignment), and from then on it reads everything.
      const latest = await start('latest', client, topic, { group: uniqueTopic('gp-latest'), reset: 'latest' });
      await until('latest to be assigned', () => (latest.assignment.length === 1 ? true : undefined), 30000, procs());
      let round = 0;
      await until(
        'latest to read a late record',
        async () => {
          if (latest.records.length > 0) return true;
          await produceToPartitions(broker.bootstrap, topic, [0], 1, `late${round++}`);
          await new Promise((r) => setTimeout(r, 200));
          return latest.records.length > 0 ? true : undefined;
        },
        30000,
        procs(),
        0,
      );
      assert.ok(latest.records.every((r) => r.value.startsWith('late')), `latest read records from before it joined: ${JSON.stringify(latest.records)}`);
      const after = await produceToPartitions(broker.bootstrap, topic, [0], 5, 'after');
      await awaitRecords([latest], after, 'latest reads what follows');
      const firstLate = latest.records[0]!.offset;
      assert.deepEqual(latest.records.map((r) => r.offset), latest.records.map((_, i) => firstLate + i), 'latest skipped nothing once positioned');

      // none, no committed offset: an error, no records.
      const none = await start('none', client, topic, { group: uniqueTopic('gp-none'), reset: 'none' });
      const err = await until('an error for the missing committed offset', () => none.errors[0], 30000, procs());
      if (client === 'confluent') assert.equal(err.name, '_AUTO_OFFSET_RESET', JSON.stringify(err));
      else assert.equal(err.type, 'NoOffsetForPartitionError', JSON.stringify(err));
      assert.deepEqual(none.records, []);

      // none with a committed offset: starts there.
      const g = uniqueTopic('gp-none-committed');
      const committer = await start('committer', client, topic, { group: g, autoCommit: false, assign: [[topic, 0, 0]] });
      await committer.cmd('commit', { offsets: [[topic, 0, 6, null]], async: false });
      await committer.close();
      const resumed = await start('resumed', client, topic, { group: g, reset: 'none', autoCommit: false });
      await awaitRecords([resumed], new Map([[0, early.get(0)!.slice(6)]]), 'none resumes at the commit');
      assert.equal(resumed.records[0]!.offset, 6);
      assert.deepEqual(resumed.errors, []);

      // A committed offset past the log end is out of range: earliest goes back to the start, none reports an error.
      const far = uniqueTopic('gp-far');
      const farCommitter = await start('far-committer', client, topic, { group: far, autoCommit: false, assign: [[topic, 0, 0]] });
      await farCommitter.cmd('commit', { offsets: [[topic, 0, 100000, null]], async: false });
      await farCommitter.close();
      const reset = await start('out-of-range', client, topic, { group: far, reset: 'earliest', autoCommit: false });
      await awaitRecords([reset], early, 'earliest after an out-of-range commit');
      assert.equal(reset.records[0]!.offset, 0);
      // (auto-commit is off: closing leaves the out-of-range commit in place)
      await reset.close();
      const strict = await start('out-of-range-none', client, topic, { group: far, reset: 'none', autoCommit: false });
      await until('an error for the out-of-range committed offset', () => strict.errors[0], 30000, procs());
      assert.deepEqual(strict.records, []);
      noErrors([earliest, latest, resumed, reset]);
    });

    it(`${client}: more members than partitions: the extra one gets nothing, stays healthy, and takes over when another leaves`, async () => {
      const topic = await newTopic(`gp-extra-${client}`, 2);
      const group = uniqueTopic(`gp-extra-${client}-g`);
      const ms = await Promise.all(['a', 'b', 'c'].map((n) => start(n, client, topic, { group })));
      const share = await until(
        () => `two members with one partition each and one with none: ${ms.map((m) => `${m.name}=${JSON.stringify(m.assignment)}`).join(' ')}`,
        () => {
          const a = ms.map((m) => m.assignment);
          const idle = ms.filter((m) => m.assignment.length === 0);
          // The idle member must have been through a rebalance (an empty assignment), not merely be starting up.
          const settled = idle.length === 1 && idle[0]!.rebalances.some((e) => e.ev === 'assigned');
          return settled && sortNum(a.flat()).join() === '0,1' ? a : undefined;
        },
        30000,
        procs(),
      );
      const idle = ms[share.findIndex((x) => x.length === 0)]!;
      const busy = ms.filter((m) => m !== idle);
      const sent = await produceToPartitions(broker.bootstrap, topic, [0, 1], 10, 'x');
      await awaitRecords(busy, sent, 'records read by the two busy members');
      assert.deepEqual(idle.records, []);

      // The group reports three members, one of them with an empty assignment.
      const described = await admin('kp_describe', { groups: [group] });
      const g = described.groups[0];
      assert.equal(g.state, 'Stable');
      assert.equal(g.members.length, 3);
      assert.deepEqual(
        g.members.map((m: any) => m.assignment.flatMap(([, ps]: [string, number[]]) => ps).length).sort(),
        [0, 1, 1],
      );

      await busy[0]!.close();
      const now = await awaitShare([busy[1]!, idle], 2, 'the idle member takes over');
      const more = await produceToPartitions(broker.bootstrap, topic, [0, 1], 5, 'y');
      await awaitRecords([busy[1]!, idle], more, 'records after the takeover');
      assertReadOnceByOwner([busy[1]!, idle], more, now);
      noErrors(ms);
    });

    it(`${client}: lag from the admin API (committed, log end, lag), list and describe groups, delete a group`, async () => {
      const topic = await newTopic(`gp-lag-${client}`);
      const group = uniqueTopic(`gp-lag-${client}-g`);
      const sent = await produceToPartitions(broker.bootstrap, topic, ALL, 25, 'x');
      const m = await start('lagger', client, topic, { group, autoCommit: false });
      await awaitRecords([m], sent, 'everything read');
      await m.cmd('commit', { offsets: [[topic, 0, 10, client === 'kafka-python' ? 'ten' : null], [topic, 1, 25, null], [topic, 2, 0, null]], async: false });

      // While the member is there: Stable, the consumer protocol, one member holding every partition.
      const listed = await admin('kp_list_groups', {});
      assert.deepEqual(listed.groups.filter((g: string[]) => g[0] === group), [[group, 'consumer']]);
      const described = await admin('kp_describe', { groups: [group] });
      assert.equal(described.groups.length, 1);
      const g = described.groups[0];
      assert.equal(g.error_code, 0);
      assert.equal(g.group, group);
      assert.equal(g.state, 'Stable');
      assert.equal(g.protocol_type, 'consumer');
      assert.equal(g.protocol, 'range');
      assert.equal(g.members.length, 1);
      assert.equal(g.members[0].client_id, 'lagger');
      assert.match(g.members[0].client_host, /127\.0\.0\.1/);
      assert.deepEqual(g.members[0].subscription, [topic]);
      assert.deepEqual(g.members[0].assignment, [[topic, ALL]]);
      const ck = await admin('ck_list_groups', { group });
      assert.equal(ck.groups.length, 1);
      const cg = ck.groups[0];
      assert.deepEqual([cg.id, cg.state, cg.protocol_type, cg.protocol, cg.error], [group, 'Stable', 'consumer', 'range', null]);
      assert.equal(cg.members.length, 1);
      assert.equal(cg.members[0].client_id, 'lagger');
      assert.match(cg.members[0].client_host, /127\.0\.0\.1/);
      assert.equal(cg.members[0].has_metadata, true);
      assert.equal(cg.members[0].has_assignment, true);

      // Lag per partition: committed offset, log end, and their difference (none where nothing is committed).
      const lag = await admin('kp_lag', { group, topic, partitions: ALL });
      assert.deepEqual(lag.rows, [
        { partition: 0, committed: 10, metadata: client === 'kafka-python' ? 'ten' : '', end: 25, lag: 15 },
        { partition: 1, committed: 25, metadata: '', end: 25, lag: 0 },
        { partition: 2, committed: 0, metadata: '', end: 25, lag: 25 },
        { partition: 3, committed: null, metadata: null, end: 25, lag: null },
      ]);
      const ckLag = await admin('ck_lag', { group, topic, partitions: ALL });
      assert.deepEqual(ckLag.rows, [
        { partition: 0, committed: 10, metadata: null, end: 25, lag: 15, error: null },
        { partition: 1, committed: 25, metadata: null, end: 25, lag: 0, error: null },
        { partition: 2, committed: 0, metadata: null, end: 25, lag: 25, error: null },
        { partition: 3, committed: null, metadata: null, end: 25, lag: null, error: null },
      ]);

      // A group with members cannot be deleted.
      const busy = await admin('kp_delete', { groups: [group] });
      assert.deepEqual(busy.results, [[group, 'NonEmptyGroupError', 68]]);

      // After the member leaves: Empty, no members, offsets kept; then deleted, and gone.
      await m.close();
      const empty = await admin('kp_describe', { groups: [group] });
      assert.equal(empty.groups[0].state, 'Empty');
      assert.deepEqual(empty.groups[0].members, []);
      assert.deepEqual((await admin('kp_lag', { group, topic, partitions: [0] })).rows[0].committed, 10);
      const deleted = await admin('kp_delete', { groups: [group] });
      assert.deepEqual(deleted.results, [[group, 'NoError', 0]]);
      const after = await admin('kp_list_groups', {});
      assert.deepEqual(after.groups.filter((x: string[]) => x[0] === group), []);
      const gone = await admin('kp_lag', { group, topic, partitions: [0, 1] });
      assert.deepEqual(gone.rows.map((r: any) => r.committed), [null, null]);
      const dead = await admin('kp_describe', { groups: [group] });
      assert.equal(dead.groups[0].state, 'Dead');
      noErrors([m]);
    });
  }

  it('confluent: static membership: a member restarted within session.timeout.ms gets its partitions back without a rebalance', async () => {
    const topic = await newTopic('gp-static');
    const group = uniqueTopic('gp-static-g');
    const opts = (id: string): MemberOptions => ({ group, instanceId: id, sessionTimeoutMs: 10000 });
    const a = await start('a', 'confluent', topic, opts('instance-a'));
    await until('a to hold every partition', () => (a.assignment.length === PARTITIONS ? true : undefined), 30000, procs());
    const b = await start('b', 'confluent', topic, opts('instance-b'));
    const [aHeld, bHeld] = await awaitShare([a, b], PARTITIONS, 'a and b share the topic');
    const phase1 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'one');
    await awaitRecords([a, b], phase1, 'phase 1 read');
    await awaitCommitted(broker.port, group, topic, endOffsets(phase1), 20000, procs());
    const bEvents = b.rebalances.length;

    // a dies without leaving (SIGKILL) and comes back with the same group.instance.id well within its session.
    await a.lp.kill9();
    const back = await start('a-again', 'confluent', topic, opts('instance-a'));
    await until('the restarted member to be assigned', () => (back.rebalances.some((e) => e.ev === 'assigned') ? true : undefined), 30000, procs());
    assert.deepEqual(back.assignment, aHeld, 'the restarted static member got its old partitions back');
    const phase2 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'two');
    await awaitRecords([back, b], phase2, 'phase 2 read by the restarted member and b');
    assertReadOnceByOwner([back, b], phase2, [aHeld!, bHeld!]);
    // b saw no rebalance at all: no revocation, no new assignment.
    assert.deepEqual(b.rebalances.slice(bEvents), [], 'b went through a rebalance');
    // Nothing committed before the restart was read again.
    assert.deepEqual(back.records.filter((r) => phase1.get(r.partition)!.includes(r.value)), []);
    noErrors([a, b, back]);
  });

  it('confluent: cooperative-sticky: members keep the partitions they retain across rebalances', async () => {
    const topic = await newTopic('gp-coop');
    const group = uniqueTopic('gp-coop-g');
    const a = await start('a', 'confluent', topic, { group, cooperative: true });
    await until('a to hold every partition', () => (a.assignment.length === PARTITIONS ? true : undefined), 30000, procs());
    const b = await start('b', 'confluent', topic, { group, cooperative: true });
    const two = await awaitShare([a, b], PARTITIONS, 'a and b share the topic');
    const aRevoked = a.rebalances.filter((e) => e.ev === 'revoked').flatMap((e) => e.partitions);
    assert.deepEqual(sortNum(aRevoked), two[1], 'a revoked exactly what b received');
    const phase1 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'one');
    await awaitRecords([a, b], phase1, 'phase 1 read');
    assertReadOnceByOwner([a, b], phase1, two);
    await awaitCommitted(broker.port, group, topic, endOffsets(phase1), 20000, procs());

    const [aFrom, bFrom] = [a.rebalances.length, b.rebalances.length];
    const c = await start('c', 'confluent', topic, { group, cooperative: true });
    const three = await awaitShare([a, b, c], PARTITIONS, 'a, b and c share the topic');
    for (const [m, held, now, from] of [[a, two[0]!, three[0]!, aFrom], [b, two[1]!, three[1]!, bFrom]] as const) {
      assert.ok(now.every((p) => held.includes(p)), `${m.name} gained ${now} (held ${held}) when c joined`);
      const revoked = m.rebalances.slice(from).filter((e) => e.ev !== 'assigned').flatMap((e) => e.partitions);
      assert.deepEqual(sortNum(revoked), held.filter((p) => !now.includes(p)), `${m.name} revoked ${revoked}, kept ${now} of ${held}`);
    }

    const [aMid, bMid] = [a.rebalances.length, b.rebalances.length];
    await c.close();
    const final = await awaitShare([a, b], PARTITIONS, 'a and b take over from c');
    assert.deepEqual([...a.rebalances.slice(aMid), ...b.rebalances.slice(bMid)].filter((e) => e.ev !== 'assigned'), [], 'no revocations when c left');
    assert.ok(three[0]!.every((p) => final[0]!.includes(p)) && three[1]!.every((p) => final[1]!.includes(p)));
    const phase2 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'two');
    await awaitRecords([a, b], phase2, 'phase 2 read');
    assertReadOnceByOwner([a, b], phase2, final);
    assertReadOnceByOwner([a, b, c], phase1, [ALL, ALL, ALL]);
    noErrors([a, b, c]);
  });
});
