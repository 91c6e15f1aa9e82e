// The producer's accumulator and batches: running wire size equal to the
// encoded batch, batch.size splitting, buffer.memory accounting with FIFO
// waiters, retries re-queued in front, and the ring buffer under it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordAccumulator } from '../../src/client/accumulator.js';
import { PreparedRecord, payloadSize, soloBatchSize, ProducerBatch } from '../../src/client/producer-batch.js';
import { RingQueue } from '../../src/client/ring-queue.js';
import { decodeBatches } from '../../src/protocol/records/batch.js';
import { normalizeHeaders } from '../../src/client/producer.js';

function rec(value: string, key: string | null = null, ts = 1_700_000_000_000, headers = {}): PreparedRecord {
  const k = key === null ? null : Buffer.from(key);
  const v = Buffer.from(value);
  const h = normalizeHeaders(headers);
  return { key: k, value: v, headers: h, timestamp: ts, payloadSize: payloadSize(k, v, h) };
}

const noop = { resolve: () => {}, reject: () => {} };

describe('client accumulator', () => {
  it('the running size of a batch is exactly its encoded size', async () => {
    const b = new ProducerBatch('t', 0, Date.now());
    const ts = 1_700_000_000_000;
    for (let i = 0; i < 300; i++) {
      b.tryAppend(rec('v'.repeat(i % 70), i % 3 ? `k${i}` : null, ts + (i % 5) * 1000 - 2000, i % 4 ? { a: 'x', b: String(i) } : {}), noop, Infinity);
    }
    const built = await b.build(0, undefined);
    assert.equal(built.length, b.sizeInBytes);
    const [decoded] = await decodeBatches(built);
    assert.equal(decoded!.records.length, 300);
    assert.equal(decoded!.records[7]!.timestamp, ts + 2 * 1000 - 2000);
    const solo = new ProducerBatch('t', 0, 0);
    solo.tryAppend(rec('abc', 'key', ts, { h: 'v' }), noop, Infinity);
    assert.equal(soloBatchSize(rec('abc', 'key', ts, { h: 'v' }).payloadSize), (await solo.build(0, undefined)).length);
  });

  it('starts a new batch when batch.size would be exceeded; a big record gets a batch of its own', () => {
    const acc = new RecordAccumulator(200, 1 << 20);
    const results = [];
    for (let i = 0; i < 10; i++) results.push(acc.append('t', 0, rec('x'.repeat(40)), noop, Date.now()));
    const q = acc.queue('t', 0);
    assert.ok(q.batches.length >= 3);
    for (const b of q.batches) assert.ok(b.sizeInBytes <= 200, `batch of ${b.sizeInBytes}`);
    const big = acc.append('t', 0, rec('y'.repeat(1000)), noop, Date.now());
    assert.equal(big.newBatch, true);
    assert.equal(big.batch.recordCount, 1);
    assert.equal(big.batchFull, true);
    assert.equal(acc.incomplete.size, q.batches.length);
  });

  it('buffer.memory: reservations beyond the limit wait in FIFO order and are served on release', () => {
    const acc = new RecordAccumulator(16384, 1000);
    assert.equal(acc.tryReserve(600), true);
    const order: string[] = [];
    acc.reserve(300, () => order.push('a'));
    assert.deepEqual(order, ['a']);
    acc.reserve(500, () => order.push('b'));
    acc.reserve(50, () => order.push('c')); // fits, but waits behind b (FIFO)
    assert.deepEqual(order, ['a']);
    assert.equal(acc.tryReserve(10), false, 'no cutting in line');
    acc.release(600);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.equal(acc.usedBytes, 850);
    const d = () => order.push('d');
    acc.reserve(900, d);
    assert.equal(acc.cancelReserve(d), true);
    assert.equal(acc.hasMemoryWaiters, false);
  });

  it('a retried batch goes back in front of newer ones; split keeps record order', () => {
    const acc = new RecordAccumulator(100, 1 << 20);
    const first = acc.append('t', 1, rec('a'.repeat(60)), noop, 0).batch;
    acc.append('t', 1, rec('b'.repeat(60)), noop, 0);
    const q = acc.queue('t', 1);
    assert.equal(q.batches.shift(), first);
    acc.reenqueue(first);
    assert.equal(q.batches.peek(), first);
    const b = new ProducerBatch('t', 0, 0);
    for (let i = 0; i < 5; i++) b.tryAppend(rec(String(i)), noop, Infinity);
    const [x, y] = b.split();
    assert.deepEqual([...x.records, ...y.records].map((r) => r.value!.toString()), ['0', '1', '2', '3', '4']);
  });

  it('ring queue: push/shift/unshift across growth', () => {
    const q = new RingQueue<number>(4);
    for (let i = 0; i < 100; i++) q.push(i);
    for (let i = 0; i < 50; i++) assert.equal(q.shift(), i);
    q.unshift(-1);
    assert.equal(q.peek(), -1);
    assert.equal(q.length, 51);
    assert.equal(q.at(1), 50);
    assert.deepEqual([...q].slice(0, 3), [-1, 50, 51]);
    assert.equal(q.clear().length, 51);
    assert.equal(q.shift(), undefined);
  });
});
