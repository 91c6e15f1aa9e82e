import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  ATTRIBUTES,
  BATCH_LENGTH,
  CompressionType,
  LAST_OFFSET_DELTA,
  MAGIC,
  MAX_TIMESTAMP,
  RECORDS,
  RECORDS_COUNT,
  TimestampType,
  baseTimestamp,
  isLogAppendTime,
  maxTimestamp,
  storedCrc,
} from '../../src/protocol/records/batch-header.js';
import {
  buildBatch,
  decodeBatch,
  decodeBatches,
  deepValidateBatch,
  isCrcValid,
  patchLogAppendTime,
  recompressBatch,
  updateCrc,
  validateBatches,
} from '../../src/protocol/records/batch.js';
import { crc32c } from '../../src/protocol/records/crc32c.js';
import {
  CorruptRecordError,
  InvalidRecordError,
  RecordTooLargeError,
  UnsupportedCompressionTypeError,
  UnsupportedMagicError,
} from '../../src/protocol/records/errors.js';
import { murmur2, partitionForKey } from '../../src/protocol/records/murmur2.js';
import { decodeRecords, encodeRecords, walkRecords, type RecordInput } from '../../src/protocol/records/records.js';

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

// ------------------------------------------------------------------ CRC32C and murmur2

test('crc32c matches the RFC 3720 (iSCSI) test vectors', () => {
  assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  const padded = Buffer.concat([Buffer.from('xx'), Buffer.alloc(32), Buffer.from('yy')]);
  assert.equal(crc32c(padded, 2, 34), 0x8a9136aa);
});

test('crc32c agrees with KafkaJS, an independent implementation', () => {
  const require = createRequire(import.meta.url);
  const kafkajsCrc = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;
  const data = Buffer.from(Array.from({ length: 4099 }, (_, i) => (i * 2654435761) >>> 24));
  for (const n of [0, 1, 7, 64, 4099]) assert.equal(crc32c(data.subarray(0, n)), kafkajsCrc(data.subarray(0, n)) >>> 0);
});

test("murmur2 matches the Java client's Utils.murmur2 (UtilsTest vectors)", () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [s, h] of cases) assert.equal(murmur2(Buffer.from(s)), h, s);
  assert.equal(partitionForKey(Buffer.from('21'), 7), (-973932308 & 0x7fffffff) % 7);
  assert.equal(partitionForKey(Buffer.from('foobar'), 1), 0);
  assert.throws(() => partitionForKey(Buffer.from('x'), 0), RangeError);
});

// ------------------------------------------------------------------ records

const RECORDS_IN: RecordInput[] = [
  { key: Buffer.from('k0'), value: Buffer.from('hello'), headers: [{ key: 'h', value: Buffer.from('v') }], timestamp: 1_700_000_000_000 },
  { key: null, value: Buffer.from('no key'), timestamp: 1_700_000_000_005 },
  { key: Buffer.from('k2'), value: null, headers: [{ key: 'ünïcødé', value: null }, { key: '', value: Buffer.alloc(0) }], timestamp: 1_699_999_999_990 },
  { key: Buffer.alloc(0), value: Buffer.alloc(300, 7), timestamp: 1_700_000_100_000 },
];

test('records encode and decode round trip (null and empty keys/values, headers, negative deltas)', () => {
  const base = 1_700_000_000_000;
  const section = encodeRecords(RECORDS_IN, base);
  const out = decodeRecords(section, 0, section.length, RECORDS_IN.length);
  assert.equal(out.length, 4);
  out.forEach((r, i) => {
    const inp = RECORDS_IN[i]!;
    assert.equal(r.offsetDelta, i);
    assert.equal(r.timestampDelta, inp.timestamp! - base);
    assert.deepEqual(r.key, inp.key);
    assert.deepEqual(r.value, inp.value);
    assert.deepEqual(r.headers, inp.headers ?? []);
  });
  const s = walkRecords(section, 0, section.length, 4);
  assert.deepEqual(s, { count: 4, minTimestampDelta: -10, maxTimestampDelta: 100_000, maxOffsetDelta: 3, offsetsSequential: true, anyNullKey: true });
});

