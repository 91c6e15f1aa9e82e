// KafkaJS 2.2.4, a client we did not write, against a Samsa broker process:
// topic administration, configs, offsets, and producing with every acks
// setting, gzip, keys, headers and timestamps. What KafkaJS produced is read
// back record by record with kcat (librdkafka) and with raw Fetch requests
// decoded by our batch decoder. KafkaJS's consumer needs consumer groups; its
// test runs once the broker advertises the group APIs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import type { Admin, Producer, IHeaders } from 'kafkajs';
import { startBrokerProcess, requireTool, run, type BrokerProcess } from './harness.js';
import { RawClient } from './raw-client.js';
import { fetchAll, waitFor, type FetchedRecord } from './roundtrip.js';
import { partitionForKey } from '../../src/protocol/records/murmur2.js';

const { Kafka, logLevel, CompressionTypes, Partitioners, ConfigResourceTypes } = kafkajs;

// Kafka's DescribeConfigs config sources.
const TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;

let broker: BrokerProcess;
let kafka: InstanceType<typeof Kafka>;
let admin: Admin;
let raw: RawClient;
const producers: Producer[] = [];

before(async () => {
  requireTool('kcat');
  broker = await startBrokerProcess({
    overrides: { 'num.partitions': '2', 'log.retention.hours': '100', 'log.segment.bytes': '2097152' },
  });
  kafka = new Kafka({
    clientId: 'samsa-kafkajs-test',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100 },
  });
  admin = kafka.admin();
  await admin.connect();
  raw = await RawClient.connect(broker.port);
});

after(async () => {
  for (const p of producers) await p.disconnect().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  raw?.close();
  await broker?.destroy();
});

async function newProducer(): Promise<Producer> {
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await p.connect();
  producers.push(p);
  return p;
}

function entry(resource: { configEntries: any[] }, name: string) {
  const e = resource.configEntries.find((c) => c.configName === name);
  assert.ok(e, `config ${name} not described`);
  return e;
}

function synonyms(e: any): [string, string | null, number][] {
  return e.configSynonyms.map((s: any) => [s.configName, s.configValue, s.configSource]);
}

async function describeTopic(name: string) {
  const res = await admin.describeConfigs({
    includeSynonyms: true,
    resources: [{ type: ConfigResourceTypes.TOPIC, name }],
  });
  assert.equal(res.resources.length, 1);
  assert.equal(res.resources[0]!.errorCode, 0);
  return res.resources[0]!;
}

test('createTopics with partitions and configs, listTopics, fetchTopicMetadata', async () => {
  const created = await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: 'kjs-admin',
        numPartitions: 3,
        replicationFactor: 1,
        configEntries: [
          { name: 'retention.ms', value: '3600000' },
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'max.message.bytes', value: '200000' },
          { name: 'segment.bytes', value: '1048576' },
        ],
      },
      { topic: 'kjs-default', replicationFactor: 1 },
    ],
  });
  assert.equal(created, true);
  // A second attempt reports that the topic already exists (KafkaJS resolves false).
  assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-admin', numPartitions: 3 }] }), false);

  const topics = await admin.listTopics();
  assert.ok(topics.includes('kjs-admin'), `listTopics: ${topics}`);
  assert.ok(topics.includes('kjs-default'));

  const md = await admin.fetchTopicMetadata({ topics: ['kjs-admin', 'kjs-default'] });
  const byName = new Map(md.topics.map((t) => [t.name, t]));
  const t = byName.get('kjs-admin')!;
  assert.deepEqual(
    t.partitions.map((p) => p.partitionId).sort((a, b) => a - b),
    [0, 1, 2],
  );
  for (const p of t.partitions) {
    assert.equal(p.partitionErrorCode, 0);
    assert.equal(p.leader, 1);
    assert.deepEqual(p.replicas, [1]);
    assert.deepEqual(p.isr, [1]);
  }
  // No numPartitions: the broker's num.partitions (2 here).
  assert.equal(byName.get('kjs-default')!.partitions.length, 2);
});

