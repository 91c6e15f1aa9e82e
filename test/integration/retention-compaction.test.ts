// Retention, compaction and DeleteRecords on a Samsa broker process, driven by
// third-party clients: the two exercises of the Kafka course notes in
// ../shared/seeds/003 (retention.ms=10000 on a topic, enforced within about one
// check interval; a compacted bank-account topic with segment.ms=5000 and
// min.cleanable.dirty.ratio=0.001 reading back one record per key), and a
// kafka-python consumer whose position was removed by retention getting
// OFFSET_OUT_OF_RANGE and applying auto.offset.reset.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startBrokerProcess, requireTool, run, BrokerProcess } from './harness.js';
import { createTopic, pythonJson, uniqueTopic, waitFor } from './compat-util.js';

const CHECK_INTERVAL_MS = 500;

describe('retention and compaction against a Samsa broker process', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;

  async function kcat(args: string[], input?: string): Promise<string> {
    const r = await run('kcat', ['-b', broker.bootstrap, ...args], { input, timeoutMs: 60000 });
    assert.equal(r.status, 0, `kcat ${args.join(' ')} exited with ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r.stdout;
  }

  const readKV = async (topic: string): Promise<string[]> =>
    (await kcat(['-C', '-t', topic, '-e', '-o', 'beginning', '-f', '%k:%s\\n'])).split('\n').filter((l) => l !== '');

  /** ListOffsets through kcat -Q: earliest (-2) and latest (-1) of partition 0. */
  async function offsets(topic: string): Promise<{ earliest: number; latest: number }> {
    const q = async (t: number) => {
      const out = await kcat(['-Q', '-t', `${topic}:0:${t}`]);
      const m = /offset (-?\d+)/i.exec(out);
      assert.ok(m, out);
      return Number(m[1]);
    };
    return { earliest: await q(-2), latest: await q(-1) };
  }

  async function alterTopicConfig(topic: string, configs: Record<string, string>): Promise<void> {
    const res = await pythonJson(
      `
import json, sys
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
r = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, sys.argv[2], configs=json.loads(sys.argv[3]))])
print(json.dumps([list(x)[:2] for x in r.resources]))
`,
      [broker.bootstrap, topic, JSON.stringify(configs)],
    );
    assert.equal(res[0][0], 0, `AlterConfigs: ${JSON.stringify(res)}`);
  }

  before(async () => {
    requireTool('kcat');
    requireTool('kafka-python');
    broker = await startBrokerProcess({
      overrides: {
        'num.partitions': '1',
        'log.retention.check.interval.ms': String(CHECK_INTERVAL_MS),
        'log.cleaner.backoff.ms': '200',
      },
    });
  });

  after(async () => {
    await broker?.destroy();
  });

  it('retention.ms=10000 set with AlterConfigs removes the data within about one check interval (seed exercise)', async () => {
    const topic = uniqueTopic('config-test');
    await createTopic(broker.port, topic, 1);
    await kcat(['-P', '-t', topic], 'one\ntwo\nthree\nfour\nfive\n');
    await waitFor('5 records', async () => ((await readKV(topic)).length === 5 ? true : undefined));
    const producedAt = Date.now();
    await alterTopicConfig(topic, { 'retention.ms': '10000' });
    // Still there a few seconds in.
    assert.equal((await readKV(topic)).length, 5);
    await waitFor('retention to empty the topic', async () => ((await readKV(topic)).length === 0 ? true : undefined), 30_000, 100);
    const took = Date.now() - producedAt;
    assert.ok(took < 10_000 + 4 * CHECK_INTERVAL_MS + 3000, `took ${took} ms`);
    // The log start offset moved to the end; new records continue the offsets.
    assert.deepEqual(await offsets(topic), { earliest: 5, latest: 5 });
    await kcat(['-P', '-t', topic], 'six\n');
    assert.deepEqual(await readKV(topic), [':six']);
    // The segment files were renamed .deleted (removed after file.delete.delay.ms).
    const dir = path.join(broker.dataDir, `${topic}-0`);
    assert.ok(!fs.readdirSync(dir).includes('00000000000000000000.log'));
    // retention.ms=-1 keeps forever.
    await alterTopicConfig(topic, { 'retention.ms': '-1' });
    const t1 = Date.now();
    await waitFor('a few checks', () => (Date.now() - t1 > 4 * CHECK_INTERVAL_MS ? true : undefined));
    assert.deepEqual(await readKV(topic), [':six']);
  });

  it('a compacted topic (bank-account exercise) reads back one record per key with the latest value', async () => {
    const topic = uniqueTopic('bank-account');
    await createTopic(broker.port, topic, 1, { 'cleanup.policy': 'compact', 'segment.ms': '5000', 'min.cleanable.dirty.ratio': '0.001' });
    const input = ['kim:50000 won', 'lee:30300 won', 'park:20000 won', 'seo:100000 won', 'kim:30000 won', 'sin:200000 won'];
    await kcat(['-P', '-K:', '-t', topic], input.join('\n') + '\n');
    assert.deepEqual(await readKV(topic), input);
    const compacted = ['lee:30300 won', 'park:20000 won', 'seo:100000 won', 'kim:30000 won', 'sin:200000 won'];
    await waitFor('compaction', async () => (JSON.stringify(await readKV(topic)) === JSON.stringify(compacted) ? true : undefined), 30_000, 200);
    // Offsets are kept: kim's latest is still offset 4, the end is 6.
    const json = (await kcat(['-C', '-t', topic, '-e', '-o', 'beginning', '-J'])).split('\n').filter((l) => l).map((l) => JSON.parse(l));
    assert.deepEqual(json.map((m: { offset: number; key: string }) => [m.offset, m.key]), [[1, 'lee'], [2, 'park'], [3, 'seo'], [4, 'kim'], [5, 'sin']]);
    assert.equal((await offsets(topic)).latest, 6);
    const cp = fs.readFileSync(path.join(broker.dataDir, 'cleaner-offset-checkpoint'), 'utf8');
    assert.match(cp, new RegExp(`^${topic} 0 6$`, 'm'));
    // New writes are compacted in turn; tombstones stay readable (delete.retention.ms is a day).
    await kcat(['-P', '-K:', '-Z', '-t', topic], 'lee:\nkim:1 won\n');
    await waitFor('second compaction', async () => {
      const kv = await readKV(topic);
      return JSON.stringify(kv) === JSON.stringify(['park:20000 won', 'seo:100000 won', 'sin:200000 won', 'lee:', 'kim:1 won']) ? true : undefined;
    }, 30_000, 200);
  });

  it('DeleteRecords moves the low watermark at once; ListOffsets earliest follows', async () => {
    const topic = uniqueTopic('delete-records');
    await createTopic(broker.port, topic, 1);
    await kcat(['-P', '-t', topic], Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n');
    const res = await pythonJson(
      `
