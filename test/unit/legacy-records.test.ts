// Legacy message sets (magic 0 and 1): checksums, the byte layout against
// messages written by an independent implementation (kafka-python 2.0.2),
// round trips, compressed wrappers (including the broken LZ4 header checksum
// of magic 0), the checks on malformed input, and conversion to and from
// record batch v2 — also through the broker's log validator.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { CompressionType, TimestampType } from '../../src/protocol/records/batch-header.js';
import { buildBatch, decodeBatch, decodeBatches } from '../../src/protocol/records/batch.js';
import { compress } from '../../src/protocol/records/compression.js';
import { CorruptRecordError, InvalidRecordError } from '../../src/protocol/records/errors.js';
import {
  LEGACY_CRC,
  LEGACY_TIMESTAMP_TYPE_MASK,
  NO_TIMESTAMP_TYPE,
  breakLz4HeaderChecksum,
  crc32,
  decodeLegacyMessageSet,
  downConvertBatches,
  encodeLegacyMessageSet,
  encodeLegacyWrapper,
  expandLegacyEntry,
  fixLz4HeaderChecksum,
  isLegacyMessageSet,
  readLegacyEntries,
  upConvertToBatch,
  xxhash32,
  type LegacyRecordInput,
} from '../../src/protocol/records/legacy.js';
import { validateProducedRecords } from '../../src/broker/log-validator.js';
import { effectiveTopicConfig } from '../../src/broker/config/topic-config.js';
import { loadBrokerConfig } from '../../src/broker/config/broker-config.js';
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const b = (s: string) => Buffer.from(s);
const str = (v: Buffer | null) => (v === null ? null : v.toString());

// ------------------------------------------------------------------ checksums

