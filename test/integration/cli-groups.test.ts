// bin/kafka-consumer-groups.sh and the group side of
// bin/kafka-console-consumer.sh against a Samsa broker process: the reference
// notes' session (consume with --group, list, describe "has no active
// members", reset --to-earliest --execute, consume again), the random
// console-consumer-NNNNN group, --max-messages not committing what was not
// printed, every reset scenario with --dry-run/--execute/--export/--from-file,
// refusing to reset an active group, --members/--verbose/--state, --list
// --state, --delete-offsets and --delete; cross-checked with kcat's groups.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BrokerProcess, requireTool, run, startBrokerProcess, tempDir } from './harness.js';
import { uniqueTopic, waitFor } from './compat-util.js';
import { assertLines, runTool, startTool, tool } from './cli-util.js';

const HEADER = 'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID';
const RESET_HEADER = 'GROUP                          TOPIC                          PARTITION  NEW-OFFSET     ';
const resetRow = (g: string, t: string, p: number, o: number) => `${g.padEnd(30)} ${t.padEnd(30)} ${String(p).padEnd(10)} ${String(o).padEnd(15)}`;
const offsetRow = (g: string, t: string, p: number, cur: string | number, end: number, lag: string | number) =>
  `${g.padEnd(15)} ${t.padEnd(15)} ${String(p).padEnd(10)} ${String(cur).padEnd(15)} ${String(end).padEnd(15)} ${String(lag).padEnd(15)} ${'-'.padEnd(15)} ${'-'.padEnd(15)} -`;

