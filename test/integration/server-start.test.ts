// The broker as users start it: kafka-server-start.sh with a properties file
// and --override, configuration errors, listeners and advertised addresses,
// and clean SIGTERM and SIGINT shutdowns.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO, run, startBrokerProcess, tempDir } from './harness.js';
import { RawClient } from './raw-client.js';
import { createTopic, fetchAll, waitFor } from './roundtrip.js';
import { buildBatch } from '../../src/protocol/records/batch.js';

const SAMSA = path.join(REPO, 'bin/samsa.js');

async function metadataBrokers(port: number, host = '127.0.0.1') {
  const c = await RawClient.connect(port, host);
  try {
    const res = await c.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    return res.brokers as { nodeId: number; host: string; port: number }[];
  } finally {
    c.close();
  }
}

/** True when the broker's end of the loopback connection from `clientPort` has no unread bytes (Linux /proc/net/tcp). */
function receiveQueueDrained(brokerPort: number, clientPort: number): boolean {
  const hexPort = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || !f[1]!.endsWith(`:${hexPort(brokerPort)}`) || !f[2]!.endsWith(`:${hexPort(clientPort)}`)) continue;
    return parseInt(f[4]!.split(':')[1]!, 16) === 0;
  }
  return false;
}

test('an invalid value stops start-up with a message naming the key and the value', async () => {
  const dir = tempDir();
  try {
    const r = await run(process.execPath, [SAMSA, 'server-start', '--override', `log.dirs=${dir}`, '--override', 'num.partitions=abc'], { timeoutMs: 30000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Invalid value abc for configuration num\.partitions/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kafka-server-start.sh reads config/server.properties; unknown keys warn; SIGTERM shuts down cleanly', async () => {
  const dir = tempDir();
  const broker = await startBrokerProcess({
    configFile: path.join(REPO, 'config/server.properties'),
    dataDir: dir,
    viaKafkaScript: true,
    overrides: { 'made.up.key': 'x' },
  });
  try {
    assert.match(broker.output(), /Unknown configuration key 'made\.up\.key'/);
    assert.match(broker.output(), /started in \d+ ms/);
    const brokers = await metadataBrokers(broker.port);
    assert.deepEqual(brokers.map((b) => [b.nodeId, b.host, b.port]), [[1, '127.0.0.1', broker.port]]);
    const code = await broker.stop();
    assert.equal(code, 0);
    assert.match(broker.output(), /Shut down completed/);
    assert.ok(existsSync(path.join(dir, '.kafka_cleanshutdown')), 'clean shutdown marker written');
    assert.ok(existsSync(path.join(dir, 'meta.properties')));
    await broker.restart();
    assert.deepEqual((await metadataBrokers(broker.port)).map((b) => b.port), [broker.port]);
  } finally {
    await broker.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('named listeners are each advertised to the clients that connected through them', async () => {
  const broker = await startBrokerProcess({
    overrides: {
      listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0',
      'advertised.listeners': 'INTERNAL://internal.example:1111,EXTERNAL://external.example:2222',
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
    },
  });
  try {
    const ports = [...broker.output().matchAll(/(INTERNAL|EXTERNAL):\/\/127\.0\.0\.1:(\d+)/g)].map((m) => [m[1], Number(m[2])] as const);
    const internal = ports.find((p) => p[0] === 'INTERNAL')![1];
    const external = ports.find((p) => p[0] === 'EXTERNAL')![1];
    assert.deepEqual((await metadataBrokers(internal)).map((b) => `${b.host}:${b.port}`), ['internal.example:1111']);
    assert.deepEqual((await metadataBrokers(external)).map((b) => `${b.host}:${b.port}`), ['external.example:2222']);
  } finally {
    await broker.destroy();
  }
});

test('with no advertised listener and no host, each client is answered with the address it dialed', async () => {
  const broker = await startBrokerProcess({ overrides: { listeners: 'PLAINTEXT://:0' } });
  try {
    for (const host of ['127.0.0.1', '127.0.0.2']) {
      const brokers = await metadataBrokers(broker.port, host);
      assert.deepEqual(brokers.map((b) => `${b.host}:${b.port}`), [`${host}:${broker.port}`]);
    }
  } finally {
    await broker.destroy();
  }
});

test('auto.create.topics.enable governs creation on a metadata request', async () => {
  for (const enabled of [true, false]) {
    const broker = await startBrokerProcess({ overrides: { 'auto.create.topics.enable': String(enabled), 'num.partitions': '3' } });
    try {
      const c = await RawClient.connect(broker.port);
      const res = await c.request(3, 12, { topics: [{ name: 'auto-made' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
      c.close();
      const t = res.topics[0];
      if (enabled) {
        assert.equal(t.errorCode, 0);
        assert.equal(t.partitions.length, 3);
      } else {
        assert.equal(t.errorCode, 3); // UNKNOWN_TOPIC_OR_PARTITION
      }
    } finally {
      await broker.destroy();
    }
  }
});

test('SIGINT (Ctrl-C) shuts down cleanly: a parked fetch is answered, acknowledged records are flushed and checkpointed', async () => {
  const dir = tempDir();
  const broker = await startBrokerProcess({ dataDir: dir });
  const topic = 'sigint-topic';
  try {
    const producer = await RawClient.connect(broker.port);
    await createTopic(producer, topic, 1);
    // Pipelined produce requests, all acknowledged before the signal.
    const acks = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const batch = await buildBatch([{ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }]);
        const res = await producer.request(0, 9, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 10000,
          topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
        });
        const p = res.responses[0].partitionResponses[0];
        assert.equal(p.errorCode, 0);
        return Number(p.baseOffset);
      }),
    );
    assert.deepEqual([...acks].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
    producer.close();

    // A long-poll Fetch parked at the log end: shutdown must answer it, not drop it.
    const fetcher = await RawClient.connect(broker.port);
    const parked = fetcher.request(1, 11, {
      replicaId: -1,
      maxWaitMs: 60000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 20, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    // Signal only once the broker has read the request off its socket (its receive queue is empty),
    // so that the fetch is in flight, not still in the kernel, when shutdown begins.
    await waitFor('the broker to read the fetch', () => receiveQueueDrained(broker.port, fetcher.socket.localPort!));

    const exit = broker.stop('SIGINT');
    const answer = await parked;
    assert.equal(answer.errorCode, 0);
    assert.equal(answer.responses[0].partitions[0].errorCode, 0);
    assert.equal(Number(answer.responses[0].partitions[0].highWatermark), 20);
    assert.equal(await exit, 0);
    fetcher.close();
    assert.match(broker.output(), /Received SIGINT, shutting down/);
    assert.match(broker.output(), /Shut down completed/);
    assert.ok(existsSync(path.join(dir, '.kafka_cleanshutdown')), 'clean shutdown marker written');
    // Everything acknowledged was flushed: the recovery point is the log end, so a restart re-validates nothing.
    const recovery = readFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), 'utf8').trim().split('\n');
    assert.ok(recovery.includes(`${topic} 0 20`), `recovery-point checkpoint: ${recovery.join(' | ')}`);

    await broker.restart();
    const reader = await RawClient.connect(broker.port);
    try {
      const records = await fetchAll(reader, topic, 0);
      assert.deepEqual(records.map((r) => r.value?.toString()), acks.map((_, i) => `v${acks.indexOf(i)}`));
    } finally {
      reader.close();
    }
  } finally {
    await broker.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
