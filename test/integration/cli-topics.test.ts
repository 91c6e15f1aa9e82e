// bin/kafka-topics.sh against a Samsa broker process: the sessions of the
// reference notes (create with and without settings, list, describe, alter
// the partition count up and then down, delete) in Kafka 3.9's output format,
// the describe filters, regexes, --if-exists / --if-not-exists, replica
// assignments, usage errors and --help; cross-checked with kcat's metadata.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, requireTool, run, startBrokerProcess } from './harness.js';
import { assertLines, runTool, tool } from './cli-util.js';

const WARNING = "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.";
const part = (topic: string, p: number) => `\tTopic: ${topic}\tPartition: ${p}\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: N/A\tLastKnownElr: N/A`;

describe('kafka-topics.sh', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  const topics = (...args: string[]) => tool('kafka-topics', ['--bootstrap-server', broker.bootstrap, ...args]);
  const topicsRaw = (...args: string[]) => runTool('kafka-topics', ['--bootstrap-server', broker.bootstrap, ...args]);

  before(async () => {
    requireTool('kcat');
    // As in the notes: broker 0, one partition by default, log.segment.bytes set in the server's properties.
    broker = await startBrokerProcess({ overrides: { 'node.id': '0', 'num.partitions': '1', 'log.segment.bytes': '1073741824' } });
  });
  after(async () => {
    await broker?.destroy();
  });

  it('--list on an empty cluster prints one empty line', async () => {
    assert.equal(await topics('--list'), '\n');
  });

  it('the notes\' session: create, list, describe, create with settings, alter up, alter down fails', async () => {
    assertLines(await topics('--create', '--topic', 'hello.kafka'), [WARNING, 'Created topic hello.kafka.']);
    assertLines(await topics('--list'), ['hello.kafka']);
    assertLines(await topics('--describe', '--topic', 'hello.kafka'), [
      'Topic: hello.kafka\tTopicId: <id>\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: segment.bytes=1073741824',
      part('hello.kafka', 0),
    ]);

    assertLines(await topics('--create', '--partitions', '10', '--replication-factor', '1', '--config', 'retention.ms=172800000', '--topic', 'advanced.hello.kafka'), [
      WARNING,
      'Created topic advanced.hello.kafka.',
    ]);
    assertLines(await topics('--describe', '--topic', 'advanced.hello.kafka'), [
      'Topic: advanced.hello.kafka\tTopicId: <id>\tPartitionCount: 10\tReplicationFactor: 1\tConfigs: retention.ms=172800000,segment.bytes=1073741824',
      ...Array.from({ length: 10 }, (_, p) => part('advanced.hello.kafka', p)),
    ]);

    assertLines(await topics('--create', '--topic', 'update.candidate'), [WARNING, 'Created topic update.candidate.']);
    assert.equal(await topics('--alter', '--partitions', '10', '--topic', 'update.candidate'), '', '--alter prints nothing');
    assertLines(await topics('--describe', '--topic', 'update.candidate'), [
      'Topic: update.candidate\tTopicId: <id>\tPartitionCount: 10\tReplicationFactor: 1\tConfigs: segment.bytes=1073741824',
      ...Array.from({ length: 10 }, (_, p) => part('update.candidate', p)),
    ]);
    const down = await topicsRaw('--alter', '--partitions', '1', '--topic', 'update.candidate');
    assert.equal(down.status, 1);
    assertLines(down.stdout, ['Error while executing topic command : Topic currently has 10 partitions, which is higher than the requested 1.']);
    assert.equal(down.stderr, '', 'no stack trace');

    // kcat sees the same topics and partition counts.
    const meta = await run('kcat', ['-b', broker.bootstrap, '-L', '-J']);
    const kt = JSON.parse(meta.stdout).topics as { topic: string; partitions: unknown[] }[];
    assert.deepEqual(
      kt.map((t) => [t.topic, t.partitions.length]).sort(),
      [['advanced.hello.kafka', 10], ['hello.kafka', 1], ['update.candidate', 10]],
    );
  });

  it('create: --if-not-exists, an existing topic, replica assignment, invalid values', async () => {
    const again = await topicsRaw('--create', '--topic', 'hello.kafka');
    assert.equal(again.status, 1);
    assertLines(again.stdout, [WARNING, "Error while executing topic command : Topic 'hello.kafka' already exists."]);
    assertLines(await topics('--create', '--topic', 'hello.kafka', '--if-not-exists'), [WARNING]);

    assertLines(await topics('--create', '--topic', 'assigned', '--replica-assignment', '0,0,0'), ['Created topic assigned.']);
    assertLines(await topics('--describe', '--topic', 'assigned'), [
      'Topic: assigned\tTopicId: <id>\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: segment.bytes=1073741824',
      part('assigned', 0),
      part('assigned', 1),
      part('assigned', 2),
    ]);
    const dup = await topicsRaw('--create', '--topic', 'dup', '--replica-assignment', '0:0');
    assertLines(dup.stdout, ['Error while executing topic command : Partition replica lists may not contain duplicate entries: 0']);
    const zero = await topicsRaw('--create', '--topic', 'zero', '--partitions', '0');
    assertLines(zero.stdout, ['Error while executing topic command : The partitions must be greater than 0']);
    const rf = await topicsRaw('--create', '--topic', 'zero', '--replication-factor', '3');
    assert.equal(rf.status, 1);
    assert.match(rf.stdout, /^Error while executing topic command : .*replication factor.*\n$/i);
    const badConfig = await topicsRaw('--create', '--topic', 'cfg', '--config', 'no.such.config=1');
    assertLines(badConfig.stdout, ['Error while executing topic command : Unknown topic config name: no.such.config']);
    const badFormat = await topicsRaw('--create', '--topic', 'cfg', '--config', 'retention.ms');
    assertLines(badFormat.stdout, ['Error while executing topic command : requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".']);
  });

  it('describe filters: --topics-with-overrides, --under-min-isr-partitions, --at-min-isr-partitions, --unavailable-partitions, --under-replicated-partitions', async () => {
    assertLines(await topics('--create', '--topic', 'strict', '--partitions', '2', '--config', 'min.insync.replicas=2'), ['Created topic strict.']);
    assertLines(await topics('--describe', '--under-min-isr-partitions'), [
      '\tTopic: strict\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: N/A\tLastKnownElr: N/A',
      '\tTopic: strict\tPartition: 1\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: N/A\tLastKnownElr: N/A',
    ]);
    assertLines(await topics('--describe', '--at-min-isr-partitions', '--topic', 'hello.kafka'), [part('hello.kafka', 0)]);
    assert.equal(await topics('--describe', '--unavailable-partitions'), '');
    assert.equal(await topics('--describe', '--under-replicated-partitions'), '');
    // Every topic here has segment.bytes from the server's properties (not a default): all are listed, without partitions.
    const overrides = await topics('--describe', '--topics-with-overrides');
    assert.deepEqual(
      overrides.trim().split('\n').map((l) => l.split('\t')[0]),
      ['Topic: advanced.hello.kafka', 'Topic: assigned', 'Topic: hello.kafka', 'Topic: strict', 'Topic: update.candidate'],
    );
    assert.match(overrides, /Topic: strict\tTopicId: \S+\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: min\.insync\.replicas=2,segment\.bytes=1073741824\n/);
  });

  it('--topic takes a regular expression for describe, list and delete; --if-exists', async () => {
    assertLines(await topics('--list', '--topic', '.*hello.*'), ['advanced.hello.kafka', 'hello.kafka']);
    const described = await topics('--describe', '--topic', 'hello\\.kafka|assigned');
    assert.deepEqual(
      described.split('\n').filter((l) => l.startsWith('Topic:')).map((l) => l.split('\t')[0]),
      ['Topic: assigned', 'Topic: hello.kafka'],
    );
    const missing = await topicsRaw('--describe', '--topic', 'nope');
    assert.equal(missing.status, 1);
    assertLines(missing.stdout, ["Error while executing topic command : Topic 'nope' does not exist as expected"]);
    assert.equal(await topics('--describe', '--topic', 'nope', '--if-exists'), '');
    assert.equal(await topics('--delete', '--topic', 'nope', '--if-exists'), '');
    assert.equal(await topics('--alter', '--topic', 'nope', '--partitions', '3', '--if-exists'), '');

    assert.equal(await topics('--delete', '--topic', 'assigned|strict'), '');
    assertLines(await topics('--list'), ['advanced.hello.kafka', 'hello.kafka', 'update.candidate']);
  });

  it('usage errors print Kafka\'s message and the help on stderr and exit 1; --help, --version', async () => {
    const none = await runTool('kafka-topics', ['--bootstrap-server', broker.bootstrap]);
    assert.equal(none.status, 1);
    assert.equal(none.stderr.split('\n')[0], 'Command must include exactly one action: --list, --describe, --create, --alter or --delete');
    assert.equal(none.stderr.split('\n')[1], 'Option                                   Description                            ');

    const noServer = await runTool('kafka-topics', ['--list']);
    assert.equal(noServer.status, 1);
    assert.equal(noServer.stderr, '--bootstrap-server must be specified\n');

    const combo = await topicsRaw('--list', '--partitions', '3');
    assert.equal(combo.stderr.split('\n')[0], 'Option "[partitions]" can\'t be used with option "[list]"');
    const noTopic = await topicsRaw('--create');
    assert.equal(noTopic.stderr.split('\n')[0], 'Missing required argument "[topic]"');
    const alterNoCount = await topicsRaw('--alter', '--topic', 'x');
    assert.equal(alterNoCount.stderr.split('\n')[0], 'Missing required argument "[partitions]"');
    const unknown = await topicsRaw('--list', '--zookeeper', 'localhost:2181');
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stderr, 'zookeeper is not a recognized option\nThe --zookeeper option was removed in Kafka 3.0: use --bootstrap-server <host:port> to connect to the brokers instead.\n');
    const notNumber = await topicsRaw('--create', '--topic', 'x', '--partitions', 'many');
    assertLines(notNumber.stdout, ["Error while executing topic command : Cannot parse argument 'many' of option partitions"]);

    const help = await runTool('kafka-topics', ['--help']);
    assert.equal(help.status, 1);
    const lines = help.stderr.split('\n');
    assert.equal(lines[0], 'This tool helps to create, delete, describe, or change a topic.');
    assert.equal(lines[1], 'Option                                   Description                            ');
    assert.equal(lines[2], '------                                   -----------                            ');
    assert.equal(lines[3], '--alter                                  Alter the number of partitions and     ');
    assert.ok(lines.includes('--bootstrap-server <String: server to    REQUIRED: The Kafka server to connect  '));
    assert.ok(lines.includes('  connect to>                              to.                                  '));
    assert.ok(lines.includes('--version                                Display Kafka version.                 '));

    const version = await runTool('kafka-topics', ['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^3\.9\.0 \(Samsa \d+\.\d+\.\d+\)\n$/);
  });
});