describe('kafka-consumer-groups.sh and console consumers in groups', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  const bs = () => ['--bootstrap-server', broker.bootstrap];
  const groups = (...args: string[]) => tool('kafka-consumer-groups', [...bs(), ...args]);
  const groupsRaw = (...args: string[]) => runTool('kafka-consumer-groups', [...bs(), ...args]);
  const produce = (topic: string, input: string, ...args: string[]) => tool('kafka-console-producer', [...bs(), '--topic', topic, ...args], { input });
  const consume = (...args: string[]) => runTool('kafka-console-consumer', [...bs(), ...args]);
  const topics = (...args: string[]) => tool('kafka-topics', [...bs(), ...args]);

  /** Waits until the group has settled in the state (for live members). */
  const waitState = (group: string, state: string) =>
    waitFor(`group ${group} ${state}`, async () => ((await groupsRaw('--describe', '--group', group, '--state')).stdout.includes(` ${state} `) ? true : undefined), 30000);

  before(async () => {
    requireTool('kcat');
    broker = await startBrokerProcess({ overrides: { 'node.id': '0', 'num.partitions': '1', 'group.initial.rebalance.delay.ms': '0' } });
  });
  after(async () => {
    await broker?.destroy();
  });

  it("the notes' session: consume with --group, list, describe, reset --to-earliest --execute, consume again", async () => {
    await topics('--create', '--topic', 'hello.kafka');
    await produce('hello.kafka', 'k1:hello\nk2:world\nk1:bye\nk3:kafka\n', '--property', 'parse.key=true', '--property', 'key.separator=:');
    const first = await consume('--topic', 'hello.kafka', '--property', 'print.key=true', '--property', 'key.separator=:', '--from-beginning', '--group', 'hello-group', '--max-messages', '4');
    assert.equal(first.status, 0, first.stderr);
    assertLines(first.stdout, ['k1:hello', 'k2:world', 'k1:bye', 'k3:kafka']);
    assert.equal(first.stderr, 'Processed a total of 4 messages\n');

    assert.ok((await groups('--list')).split('\n').includes('hello-group'));
    const described = await groupsRaw('--describe', '--group', 'hello-group');
    assert.equal(described.status, 0);
    assert.equal(described.stderr, "\nConsumer group 'hello-group' has no active members.\n");
    assert.equal(described.stdout, `\n${HEADER}\n${offsetRow('hello-group', 'hello.kafka', 0, 4, 4, 0)}\n`);

    const nothing = await consume('--topic', 'hello.kafka', '--from-beginning', '--group', 'hello-group', '--timeout-ms', '2000');
    assert.equal(nothing.stdout, '', 'the group resumes after its committed offset');
    assert.match(nothing.stderr, /Processed a total of 0 messages\n$/);

    const reset = await groups('--group', 'hello-group', '--topic', 'hello.kafka', '--reset-offsets', '--to-earliest', '--execute');
    assert.equal(reset, `\n${RESET_HEADER}\n${resetRow('hello-group', 'hello.kafka', 0, 0)}\n`);
    const again = await consume('--topic', 'hello.kafka', '--property', 'print.key=true', '--property', 'key.separator=:', '--from-beginning', '--group', 'hello-group', '--max-messages', '4');
    assertLines(again.stdout, ['k1:hello', 'k2:world', 'k1:bye', 'k3:kafka']);
  });

  it('a console consumer without --group uses a random console-consumer-NNNNN group and commits nothing; --include subscribes by regex', async () => {
    const before = new Set((await groups('--list')).split('\n'));
    const r = await consume('--topic', 'hello.kafka', '--from-beginning', '--max-messages', '2');
    assertLines(r.stdout, ['hello', 'world']);
    const added = (await groups('--list')).split('\n').filter((g) => g !== '' && !before.has(g));
    assert.equal(added.length, 1);
    assert.match(added[0]!, /^console-consumer-\d{1,5}$/);
    const d = await groupsRaw('--describe', '--group', added[0]!);
    assert.equal(d.stdout, '', 'no committed offsets (enable.auto.commit=false)');
    assert.equal(d.stderr, `\nConsumer group '${added[0]}' has no active members.\n`);

    const a = uniqueTopic('incl-a');
    const b = uniqueTopic('incl-b');
    await topics('--create', '--topic', a);
    await topics('--create', '--topic', b);
    await produce(a, 'from a\n');
    await produce(b, 'from b\n');
    const both = await consume('--include', `${a}|${b}`, '--from-beginning', '--max-messages', '2', '--group', 'include-group');
    assert.deepEqual(both.stdout.trim().split('\n').sort(), ['from a', 'from b']);
    const offsets = await groups('--describe', '--group', 'include-group');
    for (const t of [a, b]) assert.match(offsets, new RegExp(`\ninclude-group +${t} +0 +1 +1 +0 +- +- +-`));
  });

  it('--max-messages: records fetched but not printed are not committed', async () => {
    const topic = uniqueTopic('maxmsg');
    await topics('--create', '--topic', topic);
    await produce(topic, Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n');
    const r = await consume('--topic', topic, '--from-beginning', '--group', 'max-group', '--max-messages', '3');
    assertLines(r.stdout, ['m0', 'm1', 'm2']);
    const d = await groups('--describe', '--group', 'max-group');
    assert.equal(d.split('\n')[2], `max-group       ${topic.padEnd(15)} 0          3               10              7               -               -               -`);
    const next = await consume('--topic', topic, '--group', 'max-group', '--max-messages', '2');
    assertLines(next.stdout, ['m3', 'm4']);
  });

  it('reset scenarios: --to-offset, --shift-by, --to-latest, --to-current, --to-datetime, --by-duration, --dry-run, --export and --from-file', async () => {
    const topic = uniqueTopic('reset');
    await topics('--create', '--topic', topic, '--partitions', '2');
    const lines = Array.from({ length: 20 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
    await produce(topic, lines, '--property', 'parse.key=true', '--property', 'key.separator=:');
    const ends = (await tool('kafka-get-offsets', [...bs(), '--topic', topic])).trim().split('\n');
    const counts = ends.map((l) => Number(l.split(':')[2]));
    assert.equal(counts[0]! + counts[1]!, 20);
    const g = 'reset-group';
    const exec = (...args: string[]) => groups('--group', g, '--topic', topic, '--reset-offsets', ...args, '--execute');
    const plan = (o0: number, o1: number) => `\n${RESET_HEADER}\n${resetRow(g, topic, 0, o0)}\n${resetRow(g, topic, 1, o1)}\n`;

    assert.equal(await exec('--to-offset', '2'), plan(2, 2));
    const clamped = await runTool('kafka-consumer-groups', [...bs(), '--group', g, '--topic', `${topic}:0`, '--reset-offsets', '--to-offset', '1000', '--execute']);
    assert.equal(clamped.stdout, `\n${RESET_HEADER}\n${resetRow(g, topic, 0, counts[0]!)}\n`);
    assert.match(clamped.stderr, new RegExp(`WARN New offset \\(1000\\) is higher than latest offset for topic partition ${topic}-0\\. Value will be set to ${counts[0]}`));
    assert.equal(await exec('--shift-by', '-1'), plan(counts[0]! - 1, 1));
    assert.equal(await exec('--to-latest'), plan(counts[0]!, counts[1]!));
    assert.equal(await exec('--to-earliest'), plan(0, 0));
    assert.equal(await exec('--to-current'), plan(0, 0));
    assert.equal(await exec('--to-datetime', '2000-01-01T00:00:00.000'), plan(0, 0));
    assert.equal(await exec('--by-duration', 'PT0S'), `\nWarn: Partition 0 from topic ${topic} is empty. Falling back to latest known offset.\n\nWarn: Partition 1 from topic ${topic} is empty. Falling back to latest known offset.\n${plan(counts[0]!, counts[1]!)}`);
    assert.equal(await exec('--by-duration', 'P1D'), plan(0, 0));

    // Dry runs change nothing (and without --dry-run or --execute Kafka warns).
    const dry = await runTool('kafka-consumer-groups', [...bs(), '--group', g, '--topic', topic, '--reset-offsets', '--to-offset', '5']);
    assert.equal(dry.stdout, plan(5, 5));
    assert.match(dry.stderr, /^WARN: No action will be performed as the --execute option is missing\./);
    assert.equal(await groups('--group', g, '--all-topics', '--reset-offsets', '--to-current', '--dry-run'), plan(0, 0));

    // --export writes Kafka's CSV; --from-file reads it back.
    const csv = await groups('--group', g, '--topic', topic, '--reset-offsets', '--to-offset', '3', '--dry-run', '--export');
    assert.equal(csv, `${topic},0,3\n${topic},1,3\n\n`);
    const file = path.join(tempDir('cli-groups-'), 'plan.csv');
    writeFileSync(file, csv);
    assert.equal(await groups('--group', g, '--reset-offsets', '--from-file', file, '--execute'), plan(3, 3));
    const described = (await groups('--describe', '--group', g)).split('\n');
    assert.equal(described[2], `${g.padEnd(15)} ${topic.padEnd(15)} 0          3               ${String(counts[0]).padEnd(15)} ${String(counts[0]! - 3).padEnd(15)} -               -               -`);

    const noScope = await groupsRaw('--group', g, '--reset-offsets', '--to-earliest', '--execute');
    assert.equal(noScope.status, 1);
    assert.equal(noScope.stderr.split('\n')[0], 'One of the reset scopes should be defined: --all-topics, --topic.');
    const twoScenarios = await groupsRaw('--group', g, '--all-topics', '--reset-offsets', '--to-earliest', '--to-latest');
    assert.equal(twoScenarios.stderr.split('\n')[1], 'Option "[to-earliest]" can\'t be used with option "[to-latest]"');
    const badDate = await groupsRaw('--group', g, '--all-topics', '--reset-offsets', '--to-datetime', '2020-01-01', '--execute');
    assert.equal(badDate.status, 1);
    assert.match(badDate.stdout, /^\nError: Executing consumer group command failed due to java\.text\.ParseException/);
  });

  it('a live group: describe offsets, --members (--verbose), --state; resetting, deleting its offsets or the group is refused; kcat as a member', async () => {
    const topic = uniqueTopic('live');
    await topics('--create', '--topic', topic, '--partitions', '3');
    await produce(topic, 'a\nb\nc\n');
    const live = startTool('kafka-console-consumer', [...bs(), '--topic', topic, '--group', 'live-group', '--from-beginning']);
    try {
      await live.waitFor(/a\n(.*\n)*c\n|c\n(.*\n)*a\n|b\n/);
      await waitState('live-group', 'Stable');
      const state = await groups('--describe', '--group', 'live-group', '--state');
      const stateLines = state.split('\n');
      assert.equal(stateLines[0], '');
      assert.equal(stateLines[1], 'GROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS');
      assert.equal(stateLines[2], `live-group                ${`127.0.0.1:${broker.port}  (0)`.padEnd(25)} range                Stable          1`);

      const members = (await groups('--describe', '--group', 'live-group', '--members', '--verbose')).split('\n');
      assert.match(members[1]!, /^GROUP {11}CONSUMER-ID +HOST +CLIENT-ID +#PARTITIONS +ASSIGNMENT$/);
      assert.match(members[2]!, new RegExp(`^live-group {6}console-consumer-[0-9a-f-]{36} /127\\.0\\.0\\.1 +console-consumer 3 {15}${topic}\\(0,1,2\\)$`));

      const offsets = (await groups('--describe', '--group', 'live-group')).split('\n');
      assert.equal(offsets[1]!.replace(/ +/g, ' '), 'GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID');
      assert.equal(offsets.filter((l) => l.startsWith('live-group')).length, 3);
      for (const l of offsets.filter((x) => x.startsWith('live-group'))) assert.match(l, /console-consumer-[0-9a-f-]{36} \/127\.0\.0\.1 +console-consumer$/);

      const reset = await groupsRaw('--group', 'live-group', '--all-topics', '--reset-offsets', '--to-earliest', '--execute');
      assert.equal(reset.status, 1);
      assert.equal(reset.stdout, `\nError: Assignments can only be reset if the group 'live-group' is inactive, but the current state is Stable.\n\n${RESET_HEADER}\n`);

      const delOffsets = await groupsRaw('--group', 'live-group', '--topic', topic, '--delete-offsets');
      assert.equal(delOffsets.status, 1);
      assert.match(delOffsets.stdout, /^\nError: Encounter some partition level error, see the follow-up details:\n\nTOPIC +PARTITION +STATUS {9}\n/);
      assert.match(delOffsets.stdout, /Error: :org\.apache\.kafka\.common\.errors\.GroupSubscribedToTopicException: /);

      const del = await groupsRaw('--delete', '--group', 'live-group');
      assert.equal(del.status, 1);
      assert.equal(
        del.stdout,
        "\nError: Deletion of some consumer groups failed:\n* Group 'live-group' could not be deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.\n",
      );

      const stable = await groups('--list', '--state', 'stable');
      assert.equal(stable, `${'GROUP'.padEnd(25)} ${'STATE'.padEnd(20)}\n${'live-group'.padEnd(25)} ${'Stable'.padEnd(20)}\n`);
    } finally {
      live.proc.kill('SIGTERM');
      await live.exit();
    }
    await waitState('live-group', 'Empty');
    const delOffsets = await groups('--group', 'live-group', '--topic', `${topic}:0,1`, '--delete-offsets');
    assert.equal(delOffsets, `Request succeed for deleting offsets with topic ${topic}:0,1 group live-group\n\n${'TOPIC'.padEnd(30)} ${'PARTITION'.padEnd(15)} ${'STATUS'.padEnd(15)}\n${topic.padEnd(30)} ${'0'.padEnd(15)} ${'Successful'.padEnd(15)}\n${topic.padEnd(30)} ${'1'.padEnd(15)} ${'Successful'.padEnd(15)}\n`);
    assert.equal(await groups('--delete', '--group', 'live-group'), "Deletion of requested consumer groups ('live-group') was successful.\n");
    const gone = await groupsRaw('--describe', '--group', 'live-group');
    assert.equal(gone.status, 1);
    assert.equal(gone.stdout, "\nError: Consumer group 'live-group' does not exist.\n");

    // kcat (librdkafka) in a group: its commits and membership as the tool shows them.
    const k = await run('kcat', ['-b', broker.bootstrap, '-G', 'kcat-group', '-o', 'beginning', '-e', '-X', 'enable.auto.commit=true', topic], { timeoutMs: 60000 });
    assert.equal(k.status, 0, k.stderr);
    const kd = (await groups('--describe', '--group', 'kcat-group')).split('\n').filter((l) => l.startsWith('kcat-group'));
    // librdkafka commits the partitions it read records from: all of them, up to the end.
    const rows = kd.map((l) => l.split(/ +/));
    assert.ok(rows.length >= 1);
    for (const f of rows) assert.deepEqual([f[1], f[3] === f[4], f[5]], [topic, true, '0']);
    assert.equal(rows.reduce((n, f) => n + Number(f[4]), 0), 3);
  });

  it("--list --state/--type filters and argument checks with Kafka's messages", async () => {
    const empty = await groups('--list', '--state', 'empty');
    const names = empty.split('\n').slice(1).filter(Boolean).map((l) => l.split(' ')[0]!);
    assert.ok(names.includes('hello-group') && !names.includes('live-group'), empty);
    const w = Math.max(15, ...names.map((n) => n.length)) + 10;
    assert.equal(empty, [`${'GROUP'.padEnd(w)} ${'STATE'.padEnd(20)}`, ...names.map((n) => `${n.padEnd(w)} ${'Empty'.padEnd(20)}`)].join('\n') + '\n');
    const bad = await groupsRaw('--list', '--state', 'sleepy');
    assert.equal(bad.stderr.split('\n')[0], "Invalid state list 'sleepy'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling");
    const cases: [string[], string][] = [
      [[], 'Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets'],
      [['--describe'], 'Option [describe] takes one of these options: [list], [describe], [delete], [reset-offsets]'],
      [['--describe', '--group', 'g', '--members', '--state'], 'Option [describe] takes at most one of these options: [members], [offsets], [state]'],
      [['--delete', '--group', 'g', '--topic', 't'], 'The consumer does not support topic-specific offset deletion from a consumer group.'],
      [['--list', '--members'], 'Option(s) [members] are unavailable given other options on the command line'],
      [['--reset-offsets', '--group', 'g', '--all-topics', '--to-earliest', '--dry-run', '--execute'], 'Option [reset-offsets] only accepts one of [execute] and [dry-run]'],
      [['--list', '--group', 'g'], 'Option "[group]" can\'t be used with option "[list]"'],
    ];
    for (const [args, message] of cases) {
      const r = await groupsRaw(...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stderr.split('\n')[0], message, args.join(' '));
    }
    const noServer = await runTool('kafka-consumer-groups', ['--list']);
    assert.equal(noServer.stderr.split('\n')[0], 'Missing required argument "[bootstrap-server]"');
  });
});
