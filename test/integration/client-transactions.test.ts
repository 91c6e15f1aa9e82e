// The Samsa client's idempotent and transactional producer and its
// read_committed consumer, against a Samsa broker process: the idempotent
// producer across a broker kill -9 + restart (no duplicates, no gaps); a
// committed and an aborted transaction seen by our read_committed and
// read_uncommitted consumers and by confluent-kafka-python's read_committed
// consumer; back-to-back transactions without backoff waits;
// consume-transform-produce with sendOffsetsToTransaction, with an
// aborted transaction and a "crashed" transformer in the middle, moving
// exactly the consumed input to the output.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startBrokerProcess, requireTool, run, PYTHON, REPO, type BrokerProcess } from './harness.js';
import { createTopic } from './compat-util.js';
import { Producer, Consumer } from '../../src/index.js';

const SCRIPT = path.join(REPO, 'test/integration/py/transactions.py');
let broker: BrokerProcess;

before(async () => {
  requireTool('confluent-kafka');
  broker = await startBrokerProcess({
    overrides: { 'offsets.topic.num.partitions': '3', 'transaction.state.log.num.partitions': '3' },
  });
});

after(async () => {
  await broker?.destroy();
});

/** Every value of a partition from the beginning up to its end offset, with the isolation level. */
async function readAll(topic: string, partitions: number[], isolation: 'read_committed' | 'read_uncommitted', expectAtLeast = 0): Promise<string[]> {
  const c = new Consumer({ bootstrapServers: broker.bootstrap, isolationLevel: isolation, autoOffsetReset: 'earliest', enableAutoCommit: false });
  try {
    const tps = partitions.map((partition) => ({ topic, partition }));
    c.assign(tps);
    const out: string[] = [];
    const deadline = Date.now() + 60_000;
    const ends = await c.endOffsets(tps);
    for (;;) {
      const rs = await c.poll(500);
      for (const r of rs) out.push(r.value!.toString());
      let done = out.length >= expectAtLeast;
      for (const e of ends) if ((await c.position(e)) < e.offset) done = false;
      if (done && rs.length === 0) break;
      if (Date.now() > deadline) throw new Error(`readAll ${topic}: timed out with ${out.length} records`);
    }
    return out;
  } finally {
    await c.close();
  }
}

test('idempotent producer across a broker kill -9 and restart: no duplicates, no gaps', async () => {
  const topic = 'idem-restart';
  await createTopic(broker.port, topic, 2);
  const p = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 2, batchSize: 4096, deliveryTimeoutMs: 120_000, requestTimeoutMs: 5000 });
  assert.equal(p.config.enableIdempotence, true);
  const N = 100_000;
  const sends: Promise<unknown>[] = [];
  let acked = 0;
  let killed = 0;
  let unackedAtKill = 0;
  // The broker dies (kill -9) twice while records are being acknowledged, and comes back 300 ms later.
  const chaos = (async () => {
    for (const at of [20_000, 60_000]) {
      while (acked < at) await new Promise((r) => setTimeout(r, 2));
      unackedAtKill += sends.length - acked;
      await broker.kill9();
      killed++;
      await new Promise((r) => setTimeout(r, 300));
      await broker.restart();
    }
  })();
  for (let i = 0; i < N; i++) {
    sends.push(p.send({ topic, key: String(i % 2), value: String(i) }).then(() => acked++));
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 1));
  }
  await chaos;
  await Promise.all(sends);
  assert.equal(killed, 2);
  assert.ok(unackedAtKill > 0, 'records were in flight or queued when the broker died');
  await Promise.all(sends);
  assert.ok(p.producerIdAndEpoch.producerId >= 0);
  await p.close();
  const values = await readAll(topic, [0, 1], 'read_uncommitted', N);
  assert.equal(values.length, N, 'no duplicates');
  assert.equal(new Set(values).size, N, 'no gaps');
  // Order per key (= per partition) is kept.
  const byKey: number[][] = [[], []];
  for (const v of values) byKey[Number(v) % 2]!.push(Number(v));
  for (const l of byKey) for (let i = 1; i < l.length; i++) assert.ok(l[i]! > l[i - 1]!, 'in order');
});