// Kafka's ConfigHelper lists a topic key's broker synonyms only from the first one set under the
// key's own server name (dropWhile(name != serverConfigName)): retention.ms's server name is
// log.retention.ms, so a broker that only sets log.retention.hours reports retention.ms with no
// synonyms and DEFAULT_CONFIG as its source, though the value follows log.retention.hours.
test('describeConfigs on a topic: overrides, broker-level values and defaults, with synonyms', async () => {
  const r = await describeTopic('kjs-admin');
  const retention = entry(r, 'retention.ms');
  assert.equal(retention.configValue, '3600000');
  assert.equal(retention.configSource, TOPIC_CONFIG);
  assert.equal(retention.isDefault, false);
  assert.deepEqual(synonyms(retention), [['retention.ms', '3600000', TOPIC_CONFIG]]);
  const segment = entry(r, 'segment.bytes');
  assert.equal(segment.configValue, '1048576');
  assert.equal(segment.configSource, TOPIC_CONFIG);
  assert.deepEqual(synonyms(segment), [
    ['segment.bytes', '1048576', TOPIC_CONFIG],
    ['log.segment.bytes', '2097152', STATIC_BROKER_CONFIG],
    ['log.segment.bytes', '1073741824', DEFAULT_CONFIG],
  ]);
  assert.equal(entry(r, 'cleanup.policy').configValue, 'compact');
  assert.equal(entry(r, 'max.message.bytes').configValue, '200000');

  const d = await describeTopic('kjs-default');
  const dSegment = entry(d, 'segment.bytes');
  // Inherited from the broker's static log.segment.bytes.
  assert.equal(dSegment.configValue, '2097152');
  assert.equal(dSegment.configSource, STATIC_BROKER_CONFIG);
  assert.equal(dSegment.isDefault, false);
  assert.deepEqual(synonyms(dSegment), [
    ['log.segment.bytes', '2097152', STATIC_BROKER_CONFIG],
    ['log.segment.bytes', '1073741824', DEFAULT_CONFIG],
  ]);
  const dRetention = entry(d, 'retention.ms');
  assert.equal(dRetention.configValue, String(100 * 3600 * 1000));
  assert.equal(dRetention.configSource, DEFAULT_CONFIG);
  assert.deepEqual(synonyms(dRetention), []);
  const policy = entry(d, 'cleanup.policy');
  assert.equal(policy.configValue, 'delete');
  assert.equal(policy.configSource, DEFAULT_CONFIG);
  assert.equal(policy.isDefault, true);
  assert.deepEqual(synonyms(policy), [['log.cleanup.policy', 'delete', DEFAULT_CONFIG]]);
});

test('describeConfigs on the broker, with synonyms', async () => {
  const res = await admin.describeConfigs({
    includeSynonyms: true,
    resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }],
  });
  const r = res.resources[0]!;
  assert.equal(r.errorCode, 0);
  const np = entry(r, 'num.partitions');
  assert.equal(np.configValue, '2');
  assert.equal(np.configSource, STATIC_BROKER_CONFIG);
  assert.equal(np.isDefault, false);
  assert.deepEqual(synonyms(np), [
    ['num.partitions', '2', STATIC_BROKER_CONFIG],
    ['num.partitions', '1', DEFAULT_CONFIG],
  ]);
  const mmb = entry(r, 'message.max.bytes');
  assert.equal(mmb.configValue, '1048588');
  assert.equal(mmb.configSource, DEFAULT_CONFIG);
  assert.equal(mmb.isDefault, true);

  // Only the keys asked for, when configNames is given.
  const some = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['num.partitions', 'log.retention.hours'] }],
  });
  assert.deepEqual(
    some.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]).sort(),
    [
      ['log.retention.hours', '100'],
      ['num.partitions', '2'],
    ],
  );
});

test('alterConfigs replaces a topic\'s overrides (legacy AlterConfigs semantics) and sets dynamic broker configs', async () => {
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-admin', configEntries: [{ name: 'retention.ms', value: '7200000' }] }],
  });
  const r = await describeTopic('kjs-admin');
  assert.equal(entry(r, 'retention.ms').configValue, '7200000');
  assert.equal(entry(r, 'retention.ms').configSource, TOPIC_CONFIG);
  // Overrides not named in a (non-incremental) AlterConfigs are removed.
  const policy = entry(r, 'cleanup.policy');
  assert.equal(policy.configValue, 'delete');
  assert.equal(policy.isDefault, true);
  assert.equal(entry(r, 'max.message.bytes').configValue, '1048588');

  // validateOnly changes nothing.
  await admin.alterConfigs({
    validateOnly: true,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-admin', configEntries: [{ name: 'retention.ms', value: '1000' }] }],
  });
  assert.equal(entry(await describeTopic('kjs-admin'), 'retention.ms').configValue, '7200000');

  // An invalid value is refused with INVALID_CONFIG.
  await assert.rejects(
    admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-admin', configEntries: [{ name: 'cleanup.policy', value: 'shred' }] }],
    }),
    (e: any) => e.type === 'INVALID_CONFIG' || e.cause?.type === 'INVALID_CONFIG' || /INVALID_CONFIG|invalid/i.test(String(e.message)),
  );

  // A dynamic per-broker config: the broker reports it as DYNAMIC_BROKER_CONFIG, and topics
  // without an override inherit it ahead of the static log.retention.hours.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.retention.ms', value: '5400000' }] }],
  });
  const b = await admin.describeConfigs({
    includeSynonyms: true,
    resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['log.retention.ms'] }],
  });
  const lr = entry(b.resources[0]!, 'log.retention.ms');
  assert.equal(lr.configValue, '5400000');
  assert.equal(lr.configSource, DYNAMIC_BROKER_CONFIG);
  const d = entry(await describeTopic('kjs-default'), 'retention.ms');
  assert.equal(d.configValue, '5400000');
  assert.equal(d.configSource, DYNAMIC_BROKER_CONFIG);
  assert.deepEqual(synonyms(d), [
    ['log.retention.ms', '5400000', DYNAMIC_BROKER_CONFIG],
    ['log.retention.hours', '100', STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', DEFAULT_CONFIG],
  ]);
});

