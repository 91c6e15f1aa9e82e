// Consumer groups with kcat's balanced consumer (`kcat -G`, librdkafka 2.0.2)
// against a Samsa broker process: two members share a 4-partition topic and
// read every record once, a third member's join and a member's clean leave
// rebalance the group, a member killed with SIGKILL hands its partitions over
// once its session times out, committed offsets make a restarted member
// resume right after them, and the cooperative-sticky assignor keeps the
// partitions members retain. Assignments are read from kcat's own rebalance
// lines on stderr, records from its stdout; every wait is for a condition.

import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerProcess, requireTool, run, type BrokerProcess } from './harness.js';
import { createTopic, uniqueTopic } from './compat-util.js';
import { LineProcess, until, produceToPartitions, committedOffsets, awaitCommitted, sortNum, awaitShare as share, awaitRecords as readAll, assertReadOnceByOwner, endOffsets, type Rec, type Member } from './group-util.js';

const PARTITIONS = 4;
const ALL = [0, 1, 2, 3];
const SESSION_TIMEOUT_MS = 6000;
const HEARTBEAT_MS = 500;

interface RebalanceEvent {
  kind: 'assigned' | 'revoked';
  partitions: number[];
  cooperative: boolean;
}

// "% Group g rebalanced (memberid m): assigned: t [0], t [2]" (eager) and
// "% Group g rebalanced: incremental assignment of 2 partition(s) (memberid m, COOPERATIVE rebalance protocol): t [0], t [2]".
const EAGER = /^% Group \S+ rebalanced \(memberid [^)]*\): (assigned|revoked): ?(.*)$/;
const COOPERATIVE = /^% Group \S+ rebalanced: incremental (assignment|revoke) of (\d+) partition\(s\) \(memberid [^)]*\): ?(.*)$/;

