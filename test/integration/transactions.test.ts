// Transactions against a Samsa broker process, driven by clients we did not
// write: confluent-kafka-python (librdkafka) commits one transaction and
// aborts another, and a read_committed consumer (assign()) sees only the
// committed records while a read_uncommitted one sees both; a transaction
// left open holds read_committed readers (and ListOffsets read_committed) at
// its first offset until transaction.timeout.ms aborts it, also across a
// kill -9 restart of the broker; consume-transform-produce with
// send_offsets_to_transaction commits the consumed offsets only with the
// transaction, also with the transforming process killed -9 again and again;
// KafkaJS's transactional producer commits and aborts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import kafkajs from 'kafkajs';
import { startBrokerProcess, requireTool, run, PYTHON, REPO, type BrokerProcess } from './harness.js';
import { createTopic, waitFor } from './compat-util.js';
import { RawClient } from './raw-client.js';

const { Kafka, logLevel } = kafkajs;
const SCRIPT = path.join(REPO, 'test/integration/py/transactions.py');

let broker: BrokerProcess;

before(async () => {
  requireTool('confluent-kafka');
  broker = await startBrokerProcess({
    overrides: {
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': '300',
      'offsets.topic.num.partitions': '5',
      'transaction.state.log.num.partitions': '5',
    },
  });
});

after(async () => {
  await broker?.destroy();
});

