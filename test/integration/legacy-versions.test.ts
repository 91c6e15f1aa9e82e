// The oldest Produce and Fetch versions Apache Kafka 3.9 still serves
// (Produce v0-v2 carrying magic 0/1 message sets, Fetch v0-v3 answered with
// them), against a Samsa broker process: librdkafka forced to Kafka 0.8.2 /
// 0.9.0 (kcat with api.version.request=false), kafka-python 2.0.2 forced to
// api_version (0, 10, 1), (0, 9) and (0, 8, 2), and our own wire client for
// exact bytes (magic 1 wrappers of every codec, magic 0 LZ4 with the old
// broken frame checksum, corrupt messages). Data goes both ways: old
// producers read by modern consumers and modern producers read by old ones.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerProcess, requireTool, run, runPython, BrokerProcess } from './harness.js';
import { createTopic, fetchBatches, uniqueTopic, CODEC } from './compat-util.js';
import { RawClient } from './raw-client.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CompressionType, TimestampType } from '../../src/protocol/records/batch-header.js';
import {
  LEGACY_CRC,
  decodeLegacyMessageSet,
  encodeLegacyMessageSet,
  encodeLegacyWrapper,
  readLegacyEntries,
  type LegacyRecordInput,
} from '../../src/protocol/records/legacy.js';
import { buildBatch } from '../../src/protocol/records/batch.js';

const OLD_KCAT: Record<string, string[]> = {
  '0.8.2': ['-X', 'api.version.request=false', '-X', 'broker.version.fallback=0.8.2'],
  '0.9.0': ['-X', 'api.version.request=false', '-X', 'broker.version.fallback=0.9.0'],
};

interface Line {
  key: string;
  value: string;
  ts: number;
  offset: number;
}