test('createPartitions grows a topic; asking for fewer is INVALID_PARTITIONS with Kafka\'s message', async () => {
  await admin.createPartitions({ topicPartitions: [{ topic: 'kjs-admin', count: 10 }] });
  const md = await admin.fetchTopicMetadata({ topics: ['kjs-admin'] });
  assert.equal(md.topics[0]!.partitions.length, 10);

  await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'kjs-admin', count: 1 }] }), (e: any) => {
    assert.equal(e.type, 'INVALID_PARTITIONS', String(e));
    return true;
  });
  // KafkaJS does not surface the broker's error message; read it with a raw CreatePartitions.
  const res = await raw.request(37, 1, {
    topics: [{ name: 'kjs-admin', count: 1, assignments: null }],
    timeoutMs: 10000,
    validateOnly: false,
  });
  assert.equal(res.results[0].errorCode, 37);
  assert.equal(res.results[0].errorMessage, 'Topic currently has 10 partitions, which is higher than the requested 1.');
  const after = await admin.fetchTopicMetadata({ topics: ['kjs-admin'] });
  assert.equal(after.topics[0]!.partitions.length, 10);
});

test('deleteTopics removes a topic', async () => {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'kjs-doomed', numPartitions: 2 }] });
  assert.ok((await admin.listTopics()).includes('kjs-doomed'));
  await admin.deleteTopics({ topics: ['kjs-doomed'] });
  assert.ok(!(await admin.listTopics()).includes('kjs-doomed'));
  // The name can be used again at once.
  assert.equal(await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'kjs-doomed', numPartitions: 1 }] }), true);
  const md = await admin.fetchTopicMetadata({ topics: ['kjs-doomed'] });
  assert.equal(md.topics[0]!.partitions.length, 1);
});

test('produce with acks 0, 1 and -1', async () => {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'kjs-acks', numPartitions: 1 }] });
  const producer = await newProducer();
  const expected: string[] = [];
  for (const acks of [1, -1, 0]) {
    const values = Array.from({ length: 20 }, (_, i) => `acks${acks}-${i}`);
    expected.push(...values);
    const meta = await producer.send({ topic: 'kjs-acks', acks, messages: values.map((v) => ({ value: v, partition: 0 })) });
    if (acks === 0) {
      assert.deepEqual(meta, []);
    } else {
      assert.equal(meta.length, 1);
      assert.equal(meta[0]!.errorCode, 0);
      assert.equal(meta[0]!.partition, 0);
      assert.equal(meta[0]!.baseOffset, String(expected.length - values.length));
    }
  }
  // acks=0 has no response: wait until its records are readable.
  const records = await waitFor('acks=0 records', async () => {
    const r = await fetchAll(raw, 'kjs-acks', 0);
    return r.length >= expected.length ? r : null;
  });
  assert.deepEqual(
    records.map((r) => r.value!.toString()),
    expected,
  );
  assert.deepEqual(
    records.map((r) => r.offset),
    expected.map((_, i) => i),
  );
});

interface Sent {
  key: string;
  value: string;
  headers: [string, string][];
  timestamp: number;
}