test('record walk rejects count mismatches, bad lengths and over-long varints', () => {
  const section = encodeRecords(RECORDS_IN, 1_700_000_000_000);
  assert.throws(() => walkRecords(section, 0, section.length, 5), InvalidRecordError);
  assert.throws(() => walkRecords(section, 0, section.length, 3), InvalidRecordError);
  assert.throws(() => walkRecords(section, 0, section.length - 1, 4), InvalidRecordError);
  // a record claiming a huge body (varint 0x7fffffff)
  assert.throws(() => walkRecords(Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f, 0, 0]), 0, 7, 1), /record size/);
  // a 6-byte varint
  assert.throws(() => walkRecords(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0]), 0, 7, 1), /varint/);
  // key length larger than the record
  const one = encodeRecords([{ key: Buffer.from('abc'), value: null }]);
  const hugeKey = Buffer.from(one);
  hugeKey[4] = 0x7e; // key length varint (zigzag 63)
  assert.throws(() => walkRecords(hugeKey, 0, hugeKey.length, 1), /key length/);
  // key length -2
  const negKey = Buffer.from(one);
  negKey[4] = 3;
  assert.throws(() => walkRecords(negKey, 0, negKey.length, 1), /invalid key length/);
  // a record whose fields end before its declared length
  const padded = Buffer.concat([one, Buffer.from([0])]);
  padded[0] = (one[0]! / 2 + 1) * 2;
  assert.throws(() => walkRecords(padded, 0, padded.length, 1), /expected to read/);
  // a null header key
  const hdr = encodeRecords([{ key: null, value: null, headers: [{ key: 'a', value: null }] }]);
  const nullHdr = Buffer.from(hdr);
  nullHdr[nullHdr.length - 3] = 1; // header key length -> -1
  assert.throws(() => walkRecords(nullHdr, 0, nullHdr.length, 1), /header key length/);
});

// ------------------------------------------------------------------ batches

const BUILD = {
  compression: CompressionType.None,
  producerId: 4242,
  producerEpoch: 3,
  baseSequence: 17,
  transactional: true,
  partitionLeaderEpoch: 9,
};

for (const compression of CODECS) {
  test(`batch builds, validates and decodes with codec ${compression}`, async () => {
    const batch = await buildBatch(RECORDS_IN, { ...BUILD, compression });
    const [info, ...rest] = validateBatches(batch);
    assert.equal(rest.length, 0);
    assert.equal(info!.size, batch.length);
    assert.equal(info!.offset, 0);
    assert.equal(info!.compression, compression);
    assert.equal(info!.recordsCount, 4);
    assert.equal(info!.lastOffsetDelta, 3);
    assert.equal(info!.baseTimestamp, 1_700_000_000_000);
    assert.equal(info!.maxTimestamp, 1_700_000_100_000);
    assert.equal(info!.producerId, 4242);
    assert.equal(info!.producerEpoch, 3);
    assert.equal(info!.baseSequence, 17);
    assert.equal(info!.partitionLeaderEpoch, 9);
    assert.equal(info!.isTransactional, true);
    assert.equal(info!.isControl, false);
    assert.equal(info!.timestampType, TimestampType.CreateTime);
    assert.equal(info!.records !== undefined, compression === CompressionType.None);
    const deep = await deepValidateBatch(batch);
    assert.equal(deep.summary.count, 4);
    const decoded = await decodeBatch(batch);
    assert.equal(decoded.crcValid, true);
    assert.deepEqual(
      decoded.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null]),
      [[0, 1_700_000_000_000, 'k0'], [1, 1_700_000_000_005, null], [2, 1_699_999_999_990, 'k2'], [3, 1_700_000_100_000, '']],
    );
    assert.deepEqual(decoded.records[2]!.headers, RECORDS_IN[2]!.headers);
  });
}

