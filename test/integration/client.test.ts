// The Samsa client against a Samsa broker process, cross-checked record by
// record with third-party clients: what our producer writes, kcat (librdkafka)
// and confluent-kafka-python read back with the same keys, values, headers,
// timestamps and partitions; what they write, our consumer reads back the
// same. Plus admin calls, producer limits and errors, auto-creation, a broker
// restart under a running producer, and a process that exits by itself after
// close() (no leaked sockets or timers).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startBrokerProcess, requireTool, run, BrokerProcess, REPO } from './harness.js';
import { pythonJson, uniqueTopic } from './compat-util.js';
import { Producer, Consumer, Admin, RecordTooLargeError, KafkaError, AdminOperationError, ConsumerRecord } from '../../src/index.js';
import { partitionForKey } from '../../src/protocol/records/murmur2.js';

const PARTITIONS = 3;

interface Row {
  key: string | null;
  value: string;
  headers: [string, string][];
  timestamp: number;
  partition: number;
}

/** The records our tests write: keys (and none), headers (several, repeated, none), explicit timestamps and partitions. */
function sampleRows(n: number): (Row & { explicit: boolean })[] {
  const rows: (Row & { explicit: boolean })[] = [];
  const base = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    const key = i % 5 === 0 ? null : `key-${i % 17}`;
    const headers: [string, string][] = i % 3 === 0 ? [] : i % 3 === 1 ? [['h1', `v${i}`]] : [['a', 'x'], ['b', `y${i}`]];
    const explicit = i % 7 === 0;
    rows.push({ key, value: `value-${i}-${'z'.repeat(i % 50)}`, headers, timestamp: base + i * 1000, partition: explicit ? i % PARTITIONS : -1, explicit });
  }
  return rows;
}

const sortRows = (rows: Row[]) => [...rows].sort((a, b) => a.partition - b.partition || a.timestamp - b.timestamp);

