// Idempotent producers under injected faults, 100,000 records each:
// confluent-kafka-python (enable.idempotence=True) and kcat (-X
// enable.idempotence=true) produce while the broker is killed with SIGKILL and
// restarted mid-stream. Batches in flight when the broker died are retried by
// the clients with their original producer id and sequence numbers; the
// restarted broker (producer state from its snapshots and the log) recognises
// those it already has. confluent-kafka-python and the Samsa client also
// produce through a proxy that cuts connections the moment a response comes
// back (the request was processed, the client never hears so and retries).
// Every record is then read back exactly once: no duplicates, no gaps. (The
// Samsa client across broker kill -9 restarts: client-transactions.test.ts.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startBrokerProcess, requireTool, run, PYTHON, REPO, type BrokerProcess } from './harness.js';
import { createTopic } from './compat-util.js';
import { startFaultProxy } from './fault-proxy.js';
import { Producer } from '../../src/index.js';

const PRODUCER = path.join(REPO, 'test/integration/py/idempotent_producer.py');

/** Reads the topic with kcat and counts each value. */
async function readBack(broker: BrokerProcess, topic: string, partitions: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let p = 0; p < partitions; p++) {
    const out = await run('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-p', String(p), '-o', 'beginning', '-e', '-q', '-f', '%s\\n'], { timeoutMs: 120000 });
    assert.equal(out.status, 0, out.stderr);
    for (const line of out.stdout.split('\n')) if (line !== '') counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

