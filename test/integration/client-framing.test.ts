// The client reads responses into a scratch buffer and large frames straight
// into buffers of their own (connection.ts). Here every byte the broker sends
// goes through a proxy that cuts it into pieces of random sizes (a length
// prefix split across reads, frames glued to the start of the next one,
// megabyte Fetch answers in dribbles), and the records must come back intact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { startBrokerProcess } from './harness.js';
import { Producer, Consumer, Admin } from '../../src/index.js';

/** Forwards both ways; broker → client bytes are re-cut into pieces of 1..maxPiece bytes, each written on its own turn of the event loop. */
async function startRechunkingProxy(target: () => number, maxPiece: number): Promise<{ port: number; pieces: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let pieces = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: target() });
    sockets.add(client).add(upstream);
    client.on('data', (d) => upstream.write(d));
    // Pieces go out in order: each waits for the one before it.
    let chain = Promise.resolve();
    upstream.on('data', (d) => {
      upstream.pause();
      chain = chain.then(async () => {
        for (let at = 0; at < d.length; ) {
          // Mostly small pieces, sometimes a large one (so some reads hold several frames).
          const n = Math.min(d.length - at, Math.random() < 0.1 ? 1 + Math.floor(Math.random() * 200_000) : 1 + Math.floor(Math.random() * maxPiece));
          if (client.destroyed) return;
          client.write(d.subarray(at, at + n));
          pieces++;
          at += n;
          await new Promise((r) => setImmediate(r));
        }
        upstream.resume();
      });
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    pieces: () => pieces,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('responses cut into random pieces: produce answers, metadata and megabyte fetch answers decode intact', { timeout: 180_000 }, async () => {
  let brokerPort = 0;
  const proxy = await startRechunkingProxy(() => brokerPort, 7000);
  const broker = await startBrokerProcess({ overrides: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
  brokerPort = broker.port;
  const bootstrap = `127.0.0.1:${proxy.port}`;
  const admin = new Admin({ bootstrapServers: bootstrap });
  const topic = 'framing';
  const N = 6000;
  const value = (i: number) => Buffer.from(createHash('sha256').update(String(i)).digest('hex').repeat(1 + (i % 40)));
  try {
    await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 1 }]);
    const producer = new Producer({ bootstrapServers: bootstrap, acks: 'all', lingerMs: 2 });
    try {
      const sends = [];
      for (let i = 0; i < N; i++) sends.push(producer.send({ topic, partition: i % 3, key: String(i), value: value(i) }));
      await Promise.all(sends);
    } finally {
      await producer.close();
    }
    // Big answers: up to 1 MiB per partition, several partitions per Fetch.
    const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
    try {
      consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
      const seen = new Set<number>();
      const deadline = Date.now() + 120_000;
      while (seen.size < N && Date.now() < deadline) {
        for (const r of await consumer.poll(500)) {
          const i = Number(r.key!.toString());
          assert.equal(r.partition, i % 3);
          assert.ok(r.value!.equals(value(i)), `record ${i} came back changed`);
          seen.add(i);
        }
      }
      assert.equal(seen.size, N);
    } finally {
      await consumer.close();
    }
    assert.ok(proxy.pieces() > 1000, `only ${proxy.pieces()} pieces`);
  } finally {
    await admin.close();
    await broker.destroy();
    await proxy.close();
  }
});