test('validateBatches walks several batches and reports each position', async () => {
  const a = await buildBatch([{ value: Buffer.from('a') }], { baseTimestamp: 5 });
  const b = await buildBatch([{ value: Buffer.from('b') }, { value: Buffer.from('c') }], { compression: CompressionType.Zstd, baseTimestamp: 6 });
  const buf = Buffer.concat([a, b]);
  const infos = validateBatches(buf);
  assert.deepEqual(infos.map((i) => [i.offset, i.size, i.recordsCount]), [[0, a.length, 1], [a.length, b.length, 2]]);
  assert.throws(() => validateBatches(buf, { singleBatch: true }), InvalidRecordError);
  assert.throws(() => validateBatches(buf, { maxBatchSize: a.length }), RecordTooLargeError);
  assert.throws(() => validateBatches(Buffer.alloc(0)), InvalidRecordError);
  // a fetch response may end with part of a batch
  const partial = Buffer.concat([buf, b.subarray(0, 40)]);
  assert.throws(() => validateBatches(partial), CorruptRecordError);
  assert.equal(validateBatches(partial, { allowTruncatedTail: true }).length, 2);
  assert.equal((await decodeBatches(partial)).length, 2);
});

/** Applies `edit` to a copy of the batch, then fixes its CRC so that only the edit is wrong. */
function tamper(batch: Buffer, edit: (b: Buffer) => void, fixCrc = true): Buffer {
  const b = Buffer.from(batch);
  edit(b);
  if (fixCrc) updateCrc(b);
  return b;
}

test('validateBatches rejects each kind of corruption with the Kafka error code', async () => {
  const batch = await buildBatch(RECORDS_IN, BUILD);
  const expectError = (buf: Buffer, cls: new (...a: never[]) => Error, code: number, re?: RegExp) => {
    assert.throws(
      () => validateBatches(buf),
      (e: unknown) => e instanceof cls && (e as CorruptRecordError).errorCode === code && (!re || re.test((e as Error).message)),
    );
  };
  // bad CRC
  expectError(tamper(batch, (b) => (b[b.length - 1]! ^= 1), false), CorruptRecordError, 2, /crc/);
  // magic 1 (legacy message set): INVALID_RECORD; magic 3: CORRUPT_MESSAGE
  expectError(tamper(batch, (b) => (b[MAGIC] = 1)), UnsupportedMagicError, 87);
  expectError(tamper(batch, (b) => (b[MAGIC] = 3)), UnsupportedMagicError, 2);
  // truncated batch, truncated header
  expectError(batch.subarray(0, batch.length - 1), CorruptRecordError, 2, /truncated/);
  expectError(batch.subarray(0, 10), CorruptRecordError, 2);
  // length field below the header size, and larger than the buffer
  expectError(tamper(batch, (b) => b.writeInt32BE(30, BATCH_LENGTH)), CorruptRecordError, 2, /minimum/);
  expectError(tamper(batch, (b) => b.writeInt32BE(b.length, BATCH_LENGTH), false), CorruptRecordError, 2, /truncated/);
  // length field smaller than the batch: the CRC no longer covers it all, and the tail is garbage
  expectError(tamper(batch, (b) => b.writeInt32BE(b.length - 13, BATCH_LENGTH), false), CorruptRecordError, 2);
  // trailing garbage after a valid batch
  expectError(Buffer.concat([batch, Buffer.from([1, 2, 3])]), CorruptRecordError, 2, /trailing/);
  expectError(Buffer.concat([batch, Buffer.alloc(70)]), CorruptRecordError, 2);
  // record count mismatch (with consistent lastOffsetDelta, so only the walk can tell)
  expectError(tamper(batch, (b) => { b.writeInt32BE(5, RECORDS_COUNT); b.writeInt32BE(4, LAST_OFFSET_DELTA); }), InvalidRecordError, 87, /declares 5/);
  expectError(tamper(batch, (b) => { b.writeInt32BE(3, RECORDS_COUNT); b.writeInt32BE(2, LAST_OFFSET_DELTA); }), InvalidRecordError, 87);
  // lastOffsetDelta inconsistent with recordsCount
  expectError(tamper(batch, (b) => b.writeInt32BE(7, LAST_OFFSET_DELTA)), InvalidRecordError, 87, /inconsistent/);
  expectError(tamper(batch, (b) => b.writeInt32BE(-1, RECORDS_COUNT)), InvalidRecordError, 87);
  // a huge varint record length inside the records section
  expectError(tamper(batch, (b) => b.set([0xfe, 0xff, 0xff, 0xff, 0x07], RECORDS)), InvalidRecordError, 87, /record size/);
  // unknown compression type
  expectError(tamper(batch, (b) => b.writeInt16BE(b.readInt16BE(ATTRIBUTES) | 7, ATTRIBUTES)), UnsupportedCompressionTypeError, 76);
  // attributes claim gzip but the payload is plain records
  expectError(tamper(batch, (b) => b.writeInt16BE(b.readInt16BE(ATTRIBUTES) | 1, ATTRIBUTES)), CorruptRecordError, 87, /gzip/);
  // client-origin rules: baseOffset 0, no control batches, a sequence with a producer id
  expectError(tamper(batch, (b) => b.writeInt32BE(5, 4)), InvalidRecordError, 87, /baseOffset/);
  const control = await buildBatch([{ key: Buffer.from([0, 0, 0, 0]), value: null }], { isControl: true, producerId: 1, baseSequence: 0 });
  expectError(control, InvalidRecordError, 87, /control/);
  assert.equal(validateBatches(control, { fromClient: false })[0]!.isControl, true);
  const noSeq = await buildBatch([{ value: null }], { producerId: 7, producerEpoch: 0, baseSequence: -1 });
  expectError(noSeq, InvalidRecordError, 87, /sequence/);
});