async function py<T = any>(action: string, params: Record<string, unknown>): Promise<T> {
  const r = await run(PYTHON, [SCRIPT, action, JSON.stringify({ bootstrap: broker.bootstrap, ...params })], { timeoutMs: 90_000 });
  if (r.status !== 0) throw new Error(`python ${action} exited with ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

type Consumed = { values: Record<string, string[]>; eof: number[]; positions: Record<string, number> };

function consume(topic: string, isolation: 'read_committed' | 'read_uncommitted', partitions = [0], timeout_s = 15): Promise<Consumed> {
  return py<Consumed>('consume', { topic, isolation, partitions, timeout_s });
}

/** ListOffsets LATEST with the isolation level: the high watermark, or the last stable offset. */
async function latest(topic: string, isolationLevel: 0 | 1, partition = 0): Promise<number> {
  const c = await RawClient.connect(broker.port);
  try {
    const r = await c.request(2, 5, {
      replicaId: -1,
      isolationLevel,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }],
    });
    const p = r.topics[0].partitions[0];
    assert.equal(p.errorCode, 0);
    return p.offset;
  } finally {
    c.close();
  }
}

test('confluent-kafka-python: one transaction committed, one aborted; read_committed sees only the committed records, read_uncommitted both', { timeout: 120_000 }, async () => {
  const topic = 'txn-commit-abort';
  await createTopic(broker.port, topic, 2);
  const r = await py('produce', {
    topic,
    transactional_id: 'ck-commit-abort',
    txns: [
      { values: ['c1', 'c2', 'c3'], commit: true, partition: 0 },
      { values: ['a1', 'a2'], commit: false, partition: 0 },
      { values: ['a3'], commit: false, partition: 1 },
      { values: ['c4'], commit: true, partition: 1 },
      { values: ['c5'], commit: true, partition: 0 },
    ],
  });
  assert.deepEqual(r.done, [true, false, false, true, true]);
  const committed = await consume(topic, 'read_committed', [0, 1]);
  assert.deepEqual(committed.values, { '0': ['c1', 'c2', 'c3', 'c5'], '1': ['c4'] });
  assert.deepEqual(committed.eof, [0, 1], 'both partitions read to their end');
  const all = await consume(topic, 'read_uncommitted', [0, 1]);
  assert.deepEqual(all.values, { '0': ['c1', 'c2', 'c3', 'a1', 'a2', 'c5'], '1': ['a3', 'c4'] });
  // Markers take offsets: 3 records + marker, 2 + marker, 1 + marker in partition 0.
  assert.equal(await latest(topic, 0), 9);
  assert.equal(await latest(topic, 1, 0), 9, 'nothing is open: the last stable offset is the high watermark');
  assert.equal(await latest(topic, 1, 1), 4);
});

test('an open transaction holds read_committed readers at its first offset until its timeout aborts it', { timeout: 120_000 }, async () => {
  const topic = 'txn-open';
  await createTopic(broker.port, topic, 1);
  await py('produce', { topic, transactional_id: 'ck-open-1', txns: [{ values: ['before'], commit: true }] });
  // A producer that begins a transaction, writes, and goes away without ending it.
  await py('hang', { topic, transactional_id: 'ck-open-2', values: ['open1', 'open2'], timeout: 15000 });
  await py('produce', { topic, transactional_id: 'ck-open-1', txns: [{ values: ['after'], commit: true }] });
  // Offsets: before 0, marker 1, open1 2, open2 3, after 4, marker 5.
  assert.equal(await latest(topic, 0), 6);
  assert.equal(await latest(topic, 1), 2, 'the last stable offset is the open transaction\'s first offset');
  const held = await consume(topic, 'read_committed', [0], 4);
  assert.deepEqual(held.values['0'], ['before'], 'nothing at or after the open transaction is delivered');
  const uncommitted = await consume(topic, 'read_uncommitted');
  assert.deepEqual(uncommitted.values['0'], ['before', 'open1', 'open2', 'after']);
  // transaction.timeout.ms (15 s) passes: the coordinator aborts it (ABORT marker at 6).
  await waitFor('the timed-out transaction to be aborted', async () => ((await latest(topic, 1)) === 7 ? true : undefined), 40_000, 200);
  const released = await consume(topic, 'read_committed');
  assert.deepEqual(released.values['0'], ['before', 'after']);
});

test('a transaction left open survives a kill -9 restart of the broker and is then aborted by its timeout; committed data and offsets stay', { timeout: 180_000 }, async () => {
  const topic = 'txn-restart';
  await createTopic(broker.port, topic, 1);
  await py('produce', { topic, transactional_id: 'ck-restart-1', txns: [{ values: ['k1', 'k2'], commit: true }, { values: ['x1'], commit: false }] });
  await py('hang', { topic, transactional_id: 'ck-restart-2', values: ['open'], timeout: 15000 });
  // Offsets: k1 0, k2 1, marker 2, x1 3, marker 4, open 5.
  assert.equal(await latest(topic, 1), 5);
  await broker.kill9();
  await broker.restart();
  // The producer state is rebuilt from the log: the transaction is still open after the restart.
  assert.equal(await waitFor('the broker to answer', async () => latest(topic, 1).catch(() => undefined), 20_000, 200), 5);
  const held = await consume(topic, 'read_committed', [0], 4);
  assert.deepEqual(held.values['0'], ['k1', 'k2']);
  // The coordinator reloaded the Ongoing transaction from __transaction_state and aborts it once it times out.
  await waitFor('the reloaded transaction to be aborted', async () => ((await latest(topic, 1)) === 7 ? true : undefined), 40_000, 200);
  const after = await consume(topic, 'read_committed');
  assert.deepEqual(after.values['0'], ['k1', 'k2']);
  const all = await consume(topic, 'read_uncommitted');
  assert.deepEqual(all.values['0'], ['k1', 'k2', 'x1', 'open']);
  // The transactional id still works after all that: a new transaction commits.
  await py('produce', { topic, transactional_id: 'ck-restart-2', txns: [{ values: ['k3'], commit: true }] });
  assert.deepEqual((await consume(topic, 'read_committed')).values['0'], ['k1', 'k2', 'k3']);
});

test('consume-transform-produce: send_offsets_to_transaction commits the consumed offsets with the transaction, and not when it aborts', { timeout: 120_000 }, async () => {
  const input = 'txn-in';
  const output = 'txn-out';
  await createTopic(broker.port, input, 1);
  await createTopic(broker.port, output, 1);
  await py('produce', { topic: input, transactional_id: 'ck-feeder', txns: [{ values: ['a', 'b', 'c'], commit: true }] });
  const aborted = await py('transform', { transactional_id: 'ck-transform', group: 'transformers', input, output, count: 3, commit: false });
  assert.deepEqual(aborted.consumed, ['a', 'b', 'c']);
  assert.equal(aborted.committed, -1001, 'an aborted transaction commits no offset');
  const done = await py('transform', { transactional_id: 'ck-transform', group: 'transformers', input, output, count: 3, commit: true });
  assert.deepEqual(done.consumed, ['a', 'b', 'c'], 'the aborted run left the offsets where they were');
  assert.equal(done.committed, 3, 'the position after the last record consumed');
  assert.deepEqual((await consume(output, 'read_committed')).values['0'], ['A', 'B', 'C']);
  assert.deepEqual((await consume(output, 'read_uncommitted')).values['0'], ['A', 'B', 'C', 'A', 'B', 'C']);
  // Survives a restart: the group's offset is rebuilt from __consumer_offsets, transactional records included.
  await broker.kill9();
  await broker.restart();
  const again = await waitFor('the restarted broker', async () =>
    py('transform', { transactional_id: 'ck-transform', group: 'transformers', input, output, count: 3, commit: true }).catch(() => undefined),
  30_000, 500);
  assert.deepEqual(again.consumed, [], 'nothing left to transform');
  // Its position is 3, or 4 once past the feeder's COMMIT marker.
  assert.ok(again.committed === 3 || again.committed === 4, `committed offset ${again.committed}`);
});

test('KafkaJS transactional producer: commit and abort; read_committed sees only the committed records', { timeout: 120_000 }, async () => {
  const topic = 'txn-kafkajs';
  await createTopic(broker.port, topic, 1);
  const kafka = new Kafka({ clientId: 'samsa-txn-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  const producer = kafka.producer({ transactionalId: 'kafkajs-txn', maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  try {
    const t1 = await producer.transaction();
    await t1.send({ topic, messages: [{ value: 'js-c1' }, { value: 'js-c2' }] });
    await t1.commit();
    const t2 = await producer.transaction();
    await t2.send({ topic, messages: [{ value: 'js-a1' }] });
    await t2.abort();
    const t3 = await producer.transaction();
    await t3.send({ topic, messages: [{ value: 'js-c3' }] });
    await t3.commit();
  } finally {
    await producer.disconnect();
  }
  assert.deepEqual((await consume(topic, 'read_committed')).values['0'], ['js-c1', 'js-c2', 'js-c3']);
  assert.deepEqual((await consume(topic, 'read_uncommitted')).values['0'], ['js-c1', 'js-c2', 'js-a1', 'js-c3']);
  // KafkaJS's own consumer, read_committed (its default), in a group.
  const consumer = kafka.consumer({ groupId: 'kafkajs-txn-reader', readUncommitted: false });
  const seen: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor('KafkaJS to read the committed records', () => (seen.length >= 3 ? true : undefined), 30_000, 100);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(seen, ['js-c1', 'js-c2', 'js-c3']);
});

test('DescribeTransactions, ListTransactions and DescribeProducers report an open transaction (raw requests)', { timeout: 120_000 }, async () => {
  const topic = 'txn-admin';
  await createTopic(broker.port, topic, 2);
  await py('hang', { topic, transactional_id: 'ck-admin', values: ['o1', 'o2'], partition: 1, timeout: 60000 });
  const c = await RawClient.connect(broker.port);
  try {
    const d = await c.request(65, 0, { transactionalIds: ['ck-admin', 'no-such-id'] });
    const [open, missing] = d.transactionStates;
    assert.equal(open.errorCode, 0);
    assert.equal(open.transactionState, 'Ongoing');
    assert.equal(open.transactionTimeoutMs, 60000);
    assert.ok(open.transactionStartTimeMs > 0);
    assert.deepEqual(open.topics, [{ topic, partitions: [1] }]);
    assert.equal(missing.errorCode, 105, 'TRANSACTIONAL_ID_NOT_FOUND');
    const l = await c.request(66, 1, { stateFilters: ['Ongoing', 'Nonsense'], producerIdFilters: [], durationFilter: -1 });
    assert.equal(l.errorCode, 0);
    assert.deepEqual(l.unknownStateFilters, ['Nonsense']);
    assert.deepEqual(
      l.transactionStates.filter((t: { transactionalId: string }) => t.transactionalId === 'ck-admin'),
      [{ transactionalId: 'ck-admin', producerId: open.producerId, transactionState: 'Ongoing' }],
    );
    const p = await c.request(61, 0, { topics: [{ name: topic, partitionIndexes: [0, 1] }, { name: 'nope', partitionIndexes: [0] }] });
    const [p0, p1] = p.topics[0].partitions;
    assert.deepEqual(p0.activeProducers, []);
    assert.equal(p1.errorCode, 0);
    assert.equal(p1.activeProducers.length, 1);
    const prod = p1.activeProducers[0];
    assert.equal(prod.producerId, open.producerId);
    assert.equal(prod.producerEpoch, open.producerEpoch);
    assert.equal(prod.currentTxnStartOffset, 0);
    assert.equal(prod.lastSequence, 1, 'two records, sequences 0 and 1');
    assert.equal(p.topics[1].partitions[0].errorCode, 3, 'UNKNOWN_TOPIC_OR_PARTITION');
  } finally {
    c.close();
  }
});

test('consume-transform-produce under repeated kill -9 of the transforming process: the output is exactly the transformed input', { timeout: 300_000 }, async () => {
  const input = 'eos-in';
  const output = 'eos-out';
  const N = 5000;
  const KILLS = 6;
  await createTopic(broker.port, input, 1);
  await createTopic(broker.port, output, 1);
  const feed = await run('kcat', ['-P', '-b', broker.bootstrap, '-t', input, '-p', '0'], { input: Array.from({ length: N }, (_, i) => `in${i}`).join('\n') + '\n' });
  assert.equal(feed.status, 0, feed.stderr);
  let kills = 0;
  let runs = 0;
  let done = false;
  while (!done) {
    runs++;
    assert.ok(runs < 40, 'the transformer keeps failing');
    const proc = spawn(PYTHON, [path.join(REPO, 'test/integration/py/eos_transformer.py'), JSON.stringify({ bootstrap: broker.bootstrap, input, output, group: 'eos-group', transactional_id: 'eos-transformer', total: N, batch: 50 })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    if (kills < KILLS) {
      // Let it commit 1-4 transactions, then kill it at a random moment (often mid-transaction).
      const commits = 1 + Math.floor(Math.random() * 4);
      await Promise.race([waitFor('commits', () => ((out.match(/committed/g)?.length ?? 0) >= commits ? true : undefined), 60_000, 5), exited]);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 60)));
      proc.kill('SIGKILL');
      kills++;
      await exited;
      done = out.includes('done');
    } else {
      const code = await exited;
      done = out.includes('done');
      if (!done) console.error(`transformer exited with ${code}: ${err.slice(-1000)}`);
    }
  }
  assert.equal(kills, KILLS);
  const committed = await consume(output, 'read_committed', [0], 30);
  const expected = Array.from({ length: N }, (_, i) => `in${i}-out`);
  const got = committed.values['0']!;
  assert.equal(got.length, N, `${got.length} records in the output for ${N} inputs`);
  assert.deepEqual(got, expected, 'every input exactly once, in order');
  const uncommitted = await consume(output, 'read_uncommitted', [0], 30);
  assert.ok(uncommitted.values['0']!.length >= N, 'aborted attempts are in the log, hidden from read_committed');
});
