// The consumer's buffered fetch answer: records decoded a batch at a time
// from the fetch offset on, control batches and aborted transactions dropped
// under read_committed, the next offset past the last whole batch, and a
// record format error raised only when its batch is reached.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompletedFetch } from '../../src/client/completed-fetch.js';
import { buildBatch, readBatchSections } from '../../src/protocol/records/batch.js';
import { CompressionType, RECORDS } from '../../src/protocol/records/batch-header.js';

const T0 = 1_700_000_000_000;
const values = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`v${from + i}`), timestamp: T0 + from + i }));

/** A control record's key: version 0, type 0 (ABORT) or 1 (COMMIT). */
function marker(baseOffset: number, producerId: number, commit: boolean): Promise<Buffer> {
  const key = Buffer.alloc(4);
  key.writeInt16BE(commit ? 1 : 0, 2);
  return buildBatch([{ key, value: Buffer.alloc(6), timestamp: T0 }], { baseOffset, producerId, producerEpoch: 0, baseSequence: -1, transactional: true, isControl: true });
}

function drainAll(f: CompletedFetch): { offsets: number[]; values: string[]; fills: number } {
  const offsets: number[] = [];
  const vals: string[] = [];
  let fills = 0;
  while (f.fill()) {
    fills++;
    for (; f.next < f.records.length; f.next++) {
      offsets.push(f.records[f.next]!.offset);
      vals.push(String(f.records[f.next]!.value));
    }
  }
  return { offsets, values: vals, fills };
}

test('records from the fetch offset on, a batch per fill, next offset after the last whole batch', async () => {
  const buf = Buffer.concat([
    await buildBatch(values(10, 5), { baseOffset: 10 }),
    await buildBatch(values(15, 5), { baseOffset: 15 }),
    (await buildBatch(values(20, 5), { baseOffset: 20 })).subarray(0, 40), // truncated: not whole
  ]);
  const f = new CompletedFetch('t', 0, 12, await readBatchSections(buf), null, 0);
  assert.equal(f.nextOffset, 20);
  const r = drainAll(f);
  assert.deepEqual(r.offsets, [12, 13, 14, 15, 16, 17, 18, 19]);
  assert.deepEqual(r.values, ['v12', 'v13', 'v14', 'v15', 'v16', 'v17', 'v18', 'v19']);
  assert.equal(r.fills, 2);
  const rec = new CompletedFetch('t', 3, 10, await readBatchSections(buf), null, 0);
  rec.fill();
  assert.deepEqual({ ...rec.records[0]!, value: String(rec.records[0]!.value) }, {
    topic: 't', partition: 3, offset: 10, timestamp: T0 + 10, timestampType: 'CreateTime', key: null, value: 'v10', headers: [],
  });
});

test('read_committed drops aborted transactions and control batches; read_uncommitted drops only control batches', async () => {
  const txn = (baseOffset: number, pid: number, n: number) =>
    buildBatch(values(baseOffset, n), { baseOffset, producerId: pid, producerEpoch: 0, baseSequence: 0, transactional: true });
  const buf = Buffer.concat([
    await txn(0, 1, 2), // pid 1: aborted at 4
    await txn(2, 2, 2), // pid 2: committed at 5
    await marker(4, 1, false),
    await marker(5, 2, true),
    await buildBatch(values(6, 2), { baseOffset: 6 }), // not transactional
  ]);
  const committed = new CompletedFetch('t', 0, 0, await readBatchSections(buf), [{ producerId: 1, firstOffset: 0 }], 0);
  assert.deepEqual(drainAll(committed).offsets, [2, 3, 6, 7]);
  assert.equal(committed.nextOffset, 8);
  const all = new CompletedFetch('t', 0, 0, await readBatchSections(buf), null, 0);
  assert.deepEqual(drainAll(all).offsets, [0, 1, 2, 3, 6, 7]);
});

test('a record that cannot be decoded throws when its batch is reached, after the batches before it', async () => {
  const good = await buildBatch(values(0, 3), { baseOffset: 0 });
  const bad = await buildBatch(values(3, 3), { baseOffset: 3 });
  bad[RECORDS] = 0x7f; // the first record's length varint now claims more bytes than there are
  const f = new CompletedFetch('t', 0, 0, await readBatchSections(Buffer.concat([good, bad]), { verifyCrc: false }), null, 0);
  assert.equal(f.fill(), true);
  assert.deepEqual(f.records.map((r) => r.offset), [0, 1, 2]);
  f.next = f.records.length;
  assert.throws(() => f.fill(), /record/i);
});

test('with check.crcs, an uncompressed batch whose CRC does not match is refused when reached; a compressed one on arrival', async () => {
  const good = await buildBatch(values(0, 3), { baseOffset: 0 });
  const bad = await buildBatch(values(3, 3), { baseOffset: 3 });
  bad[bad.length - 2]! ^= 0x01; // the last value's last byte: the CRC no longer matches, the records still decode
  const buf = Buffer.concat([good, bad]);
  const f = new CompletedFetch('t', 0, 0, await readBatchSections(buf, { lazyCrc: true }), null, 0, buf);
  assert.equal(f.fill(), true);
  assert.deepEqual(f.records.map((r) => r.offset), [0, 1, 2]);
  f.next = f.records.length;
  assert.throws(() => f.fill(), (err: Error) => err.name === 'CorruptRecordError' && /t-0 at offset 3/.test(err.message));
  const unchecked = new CompletedFetch('t', 0, 0, await readBatchSections(buf, { verifyCrc: false }), null, 0, null);
  assert.deepEqual(drainAll(unchecked).offsets, [0, 1, 2, 3, 4, 5], 'check.crcs=false reads it');
  const zipped = await buildBatch(values(0, 3), { baseOffset: 0, compression: CompressionType.Gzip });
  zipped[zipped.length - 1]! ^= 0xff;
  await assert.rejects(readBatchSections(zipped, { lazyCrc: true }), (err: Error) => err.name === 'CorruptRecordError');
});
