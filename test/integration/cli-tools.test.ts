// The remaining Kafka tools of issue 6, run through bin/<tool>.sh against a
// Samsa broker process (or, for kafka-dump-log, against files), their output
// compared line by line with Kafka 3.9's formats after normalising the parts
// that change from run to run:
//  - kafka-broker-api-versions: every line, checked against the broker's raw
//    ApiVersions answer and Kafka 3.9's API names;
//  - kafka-dump-log: a segment written here byte by byte (an encoder in this
//    file, sharing no code with Samsa) with every batch and record field
//    predicted exactly; segments, indexes, time indexes and producer snapshots
//    written by the broker from kcat-produced data (every codec, keys, headers,
//    idempotent producers), checked against kcat's own view of the records;
//    __consumer_offsets with --offsets-decoder; legacy magic 0/1 message sets;
//    the error reports (index mismatches, torn tails, gaps);
//  - kafka-verifiable-producer / -consumer: every JSON event line (Jackson's
//    field order), what they report checked with kcat and kafka-consumer-groups,
//    rebalances between two members, signals; argparse4j's usage errors as
//    argparse4j 0.7.0 prints them for Kafka's option definitions;
//  - kafka-producer-perf-test / kafka-consumer-perf-test: the summary, window
//    and detailed lines, payload kinds, throttling, metrics, usage errors;
//  - kafka-leader-election / kafka-reassign-partitions: Kafka's answers for a
//    one-broker cluster, Kafka's checks and messages, the single-broker note.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { BrokerProcess, requireTool, run, runPython, startBrokerProcess, tempDir } from './harness.js';
import { assertLines, runTool, startTool, tool } from './cli-util.js';
import { RawClient } from './raw-client.js';

