// bin/kafka-console-producer.sh and bin/kafka-console-consumer.sh against a
// Samsa broker process: the reference notes' sessions (keys with
// parse.key/key.separator, print.key, --max-messages, --partition), the
// formatter's properties, headers and null markers, --timeout-ms, Ctrl-C,
// the ">" prompt only on a terminal, compression, Kafka's usage errors —
// cross-checked record by record with kcat in both directions.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, requireTool, run, startBrokerProcess } from './harness.js';
import { CODEC, fetchBatches, uniqueTopic, waitFor } from './compat-util.js';
import { assertLines, runTool, startTool, tool, toolPath } from './cli-util.js';

interface KcatRecord {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: (string | null)[];
  ts: number;
}

describe('kafka-console-producer.sh and kafka-console-consumer.sh', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  const bs = () => ['--bootstrap-server', broker.bootstrap];
  const produce = (topic: string, input: string, ...args: string[]) => tool('kafka-console-producer', [...bs(), '--topic', topic, ...args], { input });
  const consume = (...args: string[]) => runTool('kafka-console-consumer', [...bs(), ...args]);
  const topics = (...args: string[]) => tool('kafka-topics', [...bs(), ...args]);

  async function kcatAll(topic: string): Promise<KcatRecord[]> {
    const r = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J']);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as KcatRecord)
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  }

  before(async () => {
    requireTool('kcat');
    broker = await startBrokerProcess({ overrides: { 'node.id': '0', 'num.partitions': '1' } });
  });
  after(async () => {
    await broker?.destroy();
  });

  it("the notes' session: keys with parse.key and key.separator, read back with print.key, --max-messages, --partition", async () => {
    await topics('--create', '--topic', 'hello.kafka');
    assert.equal(await produce('hello.kafka', 'k1:hello\nk2:world\nk1:bye\nk3:kafka\n', '--property', 'parse.key=true', '--property', 'key.separator=:'), '', 'no prompt when stdin is not a terminal');
    assert.equal(await produce('hello.kafka', 'hello\nkafka\n'), '');
    assert.deepEqual(
      (await kcatAll('hello.kafka')).map((r) => [r.key, r.payload]),
      [['k1', 'hello'], ['k2', 'world'], ['k1', 'bye'], ['k3', 'kafka'], [null, 'hello'], [null, 'kafka']],
      'null key when the line has none',
    );

    const one = await consume('--topic', 'hello.kafka', '--property', 'print.key=true', '--property', 'key.separator=:', '--partition', '0', '--from-beginning', '--max-messages', '1');
    assert.equal(one.status, 0);
    assertLines(one.stdout, ['k1:hello']);
    assert.equal(one.stderr, 'Processed a total of 1 messages\n');

    const all = await consume('--topic', 'hello.kafka', '--property', 'print.key=true', '--property', 'key.separator=:', '--partition', '0', '--from-beginning', '--max-messages', '6');
    assertLines(all.stdout, ['k1:hello', 'k2:world', 'k1:bye', 'k3:kafka', 'null:hello', 'null:kafka']);
    assert.equal(all.stderr, 'Processed a total of 6 messages\n');

    const values = await consume('--topic', 'hello.kafka', '--partition', '0', '--offset', 'earliest', '--max-messages', '6');
    assertLines(values.stdout, ['hello', 'world', 'bye', 'kafka', 'hello', 'kafka']);
  });

  it('--timeout-ms ends an idle consumer with Kafka\'s log line and the count; --offset picks the start', async () => {
    const r = await consume('--topic', 'hello.kafka', '--partition', '0', '--offset', '4', '--timeout-ms', '3000');
    assert.equal(r.status, 0);
    assertLines(r.stdout, ['hello', 'kafka']);
    const err = r.stderr.split('\n');
    assert.match(err[0]!, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] ERROR Error processing message, terminating consumer process: {2}\(org\.apache\.kafka\.tools\.consumer\.ConsoleConsumer\$\)$/);
    assert.equal(err[1], 'org.apache.kafka.common.errors.TimeoutException');
    assert.equal(err[2], 'Processed a total of 2 messages');

    const latest = await consume('--topic', 'hello.kafka', '--partition', '0', '--timeout-ms', '1000');
    assert.equal(latest.stdout, '', 'starts at the end by default');
    assert.match(latest.stderr, /Processed a total of 0 messages\n$/);
  });

  it('print.timestamp shows the timestamp type: CreateTime, or LogAppendTime on a message.timestamp.type=LogAppendTime topic', async () => {
    const createTopic = uniqueTopic('ts-create');
    const appendTopic = uniqueTopic('ts-append');
    await topics('--create', '--topic', createTopic);
    await topics('--create', '--topic', appendTopic, '--config', 'message.timestamp.type=LogAppendTime');
    for (const t of [createTopic, appendTopic]) {
      // Records stamped with an old create time: the LogAppendTime topic replaces it with the broker's clock.
      await tool('kafka-verifiable-producer', [...bs(), '--topic', t, '--max-messages', '2', '--message-create-time', '1600000000000']);
    }
    const read = (t: string) => consume('--topic', t, '--from-beginning', '--max-messages', '2', '--property', 'print.timestamp=true', '--property', 'print.offset=true');
    // The tool's create time moves on with the time it has run (Kafka's VerifiableProducer), so compare with kcat's reading.
    const created = await kcatAll(createTopic);
    assert.ok(created.every((r) => r.ts >= 1600000000000 && r.ts < 1600000060000), 'the create time is kept');
    assertLines((await read(createTopic)).stdout, [`CreateTime:${created[0]!.ts}\tOffset:0\t0`, `CreateTime:${created[1]!.ts}\tOffset:1\t1`]);
    const stored = await kcatAll(appendTopic);
    assert.ok(stored.every((r) => r.ts > 1600000000000), 'the broker stamped its own time');
    assertLines((await read(appendTopic)).stdout, [`LogAppendTime:${stored[0]!.ts}\tOffset:0\t0`, `LogAppendTime:${stored[1]!.ts}\tOffset:1\t1`]);
  });

  it('formatter properties: timestamp, partition, offset, headers, key and value, separators, null literal', async () => {
    const topic = uniqueTopic('fmt');
    await topics('--create', '--topic', topic);
    await produce(topic, 'h1:v1,h2:v2\tk\tval\nh3:NULL\tNULL\tNULL\n', '--property', 'parse.headers=true', '--property', 'parse.key=true', '--property', 'null.marker=NULL');
    const stored = await kcatAll(topic);
    assert.deepEqual(stored.map((r) => [r.headers, r.key, r.payload]), [
      [['h1', 'v1', 'h2', 'v2'], 'k', 'val'],
      [['h3', null], null, null],
    ]);
    const r = await consume(
      '--topic', topic, '--partition', '0', '--from-beginning', '--max-messages', '2',
      '--property', 'print.timestamp=true', '--property', 'print.partition=true', '--property', 'print.offset=true',
      '--property', 'print.headers=true', '--property', 'print.key=true',
    );
    assertLines(r.stdout, [
      `CreateTime:${stored[0]!.ts}\tPartition:0\tOffset:0\th1:v1,h2:v2\tk\tval`,
      `CreateTime:${stored[1]!.ts}\tPartition:0\tOffset:1\th3:null\tnull\tnull`,
    ]);
    const custom = await consume(
      '--topic', topic, '--partition', '0', '--from-beginning', '--max-messages', '2',
      '--property', 'print.key=true', '--property', 'print.value=false', '--property', 'print.headers=true',
      '--property', 'key.separator= | ', '--property', 'line.separator=;', '--property', 'headers.separator=&', '--property', 'null.literal=<none>',
    );
    assert.equal(custom.stdout, 'h1:v1&h2:v2 | k;h3:<none> | <none>;');
    const noHeaders = await consume('--topic', 'hello.kafka', '--partition', '0', '--from-beginning', '--max-messages', '1', '--property', 'print.headers=true');
    assertLines(noHeaders.stdout, ['NO_HEADERS\thello']);
  });

  it('kcat → console consumer and console producer → kcat, record by record', async () => {
    const topic = uniqueTopic('cross');
    await topics('--create', '--topic', topic, '--partitions', '3');
    const lines = Array.from({ length: 50 }, (_, i) => `key${i % 7}:value ${i} ✓`);
    await produce(topic, lines.join('\n') + '\n', '--property', 'parse.key=true', '--property', 'key.separator=:');
    const stored = await kcatAll(topic);
    assert.equal(stored.length, 50);
    assert.deepEqual(stored.map((r) => `${r.key}:${r.payload}`).sort(), [...lines].sort());
    // The Java client's murmur2 placement: one key, one partition.
    const partitionOf = new Map<string, number>();
    for (const r of stored) {
      if (partitionOf.has(r.key!)) assert.equal(partitionOf.get(r.key!), r.partition);
      partitionOf.set(r.key!, r.partition);
    }

    const other = uniqueTopic('fromkcat');
    const input = Array.from({ length: 20 }, (_, i) => `k${i}\tv${i}`).join('\n') + '\n';
    const k = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', other, '-p', '0', '-K', '\t'], { input });
    assert.equal(k.status, 0, k.stderr);
    const r = await consume('--topic', other, '--partition', '0', '--from-beginning', '--max-messages', '20', '--property', 'print.key=true', '--property', 'print.offset=true');
    assertLines(r.stdout, Array.from({ length: 20 }, (_, i) => `Offset:${i}\tk${i}\tv${i}`));
  });

  it('--compression-codec (gzip when given without a value), --sync, --request-required-acks, --producer-property', async () => {
    const topic = uniqueTopic('codec');
    await topics('--create', '--topic', topic);
    await produce(topic, 'a\nb\nc\n', '--compression-codec');
    await produce(topic, 'd\ne\n', '--compression-codec', 'lz4', '--sync', '--request-required-acks', '1');
    await produce(topic, 'f\n', '--producer-property', 'compression.type=zstd', '--producer-property', 'linger.ms=0');
    const batches = await fetchBatches(broker.port, topic);
    assert.equal(batches[0]!.compression, CODEC.gzip);
    assert.equal(batches[0]!.records, 3, 'lines sent together in one batch (linger 1000 ms)');
    assert.deepEqual(batches.slice(1).map((b) => b.compression), [CODEC.lz4, CODEC.lz4, CODEC.none], '--sync sends one at a time; --compression-codec overrides the producer property');
    assert.deepEqual((await kcatAll(topic)).map((r) => r.payload), ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('a line the reader cannot parse stops the producer with Kafka\'s message after sending the lines before it', async () => {
    const topic = uniqueTopic('bad');
    await topics('--create', '--topic', topic);
    const r = await runTool('kafka-console-producer', [...bs(), '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=:'], { input: 'good:1\nbad\nnever:2\n' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "org.apache.kafka.common.KafkaException: No key separator found on line number 2: 'bad'\n");
    assert.deepEqual((await kcatAll(topic)).map((x) => [x.key, x.payload]), [['good', '1']]);
    const ignored = await runTool('kafka-console-producer', [...bs(), '--topic', topic, '--property', 'parse.key=true', '--property', 'ignore.error=true'], { input: 'no separator\n' });
    assert.equal(ignored.status, 0);
    assert.deepEqual((await kcatAll(topic)).map((x) => [x.key, x.payload]), [['good', '1'], [null, 'no separator']]);
  });

  it('the ">" prompt appears on a terminal only, once per line read and once more at the end', async () => {
    const topic = uniqueTopic('tty');
    await topics('--create', '--topic', topic);
    const cmd = `bash ${toolPath('kafka-console-producer')} --bootstrap-server ${broker.bootstrap} --topic ${topic}`;
    const r = await run('script', ['-qec', cmd, '/dev/null'], { input: 'one\ntwo\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.replace(/[^>]/g, ''), '>>>');
    assert.deepEqual((await kcatAll(topic)).map((x) => x.payload), ['one', 'two']);
  });

  it('Ctrl-C: the consumer prints the count and exits; the producer sends what it read', async () => {
    const topic = uniqueTopic('sigint');
    await topics('--create', '--topic', topic);
    const producer = startTool('kafka-console-producer', [...bs(), '--topic', topic]);
    producer.proc.stdin!.write('first\nsecond\n');
    await waitFor('two records stored', async () => ((await kcatAll(topic)).length === 2 ? true : undefined));
    const consumer = startTool('kafka-console-consumer', [...bs(), '--topic', topic, '--partition', '0', '--from-beginning']);
    await consumer.waitFor(/first\nsecond\n/);
    producer.proc.stdin!.write('third\n');
    await consumer.waitFor(/third\n/);
    consumer.proc.kill('SIGINT');
    assert.equal(await consumer.exit(), 130);
    assert.equal(consumer.stderr(), 'Processed a total of 3 messages\n');
    producer.proc.kill('SIGINT');
    assert.equal(await producer.exit(), 130);
    assert.equal(producer.stderr(), '');
    assert.deepEqual((await kcatAll(topic)).map((x) => x.payload), ['first', 'second', 'third']);
  });

  it("usage errors with Kafka's messages", async () => {
    const cases: [string[], string][] = [
      [['--partition', '0'], 'Exactly one of --include/--topic is required. '],
      [['--topic', 't', '--include', 'x'], 'Exactly one of --include/--topic is required. '],
      [['--include', 't.*', '--partition', '0'], 'The topic is required when partition is specified.'],
      [['--topic', 't', '--offset', '3'], 'The partition is required when offset is specified.'],
      [['--topic', 't', '--partition', '0', '--offset', '3', '--from-beginning'], 'Options from-beginning and offset cannot be specified together.'],
      [['--topic', 't', '--partition', '0', '--offset', 'middle'], "The provided offset value 'middle' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."],
      [['--topic', 't', '--partition', '0', '--group', 'g'], 'Options group and partition cannot be specified together.'],
      [['--topic', 't', '--group', 'a', '--consumer-property', 'group.id=b'], "The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: 'a', 'b'"],
      [['--topic', 't', '--formatter', 'com.example.Fancy'], 'com.example.Fancy'],
    ];
    for (const [args, message] of cases) {
      const r = await consume(...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stderr.split('\n')[0], message, args.join(' '));
      assert.equal(r.stderr.split('\n')[1], 'Option                                   Description                            ', args.join(' '));
    }
    const conflict = await consume('--topic', 't', '--from-beginning', '--consumer-property', 'auto.offset.reset=latest');
    assert.equal(conflict.status, 1);
    assert.equal(conflict.stderr, "Can't simultaneously specify --from-beginning and 'auto.offset.reset=latest', please remove one option\n");
    const noServer = await runTool('kafka-console-consumer', ['--topic', 't']);
    assert.equal(noServer.stderr.split('\n')[0], 'Missing required argument "[bootstrap-server]"');
    const producerNoServer = await runTool('kafka-console-producer', ['--topic', 't']);
    assert.equal(producerNoServer.stderr.split('\n')[0], 'Missing required option(s) [bootstrap-server]');
    const producerNoTopic = await runTool('kafka-console-producer', bs());
    assert.equal(producerNoTopic.stderr.split('\n')[0], 'Missing required argument "[topic]"');
    const badHost = await runTool('kafka-console-producer', ['--bootstrap-server', 'nohostport', '--topic', 't']);
    assert.equal(badHost.stderr.split('\n')[0], 'Please provide valid host:port like host1:9091,host2:9092');
    const help = await runTool('kafka-console-consumer', ['--help']);
    assert.equal(help.stderr.split('\n')[0], 'This tool helps to read data from Kafka topics and outputs it to standard output.');
  });
});
