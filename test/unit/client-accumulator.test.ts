// The producer's accumulator and batches: running wire size equal to the
// encoded batch, batch.size splitting, buffer.memory accounting with FIFO
// waiters, retries re-queued in front, and the ring buffer under it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordAccumulator } from '../../src/client/accumulator.js';
import { BatchBufferPool, payloadSize, soloBatchSize, ProducerBatch } from '../../src/client/producer-batch.js';
import type { RecordHeader } from '../../src/protocol/records/records.js';
import { RingQueue } from '../../src/client/ring-queue.js';
import { decodeBatches } from '../../src/protocol/records/batch.js';
import { normalizeHeaders } from '../../src/client/producer.js';

interface Rec {
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
  payloadSize: number;
}

function rec(value: string, key: string | null = null, ts = 1_700_000_000_000, headers = {}): Rec {
  const k = key === null ? null : Buffer.from(key);
  const v = Buffer.from(value);
  const h = normalizeHeaders(headers);
  return { key: k, value: v, headers: h, timestamp: ts, payloadSize: payloadSize(k, v, h) };
}

const noop = () => {};
const appendTo = (b: ProducerBatch, r: Rec, limit: number) => b.tryAppend(r.key, r.value, r.headers, r.timestamp, r.payloadSize, noop, noop, limit);
const accAppend = (acc: RecordAccumulator, topic: string, partition: number, r: Rec, now: number) =>
  acc.append(topic, partition, r.key, r.value, r.headers, r.timestamp, r.payloadSize, noop, noop, now);

describe('client accumulator', () => {
  it('the running size of a batch is exactly its encoded size', async () => {
    const b = new ProducerBatch('t', 0, Date.now());
    const ts = 1_700_000_000_000;
    for (let i = 0; i < 300; i++) {
      appendTo(b, rec('v'.repeat(i % 70), i % 3 ? `k${i}` : null, ts + (i % 5) * 1000 - 2000, i % 4 ? { a: 'x', b: String(i) } : {}), Infinity);
    }
    const built = await b.build(0, undefined);
    assert.equal(built.length, b.sizeInBytes);
    const [decoded] = await decodeBatches(built);
    assert.equal(decoded!.records.length, 300);
    assert.equal(decoded!.records[7]!.timestamp, ts + 2 * 1000 - 2000);
    assert.equal(decoded!.maxTimestamp, ts + 2000);
    assert.equal(decoded!.records[7]!.key!.toString(), 'k7');
    assert.deepEqual(decoded!.records[7]!.headers.map((h) => [h.key, h.value!.toString()]), [['a', 'x'], ['b', '7']]);
    assert.equal(decoded!.records[299]!.offset, 299);
    const solo = new ProducerBatch('t', 0, 0);
    appendTo(solo, rec('abc', 'key', ts, { h: 'v' }), Infinity);
    assert.equal(soloBatchSize(rec('abc', 'key', ts, { h: 'v' }).payloadSize), (await solo.build(0, undefined)).length);
  });

  it('starts a new batch when batch.size would be exceeded; a big record gets a batch of its own', () => {
    const acc = new RecordAccumulator(200, 1 << 20);
    const results = [];
    for (let i = 0; i < 10; i++) results.push(accAppend(acc, 't', 0, rec('x'.repeat(40)), Date.now()));
    const q = acc.queue('t', 0);
    assert.ok(q.batches.length >= 3);
    for (const b of q.batches) assert.ok(b.sizeInBytes <= 200, `batch of ${b.sizeInBytes}`);
    const before = q.batches.length;
    const big = accAppend(acc, 't', 0, rec('y'.repeat(1000)), Date.now());
    assert.equal(q.batches.length, before + 1, 'a new batch');
    assert.equal(big.recordCount, 1);
    assert.ok(big.sizeInBytes >= 200, 'full at once');
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

  it('a retried batch goes back in front of newer ones; split keeps record order', async () => {
    const acc = new RecordAccumulator(100, 1 << 20);
    const first = accAppend(acc, 't', 1, rec('a'.repeat(60)), 0);
    accAppend(acc, 't', 1, rec('b'.repeat(60)), 0);
    const q = acc.queue('t', 1);
    assert.equal(q.batches.shift(), first);
    acc.reenqueue(first);
    assert.equal(q.batches.peek(), first);
    const b = new ProducerBatch('t', 0, 0);
    for (let i = 0; i < 5; i++) appendTo(b, rec(String(i), null, 1_700_000_000_000 + i), Infinity);
    const [x, y] = b.split();
    assert.deepEqual([...x.records(), ...y.records()].map((r) => r.value!.toString()), ['0', '1', '2', '3', '4']);
    assert.deepEqual([...x.records(), ...y.records()].map((r) => r.timestamp - 1_700_000_000_000), [0, 1, 2, 3, 4]);
    const [dy] = await decodeBatches(await y.build(0, undefined));
    assert.deepEqual(dy!.records.map((r) => [r.offset, r.value!.toString()]), [[0, '3'], [1, '4']]);
  });

  it('a done batch hands its buffer to the next one (buffer pool), and only then', async () => {
    const pool = new BatchBufferPool(4096, 2);
    const a = new ProducerBatch('t', 0, 0, pool);
    appendTo(a, rec('first'), 4096);
    const bytes = await a.build(0, undefined);
    const b = new ProducerBatch('t', 0, 0, pool);
    appendTo(b, rec('second'), 4096);
    assert.notEqual((await b.build(0, undefined)).buffer, bytes.buffer, 'a batch not yet done keeps its buffer');
    a.complete(0, -1);
    const c = new ProducerBatch('t', 0, 0, pool);
    appendTo(c, rec('third'), 4096);
    const reused = await c.build(0, undefined);
    assert.equal(reused.buffer, bytes.buffer, 'the buffer of the done batch is reused');
    const [d] = await decodeBatches(reused);
    assert.equal(d!.records[0]!.value!.toString(), 'third');
    assert.equal(pool.take(100).length, 100, 'other sizes are allocated');
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
