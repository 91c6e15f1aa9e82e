// Compatibility with kcat (librdkafka 2.0.2, as Debian ships it), driving a
// Samsa broker process: metadata, produce (keys, headers, every codec, every
// acks), consume from beginning / end / an offset / a timestamp, topic
// auto-creation, the Java client's murmur2 placement of keyed records, and
// LogAppendTime.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startBrokerProcess, requireTool, run, BrokerProcess } from './harness.js';
import { createTopic, fetchBatches, uniqueTopic, waitFor, CODEC } from './compat-util.js';
import { partitionForKey } from '../../src/protocol/records/murmur2.js';

const NODE_ID = 3;
const DEFAULT_PARTITIONS = 2;

interface JsonMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  broker: number;
  headers?: (string | null)[];
  key: string | null;
  payload: string | null;
}

describe('kcat (librdkafka) against a Samsa broker process', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;

  async function kcat(args: string[], input?: string, timeoutMs = 60000): Promise<string> {
    const r = await run('kcat', ['-b', broker.bootstrap, ...args], { input, timeoutMs });
    assert.equal(r.status, 0, `kcat ${args.join(' ')} exited with ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r.stdout;
  }

  /** Everything in the topic, read from the beginning until every partition's end. */
  async function consumeJson(topic: string, extra: string[] = []): Promise<JsonMessage[]> {
    const out = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-J', ...extra]);
    return out
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as JsonMessage);
  }

  /** Consumes until `n` records have arrived (acks=0 gives no other signal that they are stored). */
  async function consumeAtLeast(topic: string, n: number): Promise<JsonMessage[]> {
    return waitFor(`${n} records in ${topic}`, async () => {
      const msgs = await consumeJson(topic);
      return msgs.length >= n ? msgs : undefined;
    });
  }

  const byPartitionOffset = (a: JsonMessage, b: JsonMessage) => a.partition - b.partition || a.offset - b.offset;

  before(async () => {
    requireTool('kcat');
    broker = await startBrokerProcess({
      overrides: {
        'node.id': String(NODE_ID),
        'auto.create.topics.enable': 'true',
        'num.partitions': String(DEFAULT_PARTITIONS),
      },
    });
  });

  after(async () => {
    await broker?.destroy();
  });

  it('lists metadata: the broker at the address dialed, topics with their partitions', async () => {
    const topic = uniqueTopic('kcat-meta');
    await createTopic(broker.port, topic, 3);
    const md = JSON.parse(await kcat(['-L', '-J']));
    assert.deepEqual(md.brokers, [{ id: NODE_ID, name: broker.bootstrap }]);
    assert.equal(md.controllerid, NODE_ID);
    const t = md.topics.find((x: any) => x.topic === topic);
    assert.ok(t, `topic ${topic} missing from ${JSON.stringify(md.topics)}`);
    assert.equal(t.error, undefined);
    assert.deepEqual(
      t.partitions.sort((a: any, b: any) => a.partition - b.partition),
      [0, 1, 2].map((p) => ({ partition: p, leader: NODE_ID, replicas: [{ id: NODE_ID }], isrs: [{ id: NODE_ID }] })),
    );

    const text = await kcat(['-L', '-t', topic]);
    assert.match(text, new RegExp(`broker ${NODE_ID} at ${broker.bootstrap.replace(/\./g, '\\.')} \\(controller\\)`));
    assert.match(text, new RegExp(`topic "${topic}" with 3 partitions:`));
    for (const p of [0, 1, 2]) assert.match(text, new RegExp(`partition ${p}, leader ${NODE_ID}, replicas: ${NODE_ID}, isrs: ${NODE_ID}`));
  });

  it('produces keys (-K) and headers (-H) and prints them back with -f and -J', async () => {
    const topic = uniqueTopic('kcat-kh');
    await createTopic(broker.port, topic, 1);
    const input = [
      ['k1', 'value one'],
      ['k2', 'välue twö ✓'],
      ['key with spaces', '{"json":true}'],
      ['k4', 'x'.repeat(5000)],
    ];
    const t0 = Date.now();
    await kcat(['-P', '-t', topic, '-K', '\t', '-H', 'h1=v1', '-H', 'trace=a=b', '-H', 'empty='], input.map(([k, v]) => `${k}\t${v}`).join('\n') + '\n');
    const t1 = Date.now();

    // Format string: key, value, headers, partition, offset, timestamp, and lengths.
    const out = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%k\\t%s\\t%h\\t%p\\t%o\\t%T\\t%K\\t%S\\n']);
    const lines = out.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, input.length);
    const timestamps: number[] = [];
    lines.forEach((line, i) => {
      const [k, v, h, p, o, ts, klen, vlen] = line.split('\t');
      assert.equal(k, input[i]![0]);
      assert.equal(v, input[i]![1]);
      assert.equal(h, 'h1=v1,trace=a=b,empty=');
      assert.equal(p, '0');
      assert.equal(o, String(i));
      assert.equal(Number(klen), Buffer.byteLength(input[i]![0]!));
      assert.equal(Number(vlen), Buffer.byteLength(input[i]![1]!));
      const t = Number(ts);
      assert.ok(t >= t0 - 1 && t <= t1 + 1, `timestamp ${t} outside [${t0}, ${t1}]`);
      timestamps.push(t);
    });

    // JSON envelope: same data, headers as name/value pairs, CreateTime.
    const msgs = await consumeJson(topic);
    assert.equal(msgs.length, input.length);
    msgs.forEach((m, i) => {
      assert.equal(m.key, input[i]![0]);
      assert.equal(m.payload, input[i]![1]);
      assert.deepEqual(m.headers, ['h1', 'v1', 'trace', 'a=b', 'empty', '']);
      assert.equal(m.partition, 0);
      assert.equal(m.offset, i);
      assert.equal(m.tstype, 'create');
      assert.equal(m.ts, timestamps[i]);
      assert.equal(m.broker, NODE_ID);
    });
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`produces with -z ${codec}: records round-trip, batches stored as sent`, async () => {
      const topic = uniqueTopic(`kcat-z-${codec}`);
      await createTopic(broker.port, topic, 1);
      const values = Array.from({ length: 300 }, (_, i) => `${codec} record ${i} ${'abcdefgh'.repeat(i % 20)}`);
      // -d msg makes librdkafka say when it declines to compress: it checks the broker's
      // ApiVersions first (gzip/snappy need Produce v2 and Fetch v2 in range, lz4 FindCoordinator v0,
      // zstd Produce v7 and Fetch v10) and silently sends uncompressed batches otherwise.
      const args = ['-b', broker.bootstrap, '-P', '-t', topic, '-K', ':', '-X', 'linger.ms=100', '-d', 'msg'];
      if (codec !== 'none') args.push('-z', codec);
      const produced = await run('kcat', args, { input: values.map((v, i) => `key-${i}:${v}`).join('\n') + '\n' });
      assert.equal(produced.status, 0, produced.stderr);
      const declined = /Broker does not support compression type.*/.exec(produced.stderr);
      assert.equal(declined, null, `librdkafka declined to compress: ${declined?.[0]}`);
      const msgs = await consumeJson(topic);
      assert.equal(msgs.length, values.length);
      msgs.forEach((m, i) => {
        assert.equal(m.offset, i);
        assert.equal(m.key, `key-${i}`);
        assert.equal(m.payload, values[i]);
      });
      const batches = await fetchBatches(broker.port, topic);
      assert.equal(batches.reduce((n, b) => n + b.records, 0), values.length);
      assert.ok(batches.some((b) => b.records > 1), 'expected kcat to batch several records together');
      for (const b of batches) assert.equal(b.compression, CODEC[codec], `batch at ${b.baseOffset} has codec ${b.compression}`);
    });
  }

  for (const [sent, topicCodec] of [
    ['none', 'gzip'],
    ['zstd', 'snappy'],
    ['none', 'lz4'],
    ['gzip', 'zstd'],
  ] as const) {
    it(`re-compresses ${sent} batches for a topic with compression.type=${topicCodec}`, async () => {
      const topic = uniqueTopic(`kcat-rz-${topicCodec}`);
      await createTopic(broker.port, topic, 1, { 'compression.type': topicCodec });
      const values = Array.from({ length: 100 }, (_, i) => `recompressed ${i} ${'0123456789'.repeat(1 + (i % 10))}`);
      const args = ['-P', '-t', topic, '-K', ':', '-H', 'h=1', '-X', 'linger.ms=100'];
      if (sent !== 'none') args.push('-z', sent);
      await kcat(args, values.map((v, i) => `k${i}:${v}`).join('\n') + '\n');
      const msgs = await consumeJson(topic);
      assert.deepEqual(
        msgs.map((m) => [m.offset, m.key, m.payload, m.headers]),
        values.map((v, i) => [i, `k${i}`, v, ['h', '1']]),
      );
      const batches = await fetchBatches(broker.port, topic);
      assert.equal(batches.reduce((n, b) => n + b.records, 0), values.length);
      for (const b of batches) assert.equal(b.compression, CODEC[topicCodec], `batch at ${b.baseOffset}`);
    });
  }

  for (const acks of ['0', '1', 'all']) {
    it(`produces with acks=${acks}`, async () => {
      const topic = uniqueTopic(`kcat-acks${acks}`);
      await createTopic(broker.port, topic, 1);
      const values = Array.from({ length: 100 }, (_, i) => `acks ${acks} #${i}`);
      await kcat(['-P', '-t', topic, '-X', `acks=${acks}`], values.join('\n') + '\n');
      const msgs = await consumeAtLeast(topic, values.length);
      assert.deepEqual(
        msgs.map((m) => [m.offset, m.payload]),
        values.map((v, i) => [i, v]),
      );
      // The long name of the same setting, as librdkafka documents it.
      const topic2 = uniqueTopic(`kcat-rra${acks}`);
      await createTopic(broker.port, topic2, 1);
      await kcat(['-P', '-t', topic2, '-X', `request.required.acks=${acks === 'all' ? '-1' : acks}`], values.join('\n') + '\n');
      const msgs2 = await consumeAtLeast(topic2, values.length);
      assert.deepEqual(
        msgs2.map((m) => m.payload),
        values,
      );
    });
  }

  it('consumes from beginning, a given offset, relative to the end, and from the end', async () => {
    const topic = uniqueTopic('kcat-offsets');
    await createTopic(broker.port, topic, 1);
    const values = Array.from({ length: 10 }, (_, i) => `v${i}`);
    await kcat(['-P', '-t', topic], values.join('\n') + '\n');

    const fmt = ['-f', '%o %s\\n'];
    const read = async (offset: string) =>
      (await kcat(['-C', '-t', topic, '-p', '0', '-o', offset, '-e', ...fmt])).split('\n').filter((l) => l !== '');
    assert.deepEqual(await read('beginning'), values.map((v, i) => `${i} ${v}`));
    assert.deepEqual(await read('4'), values.slice(4).map((v, i) => `${i + 4} ${v}`));
    assert.deepEqual(await read('9'), ['9 v9']);
    assert.deepEqual(await read('-3'), values.slice(7).map((v, i) => `${i + 7} ${v}`));
    assert.deepEqual(await read('end'), []);

    // -o end on a live consumer: it sees only records produced after it started.
    const consumer = spawn('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'end', '-u', ...fmt], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    consumer.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    try {
      let probe = 0;
      // Produce probes until the consumer prints one: then it is positioned and fetching.
      await waitFor(
        'the -o end consumer to see a probe',
        async () => {
          if (seen.includes('probe-')) return true;
          await kcat(['-P', '-t', topic], `probe-${probe++}\n`);
          return undefined;
        },
        30000,
        200,
      );
      await kcat(['-P', '-t', topic], 'after-a\nafter-b\n');
      await waitFor('after-b', () => (seen.includes('after-b') ? true : undefined));
    } finally {
      consumer.kill('SIGKILL');
    }
    const lines = seen.split('\n').filter((l) => l !== '');
    for (const v of values) assert.ok(!lines.some((l) => l.endsWith(` ${v}`)), `-o end consumer printed old record ${v}: ${seen}`);
    const offsets = lines.map((l) => Number(l.split(' ')[0]));
    assert.ok(offsets[0]! >= 10, `first offset ${offsets[0]}`);
    offsets.forEach((o, i) => assert.equal(o, offsets[0]! + i, `offsets not consecutive: ${seen}`));
    assert.deepEqual(lines.slice(-2).map((l) => l.split(' ')[1]), ['after-a', 'after-b']);
  });

  it('consumes from a timestamp (-o s@ms) and queries offsets by timestamp (-Q)', async () => {
    const topic = uniqueTopic('kcat-ts');
    await createTopic(broker.port, topic, 1);
    // Three separate producer runs, each after the clock has passed the previous run's timestamps.
    let last = 0;
    for (let round = 0; round < 3; round++) {
      await waitFor('the clock to advance', () => (Date.now() > last ? true : undefined));
      await kcat(['-P', '-t', topic], Array.from({ length: 5 }, (_, i) => `r${round}-${i}`).join('\n') + '\n');
      const all = await consumeJson(topic);
      last = Math.max(...all.map((m) => m.ts));
    }
    const all = await consumeJson(topic);
    assert.equal(all.length, 15);
    for (let i = 1; i < all.length; i++) assert.ok(all[i]!.ts >= all[i - 1]!.ts);

    const round2 = all.find((m) => m.payload === 'r1-0')!;
    const round3 = all.find((m) => m.payload === 'r2-0')!;
    for (const target of [all[0]!.ts - 1000, round2.ts, round2.ts - 1, round3.ts, all[14]!.ts]) {
      const expected = all.filter((m) => m.offset >= all.find((x) => x.ts >= target)!.offset);
      const out = await kcat(['-C', '-t', topic, '-p', '0', '-o', `s@${target}`, '-e', '-f', '%o %s %T\\n']);
      assert.deepEqual(
        out.split('\n').filter((l) => l !== ''),
        expected.map((m) => `${m.offset} ${m.payload} ${m.ts}`),
        `s@${target}`,
      );
      const q = await kcat(['-Q', '-t', `${topic}:0:${target}`]);
      assert.match(q, new RegExp(`${topic} \\[0\\] offset ${expected[0]!.offset}\\b`));
    }
    // After the newest timestamp there is no such offset: nothing to read.
    const none = await kcat(['-C', '-t', topic, '-p', '0', '-o', `s@${all[14]!.ts + 60_000}`, '-e', '-f', '%o %s\\n']);
    assert.equal(none.trim(), '');
  });

  it('auto-creates a topic on first produce and on a metadata request (auto.create.topics.enable=true)', async () => {
    const topic = uniqueTopic('kcat-auto');
    await kcat(['-P', '-t', topic], 'first\nsecond\n');
    const md = JSON.parse(await kcat(['-L', '-J', '-t', topic]));
    assert.equal(md.topics.length, 1);
    assert.equal(md.topics[0].topic, topic);
    assert.equal(md.topics[0].error, undefined);
    assert.equal(md.topics[0].partitions.length, DEFAULT_PARTITIONS);
    const msgs = await consumeJson(topic);
    assert.deepEqual(msgs.map((m) => m.payload).sort(), ['first', 'second']);

    const viaMetadata = uniqueTopic('kcat-auto-md');
    const md2 = JSON.parse(await kcat(['-L', '-J', '-t', viaMetadata]));
    assert.equal(md2.topics[0].topic, viaMetadata);
    assert.equal(md2.topics[0].partitions.length, DEFAULT_PARTITIONS);
    const all = JSON.parse(await kcat(['-L', '-J']));
    assert.ok(all.topics.some((t: any) => t.topic === viaMetadata));
  });

  it('does not auto-create topics when auto.create.topics.enable=false', async () => {
    const other = await startBrokerProcess({ overrides: { 'auto.create.topics.enable': 'false' } });
    try {
      const topic = uniqueTopic('kcat-noauto');
      const r = await run('kcat', ['-b', other.bootstrap, '-P', '-t', topic, '-X', 'message.timeout.ms=3000'], { input: 'lost\n' });
      assert.notEqual(r.status, 0, `produce to a missing topic succeeded: ${r.stderr}`);
      assert.match(r.stderr, /Delivery failed|Unknown topic|timed out/i);
      const md = await run('kcat', ['-b', other.bootstrap, '-L', '-J', '-t', topic]);
      assert.equal(md.status, 0, md.stderr);
      const t = JSON.parse(md.stdout).topics[0];
      assert.equal(t.topic, topic);
      assert.match(t.error, /Unknown topic or partition/);
      assert.deepEqual(t.partitions, []);
      const all = JSON.parse((await run('kcat', ['-b', other.bootstrap, '-L', '-J'])).stdout);
      assert.deepEqual(all.topics, []);
    } finally {
      await other.destroy();
    }
  });

  it("places keyed records where the Java client's murmur2 partitioner does", async () => {
    const topic = uniqueTopic('kcat-murmur');
    const partitions = 7;
    await createTopic(broker.port, topic, partitions);
    const keys = Array.from({ length: 80 }, (_, i) => (i % 5 === 0 ? `ключ-${i}` : `user-${i * 7919}`));
    // Two separate producer runs: the same key must land in the same partition every time.
    for (const round of [1, 2]) {
      await kcat(['-P', '-t', topic, '-K', '\t', '-X', 'partitioner=murmur2_random'], keys.map((k) => `${k}\trun${round}`).join('\n') + '\n');
    }
    const msgs = await consumeJson(topic);
    assert.equal(msgs.length, keys.length * 2);
    const placed = new Map<string, Set<number>>();
    for (const m of msgs) {
      if (!placed.has(m.key!)) placed.set(m.key!, new Set());
      placed.get(m.key!)!.add(m.partition);
    }
    for (const k of keys) {
      const expected = partitionForKey(Buffer.from(k, 'utf8'), partitions);
      assert.deepEqual([...placed.get(k)!], [expected], `key ${k}`);
    }
    const used = new Set(msgs.map((m) => m.partition));
    assert.ok(used.size > 1, 'keys should spread over partitions');
    // Within each partition the two runs come in production order.
    for (const p of used) {
      const inP = msgs.filter((m) => m.partition === p).sort(byPartitionOffset);
      const firstRun2 = inP.findIndex((m) => m.payload === 'run2');
      assert.ok(inP.slice(firstRun2).every((m) => m.payload === 'run2'));
    }
  });

  it('serves LogAppendTime when the topic has message.timestamp.type=LogAppendTime', async () => {
    const topic = uniqueTopic('kcat-lat');
    await createTopic(broker.port, topic, 1, { 'message.timestamp.type': 'LogAppendTime' });
    const t0 = Date.now();
    // Values long enough to compress (librdkafka sends a batch uncompressed when that is smaller).
    const values = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => c.repeat(200));
    await kcat(['-P', '-t', topic, '-X', 'linger.ms=50'], values.slice(0, 3).join('\n') + '\n');
    await kcat(['-P', '-t', topic, '-z', 'zstd', '-X', 'linger.ms=50'], values.slice(3).join('\n') + '\n');
    const t1 = Date.now();
    const msgs = await consumeJson(topic);
    assert.deepEqual(msgs.map((m) => m.payload), values);
    for (const m of msgs) {
      assert.equal(m.tstype, 'logappend', `offset ${m.offset}`);
      assert.ok(m.ts >= t0 && m.ts <= t1, `LogAppendTime ${m.ts} outside [${t0}, ${t1}]`);
    }
    const batches = await fetchBatches(broker.port, topic);
    assert.ok(batches.length >= 2);
    for (const b of batches) {
      assert.equal(b.logAppendTime, true);
      // Every record of a LogAppendTime batch has the batch's time.
      const ofBatch = msgs.filter((m) => m.offset >= b.baseOffset && m.offset <= b.lastOffset);
      for (const m of ofBatch) assert.equal(m.ts, b.maxTimestamp);
    }
    assert.ok(batches.some((b) => b.compression === CODEC.zstd), 'the zstd batch stays zstd');
  });
});
