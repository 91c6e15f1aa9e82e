// The Samsa client's consume-transform-produce loop (eos-transformer.ts, a
// process of its own) under repeated kill -9, as transactions.test.ts does
// with confluent-kafka-python: the transformer is killed with SIGKILL at
// random moments (mostly mid-transaction, with records of the open
// transaction already in the output's log) and started again, and the same
// checker (confluent-kafka-python's read_committed consumer) finds the output
// to be exactly the transformed input: no loss, no duplicate, in order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBrokerProcess, requireTool, run, PYTHON, REPO, type BrokerProcess } from './harness.js';
import { createTopic, waitFor } from './compat-util.js';
import { Producer } from '../../src/index.js';

const TRANSFORMER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'eos-transformer.js');
const PY = path.join(REPO, 'test/integration/py/transactions.py');

let broker: BrokerProcess;

before(async () => {
  requireTool('confluent-kafka');
  broker = await startBrokerProcess({
    overrides: { 'offsets.topic.num.partitions': '5', 'transaction.state.log.num.partitions': '5' },
  });
});

after(async () => {
  await broker?.destroy();
});

/** confluent-kafka-python reads the partition from the beginning to its end with the isolation level. */
async function consume(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const r = await run(PYTHON, [PY, 'consume', JSON.stringify({ bootstrap: broker.bootstrap, topic, isolation, partitions: [0], timeout_s: 30 })], { timeoutMs: 90_000 });
  assert.equal(r.status, 0, `python consume exited with ${r.status}\n${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { values: Record<string, string[]>; eof: number[] };
  assert.deepEqual(res.eof, [0], `${topic} read to its end`);
  return res.values['0']!;
}

test('Samsa client consume-transform-produce under repeated kill -9 of the transforming process: the output is exactly the transformed input', { timeout: 300_000 }, async () => {
  const input = 'samsa-eos-in';
  const output = 'samsa-eos-out';
  const N = 5000;
  const KILLS = 6;
  await createTopic(broker.port, input, 1);
  await createTopic(broker.port, output, 1);
  const feeder = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 5 });
  await Promise.all(Array.from({ length: N }, (_, i) => feeder.send({ topic: input, partition: 0, value: `in${i}` })));
  await feeder.close();

  let kills = 0;
  let runs = 0;
  const failures: string[] = [];
  let done = false;
  while (!done) {
    runs++;
    assert.ok(runs < 40, 'the transformer keeps failing');
    const proc = spawn(
      process.execPath,
      [TRANSFORMER, JSON.stringify({ bootstrap: broker.bootstrap, input, output, group: 'samsa-eos-group', transactional_id: 'samsa-eos-transformer', total: N, batch: 50, hold_ms: 20 })],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const commits = () => out.match(/committed/g)?.length ?? 0;
    if (kills < KILLS) {
      // Let it commit 1-4 transactions, then kill it at a random moment (mostly mid-transaction: each one holds up to 20 ms).
      const target = 1 + Math.floor(Math.random() * 4);
      await Promise.race([waitFor('commits', () => (commits() >= target ? true : undefined), 60_000, 5), exited]);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 60)));
      proc.kill('SIGKILL');
      kills++;
      const code = await exited;
      done = out.includes('done');
      if (code !== null && !done) failures.push(`exited with ${code} before it was killed: ${err.slice(-1000)}`);
    } else {
      const code = await exited;
      done = out.includes('done');
      if (!done) failures.push(`exited with ${code}: ${err.slice(-1000)}`);
    }
  }
  assert.equal(kills, KILLS);
  assert.deepEqual(failures, [], 'the transformer failed by itself');
  const got = await consume(output, 'read_committed');
  const expected = Array.from({ length: N }, (_, i) => `in${i}-out`);
  assert.equal(got.length, N, `${got.length} records in the output for ${N} inputs`);
  assert.deepEqual(got, expected, 'every input exactly once, in order');
  const uncommitted = await consume(output, 'read_uncommitted');
  assert.ok(uncommitted.length > N, `kills left open transactions' records in the log, hidden from read_committed (${uncommitted.length - N} records, ${runs} runs)`);
});
