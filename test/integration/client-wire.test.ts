// Nothing in the Samsa client depends on Samsa-only behaviour (issue 5's
// "works unchanged against Apache Kafka"), checked on the wire: the
// client's flows (admin calls, an idempotent producer, a transactional one
// with sendOffsetsToTransaction, a read_committed group consumer with
// commits) run through a recording proxy in front of a broker process, and
//  - every (API key, version) sent lies within what Apache Kafka 3.9 serves,
//    at the highest version both sides know;
//  - with the proxy answering ApiVersions as a Kafka 2.8 broker does, the
//    same flows give the same results using only 2.8's versions.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, startBrokerProcess } from './harness.js';
import { RecordingProxy, startRecordingProxy } from './recording-proxy.js';
import { APIS } from '../../src/protocol/apis.js';
import { KAFKA_2_8, KAFKA_3_9, assertNegotiatedWithin } from './kafka-versions.js';
import { Admin, Consumer, Producer } from '../../src/index.js';

describe('the client on the wire', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  let proxy: RecordingProxy & { target: number };
  const bootstrap = () => `127.0.0.1:${proxy.port}`;

  before(async () => {
    proxy = await startRecordingProxy();
    broker = await startBrokerProcess({
      overrides: { 'node.id': '0', 'num.partitions': '1', 'group.initial.rebalance.delay.ms': '0', 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` },
    });
    proxy.target = broker.port;
  });
  after(async () => {
    await proxy?.close();
    await broker?.destroy();
  });

  /** The client's everyday flows; returns what they observed, free of ids and timings. */
  async function flows(t: string): Promise<unknown> {
    const seen: Record<string, unknown> = {};
    const admin = new Admin({ bootstrapServers: bootstrap() });
    try {
      await admin.createTopics([{ name: t, numPartitions: 2, configs: { 'retention.ms': 3600000 } }, { name: `${t}-out`, numPartitions: 1 }]);
      await admin.createPartitions([{ topic: t, count: 3 }]);
      seen.topics = (await admin.listTopics()).filter((n) => n.startsWith(t)).sort();
      seen.partitions = (await admin.describeTopics([t])).map((d) => d.partitions.length);
      await admin.incrementalAlterConfigs([{ type: 'topic', name: t, configs: [{ name: 'cleanup.policy', value: 'compact,delete' }] }]);
      const [cfg] = await admin.describeConfigs([{ type: 'topic', name: t }]);
      seen.configs = cfg!.configs.filter((e) => ['retention.ms', 'cleanup.policy'].includes(e.name)).map((e) => [e.name, e.value, e.source]);
      seen.brokers = (await admin.describeCluster()).brokers.map((b) => b.nodeId);

      const producer = new Producer({ bootstrapServers: bootstrap(), lingerMs: 2 });
      const metas = await Promise.all(
        Array.from({ length: 30 }, (_, i) => producer.send({ topic: t, key: `k${i % 7}`, value: `v${i}`, headers: [{ key: 'h', value: String(i) }] })),
      );
      await producer.close();
      seen.produced = metas.map((m) => m.partition);

      const tx = new Producer({ bootstrapServers: bootstrap(), transactionalId: `${t}-tx` });
      await tx.initTransactions();
      tx.beginTransaction();
      for (let i = 0; i < 5; i++) void tx.send({ topic: t, partition: 0, value: `committed-${i}` });
      await tx.commitTransaction();
      tx.beginTransaction();
      for (let i = 0; i < 5; i++) tx.send({ topic: t, partition: 0, value: `aborted-${i}` }).catch(() => undefined);
      await tx.flush();
      await tx.abortTransaction();

      const group = `${t}-g`;
      const consumer = new Consumer({ bootstrapServers: bootstrap(), groupId: group, isolationLevel: 'read_committed', autoOffsetReset: 'earliest', enableAutoCommit: false });
      const values: string[] = [];
      try {
        consumer.subscribe([t]);
        while (values.length < 35) for (const r of await consumer.poll(500)) values.push(String(r.value));
        // Consume-transform-produce: the offsets go through the transaction.
        tx.beginTransaction();
        void tx.send({ topic: `${t}-out`, value: `moved-${values.length}` });
        const ends = await consumer.endOffsets(consumer.assignment());
        await tx.sendOffsetsToTransaction(ends.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset })), consumer.groupMetadata()!);
        await tx.commitTransaction();
        await consumer.commitSync();
      } finally {
        await consumer.close();
        await tx.close();
      }
      seen.consumed = values.sort();
      seen.committed = (await admin.listConsumerGroupOffsets(group)).map((o) => [o.partition, o.offset]).sort();
      seen.groups = (await admin.describeGroups([group])).map((g) => [g.groupId.replace(t, '<t>'), g.state, g.protocolType]);
      seen.offsets = (await admin.listOffsets([0, 1, 2].map((partition) => ({ topic: t, partition, spec: 'latest' as const }))))
        .map((o) => [o.partition, o.offset]);
      await admin.deleteRecords([{ topic: t, partition: 1, offset: 1 }]);
      seen.earliest = (await admin.listOffsets([{ topic: t, partition: 1, spec: 'earliest' }])).map((o) => o.offset);
      await admin.deleteGroups([group]);
      await admin.deleteTopics([t, `${t}-out`]);
    } finally {
      await admin.close();
    }
    return JSON.parse(JSON.stringify(seen).replaceAll(t, '<t>'));
  }

  let kafka39: unknown;

  it("every request is within Apache Kafka 3.9's ranges, at the highest version both sides know", async () => {
    proxy.requests.length = 0;
    kafka39 = await flows('cw39');
    const versions = assertNegotiatedWithin(proxy.requests, KAFKA_3_9, '3.9');
    // Produce, Fetch, ListOffsets, Metadata, OffsetCommit/Fetch, FindCoordinator, the group protocol,
    // ApiVersions, topic admin, DeleteRecords, InitProducerId, the transaction APIs, configs, DescribeCluster.
    for (const k of [0, 1, 2, 3, 8, 9, 10, 11, 13, 14, 15, 18, 19, 20, 21, 22, 24, 25, 26, 28, 32, 37, 42, 44, 60]) {
      assert.ok(versions.has(k), `API ${k} (${APIS.get(k)!.def.name}) used`);
    }
  });

  it('against a Kafka 2.8 broker (its ApiVersions answer): the same results, only 2.8 versions', async () => {
    proxy.apiVersions = new Map(Object.entries(KAFKA_2_8).map(([k, r]) => [Number(k), r]));
    proxy.requests.length = 0;
    let kafka28: unknown;
    try {
      kafka28 = await flows('cw28');
    } finally {
      proxy.apiVersions = null;
    }
    assert.deepEqual(kafka28, kafka39);
    assertNegotiatedWithin(proxy.requests, KAFKA_2_8, '2.8');
  });
});
