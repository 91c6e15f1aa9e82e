// send(record, callback): the producer's promise-free form. Against a real
// broker: every callback is called once, after send() returned; per
// partition, callbacks run in offset order and their metadata names the
// offset where the record really is (read back with our consumer); errors
// (record too large, an invalid partition, a closed producer, max.block.ms
// passing) reach the callback and the producer keeps working; flush() and
// close() wait for callbacks; promise and callback sends mix in one order;
// a callback that throws surfaces as an uncaught exception without keeping
// the rest of its batch from completing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { startBrokerProcess, run, REPO, type BrokerProcess } from './harness.js';
import { createTopic, uniqueTopic } from './compat-util.js';
import { Producer, Consumer, RecordTooLargeError, KafkaError, ClientClosedError, TimeoutError, type RecordMetadata } from '../../src/index.js';

const PARTITIONS = 3;
let broker: BrokerProcess;

before(async () => {
  broker = await startBrokerProcess({ overrides: { 'auto.create.topics.enable': 'false' } });
});

after(async () => {
  await broker?.destroy();
});

interface Delivery {
  err: Error | null;
  metadata: RecordMetadata | undefined;
}

/** A callback recording its calls, in call order, with whether send() had returned yet. */
function recorder() {
  const calls: { i: number; d: Delivery }[] = [];
  const pending = new Set<number>();
  let insideSend = false;
  let calledInsideSend = false;
  const cb = (i: number) => {
    pending.add(i);
    return (err: Error | null, metadata?: RecordMetadata) => {
      if (insideSend) calledInsideSend = true;
      assert.ok(pending.delete(i), `callback of record ${i} called twice`);
      calls.push({ i, d: { err, metadata } });
    };
  };
  return {
    calls,
    pending,
    get calledInsideSend() {
      return calledInsideSend;
    },
    send(p: Producer, record: Parameters<Producer['send']>[0], i: number): void {
      insideSend = true;
      try {
        p.send(record, cb(i));
      } finally {
        insideSend = false;
      }
    },
  };
}

/** Every record of a topic as `partition → values in offset order`, with their offsets. */
async function readBack(topic: string, count: number): Promise<Map<number, { offset: number; value: string }[]>> {
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  const out = new Map<number, { offset: number; value: string }[]>();
  try {
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
    let n = 0;
    while (n < count) {
      const batch = await consumer.poll(5000);
      assert.ok(batch.length > 0, `read ${n} of ${count} records, then nothing for 5 s`);
      for (const r of batch) {
        if (!out.has(r.partition)) out.set(r.partition, []);
        out.get(r.partition)!.push({ offset: r.offset, value: r.value!.toString() });
        n++;
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}

test('callbacks get each record’s true offset, in offset order per partition, never inside send()', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('cb-order');
  await createTopic(broker.port, topic, PARTITIONS);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 2, batchSize: 4096 });
  const rec = recorder();
  const N = 3000;
  const base = 1_700_000_000_000;
  try {
    for (let i = 0; i < N; i++) {
      // Keyed, unkeyed (sticky) and explicit partitions; small batches so each partition has many in flight.
      const record = i % 5 === 0 ? { topic, partition: i % PARTITIONS, value: `v${i}`, timestamp: base + i } : i % 2 === 0 ? { topic, key: `k${i % 11}`, value: `v${i}`, timestamp: base + i } : { topic, value: `v${i}`, timestamp: base + i };
      rec.send(producer, record, i);
    }
    await producer.flush();
    assert.equal(rec.pending.size, 0, 'flush() resolved before every callback ran');
  } finally {
    await producer.close();
  }
  assert.equal(rec.calledInsideSend, false);
  assert.equal(rec.calls.length, N);
  const lastOffset = new Map<number, number>();
  const where = new Map<string, number>(); // "partition:offset" → record index
  for (const { i, d } of rec.calls) {
    assert.equal(d.err, null, `record ${i}: ${d.err?.message}`);
    const m = d.metadata!;
    assert.equal(m.topic, topic);
    assert.equal(m.timestamp, base + i);
    if (i % 5 === 0) assert.equal(m.partition, i % PARTITIONS);
    assert.ok(m.offset > (lastOffset.get(m.partition) ?? -1), `record ${i}: offset ${m.offset} of partition ${m.partition} came after ${lastOffset.get(m.partition)}`);
    lastOffset.set(m.partition, m.offset);
    where.set(`${m.partition}:${m.offset}`, i);
  }
  const stored = await readBack(topic, N);
  let seen = 0;
  for (const [partition, rows] of stored) {
    let prev = -1;
    for (const r of rows) {
      const i = where.get(`${partition}:${r.offset}`);
      assert.notEqual(i, undefined, `no callback named ${partition}:${r.offset}`);
      assert.equal(r.value, `v${i}`, `the callback's metadata for record ${i} names the offset of another record`);
      assert.ok(i! > prev, `records of partition ${partition} stored out of send order`);
      prev = i!;
      seen++;
    }
  }
  assert.equal(seen, N);
});

test('promise and callback sends mix: one partition keeps their send order', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('cb-mixed');
  await createTopic(broker.port, topic, 1);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 1, batchSize: 2048 });
  const offsets: number[] = [];
  const promises: Promise<void>[] = [];
  const N = 1000;
  let callbacks = 0;
  try {
    for (let i = 0; i < N; i++) {
      if (i % 3 === 0) {
        promises.push(producer.send({ topic, value: String(i) }).then((m) => void (offsets[i] = m.offset)));
      } else {
        producer.send({ topic, value: String(i) }, (err, m) => {
          assert.equal(err, null);
          offsets[i] = m!.offset;
          callbacks++;
        });
      }
    }
    await Promise.all(promises);
    await producer.flush();
  } finally {
    await producer.close();
  }
  assert.equal(callbacks, N - promises.length);
  assert.deepEqual(offsets, Array.from({ length: N }, (_, i) => i), 'record i got offset i');
});