describe('Samsa client against a Samsa broker process', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  let admin: Admin;

  before(async () => {
    requireTool('kcat');
    requireTool('confluent-kafka');
    broker = await startBrokerProcess({ overrides: { 'num.partitions': String(PARTITIONS), 'auto.create.topics.enable': 'true' } });
    admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
  });

  after(async () => {
    await admin?.close();
    await broker?.destroy();
  });

  async function produceRows(topic: string, rows: (Row & { explicit: boolean })[], config: Record<string, unknown> = {}): Promise<Row[]> {
    const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'linger.ms': 5, ...config });
    try {
      const metas = await Promise.all(
        rows.map((r) =>
          producer.send({
            topic,
            key: r.key,
            value: r.value,
            headers: r.headers.map(([key, value]) => ({ key, value })),
            timestamp: r.timestamp,
            partition: r.explicit ? r.partition : undefined,
          }),
        ),
      );
      return rows.map((r, i) => {
        const m = metas[i]!;
        assert.equal(m.topic, topic);
        if (r.explicit) assert.equal(m.partition, r.partition);
        else if (r.key !== null) assert.equal(m.partition, partitionForKey(Buffer.from(r.key), PARTITIONS), `murmur2 placement of ${r.key}`);
        assert.equal(m.timestamp, r.timestamp);
        return { key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, partition: m.partition };
      });
    } finally {
      await producer.close();
    }
  }

  async function kcatRows(topic: string): Promise<Row[]> {
    const r = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-e', '-o', 'beginning', '-f', '%k|%s|%h|%T|%p\\n'], { timeoutMs: 60000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [k, s, h, t, p] = l.split('|');
        return {
          key: k === '' ? null : k!,
          value: s!,
          headers: h === '' ? [] : h!.split(',').map((kv) => kv.split('=') as [string, string]),
          timestamp: Number(t),
          partition: Number(p),
        };
      });
  }

  const CONFLUENT_CONSUME = `
import json, sys
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
p = json.loads(sys.argv[1])
c = Consumer({'bootstrap.servers': p['bootstrap'], 'group.id': 'x', 'enable.auto.commit': False, 'enable.partition.eof': True})
c.assign([TopicPartition(p['topic'], i, OFFSET_BEGINNING) for i in range(p['partitions'])])
out, eof = [], set()
while len(eof) < p['partitions']:
    m = c.poll(10)
    if m is None: break
    if m.error():
        if m.error().code() == -191: eof.add(m.partition()); continue
        raise Exception(str(m.error()))
    eof.discard(m.partition())
    out.append({'key': m.key().decode() if m.key() is not None else None, 'value': m.value().decode(),
                'headers': [[k, v.decode()] for k, v in (m.headers() or [])], 'timestamp': m.timestamp()[1], 'partition': m.partition()})
c.close()
print(json.dumps(out))
`;

  const CONFLUENT_PRODUCE = `
import json, sys
from confluent_kafka import Producer
p = json.loads(sys.argv[1])
pr = Producer({'bootstrap.servers': p['bootstrap'], 'partitioner': 'murmur2_random', 'linger.ms': 5})
for r in p['rows']:
    kw = {'value': r['value'], 'timestamp': r['timestamp'], 'headers': [(k, v) for k, v in r['headers']]}
    if r['key'] is not None: kw['key'] = r['key']
    if r['explicit']: kw['partition'] = r['partition']
    pr.produce(p['topic'], **kw)
pr.flush(30)
print(json.dumps({'ok': True}))
`;

  async function ourRows(topic: string, expected: number): Promise<Row[]> {
    const consumer = new Consumer({ 'bootstrap.servers': broker.bootstrap, 'auto.offset.reset': 'earliest' });
    try {
      consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
      const got: ConsumerRecord[] = [];
      const deadline = Date.now() + 30000;
      while (got.length < expected && Date.now() < deadline) got.push(...(await consumer.poll(1000)));
      assert.equal(got.length, expected);
      // Offsets increase per partition, as written.
      for (let p = 0; p < PARTITIONS; p++) {
        const offs = got.filter((r) => r.partition === p).map((r) => r.offset);
        assert.deepEqual(offs, offs.map((_, i) => i));
      }
      return got.map((r) => ({
        key: r.key === null ? null : r.key.toString(),
        value: r.value!.toString(),
        headers: r.headers.map((h) => [h.key, h.value!.toString()] as [string, string]),
        timestamp: r.timestamp,
        partition: r.partition,
      }));
    } finally {
      await consumer.close();
    }
  }

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`produce with our client (compression ${codec}), read back identically by kcat and confluent-kafka-python`, async () => {
      const topic = uniqueTopic(`client-${codec}`);
      await admin.createTopics([{ name: topic, numPartitions: PARTITIONS }]);
      const written = await produceRows(topic, sampleRows(300), { 'compression.type': codec });
      const byKcat = await kcatRows(topic);
      assert.deepEqual(sortRows(byKcat), sortRows(written));
      const byConfluent = await pythonJson<Row[]>(CONFLUENT_CONSUME, [JSON.stringify({ bootstrap: broker.bootstrap, topic, partitions: PARTITIONS })]);
      assert.deepEqual(sortRows(byConfluent), sortRows(written));
    });
  }

  it('produce with confluent-kafka-python (murmur2 partitioner) and kcat, consume with our client', async () => {
    const topic = uniqueTopic('client-from-confluent');
    await admin.createTopics([{ name: topic, numPartitions: PARTITIONS }]);
    const rows = sampleRows(200);
    await pythonJson(CONFLUENT_PRODUCE, [JSON.stringify({ bootstrap: broker.bootstrap, topic, rows })]);
    const got = await ourRows(topic, rows.length);
    const expected = rows.map((r) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
      partition: r.explicit ? r.partition : r.key !== null ? partitionForKey(Buffer.from(r.key), PARTITIONS) : -1,
    }));
    // Unkeyed records without a partition go wherever librdkafka chose: take that from what we read.
    const unplaced = new Map(got.map((g) => [g.value, g.partition]));
    for (const e of expected) if (e.partition === -1) e.partition = unplaced.get(e.value)!;
    assert.deepEqual(sortRows(got), sortRows(expected));

    const topic2 = uniqueTopic('client-from-kcat');
    await admin.createTopics([{ name: topic2, numPartitions: PARTITIONS }]);
    const lines = Array.from({ length: 50 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
    const r = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', topic2, '-p', '1', '-K', ':', '-H', 'src=kcat', '-H', 'n=1'], { input: lines });
    assert.equal(r.status, 0, r.stderr);
    const fromKcat = await ourRows(topic2, 50);
    assert.deepEqual(
      fromKcat.map((x) => [x.key, x.value, x.partition, x.headers]),
      Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`, 1, [['src', 'kcat'], ['n', '1']]]),
    );
    const viaKcat = await kcatRows(topic2);
    assert.deepEqual(fromKcat.map((x) => x.timestamp), viaKcat.map((x) => x.timestamp));
  });

  it('acks 0, 1 and all; max.request.size refuses one record with a clear error and the producer keeps working', async () => {
    const topic = uniqueTopic('client-acks');
    await admin.createTopics([{ name: topic, numPartitions: 1 }]);
    for (const acks of [0, 1, 'all'] as const) {
      const producer = new Producer({ bootstrapServers: broker.bootstrap, acks, 'max.request.size': 10000 });
      const m = await producer.send({ topic, value: `acks-${acks}` });
      assert.equal(m.offset >= 0, acks !== 0, `offset ${m.offset} with acks=${acks}`);
      await assert.rejects(producer.send({ topic, value: Buffer.alloc(20000) }), (e: unknown) => {
        assert.ok(e instanceof RecordTooLargeError);
        assert.equal(e.errorName, 'MESSAGE_TOO_LARGE');
        assert.equal(e.code, 10);
        assert.match(e.message, /max\.request\.size/);
        return true;
      });
      await producer.send({ topic, value: `after-${acks}` });
      await producer.close();
    }
    const end = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]);
    assert.equal(end[0]!.offset, 6);
  });

  it('admin: create with configs, describe, alter, partitions, offsets, delete records, cluster, log dirs; errors carry Kafka names', async () => {
    const topic = uniqueTopic('client-admin');
    const created = await admin.createTopics([{ name: topic, numPartitions: 2, configs: { 'retention.ms': 3600000, 'cleanup.policy': 'delete' } }]);
    assert.equal(created[0]!.numPartitions, 2);
    await assert.rejects(admin.createTopics([{ name: topic, numPartitions: 2 }]), (e: unknown) => {
      assert.ok(e instanceof AdminOperationError);
      assert.equal(e.errorName, 'TOPIC_ALREADY_EXISTS');
      assert.equal(e.code, 36);
      assert.equal(e.retriable, false);
      return true;
    });
    assert.ok((await admin.listTopics()).includes(topic));
    const [desc] = await admin.describeTopics([topic]);
    assert.equal(desc!.partitions.length, 2);
    const [cfg] = await admin.describeConfigs([{ type: 'topic', name: topic, keys: ['retention.ms'] }]);
    assert.deepEqual(cfg!.configs.map((c) => [c.name, c.value, c.source]), [['retention.ms', '3600000', 'DYNAMIC_TOPIC_CONFIG']]);
    await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, configs: [{ name: 'retention.ms', op: 'delete' }] }]);
    const [cfg2] = await admin.describeConfigs([{ type: 'topic', name: topic, keys: ['retention.ms'] }]);
    assert.equal(cfg2!.configs[0]!.isDefault, true);
    await admin.createPartitions([{ topic, count: 4 }]);
    assert.equal((await admin.describeTopics([topic]))[0]!.partitions.length, 4);
    const producer = new Producer({ bootstrapServers: broker.bootstrap });
    for (let i = 0; i < 10; i++) await producer.send({ topic, partition: 0, value: `r${i}`, timestamp: 5000 + i * 10 });
    await producer.close();
    const offs = await admin.listOffsets([
      { topic, partition: 0, spec: 'earliest' },
      { topic, partition: 0, spec: 'latest' },
      { topic, partition: 0, spec: 5035 },
    ]);
    assert.deepEqual(offs.map((o) => o.offset), [0, 10, 4]);
    assert.deepEqual(await admin.deleteRecords([{ topic, partition: 0, offset: 3 }]), [{ topic, partition: 0, lowWatermark: 3 }]);
    assert.equal((await admin.listOffsets([{ topic, partition: 0, spec: 'earliest' }]))[0]!.offset, 3);
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.equal(cluster.brokers[0]!.port, broker.port);
    const dirs = await admin.describeLogDirs();
    assert.ok(dirs[0]!.partitions.some((p) => p.topic === topic && p.partition === 0 && p.size > 0));
    await assert.rejects(admin.describeTopics(['no-such-topic-here']), (e: unknown) => e instanceof KafkaError && e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
    await admin.deleteTopics([topic]);
    assert.ok(!(await admin.listTopics()).includes(topic));
  });

  it('sends to a topic that does not exist yet (auto-creation: metadata retried, not failed)', async () => {
    const topic = uniqueTopic('client-auto');
    const producer = new Producer({ bootstrapServers: broker.bootstrap });
    const metas = await Promise.all([0, 1, 2, 3].map((i) => producer.send({ topic, key: `k${i}`, value: `v${i}` })));
    assert.ok(metas.every((m) => m.offset >= 0));
    await producer.close();
  });

  it('keeps producing across a broker restart (reconnect with backoff, retries)', async () => {
    const topic = uniqueTopic('client-restart');
    await admin.createTopics([{ name: topic, numPartitions: 1 }]);
    const producer = new Producer({ bootstrapServers: broker.bootstrap, 'retry.backoff.ms': 50 });
    await producer.send({ topic, value: 'before' });
    await broker.restart();
    const after = await Promise.all([1, 2, 3].map((i) => producer.send({ topic, value: `after-${i}` })));
    assert.deepEqual(after.map((m) => m.offset), [1, 2, 3]);
    await producer.close();
  });

  it('a process using producer, consumer and admin exits by itself after close() (no leaked sockets or timers)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'samsa-client-exit-'));
    try {
      const script = path.join(dir, 'exit.mjs');
      writeFileSync(
        script,
        `import { Producer, Consumer, Admin } from ${JSON.stringify(path.join(REPO, 'dist/src/index.js'))};
const bootstrap = process.argv[2];
const admin = new Admin({ bootstrapServers: bootstrap });
const topic = 'exit-' + process.pid;
await admin.createTopics([{ name: topic, numPartitions: 2 }]);
const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 20 });
await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic, value: 'v' + i })));
const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest' });
consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
let n = 0;
while (n < 100) n += (await consumer.poll(2000)).length;
await Promise.all([producer.close(), consumer.close(), admin.close()]);
console.log('closed ' + n);
`,
      );
      const t0 = Date.now();
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
          reject(new Error(`the process did not exit within 20 s of starting; output:\n${out}`));
        }, 20000);
        child.on('exit', (c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
      assert.equal(code, 0, out);
      assert.match(out, /closed 100/);
      // Nothing may keep the event loop alive after close(): the exit follows at once.
      const lingered = Date.now() - closedAt;
      assert.ok(lingered < 1500, `the process lived ${lingered} ms after close()`);
      assert.ok(Date.now() - t0 < 20000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
