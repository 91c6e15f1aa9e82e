// The storage lifecycle of issue 7 as a user of confluent-kafka-python
// (librdkafka) and KafkaJS sees it: what a consumer reads from the beginning
// of a compacted topic (the bank-account exercise), after tombstones pass
// delete.retention.ms, after retention.ms, after DeleteRecords (KafkaJS admin)
// with auto.offset.reset, and after the cleaner went over a compacted topic
// with committed and aborted transactions.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { startBrokerProcess, requireTool, BrokerProcess } from './harness.js';
import { createTopic, pythonJson, uniqueTopic, waitFor } from './compat-util.js';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

/** confluent-kafka-python helpers shared by the scripts below (argv[1] is the bootstrap address). */
const PY = `
import json, sys, uuid
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaError, OFFSET_BEGINNING
B = sys.argv[1]

def produce(topic, kvs, extra=None):
    conf = {'bootstrap.servers': B, 'linger.ms': 0}
    conf.update(extra or {})
    p = Producer(conf)
    for k, v in kvs:
        p.produce(topic, key=k, value=v)
        p.flush(10)

def read(topic, offset=OFFSET_BEGINNING, reset='earliest', isolation='read_uncommitted', idle=3.0):
    c = Consumer({'bootstrap.servers': B, 'group.id': 'g-' + uuid.uuid4().hex, 'enable.auto.commit': False,
                  'auto.offset.reset': reset, 'isolation.level': isolation, 'enable.partition.eof': True})
    c.assign([TopicPartition(topic, 0, offset)])
    out = []
    while True:
        m = c.poll(idle)
        if m is None:
            break
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                break
            raise Exception(str(m.error()))
        out.append([m.offset(), None if m.key() is None else m.key().decode(), None if m.value() is None else m.value().decode()])
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    c.close()
    return {'records': out, 'low': lo, 'high': hi}
`;

type Rec = [number, string | null, string | null];
interface ReadResult {
  records: Rec[];
  low: number;
  high: number;
}