test('replicated/compacted batches: fewer records than the offset range pass when not from a client', async () => {
  const compacted = await buildBatch(
    [{ offsetDelta: 1, value: Buffer.from('x') }, { offsetDelta: 5, value: Buffer.from('y') }],
    { baseOffset: 100, lastOffsetDelta: 6, baseTimestamp: 1 },
  );
  assert.throws(() => validateBatches(compacted), InvalidRecordError);
  const [info] = validateBatches(compacted, { fromClient: false });
  assert.equal(info!.records!.offsetsSequential, false);
  assert.equal(info!.records!.maxOffsetDelta, 5);
  const decoded = await decodeBatch(compacted);
  assert.deepEqual(decoded.records.map((r) => r.offset), [101, 105]);
  // an offsetDelta beyond lastOffsetDelta is refused
  const beyond = await buildBatch([{ offsetDelta: 9, value: null }], { lastOffsetDelta: 2 });
  assert.throws(() => validateBatches(beyond, { fromClient: false }), /beyond/);
});

test('deep validation of a compressed batch catches what the header check cannot', async () => {
  const batch = await buildBatch(RECORDS_IN, { compression: CompressionType.Lz4 });
  const lying = tamper(batch, (b) => { b.writeInt32BE(5, RECORDS_COUNT); b.writeInt32BE(4, LAST_OFFSET_DELTA); });
  assert.equal(validateBatches(lying).length, 1); // header-only: consistent
  await assert.rejects(deepValidateBatch(lying), InvalidRecordError);
  const garbled = tamper(batch, (b) => b.fill(0x55, RECORDS + 20, RECORDS + 30));
  await assert.rejects(deepValidateBatch(garbled), CorruptRecordError);
});

