// Our producer keeps several Produce requests in flight per broker (up to
// max.in.flight.requests.per.connection) and several batches per partition:
// records must still land in send order per partition, with and without
// idempotence; and an idempotent producer whose connections are cut while
// several batches are in flight (requests processed, answers lost) must
// retry them in order: every record exactly once, in send order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerProcess } from './harness.js';
import { startFaultProxy } from './fault-proxy.js';
import { Producer, Consumer, Admin, BrokerConnection, type RecordMetadata } from '../../src/index.js';

const PARTITIONS = 2;

/** Counts Produce requests and the most outstanding at once, over every BrokerConnection. */
function countProduceInFlight(): { readonly max: number; readonly total: number; restore(): void } {
  const proto = BrokerConnection.prototype as unknown as { request: (api: number, body: unknown, opts?: unknown) => Promise<unknown> };
  const orig = proto.request;
  let now = 0;
  let max = 0;
  let total = 0;
  proto.request = async function (this: unknown, api: number, body: unknown, opts?: unknown) {
    if (api !== 0) return orig.call(this, api, body, opts);
    total++;
    max = Math.max(max, ++now);
    try {
      return await orig.call(this, api, body, opts);
    } finally {
      now--;
    }
  };
  return {
    get max() {
      return max;
    },
    get total() {
      return total;
    },
    restore: () => {
      proto.request = orig;
    },
  };
}

/** Sends N records, record i to partition i % PARTITIONS with value `i`; returns each one's metadata in send order. */
async function produceAll(producer: Producer, topic: string, n: number): Promise<RecordMetadata[]> {
  const sends: Promise<RecordMetadata>[] = [];
  for (let i = 0; i < n; i++) sends.push(producer.send({ topic, partition: i % PARTITIONS, value: String(i) }));
  return Promise.all(sends);
}

/** Offsets per partition strictly increase in send order. */
function assertOffsetsInSendOrder(metas: RecordMetadata[]): void {
  const last = new Map<number, number>();
  metas.forEach((m, i) => {
    assert.equal(m.partition, i % PARTITIONS);
    const prev = last.get(m.partition) ?? -1;
    assert.ok(m.offset > prev, `record ${i} got offset ${m.offset} after ${prev} on partition ${m.partition}`);
    last.set(m.partition, m.offset);
  });
}

/** Reads every partition to its end; asserts each value 0..n-1 appears once, on its partition, in send order, and offsets have no gaps. */
async function assertLogExactlyInOrder(bootstrap: string, topic: string, n: number): Promise<void> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  try {
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
    const seen: number[][] = Array.from({ length: PARTITIONS }, () => []);
    let count = 0;
    const deadline = Date.now() + 60_000;
    while (count < n && Date.now() < deadline) {
      for (const r of await consumer.poll(500)) {
        const list = seen[r.partition]!;
        assert.equal(r.offset, list.length, `partition ${r.partition}: offset ${r.offset} where ${list.length} was expected (a gap or a duplicate)`);
        list.push(Number(r.value!.toString()));
        count++;
      }
    }
    assert.equal(count, n, 'every record read back');
    for (let p = 0; p < PARTITIONS; p++) {
      const expected = [];
      for (let i = p; i < n; i += PARTITIONS) expected.push(i);
      assert.deepEqual(seen[p], expected, `partition ${p} holds each of its records once, in send order`);
    }
    assert.deepEqual(await consumer.poll(300), [], 'nothing more');
  } finally {
    await consumer.close();
  }
}

for (const idempotent of [false, true]) {
  test(`several Produce requests in flight per broker (${idempotent ? 'idempotent, acks=all' : 'acks=1, no idempotence'}): offsets follow send order`, { timeout: 120_000 }, async () => {
    const broker = await startBrokerProcess();
    const admin = new Admin({ bootstrapServers: broker.bootstrap });
    const counter = countProduceInFlight();
    const topic = `inflight-${idempotent ? 'idem' : 'plain'}`;
    const N = 30_000;
    try {
      await admin.createTopics([{ name: topic, numPartitions: PARTITIONS, replicationFactor: 1 }]);
      const producer = new Producer({
        bootstrapServers: broker.bootstrap,
        acks: idempotent ? 'all' : 1,
        enableIdempotence: idempotent,
        batchSize: 2048,
        lingerMs: 2,
        maxInFlightRequestsPerConnection: 5,
      });
      try {
        assertOffsetsInSendOrder(await produceAll(producer, topic, N));
      } finally {
        await producer.close();
      }
      assert.ok(counter.max > 1, `Produce requests were sent one at a time (${counter.total} requests, at most ${counter.max} in flight)`);
      assert.ok(counter.max <= 5, `${counter.max} Produce requests in flight, beyond max.in.flight.requests.per.connection`);
      await assertLogExactlyInOrder(broker.bootstrap, topic, N);
    } finally {
      counter.restore();
      await admin.close();
      await broker.destroy();
    }
  });
}