test('idempotent producer: a sequence gap (OUT_OF_ORDER_SEQUENCE_NUMBER) bumps the epoch (KIP-360) and nothing is lost or doubled', async () => {
  const topic = 'idem-bump';
  await createTopic(broker.port, topic, 1);
  const p = new Producer({ bootstrapServers: broker.bootstrap });
  await Promise.all(Array.from({ length: 100 }, (_, i) => p.send({ topic, partition: 0, value: String(i) })));
  const { producerId, epoch } = p.producerIdAndEpoch;
  // Pretend 10 records were sent and acknowledged that the broker never saw: the next batch leaves a gap.
  const seq = (p as any).txn.seqs.get(`${topic}\0${0}`);
  seq.next += 10;
  seq.lastAcked += 10;
  await Promise.all(Array.from({ length: 100 }, (_, i) => p.send({ topic, partition: 0, value: String(100 + i) })));
  assert.deepEqual(p.producerIdAndEpoch, { producerId, epoch: epoch + 1 });
  await p.close();
  const values = await readAll(topic, [0], 'read_uncommitted', 200);
  assert.deepEqual(values, Array.from({ length: 200 }, (_, i) => String(i)));
});

test('idempotence turns off with acks=1 unless set explicitly; explicit conflicts are refused', () => {
  const p = new Producer({ bootstrapServers: broker.bootstrap, acks: 1 });
  assert.equal(p.config.enableIdempotence, false);
  void p.close();
  assert.throws(() => new Producer({ bootstrapServers: broker.bootstrap, acks: 1, 'enable.idempotence': true }), /acks/);
  assert.throws(() => new Producer({ bootstrapServers: broker.bootstrap, enableIdempotence: false, transactionalId: 'x' }), /idempotence/);
});

test('transactions: commit and abort; read_committed sees only committed records (ours and confluent-kafka-python), read_uncommitted both', async () => {
  const topic = 'samsa-txn';
  await createTopic(broker.port, topic, 1);
  const p = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'samsa-txn-1' });
  await assert.rejects(p.send({ topic, value: 'outside' }), /beginTransaction|state/);
  await p.initTransactions();
  p.beginTransaction();
  for (let i = 0; i < 5; i++) p.send({ topic, value: `committed-${i}` }).catch(() => {});
  await p.commitTransaction();
  p.beginTransaction();
  const aborted = [];
  for (let i = 0; i < 5; i++) aborted.push(p.send({ topic, value: `aborted-${i}` }));
  await p.flush();
  await p.abortTransaction();
  await Promise.allSettled(aborted);
  p.beginTransaction();
  await p.send({ topic, value: 'committed-5' });
  await p.commitTransaction();

  // A second producer with the same transactional.id fences the first.
  const p2 = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'samsa-txn-1' });
  await p2.initTransactions();
  p.beginTransaction();
  await assert.rejects(
    (async () => {
      await p.send({ topic, value: 'zombie' });
      await p.commitTransaction();
    })(),
    (e: any) => ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'].includes(e.errorName),
  );
  await p.close({ timeoutMs: 0 });
  await p2.close();

  const committed = ['committed-0', 'committed-1', 'committed-2', 'committed-3', 'committed-4', 'committed-5'];
  assert.deepEqual(await readAll(topic, [0], 'read_committed'), committed);
  const all = await readAll(topic, [0], 'read_uncommitted');
  assert.deepEqual(all.filter((v) => v.startsWith('committed')), committed);
  assert.deepEqual(all.filter((v) => v.startsWith('aborted')), ['aborted-0', 'aborted-1', 'aborted-2', 'aborted-3', 'aborted-4']);

  const r = await run(PYTHON, [SCRIPT, 'consume', JSON.stringify({ bootstrap: broker.bootstrap, topic, isolation: 'read_committed', partitions: [0], timeout_s: 20 })], { timeoutMs: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.deepEqual(py.values['0'], committed);
});