test('patchLogAppendTime sets the type bit and maxTimestamp and leaves a valid CRC', async () => {
  for (const compression of [CompressionType.None, CompressionType.Snappy]) {
    const batch = await buildBatch(RECORDS_IN, { compression });
    const buf = Buffer.concat([Buffer.alloc(0), await buildBatch([{ value: null }], { baseTimestamp: 1 }), batch]);
    const at = buf.length - batch.length;
    const before = Buffer.from(buf);
    patchLogAppendTime(buf, at, 1_800_000_000_000);
    assert.ok(isCrcValid(buf, at));
    assert.ok(isLogAppendTime(buf, at));
    assert.equal(maxTimestamp(buf, at), 1_800_000_000_000);
    assert.equal(baseTimestamp(buf, at), 1_700_000_000_000);
    assert.ok(buf.subarray(at + RECORDS).equals(before.subarray(at + RECORDS)), 'records untouched');
    assert.ok(buf.subarray(0, at).equals(before.subarray(0, at)), 'other batch untouched');
    const crc = storedCrc(buf, at);
    patchLogAppendTime(buf, at, 1_800_000_000_000); // no change, no rewrite
    assert.equal(storedCrc(buf, at), crc);
    const infos = validateBatches(buf);
    assert.equal(infos[1]!.timestampType, TimestampType.LogAppendTime);
    const decoded = await decodeBatch(buf, at);
    assert.ok(decoded.records.every((r) => r.timestamp === 1_800_000_000_000));
    assert.equal(buf.readBigInt64BE(at + MAX_TIMESTAMP), 1_800_000_000_000n);
  }
});

test('recompressBatch moves a batch across every codec, keeping header fields and records', async () => {
  const original = await buildBatch(RECORDS_IN, { ...BUILD, baseOffset: 0 });
  const reference = await decodeBatch(original);
  let current = original;
  for (const target of [CompressionType.Zstd, CompressionType.Lz4, CompressionType.Snappy, CompressionType.Gzip, CompressionType.None]) {
    current = await recompressBatch(current, target);
    const [info] = validateBatches(current);
    assert.equal(info!.compression, target);
    const decoded = await decodeBatch(current);
    assert.deepEqual({ ...decoded, compression: reference.compression, size: reference.size }, reference);
  }
  assert.ok(current.equals(original), 'back to none gives the original bytes');
  const same = await recompressBatch(original, CompressionType.None);
  assert.equal(same, original);
});

test('buildBatch: LogAppendTime, control and delete-horizon attributes; empty batch', async () => {
  const lat = await buildBatch([{ value: Buffer.from('v') }], { timestampType: TimestampType.LogAppendTime, baseTimestamp: 10, maxTimestamp: 99 });
  const d = await decodeBatch(lat);
  assert.equal(d.timestampType, TimestampType.LogAppendTime);
  assert.equal(d.records[0]!.timestamp, 99);
  const attrs = (await buildBatch([], { isControl: true, deleteHorizon: true, transactional: true, baseTimestamp: 0 })).readInt16BE(ATTRIBUTES);
  assert.equal(attrs, 0x10 | 0x20 | 0x40);
  const empty = await buildBatch([], { baseTimestamp: 0, lastOffsetDelta: 4 });
  assert.equal(validateBatches(empty, { fromClient: false })[0]!.recordsCount, 0);
});

test("an empty batch keeping a codec's bits (as Kafka's cleaner writes them) validates, decodes and recompresses", async () => {
  const empty = tamper(await buildBatch([], { baseTimestamp: 0, lastOffsetDelta: 3, baseOffset: 40 }), (b) =>
    b.writeInt16BE(b.readInt16BE(ATTRIBUTES) | CompressionType.Gzip, ATTRIBUTES),
  );
  assert.equal(validateBatches(empty, { fromClient: false })[0]!.compression, CompressionType.Gzip);
  assert.equal((await deepValidateBatch(empty)).summary.count, 0);
  assert.equal((await decodeBatch(empty)).records.length, 0);
  const moved = await recompressBatch(empty, CompressionType.Zstd);
  assert.equal(moved.length, empty.length);
  assert.equal(validateBatches(moved, { fromClient: false })[0]!.compression, CompressionType.Zstd);
});