test('crc32: the standard check values (CRC-32/ISO-HDLC, the polynomial of java.util.zip.CRC32)', () => {
  assert.equal(crc32(b('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
  assert.equal(crc32(b('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  assert.equal(crc32(b('xx123456789yy'), 2, 11), 0xcbf43926);
  const zcrc = (zlib as unknown as { crc32?: (b: Buffer) => number }).crc32;
  for (let i = 0; i < 50; i++) {
    const buf = randomBytes(i * 37);
    if (zcrc) assert.equal(crc32(buf), zcrc(buf) >>> 0);
  }
});

test('xxhash32: reference vectors, and the content checksums lz4 writes', async () => {
  assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxhash32(b('a')), 0x550d7456);
  assert.equal(xxhash32(b('abc')), 0x32d153ff);
  assert.equal(xxhash32(b('Nobody inspects the spammish repetition')), 0xe2293b2f);
  const lz4 = await import('lz4-napi');
  for (const n of [1, 15, 16, 17, 100, 1000, 70000]) {
    const data = randomBytes(n);
    const frame = await lz4.compressFrame(data, { contentChecksum: true });
    assert.equal(xxhash32(data), frame.readUInt32LE(frame.length - 4), `content checksum of ${n} bytes`);
  }
});

test('LZ4 header checksum: Kafka 0.8-0.9 hashed the frame magic too; fixLz4HeaderChecksum repairs it', async () => {
  const lz4 = await import('lz4-napi');
  const data = b('hello hello hello hello hello');
  const frame = await lz4.compressFrame(data);
  assert.equal(fixLz4HeaderChecksum(frame), frame, 'a correct frame comes back as is');
  const broken = breakLz4HeaderChecksum(Buffer.from(frame));
  assert.notEqual(broken[6], frame[6]);
  assert.equal(broken[6], (xxhash32(frame, 0, 6) >>> 8) & 0xff);
  await assert.rejects(lz4.decompressFrame(broken), 'a standard decoder refuses the broken checksum');
  const fixed = fixLz4HeaderChecksum(broken);
  assert.deepEqual(fixed, frame);
  assert.deepEqual(await lz4.decompressFrame(fixed), data);
});

// ------------------------------------------------------------------ layout

// Written by kafka-python 2.0.2 (kafka.protocol.message / kafka.record.legacy_records), an independent implementation.
const PY_MAGIC0 = hex('0000000000000005000000101fecd70a0000000000016b0000000176'); // offset 5, key "k", value "v"
const PY_MAGIC1 = hex('00000000000000070000001b00d37da001000000018bcfe5687bffffffff0000000576616c7565'); // offset 7, ts, null key
const PY_MAGIC1_LAT = hex('00000000000000000000001933cc864001080000018bcfe569c8000000036b6579ffffffff'); // LogAppendTime bit, null value
const PY_GZIP_V0 = hex(
  '0000000000000000000000533898a2320001ffffffff000000451f8b0800730e076b02ff63608003a1b6e9453e601653b601882c3380ca3002b180cffce8430c0cff81002c6708956302e9fccfc6e409d5690496350200b17082a558000000',
);
const PY_GZIP_V1 = hex(
  '000000000000000000000067d4f28ac101010000000000000000ffffffff000000511f8b0800730e076b02ff63608003a99255810e8c400663f7f9a7192011a66c031059660055019294587dfbbe355c15e37f2000ab3184aa610299949b3e850fae86096c921158951100a213462670000000',
);

test('decodes messages kafka-python wrote, and encodes the same bytes', () => {
  const [m0] = readLegacyEntries(PY_MAGIC0);
  assert.deepEqual(
    { offset: m0!.offset, magic: m0!.magic, ts: m0!.timestamp, tt: m0!.timestampType, key: str(m0!.key), value: str(m0!.value), size: m0!.size },
    { offset: 5, magic: 0, ts: -1, tt: NO_TIMESTAMP_TYPE, key: 'k', value: 'v', size: PY_MAGIC0.length },
  );
  assert.deepEqual(encodeLegacyMessageSet([{ offset: 5, key: b('k'), value: b('v') }], { magic: 0 }), PY_MAGIC0);

  const [m1] = readLegacyEntries(PY_MAGIC1);
  assert.deepEqual(
    { offset: m1!.offset, magic: m1!.magic, ts: m1!.timestamp, tt: m1!.timestampType, key: m1!.key, value: str(m1!.value) },
    { offset: 7, magic: 1, ts: 1700000000123, tt: TimestampType.CreateTime, key: null, value: 'value' },
  );
  assert.deepEqual(encodeLegacyMessageSet([{ offset: 7, timestamp: 1700000000123, value: b('value') }], { magic: 1 }), PY_MAGIC1);

  const [m2] = readLegacyEntries(PY_MAGIC1_LAT);
  assert.equal(m2!.timestampType, TimestampType.LogAppendTime);
  assert.equal(m2!.value, null);
  assert.equal(str(m2!.key), 'key');
  assert.deepEqual(
    encodeLegacyMessageSet([{ timestamp: 1700000000456, key: b('key'), value: null }], { magic: 1, timestampType: TimestampType.LogAppendTime }),
    PY_MAGIC1_LAT,
  );
  assert.ok(isLegacyMessageSet(PY_MAGIC0) && isLegacyMessageSet(PY_MAGIC1));
});

test('decodes gzip wrappers kafka-python wrote (magic 0 absolute inner offsets, magic 1 relative with wrapper offset 0)', async () => {
  for (const [buf, magic] of [
    [PY_GZIP_V0, 0],
    [PY_GZIP_V1, 1],
  ] as const) {
    const [wrapper] = readLegacyEntries(buf);
    assert.equal(wrapper!.compression, CompressionType.Gzip);
    const records = await decodeLegacyMessageSet(buf);
    assert.deepEqual(
      records.map((r) => [r.offset, r.magic, r.timestamp, str(r.key), str(r.value)]),
      [0, 1, 2].map((i) => [i, magic, magic ? 1700000000000 + i : -1, i === 1 ? null : `k${i}`, `v${i}`]),
    );
  }
});

test('round trips uncompressed message sets, magic 0 and 1: null and empty keys and values, large values', async () => {
  const inputs: LegacyRecordInput[] = [
    { key: null, value: null, timestamp: 1 },
    { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: 2 },
    { key: b('key'), value: randomBytes(100_000), timestamp: 1700000000000 },
    { key: b('ключ'), value: b('значение'), timestamp: -1 },
  ];
  for (const magic of [0, 1] as const) {
    const buf = encodeLegacyMessageSet(inputs, { magic, baseOffset: 42 });
    const entries = readLegacyEntries(buf);
    assert.equal(entries.length, inputs.length);
    const records = await decodeLegacyMessageSet(buf);
    records.forEach((r, i) => {
      assert.equal(r.offset, 42 + i);
      assert.equal(r.magic, magic);
      assert.equal(r.timestamp, magic === 0 ? -1 : inputs[i]!.timestamp);
      assert.equal(r.timestampType, magic === 0 ? NO_TIMESTAMP_TYPE : TimestampType.CreateTime);
      assert.deepEqual(r.key, inputs[i]!.key);
      assert.deepEqual(r.value, inputs[i]!.value);
    });
  }
});

test('shallow checks: CRC (CORRUPT_MESSAGE), sizes, lengths, trailing bytes, truncated tails', () => {
  const good = encodeLegacyMessageSet([{ key: b('k'), value: b('value') }, { value: b('second') }], { magic: 1 });
  const bad = Buffer.from(good);
  bad[bad.length - 1]! ^= 1;
  assert.throws(() => readLegacyEntries(bad), (e: CorruptRecordError) => e.errorCode === ErrorCode.CORRUPT_MESSAGE && /crc/.test(e.message));
  const lenient = readLegacyEntries(bad, { verifyCrc: false });
  assert.deepEqual(lenient.map((e) => e.crcValid), [true, false]);

  const crcOnly = Buffer.from(good);
  crcOnly.writeUInt32BE((crcOnly.readUInt32BE(LEGACY_CRC) + 1) >>> 0, LEGACY_CRC);
  assert.throws(() => readLegacyEntries(crcOnly), CorruptRecordError);

  // message size below the magic 0 minimum
  const tiny = Buffer.from(good);
  tiny.writeInt32BE(13, 8);
  assert.throws(() => readLegacyEntries(tiny), /less than the minimum record overhead/);
  // a magic 1 message of magic 0's minimum size
  const v0 = encodeLegacyMessageSet([{}], { magic: 0 });
  const asV1 = Buffer.from(v0);
  asV1[16] = 1;
  asV1.writeUInt32BE(crc32(asV1, 16), LEGACY_CRC);
  assert.throws(() => readLegacyEntries(asV1), /minimum magic 1 record overhead/);
  // key length beyond the message (CRC made valid)
  const longKey = encodeLegacyMessageSet([{ key: b('k'), value: b('v') }], { magic: 0 });
  longKey.writeInt32BE(100, 18);
  longKey.writeUInt32BE(crc32(longKey, 16), LEGACY_CRC);
  assert.throws(() => readLegacyEntries(longKey), (e: CorruptRecordError) => e.errorCode === ErrorCode.CORRUPT_MESSAGE && /key length 100/.test(e.message));
  // bytes after the value inside the message
  const extra = Buffer.concat([encodeLegacyMessageSet([{ value: b('v') }], { magic: 0 }), Buffer.alloc(2)]);
  extra.writeInt32BE(extra.readInt32BE(8) + 2, 8);
  extra.writeUInt32BE(crc32(extra, 16), LEGACY_CRC);
  assert.throws(() => readLegacyEntries(extra), /after its value/);
  // unknown magic
  const m5 = Buffer.from(v0);
  m5[16] = 5;
  assert.throws(() => readLegacyEntries(m5), (e: CorruptRecordError) => e.errorCode === ErrorCode.CORRUPT_MESSAGE);
  // truncated tail: an error, unless asked to stop there (fetch responses)
  const cut = good.subarray(0, good.length - 3);
  assert.throws(() => readLegacyEntries(cut), /truncated/);
  assert.equal(readLegacyEntries(cut, { allowTruncatedTail: true }).length, 1);
  assert.equal(readLegacyEntries(good.subarray(0, 30), { allowTruncatedTail: true }).length, 0);
});

// ------------------------------------------------------------------ wrappers

const CODECS = [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4] as const;

test('compressed wrappers round trip for gzip, snappy and lz4 at magic 0 and 1', async () => {
  const inputs = Array.from({ length: 50 }, (_, i) => ({
    offset: 100 + i,
    timestamp: 1700000000000 + i * 3,
    key: i % 7 === 0 ? null : b(`key-${i}`),
    value: b(`value ${i} ${'x'.repeat(i)}`),
  }));
  for (const magic of [0, 1] as const) {
    for (const codec of CODECS) {
      const buf = await encodeLegacyWrapper(inputs, { magic, compression: codec });
      const [wrapper, ...rest] = readLegacyEntries(buf);
      assert.equal(rest.length, 0);
      assert.equal(wrapper!.compression, codec);
      assert.equal(wrapper!.offset, 149, 'the wrapper carries the last offset');
      assert.equal(wrapper!.key, null);
      if (magic === 1) assert.equal(wrapper!.timestamp, 1700000000000 + 49 * 3, 'CreateTime wrapper: the largest timestamp');
      const records = await expandLegacyEntry(wrapper!);
      assert.deepEqual(
        records.map((r) => [r.offset, r.timestamp, r.key && str(r.key), str(r.value)]),
        inputs.map((r) => [r.offset, magic ? r.timestamp : -1, r.key && str(r.key), str(r.value)]),
        `magic ${magic} codec ${codec}`,
      );
    }
  }
});

test('magic 1 inner offsets are relative to the wrapper; magic 0 inner offsets absolute', async () => {
  const inputs = [{ offset: 7, value: b('a') }, { offset: 8, value: b('b') }];
  const v1 = await encodeLegacyWrapper(inputs, { magic: 1, compression: CompressionType.Gzip });
  const inner1 = readLegacyEntries(zlib.gunzipSync(readLegacyEntries(v1)[0]!.value!));
  assert.deepEqual(inner1.map((e) => e.offset), [0, 1]);
  const v0 = await encodeLegacyWrapper(inputs, { magic: 0, compression: CompressionType.Gzip });
  const inner0 = readLegacyEntries(zlib.gunzipSync(readLegacyEntries(v0)[0]!.value!));
  assert.deepEqual(inner0.map((e) => e.offset), [7, 8]);
  // librdkafka may send a magic 1 wrapper with offset 0: inner offsets stand as they are
  const zero = await encodeLegacyWrapper([{ offset: 0, value: b('a') }, { offset: 1, value: b('b') }], { magic: 1, compression: CompressionType.Gzip });
  assert.deepEqual((await decodeLegacyMessageSet(zero)).map((r) => r.offset), [0, 1]);
});

test('a magic 1 LogAppendTime wrapper gives its timestamp to every inner message', async () => {
  const buf = await encodeLegacyWrapper(
    [{ timestamp: 5, value: b('a') }, { timestamp: 6, value: b('b') }],
    { magic: 1, compression: CompressionType.Snappy, timestampType: TimestampType.LogAppendTime, logAppendTime: 1700000009999 },
  );
  const [w] = readLegacyEntries(buf);
  assert.equal(w!.attributes & LEGACY_TIMESTAMP_TYPE_MASK, LEGACY_TIMESTAMP_TYPE_MASK);
  const records = await expandLegacyEntry(w!);
  assert.deepEqual(records.map((r) => [r.timestamp, r.timestampType]), [
    [1700000009999, TimestampType.LogAppendTime],
    [1700000009999, TimestampType.LogAppendTime],
  ]);
});

test('LZ4 at magic 0 is written and read with the broken header checksum; at magic 1 it must be correct', async () => {
  const lz4 = await import('lz4-napi');
  const inputs = [{ key: b('k'), value: b('lz4 value '.repeat(20)) }];
  const v0 = await encodeLegacyWrapper(inputs, { magic: 0, compression: CompressionType.Lz4 });
  const payload0 = readLegacyEntries(v0)[0]!.value!;
  await assert.rejects(lz4.decompressFrame(payload0), 'magic 0 frames carry the old checksum');
  assert.equal(str((await decodeLegacyMessageSet(v0))[0]!.value), 'lz4 value '.repeat(20));
  // a magic 0 frame with a correct checksum (newer writers) is accepted too
  const v0ok = await encodeLegacyWrapper(inputs, { magic: 0, compression: CompressionType.Lz4, brokenLz4Checksum: false });
  assert.equal((await decodeLegacyMessageSet(v0ok)).length, 1);

  const v1 = await encodeLegacyWrapper(inputs, { magic: 1, compression: CompressionType.Lz4 });
  assert.equal((await decodeLegacyMessageSet(v1)).length, 1);
  const v1broken = await encodeLegacyWrapper(inputs, { magic: 1, compression: CompressionType.Lz4, brokenLz4Checksum: true });
  await assert.rejects(decodeLegacyMessageSet(v1broken), (e: CorruptRecordError) => e.errorCode === ErrorCode.INVALID_RECORD);
});

/** A wrapper message around arbitrary (already compressed) bytes, for malformed cases. */
function rawWrapper(magic: 0 | 1, attributes: number, value: Buffer | null, offset = 0): Buffer {
  const buf = encodeLegacyMessageSet([{ offset, value, timestamp: 0 }], { magic });
  buf[17] = attributes;
  buf.writeUInt32BE(crc32(buf, 16), LEGACY_CRC);
  return buf;
}

test('wrapper checks: zstd below magic 2, null value, empty, compressed or other-magic inner messages, inner CRC, wrapper offset', async () => {
  const inner1 = encodeLegacyMessageSet([{ value: b('a') }, { value: b('b') }], { magic: 1 });
  const isInvalid = (re: RegExp) => (e: CorruptRecordError) => e.errorCode === ErrorCode.INVALID_RECORD && re.test(e.message);
  await assert.rejects(decodeLegacyMessageSet(rawWrapper(1, CompressionType.Zstd, await compress(CompressionType.Zstd, inner1))), isInvalid(/zstd/));
  await assert.rejects(decodeLegacyMessageSet(rawWrapper(1, CompressionType.Gzip, null)), isInvalid(/null value/));
  await assert.rejects(decodeLegacyMessageSet(rawWrapper(1, CompressionType.Gzip, zlib.gzipSync(Buffer.alloc(0)))), isInvalid(/no inner records/));
  const nested = await encodeLegacyWrapper([{ value: b('x') }], { magic: 1, compression: CompressionType.Gzip });
  await assert.rejects(decodeLegacyMessageSet(rawWrapper(1, CompressionType.Gzip, zlib.gzipSync(nested))), isInvalid(/must not be compressed/));
  await assert.rejects(
    decodeLegacyMessageSet(rawWrapper(0, CompressionType.Gzip, zlib.gzipSync(inner1))),
    isInvalid(/magic 1 does not match wrapper magic 0/),
  );
  const corruptInner = Buffer.from(inner1);
  corruptInner[corruptInner.length - 1]! ^= 0xff;
  await assert.rejects(
    decodeLegacyMessageSet(rawWrapper(1, CompressionType.Gzip, zlib.gzipSync(corruptInner))),
    (e: CorruptRecordError) => e.errorCode === ErrorCode.CORRUPT_MESSAGE && /inner message/.test(e.message),
  );
  const relative = encodeLegacyMessageSet([{ offset: 0, value: b('a') }, { offset: 5, value: b('b') }], { magic: 1 });
  await assert.rejects(decodeLegacyMessageSet(rawWrapper(1, CompressionType.Gzip, zlib.gzipSync(relative), 3)), isInvalid(/invalid wrapper offset/));
  await assert.rejects(decodeLegacyMessageSet(rawWrapper(1, CompressionType.Gzip, b('not gzip at all'))), (e: CorruptRecordError) => e.errorCode === ErrorCode.INVALID_RECORD);
});

// ------------------------------------------------------------------ conversion

test('up-conversion: magic 0 messages become one v2 batch with no timestamps (-1)', async () => {
  const records = await decodeLegacyMessageSet(encodeLegacyMessageSet([{ key: b('a'), value: b('1') }, { key: null, value: b('2') }, { key: b('c'), value: null }], { magic: 0, baseOffset: 9 }));
  const batch = await upConvertToBatch(records, { compression: CompressionType.None, timestampType: TimestampType.CreateTime, now: 123 });
  const d = await decodeBatch(batch);
  assert.equal(d.baseOffset, 0);
  assert.equal(d.recordsCount, 3);
  assert.equal(d.lastOffsetDelta, 2);
  assert.equal(d.baseTimestamp, -1);
  assert.equal(d.maxTimestamp, -1);
  assert.equal(d.producerId, -1);
  assert.deepEqual(d.records.map((r) => [r.offset, r.timestamp, str(r.key), str(r.value), r.headers.length]), [
    [0, -1, 'a', '1', 0],
    [1, -1, null, '2', 0],
    [2, -1, 'c', null, 0],
  ]);
});

test('up-conversion: magic 1 timestamps kept (maxTimestamp the largest), codec as asked, LogAppendTime sets maxTimestamp', async () => {
  const inputs = [
    { timestamp: 1700000000500, key: b('k1'), value: b('v1') },
    { timestamp: 1700000000100, key: b('k2'), value: b('v2') },
    { timestamp: -1, key: b('k3'), value: b('v3') },
  ];
  const records = await decodeLegacyMessageSet(await encodeLegacyWrapper(inputs, { magic: 1, compression: CompressionType.Snappy }));
  for (const codec of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    const batch = await upConvertToBatch(records, { compression: codec, timestampType: TimestampType.CreateTime, now: 1 });
    const d = await decodeBatch(batch);
    assert.equal(d.compression, codec);
    assert.equal(d.baseTimestamp, 1700000000500);
    assert.equal(d.maxTimestamp, 1700000000500);
    assert.deepEqual(d.records.map((r) => [r.timestamp, str(r.key), str(r.value)]), inputs.map((r) => [r.timestamp, str(r.key), str(r.value)]));
  }
  const lat = await decodeBatch(await upConvertToBatch(records, { compression: CompressionType.None, timestampType: TimestampType.LogAppendTime, now: 1700000009000 }));
  assert.equal(lat.timestampType, TimestampType.LogAppendTime);
  assert.equal(lat.maxTimestamp, 1700000009000);
  assert.deepEqual(lat.records.map((r) => r.timestamp), [1700000009000, 1700000009000, 1700000009000]);
});

async function storedBatches(): Promise<Buffer[]> {
  // offsets 10-12 uncompressed with headers, 13-14 gzip, a control batch at 15, 16-17 LogAppendTime lz4
  const a = await buildBatch(
    [
      { key: b('a'), value: b('10'), timestamp: 1000, headers: [{ key: 'h', value: b('x') }] },
      { key: null, value: b('11'), timestamp: 1001 },
      { key: b('c'), value: null, timestamp: 1002 },
    ],
    { baseOffset: 10 },
  );
  const g = await buildBatch([{ value: b('13'), timestamp: 2000 }, { value: b('14'), timestamp: 2005 }], { baseOffset: 13, compression: CompressionType.Gzip });
  const control = await buildBatch([{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], {
    baseOffset: 15,
    isControl: true,
    transactional: true,
    producerId: 1,
    producerEpoch: 0,
    baseSequence: 0,
  });
  const l = await buildBatch([{ value: b('16'), timestamp: 3000 }, { value: b('17'), timestamp: 3001 }], {
    baseOffset: 16,
    compression: CompressionType.Lz4,
    timestampType: TimestampType.LogAppendTime,
    maxTimestamp: 9999,
  });
  return [Buffer.concat([a, g]), Buffer.concat([control, l])];
}

test('down-conversion to magic 1: offsets, keys, values, timestamps (LogAppendTime bit), headers and control batches dropped', async () => {
  const out = await downConvertBatches(await storedBatches(), 1);
  const entries = readLegacyEntries(out);
  assert.ok(entries.every((e) => e.magic === 1 && e.compression === CompressionType.None));
  assert.deepEqual(
    entries.map((e) => [e.offset, e.timestamp, e.timestampType, e.key && str(e.key), str(e.value)]),
    [
      [10, 1000, TimestampType.CreateTime, 'a', '10'],
      [11, 1001, TimestampType.CreateTime, null, '11'],
      [12, 1002, TimestampType.CreateTime, 'c', null],
      [13, 2000, TimestampType.CreateTime, null, '13'],
      [14, 2005, TimestampType.CreateTime, null, '14'],
      [16, 9999, TimestampType.LogAppendTime, null, '16'],
      [17, 9999, TimestampType.LogAppendTime, null, '17'],
    ],
  );
});

test('down-conversion to magic 0: no timestamps; messages before the fetch offset left out; size limit keeps at least one', async () => {
  const stored = await storedBatches();
  const out = await downConvertBatches(stored, 0, { fromOffset: 12 });
  const entries = readLegacyEntries(out);
  assert.ok(entries.every((e) => e.magic === 0 && e.attributes === 0 && e.timestamp === -1));
  assert.deepEqual(entries.map((e) => e.offset), [12, 13, 14, 16, 17]);
  // 14 + 12 overhead + value of 2 bytes = 28 bytes a message (null key)
  assert.deepEqual(readLegacyEntries(await downConvertBatches(stored, 0, { fromOffset: 13, maxBytes: 56 })).map((e) => e.offset), [13, 14]);
  assert.deepEqual(readLegacyEntries(await downConvertBatches(stored, 0, { fromOffset: 13, maxBytes: 1 })).map((e) => e.offset), [13]);
  assert.equal((await downConvertBatches(stored, 0, { fromOffset: 18 })).length, 0);
  // an incomplete batch at the end of a read is ignored
  const cut = stored[1]!.subarray(0, stored[1]!.length - 5);
  assert.deepEqual(readLegacyEntries(await downConvertBatches([stored[0]!, cut], 0)).map((e) => e.offset), [10, 11, 12, 13, 14]);
});

test('down-conversion handles zstd batches and legacy entries already in a log', async () => {
  const z = await buildBatch([{ value: b('z1'), timestamp: 5 }, { value: b('z2'), timestamp: 6 }], { baseOffset: 3, compression: CompressionType.Zstd });
  const legacy = await encodeLegacyWrapper([{ offset: 5, timestamp: 7, value: b('l1') }], { magic: 1, compression: CompressionType.Gzip });
  const entries = readLegacyEntries(await downConvertBatches([Buffer.concat([z, legacy])], 1));
  assert.deepEqual(entries.map((e) => [e.offset, e.timestamp, str(e.value)]), [
    [3, 5, 'z1'],
    [4, 6, 'z2'],
    [5, 7, 'l1'],
  ]);
});

test('up then down conversion gives back what a magic 1 producer sent', async () => {
  const inputs = Array.from({ length: 20 }, (_, i) => ({ timestamp: 1700000000000 + i, key: i % 3 ? b(`k${i}`) : null, value: b(`v${i}`) }));
  for (const codec of CODECS) {
    const sent = await encodeLegacyWrapper(inputs, { magic: 1, compression: codec });
    const batch = await upConvertToBatch(await decodeLegacyMessageSet(sent), { compression: codec, timestampType: TimestampType.CreateTime, now: 0 });
    const back = await decodeLegacyMessageSet(await downConvertBatches(batch, 1));
    assert.deepEqual(back.map((r) => [r.offset, r.timestamp, r.key && str(r.key), str(r.value)]), inputs.map((r, i) => [i, r.timestamp, r.key && str(r.key), str(r.value)]));
  }
});

// ------------------------------------------------------------------ the broker's log validator

const BROKER = loadBrokerConfig({}).config;
const topicConfig = (overrides: Record<string, string> = {}) => effectiveTopicConfig(overrides, BROKER);

async function validateLegacy(records: Buffer, overrides: Record<string, string> = {}, now = Date.now()) {
  return validateProducedRecords(records, topicConfig(overrides), BROKER, now);
}

async function expectKafkaError(p: Promise<unknown>, code: number, re?: RegExp): Promise<void> {
  await assert.rejects(p, (e: KafkaError) => {
    assert.ok(e instanceof KafkaError, `expected a KafkaError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

test('log validator: uncompressed magic 0 and 1 message sets are up-converted to one v2 batch', async () => {
  const now = Date.now();
  for (const magic of [0, 1] as const) {
    const set = encodeLegacyMessageSet(
      [
        { offset: 55, timestamp: now - 10, key: b('k0'), value: b('v0') },
        { offset: 99, timestamp: now - 5, key: null, value: b('v1') },
      ],
      { magic },
    );
    const v = await validateLegacy(set, {}, now);
    assert.equal(v.logAppendTimeMs, -1);
    const [d, ...more] = await decodeBatches(v.records);
    assert.equal(more.length, 0);
    assert.equal(d!.compression, CompressionType.None);
    assert.deepEqual(d!.records.map((r) => [r.offset, r.timestamp, r.key && str(r.key), str(r.value)]), [
      [0, magic ? now - 10 : -1, 'k0', 'v0'],
      [1, magic ? now - 5 : -1, null, 'v1'],
    ]);
  }
});

test('log validator: compressed wrappers keep the producer codec, or take the topic compression.type', async () => {
  const now = Date.now();
  const inputs = Array.from({ length: 10 }, (_, i) => ({ timestamp: now - i, value: b(`value ${i}`) }));
  for (const magic of [0, 1] as const) {
    for (const codec of CODECS) {
      const sent = await encodeLegacyWrapper(inputs, { magic, compression: codec });
      const [kept] = await decodeBatches((await validateLegacy(sent, {}, now)).records);
      assert.equal(kept!.compression, codec);
      assert.deepEqual(kept!.records.map((r) => str(r.value)), inputs.map((r) => str(r.value)));
      const [zstd] = await decodeBatches((await validateLegacy(sent, { 'compression.type': 'zstd' }, now)).records);
      assert.equal(zstd!.compression, CompressionType.Zstd);
      assert.equal(zstd!.recordsCount, 10);
    }
  }
});

test('log validator: LogAppendTime topics stamp the batch; magic 0 under LogAppendTime too', async () => {
  const now = 1700000000000;
  for (const magic of [0, 1] as const) {
    const set = encodeLegacyMessageSet([{ timestamp: 5, value: b('x') }], { magic });
    const v = await validateLegacy(set, { 'message.timestamp.type': 'LogAppendTime' }, now);
    assert.equal(v.logAppendTimeMs, now);
    const [d] = await decodeBatches(v.records);
    assert.equal(d!.timestampType, TimestampType.LogAppendTime);
    assert.equal(d!.maxTimestamp, now);
    assert.equal(d!.records[0]!.timestamp, now);
  }
});

test('log validator: legacy errors answer with Kafka codes', async () => {
  const now = Date.now();
  const good = encodeLegacyMessageSet([{ timestamp: now, value: b('v') }, { timestamp: now, value: b('w') }], { magic: 1 });
  const corrupt = Buffer.from(good);
  corrupt[corrupt.length - 1]! ^= 1;
  await expectKafkaError(validateLegacy(corrupt), ErrorCode.CORRUPT_MESSAGE, /crc/);

  const mixed = Buffer.concat([encodeLegacyMessageSet([{ value: b('a') }], { magic: 1 }), encodeLegacyMessageSet([{ value: b('b') }], { magic: 0 })]);
  await expectKafkaError(validateLegacy(mixed), ErrorCode.INVALID_RECORD, /not the same as the first batch's magic/);

  const v2after = Buffer.concat([encodeLegacyMessageSet([{ value: b('a') }], { magic: 1 }), await buildBatch([{ value: b('b') }])]);
  await expectKafkaError(validateLegacy(v2after), ErrorCode.INVALID_RECORD);

  const w = await encodeLegacyWrapper([{ value: b('a') }], { magic: 1, compression: CompressionType.Gzip });
  await expectKafkaError(validateLegacy(Buffer.concat([w, w])), ErrorCode.INVALID_RECORD, /more than one batch/);

  await expectKafkaError(
    validateLegacy(encodeLegacyMessageSet([{ value: Buffer.alloc(2000) }], { magic: 0 }), { 'max.message.bytes': '1000' }),
    ErrorCode.MESSAGE_TOO_LARGE,
  );

  await expectKafkaError(
    validateLegacy(encodeLegacyMessageSet([{ timestamp: now, value: b('ok') }, { timestamp: 1000, value: b('old') }], { magic: 1 }), {
      'message.timestamp.before.max.ms': '3600000',
    }),
    ErrorCode.INVALID_TIMESTAMP,
    /Timestamp 1000 of message with offset 1 is out of range/,
  );
  // magic 0 has no timestamps to check
  await validateLegacy(encodeLegacyMessageSet([{ value: b('fine') }], { magic: 0 }), { 'message.timestamp.before.max.ms': '1' });
  // a producer may not claim LogAppendTime on a LogAppendTime topic (Kafka's validateTimestamp)
  await expectKafkaError(
    validateLegacy(encodeLegacyMessageSet([{ timestamp: now, value: b('x') }], { magic: 1, timestampType: TimestampType.LogAppendTime }), {
      'message.timestamp.type': 'LogAppendTime',
    }),
    ErrorCode.INVALID_TIMESTAMP,
    /LogAppendTime/,
  );
  await expectKafkaError(validateLegacy(rawWrapper(1, CompressionType.Zstd, await compress(CompressionType.Zstd, good))), ErrorCode.INVALID_RECORD);
  await expectKafkaError(validateLegacy(good.subarray(0, good.length - 2)), ErrorCode.CORRUPT_MESSAGE, /truncated/);
});
