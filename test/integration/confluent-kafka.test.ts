// Compatibility with confluent-kafka-python 1.7.0 (Debian's python3-confluent-kafka,
// on librdkafka 2.0.2), driving a Samsa broker process: AdminClient topic and
// config administration, Producer with every codec and acks and delivery
// reports, Consumer with assign() at given offsets, OFFSET_BEGINNING/END,
// offsets_for_times and get_watermark_offsets. The Python programs live in
// py/confluent_kafka_flows.py and print JSON; every assertion is made here.
// Consumer groups (subscribe) come with the group coordinator; until then the
// consumers here use assign() only.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startBrokerProcess, requireTool, BrokerProcess, REPO } from './harness.js';
import { fetchBatches, pythonJson, uniqueTopic, CODEC } from './compat-util.js';
import { partitionForKey } from '../../src/protocol/records/murmur2.js';

const SCRIPT = readFileSync(path.join(REPO, 'test/integration/py/confluent_kafka_flows.py'), 'utf8');
const NODE_ID = 2;

// Kafka's ConfigSource ids; librdkafka's ConfigSource enum uses the same numbers.
const DYNAMIC_TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;
// librdkafka's timestamp types.
const TIMESTAMP_CREATE_TIME = 1;
const TIMESTAMP_LOG_APPEND_TIME = 2;

interface Msg {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
  timestamp: number;
  timestamp_type: number;
}