test('fuzz: mutated batches either validate or fail with a CorruptRecordError, never anything else', async () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (const compression of CODECS) {
    const batch = await buildBatch(RECORDS_IN, { compression });
    const rounds = compression === CompressionType.None ? 3000 : 300;
    for (let i = 0; i < rounds; i++) {
      const b = Buffer.from(batch);
      for (let k = 1 + rand(3); k > 0; k--) b[rand(3) === 0 ? rand(b.length) : RECORDS + rand(b.length - RECORDS)] = rand(256);
      if (rand(4) === 0) b.writeInt32BE(b.readInt32BE(RECORDS_COUNT) + rand(3) - 1, RECORDS_COUNT);
      updateCrc(b);
      try {
        validateBatches(b, { fromClient: false });
        await deepValidateBatch(b, 0, { maxDecompressedSize: 1 << 20 });
        await decodeBatch(b, 0, { maxDecompressedSize: 1 << 20 });
      } catch (e) {
        if (!(e instanceof CorruptRecordError)) throw e;
      }
    }
  }
});

// ------------------------------------------------------------------ golden bytes from KafkaJS

const require = createRequire(import.meta.url);
interface KafkaJsBatchArgs {
  compression: number;
  firstTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
  producerId?: number;
  producerEpoch?: number;
  firstSequence?: number;
  transactional?: boolean;
  records: unknown[];
}

test('golden: batches encoded by KafkaJS validate and decode here (none, gzip)', async () => {
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (a: KafkaJsBatchArgs) => Promise<{ buffer: Buffer }> };
  const KRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (a: object) => unknown;
  const first = 1_650_000_000_000;
  const msgs = [
    { key: Buffer.from('user-1'), value: Buffer.from('{"a":1}'), headers: { trace: Buffer.from('abc') }, timestamp: first },
    { key: null, value: Buffer.from('x'.repeat(500)), headers: {}, timestamp: first + 42 },
  ];
  for (const compression of [0, 1]) {
    const records = msgs.map((m, i) => KRecord({ key: m.key, value: m.value, headers: m.headers, offsetDelta: i, timestampDelta: m.timestamp - first }));
    const encoded = await RecordBatch({
      compression,
      firstTimestamp: first,
      maxTimestamp: first + 42,
      lastOffsetDelta: 1,
      producerId: 77,
      producerEpoch: 2,
      firstSequence: 10,
      transactional: false,
      records,
    });
    const bytes = encoded.buffer;
    const [info] = validateBatches(bytes);
    assert.equal(info!.compression, compression);
    assert.equal(info!.producerId, 77);
    assert.equal(info!.baseSequence, 10);
    const d = await decodeBatch(bytes);
    assert.deepEqual(d.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.length]), [
      [0, first, 'user-1', 7],
      [1, first + 42, null, 500],
    ]);
    assert.deepEqual(d.records[0]!.headers, [{ key: 'trace', value: Buffer.from('abc') }]);
  }
});

test('golden: batches built here decode in KafkaJS (none, gzip)', async () => {
  const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
  const decodeKafkaJs = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<{
    records: { key: Buffer | null; value: Buffer | null; offset: string; timestamp: string; headers: { [k: string]: Buffer } }[];
    producerId: string;
    inTransaction: boolean;
  }>;
  for (const compression of [CompressionType.None, CompressionType.Gzip]) {
    const batch = await buildBatch(RECORDS_IN, { ...BUILD, compression, baseOffset: 1000 });
    const out = await decodeKafkaJs(new Decoder(batch));
    assert.equal(out.producerId, '4242');
    assert.equal(out.inTransaction, true);
    assert.deepEqual(out.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null]), [
      ['1000', '1700000000000', 'k0'],
      ['1001', '1700000000005', null],
      ['1002', '1699999999990', 'k2'],
      ['1003', '1700000100000', ''],
    ]);
    assert.deepEqual(out.records[0]!.headers, { h: Buffer.from('v') });
  }
});