test('errors reach the callback and the producer keeps working', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('cb-errors');
  await createTopic(broker.port, topic, PARTITIONS);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, maxRequestSize: 10_000, lingerMs: 0 });
  const rec = recorder();
  try {
    rec.send(producer, { topic, value: 'before' }, 0);
    rec.send(producer, { topic, value: Buffer.alloc(20_000) }, 1);
    rec.send(producer, { topic, partition: PARTITIONS + 4, value: 'nowhere' }, 2);
    rec.send(producer, { topic, value: 'after' }, 3);
    rec.send(producer, { topic, timestamp: -5, value: 'bad time' }, 4);
    assert.throws(() => producer.send({ topic, value: 'x' }, 'not a function' as never), TypeError);
    await producer.flush();
  } finally {
    await producer.close();
  }
  assert.equal(rec.calledInsideSend, false, 'a callback ran inside send()');
  const by = new Map(rec.calls.map((c) => [c.i, c.d]));
  assert.equal(by.size, 5);
  assert.equal(by.get(0)!.err, null);
  assert.equal(by.get(3)!.err, null);
  assert.ok(by.get(1)!.err instanceof RecordTooLargeError);
  assert.match(by.get(1)!.err!.message, /max\.request\.size/);
  assert.equal(by.get(1)!.metadata, undefined);
  assert.ok(by.get(2)!.err instanceof KafkaError);
  assert.match(by.get(2)!.err!.message, /Invalid partition given with record: 7/);
  assert.ok(by.get(4)!.err instanceof TypeError);
  const stored = await readBack(topic, 2);
  assert.deepEqual([...stored.values()].flat().map((r) => r.value).sort(), ['after', 'before']);
});

test('close() waits for pending callbacks; sends after close() fail through their callback', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('cb-close');
  await createTopic(broker.port, topic, PARTITIONS);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 50 });
  const rec = recorder();
  for (let i = 0; i < 500; i++) rec.send(producer, { topic, value: `v${i}` }, i);
  const closing = producer.close();
  rec.send(producer, { topic, value: 'too late' }, 500);
  await closing;
  assert.equal(rec.calls.filter((c) => c.i < 500 && c.d.err === null).length, 500, 'close() resolved before every record was acknowledged');
  await new Promise<void>((r) => setImmediate(r));
  const late = rec.calls.find((c) => c.i === 500);
  assert.ok(late?.d.err instanceof ClientClosedError);
});

test('a record that cannot be sent fails through its callback after max.block.ms, or with ClientClosedError at close({ timeoutMs: 0 })', { timeout: 60_000 }, async () => {
  // A port nobody listens on: no metadata ever comes, so the records wait in the producer's queue.
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const producer = new Producer({ bootstrapServers: `127.0.0.1:${port}`, maxBlockMs: 300, reconnectBackoffMs: 50 });
  const first = await new Promise<Delivery>((resolve) => producer.send({ topic: 'nowhere', value: 'x' }, (err, metadata) => resolve({ err, metadata })));
  assert.ok(first.err instanceof TimeoutError, `expected a TimeoutError, got ${first.err}`);

  const slow = new Producer({ bootstrapServers: `127.0.0.1:${port}`, maxBlockMs: 60_000, reconnectBackoffMs: 50 });
  const second = new Promise<Delivery>((resolve) => slow.send({ topic: 'nowhere', value: 'y' }, (err, metadata) => resolve({ err, metadata })));
  await Promise.all([slow.close({ timeoutMs: 0 }), producer.close()]);
  assert.ok((await second).err instanceof ClientClosedError);
});

test('a burst beyond buffer.memory waits in the queue and is delivered in order', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('cb-memory');
  await createTopic(broker.port, topic, 1);
  // 64 KiB of buffer for ~1 MB of records sent in one synchronous loop.
  const producer = new Producer({ bootstrapServers: broker.bootstrap, bufferMemory: 65536, batchSize: 16384, lingerMs: 0 });
  const offsets: number[] = [];
  const N = 2000;
  const value = Buffer.alloc(500, 1);
  let errors = 0;
  try {
    for (let i = 0; i < N; i++) {
      producer.send({ topic, value }, (err, m) => {
        if (err) errors++;
        else offsets.push(m!.offset);
      });
    }
    await producer.flush();
  } finally {
    await producer.close();
  }
  assert.equal(errors, 0);
  assert.deepEqual(offsets, Array.from({ length: N }, (_, i) => i));
});

test('a callback that throws becomes an uncaught exception; the other callbacks of its batch still run', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('cb-throw');
  await createTopic(broker.port, topic, 1);
  // In a process of its own, which catches the exception with an 'uncaughtException' listener.
  const script = `
    const { Producer } = await import(${JSON.stringify(path.join(REPO, 'dist/src/index.js'))});
    const caught = [];
    process.on('uncaughtException', (e) => caught.push(e.message));
    const p = new Producer({ bootstrapServers: ${JSON.stringify(broker.bootstrap)}, lingerMs: 20 });
    const offsets = [];
    for (let i = 0; i < 5; i++) {
      p.send({ topic: ${JSON.stringify(topic)}, value: 'v' + i }, (err, m) => {
        if (err) throw err;
        offsets.push(m.offset);
        if (i === 1) throw new Error('thrown by callback 1');
      });
    }
    await p.flush();
    await p.close();
    await new Promise((r) => setImmediate(r));
    console.log(JSON.stringify({ caught, offsets }));
  `;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], { timeoutMs: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { caught: ['thrown by callback 1'], offsets: [0, 1, 2, 3, 4] });
});