function makeMessages(prefix: string, n: number, baseTs: number): Sent[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${prefix}-key-${i % 17}`,
    value: `${prefix}-value-${i}-${'x'.repeat(i * 7)}`,
    headers: [
      ['trace', `t-${i}`],
      ['multi', 'a'],
      ['multi', `b${i}`],
      ['ünïcode', '✓'],
    ],
    timestamp: baseTs + i * 1000,
  }));
}

function toKafkaJs(m: Sent) {
  const headers: IHeaders = {};
  for (const [k, v] of m.headers) {
    const cur = headers[k];
    headers[k] = cur === undefined ? v : Array.isArray(cur) ? [...(cur as string[]), v] : [cur as string, v];
  }
  return { key: m.key, value: m.value, headers, timestamp: String(m.timestamp) };
}

/** Checks that what was read back is exactly what was sent, partition by partition, in order. */
function compareByPartition(sent: Sent[], got: { partition: number; key: string | null; value: string | null; headers: [string, string | null][]; timestamp: number }[], numPartitions: number, what: string): void {
  assert.equal(got.length, sent.length, `${what}: record count`);
  for (let p = 0; p < numPartitions; p++) {
    const want = sent.filter((m) => partitionForKey(Buffer.from(m.key), numPartitions) === p);
    const have = got.filter((r) => r.partition === p);
    assert.equal(have.length, want.length, `${what}: records in partition ${p}`);
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      const h = have[i]!;
      assert.equal(h.key, w.key, `${what}: key of record ${i} in partition ${p}`);
      assert.equal(h.value, w.value, `${what}: value of record ${i} in partition ${p}`);
      assert.deepEqual(h.headers, w.headers, `${what}: headers of record ${i} in partition ${p}`);
      assert.equal(h.timestamp, w.timestamp, `${what}: timestamp of record ${i} in partition ${p}`);
    }
  }
}

async function readWithRawFetch(topic: string, numPartitions: number): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = [];
  for (let p = 0; p < numPartitions; p++) out.push(...(await fetchAll(raw, topic, p)));
  return out;
}

async function readWithKcat(topic: string) {
  const res = await run('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-J'], { timeoutMs: 60000 });
  assert.equal(res.status, 0, res.stderr);
  return res.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const j = JSON.parse(l);
      const headers: [string, string | null][] = [];
      for (let i = 0; i < (j.headers ?? []).length; i += 2) headers.push([j.headers[i], j.headers[i + 1]]);
      return { partition: j.partition as number, offset: j.offset as number, key: j.key as string | null, value: j.payload as string | null, headers, timestamp: j.ts as number, tstype: j.tstype as string };
    })
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

for (const [label, compression] of [
  ['gzip', CompressionTypes.GZIP],
  ['uncompressed', CompressionTypes.None],
] as const) {
  test(`keyed records (${label}) land in the murmur2 partition and keep key, value, headers and timestamp`, async () => {
    const topic = `kjs-records-${label}`;
    const numPartitions = 4;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions }] });
    const producer = await newProducer();
    const baseTs = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    const sent = makeMessages(label, 60, baseTs);
    // Three sends, so that each partition gets several batches.
    for (let i = 0; i < sent.length; i += 20) {
      const meta = await producer.send({ topic, acks: -1, compression, messages: sent.slice(i, i + 20).map(toKafkaJs) });
      for (const m of meta) assert.equal(m.errorCode, 0);
    }

    const fetched = await readWithRawFetch(topic, numPartitions);
    for (const r of fetched) assert.equal(r.compression, compression, 'batches are stored as the producer sent them');
    compareByPartition(
      sent,
      fetched.map((r) => ({
        partition: r.partition,
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
        headers: r.headers.map((h) => [h.key, h.value?.toString() ?? null] as [string, string | null]),
        timestamp: r.timestamp,
      })),
      numPartitions,
      'raw fetch',
    );

    const viaKcat = await readWithKcat(topic);
    for (const r of viaKcat) assert.equal(r.tstype, 'create');
    compareByPartition(sent, viaKcat, numPartitions, 'kcat');
  });
}

test('records with null keys, binary values and explicit partitions', async () => {
  const topic = 'kjs-binary';
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  const producer = await newProducer();
  const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await producer.send({
    topic,
    acks: 1,
    compression: CompressionTypes.GZIP,
    messages: [
      { value: bin, partition: 2, headers: { raw: bin } },
      { key: null, value: null, partition: 2 },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), partition: 1 },
    ],
  });
  const p2 = await fetchAll(raw, topic, 2);
  assert.equal(p2.length, 2);
  assert.ok(p2[0]!.value!.equals(bin));
  assert.equal(p2[0]!.headers[0]!.key, 'raw');
  assert.ok(p2[0]!.headers[0]!.value!.equals(bin));
  assert.equal(p2[1]!.key, null);
  assert.equal(p2[1]!.value, null);
  const p1 = await fetchAll(raw, topic, 1);
  assert.equal(p1.length, 1);
  assert.equal(p1[0]!.key!.length, 0);
  assert.equal(p1[0]!.value!.length, 0);
  assert.equal((await fetchAll(raw, topic, 0)).length, 0);
});

test('fetchTopicOffsets and fetchTopicOffsetsByTimestamp', async () => {
  const topic = 'kjs-offsets';
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
  const empty = await admin.fetchTopicOffsets(topic);
  assert.deepEqual(
    empty.map((o) => [o.partition, o.low, o.high, o.offset]).sort(),
    [
      [0, '0', '0', '0'],
      [1, '0', '0', '0'],
    ],
  );

  const producer = await newProducer();
  const t0 = Date.UTC(2023, 5, 1);
  // Partition 0: ten records one second apart, in two batches (the second one gzip).
  for (const [from, compression] of [
    [0, CompressionTypes.None],
    [5, CompressionTypes.GZIP],
  ] as const) {
    await producer.send({
      topic,
      acks: -1,
      compression,
      messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${from + i}`, partition: 0, timestamp: String(t0 + (from + i) * 1000) })),
    });
  }
  const offsets = await admin.fetchTopicOffsets(topic);
  const byPartition = new Map(offsets.map((o) => [o.partition, o]));
  assert.deepEqual(byPartition.get(0), { partition: 0, offset: '10', high: '10', low: '0' });
  assert.deepEqual(byPartition.get(1), { partition: 1, offset: '0', high: '0', low: '0' });

  const at = async (ts: number) => new Map((await admin.fetchTopicOffsetsByTimestamp(topic, ts)).map((o) => [o.partition, o.offset]));
  // The first record whose timestamp is at or after the one asked for, inside a batch too.
  assert.equal((await at(t0 - 1)).get(0), '0');
  assert.equal((await at(t0)).get(0), '0');
  assert.equal((await at(t0 + 3500)).get(0), '4');
  assert.equal((await at(t0 + 5000)).get(0), '5');
  assert.equal((await at(t0 + 7001)).get(0), '8');
  assert.equal((await at(t0 + 9000)).get(0), '9');
  // Past the last record: the broker answers -1, which KafkaJS replaces with the high watermark.
  assert.equal((await at(t0 + 60000)).get(0), '10');
  assert.equal((await at(t0)).get(1), '0');
});