describe('confluent-kafka-python against a Samsa broker process', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  const py = <T = any>(action: string, params: Record<string, unknown> = {}) =>
    pythonJson<T>(SCRIPT, [action, JSON.stringify({ bootstrap: broker.bootstrap, node_id: NODE_ID, ...params })]);

  before(async () => {
    requireTool('confluent-kafka');
    broker = await startBrokerProcess({ overrides: { 'node.id': String(NODE_ID), 'auto.create.topics.enable': 'true', 'num.partitions': '3' } });
  });

  after(async () => {
    await broker?.destroy();
  });

  it('AdminClient: create_topics with configs (and validate_only), list_topics, describe_configs on topic and broker', async () => {
    const topic = uniqueTopic('ck-admin');
    const configs = { 'retention.ms': '3600000', 'cleanup.policy': 'compact', 'segment.bytes': '1048576', 'max.message.bytes': '200000' };
    const r = await py('admin_create_describe', { topic, partitions: 5, configs });
    assert.deepEqual(r.created, { [topic]: null });
    assert.deepEqual(r.duplicate[topic], { code: 36, name: 'TOPIC_ALREADY_EXISTS', message: `Topic '${topic}' already exists.` });
    assert.deepEqual(r.validate_only, { [`${topic}-dry`]: null });
    assert.equal(r.bad_rf[`${topic}-rf`].name, 'INVALID_REPLICATION_FACTOR');
    // Kafka 3.x (KRaft) words it so.
    assert.equal(
      r.bad_rf[`${topic}-rf`].message,
      'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.',
    );

    assert.deepEqual(r.brokers, { [String(NODE_ID)]: ['127.0.0.1', broker.port] });
    assert.equal(r.controller_id, NODE_ID);
    assert.equal(typeof r.cluster_id, 'string');
    assert.ok(r.cluster_id.length > 0);
    const t = r.topics[topic];
    assert.equal(t.error, null);
    assert.deepEqual(
      t.partitions,
      Object.fromEntries([0, 1, 2, 3, 4].map((p) => [String(p), { leader: NODE_ID, replicas: [NODE_ID], isrs: [NODE_ID], error: null }])),
    );
    assert.equal(r.topics[`${topic}-dry`], undefined, 'validate_only must not create the topic');
    assert.equal(r.topics[`${topic}-rf`], undefined);

    const tc = r.configs[topic];
    for (const [k, v] of Object.entries(configs)) {
      assert.equal(tc[k].value, v, k);
      assert.equal(tc[k].source, DYNAMIC_TOPIC_CONFIG, k);
      assert.equal(tc[k].is_default, false, k);
      assert.deepEqual(tc[k].synonyms[0], [k, v, DYNAMIC_TOPIC_CONFIG], k);
    }
    assert.deepEqual(tc['cleanup.policy'].synonyms, [['cleanup.policy', 'compact', DYNAMIC_TOPIC_CONFIG], ['log.cleanup.policy', 'delete', DEFAULT_CONFIG]]);
    assert.equal(tc['compression.type'].value, 'producer');
    assert.equal(tc['compression.type'].is_default, true);
    assert.equal(tc['compression.type'].source, DEFAULT_CONFIG);

    const bc = r.configs[String(NODE_ID)];
    assert.equal(bc['num.partitions'].value, '3');
    assert.equal(bc['num.partitions'].source, STATIC_BROKER_CONFIG);
    assert.equal(bc['num.partitions'].is_default, false);
    assert.equal(bc['broker.id'].value, String(NODE_ID));
    assert.equal(bc['log.segment.bytes'].value, '1073741824');
    assert.equal(bc['log.segment.bytes'].is_default, true);
  });

  it('AdminClient: alter_configs on a topic (replacing its overrides, validate_only, invalid values) and on the broker', async () => {
    const topic = uniqueTopic('ck-alter');
    const r = await py('admin_alter_configs', { topic });
    assert.deepEqual(r.alter, { [`ConfigResource(Type.TOPIC,${topic})`]: null });
    assert.equal(r.after['retention.ms'].value, '7200000');
    assert.equal(r.after['segment.bytes'].value, '2097152');
    assert.equal(r.after['segment.bytes'].source, DYNAMIC_TOPIC_CONFIG);
    // Not in the AlterConfigs request: back to the default.
    assert.equal(r.after['cleanup.policy'].value, 'delete');
    assert.equal(r.after['cleanup.policy'].is_default, true);
    const bad = r.bad[`ConfigResource(Type.TOPIC,${topic})`];
    assert.equal(bad.name, 'INVALID_CONFIG');
    assert.match(bad.message, /sometimes/);
    assert.deepEqual(r.validate_only, { [`ConfigResource(Type.TOPIC,${topic})`]: null });
    assert.equal(r.after_validate['retention.ms'].value, '7200000', 'validate_only must not change anything');

    assert.deepEqual(r.broker_alter, { [`ConfigResource(Type.BROKER,${NODE_ID})`]: null });
    assert.equal(r.after_broker['log.cleaner.threads'].value, '2');
    assert.equal(r.after_broker['log.cleaner.threads'].source, DYNAMIC_BROKER_CONFIG);
    assert.equal(r.reset_broker['log.cleaner.threads'].value, '1');
    assert.equal(r.reset_broker['log.cleaner.threads'].source, DEFAULT_CONFIG);
  });

  it("AdminClient: create_partitions (with Kafka's error for fewer), delete_topics", async () => {
    const topic = uniqueTopic('ck-parts');
    const r = await py('admin_partitions_delete', { topic });
    assert.deepEqual(r.grow, { [topic]: null });
    assert.deepEqual(r.partitions, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(r.shrink[topic], { code: 37, name: 'INVALID_PARTITIONS', message: 'Topic currently has 10 partitions, which is higher than the requested 1.' });
    assert.equal(r.unknown[`${topic}-nope`].name, 'UNKNOWN_TOPIC_OR_PART');
    assert.deepEqual(r.deleted, { [topic]: null });
    assert.ok(!r.listed_after.includes(topic));
    assert.equal(r.missing[`${topic}-nope`].name, 'UNKNOWN_TOPIC_OR_PART');
  });

  const produceConsume = async (acks: string, compression: string | null) => {
    const topic = uniqueTopic(`ck-${acks}-${compression ?? 'none'}`);
    const base = Date.now() - 30_000;
    const count = 150;
    const r = await py<{ remaining: number; sent: any[]; reports: any[]; got: Msg[]; declined: string[] }>('produce_consume', {
      topic,
      acks,
      compression,
      count,
      base_ts: base,
    });
    assert.equal(r.remaining, 0, 'every message delivered');
    assert.deepEqual(r.declined, [], 'librdkafka sent the batches uncompressed');
    assert.equal(r.got.length, count);
    r.got.forEach((g, i) => {
      const s = r.sent[i];
      assert.deepEqual(
        [g.partition, g.offset, g.key, g.value, g.headers, g.timestamp, g.timestamp_type],
        [0, i, s.key, s.value, s.headers, s.timestamp, TIMESTAMP_CREATE_TIME],
        `record ${i}`,
      );
    });
    r.reports.forEach((d, i) => {
      assert.equal(d.error, null, `delivery report ${i}`);
      assert.equal(d.partition, 0);
      // acks=0: no response, so no offset in the delivery report (Message.offset() is None).
      assert.equal(d.offset, acks === '0' ? null : i);
      assert.equal(d.timestamp, r.sent[i].timestamp);
    });
    return topic;
  };

  for (const acks of ['0', '1', 'all']) {
    it(`Producer acks=${acks}: delivery reports, keys, headers and timestamps record by record`, async () => {
      await produceConsume(acks, null);
    });
  }

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`Producer compression.type=${codec}: records round-trip and batches are stored as sent`, async () => {
      const topic = await produceConsume('all', codec);
      const batches = await fetchBatches(broker.port, topic);
      assert.equal(batches.reduce((n, b) => n + b.records, 0), 150);
      assert.ok(batches.some((b) => b.records > 1));
      for (const b of batches) assert.equal(b.compression, CODEC[codec], `batch at ${b.baseOffset}`);
    });
  }

  it("Producer with partitioner=murmur2_random puts each key where the Java client does, every time", async () => {
    const topic = uniqueTopic('ck-murmur');
    const partitions = 5;
    const keys = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `κλειδί-${i}` : `session-${i * 31337}`));
    const r = await py<{ placed: [string, number, number, any][]; got: Msg[] }>('keyed_partitions', { topic, partitions, keys });
    assert.equal(r.placed.length, keys.length * 2);
    for (const [k, p, , e] of r.placed) {
      assert.equal(e, null);
      assert.equal(p, partitionForKey(Buffer.from(k, 'utf8'), partitions), `key ${k}`);
    }
    assert.equal(r.got.length, r.placed.length);
    for (const g of r.got) assert.ok(r.placed.some(([k, p, o]) => k === g.key && p === g.partition && o === g.offset), JSON.stringify(g));
  });

  it('Consumer: assign() at an offset, OFFSET_BEGINNING, OFFSET_END, offsets_for_times, get_watermark_offsets', async () => {
    const topic = uniqueTopic('ck-consumer');
    const base = Date.now() - 3_600_000;
    const count = 10;
    const times = [base - 1, base, base + 4500, base + 9000, base + 9001];
    const r = await py('consumer_positions', { topic, count, base_ts: base, at: 7, times });
    assert.deepEqual(r.watermarks, [0, count]);
    assert.deepEqual(
      r.beginning.map((m: Msg) => [m.offset, m.value, m.timestamp]),
      Array.from({ length: count }, (_, i) => [i, `v${i}`, base + i * 1000]),
    );
    assert.deepEqual(r.at.map((m: Msg) => [m.offset, m.value]), [7, 8, 9].map((i) => [i, `v${i}`]));
    // A timestamp after every record: offset -1 (Kafka answers "none", librdkafka's OFFSET_END).
    assert.deepEqual(r.offsets_for_times, [[0, null], [0, null], [5, null], [9, null], [-1, null]]);
    assert.deepEqual(r.from_time.map((m: Msg) => m.offset), [5, 6, 7, 8, 9]);

    const end: Msg[] = r.end;
    assert.ok(end.length >= 4, JSON.stringify(end));
    assert.ok(end.every((m) => !/^v\d$/.test(m.value!)), `OFFSET_END consumer saw old records: ${JSON.stringify(end)}`);
    assert.ok(end[0]!.offset >= count);
    end.forEach((m, i) => assert.equal(m.offset, end[0]!.offset + i));
    assert.deepEqual(end.slice(-3).map((m) => m.value), ['late0', 'late1', 'late2']);
    assert.deepEqual(r.watermarks_after, [0, end[end.length - 1]!.offset + 1]);
  });

  it('auto-creates a topic on first produce with num.partitions partitions', async () => {
    const topic = uniqueTopic('ck-auto');
    const r = await py('auto_create', { topic });
    assert.equal(r.reports.length, 1);
    assert.equal(r.reports[0][0], null);
    assert.equal(r.reports[0][2], 0);
    assert.equal(r.partitions, 3);
    assert.equal(r.error, null);
  });

  it('LogAppendTime topics: delivery reports and consumers see the broker time', async () => {
    const topic = uniqueTopic('ck-lat');
    const r = await py('log_append_time', { topic });
    assert.equal(r.got.length, 5);
    (r.got as Msg[]).forEach((g, i) => {
      assert.equal(g.offset, i);
      assert.equal(g.value, `lat${i}`);
      assert.equal(g.timestamp_type, TIMESTAMP_LOG_APPEND_TIME);
      assert.ok(g.timestamp >= r.t0 && g.timestamp <= r.t1, `${g.timestamp} outside [${r.t0}, ${r.t1}]`);
      assert.deepEqual(r.reports[i], [i, TIMESTAMP_LOG_APPEND_TIME, g.timestamp]);
    });
  });
});