// ------------------------------------------------------------------ an independent batch encoder

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32c(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 (legacy messages). */
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function varint(n: number): Buffer {
  let z = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

interface TestRecord {
  key: string | null;
  value: string | null;
  headers?: [string, string][];
  timestampDelta?: number;
}

function encodeRecord(r: TestRecord, offsetDelta: number): Buffer {
  const bytes = (s: string | null) => (s === null ? varint(-1) : Buffer.concat([varint(Buffer.byteLength(s)), Buffer.from(s)]));
  const body = Buffer.concat([
    Buffer.from([0]),
    varint(r.timestampDelta ?? 0),
    varint(offsetDelta),
    bytes(r.key),
    bytes(r.value),
    varint(r.headers?.length ?? 0),
    ...(r.headers ?? []).map(([k, v]) => Buffer.concat([varint(Buffer.byteLength(k)), Buffer.from(k), bytes(v)])),
  ]);
  return Buffer.concat([varint(body.length), body]);
}

interface TestBatch {
  baseOffset: number;
  records: TestRecord[];
  baseTimestamp: number;
  gzip?: boolean;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  logAppendTime?: boolean;
  deleteHorizon?: boolean;
  leaderEpoch?: number;
}

function encodeBatch(b: TestBatch): Buffer {
  const raw = Buffer.concat(b.records.map((r, i) => encodeRecord(r, i)));
  const payload = b.gzip ? gzipSync(raw) : raw;
  const h = Buffer.alloc(61);
  h.writeBigInt64BE(BigInt(b.baseOffset), 0);
  h.writeInt32BE(49 + payload.length, 8);
  h.writeInt32BE(b.leaderEpoch ?? 0, 12);
  h.writeInt8(2, 16);
  const attrs = (b.gzip ? 1 : 0) | (b.logAppendTime ? 8 : 0) | (b.transactional ? 16 : 0) | (b.control ? 32 : 0) | (b.deleteHorizon ? 64 : 0);
  h.writeInt16BE(attrs, 21);
  h.writeInt32BE(b.records.length - 1, 23);
  const maxDelta = Math.max(...b.records.map((r) => r.timestampDelta ?? 0));
  h.writeBigInt64BE(BigInt(b.baseTimestamp), 27);
  h.writeBigInt64BE(BigInt(b.baseTimestamp + maxDelta), 35);
  h.writeBigInt64BE(BigInt(b.producerId ?? -1), 43);
  h.writeInt16BE(b.producerEpoch ?? -1, 51);
  h.writeInt32BE(b.baseSequence ?? -1, 53);
  h.writeInt32BE(b.records.length, 57);
  const batch = Buffer.concat([h, payload]);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** A magic 0/1 message (uncompressed, or a wrapper around `inner`). */
function encodeLegacy(magic: 0 | 1, offset: number, key: string | null, value: Buffer | string | null, timestamp: number, codec = 0): Buffer {
  const bytes = (s: Buffer | string | null) => {
    if (s === null) return Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const b = Buffer.from(s);
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const ts = Buffer.alloc(magic === 1 ? 8 : 0);
  if (magic === 1) ts.writeBigInt64BE(BigInt(timestamp));
  const body = Buffer.concat([Buffer.from([magic, codec]), ts, bytes(key), bytes(value)]);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(BigInt(offset), 0);
  head.writeInt32BE(body.length + 4, 8);
  head.writeUInt32BE(crc32(body), 12);
  return Buffer.concat([head, body]);
}

// ------------------------------------------------------------------ expectations in Kafka's format

function batchLine(b: TestBatch, bytes: Buffer, position: number): string {
  const last = b.baseOffset + b.records.length - 1;
  const lastSeq = (b.baseSequence ?? -1) === -1 ? -1 : b.baseSequence! + b.records.length - 1;
  const maxTs = b.baseTimestamp + Math.max(...b.records.map((r) => r.timestampDelta ?? 0));
  return (
    `baseOffset: ${b.baseOffset} lastOffset: ${last} count: ${b.records.length} baseSequence: ${b.baseSequence ?? -1} lastSequence: ${lastSeq} ` +
    `producerId: ${b.producerId ?? -1} producerEpoch: ${b.producerEpoch ?? -1} partitionLeaderEpoch: ${b.leaderEpoch ?? 0} ` +
    `isTransactional: ${!!b.transactional} isControl: ${!!b.control} deleteHorizonMs: ${b.deleteHorizon ? `OptionalLong[${b.baseTimestamp}]` : 'OptionalLong.empty'} ` +
    `position: ${position} ${b.logAppendTime ? 'LogAppendTime' : 'CreateTime'}: ${maxTs} size: ${bytes.length} magic: 2 compresscodec: ${b.gzip ? 'gzip' : 'none'} ` +
    `crc: ${bytes.readUInt32BE(17)} isvalid: true`
  );
}

function recordLines(b: TestBatch, print: boolean): string[] {
  const maxTs = b.baseTimestamp + Math.max(...b.records.map((r) => r.timestampDelta ?? 0));
  return b.records.map((r, i) => {
    const ts = b.logAppendTime ? maxTs : b.baseTimestamp + (r.timestampDelta ?? 0);
    const seq = (b.baseSequence ?? -1) === -1 ? -1 : b.baseSequence! + i;
    let line =
      `| offset: ${b.baseOffset + i} ${b.logAppendTime ? 'LogAppendTime' : 'CreateTime'}: ${ts} keySize: ${r.key === null ? -1 : Buffer.byteLength(r.key)} ` +
      `valueSize: ${r.value === null ? -1 : Buffer.byteLength(r.value)} sequence: ${seq} headerKeys: [${(r.headers ?? []).map((h) => h[0]).join(',')}]`;
    if (b.control) {
      const k = Buffer.from(r.key!, 'latin1');
      const v = Buffer.from(r.value!, 'latin1');
      line += ` endTxnMarker: ${k.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT'} coordinatorEpoch: ${v.readInt32BE(2)}`;
    } else if (print) {
      if (r.key !== null) line += ` key: ${r.key}`;
      if (r.value !== null) line += ` payload: ${r.value}`;
    }
    return line;
  });
}

/** Reads a .log file's batch headers (offset, last offset, position, size) without Samsa's code. */
function batchesOf(file: string): { base: number; last: number; position: number; size: number; maxTs: number; codec: number }[] {
  const b = readFileSync(file);
  const out = [];
  for (let at = 0; at + 61 <= b.length; ) {
    const size = b.readInt32BE(at + 8) + 12;
    if (at + size > b.length) break;
    const base = Number(b.readBigInt64BE(at));
    out.push({ base, last: base + b.readInt32BE(at + 23), position: at, size, maxTs: Number(b.readBigInt64BE(at + 35)), codec: b.readInt16BE(at + 21) & 7 });
    at += size;
  }
  return out;
}

const BATCH_LINE =
  /^baseOffset: (\d+) lastOffset: (\d+) count: (\d+) baseSequence: (-?\d+) lastSequence: (-?\d+) producerId: (-?\d+) producerEpoch: (-?\d+) partitionLeaderEpoch: (-?\d+) isTransactional: (true|false) isControl: (true|false) deleteHorizonMs: (OptionalLong\.empty|OptionalLong\[\d+\]) position: (\d+) (CreateTime|LogAppendTime): (-?\d+) size: (\d+) magic: 2 compresscodec: (none|gzip|snappy|lz4|zstd) crc: (\d+) isvalid: (true|false)$/;
const RECORD_LINE = /^\| offset: (\d+) (CreateTime|LogAppendTime): (-?\d+) keySize: (-?\d+) valueSize: (-?\d+) sequence: (-?\d+) headerKeys: \[([^\]]*)\](?: key: (.*?))?(?: payload: (.*))?$/;

/** Waits for a condition checked every 100 ms (at most 30 s). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function segmentFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => path.join(dir, f));
}

// ------------------------------------------------------------------ the tests

describe('Kafka tools: broker-api-versions, dump-log, verifiable producer and consumer, perf tests, leader election, reassignment', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  const dir = tempDir('cli-tools-');
  const bs = () => ['--bootstrap-server', broker.bootstrap];

  before(async () => {
    requireTool('kcat');
    broker = await startBrokerProcess({ overrides: { 'node.id': '0', 'num.partitions': '1', 'log.index.interval.bytes': '200' } });
  });
  after(async () => {
    await broker?.destroy();
  });

  // ---------------------------------------------------------------- kafka-broker-api-versions

  it('kafka-broker-api-versions: Kafka 3.9\'s layout, every API the broker answers, UNSUPPORTED client APIs', async () => {
    const out = await tool('kafka-broker-api-versions', bs());
    const lines = out.split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines[0], `127.0.0.1:${broker.port} (id: 0 rack: null) -> (`);
    assert.equal(lines[lines.length - 1], ')');
    const body = lines.slice(1, -1);
    body.forEach((l, i) => assert.ok(l.startsWith('\t') && l.endsWith(',') === (i < body.length - 1), JSON.stringify(l)));
    const byKey = new Map(body.map((l) => [Number(/\((\d+)\):/.exec(l)![1]), l.slice(1).replace(/,$/, '')]));
    assert.deepEqual([...byKey.keys()], [...byKey.keys()].sort((a, b) => a - b), 'ascending keys');

    // Against the broker's own ApiVersions answer.
    const raw = await RawClient.connect(broker.port);
    const res = await raw.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    raw.close();
    for (const k of res.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]) {
      const line = byKey.get(k.apiKey);
      assert.ok(line, `key ${k.apiKey} listed`);
      const range = k.minVersion === k.maxVersion ? `${k.minVersion}` : `${k.minVersion} to ${k.maxVersion}`;
      assert.match(line!, new RegExp(`^\\w+\\(${k.apiKey}\\): ${range} \\[usable: \\d+\\]$`));
    }
    // Kafka 3.9's names and usable versions, and the client APIs this broker does not serve.
    for (const expected of [
      'Produce(0): 0 to 11 [usable: 11]',
      'ListOffsets(2): 0 to 9 [usable: 9]',
      'Metadata(3): 0 to 12 [usable: 12]',
      'LeaderAndIsr(4): UNSUPPORTED',
      'OffsetCommit(8): 0 to 9 [usable: 9]',
      'FindCoordinator(10): 0 to 6 [usable: 6]',
      'ApiVersions(18): 0 to 4 [usable: 4]',
      'CreateTopics(19): 0 to 7 [usable: 7]',
      'DescribeConfigs(32): 0 to 4 [usable: 4]',
      'ElectLeaders(43): UNSUPPORTED',
      'OffsetDelete(47): 0 [usable: 0]',
      'DescribeQuorum(55): UNSUPPORTED',
      'DescribeCluster(60): 0 to 1 [usable: 1]',
      'ReadShareGroupStateSummary(87): UNSUPPORTED',
    ]) {
      assert.equal(byKey.get(Number(/\((\d+)\)/.exec(expected)![1])), expected);
    }
    for (const controllerOnly of [52, 53, 54, 59, 62, 63, 70, 73, 82]) assert.ok(!byKey.has(controllerOnly), `controller API ${controllerOnly} not listed`);
    assert.equal(body.length, new Set([...res.apiKeys.map((k: any) => k.apiKey), ...[...byKey.keys()]]).size);

    // --command-config is read; the output does not depend on it.
    const cfg = path.join(dir, 'client.properties');
    writeFileSync(cfg, 'request.timeout.ms=3000\nclient.id=versions-check\n');
    assert.equal(await tool('kafka-broker-api-versions', [...bs(), '--command-config', cfg]), out);
    // A bootstrap list whose first address is dead: the next one answers.
    assert.equal(await tool('kafka-broker-api-versions', ['--bootstrap-server', `127.0.0.1:1,${broker.bootstrap}`]), out);
  });

  it('kafka-broker-api-versions: usage errors, --help, an unreachable broker', async () => {
    const missing = await runTool('kafka-broker-api-versions', ['--command-config', '/dev/null']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr.split('\n')[0], 'Missing required argument "[bootstrap-server]"');
    const help = await runTool('kafka-broker-api-versions', ['--help']);
    assert.equal(help.status, 1);
    // jopt-simple's table as jopt-simple 5.0.4 prints it for these options (blanks at line ends dropped).
    assert.deepEqual(help.stderr.trimEnd().split('\n').map((l) => l.trimEnd()), [
      'This tool helps to retrieve broker version information.',
      'Option                                 Description',
      '------                                 -----------',
      '--bootstrap-server <String: server(s)  REQUIRED: The server to connect to.',
      '  to use for bootstrapping>',
      '--command-config <String: command      A property file containing configs to',
      '  config property file>                  be passed to Admin Client.',
      '--help                                 Print usage information.',
      '--version                              Display Kafka version.',
    ]);
    const zk = await runTool('kafka-broker-api-versions', ['--zookeeper', 'localhost:2181']);
    assert.equal(zk.status, 1);
    assert.match(zk.stderr, /^zookeeper is not a recognized option\n/);
    const started = Date.now();
    const down = await runTool('kafka-broker-api-versions', ['--bootstrap-server', '127.0.0.1:1']);
    assert.equal(down.status, 1);
    assert.equal(down.stdout, '');
    assert.equal(down.stderr, 'Request METADATA failed on brokers List(127.0.0.1:1 (id: -1 rack: null))\n');
    assert.ok(Date.now() - started < 10_000, 'fails at once, as Kafka\'s tool does');
  });

  // ---------------------------------------------------------------- kafka-dump-log

  it('kafka-dump-log: every field of a hand-written segment, shallow, deep, with data, without metadata', async () => {
    const t0 = 1_700_000_000_000;
    const batches: TestBatch[] = [
      { baseOffset: 0, baseTimestamp: t0, records: [{ key: 'k1', value: 'hello', headers: [['h1', 'x'], ['h2', 'y']] }, { key: null, value: 'world', timestampDelta: 5 }] },
      { baseOffset: 2, baseTimestamp: t0 + 10, gzip: true, leaderEpoch: 3, records: [{ key: 'a', value: null }, { key: 'b', value: 'B' }, { key: 'c', value: 'C', timestampDelta: 2 }] },
      { baseOffset: 5, baseTimestamp: t0 + 20, producerId: 4000, producerEpoch: 2, baseSequence: 10, transactional: true, records: [{ key: null, value: 'tx' }] },
      {
        baseOffset: 6,
        baseTimestamp: t0 + 30,
        producerId: 4000,
        producerEpoch: 2,
        transactional: true,
        control: true,
        records: [{ key: '\x00\x00\x00\x01', value: '\x00\x00\x00\x00\x00\x07' }],
      },
      { baseOffset: 7, baseTimestamp: t0 + 40, logAppendTime: true, records: [{ key: 'la', value: 'v', timestampDelta: 0 }, { key: 'lb', value: 'w', timestampDelta: 0 }] },
      { baseOffset: 9, baseTimestamp: t0 + 50, deleteHorizon: true, records: [{ key: 'gone', value: null }] },
    ];
    const encoded = batches.map((b) => (b.control ? encodeControl(b) : encodeBatch(b)));
    const file = path.join(dir, '00000000000000000000.log');
    writeFileSync(file, Buffer.concat(encoded));
    const positions = encoded.map((_, i) => encoded.slice(0, i).reduce((n, e) => n + e.length, 0));

    const shallow = await tool('kafka-dump-log', ['--files', file]);
    assertLines(shallow, [`Dumping ${file}`, 'Log starting offset: 0', ...batches.map((b, i) => batchLine(b, encoded[i]!, positions[i]!))]);
    // As Kafka's docs run it: kafka-run-class.sh kafka.tools.DumpLogSegments.
    assert.equal(await tool('kafka-run-class', ['kafka.tools.DumpLogSegments', '--files', file]), shallow);

    const deep = await tool('kafka-dump-log', ['--files', file, '--deep-iteration']);
    assertLines(deep, [`Dumping ${file}`, 'Log starting offset: 0', ...batches.flatMap((b, i) => [batchLine(b, encoded[i]!, positions[i]!), ...recordLines(b, false)])]);

    const data = await tool('kafka-dump-log', ['--files', file, '--print-data-log']);
    assertLines(data, [`Dumping ${file}`, 'Log starting offset: 0', ...batches.flatMap((b, i) => [batchLine(b, encoded[i]!, positions[i]!), ...recordLines(b, true)])]);

    // --skip-record-metadata: "| key: … payload: …" only (control records print nothing); without a key Kafka
    // prints " payload: …" with no indent, as its DumpLogSegments does.
    const bare = await tool('kafka-dump-log', ['--files', file, '--print-data-log', '--skip-record-metadata']);
    const bareRecords = normalizeBatches(bare).filter((l) => !l.startsWith('baseOffset'));
    assert.equal(bareRecords.length, 2 + 10);
    assert.deepEqual(bareRecords.slice(2, 5), ['| key: k1 payload: hello', ' payload: world', '| key: a']);

    // --max-bytes stops before the batch that does not fit, without the trailing-bytes report.
    const limited = await tool('kafka-dump-log', ['--files', file, '--max-bytes', String(positions[2]! + 10)]);
    assertLines(limited, [`Dumping ${file}`, 'Log starting offset: 0', batchLine(batches[0]!, encoded[0]!, 0), batchLine(batches[1]!, encoded[1]!, positions[1]!)]);

    // A torn tail is reported as Kafka does; a gap in offsets (as after compaction) too, on stderr.
    const torn = path.join(dir, '00000000000000000100.log');
    const shifted = batches.slice(0, 2).map((b, i) => ({ ...b, baseOffset: 100 + b.baseOffset + (i === 1 ? 3 : 0) }));
    writeFileSync(torn, Buffer.concat([...shifted.map(encodeBatch), Buffer.from('0123456789')]));
    const tr = await runTool('kafka-dump-log', ['--files', torn, '--deep-iteration']);
    assert.equal(tr.status, 0, tr.stderr);
    assert.equal(tr.stdout.trim().split('\n').pop(), 'Found 10 invalid bytes at the end of 00000000000000000100.log');
    assert.equal(tr.stderr, `Non-consecutive offsets in ${torn}\n  101 is followed by 105\n`);
  });

  it('kafka-dump-log: legacy magic 0 and 1 message sets, plain and gzip-wrapped', async () => {
    const t0 = 1_600_000_000_000;
    const m0 = encodeLegacy(0, 0, 'k', 'v0', -1);
    const m1 = encodeLegacy(1, 1, null, 'v1', t0);
    const inner = Buffer.concat([encodeLegacy(1, 0, 'a', 'A', t0 + 1), encodeLegacy(1, 1, 'b', 'B', t0 + 2)]);
    const wrapper = encodeLegacy(1, 3, null, gzipSync(inner), t0 + 2, 1);
    const file = path.join(dir, '00000000000000000200.log');
    writeFileSync(file, Buffer.concat([m0, m1, wrapper]));
    const crcOf = (m: Buffer) => m.readUInt32BE(12);
    const out = await tool('kafka-dump-log', ['--files', file, '--print-data-log']);
    assertLines(out, [
      `Dumping ${file}`,
      'Log starting offset: 200',
      `offset: 0 position: 0 NoTimestampType: -1 size: ${m0.length} magic: 0 compresscodec: none crc: ${crcOf(m0)} isvalid: true`,
      `| offset: 0 NoTimestampType: -1 keySize: 1 valueSize: 2 isValid: true crc: ${crcOf(m0)}} key: k payload: v0`,
      `offset: 1 position: ${m0.length} CreateTime: ${t0} size: ${m1.length} magic: 1 compresscodec: none crc: ${crcOf(m1)} isvalid: true`,
      `| offset: 1 CreateTime: ${t0} keySize: -1 valueSize: 2 isValid: true crc: ${crcOf(m1)}} payload: v1`,
      `offset: 3 position: ${m0.length + m1.length} CreateTime: ${t0 + 2} size: ${wrapper.length} magic: 1 compresscodec: gzip crc: ${crcOf(wrapper)} isvalid: true`,
      `| offset: 2 CreateTime: ${t0 + 1} keySize: 1 valueSize: 1 isValid: true crc: ${crcOf(inner.subarray(0, inner.length / 2))}} key: a payload: A`,
      `| offset: 3 CreateTime: ${t0 + 2} keySize: 1 valueSize: 1 isValid: true crc: ${crcOf(inner.subarray(inner.length / 2))}} key: b payload: B`,
    ]);
  });

  it('kafka-dump-log: segments, indexes and time indexes the broker wrote from kcat data (every codec, keys, headers)', async () => {
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'dump', '--config', 'segment.bytes=4096']);
    const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
    for (const [i, codec] of codecs.entries()) {
      // Values long enough for every codec to shrink them; timestamps rise with each run.
      const lines = Array.from({ length: 40 }, (_, j) => `key-${i}-${j % 5}\tvalue ${codec} ${j} ${'x'.repeat(60)}`).join('\n') + '\n';
      const r = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'dump', '-p', '0', '-z', codec, '-K', '\t', '-H', `codec=${codec}`, '-H', 'n=1', '-X', 'batch.num.messages=8'], {
        input: lines,
      });
      assert.equal(r.status, 0, r.stderr);
    }
    // kcat's view of the partition: offset, key, value, timestamp, header keys.
    const consumed = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'dump', '-p', '0', '-o', 'beginning', '-e', '-f', '%o\t%k\t%s\t%T\t%h\n']);
    assert.equal(consumed.status, 0, consumed.stderr);
    const expected = consumed.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .map(([o, k, s, ts, h]) => ({ offset: Number(o), key: k!, value: s!, timestamp: Number(ts), headerKeys: h!.split(',').map((x) => x.split('=')[0]).join(',') }));
    assert.equal(expected.length, 200);

    const partDir = path.join(broker.dataDir, 'dump-0');
    const logs = segmentFiles(partDir, '.log');
    assert.ok(logs.length >= 3, `rolled into ${logs.length} segments`);
    const seen: typeof expected = [];
    const codecsSeen = new Set<string>();
    for (const log of logs) {
      const r = await runTool('kafka-dump-log', ['--files', log, '--print-data-log']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines[0], `Dumping ${log}`);
      assert.equal(lines[1], `Log starting offset: ${Number(path.basename(log).split('.')[0])}`);
      const raw = batchesOf(log);
      let b = -1;
      for (const line of lines.slice(2)) {
        const bm = BATCH_LINE.exec(line);
        if (bm) {
          b++;
          const h = raw[b]!;
          assert.equal(Number(bm[1]), h.base, line);
          assert.equal(Number(bm[2]), h.last, line);
          assert.equal(Number(bm[12]), h.position, line);
          assert.equal(Number(bm[14]), h.maxTs, line);
          assert.equal(Number(bm[15]), h.size, line);
          assert.equal(bm[16], ['none', 'gzip', 'snappy', 'lz4', 'zstd'][h.codec], line);
          assert.equal(bm[18], 'true', line);
          codecsSeen.add(bm[16]!);
          continue;
        }
        const rm = RECORD_LINE.exec(line);
        assert.ok(rm, `unexpected line: ${line}`);
        seen.push({ offset: Number(rm[1]), key: rm[8]!, value: rm[9]!, timestamp: Number(rm[3]), headerKeys: rm[7]! });
        assert.equal(Number(rm[4]), Buffer.byteLength(rm[8]!));
        assert.equal(Number(rm[5]), Buffer.byteLength(rm[9]!));
      }
      assert.equal(b + 1, raw.length, 'one line per batch');
      assert.equal(raw.reduce((n, x) => n + x.size, 0), statSync(log).size, 'no trailing bytes');
    }
    assert.deepEqual(seen, expected);
    assert.deepEqual([...codecsSeen].sort(), [...codecs].sort());

    // Indexes of the rolled segments: each entry names a batch's last offset and start.
    for (const index of segmentFiles(partDir, '.index').slice(0, -1)) {
      const r = await runTool('kafka-dump-log', ['--files', index]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', 'no mismatches');
      const raw = batchesOf(index.replace(/\.index$/, '.log'));
      const entries = r.stdout.trim().split('\n').slice(1);
      assert.ok(entries.length > 0, `${index} has entries`);
      for (const e of entries) {
        const m = /^offset: (\d+) position: (\d+)$/.exec(e);
        assert.ok(m, e);
        const hit = raw.find((x) => x.position === Number(m[2]));
        assert.equal(hit?.last, Number(m[1]), e);
      }
      const sanity = await tool('kafka-dump-log', ['--files', index, '--index-sanity-check']);
      assertLines(sanity, [`Dumping ${index}`, `${index} passed sanity check.`]);
      assertLines(await tool('kafka-dump-log', ['--files', index, '--verify-index-only']), [`Dumping ${index}`]);
    }
    for (const ti of segmentFiles(partDir, '.timeindex').slice(0, -1)) {
      const r = await runTool('kafka-dump-log', ['--files', ti]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', 'time index agrees with the log');
      const raw = batchesOf(ti.replace(/\.timeindex$/, '.log'));
      const entries = r.stdout.trim().split('\n').slice(1);
      assert.ok(entries.length > 0);
      for (const e of entries) {
        const m = /^timestamp: (\d+) offset: (\d+)$/.exec(e);
        assert.ok(m, e);
        const hit = raw.find((x) => x.last === Number(m[2]));
        assert.equal(hit?.maxTs, Number(m[1]), e);
      }
    }

    // Several files at once, an unknown file, a missing one.
    const [firstLog] = logs;
    const other = path.join(dir, 'notes.txt');
    writeFileSync(other, 'x');
    const many = await runTool('kafka-dump-log', ['--files', `${firstLog},${other}`]);
    assert.equal(many.status, 0);
    assert.ok(many.stdout.includes(`Dumping ${other}\n`));
    assert.equal(many.stderr, `Ignoring unknown file ${other}\n`);
    const missing = await runTool('kafka-dump-log', ['--files', path.join(dir, '00000000000000000999.log')]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stdout, `Dumping ${path.join(dir, '00000000000000000999.log')}\nLog starting offset: 999\n`);
    assert.equal(missing.stderr, `java.nio.file.NoSuchFileException: ${path.join(dir, '00000000000000000999.log')}\n`);

    // A stale index entry (a copy whose index points into the wrong batch) is reported as Kafka does.
    const copyDir = tempDir('cli-tools-index-');
    const base = path.basename(logs[0]!, '.log');
    copyFileSync(logs[0]!, path.join(copyDir, `${base}.log`));
    const idx = readFileSync(path.join(partDir, `${base}.index`));
    const badIdx = Buffer.from(idx);
    badIdx.writeInt32BE(badIdx.readInt32BE(0) + 1, 0);
    writeFileSync(path.join(copyDir, `${base}.index`), badIdx);
    const bad = await runTool('kafka-dump-log', ['--files', path.join(copyDir, `${base}.index`)]);
    assert.equal(bad.status, 0);
    const firstEntry = idx.readInt32BE(0) + Number(base);
    assert.equal(bad.stderr, `Mismatches in :${path.join(copyDir, `${base}.index`)}\n  Index offset: ${firstEntry + 1}, log offset: ${firstEntry}\n`);
  });

  it('kafka-dump-log --offsets-decoder: __consumer_offsets records as Kafka 3.9 prints them', async () => {
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'offsets-src']);
    await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'offsets-src', '-p', '0'], { input: 'a\nb\nc\n' });
    const consumed = await runTool('kafka-console-consumer', [...bs(), '--topic', 'offsets-src', '--group', 'dump-group', '--from-beginning', '--max-messages', '3']);
    assert.equal(consumed.status, 0, consumed.stderr);
    // The group's partition of __consumer_offsets: Java's String.hashCode, as Kafka.
    let h = 0;
    for (const ch of 'dump-group') h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
    const partition = (h === -2147483648 ? 0 : Math.abs(h)) % 50;
    const log = segmentFiles(path.join(broker.dataDir, `__consumer_offsets-${partition}`), '.log')[0]!;
    const out = await tool('kafka-dump-log', ['--files', log, '--offsets-decoder']);
    const records = out.split('\n').filter((l) => l.startsWith('| '));
    const kv = records.map((l) => {
      const m = / key: (.*) payload: (.*)$/.exec(l);
      assert.ok(m, l);
      return [JSON.parse(m[1]!), m[2] === '<DELETE>' ? '<DELETE>' : JSON.parse(m[2]!)];
    });
    const commit = kv.find(([k]) => k.type === '1' && k.data.topic === 'offsets-src');
    assert.ok(commit, out);
    assert.deepEqual(commit[0], { type: '1', data: { group: 'dump-group', topic: 'offsets-src', partition: 0 } });
    assert.equal(commit[1].version, '3');
    assert.deepEqual(Object.keys(commit[1].data), ['offset', 'leaderEpoch', 'metadata', 'commitTimestamp']);
    assert.equal(commit[1].data.offset, 3);
    assert.equal(commit[1].data.metadata, '');
    const group = kv.find(([k, v]) => k.type === '2' && v !== '<DELETE>' && v.data.members.length === 1);
    assert.ok(group, out);
    assert.deepEqual(group[0], { type: '2', data: { group: 'dump-group' } });
    assert.equal(group[1].version, '3');
    assert.deepEqual(Object.keys(group[1].data), ['protocolType', 'generation', 'protocol', 'leader', 'currentStateTimestamp', 'members']);
    assert.equal(group[1].data.protocolType, 'consumer');
    const member = group[1].data.members[0];
    assert.deepEqual(Object.keys(member), ['memberId', 'groupInstanceId', 'clientId', 'clientHost', 'rebalanceTimeout', 'sessionTimeout', 'subscription', 'assignment']);
    assert.equal(member.clientId, 'console-consumer');
    assert.deepEqual(member.subscription.topics, ['offsets-src']);
    assert.deepEqual(member.assignment.assignedPartitions, [{ topic: 'offsets-src', partitions: [0] }]);
  });

  it('kafka-dump-log: producer snapshots of an idempotent kcat producer; usage errors and --help', async () => {
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'idem', '--config', 'segment.bytes=2048']);
    const input = Array.from({ length: 60 }, (_, i) => `idempotent ${i} ${'y'.repeat(40)}`).join('\n') + '\n';
    const r = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'idem', '-p', '0', '-X', 'enable.idempotence=true', '-X', 'batch.num.messages=10'], { input });
    assert.equal(r.status, 0, r.stderr);
    const partDir = path.join(broker.dataDir, 'idem-0');
    // Snapshots are written asynchronously after a roll: wait for them (with a deadline).
    let snapshots = segmentFiles(partDir, '.snapshot');
    for (const deadline = Date.now() + 10_000; snapshots.length === 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      snapshots = segmentFiles(partDir, '.snapshot');
    }
    assert.ok(snapshots.length > 0, 'rolled segments leave snapshots');
    const snap = snapshots[snapshots.length - 1]!;
    const out = await tool('kafka-dump-log', ['--files', snap]);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines[0], `Dumping ${snap}`);
    const entries = lines.slice(1);
    assert.ok(entries.length >= 1, out);
    const snapOffset = Number(path.basename(snap).split('.')[0]);
    // The last batch below the snapshot offset, read from the log.
    const below = segmentFiles(partDir, '.log').flatMap(batchesOf).filter((b) => b.last < snapOffset);
    const lastBatch = below[below.length - 1]!;
    const m = /^producerId: (\d+) producerEpoch: 0 coordinatorEpoch: -?\d+ currentTxnFirstOffset: OptionalLong\.empty lastTimestamp: (\d+) firstSequence: (\d+) lastSequence: (\d+) lastOffset: (\d+) offsetDelta: (\d+) timestamp: (\d+)$/.exec(entries[entries.length - 1]!);
    assert.ok(m, entries[entries.length - 1]);
    assert.equal(Number(m[5]), lastBatch.last);
    assert.equal(Number(m[4]) - Number(m[3]), Number(m[6]));
    assert.equal(Number(m[4]), lastBatch.last, 'sequences follow offsets for one producer from 0');

    const noFiles = await runTool('kafka-dump-log', ['--print-data-log']);
    assert.equal(noFiles.status, 1);
    assert.equal(noFiles.stderr.split('\n')[0], 'Missing required argument "[files]"');
    const help = await runTool('kafka-dump-log', ['--help']);
    assert.equal(help.status, 1);
    const helpLines = help.stderr.split('\n');
    assert.equal(helpLines[0], 'This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.');
    assert.match(helpLines[1]!, /^Option {3,}Description/);
    for (const o of ['--deep-iteration', '--files <String: file1, file2, ...>', '--index-sanity-check', '--key-decoder-class [String]', '--max-bytes <Integer: size>', '--max-message-size <Integer: size>', '--offsets-decoder', '--print-data-log', '--skip-record-metadata', '--transaction-log-decoder', '--value-decoder-class [String]', '--verify-index-only']) {
      assert.ok(helpLines.some((l) => l.startsWith(o)), `help lists ${o}`);
    }
    const zk = await runTool('kafka-dump-log', ['--zookeeper', 'x']);
    assert.equal(zk.status, 1);
    assert.match(zk.stderr, /^zookeeper is not a recognized option/);
    // Kafka's decoder classes, and its notice for the deprecated names.
    const t = path.join(dir, '00000000000000000300.log');
    const num = Buffer.alloc(8);
    num.writeBigInt64BE(42n);
    writeFileSync(t, encodeBatch({ baseOffset: 300, baseTimestamp: 1, records: [{ key: '\x00\x00\x00\x07', value: num.toString('latin1') }] }));
    const decoded = await tool('kafka-dump-log', ['--files', t, '--key-decoder-class', 'org.apache.kafka.tools.api.IntegerDecoder', '--value-decoder-class', 'kafka.serializer.LongDecoder', '--skip-record-metadata']);
    assertLines(decoded, [
      `Dumping ${t}`,
      'kafka.serializer.LongDecoder is deprecated. Please use org.apache.kafka.tools.api.LongDecoder instead',
      'Log starting offset: 300',
      decoded.split('\n')[3]!,
      '| key: 7 payload: 42',
    ]);
  });

  it('kafka-dump-log: transactional batches, commit/abort markers and --transaction-log-decoder on broker-written data', async () => {
    requireTool('confluent-kafka');
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'txn-dump']);
    const script = [
      'import sys',
      'from confluent_kafka import Producer',
      "p = Producer({'bootstrap.servers': sys.argv[1], 'transactional.id': 'dump-tx', 'linger.ms': 5})",
      'p.init_transactions(30)',
      'p.begin_transaction()',
      "p.produce('txn-dump', key=b'k1', value=b'kept-1', partition=0)",
      "p.produce('txn-dump', key=b'k2', value=b'kept-2', partition=0)",
      'p.commit_transaction(30)',
      'p.begin_transaction()',
      "p.produce('txn-dump', value=b'dropped', partition=0)",
      'p.flush(10)',
      'p.abort_transaction(30)',
      'p.flush(10)',
    ].join('\n');
    const r = await runPython(script, [broker.bootstrap]);
    assert.equal(r.status, 0, r.stderr);
    // The markers are written after EndTxn is answered (as in Kafka): wait for the abort marker at offset 4.
    await until(async () => (await tool('kafka-get-offsets', [...bs(), '--topic', 'txn-dump'])) === 'txn-dump:0:5\n', 'the ABORT marker');
    const log = segmentFiles(path.join(broker.dataDir, 'txn-dump-0'), '.log')[0]!;
    const out = await tool('kafka-dump-log', ['--files', log, '--print-data-log']);
    const lines = out.trim().split('\n').slice(2);
    const batches = lines.filter((l) => l.startsWith('baseOffset'));
    assert.equal(batches.length, 4, out);
    for (const b of batches) assert.match(b, BATCH_LINE);
    const fields = batches.map((b) => BATCH_LINE.exec(b)!);
    assert.deepEqual(fields.map((m) => [m[9], m[10]]), [['true', 'false'], ['true', 'true'], ['true', 'false'], ['true', 'true']], 'data, marker, data, marker');
    const pid = fields[0]![6];
    for (const m of fields) assert.equal(m[6], pid, 'one producer id');
    const records = lines.filter((l) => l.startsWith('|'));
    assert.match(records[0]!, /^\| offset: 0 CreateTime: \d+ keySize: 2 valueSize: 6 sequence: 0 headerKeys: \[\] key: k1 payload: kept-1$/);
    assert.match(records[1]!, /^\| offset: 1 CreateTime: \d+ keySize: 2 valueSize: 6 sequence: 1 headerKeys: \[\] key: k2 payload: kept-2$/);
    assert.match(records[2]!, /^\| offset: 2 CreateTime: \d+ keySize: 4 valueSize: 6 sequence: -1 headerKeys: \[\] endTxnMarker: COMMIT coordinatorEpoch: \d+$/);
    assert.match(records[3]!, /^\| offset: 3 CreateTime: \d+ keySize: -1 valueSize: 7 sequence: 2 headerKeys: \[\] payload: dropped$/);
    assert.match(records[4]!, /^\| offset: 4 CreateTime: \d+ keySize: 4 valueSize: 6 sequence: -1 headerKeys: \[\] endTxnMarker: ABORT coordinatorEpoch: \d+$/);

    // The coordinator's records in __transaction_state: its partition is Java's String.hashCode of the id.
    let h = 0;
    for (const ch of 'dump-tx') h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
    const partition = (h === -2147483648 ? 0 : Math.abs(h)) % 50;
    const stateLog = segmentFiles(path.join(broker.dataDir, `__transaction_state-${partition}`), '.log')[0]!;
    const dumpState = () => tool('kafka-dump-log', ['--files', stateLog, '--transaction-log-decoder', '--skip-record-metadata']);
    await until(async () => (await dumpState()).includes('state=CompleteAbort'), 'CompleteAbort in __transaction_state');
    const txn = await dumpState();
    const entries = txn.split('\n').filter((l) => l.startsWith('| '));
    assert.ok(entries.length >= 4, txn);
    const states = entries.map((l) => {
      const m = /^\| key: transaction_metadata::transactionalId=dump-tx payload: producerId:(\d+),producerEpoch:(\d+),state=(\w+),partitions=\[([^\]]*)\],txnLastUpdateTimestamp=(\d+),txnTimeoutMs=(\d+)$/.exec(l);
      assert.ok(m, l);
      assert.equal(m[1], pid);
      return [m[3], m[4]];
    });
    assert.deepEqual(states[0], ['Empty', '']);
    assert.ok(states.some(([s, p]) => s === 'Ongoing' && p === 'txn-dump-0'), txn);
    assert.ok(states.some(([s]) => s === 'PrepareCommit') && states.some(([s]) => s === 'CompleteCommit'), txn);
    assert.ok(states.some(([s]) => s === 'PrepareAbort') && states.some(([s]) => s === 'CompleteAbort'), txn);
  });

  // ---------------------------------------------------------------- kafka-verifiable-producer / -consumer

  /** Parses JSON event lines, checking Kafka's field order for each event name. */
  function events(out: string): any[] {
    const ORDER: { [name: string]: string[] } = {
      startup_complete: ['timestamp', 'name'],
      shutdown_complete: ['timestamp', 'name'],
      producer_send_success: ['timestamp', 'name', 'key', 'value', 'offset', 'topic', 'partition'],
      producer_send_error: ['timestamp', 'name', 'topic', 'key', 'value', 'exception', 'message'],
      tool_data: ['timestamp', 'name', 'sent', 'acked', 'target_throughput', 'avg_throughput'],
      partitions_assigned: ['timestamp', 'name', 'partitions'],
      partitions_revoked: ['timestamp', 'name', 'partitions'],
      records_consumed: ['timestamp', 'name', 'count', 'partitions'],
      offsets_committed: ['timestamp', 'name', 'offsets', 'success'],
      record_data: ['timestamp', 'name', 'key', 'value', 'topic', 'partition', 'offset'],
    };
    return out
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const e = JSON.parse(l);
        const order = ORDER[e.name];
        assert.ok(order, `unknown event ${l}`);
        const keys = Object.keys(e).filter((k) => k !== 'error');
        assert.deepEqual(keys, order, l);
        assert.ok(Number.isInteger(e.timestamp) && Math.abs(e.timestamp - Date.now()) < 600_000, l);
        return e;
      });
  }

  it('kafka-verifiable-producer: the event lines, keys, prefixes, partitions checked with kcat; acks=0; send errors; throttling', async () => {
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'verifiable', '--partitions', '2']);
    const out = await tool('kafka-verifiable-producer', [...bs(), '--topic', 'verifiable', '--max-messages', '12', '--repeating-keys', '3', '--value-prefix', '9']);
    const ev = events(out);
    assert.deepEqual(
      ev.map((e) => e.name),
      ['startup_complete', ...Array(12).fill('producer_send_success'), 'shutdown_complete', 'tool_data'],
    );
    const sends = ev.filter((e) => e.name === 'producer_send_success');
    assert.deepEqual(sends.map((e) => e.value).sort(), Array.from({ length: 12 }, (_, i) => `9.${i}`).sort());
    for (const e of sends) assert.equal(e.key, String(Number(e.value.split('.')[1]) % 3), 'keys 0,1,2 repeating');
    const tail = ev[ev.length - 1];
    assert.equal(tail.sent, 12);
    assert.equal(tail.acked, 12);
    assert.equal(tail.target_throughput, -1);
    assert.match(/"avg_throughput":([^}]*)/.exec(out)![1]!, /^\d+\.\d+(E\d+)?$/, 'a Java double');
    // kcat reads what the events say was written where.
    for (const partition of [0, 1]) {
      const c = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'verifiable', '-p', String(partition), '-o', 'beginning', '-e', '-f', '%o %k %s\n']);
      const expected = sends.filter((e) => e.partition === partition).sort((a, b) => a.offset - b.offset).map((e) => `${e.offset} ${e.key} ${e.value}`);
      assert.deepEqual(c.stdout.trim().split('\n').filter(Boolean), expected);
    }

    // acks=0: the broker says nothing, the offsets are -1 (as Kafka's RecordMetadata without an offset).
    const a0 = events(await tool('kafka-verifiable-producer', [...bs(), '--topic', 'verifiable', '--max-messages', '3', '--acks', '0']));
    assert.deepEqual(a0.filter((e) => e.name === 'producer_send_success').map((e) => [e.key, e.offset]), [[null, -1], [null, -1], [null, -1]]);

    // A topic clients may not write: every send fails (no retries), each reported.
    const bad = events(await tool('kafka-verifiable-producer', [...bs(), '--topic', '__consumer_offsets', '--max-messages', '2']));
    const errs = bad.filter((e) => e.name === 'producer_send_error');
    assert.equal(errs.length, 2);
    assert.equal(errs[0].exception, 'class org.apache.kafka.common.errors.InvalidTopicException');
    assert.equal(errs[0].topic, '__consumer_offsets');
    assert.equal(bad[bad.length - 1].acked, 0);

    // --throughput: 100 messages at 200/s take about 0.5 s; --message-create-time sets the records' timestamps.
    const slow = events(await tool('kafka-verifiable-producer', [...bs(), '--topic', 'timed', '--max-messages', '100', '--throughput', '200', '--message-create-time', '1600000000000']));
    const ok = slow.filter((e) => e.name === 'producer_send_success');
    assert.equal(ok.length, 100);
    assert.ok(slow[slow.length - 2].timestamp - slow[0].timestamp >= 400, 'throttled: from startup_complete to shutdown_complete');
    const ts = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'timed', '-o', 'beginning', '-e', '-c', '1', '-f', '%T\n']);
    assert.equal(ts.stdout.trim(), '1600000000000');
  });

  it('kafka-verifiable-producer: SIGTERM flushes, then shutdown_complete and tool_data, exit 143; argparse4j usage errors and help', async () => {
    const live = startTool('kafka-verifiable-producer', [...bs(), '--topic', 'endless', '--throughput', '200']);
    await live.waitFor(/"offset":20\b/);
    live.proc.kill('SIGTERM');
    assert.equal(await live.exit(), 143);
    const ev = events(live.stdout());
    assert.deepEqual(ev.slice(-2).map((e) => e.name), ['shutdown_complete', 'tool_data']);
    const sent = ev[ev.length - 1].sent;
    assert.equal(ev[ev.length - 1].acked, sent, 'everything sent was acknowledged before the end');
    assert.equal(ev.filter((e) => e.name === 'producer_send_success').length, sent);
    assert.equal(ev[ev.length - 1].target_throughput, 200);

    // Verified against argparse4j 0.7.0's own output for Kafka's option definitions.
    const noConn = await runTool('kafka-verifiable-producer', ['--topic', 't']);
    assert.equal(noConn.status, 1);
    assert.equal(noConn.stdout, '');
    assert.equal(
      noConn.stderr,
      [
        'usage: verifiable-producer [-h] --topic TOPIC [--max-messages MAX-MESSAGES]',
        '                           [--throughput THROUGHPUT] [--acks ACKS]',
        '                           [--producer.config CONFIG_FILE]',
        '                           [--message-create-time CREATETIME]',
        '                           [--value-prefix VALUE-PREFIX]',
        '                           [--repeating-keys REPEATING-KEYS]',
        '                           (--bootstrap-server HOST1:PORT1[,HOST2:PORT2[...]]',
        '                           | --broker-list HOST1:PORT1[,HOST2:PORT2[...]])',
        'verifiable-producer: error:  one  of  the  arguments  --bootstrap-server --',
        'broker-list is required',
        '',
      ].join('\n'),
    );
    const acks = await runTool('kafka-verifiable-producer', [...bs(), '--topic', 't', '--acks', '2']);
    assert.equal(acks.status, 1);
    // argparse4j justifies the error text to the width: compared with blanks collapsed.
    const flat = (t: string) => t.replace(/\s+/g, ' ').trim();
    assert.match(flat(acks.stderr), /\) verifiable-producer: error: argument --acks: invalid choice: '2' \(choose from \{0,1,-1\}\)$/);
    const typo = await runTool('kafka-verifiable-producer', [...bs(), '--topic', 't', '--max-mesages', '2']);
    assert.equal(typo.status, 1);
    assert.match(typo.stderr, /\nverifiable-producer: error: unrecognized arguments: '--max-mesages'\n\nDid you mean:\n\t--max-messages\n$/);
    const prefix = await runTool('kafka-verifiable-producer', ['--bootstrap', broker.bootstrap, '--top', 'abbrev', '--max-messages', '1']);
    assert.equal(prefix.status, 0, prefix.stderr);
    const help = await runTool('kafka-verifiable-producer', ['--help']);
    assert.equal(help.status, 1);
    const lines = help.stdout.split('\n');
    assert.equal(lines[0], 'usage: verifiable-producer [-h] --topic TOPIC [--max-messages MAX-MESSAGES]');
    assert.ok(lines.includes('optional arguments:'));
    assert.ok(lines.includes('Connection Group:'));
    assert.ok(lines.includes('  --acks ACKS            Acks required on each  produced message. See Kafka'), help.stdout);
    const none = await runTool('kafka-verifiable-producer', []);
    assert.equal(none.status, 0);
    assert.equal(none.stdout, help.stdout);
  });

  it('kafka-verifiable-consumer: assignment, records, commits, revocation on exit; --verbose; auto-commit; a second member', async () => {
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'vc', '--partitions', '2']);
    await tool('kafka-verifiable-producer', [...bs(), '--topic', 'vc', '--max-messages', '20', '--repeating-keys', '4']);
    const out = await tool('kafka-verifiable-consumer', [...bs(), '--topic', 'vc', '--group-id', 'vc-group', '--max-messages', '20', '--verbose']);
    const ev = events(out);
    assert.equal(ev[0].name, 'startup_complete');
    assert.equal(ev[1].name, 'partitions_assigned');
    assert.deepEqual(ev[1].partitions.sort((a: any, b: any) => a.partition - b.partition), [{ topic: 'vc', partition: 0 }, { topic: 'vc', partition: 1 }]);
    assert.deepEqual(ev.slice(-2).map((e) => e.name), ['partitions_revoked', 'shutdown_complete']);
    const records = ev.filter((e) => e.name === 'record_data');
    assert.equal(records.length, 20);
    const consumed = ev.filter((e) => e.name === 'records_consumed');
    assert.equal(consumed.reduce((n, e) => n + e.partitions.reduce((m: number, p: any) => m + p.count, 0), 0), 20);
    for (const c of consumed) for (const p of c.partitions) assert.deepEqual(Object.keys(p), ['topic', 'partition', 'count', 'minOffset', 'maxOffset']);
    const commits = ev.filter((e) => e.name === 'offsets_committed');
    assert.ok(commits.length >= 1 && commits.every((c) => c.success === true));
    // The last commit per partition is the group's committed offset.
    const last = new Map<number, number>();
    for (const c of commits) for (const o of c.offsets) last.set(o.partition, o.offset);
    const described = await tool('kafka-consumer-groups', [...bs(), '--describe', '--group', 'vc-group']);
    for (const [partition, offset] of last) assert.match(described, new RegExp(`vc-group\\s+vc\\s+${partition}\\s+${offset}\\s+${offset}\\s+0\\s`));

    // Auto-commit: no offsets_committed events, offsets still committed on close.
    const auto = events(await tool('kafka-verifiable-consumer', [...bs(), '--topic', 'vc', '--group-id', 'vc-auto', '--max-messages', '20', '--enable-autocommit']));
    assert.equal(auto.filter((e) => e.name === 'offsets_committed').length, 0);
    assert.match(await tool('kafka-consumer-groups', [...bs(), '--describe', '--group', 'vc-auto']), /vc-auto\s+vc\s+0\s+\d+\s+\d+\s+0\s/);

    // Two members: the first gives a partition up to the second.
    const a = startTool('kafka-verifiable-consumer', [...bs(), '--topic', 'vc', '--group-id', 'vc-two', '--reset-policy', 'latest']);
    await a.waitFor(/"partitions_assigned","partitions":\[\{[^\]]*\},\{/);
    const b = startTool('kafka-verifiable-consumer', [...bs(), '--topic', 'vc', '--group-id', 'vc-two', '--reset-policy', 'latest']);
    await b.waitFor(/"partitions_assigned","partitions":\[\{"topic":"vc","partition":\d\}\]/);
    await a.waitFor(/"partitions_revoked".*\n.*"partitions_assigned","partitions":\[\{"topic":"vc","partition":\d\}\]/);
    a.proc.kill('SIGTERM');
    b.proc.kill('SIGINT');
    assert.equal(await a.exit(), 143);
    assert.equal(await b.exit(), 130);
    for (const t of [a, b]) assert.deepEqual(events(t.stdout()).slice(-1).map((e) => e.name), ['shutdown_complete']);

    const missing = await runTool('kafka-verifiable-consumer', [...bs(), '--topic', 'vc']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr.replace(/\s+/g, ' '), /verifiable-consumer: error: argument --group-id is required $/);
  });

  // ---------------------------------------------------------------- perf tests

  it('kafka-producer-perf-test: summary and window lines, payload kinds checked with kcat, metrics, errors', async () => {
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'perf']);
    const props = ['--producer-props', `bootstrap.servers=${broker.bootstrap}`, 'acks=1'];
    const TOTAL = /^(\d+) records sent, (\d+\.\d{6}) records\/sec \((\d+\.\d\d) MB\/sec\), (\d+\.\d\d) ms avg latency, (\d+\.\d\d) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;
    const out = await tool('kafka-producer-perf-test', ['--topic', 'perf', '--num-records', '5000', '--record-size', '100', '--throughput', '-1', ...props]);
    const m = TOTAL.exec(out.trim());
    assert.ok(m, out);
    assert.equal(Number(m[1]), 5000);
    assert.ok(Number(m[6]) <= Number(m[7]) && Number(m[7]) <= Number(m[8]) && Number(m[8]) <= Number(m[9]) && Number(m[9]) <= Number(m[5]), 'ordered percentiles');
    assertLines(await tool('kafka-get-offsets', [...bs(), '--topic', 'perf']), ['perf:0:5000']);
    const sample = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'perf', '-o', 'beginning', '-c', '3', '-e', '-f', '%s\n']);
    for (const v of sample.stdout.trim().split('\n')) assert.match(v, /^[A-Z]{100}$/);

    // --payload-monotonic and --payload-file, with Kafka's notes on the file.
    await tool('kafka-producer-perf-test', ['--topic', 'mono', '--num-records', '5', '--payload-monotonic', '--throughput', '-1', ...props]);
    const mono = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'mono', '-o', 'beginning', '-e', '-f', '%s\n']);
    assert.deepEqual(mono.stdout.trim().split('\n'), ['0', '1', '2', '3', '4']);
    const payloads = path.join(dir, 'payloads.txt');
    writeFileSync(payloads, 'alpha;beta;gamma;');
    const fromFile = await tool('kafka-producer-perf-test', ['--topic', 'pfile', '--num-records', '30', '--payload-file', payloads, '--payload-delimiter', ';', '--throughput', '-1', ...props]);
    const fl = fromFile.trim().split('\n');
    assert.deepEqual(fl.slice(0, 2), [`Reading payloads from: ${payloads}`, 'Number of messages read: 3']);
    assert.match(fl[2]!, TOTAL);
    const pf = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'pfile', '-o', 'beginning', '-e', '-f', '%s\n']);
    assert.deepEqual([...new Set(pf.stdout.trim().split('\n'))].every((v) => ['alpha', 'beta', 'gamma'].includes(v)), true);

    // A run longer than the 5 s window prints window lines; --throughput holds the rate; --print-metrics the table.
    const started = Date.now();
    const windowed = await tool('kafka-producer-perf-test', ['--topic', 'perf', '--num-records', '1300', '--record-size', '10', '--throughput', '200', '--print-metrics', ...props], { timeoutMs: 60_000 });
    assert.ok(Date.now() - started >= 5500, 'throttled to about 200 records/s');
    const wl = windowed.split('\n');
    assert.match(wl[0]!, /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/);
    assert.match(wl[1]!, TOTAL);
    assert.equal(wl[2], '');
    assert.match(wl[3]!, /^Metric Name +Value$/);
    assert.ok(wl.includes(`${'producer-metrics:record-send-total:{client-id=perf-producer-client}'.padEnd(wl[3]!.indexOf('Value') - 3)} : 1300.000`), windowed);

    const neither = await runTool('kafka-producer-perf-test', ['--topic', 'perf', '--num-records', '1', '--throughput', '1', '--record-size', '1']);
    assert.equal(neither.status, 1);
    assert.match(neither.stderr, /\nproducer-performance: error: Either {2}--producer-props {2}or --producer\.config\nmust be specified\.\n$/);
    const badProp = await runTool('kafka-producer-perf-test', ['--topic', 'perf', '--num-records', '1', '--throughput', '1', '--record-size', '1', '--producer-props', 'acks']);
    assert.equal(badProp.status, 1);
    assert.equal(badProp.stderr, 'java.lang.IllegalArgumentException: Invalid property: acks\n');
    const both = await runTool('kafka-producer-perf-test', ['--topic', 'perf', '--num-records', '1', '--throughput', '1', '--record-size', '1', '--payload-monotonic', ...props]);
    assert.equal(both.status, 1);
    assert.match(both.stderr.replace(/\s+/g, ' '), /producer-performance: error: argument --payload-monotonic: not allowed with argument --record-size $/);
    // --transaction-duration-ms: records in transactions of that age, each committed (markers in the log).
    const txn = await tool('kafka-producer-perf-test', ['--topic', 'perf-txn', '--num-records', '600', '--record-size', '20', '--throughput', '2000', '--transaction-duration-ms', '100', '--transactional-id', 'perf-txn-id', '--producer-props', `bootstrap.servers=${broker.bootstrap}`]);
    assert.equal(Number(TOTAL.exec(txn.trim())![1]), 600);
    const committed = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'perf-txn', '-o', 'beginning', '-e', '-X', 'isolation.level=read_committed', '-f', '%o\n']);
    assert.equal(committed.stdout.trim().split('\n').length, 600);
    const txnLog = segmentFiles(path.join(broker.dataDir, 'perf-txn-0'), '.log')[0]!;
    const markers = (await tool('kafka-dump-log', ['--files', txnLog, '--deep-iteration'])).split('\n').filter((l) => / endTxnMarker: COMMIT /.test(l));
    assert.ok(markers.length >= 2, `several transactions committed: ${markers.length}`);
  });

  it('kafka-consumer-perf-test: header and summary line, detailed stats, date formats, timeout warning, usage errors', async () => {
    // "perf" holds 5000 records of 100 bytes and 1300 of 10 bytes (previous test).
    const HEADER = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
    const out = await tool('kafka-consumer-perf-test', [...bs(), '--topic', 'perf', '--messages', '6300', '--group', 'perf-a']);
    const lines = out.trim().split('\n');
    assert.equal(lines[0], HEADER);
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}), (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}), (\d+\.\d{4}), (\d+\.\d{4}), (\d+), (\d+\.\d{4}), (\d+), (-?\d+), (-?[\d.]+|Infinity|NaN), (-?[\d.]+|Infinity|NaN)$/.exec(lines[1]!);
    assert.ok(m, lines[1]);
    assert.equal(Number(m[5]), 6300);
    assert.equal(m[3], ((5000 * 100 + 1300 * 10) / (1024 * 1024)).toFixed(4));
    assert.ok(Number(m[7]) > 0, 'time to join the group');
    assert.equal(lines.length, 2);
    // Kafka's group is committed as it goes: a second run of the group finds nothing new and times out.
    const again = await tool('kafka-consumer-perf-test', [...bs(), '--topic', 'perf', '--messages', '10', '--group', 'perf-a', '--timeout', '4000', '--hide-header', '--date-format', "yyyy-MM-dd'T'HH:mm"]);
    const al = again.trim().split('\n');
    assert.equal(al[0], 'WARNING: Exiting before consuming the expected number of messages: timeout (4000 ms) exceeded. You can use the --timeout option to increase the timeout.');
    assert.match(al[1]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d, \d{4}-\d\d-\d\dT\d\d:\d\d, 0\.0000, 0\.0000, 0, 0\.0000, /);

    const detailed = await tool('kafka-consumer-perf-test', [...bs(), '--topic', 'perf', '--messages', '6300', '--show-detailed-stats', '--reporting-interval', '1', '--threads', '2']);
    const dl = detailed.trim().split('\n');
    assert.equal(dl[0], 'WARNING: option [threads] and [num-fetch-threads] have been deprecated and will be ignored by the test');
    assert.equal(dl[1], 'time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    for (const l of dl.slice(2)) assert.match(l, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, 0, \d+\.\d{4}, \d+\.\d{4}, \d+, \d+\.\d{4}, \d+, -?\d+, -?\d+\.\d{4}, -?\d+\.\d{4}$/);

    const noServer = await runTool('kafka-consumer-perf-test', ['--topic', 'perf', '--messages', '1']);
    assert.equal(noServer.status, 1);
    assert.equal(noServer.stderr.split('\n')[0], 'Missing required option(s) [bootstrap-server]');
    const noMessages = await runTool('kafka-consumer-perf-test', [...bs(), '--topic', 'perf']);
    assert.equal(noMessages.status, 1);
    assert.equal(noMessages.stderr.split('\n')[0], 'Missing required argument "[messages]"');
    const help = await runTool('kafka-consumer-perf-test', ['--help']);
    assert.equal(help.status, 1);
    assert.equal(help.stderr.split('\n')[0], 'This tool is used to verify the consumer performance.');
    assert.ok(help.stderr.includes('--group <String: gid>'));
    assert.match(help.stderr.replace(/\s+/g, ' '), /\(default: perf-consumer- ?\d+\)/);
    const zk = await runTool('kafka-consumer-perf-test', ['--zookeeper', 'x']);
    assert.equal(zk.status, 1);
    assert.match(zk.stderr, /^zookeeper is not a recognized option/);
  });


  // ---------------------------------------------------------------- leader election and reassignment on one broker

  const SINGLE_ELECTION = /^This Samsa cluster has one broker \(id 0\), the only replica of every partition: there is no other replica to elect/;
  const SINGLE_REASSIGN = /^This Samsa cluster has one broker \(id 0\), which holds every replica: there is nowhere to move partitions to/;

  it('kafka-leader-election: Kafka\'s answers for a one-broker cluster, its checks and messages', async () => {
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'elect', '--partitions', '3']);
    const one = await runTool('kafka-leader-election', [...bs(), '--election-type', 'preferred', '--topic', 'elect', '--partition', '1']);
    assert.equal(one.status, 0, one.stderr);
    assertLines(one.stdout, ['Valid replica already elected for partitions elect-1']);
    assert.match(one.stderr, SINGLE_ELECTION);
    const file = path.join(dir, 'election.json');
    writeFileSync(file, JSON.stringify({ partitions: [{ topic: 'elect', partition: 2 }, { topic: 'elect', partition: 0 }] }));
    assertLines(await tool('kafka-leader-election', [...bs(), '--election-type', 'UNCLEAN', '--path-to-json-file', file]), ['Valid replica already elected for partitions elect-0, elect-2']);
    // All partitions: Kafka lists only the partitions whose leader changed.
    assertLines(await tool('kafka-leader-election', [...bs(), '--election-type', 'preferred', '--all-topic-partitions']), []);
    // Unknown partitions and topics fail, as Kafka's controller answers.
    writeFileSync(file, JSON.stringify({ partitions: [{ topic: 'elect', partition: 7 }, { topic: 'nope', partition: 0 }, { topic: 'elect', partition: 0 }] }));
    const bad = await runTool('kafka-leader-election', [...bs(), '--election-type', 'preferred', '--path-to-json-file', file]);
    assert.equal(bad.status, 1);
    assertLines(bad.stdout, [
      'Valid replica already elected for partitions elect-0',
      'Error completing leader election (PREFERRED) for partition: elect-7: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: No such partition as elect-7',
      'Error completing leader election (PREFERRED) for partition: nope-0: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: No such topic as nope',
    ]);
    assert.equal(bad.stderr.split('\n')[1], '2 replica(s) could not be elected');

    const errors: [string[], string][] = [
      [['--topic', 'elect', '--partition', '0'], 'Missing required option(s): bootstrap-server, election-type'],
      [[...bs(), '--election-type', 'preferred'], 'One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file'],
      [[...bs(), '--election-type', 'preferred', '--topic', 'elect', '--all-topic-partitions'], 'One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file'],
      [[...bs(), '--election-type', 'preferred', '--topic', 'elect'], 'Missing required option(s): partition'],
      [[...bs(), '--election-type', 'preferred', '--all-topic-partitions', '--partition', '1'], 'Option partition is only allowed if topic is used'],
      [[...bs(), '--election-type', 'fastest', '--all-topic-partitions'], "Cannot parse argument 'fastest' of option election-type"],
      [['--zookeeper', 'localhost:2181'], 'zookeeper is not a recognized option'],
    ];
    for (const [args, message] of errors) {
      const r = await runTool('kafka-leader-election', args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.split('\n')[0], message, args.join(' '));
    }
    writeFileSync(file, JSON.stringify({ partitions: [{ topic: 'elect', partition: 0 }, { topic: 'elect', partition: 0 }] }));
    const dup = await runTool('kafka-leader-election', [...bs(), '--election-type', 'preferred', '--path-to-json-file', file]);
    assert.equal(dup.stderr, 'Replica election data contains duplicate partitions: [elect-0]\n');
    const help = await runTool('kafka-leader-election', ['--help']);
    assert.equal(help.status, 1);
    assert.equal(help.stderr.split('\n')[0], 'This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are preferred replicas and unclean replicas.');
    assert.ok(help.stderr.includes('--election-type <[PREFERRED,UNCLEAN]:'), help.stderr);
    // --admin.config is read.
    const cfg = path.join(dir, 'admin.properties');
    writeFileSync(cfg, 'client.id=elector\n');
    assertLines(await tool('kafka-leader-election', [...bs(), '--admin.config', cfg, '--election-type', 'preferred', '--topic', 'elect', '--partition', '0']), ['Valid replica already elected for partitions elect-0']);
  });

  it('kafka-reassign-partitions: --generate, --execute, --verify, --cancel, --list on one broker; Kafka\'s checks', async () => {
    await tool('kafka-topics', [...bs(), '--create', '--topic', 'moves', '--partitions', '2']);
    const topics = path.join(dir, 'topics.json');
    writeFileSync(topics, JSON.stringify({ topics: [{ topic: 'moves' }, { topic: 'elect' }], version: 1 }));
    const assignment = JSON.stringify({
      version: 1,
      partitions: [
        { topic: 'elect', partition: 0, replicas: [0], log_dirs: ['any'] },
        { topic: 'elect', partition: 1, replicas: [0], log_dirs: ['any'] },
        { topic: 'elect', partition: 2, replicas: [0], log_dirs: ['any'] },
        { topic: 'moves', partition: 0, replicas: [0], log_dirs: ['any'] },
        { topic: 'moves', partition: 1, replicas: [0], log_dirs: ['any'] },
      ],
    });
    const gen = await runTool('kafka-reassign-partitions', [...bs(), '--generate', '--topics-to-move-json-file', topics, '--broker-list', '0']);
    assert.equal(gen.status, 0, gen.stdout);
    assertLines(gen.stdout, ['Current partition replica assignment', assignment, '', 'Proposed partition reassignment configuration', assignment]);
    assert.match(gen.stderr, SINGLE_REASSIGN);

    const plan = path.join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ version: 1, partitions: [{ topic: 'moves', partition: 1, replicas: [0] }, { topic: 'moves', partition: 0, replicas: [0] }] }));
    const exec = await tool('kafka-reassign-partitions', [...bs(), '--execute', '--reassignment-json-file', plan, '--throttle', '5000']);
    assertLines(exec, [
      'Current partition replica assignment',
      '',
      '{"version":1,"partitions":[{"topic":"moves","partition":0,"replicas":[0],"log_dirs":["any"]},{"topic":"moves","partition":1,"replicas":[0],"log_dirs":["any"]}]}',
      '',
      'Save this to use as the --reassignment-json-file option during rollback',
      'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.',
      'The inter-broker throttle limit was set to 5000 B/s',
      'Successfully started partition reassignments for moves-0,moves-1',
    ]);
    assertLines(await tool('kafka-reassign-partitions', [...bs(), '--verify', '--reassignment-json-file', plan]), [
      'Status of partition reassignment:',
      'Reassignment of partition moves-0 is completed.',
      'Reassignment of partition moves-1 is completed.',
      'Clearing broker-level throttles on broker 0',
      'Clearing topic-level throttles on topic moves',
    ]);
    assertLines(await tool('kafka-reassign-partitions', [...bs(), '--cancel', '--reassignment-json-file', plan, '--preserve-throttles']), ['None of the specified partition reassignments are active.']);
    assertLines(await tool('kafka-reassign-partitions', [...bs(), '--list']), ['No partition reassignments found.']);

    // Targets on brokers that do not exist, unknown partitions, bad files: Kafka's messages on stdout, exit 1.
    const elsewhere = path.join(dir, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify({ version: 1, partitions: [{ topic: 'moves', partition: 0, replicas: [1, 2] }] }));
    const failures: [string[], string][] = [
      [['--execute', '--reassignment-json-file', elsewhere], 'Error: Unknown broker id 1'],
      [['--generate', '--topics-to-move-json-file', topics, '--broker-list', '0,0'], 'Error: Broker list contains duplicate entries: [0]'],
      [['--generate', '--topics-to-move-json-file', topics, '--broker-list', '3'], 'Error: org.apache.kafka.common.errors.InvalidReplicationFactorException: Replication factor: 1 larger than available brokers: 0.'],
    ];
    writeFileSync(path.join(dir, 'missing-part.json'), JSON.stringify({ version: 1, partitions: [{ topic: 'moves', partition: 9, replicas: [0] }] }));
    failures.push([['--execute', '--reassignment-json-file', path.join(dir, 'missing-part.json')], 'Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Unable to find partition: moves-9']);
    writeFileSync(path.join(dir, 'dups.json'), JSON.stringify({ version: 1, partitions: [{ topic: 'moves', partition: 0, replicas: [0, 0] }] }));
    failures.push([['--execute', '--reassignment-json-file', path.join(dir, 'dups.json')], 'Error: Partition replica lists may not contain duplicate entries: moves-0 contains multiple entries for 0']);
    writeFileSync(path.join(dir, 'v2.json'), JSON.stringify({ version: 2, partitions: [] }));
    failures.push([['--verify', '--reassignment-json-file', path.join(dir, 'v2.json')], 'Error: Not supported version field value 2']);
    for (const [args, line] of failures) {
      const r = await runTool('kafka-reassign-partitions', [...bs(), ...args]);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stdout.trim().split('\n').pop(), line, args.join(' '));
    }
    const usage: [string[], string][] = [
      [['--list', '--generate'], 'Command must include exactly one action: --generate, --execute, --verify, --cancel, --list'],
      [['--list'], 'Please specify --bootstrap-server'],
      [[...bs(), '--list', '--throttle', '1'], 'Option "[throttle]" can\'t be used with action "[list]"'],
      [[...bs(), '--generate', '--broker-list', '0'], 'Missing required argument "[topics-to-move-json-file]"'],
      [[...bs(), '--verify', '--reassignment-json-file', plan, '--additional'], 'Option "[additional]" can\'t be used with action "[verify]"'],
    ];
    for (const [args, message] of usage) {
      const r = await runTool('kafka-reassign-partitions', args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stderr.split('\n')[0], message, args.join(' '));
      assert.match(r.stderr.split('\n')[1]!, /^Option +Description/);
    }
    const help = await runTool('kafka-reassign-partitions', ['--help']);
    assert.equal(help.stderr.split('\n')[0], 'This tool helps to move topic partitions between replicas.');
  });


  it('--help tables are jopt-simple 5.0.4\'s, byte for byte (kafka-dump-log, kafka-leader-election)', async () => {
    // Printed by jopt-simple 5.0.4 itself for these tools' option definitions.
    const dump = await runTool('kafka-dump-log', ['--help']);
    assert.equal(dump.stderr, `This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.\n${DUMP_LOG_HELP}`);
    const elect = await runTool('kafka-leader-election', ['--help']);
    assert.equal(elect.stderr, `This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are preferred replicas and unclean replicas.\n${LEADER_ELECTION_HELP}`);
  });

});