test('KafkaJS consumer reads back what KafkaJS produced (needs consumer groups)', async (t) => {
  const av = await raw.request(18, 3, { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1' });
  const keys = new Set<number>(av.apiKeys.map((k: any) => k.apiKey));
  const groupApis = [8, 9, 10, 11, 12, 13, 14];
  if (!groupApis.every((k) => keys.has(k))) {
    t.skip(`the broker does not serve the consumer-group APIs yet (missing ${groupApis.filter((k) => !keys.has(k)).join(', ')})`);
    return;
  }
  const topic = 'kjs-consume';
  const numPartitions = 3;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions }] });
  const producer = await newProducer();
  const sent = makeMessages('consume', 40, Date.UTC(2024, 3, 4));
  await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: sent.map(toKafkaJs) });

  const consumer = kafka.consumer({ groupId: 'kjs-consumer-test', sessionTimeout: 10000, heartbeatInterval: 500 });
  const got: { partition: number; offset: number; key: string | null; value: string | null; headers: [string, string | null][]; timestamp: number }[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: [string, string | null][] = [];
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one == null ? null : one.toString()]);
        }
        got.push({
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers,
          timestamp: Number(message.timestamp),
        });
        if (got.length >= sent.length) resolveAll();
      },
    });
    await Promise.race([all, new Promise((_, rej) => setTimeout(() => rej(new Error(`consumed only ${got.length} of ${sent.length}`)), 60000))]);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  got.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  // KafkaJS groups headers by key; compare against the sent headers grouped the same way.
  const grouped = sent.map((m) => {
    const order: string[] = [];
    const byKey = new Map<string, string[]>();
    for (const [k, v] of m.headers) {
      if (!byKey.has(k)) {
        byKey.set(k, []);
        order.push(k);
      }
      byKey.get(k)!.push(v);
    }
    return { ...m, headers: order.flatMap((k) => byKey.get(k)!.map((v) => [k, v] as [string, string])) };
  });
  compareByPartition(grouped, got, numPartitions, 'KafkaJS consumer');
});