function partitionsOf(list: string): number[] {
  return [...list.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
}

/** One `kcat -G` member: its rebalance events, current assignment, and the records it printed. */
class KcatMember implements Member {
  readonly lp: LineProcess;
  constructor(
    readonly name: string,
    bootstrap: string,
    group: string,
    topic: string,
    extra: string[] = [],
  ) {
    this.lp = new LineProcess(name, 'kcat', [
      '-b', bootstrap, '-G', group, '-u', '-f', '%p %o %s\\n',
      '-X', `session.timeout.ms=${SESSION_TIMEOUT_MS}`,
      '-X', `heartbeat.interval.ms=${HEARTBEAT_MS}`,
      '-X', 'auto.offset.reset=earliest',
      '-X', 'auto.commit.interval.ms=200',
      ...extra,
      topic,
    ]);
  }

  get events(): RebalanceEvent[] {
    const out: RebalanceEvent[] = [];
    for (const line of this.lp.err) {
      let m = EAGER.exec(line);
      if (m) {
        out.push({ kind: m[1] as 'assigned' | 'revoked', partitions: partitionsOf(m[2]!), cooperative: false });
        continue;
      }
      m = COOPERATIVE.exec(line);
      if (m) {
        const partitions = partitionsOf(m[3]!);
        assert.equal(partitions.length, Number(m[2]), `kcat announced ${m[2]} partitions but listed ${partitions}: ${line}`);
        out.push({ kind: m[1] === 'assignment' ? 'assigned' : 'revoked', partitions, cooperative: true });
      }
    }
    return out;
  }

  /** The partitions held now: eager events replace, cooperative ones add and remove. */
  get assignment(): number[] {
    const held = new Set<number>();
    for (const e of this.events) {
      if (e.kind === 'assigned') {
        if (!e.cooperative) held.clear();
        for (const p of e.partitions) held.add(p);
      } else if (e.cooperative) for (const p of e.partitions) held.delete(p);
      else held.clear();
    }
    return sortNum([...held]);
  }

  get records(): Rec[] {
    return this.lp.out
      .filter((l) => l !== '')
      .map((l) => {
        const [p, o, ...v] = l.split(' ');
        return { partition: Number(p), offset: Number(o), value: v.join(' ') };
      });
  }
}

describe('consumer groups with kcat -G (librdkafka balanced consumer)', { timeout: 240_000 }, () => {
  let broker: BrokerProcess;
  let members: KcatMember[] = [];

  const join = (name: string, group: string, topic: string, extra: string[] = []) => {
    const m = new KcatMember(name, broker.bootstrap, group, topic, extra);
    members.push(m);
    return m;
  };
  const procs = () => members.map((m) => m.lp);

  const awaitShare = (ms: KcatMember[], what: string) => share(ms, PARTITIONS, what, procs());
  const awaitRecords = (ms: KcatMember[], sent: Map<number, string[]>, what: string) => readAll(ms, sent, what, procs());

  before(async () => {
    requireTool('kcat');
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

  it('two members share a 4-partition topic and read every record once; a third joining gets partitions; a clean leave hands them back', async () => {
    const topic = uniqueTopic('gk-share');
    const group = uniqueTopic('gk-share-g');
    await createTopic(broker.port, topic, PARTITIONS);

    const a = join('a', group, topic);
    const b = join('b', group, topic);
    const two = await awaitShare([a, b], 'two members share the topic');
    // librdkafka's default range assignor: two partitions each.
    assert.deepEqual(two.map((x) => x.length), [2, 2]);

    const phase1 = await produceToPartitions(broker.bootstrap, topic, ALL, 25, 'one');
    await awaitRecords([a, b], phase1, 'phase 1 read by a and b');
    assertReadOnceByOwner([a, b], phase1, two);
    await awaitCommitted(broker.port, group, topic, endOffsets(phase1), 20000, procs());

    // A third member: the group rebalances and hands it partitions.
    const c = join('c', group, topic);
    const three = await awaitShare([a, b, c], 'three members share the topic');
    assert.deepEqual(sortNum(three.map((x) => x.length)), [1, 1, 2]);
    const phase2 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'two');
    await awaitRecords([a, b, c], phase2, 'phase 2 read by a, b and c');
    assertReadOnceByOwner([a, b, c], phase2, three);
    // Nothing from phase 1 was read again: the group resumed from its commits.
    assertReadOnceByOwner([a, b, c], phase1, [ALL, ALL, ALL]);
    await awaitCommitted(broker.port, group, topic, endOffsets(phase2, 25), 20000, procs());

    // c leaves cleanly (SIGTERM: kcat closes the consumer, which leaves the group).
    await c.lp.stop('SIGTERM');
    assert.equal(c.lp.exitCode, 0, c.lp.dump());
    const after = await awaitShare([a, b], 'a and b take over after c left');
    const phase3 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'three');
    await awaitRecords([a, b], phase3, 'phase 3 read by a and b');
    assertReadOnceByOwner([a, b], phase3, after);
    assertReadOnceByOwner([a, b, c], phase2, [ALL, ALL, ALL]);
  });

  it('a member killed with SIGKILL hands its partitions over once its session times out', async () => {
    const topic = uniqueTopic('gk-kill');
    const group = uniqueTopic('gk-kill-g');
    await createTopic(broker.port, topic, PARTITIONS);

    const a = join('a', group, topic);
    const b = join('b', group, topic);
    const [, bHeld] = await awaitShare([a, b], 'two members share the topic');
    const phase1 = await produceToPartitions(broker.bootstrap, topic, ALL, 20, 'one');
    await awaitRecords([a, b], phase1, 'phase 1 read');
    await awaitCommitted(broker.port, group, topic, endOffsets(phase1), 20000, procs());

    const killedAt = Date.now();
    await b.lp.kill9();
    const phase2 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'two');
    await until(`a to hold all partitions after b's session expired (a holds ${a.assignment})`, () => (a.assignment.length === PARTITIONS ? true : undefined), SESSION_TIMEOUT_MS + 20000, procs());
    const tookOver = Date.now() - killedAt;
    // The coordinator keeps b until its session times out (its last heartbeat was at most one interval before the kill).
    assert.ok(tookOver >= SESSION_TIMEOUT_MS - HEARTBEAT_MS - 500, `a took over ${tookOver} ms after b was killed, before b's ${SESSION_TIMEOUT_MS} ms session could expire`);

    await awaitRecords([a], phase2, 'phase 2 read by a');
    assertReadOnceByOwner([a], phase2, [ALL]);
    // b's committed records are not read again by a.
    const again = a.records.filter((r) => bHeld!.includes(r.partition) && phase1.get(r.partition)!.includes(r.value));
    assert.deepEqual(again, [], 'a re-read records b had committed');
  });

  it('a restarted member resumes right after the committed offsets (clean exit, and after SIGKILL)', async () => {
    const topic = uniqueTopic('gk-resume');
    const group = uniqueTopic('gk-resume-g');
    await createTopic(broker.port, topic, PARTITIONS);
    const phase1 = await produceToPartitions(broker.bootstrap, topic, ALL, 25, 'one');
    const base = ['-b', broker.bootstrap, '-G', group, '-f', '%p %o %s\\n', '-X', 'auto.offset.reset=earliest', '-X', `session.timeout.ms=${SESSION_TIMEOUT_MS}`];
    const parse = (out: string) =>
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [p, o, v] = l.split(' ');
          return { partition: Number(p), offset: Number(o), value: v! };
        });

    // First run: 30 records, then a clean exit (the consumer commits what it consumed as it closes).
    const first = await run('kcat', [...base, '-c', '30', topic], { timeoutMs: 60000 });
    assert.equal(first.status, 0, first.stderr);
    const r1 = parse(first.stdout);
    assert.equal(r1.length, 30);
    const committed1 = await committedOffsets(broker.port, group, topic, ALL);
    for (const p of ALL) {
      const read = r1.filter((r) => r.partition === p);
      // Each partition was read in order from 0, so its commit is the count read (no commit if none).
      assert.deepEqual(read.map((r) => r.offset), read.map((_, i) => i), `partition ${p} read out of order`);
      assert.equal(committed1.get(p)?.offset, read.length > 0 ? read.length : -1, `committed offset of partition ${p}`);
    }

    // Second run to the end of every partition: exactly the records the first run did not read.
    const second = await run('kcat', [...base, '-e', topic], { timeoutMs: 60000 });
    assert.equal(second.status, 0, second.stderr);
    const r2 = parse(second.stdout);
    const all = [...phase1.values()].flat();
    assert.deepEqual([...r1, ...r2].map((r) => r.value).sort(), [...all].sort(), 'the two runs together read every record exactly once');
    await awaitCommitted(broker.port, group, topic, endOffsets(phase1), 20000);

    // A member that reads and auto-commits, then is killed: the next one starts after the commits.
    const m = join('m', group, topic);
    const phase2 = await produceToPartitions(broker.bootstrap, topic, ALL, 5, 'two');
    await awaitRecords([m], phase2, 'phase 2 read');
    assert.deepEqual(m.records.map((r) => r.value).sort(), [...phase2.values()].flat().sort(), 'the member read only the records after the commits');
    await awaitCommitted(broker.port, group, topic, endOffsets(phase2, 25), 20000, procs());
    await m.lp.kill9();
    const phase3 = await produceToPartitions(broker.bootstrap, topic, ALL, 5, 'three');
    // The killed member's session still holds the partitions; the next member waits it out.
    const third = await run('kcat', [...base, '-e', topic], { timeoutMs: 60000 });
    assert.equal(third.status, 0, third.stderr);
    assert.deepEqual(parse(third.stdout).map((r) => r.value).sort(), [...phase3.values()].flat().sort());
  });

  it('cooperative-sticky: members keep the partitions they retain across rebalances', async () => {
    const topic = uniqueTopic('gk-coop');
    const group = uniqueTopic('gk-coop-g');
    await createTopic(broker.port, topic, PARTITIONS);
    const coop = ['-X', 'partition.assignment.strategy=cooperative-sticky'];

    const a = join('a', group, topic, coop);
    await until('a to hold all partitions', () => (a.assignment.length === PARTITIONS ? true : undefined), 30000, procs());
    assert.ok(a.events.every((e) => e.cooperative), `a did not use the cooperative protocol: ${a.lp.err.join('\n')}`);

    const b = join('b', group, topic, coop);
    const two = await awaitShare([a, b], 'a and b share the topic');
    assert.deepEqual(two.map((x) => x.length), [2, 2]);
    // a gave up only what moved to b, and was never revoked everything.
    const aRevoked = a.events.filter((e) => e.kind === 'revoked').flatMap((e) => e.partitions);
    assert.deepEqual(sortNum(aRevoked), two[1], 'a revoked exactly the partitions b received');

    const phase1 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'one');
    await awaitRecords([a, b], phase1, 'phase 1 read');
    assertReadOnceByOwner([a, b], phase1, two);
    await awaitCommitted(broker.port, group, topic, endOffsets(phase1), 20000, procs());

    const aBefore = a.events.length;
    const bBefore = b.events.length;
    const c = join('c', group, topic, coop);
    const three = await awaitShare([a, b, c], 'a, b and c share the topic');
    // Each of a and b kept a subset of what it held, and revoked only what went to c.
    for (const [m, held, now, from] of [[a, two[0]!, three[0]!, aBefore], [b, two[1]!, three[1]!, bBefore]] as const) {
      assert.ok(now.every((p) => held.includes(p)), `${m.name} gained ${now} (held ${held}) when c joined`);
      const revoked = m.events.slice(from).filter((e) => e.kind === 'revoked').flatMap((e) => e.partitions);
      assert.deepEqual(sortNum(revoked), held.filter((p) => !now.includes(p)), `${m.name} revoked ${revoked} but kept ${now} of ${held}`);
      for (const p of revoked) assert.ok(three[2]!.includes(p), `${m.name} gave up ${p} which c did not get`);
    }

    // c leaves: a and b only gain partitions, nobody is revoked anything.
    const aMid = a.events.length;
    const bMid = b.events.length;
    await c.lp.stop('SIGTERM');
    const final = await awaitShare([a, b], 'a and b take over after c left');
    assert.ok(three[0]!.every((p) => final[0]!.includes(p)) && three[1]!.every((p) => final[1]!.includes(p)), `a/b lost partitions when c left: ${JSON.stringify(three)} → ${JSON.stringify(final)}`);
    assert.deepEqual([...a.events.slice(aMid), ...b.events.slice(bMid)].filter((e) => e.kind === 'revoked'), [], 'no revocations when c left');

    const phase2 = await produceToPartitions(broker.bootstrap, topic, ALL, 10, 'two');
    await awaitRecords([a, b], phase2, 'phase 2 read');
    assertReadOnceByOwner([a, b], phase2, final);
    assertReadOnceByOwner([a, b, c], phase1, [ALL, ALL, ALL]);
  });
});