/** A control batch: its one record's key and value given as latin1 strings of raw bytes. */
function encodeControl(b: TestBatch): Buffer {
  const r = b.records[0]!;
  const rec = (s: string | null) => (s === null ? null : s);
  const body = encodeRecordRaw(Buffer.from(rec(r.key)!, 'latin1'), Buffer.from(rec(r.value)!, 'latin1'));
  const h = encodeBatch({ ...b, records: [{ key: '', value: '' }] });
  const head = Buffer.from(h.subarray(0, 61));
  head.writeInt32BE(49 + body.length, 8);
  const batch = Buffer.concat([head, body]);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

function encodeRecordRaw(key: Buffer, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([0]), varint(0), varint(0), varint(key.length), key, varint(value.length), value, varint(0)]);
  return Buffer.concat([varint(body.length), body]);
}

/** Output lines with the "Dumping"/"Log starting offset" header dropped. */
function normalizeBatches(out: string): string[] {
  return out.trimEnd().split('\n').slice(0);
}

const DUMP_LOG_HELP = "Option                               Description                                \n------                               -----------                                \n--cluster-metadata-decoder           If set, log data will be parsed as cluster \n                                       metadata records.                        \n--deep-iteration                     If set, uses deep instead of shallow       \n                                       iteration. Automatically set if print-   \n                                       data-log is enabled.                     \n--files <String: file1, file2, ...>  REQUIRED: The comma separated list of data \n                                       and index log files to be dumped.        \n--help                               Print usage information.                   \n--index-sanity-check                 If set, just checks the index sanity       \n                                       without printing its content. This is    \n                                       the same check that is executed on       \n                                       broker startup to determine if an index  \n                                       needs rebuilding or not.                 \n--key-decoder-class [String]         If set, used to deserialize the keys. This \n                                       class should implement org.apache.kafka. \n                                       tools.api.Decoder trait. Custom jar      \n                                       should be available in kafka/libs        \n                                       directory. (default: org.apache.kafka.   \n                                       tools.api.StringDecoder)                 \n--max-bytes <Integer: size>          Limit the amount of total batches read in  \n                                       bytes avoiding reading the whole .log    \n                                       file(s). (default: 2147483647)           \n--max-message-size <Integer: size>   Size of largest message. (default: 5242880)\n--offsets-decoder                    If set, log data will be parsed as offset  \n                                       data from the __consumer_offsets topic.  \n--print-data-log                     If set, printing the messages content when \n                                       dumping data logs. Automatically set if  \n                                       any decoder option is specified.         \n--remote-log-metadata-decoder        If set, log data will be parsed as         \n                                       TopicBasedRemoteLogMetadataManager       \n                                       (RLMM) metadata records. Instead, the    \n                                       value-decoder-class option can be used   \n                                       if a custom RLMM implementation is       \n                                       configured.                              \n--skip-record-metadata               Whether to skip printing metadata for each \n                                       record.                                  \n--transaction-log-decoder            If set, log data will be parsed as         \n                                       transaction metadata from the            \n                                       __transaction_state topic.               \n--value-decoder-class [String]       If set, used to deserialize the messages.  \n                                       This class should implement org.apache.  \n                                       kafka.tools.api.Decoder trait. Custom    \n                                       jar should be available in kafka/libs    \n                                       directory. (default: org.apache.kafka.   \n                                       tools.api.StringDecoder)                 \n--verify-index-only                  If set, just verify the index log without  \n                                       printing its content.                    \n--version                            Display Kafka version.                     \n";

