// The broker as users start it: kafka-server-start.sh with a properties file
// and --override, configuration errors, listeners and advertised addresses,
// and a clean SIGTERM shutdown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO, run, startBrokerProcess, tempDir } from './harness.js';
import { RawClient } from './raw-client.js';

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
