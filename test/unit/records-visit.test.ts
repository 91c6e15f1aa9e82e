// The reader-side and producer-side shortcuts over record batches:
// readBatchSections + visitRecords (the consumer builds its own record
// objects) must see exactly what decodeBatches sees, and sealBatch (records
// encoded in place, header written last) must build what buildBatch builds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionType, RECORDS } from '../../src/protocol/records/batch-header.js';
import { buildBatch, decodeBatches, readBatchSections, sealBatch } from '../../src/protocol/records/batch.js';
import { NO_RECORD_HEADERS, encodeRecords, visitRecords, type RecordInput } from '../../src/protocol/records/records.js';
import { CorruptRecordError, InvalidRecordError } from '../../src/protocol/records/errors.js';

const T0 = 1_700_000_000_000;

function sample(n: number): RecordInput[] {
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: i % 3 === 0 ? null : Buffer.from(`k${i}`),
      value: i % 7 === 0 ? null : Buffer.from('v'.repeat(i % 50)),
      headers: i % 4 === 0 ? [{ key: 'h', value: Buffer.from(String(i)) }, { key: 'ü', value: null }] : [],
      timestamp: T0 + (i % 5) * 10 - 20,
    });
  }
  return out;
}

test('readBatchSections + visitRecords see what decodeBatches sees, for every codec', async () => {
  for (const compression of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    const a = await buildBatch(sample(40), { compression, baseOffset: 100, producerId: 7, producerEpoch: 1, baseSequence: 3 });
    const b = await buildBatch(sample(3), { compression, baseOffset: 140 });
    const buf = Buffer.concat([a, b, b.subarray(0, 30)]); // a truncated batch at the end is skipped
    const decoded = await decodeBatches(buf);
    const sections = await readBatchSections(buf);
    assert.equal(sections.length, 2);
    for (let i = 0; i < 2; i++) {
      const { info, records } = sections[i]!;
      const d = decoded[i]!;
      assert.equal(info.baseOffset, d.baseOffset);
      assert.equal(info.producerId, d.producerId);
      assert.equal(info.lastOffsetDelta, d.lastOffsetDelta);
      const seen: unknown[] = [];
      const n = visitRecords(records, 0, records.length, info.recordsCount, (od, td, key, value, headers) => {
        seen.push({ offset: info.baseOffset + od, timestamp: info.baseTimestamp + td, key, value, headers: [...headers] });
      });
      assert.equal(n, d.records.length);
      assert.deepEqual(
        seen,
        d.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })),
      );
    }
  }
});

test('visitRecords: records without headers share one frozen empty array; malformed sections throw as decodeRecords does', () => {
  const section = encodeRecords([{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
  const headers: unknown[] = [];
  visitRecords(section, 0, section.length, 2, (_od, _td, _k, _v, h) => headers.push(h));
  assert.equal(headers[0], NO_RECORD_HEADERS);
  assert.equal(headers[1], NO_RECORD_HEADERS);
  assert.ok(Object.isFrozen(NO_RECORD_HEADERS));
  assert.throws(() => visitRecords(section, 0, section.length, 1, () => {}), InvalidRecordError);
  assert.throws(() => visitRecords(section, 0, section.length, 3, () => {}), InvalidRecordError);
  assert.throws(() => visitRecords(section, 0, section.length - 1, 2, () => {}), InvalidRecordError);
});

test('readBatchSections checks CRCs unless told not to', async () => {
  const batch = await buildBatch(sample(5));
  batch[batch.length - 1]! ^= 0xff;
  await assert.rejects(readBatchSections(batch), CorruptRecordError);
  assert.equal((await readBatchSections(batch, { verifyCrc: false })).length, 1);
});

test('sealBatch over records encoded in place builds what buildBatch builds', async () => {
  const records = sample(25).map((r, i) => ({ ...r, timestamp: T0 + i }));
  for (const compression of [CompressionType.None, CompressionType.Lz4]) {
    const section = encodeRecords(records, T0);
    const buf = Buffer.alloc(RECORDS + section.length);
    section.copy(buf, RECORDS);
    const opts = { compression, producerId: 9, producerEpoch: 2, baseSequence: 11, transactional: true };
    const sealed = await sealBatch(buf, buf.length, records.length, { ...opts, baseTimestamp: T0, maxTimestamp: T0 + 24 });
    const built = await buildBatch(records, { ...opts, baseTimestamp: T0 });
    if (compression === CompressionType.None) assert.deepEqual(sealed, built);
    else assert.deepEqual((await decodeBatches(sealed))[0], (await decodeBatches(built))[0]);
  }
});