function checkExactlyOnce(counts: Map<string, number>, n: number): void {
  const dups: string[] = [];
  const missing: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = counts.get(String(i)) ?? 0;
    if (c === 0) missing.push(i);
    else if (c > 1) dups.push(`${i}×${c}`);
  }
  assert.equal(counts.size, n, `unexpected values read back: ${[...counts.keys()].filter((k) => !(Number(k) < n)).slice(0, 10)}`);
  assert.deepEqual(dups.slice(0, 20), [], `${dups.length} duplicated records`);
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} missing records`);
}

test('confluent-kafka-python idempotent producer: broker killed -9 and restarted twice mid-stream, every record once', { timeout: 300_000 }, async () => {
  requireTool('confluent-kafka');
  requireTool('kcat');
  const broker = await startBrokerProcess({ overrides: { 'log.segment.bytes': '262144' } });
  const topic = 'idem-python';
  const N = 100_000;
  try {
    await createTopic(broker.port, topic, 3);
    const proc = spawn(PYTHON, [PRODUCER, JSON.stringify({ bootstrap: broker.bootstrap, topic, count: N, progress: 2000, pace: 0.03, batch: 100 })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kills = [20_000, 60_000];
    let killing: Promise<void> | null = null;
    const restarts: number[] = [];
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      let delivered = 0;
      for (const m of stdout.matchAll(/progress (\d+)\n/g)) delivered = Math.max(delivered, Number(m[1]));
      if (!killing && kills.length > 0 && delivered >= kills[0]!) {
        kills.shift();
        killing = (async () => {
          await broker.kill9();
          await new Promise((r) => setTimeout(r, 200));
          await broker.restart();
          restarts.push(delivered);
        })().finally(() => (killing = null));
      }
    });
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    while (killing) await killing;
    assert.equal(code, 0, `producer failed\nstdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr.slice(-2000)}`);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.equal(restarts.length, 2, `the broker was restarted twice (${restarts}); producer output ${stdout.slice(-500)}`);
    assert.deepEqual(result.fatal, [], 'no fatal idempotence error');
    assert.equal(result.errorCount, 0, `delivery errors: ${result.errors}`);
    assert.equal(result.delivered, N);
    checkExactlyOnce(await readBack(broker, topic, 3), N);
  } finally {
    await broker.destroy();
  }
});

test('kcat idempotent producer: broker killed -9 and restarted twice mid-stream, every record once', { timeout: 300_000 }, async () => {
  requireTool('kcat');
  const broker = await startBrokerProcess({ overrides: { 'log.segment.bytes': '131072' } });
  const topic = 'idem-kcat';
  const N = 100_000;
  try {
    await createTopic(broker.port, topic, 1);
    const kcat = spawn(
      'kcat',
      // -E: kcat otherwise exits when its only broker goes away ("all brokers down").
      ['-P', '-E', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-X', 'enable.idempotence=true', '-X', 'linger.ms=5', '-X', 'batch.num.messages=100',
        '-X', 'message.timeout.ms=180000', '-X', 'retry.backoff.ms=50', '-X', 'reconnect.backoff.max.ms=300'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    kcat.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => kcat.on('exit', resolve));
    const CHUNK = 1000;
    for (let c = 0; c < N / CHUNK; c++) {
      const lines = Array.from({ length: CHUNK }, (_, i) => String(c * CHUNK + i)).join('\n') + '\n';
      if (!kcat.stdin.write(lines)) await new Promise((r) => kcat.stdin.once('drain', r));
      await new Promise((r) => setTimeout(r, 40));
      if (c === 12 || c === 60) {
        await broker.kill9();
        await new Promise((r) => setTimeout(r, 200));
        await broker.restart();
      }
    }
    kcat.stdin.end();
    const code = await exited;
    assert.equal(code, 0, `kcat failed: ${stderr.slice(-2000)}`);
    assert.doesNotMatch(stderr, /FATAL|Delivery failed/i, stderr.slice(-2000));
    checkExactlyOnce(await readBack(broker, topic, 1), N);
  } finally {
    await broker.destroy();
  }
});

test('confluent-kafka-python idempotent producer: responses lost on cut connections (requests processed), retries deduplicated', { timeout: 300_000 }, async () => {
  requireTool('confluent-kafka');
  requireTool('kcat');
  let brokerPort = 0;
  const proxy = await startFaultProxy(() => brokerPort);
  const broker = await startBrokerProcess({ overrides: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
  brokerPort = broker.port;
  const topic = 'idem-cuts';
  const N = 100_000;
  try {
    await createTopic(broker.port, topic, 2);
    proxy.setCutProbability(0.02);
    const r = await run(PYTHON, [PRODUCER, JSON.stringify({ bootstrap: `127.0.0.1:${proxy.port}`, topic, count: N, progress: 5000, pace: 0.01, batch: 50 })], {
      timeoutMs: 240_000,
    });
    proxy.setCutProbability(0);
    assert.equal(r.status, 0, `producer failed\nstdout:\n${r.stdout.slice(-2000)}\nstderr:\n${r.stderr.slice(-2000)}`);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.ok(proxy.cuts >= 5, `only ${proxy.cuts} connections were cut`);
    assert.deepEqual(result.fatal, [], 'no fatal idempotence error');
    assert.equal(result.errorCount, 0, `delivery errors: ${result.errors}`);
    assert.equal(result.delivered, N);
    checkExactlyOnce(await readBack(broker, topic, 2), N);
  } finally {
    await broker.destroy();
    await proxy.close();
  }
});

test('Samsa client idempotent producer: responses lost on cut connections (requests processed), retries deduplicated', { timeout: 300_000 }, async () => {
  requireTool('kcat');
  let brokerPort = 0;
  const proxy = await startFaultProxy(() => brokerPort);
  const broker = await startBrokerProcess({ overrides: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
  brokerPort = broker.port;
  const topic = 'idem-cuts-samsa';
  // At least 100,000 records, and more (up to 300,000) until 10 connections were cut: how many responses
  // the proxy sees depends on how the broker and the client coalesce them, so a fixed count is luck.
  const MIN_RECORDS = 100_000;
  const MAX_RECORDS = 300_000;
  let N = 0;
  let p: Producer | null = null;
  try {
    await createTopic(broker.port, topic, 2);
    proxy.setCutProbability(0.05);
    p = new Producer({ bootstrapServers: `127.0.0.1:${proxy.port}`, lingerMs: 2, batchSize: 4096, deliveryTimeoutMs: 120_000, requestTimeoutMs: 5000, retryBackoffMs: 20 });
    assert.equal(p.config.enableIdempotence, true);
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < MAX_RECORDS && (i < MIN_RECORDS || proxy.cuts < 10); i++) {
      sends.push(p.send({ topic, key: String(i % 97), value: String(i) }));
      N = i + 1;
      // Paced, so that the stream spans many requests and many cuts.
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 3));
    }
    const results = await Promise.allSettled(sends);
    proxy.setCutProbability(0);
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.deepEqual(failed.slice(0, 5).map((r) => String(r.reason)), [], `${failed.length} sends failed`);
    assert.ok(proxy.cuts >= 10, `only ${proxy.cuts} connections were cut`);
    await p.close();
    checkExactlyOnce(await readBack(broker, topic, 2), N);
  } finally {
    await p?.close({ timeoutMs: 0 });
    await broker.destroy();
    await proxy.close();
  }
});