const LEADER_ELECTION_HELP = "Option                                  Description                           \n------                                  -----------                           \n--admin.config <String: config file>    Configuration properties files to pass\n                                          to the admin client                 \n--all-topic-partitions                  Perform election on all of the        \n                                          eligible topic partitions based on  \n                                          the type of election (see the --    \n                                          election-type flag). Not allowed if \n                                          --topic or --path-to-json-file is   \n                                          specified.                          \n--bootstrap-server <String: host:port>  A hostname and port for the broker to \n                                          connect to, in the form host:port.  \n                                          Multiple comma separated URLs can be\n                                          given. REQUIRED.                    \n--election-type <[PREFERRED,UNCLEAN]:   Type of election to attempt. Possible \n  election type>                          values are \"preferred\" for preferred\n                                          leader election or \"unclean\" for    \n                                          unclean leader election. If         \n                                          preferred election is selection, the\n                                          election is only performed if the   \n                                          current leader is not the preferred \n                                          leader for the topic partition. If  \n                                          unclean election is selected, the   \n                                          election is only performed if there \n                                          are no leader for the topic         \n                                          partition. REQUIRED.                \n--help                                  Print usage information.              \n--partition <Integer: partition id>     Partition id for which to perform an  \n                                          election. REQUIRED if --topic is    \n                                          specified.                          \n--path-to-json-file <String: Path to    The JSON file with the list  of       \n  JSON file>                              partition for which leader elections\n                                          should be performed. This is an     \n                                          example format.                     \n                                        {\"partitions\":                        \n                                        \t[{\"topic\": \"foo\", \"partition\": 1},   \n                                        \t {\"topic\": \"foobar\", \"partition\": 2}]\n                                        }                                     \n                                        Not allowed if --all-topic-partitions \n                                          or --topic flags are specified.     \n--topic <String: topic name>            Name of topic for which to perform an \n                                          election. Not allowed if --path-to- \n                                          json-file or --all-topic-partitions \n                                          is specified.                       \n--version                               Display Kafka version.                \n";