test('back-to-back transactions: each begins while the coordinator completes the previous one, without waiting out retry.backoff.ms', async () => {
  const topic = 'txn-back-to-back';
  await createTopic(broker.port, topic, 4);
  // A retry.backoff.ms wait anywhere (5 s, ± 20% jitter) would show in the elapsed time.
  const p = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'samsa-b2b', retryBackoffMs: 5000, retryBackoffMaxMs: 5000 });
  await p.initTransactions();
  const T = 100;
  const R = 20;
  const started = Date.now();
  for (let t = 0; t < T; t++) {
    p.beginTransaction();
    const sends = Array.from({ length: R }, (_, i) => p.send({ topic, partition: i % 4, value: `${t}-${i}` }));
    await p.commitTransaction();
    await Promise.all(sends);
  }
  const elapsed = Date.now() - started;
  await p.close();
  assert.ok(elapsed < 4000, `${T} transactions took ${elapsed} ms`);
  const values = await readAll(topic, [0, 1, 2, 3], 'read_committed', T * R);
  assert.equal(values.length, T * R);
  assert.equal(new Set(values).size, T * R);
});

test('consume-transform-produce with sendOffsetsToTransaction: exactly the consumed input reaches the output', async () => {
  const input = 'ctp-in';
  const output = 'ctp-out';
  const group = 'ctp-group';
  await createTopic(broker.port, input, 2);
  await createTopic(broker.port, output, 2);
  const N = 2000;
  const src = new Producer({ bootstrapServers: broker.bootstrap });
  await Promise.all(Array.from({ length: N }, (_, i) => src.send({ topic: input, partition: i % 2, value: String(i) })));
  await src.close();

  /** One transformer life: up to `maxTxns` transactions; the one numbered `abortAt` is aborted and the life ends ("crash"). */
  async function transformer(maxTxns: number, abortAt: number): Promise<number> {
    const consumer = new Consumer({ bootstrapServers: broker.bootstrap, groupId: group, isolationLevel: 'read_committed', enableAutoCommit: false, autoOffsetReset: 'earliest', maxPollRecords: 150 });
    const producer = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'ctp-transformer' });
    let moved = 0;
    try {
      await producer.initTransactions();
      consumer.subscribe([input]);
      let idle = 0;
      let seen = false;
      for (let t = 0; t < maxTxns && idle < (seen ? 6 : 60); ) {
        const rs = await consumer.poll(500);
        if (rs.length === 0) {
          idle++;
          continue;
        }
        idle = 0;
        seen = true;
        producer.beginTransaction();
        const next = new Map<number, number>();
        for (const r of rs) {
          // The records of an aborted transaction fail; commitTransaction() reports any failure.
          producer.send({ topic: output, partition: r.partition, value: `out-${r.value!.toString()}` }).catch(() => {});
          next.set(r.partition, r.offset + 1);
        }
        await producer.sendOffsetsToTransaction([...next].map(([partition, offset]) => ({ topic: input, partition, offset })), consumer.groupMetadata()!);
        if (t === abortAt) {
          await producer.flush(); // the aborted records reach the log, for read_committed to skip
          await producer.abortTransaction();
          return moved; // the transformer "crashes": its positions are lost, the committed offsets stay
        }
        await producer.commitTransaction();
        moved += rs.length;
        t++;
      }
      return moved;
    } finally {
      await producer.close({ timeoutMs: 0 });
      await consumer.close();
    }
  }

  const lives = [await transformer(1000, 3), await transformer(4, -1), await transformer(1000, -1)];
  assert.equal(lives[0]! + lives[1]! + lives[2]!, N, `records moved per life: ${lives.join(', ')}`);

  const out = await readAll(output, [0, 1], 'read_committed');
  const expected = Array.from({ length: N }, (_, i) => `out-${i}`);
  assert.equal(out.length, N, 'no duplicates, no loss');
  assert.deepEqual([...out].sort(), [...expected].sort());
  const withAborted = await readAll(output, [0, 1], 'read_uncommitted');
  assert.ok(withAborted.length > N, 'the aborted transaction is in the log');
});