describe('compaction, retention and DeleteRecords seen by confluent-kafka-python and KafkaJS', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;

  const py = <T>(body: string, args: string[] = []): Promise<T> => pythonJson<T>(PY + body, [broker.bootstrap, ...args]);
  const read = (topic: string, opts: { offset?: number; reset?: string; isolation?: string } = {}): Promise<ReadResult> =>
    py<ReadResult>(
      `print(json.dumps(read(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])))`,
      [topic, String(opts.offset ?? -2), opts.reset ?? 'earliest', opts.isolation ?? 'read_uncommitted'],
    );
  const produce = (topic: string, kvs: [string, string | null][]) =>
    py<null>(`produce(sys.argv[2], [(k, v) for k, v in json.loads(sys.argv[3])])\nprint('null')`, [topic, JSON.stringify(kvs)]);
  const kv = (r: ReadResult) => r.records.map(([, k, v]) => `${k}:${v}`);

  async function withAdmin<T>(fn: (admin: ReturnType<InstanceType<typeof Kafka>['admin']>) => Promise<T>): Promise<T> {
    const kafka = new Kafka({ clientId: 'samsa-compaction-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /** KafkaJS AlterConfigs: the topic's overrides become exactly `configs`. */
  const alterTopic = (topic: string, configs: Record<string, string>) =>
    withAdmin((admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) },
        ],
      }),
    );

  before(async () => {
    requireTool('confluent-kafka');
    broker = await startBrokerProcess({
      overrides: {
        'num.partitions': '1',
        'log.retention.check.interval.ms': '500',
        'log.cleaner.backoff.ms': '200',
        'offsets.topic.num.partitions': '3',
        'transaction.state.log.num.partitions': '3',
      },
    });
  });

  after(async () => {
    await broker?.destroy();
  });

  it('bank-account (segment.ms=5000, min.cleanable.dirty.ratio=0.001): one record per key, kim at her latest balance', async () => {
    const topic = uniqueTopic('bank-account');
    await createTopic(broker.port, topic, 1, { 'cleanup.policy': 'compact', 'segment.ms': '5000', 'min.cleanable.dirty.ratio': '0.001' });
    const input: [string, string][] = [['kim', '50000 won'], ['lee', '30300 won'], ['park', '20000 won'], ['seo', '100000 won'], ['kim', '30000 won'], ['sin', '200000 won']];
    await produce(topic, input);
    assert.deepEqual(kv(await read(topic)), input.map(([k, v]) => `${k}:${v}`));
    const want = ['lee:30300 won', 'park:20000 won', 'seo:100000 won', 'kim:30000 won', 'sin:200000 won'];
    const got = await waitFor('compaction', async () => {
      const r = await read(topic);
      return JSON.stringify(kv(r)) === JSON.stringify(want) ? r : undefined;
    }, 60_000, 500);
    assert.deepEqual(got.records.map(([o]) => o), [1, 2, 3, 4, 5], 'offsets are kept');
    assert.equal(got.high, 6);
  });

  it('a tombstone is readable after cleaning, and gone once delete.retention.ms has passed', async () => {
    const topic = uniqueTopic('tombstones');
    await createTopic(broker.port, topic, 1, {
      'cleanup.policy': 'compact',
      'segment.ms': '1000',
      'min.cleanable.dirty.ratio': '0.001',
      'delete.retention.ms': '8000',
    });
    await produce(topic, [['a', '1'], ['b', '1'], ['a', null]]);
    // First the cleaner removes a:1 and keeps the tombstone (with its delete horizon)...
    const cleaned = await waitFor('first cleaning', async () => {
      const r = await read(topic);
      return JSON.stringify(kv(r)) === JSON.stringify(['b:1', 'a:null']) ? Date.now() : undefined;
    }, 60_000, 300);
    // ...then, delete.retention.ms later, a cleaning drops it.
    const gone = await waitFor('tombstone removal', async () => {
      const r = await read(topic);
      return JSON.stringify(kv(r)) === JSON.stringify(['b:1']) ? Date.now() : undefined;
    }, 60_000, 300);
    assert.ok(gone - cleaned >= 4000, `tombstone went ${gone - cleaned} ms after the first cleaning (delete.retention.ms 8000)`);
  });

  it('retention.ms: the data goes, the low watermark moves, a consumer from the beginning reads what is left', async () => {
    const topic = uniqueTopic('retention');
    await createTopic(broker.port, topic, 1, { 'retention.ms': '2000', 'segment.ms': '500' });
    await produce(topic, [['x', 'old1'], ['y', 'old2']]);
    const r = await waitFor('retention', async () => {
      const x = await read(topic);
      return x.records.length === 0 && x.low === 2 ? x : undefined;
    }, 60_000, 300);
    assert.equal(r.high, 2);
    // The next record must outlive the reads below, which can take over 2 s on a loaded machine.
    await alterTopic(topic, { 'retention.ms': '3600000', 'segment.ms': '500' });
    await produce(topic, [['z', 'new']]);
    const after = await read(topic);
    assert.deepEqual(after.records, [[2, 'z', 'new']]);
    assert.equal(after.low, 2);
  });

  it('DeleteRecords (KafkaJS admin): the low watermark moves at once; librdkafka at a deleted offset gets OFFSET_OUT_OF_RANGE and applies auto.offset.reset', async () => {
    const topic = uniqueTopic('delete-records');
    await createTopic(broker.port, topic, 1);
    await produce(topic, Array.from({ length: 10 }, (_, i) => [`k${i}`, `m${i}`] as [string, string]));
    await withAdmin(async (admin) => {
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
      const offsets = await admin.fetchTopicOffsets(topic);
      assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]), [[0, '4', '10']]);
    });
    const fromStart = await read(topic);
    assert.deepEqual(fromStart.records.map(([o]) => o), [4, 5, 6, 7, 8, 9]);
    assert.equal(fromStart.low, 4);
    // Offset 2 is gone: earliest resets to the low watermark, latest to the end.
    const earliest = await read(topic, { offset: 2, reset: 'earliest' });
    assert.deepEqual(earliest.records.map(([, , v]) => v), ['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    const latest = await read(topic, { offset: 2, reset: 'latest' });
    assert.deepEqual(latest.records, []);
  });

  it('a compacted topic with committed and aborted transactions: after cleaning, read_uncommitted sees no aborted record and the latest committed value per key', async () => {
    const topic = uniqueTopic('txn-compacted');
    const configs = { 'cleanup.policy': 'compact', 'segment.ms': '1000', 'min.cleanable.dirty.ratio': '0.001' };
    // min.compaction.lag.ms holds the cleaner off until the raw log has been read.
    await createTopic(broker.port, topic, 1, { ...configs, 'min.compaction.lag.ms': '3600000' });
    await py<null>(
      `
p = Producer({'bootstrap.servers': B, 'transactional.id': 'samsa-compaction-' + uuid.uuid4().hex, 'linger.ms': 0})
p.init_transactions(30)
def txn(kvs, commit):
    p.begin_transaction()
    for k, v in kvs:
        p.produce(sys.argv[2], key=k, value=v)
    p.flush(10)
    (p.commit_transaction if commit else p.abort_transaction)(30)
txn([('acct-1', 'c100'), ('acct-2', 'c200')], True)
txn([('acct-1', 'ABORTED-1'), ('acct-3', 'ABORTED-3')], False)
txn([('acct-2', 'c250'), ('acct-4', 'c400')], True)
txn([('acct-2', 'ABORTED-2'), ('acct-4', 'ABORTED-4')], False)
print('null')
`,
      [topic],
    );
    // Before cleaning a read_uncommitted reader sees the aborted records too.
    const raw = await read(topic);
    assert.deepEqual(raw.records.filter(([, , v]) => v?.startsWith('ABORTED')).map(([o]) => o), [3, 4, 9, 10]);
    await alterTopic(topic, { ...configs, 'min.compaction.lag.ms': '0' });
    const want = ['acct-1:c100', 'acct-2:c250', 'acct-4:c400'];
    let last: ReadResult | null = null;
    const cleaned = await waitFor('transaction-aware cleaning', async () => {
      const r = (last = await read(topic));
      return JSON.stringify(kv(r)) === JSON.stringify(want) ? r : undefined;
    }, 60_000, 500).catch((err: Error) => {
      const cp = fs.readFileSync(path.join(broker.dataDir, 'cleaner-offset-checkpoint'), 'utf8');
      const lines = broker.output().split("\n").filter((l) => l.includes(topic)).slice(-10).join("\n");
      throw new Error(`${err.message}: last read ${JSON.stringify(last)}; cleaner-offset-checkpoint ${JSON.stringify(cp)}; broker:\n${lines}`);
    });
    // read_committed agrees, and the offsets are the original ones.
    const committed = await read(topic, { isolation: 'read_committed' });
    assert.deepEqual(kv(committed), want);
    assert.deepEqual(committed.records.map(([o]) => o), cleaned.records.map(([o]) => o));
    // The cleaner's checkpoint covers the aborted transactions (they were cleaned, not just skipped).
    const cp = fs.readFileSync(path.join(broker.dataDir, 'cleaner-offset-checkpoint'), 'utf8');
    const m = new RegExp(`^${topic} 0 (\\d+)$`, 'm').exec(cp);
    assert.ok(m && Number(m[1]) >= 10, cp);
  });
});
