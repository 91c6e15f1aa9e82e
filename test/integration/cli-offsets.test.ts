// bin/kafka-get-offsets.sh (GetOffsetShell), bin/kafka-delete-records.sh and
// bin/kafka-log-dirs.sh against a Samsa broker process, in Kafka 3.9's output
// formats; the reference notes' GetOffsetShell command through
// bin/kafka-run-class.sh; offsets cross-checked with kcat.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BrokerProcess, requireTool, run, startBrokerProcess, tempDir } from './harness.js';
import { assertLines, runTool, tool } from './cli-util.js';

describe('kafka-get-offsets.sh, kafka-delete-records.sh, kafka-log-dirs.sh, kafka-run-class.sh', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  const dir = tempDir('cli-offsets-');
  const bs = () => ['--bootstrap-server', broker.bootstrap];
  const offsets = (...args: string[]) => tool('kafka-get-offsets', [...bs(), ...args]);

  before(async () => {
    requireTool('kcat');
    broker = await startBrokerProcess({ overrides: { 'node.id': '0', 'num.partitions': '1' } });
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'events', '--partitions', '3']);
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'other']);
    // 10, 20 and 30 records in partitions 0, 1, 2 (kcat picks the partition).
    for (const [p, n] of [[0, 10], [1, 20], [2, 30]] as const) {
      const input = Array.from({ length: n }, (_, i) => `r${i}`).join('\n') + '\n';
      const r = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'events', '-p', String(p)], { input });
      assert.equal(r.status, 0, r.stderr);
    }
    await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'other', '-p', '0'], { input: 'x\n' });
  });
  after(async () => {
    await broker?.destroy();
  });

  it('GetOffsetShell: latest by default, earliest, max-timestamp, partitions, patterns, the notes\' kafka-run-class form', async () => {
    assertLines(await offsets('--topic', 'events'), ['events:0:10', 'events:1:20', 'events:2:30']);
    assertLines(await offsets('--topic', 'events', '--time', '-2'), ['events:0:0', 'events:1:0', 'events:2:0']);
    assertLines(await offsets('--topic', 'events', '--time', 'earliest', '--partitions', '0,2'), ['events:0:0', 'events:2:0']);
    // max-timestamp: the offset of the newest record (kcat's batches share one timestamp: any of their offsets).
    const max = (await offsets('--topic', 'events', '--time', '-3')).trim().split('\n');
    assert.deepEqual(max.map((l) => l.split(':').slice(0, 2).join(':')), ['events:0', 'events:1', 'events:2']);
    max.forEach((l, i) => assert.ok(Number(l.split(':')[2]) < [10, 20, 30][i]!, l));
    assertLines(await offsets('--topic-partitions', 'ev.*:1-,other'), ['events:1:20', 'events:2:30', 'other:0:1']);
    assertLines(await offsets('--topic-partitions', ':0'), ['events:0:10', 'other:0:1']);
    assertLines(await offsets('--time', String(Date.now() + 3_600_000), '--topic', 'events'), [], 'no offset after the newest timestamp');
    const notes = await runTool('kafka-run-class', ['kafka.tools.GetOffsetShell', '--broker-list', broker.bootstrap, '--topic', 'events']);
    assert.equal(notes.status, 0, notes.stderr);
    assertLines(notes.stdout, ['events:0:10', 'events:1:20', 'events:2:30']);
    // kcat agrees on the watermarks.
    const q = await run('kcat', ['-b', broker.bootstrap, '-Q', '-t', 'events:0:-1', '-t', 'events:1:-1', '-t', 'events:2:-1']);
    assert.deepEqual(q.stdout.trim().split('\n').map((l) => l.replace(/^events \[(\d)\] offset (\d+)$/, 'events:$1:$2')).sort(), ['events:0:10', 'events:1:20', 'events:2:30']);

    const errors: [string[], string][] = [
      [['--topic', 'nope'], 'Error occurred: Could not match any topic-partitions with the specified filters'],
      [['--topic', 'events', '--time', 'yesterday'], 'Error occurred: Malformed time argument yesterday. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp'],
      [['--topic-partitions', 'events:0', '--topic', 'events'], 'Error occurred: --topic-partitions cannot be used with --topic or --partitions'],
      [['--topic', 'events', '--partitions', 'a,b'], 'Error occurred: --partitions expects a comma separated list of numeric partition ids, but received: a,b'],
    ];
    for (const [args, message] of errors) {
      const r = await runTool('kafka-get-offsets', [...bs(), ...args]);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stderr, `${message}\n`, args.join(' '));
    }
    const noServer = await runTool('kafka-get-offsets', ['--topic', 'events']);
    assert.equal(noServer.stderr, 'Error occurred: Missing required option(s) [bootstrap-server]\n');
    const usage = await runTool('kafka-get-offsets', []);
    assert.equal(usage.stderr.split('\n')[0], 'An interactive shell for getting topic-partition offsets.');
  });

  it('kafka-delete-records: the notes\' JSON file, -1 for the high watermark, per-partition errors, bad files', async () => {
    const file = path.join(dir, 'delete-data.json');
    writeFileSync(file, '{"partitions":[{"topic":"events", "partition": 0, "offset":5},{"topic":"events", "partition": 2, "offset":-1}], "version":1}');
    const out = await tool('kafka-delete-records', [...bs(), '--offset-json-file', file]);
    assertLines(out, ['Executing records delete operation', 'Records delete operation completed:', 'partition: events-0\tlow_watermark: 5', 'partition: events-2\tlow_watermark: 30']);
    assertLines(await offsets('--topic', 'events', '--time', 'earliest'), ['events:0:5', 'events:1:0', 'events:2:30']);
    const k = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'events', '-p', '0', '-o', 'beginning', '-e', '-f', '%o %s\n']);
    assert.equal(k.stdout.split('\n')[0], '5 r5', 'kcat reads from the new start');

    writeFileSync(file, '{"partitions":[{"topic":"events", "partition": 1, "offset":500}], "version":1}');
    const beyond = await tool('kafka-delete-records', [...bs(), '--offset-json-file', file]);
    assertLines(beyond, [
      'Executing records delete operation',
      'Records delete operation completed:',
      'partition: events-1\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: The requested offset is not within the range of offsets maintained by the server.',
    ]);

    const bad: [string, string][] = [
      ['not json', 'The input string is not a valid JSON'],
      ['{"version":1}', 'Missing partitions field'],
      ['{"partitions":[], "version":2}', 'Not supported version field value 2'],
      ['{"partitions":[{"topic":"events","partition":0,"offset":1},{"topic":"events","partition":0,"offset":2}]}', 'Offset json file contains duplicate topic partitions: events-0'],
    ];
    for (const [text, message] of bad) {
      writeFileSync(file, text);
      const r = await runTool('kafka-delete-records', [...bs(), '--offset-json-file', file]);
      assert.equal(r.status, 1, text);
      assert.equal(r.stderr, `${message}\n`, text);
    }
    const missing = await runTool('kafka-delete-records', bs());
    assert.equal(missing.stderr.split('\n')[0], 'Missing required argument "[offset-json-file]"');
  });

  it('kafka-log-dirs --describe: Kafka\'s JSON with sizes per partition, --topic-list, --broker-list', async () => {
    const out = (await tool('kafka-log-dirs', [...bs(), '--describe', '--topic-list', 'other'])).split('\n');
    assert.equal(out[0], 'Querying brokers for log directories information');
    assert.equal(out[1], 'Received log directory information from brokers 0');
    assert.match(out[2]!, /^\{"brokers":\[\{"broker":0,"logDirs":\[\{"partitions":\[\{"partition":"other-0","size":\d+,"offsetLag":0,"isFuture":false\}\],"error":null,"logDir":"[^"]+"\}\]\}\],"version":1\}$/);
    const all = JSON.parse((await tool('kafka-log-dirs', [...bs(), '--describe', '--broker-list', '0'])).split('\n')[2]!);
    const names = all.brokers[0].logDirs[0].partitions.map((p: { partition: string }) => p.partition);
    assert.deepEqual(names, ['events-0', 'events-1', 'events-2', 'other-0']);
    assert.ok(all.brokers[0].logDirs[0].partitions.find((p: { partition: string }) => p.partition === 'other-0').size > 0);
    const unknown = await runTool('kafka-log-dirs', [...bs(), '--describe', '--broker-list', '0,7']);
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stderr, 'ERROR: The given brokers do not exist from --broker-list: 7. Current existent brokers: 0\n');
  });
});