import json, sys
from kafka.admin import KafkaAdminClient
from kafka import TopicPartition
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
r = a.delete_records({TopicPartition(sys.argv[2], 0): 4})
print(json.dumps({str(k.partition): v for k, v in r.items()}))
`,
      [broker.bootstrap, topic],
    ).catch((err: Error) => ({ unsupported: err.message }));
    if ('unsupported' in res) {
      // kafka-python without delete_records: use our wire client.
      const { RawClient } = await import('./raw-client.js');
      const c = await RawClient.connect(broker.port);
      try {
        const r = await c.request(21, 2, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 4 }] }], timeoutMs: 5000 });
        assert.equal(r.topics[0].partitions[0].errorCode, 0);
        assert.equal(r.topics[0].partitions[0].lowWatermark, 4);
      } finally {
        c.close();
      }
    } else {
      assert.equal(JSON.stringify(res).includes('4'), true, JSON.stringify(res));
    }
    assert.deepEqual(await offsets(topic), { earliest: 4, latest: 10 });
    assert.deepEqual(await readKV(topic), ['m4', 'm5', 'm6', 'm7', 'm8', 'm9'].map((v) => `:${v}`));
    const r = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', '2', '-e', '-f', '%o\\n'], { timeoutMs: 30000 });
    // librdkafka gets OFFSET_OUT_OF_RANGE and resets (auto.offset.reset defaults to latest for kcat -o N).
    assert.ok(!r.stdout.split('\n').includes('2'), r.stdout);
  });

  it('a kafka-python consumer whose position retention removed gets OFFSET_OUT_OF_RANGE and applies auto.offset.reset', async () => {
    const topic = uniqueTopic('reset');
    await createTopic(broker.port, topic, 1);
    await kcat(['-P', '-t', topic], 'a0\na1\na2\na3\na4\n');
    await alterTopicConfig(topic, { 'retention.ms': '1000' });
    await waitFor('retention', async () => ((await offsets(topic)).earliest === 5 ? true : undefined), 30_000);
    await alterTopicConfig(topic, { 'retention.ms': '-1' });
    await kcat(['-P', '-t', topic], 'b5\nb6\n');
    const got = await pythonJson<{ earliest: string[]; latest: string[] }>(
      `
import json, sys
from kafka import KafkaConsumer, TopicPartition
tp = TopicPartition(sys.argv[2], 0)
out = {}
for reset in ('earliest', 'latest'):
    c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id=None, enable_auto_commit=False,
                      auto_offset_reset=reset, consumer_timeout_ms=3000)
    c.assign([tp])
    c.seek(tp, 2)  # removed by retention
    vals = []
    for m in c:
        vals.append(m.value.decode())
    out[reset] = vals
    c.close()
print(json.dumps(out))
`,
      [broker.bootstrap, topic],
    );
    assert.deepEqual(got.earliest, ['b5', 'b6']);
    assert.deepEqual(got.latest, []);
  });
});
