// Compatibility with kafka-python 2.0.2 (Debian's python3-kafka), driving a
// Samsa broker process: KafkaAdminClient topic and config administration,
// KafkaProducer with every acks and every codec the Python side has, and
// KafkaConsumer positioning (earliest/latest, seek, offsets_for_times,
// beginning/end offsets). The Python programs live in py/kafka_python_flows.py
// and print JSON; every assertion is made here.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startBrokerProcess, requireTool, BrokerProcess, REPO } from './harness.js';
import { fetchBatches, pythonJson, uniqueTopic, CODEC } from './compat-util.js';
import { partitionForKey } from '../../src/protocol/records/murmur2.js';

const SCRIPT = readFileSync(path.join(REPO, 'test/integration/py/kafka_python_flows.py'), 'utf8');
const NODE_ID = 1;

// Kafka's ConfigSource ids as DescribeConfigs v1+ reports them.
const DYNAMIC_TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;

interface Rec {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
  timestamp: number;
  timestamp_type: number;
}

describe('kafka-python against a Samsa broker process', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  const py = <T = any>(action: string, params: Record<string, unknown> = {}) =>
    pythonJson<T>(SCRIPT, [action, JSON.stringify({ bootstrap: broker.bootstrap, node_id: NODE_ID, ...params })]);

  before(async () => {
    requireTool('kafka-python');
    broker = await startBrokerProcess({ overrides: { 'node.id': String(NODE_ID), 'auto.create.topics.enable': 'true', 'num.partitions': '1' } });
  });

  after(async () => {
    await broker?.destroy();
  });

  it('KafkaAdminClient: create_topics with configs, list_topics, describe_topics, describe_configs (topic and broker)', async () => {
    const topic = uniqueTopic('kp-admin');
    const configs = { 'retention.ms': '3600000', 'cleanup.policy': 'compact', 'segment.bytes': '1048576', 'max.message.bytes': '200000' };
    const r = await py('admin_create_describe', { topic, partitions: 4, configs });
    assert.deepEqual(r.created, [[topic, 0, null]]);
    assert.equal(r.duplicate?.type, 'TopicAlreadyExistsError');
    assert.match(r.duplicate.message, new RegExp(`Topic '${topic}' already exists\\.`));
    assert.ok(r.listed.includes(topic));

    assert.equal(r.described.length, 1);
    const d = r.described[0];
    assert.equal(d.topic, topic);
    assert.equal(d.error_code, 0);
    assert.equal(d.is_internal, false);
    assert.deepEqual(
      d.partitions.map((p: any) => [p.partition, p.error_code, p.leader, p.replicas, p.isr]).sort((a: any, b: any) => a[0] - b[0]),
      [0, 1, 2, 3].map((p) => [p, 0, NODE_ID, [NODE_ID], [NODE_ID]]),
    );

    const tc = r.topic_configs[topic];
    assert.equal(tc.error_code, 0);
    for (const [k, v] of Object.entries(configs)) {
      assert.equal(tc.configs[k].value, v, k);
      assert.equal(tc.configs[k].source, DYNAMIC_TOPIC_CONFIG, k);
      assert.equal(tc.configs[k].read_only, false, k);
      assert.deepEqual(tc.configs[k].synonyms[0], [k, v, DYNAMIC_TOPIC_CONFIG], k);
    }
    // Keys not set on the topic: Kafka's defaults, with the broker key they come from as synonym.
    assert.deepEqual(tc.configs['compression.type'], { value: 'producer', read_only: false, source: DEFAULT_CONFIG, sensitive: false, synonyms: [['compression.type', 'producer', DEFAULT_CONFIG]] });
    assert.deepEqual(tc.configs['message.timestamp.type'].synonyms, [['log.message.timestamp.type', 'CreateTime', DEFAULT_CONFIG]]);
    assert.equal(tc.configs['min.insync.replicas'].value, '1');
    assert.deepEqual(tc.configs['segment.bytes'].synonyms, [['segment.bytes', '1048576', DYNAMIC_TOPIC_CONFIG], ['log.segment.bytes', '1073741824', DEFAULT_CONFIG]]);

    const bc = r.broker_configs[String(NODE_ID)];
    assert.equal(bc.error_code, 0);
    // Set on the command line (--override): a static broker config.
    assert.equal(bc.configs['num.partitions'].value, '1');
    assert.equal(bc.configs['num.partitions'].source, STATIC_BROKER_CONFIG);
    assert.deepEqual(bc.configs['num.partitions'].synonyms, [['num.partitions', '1', STATIC_BROKER_CONFIG], ['num.partitions', '1', DEFAULT_CONFIG]]);
    assert.equal(bc.configs['auto.create.topics.enable'].value, 'true');
    assert.equal(bc.configs['auto.create.topics.enable'].source, STATIC_BROKER_CONFIG);
    assert.equal(bc.configs['node.id'].value, String(NODE_ID));
    assert.equal(bc.configs['node.id'].read_only, true);
    // Not set anywhere: Kafka's default.
    assert.equal(bc.configs['log.retention.hours'].value, '168');
    assert.equal(bc.configs['log.retention.hours'].source, DEFAULT_CONFIG);
    assert.equal(bc.configs['message.max.bytes'].value, '1048588');
  });

  it('KafkaAdminClient: alter_configs on a topic (replacing its overrides) and on the broker', async () => {
    const topic = uniqueTopic('kp-alter');
    const r = await py('admin_alter_configs', { topic });
    assert.deepEqual(r.alter, [[topic, 0, null]]);
    const c = r.after_topic[topic].configs;
    assert.equal(c['retention.ms'].value, '7200000');
    assert.equal(c['retention.ms'].source, DYNAMIC_TOPIC_CONFIG);
    assert.equal(c['max.message.bytes'].value, '300000');
    // AlterConfigs is not incremental: what the request leaves out goes back to the default.
    assert.equal(c['cleanup.policy'].value, 'delete');
    assert.equal(c['cleanup.policy'].source, DEFAULT_CONFIG);

    assert.equal(r.bad_value[0][0], topic);
    assert.equal(r.bad_value[0][1], 40, 'INVALID_CONFIG');
    assert.match(r.bad_value[0][2], /retention\.ms/);
    assert.equal(r.unknown_key[0][1], 40, 'INVALID_CONFIG');
    assert.match(r.unknown_key[0][2], /no\.such\.config/);

    assert.deepEqual(r.broker_alter, [[String(NODE_ID), 0, null]]);
    const b = r.after_broker[String(NODE_ID)].configs;
    assert.equal(b['log.retention.ms'].value, '123456789');
    assert.equal(b['log.retention.ms'].source, DYNAMIC_BROKER_CONFIG);
    assert.deepEqual(b['log.retention.ms'].synonyms[0], ['log.retention.ms', '123456789', DYNAMIC_BROKER_CONFIG]);
  });

  it("KafkaAdminClient: create_partitions (and Kafka's error for fewer), delete_topics", async () => {
    const topic = uniqueTopic('kp-parts');
    const r = await py('admin_partitions_delete', { topic });
    assert.deepEqual(r.grow, [[topic, 0, null]]);
    assert.deepEqual(r.partitions_after_grow, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(r.shrink.type, 'InvalidPartitionsError');
    assert.equal(r.shrink.errno, 37);
    assert.match(r.shrink.message, /error_message='Topic currently has 10 partitions, which is higher than the requested 1\.'/);
    assert.equal(r.same.type, 'InvalidPartitionsError');
    assert.match(r.same.message, /Topic already has 10 partitions\./);
    assert.deepEqual(r.deleted, [[topic, 0]]);
    assert.ok(!r.listed_after.includes(topic));
    assert.equal(r.missing.type, 'UnknownTopicOrPartitionError');
  });

  for (const acks of ['0', '1', 'all']) {
    it(`KafkaProducer acks=${acks}: keys, headers and timestamps come back record by record`, async () => {
      const topic = uniqueTopic(`kp-acks${acks}`);
      const base = Date.now() - 60_000;
      const r = await py<{ sent: any[]; metas: any[]; got: Rec[] }>('produce_consume', { topic, acks, count: 60, base_ts: base, partitions: [0], partition: 0 });
      assert.equal(r.got.length, r.sent.length);
      r.got.forEach((g, i) => {
        const s = r.sent[i];
        assert.equal(g.offset, i);
        assert.equal(g.partition, 0);
        assert.equal(g.key, s.key);
        assert.equal(g.value, s.value);
        assert.deepEqual(g.headers, s.headers);
        assert.equal(g.timestamp, s.timestamp);
        assert.equal(g.timestamp_type, 0, 'CreateTime');
      });
      r.metas.forEach((m, i) => {
        assert.equal(m.partition, 0);
        // acks=0 gets no response, so the producer cannot know offsets.
        assert.equal(m.offset, acks === '0' ? -1 : i);
      });
    });
  }

  it('KafkaProducer compression: each codec kafka-python can use round-trips and is stored as sent; the others are missing only for want of their Python module', async () => {
    const codecs = await py<Record<string, { module: string; importable: boolean; import_error: string | null; has_codec: boolean; producer_error: any }>>('codecs');
    assert.deepEqual(Object.keys(codecs).sort(), ['gzip', 'lz4', 'snappy', 'zstd']);
    assert.equal(codecs.gzip!.importable, true, 'gzip is in the standard library');
    const available: string[] = [];
    for (const [codec, c] of Object.entries(codecs)) {
      if (c.importable) {
        assert.equal(c.has_codec, true, codec);
        assert.equal(c.producer_error, null, `${codec}: ${JSON.stringify(c.producer_error)}`);
        available.push(codec);
      } else {
        // Unavailable only because its Python module is missing, never because of the broker.
        assert.match(c.import_error!, new RegExp(`No module named '${c.module.split('.')[0]}'`), codec);
        assert.equal(c.has_codec, false, codec);
        assert.equal(c.producer_error?.type, 'AssertionError', codec);
        assert.match(c.producer_error.message, new RegExp(`Libraries for ${codec} compression codec not found`));
      }
    }
    for (const codec of available) {
      const topic = uniqueTopic(`kp-z-${codec}`);
      const base = Date.now() - 10_000;
      const r = await py<{ sent: any[]; metas: any[]; got: Rec[] }>('produce_consume', { topic, acks: 'all', count: 200, base_ts: base, partitions: [0], partition: 0, compression: codec });
      assert.equal(r.got.length, 200, codec);
      r.got.forEach((g, i) => {
        const s = r.sent[i];
        assert.deepEqual([g.offset, g.key, g.value, g.headers, g.timestamp], [i, s.key, s.value, s.headers, s.timestamp], `${codec} #${i}`);
      });
      const batches = await fetchBatches(broker.port, topic);
      assert.equal(batches.reduce((n, b) => n + b.records, 0), 200);
      assert.ok(batches.some((b) => b.records > 1));
      for (const b of batches) assert.equal(b.compression, CODEC[codec as keyof typeof CODEC], `${codec}: batch at ${b.baseOffset}`);
    }
  });

  it("KafkaProducer's default partitioner (murmur2) puts each key where the Java client does, every time", async () => {
    const topic = uniqueTopic('kp-murmur');
    const partitions = 6;
    const keys = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? `ключ-${i}` : `order-${i * 104729}`));
    const r = await py<{ placed: [string, number, number][]; got: Rec[] }>('keyed_partitions', { topic, partitions, keys });
    assert.equal(r.placed.length, keys.length * 2);
    for (const [k, p] of r.placed) assert.equal(p, partitionForKey(Buffer.from(k, 'utf8'), partitions), `key ${k}`);
    assert.equal(r.got.length, r.placed.length);
    for (const g of r.got) {
      const m = r.placed.find(([k, p, o]) => k === g.key && p === g.partition && o === g.offset);
      assert.ok(m, `consumed ${JSON.stringify(g)} was not produced there`);
    }
  });

  it('KafkaConsumer: earliest/latest reset, assign+seek, beginning/end offsets, offsets_for_times', async () => {
    const topic = uniqueTopic('kp-consumer');
    const base = Date.now() - 3_600_000;
    const count = 10; // timestamps base, base+1000, ..., base+9000
    const times = [base - 5000, base, base + 2500, base + 9000, base + 9001];
    const r = await py('consumer_positions', { topic, count, base_ts: base, seek_to: 6, times });
    assert.equal(r.earliest_position, 0);
    assert.deepEqual(r.earliest.map((g: Rec) => [g.offset, g.value, g.timestamp]), Array.from({ length: count }, (_, i) => [i, `v${i}`, base + i * 1000]));
    assert.deepEqual(r.beginning_offsets, { '0': 0 });
    assert.deepEqual(r.end_offsets, { '0': count });
    assert.deepEqual(r.seek.map((g: Rec) => [g.offset, g.value]), [6, 7, 8, 9].map((i) => [i, `v${i}`]));
    assert.deepEqual(r.offsets_for_times, [
      [0, base],
      [0, base],
      [3, base + 3000],
      [9, base + 9000],
      null,
    ]);
    assert.equal(r.latest_position, count);
    assert.deepEqual(r.latest.map((g: Rec) => [g.offset, g.value]), [[10, 'late0'], [11, 'late1'], [12, 'late2']]);
  });

  it('auto-creates a topic on first produce (auto.create.topics.enable=true)', async () => {
    const topic = uniqueTopic('kp-auto');
    const r = await py('auto_create', { topic });
    assert.deepEqual(r.meta, [0, 0]);
    assert.equal(r.described[0].error_code, 0);
    assert.equal(r.described[0].partitions.length, 1);
  });

  // Kafka 3.9 still serves the oldest Produce and Fetch versions: records in message format v0
  // (0.9) and v1 (0.10) are stored as v2 batches and served back in the format the fetcher asked for.
  for (const [apiVersion, compression] of [
    [[0, 10, 1], null],
    [[0, 10, 1], 'gzip'],
    [[0, 9], null],
    [[0, 9], 'gzip'],
  ] as const) {
    const label = `api_version=${apiVersion.join('.')}${compression ? ` ${compression}` : ''}`;
    it(`old clients (${label}): produced, stored as record batch v2, read by old and current consumers`, async () => {
      const topic = uniqueTopic(`kp-old-${apiVersion.join('')}-${compression ?? 'none'}`);
      const base = Date.now() - 5_000;
      const count = 20;
      const r = await py('old_formats', { topic, api_version: apiVersion, compression, count, base_ts: base });
      const v1 = apiVersion[1] === 10;
      assert.deepEqual(
        r.metas,
        Array.from({ length: count }, (_, i) => [i, v1 ? base + i : -1]),
      );
      for (const [who, got] of [['old', r.old_consumer], ['current', r.new_consumer]] as const) {
        assert.equal(got.length, count, `${who} consumer`);
        (got as Rec[]).forEach((g, i) => {
          assert.deepEqual([g.offset, g.key, g.value, g.headers], [i, `k${i}`, `old ${i}`, []], `${who} consumer #${i}`);
          if (v1 || who === 'current') assert.equal(g.timestamp_type, 0, `${who} consumer #${i}: CreateTime`);
          // Format v0 has no timestamps: none given, none read (-1 once up-converted to v2).
          if (v1) assert.equal(g.timestamp, base + i, `${who} consumer #${i}`);
          else if (who === 'old') assert.equal(g.timestamp, null);
          else assert.equal(g.timestamp, -1);
        });
      }
      const batches = await fetchBatches(broker.port, topic);
      assert.equal(batches.reduce((n, b) => n + b.records, 0), count);
      for (const b of batches) {
        assert.equal(b.magic, 2, `batch at ${b.baseOffset}`);
        assert.equal(b.compression, compression ? CODEC.gzip : CODEC.none, `batch at ${b.baseOffset}`);
      }
    });
  }

  for (const compression of [null, 'gzip']) {
    it(`LogAppendTime topics: the broker's time replaces the producer's (${compression ?? 'uncompressed'})`, async () => {
      const topic = uniqueTopic('kp-lat');
      const r = await py('log_append_time', { topic, compression });
      assert.equal(r.got.length, 5);
      (r.got as Rec[]).forEach((g, i) => {
        assert.equal(g.offset, i);
        assert.equal(g.value, `lat${i}`);
        assert.equal(g.timestamp_type, 1, 'LogAppendTime');
        assert.ok(g.timestamp >= r.t0 && g.timestamp <= r.t1, `${g.timestamp} outside [${r.t0}, ${r.t1}]`);
        // The produce response carried the same append time (RecordMetadata.timestamp).
        assert.deepEqual(r.metas[i], [i, g.timestamp]);
      });
    });
  }
});