describe('legacy Produce v0-v2 and Fetch v0-v3 (magic 0/1 message sets)', { timeout: 600_000 }, () => {
  let broker: BrokerProcess;

  async function kcat(args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
    const r = await run('kcat', ['-b', broker.bootstrap, ...args], { input, timeoutMs: 60000 });
    assert.equal(r.status, 0, `kcat ${args.join(' ')} exited with ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r;
  }

  /** Reads a whole partition-0 topic with kcat ('%k %s %T %o'); `old` forces an old protocol version. */
  async function kcatConsume(topic: string, old?: keyof typeof OLD_KCAT): Promise<{ lines: Line[]; stderr: string }> {
    const args = ['-C', '-t', topic, '-p', '0', '-e', '-o', 'beginning', '-f', '%k %s %T %o\\n'];
    if (old) args.push(...OLD_KCAT[old]!, '-d', 'protocol');
    const r = await kcat(args);
    const lines = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [key, value, ts, offset] = l.split(' ');
        return { key: key!, value: value!, ts: Number(ts), offset: Number(offset) };
      });
    return { lines, stderr: r.stderr };
  }

  /** Versions of a request kind that a client's debug output says it sent. */
  function sentVersions(debug: string, re: RegExp): number[] {
    return [...new Set([...debug.matchAll(re)].map((m) => Number(m[1])))].sort();
  }

  async function produce(version: number, topic: string, records: Buffer, acks = 1): Promise<{ errorCode: number; baseOffset: number; logAppendTimeMs: number }> {
    const c = await RawClient.connect(broker.port);
    try {
      const res = await c.request(0, version, { acks, timeoutMs: 10000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
      return res.responses[0].partitionResponses[0];
    } finally {
      c.close();
    }
  }

  async function fetch(version: number, topic: string, fetchOffset: number, partitionMaxBytes = 1 << 20) {
    const c = await RawClient.connect(broker.port);
    try {
      const res = await c.request(1, version, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes }] }],
      });
      return res.responses[0].partitions[0] as { errorCode: number; highWatermark: number; records: Buffer | null };
    } finally {
      c.close();
    }
  }

  before(async () => {
    requireTool('kcat');
    requireTool('kafka-python');
    broker = await startBrokerProcess({ overrides: { 'auto.create.topics.enable': 'false' } });
  });

  after(async () => {
    await broker?.destroy();
  });

  it('advertises Produce v0-v11 and Fetch v0-v16 in ApiVersions', async () => {
    const c = await RawClient.connect(broker.port);
    try {
      const res = await c.request(18, 0, {});
      const byKey = new Map<number, { minVersion: number; maxVersion: number }>(res.apiKeys.map((k: any) => [k.apiKey, k]));
      assert.deepEqual([byKey.get(0)!.minVersion, byKey.get(0)!.maxVersion], [0, 11]);
      assert.deepEqual([byKey.get(1)!.minVersion, byKey.get(1)!.maxVersion], [0, 16]);
    } finally {
      c.close();
    }
  });

  for (const [fallback, produceVersion, fetchVersion] of [
    ['0.8.2', 0, 0],
    ['0.9.0', 1, 1],
  ] as const) {
    for (const codec of ['none', 'gzip', 'snappy'] as const) {
      it(`kcat as Kafka ${fallback} (Produce v${produceVersion}, magic 0, ${codec}) is read back by modern kcat and by itself (Fetch v${fetchVersion})`, async () => {
        const topic = uniqueTopic(`legacy-kcat-${fallback}-${codec}`);
        await createTopic(broker.port, topic, 1);
        const n = 50;
        const input = Array.from({ length: n }, (_, i) => `key-${i}:value-${i}-${'x'.repeat(i % 13)}`).join('\n') + '\n';
        const produced = await kcat(['-P', '-t', topic, '-p', '0', '-K', ':', '-z', codec, '-X', 'linger.ms=50', ...OLD_KCAT[fallback]!, '-d', 'protocol,msg'], input);
        assert.deepEqual(sentVersions(produced.stderr, /Sent ProduceRequest \(v(\d+)/g), [produceVersion], produced.stderr);
        assert.match(produced.stderr, new RegExp(`MsgVersion 0, .*${codec === 'none' ? 'uncompressed' : codec}\\)`), 'kcat sent magic 0 messages in the codec asked for');

        const expected = Array.from({ length: n }, (_, i) => ({ key: `key-${i}`, value: `value-${i}-${'x'.repeat(i % 13)}`, offset: i }));
        // Modern kcat (Fetch v11+, record batch v2): magic 0 has no timestamp, so -1.
        const modern = await kcatConsume(topic);
        assert.deepEqual(modern.lines, expected.map((e) => ({ ...e, ts: -1 })));
        // Stored as v2 batches, the producer's codec kept (Kafka's up-conversion).
        const batches = await fetchBatches(broker.port, topic);
        assert.ok(batches.length >= 1);
        assert.ok(batches.every((b) => b.compression === CODEC[codec]), JSON.stringify(batches));
        assert.equal(batches.reduce((s, b) => s + b.records, 0), n);
        // The same old kcat reads it back through Fetch v0/v1 (magic 0 message sets; no timestamp, printed as 0).
        const old = await kcatConsume(topic, fallback);
        assert.deepEqual(sentVersions(old.stderr, /Sent FetchRequest \(v(\d+)/g), [fetchVersion]);
        assert.deepEqual(old.lines, expected.map((e) => ({ ...e, ts: 0 })));
      });
    }
  }

  it('old kcat (Fetch v0 and v1) reads what modern kcat produced: headers dropped, zstd and lz4 batches converted', async () => {
    const topic = uniqueTopic('legacy-modern-to-old');
    await createTopic(broker.port, topic, 1);
    const input = Array.from({ length: 30 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
    await kcat(['-P', '-t', topic, '-p', '0', '-K', ':', '-z', 'zstd', '-H', 'h=1'], input.split('\n').slice(0, 10).join('\n') + '\n');
    await kcat(['-P', '-t', topic, '-p', '0', '-K', ':', '-z', 'lz4'], input.split('\n').slice(10, 20).join('\n') + '\n');
    await kcat(['-P', '-t', topic, '-p', '0', '-K', ':'], input.split('\n').slice(20).join('\n'));
    const modern = await kcatConsume(topic);
    assert.equal(modern.lines.length, 30);
    for (const fallback of ['0.8.2', '0.9.0'] as const) {
      const old = await kcatConsume(topic, fallback);
      assert.deepEqual(old.lines, modern.lines.map((l) => ({ ...l, ts: 0 })), `as Kafka ${fallback}`);
    }
    // Fetch v2 (magic 1) keeps the timestamps the modern producer set.
    const p = await fetch(2, topic, 0);
    assert.equal(p.errorCode, 0);
    const records = await decodeLegacyMessageSet(p.records!);
    assert.deepEqual(records.map((r) => [r.offset, r.magic, r.timestamp]), modern.lines.map((l) => [l.offset, 1, l.ts]));
  });

  it('Produce v0 (magic 0) and v2 (magic 1) from our wire client, every codec: read back by kcat, Fetch v0 and Fetch v2', async () => {
    const now = Date.now();
    for (const magic of [0, 1] as const) {
      for (const codec of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4]) {
        const topic = uniqueTopic(`legacy-raw-m${magic}-c${codec}`);
        await createTopic(broker.port, topic, 1);
        const inputs: LegacyRecordInput[] = Array.from({ length: 8 }, (_, i) => ({
          timestamp: now - 1000 + i,
          key: i % 3 === 0 ? null : Buffer.from(`key${i}`),
          value: Buffer.from(`value${i}`),
        }));
        const version = magic === 0 ? 0 : 2;
        // two requests: offsets are assigned by the broker, whatever the client wrote
        for (const [base, half] of [
          [0, inputs.slice(0, 4)],
          [4, inputs.slice(4)],
        ] as const) {
          const set =
            codec === CompressionType.None
              ? encodeLegacyMessageSet(half, { magic, baseOffset: 1000 })
              : await encodeLegacyWrapper(half, { magic, compression: codec, baseOffset: 1000 }); // magic 0 lz4: broken header checksum
          const r = await produce(version, topic, set);
          assert.equal(r.errorCode, 0, `magic ${magic} codec ${codec}`);
          assert.equal(r.baseOffset, base);
          if (version >= 2) assert.equal(r.logAppendTimeMs, -1);
        }
        const ts = (i: number) => (magic === 0 ? -1 : now - 1000 + i);
        const modern = await kcatConsume(topic);
        assert.deepEqual(
          modern.lines,
          inputs.map((r, i) => ({ key: r.key ? r.key.toString() : '', value: r.value!.toString(), ts: ts(i), offset: i })),
          `magic ${magic} codec ${codec}`,
        );
        const batches = await fetchBatches(broker.port, topic);
        assert.deepEqual(batches.map((b) => [b.baseOffset, b.records, b.compression]), [
          [0, 4, codec],
          [4, 4, codec],
        ]);
        for (const fetchVersion of [0, 1, 2, 3]) {
          const p = await fetch(fetchVersion, topic, 0);
          assert.equal(p.errorCode, 0);
          assert.equal(p.highWatermark, 8);
          const outMagic = fetchVersion < 2 ? 0 : 1;
          const entries = readLegacyEntries(p.records!);
          assert.ok(entries.every((e) => e.magic === outMagic && e.compression === CompressionType.None));
          assert.deepEqual(
            entries.map((e) => [e.offset, e.timestamp, e.key && e.key.toString(), e.value!.toString()]),
            inputs.map((r, i) => [i, outMagic === 0 ? -1 : ts(i), r.key ? r.key.toString() : null, r.value!.toString()]),
            `Fetch v${fetchVersion} of magic ${magic} codec ${codec}`,
          );
        }
        // from the middle of a batch: nothing before the fetch offset
        const mid = await fetch(0, topic, 5);
        assert.deepEqual(readLegacyEntries(mid.records!).map((e) => e.offset), [5, 6, 7]);
      }
    }
  });

  it('Fetch v0-v3 answers within partition_max_bytes with at least one message, and errors with an empty message set', async () => {
    const topic = uniqueTopic('legacy-limits');
    await createTopic(broker.port, topic, 1);
    const big = await buildBatch(Array.from({ length: 10 }, (_, i) => ({ value: Buffer.alloc(100, 48 + i), timestamp: Date.now() })));
    const c = await RawClient.connect(broker.port);
    try {
      const res = await c.request(0, 3, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: big }] }] });
      assert.equal(res.responses[0].partitionResponses[0].errorCode, 0);
    } finally {
      c.close();
    }
    // A magic 0 message with a 100-byte value and no key is 126 bytes.
    const three = await fetch(0, topic, 0, 3 * 126);
    assert.deepEqual(readLegacyEntries(three.records!).map((e) => e.offset), [0, 1, 2]);
    const one = await fetch(2, topic, 0, 10);
    assert.deepEqual(readLegacyEntries(one.records!).map((e) => e.offset), [0]);
    const beyond = await fetch(1, topic, 99);
    assert.equal(beyond.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal(beyond.records?.length ?? 0, 0);
    const atEnd = await fetch(0, topic, 10);
    assert.equal(atEnd.errorCode, 0);
    assert.equal(atEnd.records!.length, 0);
  });

  it('legacy produce errors: CRC mismatch is CORRUPT_MESSAGE; magic 0/1 in Produce v3+ is INVALID_RECORD; timestamps and LogAppendTime as Kafka', async () => {
    const topic = uniqueTopic('legacy-errors');
    await createTopic(broker.port, topic, 1, { 'message.timestamp.before.max.ms': '3600000' });
    const good = encodeLegacyMessageSet([{ timestamp: Date.now(), value: Buffer.from('ok') }], { magic: 1 });
    const corrupt = Buffer.from(good);
    corrupt.writeUInt32BE((corrupt.readUInt32BE(LEGACY_CRC) ^ 1) >>> 0, LEGACY_CRC);
    assert.equal((await produce(2, topic, corrupt)).errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal((await produce(1, topic, corrupt)).errorCode, ErrorCode.CORRUPT_MESSAGE);
    const c = await RawClient.connect(broker.port);
    try {
      for (const v of [3, 7, 11]) {
        const res = await c.request(0, v, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: good }] }] });
        const p = res.responses[0].partitionResponses[0];
        assert.equal(p.errorCode, ErrorCode.INVALID_RECORD, `Produce v${v}`);
        if (v >= 8) assert.match(p.errorMessage, /only allowed to contain record batches with magic version 2/);
      }
    } finally {
      c.close();
    }
    const old = encodeLegacyMessageSet([{ timestamp: 1000, value: Buffer.from('old') }], { magic: 1 });
    assert.equal((await produce(2, topic, old)).errorCode, ErrorCode.INVALID_TIMESTAMP);
    // magic 0 has no timestamp to be out of range
    assert.equal((await produce(0, topic, encodeLegacyMessageSet([{ value: Buffer.from('v0') }], { magic: 0 }))).errorCode, 0);
    assert.equal((await produce(2, topic, good)).errorCode, 0);
    // a v2 batch in Produce v2 is accepted as Kafka accepts it
    assert.equal((await produce(2, topic, await buildBatch([{ value: Buffer.from('v2batch') }]))).errorCode, 0);
    const read = await kcatConsume(topic);
    assert.deepEqual(read.lines.map((l) => [l.offset, l.value]), [
      [0, 'v0'],
      [1, 'ok'],
      [2, 'v2batch'],
    ]);

    const lat = uniqueTopic('legacy-lat');
    await createTopic(broker.port, lat, 1, { 'message.timestamp.type': 'LogAppendTime' });
    const before = Date.now();
    const r = await produce(2, lat, await encodeLegacyWrapper([{ timestamp: 5, value: Buffer.from('a') }, { timestamp: 6, value: Buffer.from('b') }], { magic: 1, compression: CompressionType.Gzip }));
    assert.equal(r.errorCode, 0);
    assert.ok(r.logAppendTimeMs >= before && r.logAppendTimeMs <= Date.now(), `logAppendTimeMs ${r.logAppendTimeMs}`);
    const back = readLegacyEntries((await fetch(3, lat, 0)).records!);
    assert.deepEqual(back.map((e) => [e.timestamp, e.timestampType]), [
      [r.logAppendTimeMs, TimestampType.LogAppendTime],
      [r.logAppendTimeMs, TimestampType.LogAppendTime],
    ]);
    const modern = await kcatConsume(lat);
    assert.deepEqual(modern.lines.map((l) => l.ts), [r.logAppendTimeMs, r.logAppendTimeMs]);
  });

  const KAFKA_PYTHON = `
import sys, json, logging
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
bootstrap, topic, ver, codec, n = sys.argv[1], sys.argv[2], tuple(int(x) for x in sys.argv[3].split('.')), sys.argv[4], int(sys.argv[5])
p = KafkaProducer(bootstrap_servers=bootstrap, api_version=ver, compression_type=None if codec == 'none' else codec, linger_ms=20)
futs = [p.send(topic, key=(b'k%d' % i) if i % 2 else None, value=b'v%d' % i, partition=0,
               timestamp_ms=(1700000000000 + i) if ver >= (0, 10) else None) for i in range(n)]
p.flush()
acked = [[m.offset, m.timestamp] for m in (f.get(timeout=10) for f in futs)]
p.close()
c = KafkaConsumer(bootstrap_servers=bootstrap, api_version=ver, enable_auto_commit=False, group_id=None, consumer_timeout_ms=5000)
tp = TopicPartition(topic, 0)
c.assign([tp])
c.seek_to_beginning(tp)
got = []
for m in c:
    got.append([m.offset, m.timestamp, m.timestamp_type, m.key.decode() if m.key is not None else None, m.value.decode()])
    if len(got) >= n:
        break
c.close()
print(json.dumps({'acked': acked, 'got': got}))
`;

  for (const [api, produceVersion, fetchVersion, magic] of [
    ['0.10.1', 2, 3, 1],
    ['0.9', 1, 1, 0],
    ['0.8.2', 0, 0, 0],
  ] as const) {
    for (const codec of ['none', 'gzip'] as const) {
      it(`kafka-python with api_version=(${api.replace(/\./g, ', ')}) produces and consumes (Produce v${produceVersion}, Fetch v${fetchVersion}, magic ${magic}, ${codec})`, async () => {
        const topic = uniqueTopic(`legacy-kp-${api}-${codec}`);
        await createTopic(broker.port, topic, 1);
        const n = 20;
        const r = await runPython(KAFKA_PYTHON, [broker.bootstrap, topic, api, codec, String(n)], 90000);
        assert.equal(r.status, 0, `kafka-python failed\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(-5000)}`);
        const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { acked: [number, number][]; got: [number, number | null, number | null, string | null, string][] };
        assert.deepEqual(sentVersions(r.stderr, /ProduceRequest_v(\d+)/g), [produceVersion]);
        assert.deepEqual(sentVersions(r.stderr, /FetchRequest_v(\d+)/g), [fetchVersion]);
        const ts = (i: number) => (magic === 1 ? 1700000000000 + i : -1);
        assert.deepEqual(out.acked, Array.from({ length: n }, (_, i) => [i, ts(i)]));
        assert.deepEqual(
          out.got,
          Array.from({ length: n }, (_, i) => [i, magic === 1 ? ts(i) : null, magic === 1 ? 0 : null, i % 2 ? `k${i}` : null, `v${i}`]),
        );
        // and a modern consumer sees the same records, timestamps kept (magic 1) or -1 (magic 0)
        const modern = await kcatConsume(topic);
        assert.deepEqual(modern.lines, Array.from({ length: n }, (_, i) => ({ key: i % 2 ? `k${i}` : '', value: `v${i}`, ts: ts(i), offset: i })));
        const batches = await fetchBatches(broker.port, topic);
        assert.ok(batches.every((b) => b.compression === CODEC[codec]));
      });
    }
  }

  it('kafka-python at (0, 10, 1) and (0, 9) reads what modern kcat produced (headers, zstd)', async () => {
    const topic = uniqueTopic('legacy-kp-read');
    await createTopic(broker.port, topic, 1);
    await kcat(['-P', '-t', topic, '-p', '0', '-K', ':', '-z', 'zstd', '-H', 'a=b'], 'x:1\ny:2\nz:3\n');
    const modern = await kcatConsume(topic);
    const script = `
import sys, json
from kafka import KafkaConsumer, TopicPartition
out = {}
for ver in [(0, 10, 1), (0, 9)]:
    c = KafkaConsumer(bootstrap_servers=sys.argv[1], api_version=ver, enable_auto_commit=False, group_id=None, consumer_timeout_ms=5000)
    tp = TopicPartition(sys.argv[2], 0)
    c.assign([tp]); c.seek_to_beginning(tp)
    got = []
    for m in c:
        got.append([m.offset, m.timestamp, m.key.decode(), m.value.decode()])
        if len(got) >= 3: break
    c.close()
    out['.'.join(map(str, ver))] = got
print(json.dumps(out))
`;
    const r = await runPython(script, [broker.bootstrap, topic], 90000);
    assert.equal(r.status, 0, r.stderr.slice(-5000));
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.deepEqual(out['0.10.1'], modern.lines.map((l) => [l.offset, l.ts, l.key, l.value]));
    assert.deepEqual(out['0.9'], modern.lines.map((l) => [l.offset, null, l.key, l.value]));
  });
});