test('idempotent producer, several batches in flight, connections cut after the broker appended: every record once, in order', { timeout: 180_000 }, async () => {
  let brokerPort = 0;
  const proxy = await startFaultProxy(() => brokerPort);
  const broker = await startBrokerProcess({ overrides: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
  brokerPort = broker.port;
  const bootstrap = `127.0.0.1:${proxy.port}`;
  const admin = new Admin({ bootstrapServers: `127.0.0.1:${broker.port}` });
  const counter = countProduceInFlight();
  const topic = 'inflight-cuts';
  const N = 30_000;
  try {
    await admin.createTopics([{ name: topic, numPartitions: PARTITIONS, replicationFactor: 1 }]);
    const producer = new Producer({
      bootstrapServers: bootstrap,
      acks: 'all',
      enableIdempotence: true,
      batchSize: 1024,
      lingerMs: 1,
      maxInFlightRequestsPerConnection: 5,
      retryBackoffMs: 10,
      reconnectBackoffMs: 10,
    });
    try {
      await producer.connect();
      proxy.setCutProbability(0.05);
      const metas = await produceAll(producer, topic, N);
      proxy.setCutProbability(0);
      assertOffsetsInSendOrder(metas);
    } finally {
      proxy.setCutProbability(0);
      await producer.close();
    }
    assert.ok(proxy.cuts >= 3, `only ${proxy.cuts} connections were cut`);
    assert.ok(counter.max > 1, `at most ${counter.max} Produce request in flight`);
    await assertLogExactlyInOrder(`127.0.0.1:${broker.port}`, topic, N);
  } finally {
    counter.restore();
    await admin.close();
    await broker.destroy();
    await proxy.close();
  }
});

test('sends beyond buffer.memory wait in line and go out in send order; flush() waits for them; max.block.ms bounds a wait for metadata', { timeout: 120_000 }, async () => {
  const broker = await startBrokerProcess({ overrides: { 'auto.create.topics.enable': 'false' } });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  const topic = 'inflight-memory';
  const N = 20_000;
  try {
    await admin.createTopics([{ name: topic, numPartitions: PARTITIONS, replicationFactor: 1 }]);
    // 64 KiB of buffer for ~2.4 MB of records: nearly every send() waits for memory.
    const producer = new Producer({ bootstrapServers: broker.bootstrap, acks: 'all', bufferMemory: 65536, batchSize: 4096, lingerMs: 5, maxBlockMs: 60_000 });
    try {
      const sends: Promise<RecordMetadata>[] = [];
      let settled = 0;
      for (let i = 0; i < N; i++) {
        const p = producer.send({ topic, partition: i % PARTITIONS, value: `${i}`.padStart(120, ' ') });
        void p.then(() => settled++, () => {});
        sends.push(p);
      }
      assert.ok(settled < N);
      await producer.flush();
      assert.equal(settled, N, 'flush() returned before every send had settled');
      assertOffsetsInSendOrder(await Promise.all(sends));
      const blocked = new Producer({ bootstrapServers: broker.bootstrap, maxBlockMs: 300 });
      try {
        const t0 = Date.now();
        await assert.rejects(blocked.send({ topic: 'no-such-topic', value: 'x' }), (err: Error) => {
          assert.equal(err.name, 'TimeoutError', err.message);
          return true;
        });
        assert.ok(Date.now() - t0 < 5000, 'max.block.ms bounds the wait');
      } finally {
        await blocked.close();
      }
    } finally {
      await producer.close();
    }
    const consumer = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
    try {
      consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
      const next = [0, 1];
      let count = 0;
      const deadline = Date.now() + 60_000;
      while (count < N && Date.now() < deadline) {
        for (const r of await consumer.poll(500)) {
          assert.equal(Number(r.value!.toString()), next[r.partition], `partition ${r.partition} out of order`);
          next[r.partition]! += PARTITIONS;
          count++;
        }
      }
      assert.equal(count, N);
    } finally {
      await consumer.close();
    }
  } finally {
    await admin.close();
    await broker.destroy();
  }
});
