// kill -9 during produce, 20 times over: after each restart every record whose
// produce was acknowledged (acks=all) is still there, at the offset the broker
// acknowledged. The final check reads the log with kcat, a reader we did not write.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerProcess, requireTool, run } from './harness.js';
import { RawClient } from './raw-client.js';
import { buildBatch } from '../../src/protocol/records/batch.js';

const CYCLES = 20;
const TOPIC = 'durable';

test('acknowledged records survive 20 kill -9 restarts mid-produce', { timeout: 600_000 }, async () => {
  requireTool('kcat');
  const broker = await startBrokerProcess({ overrides: { 'log.segment.bytes': '65536' } });
  const acked = new Map<number, string>(); // offset -> value
  try {
    const admin = await RawClient.connect(broker.port);
    const created = await admin.request(19, 5, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10000,
      validateOnly: false,
    });
    assert.equal(created.topics[0].errorCode, 0);
    admin.close();

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const client = await RawClient.connect(broker.port);
      let seq = 0;
      let ackedThisCycle = 0;
      let killed = false;
      const inFlight = new Set<Promise<void>>();
      // Keep 8 produce requests in flight; kill the broker after 30 acknowledgements.
      while (!killed) {
        while (inFlight.size < 8) {
          const values = Array.from({ length: 5 }, (_, i) => `c${cycle}-r${seq}-${i}`);
          seq++;
          const batch = await buildBatch(values.map((v) => ({ value: Buffer.from(v), key: Buffer.from('k') })));
          const p: Promise<void> = client
            .request(0, 9, {
              transactionalId: null,
              acks: -1,
              timeoutMs: 30000,
              topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }],
            })
            .then(
              (res) => {
                const pr = res.responses[0].partitionResponses[0];
                if (pr.errorCode === 0) {
                  values.forEach((v, i) => acked.set(pr.baseOffset + i, v));
                  ackedThisCycle++;
                }
              },
              () => undefined,
            )
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        await Promise.race(inFlight);
        if (ackedThisCycle >= 30) {
          await broker.kill9();
          killed = true;
        }
      }
      await Promise.allSettled([...inFlight]);
      client.close();
      await broker.restart();
    }

    const out = await run('kcat', ['-C', '-b', broker.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n'], {
      timeoutMs: 120000,
    });
    assert.equal(out.status, 0, out.stderr);
    const seen = new Map<number, string>();
    for (const line of out.stdout.split('\n')) {
      if (!line) continue;
      const sp = line.indexOf(' ');
      seen.set(Number(line.slice(0, sp)), line.slice(sp + 1));
    }
    assert.ok(acked.size >= CYCLES * 30 * 5, `only ${acked.size} records were acknowledged`);
    let missing = 0;
    for (const [offset, value] of acked) if (seen.get(offset) !== value) missing++;
    assert.equal(missing, 0, `${missing} of ${acked.size} acknowledged records are missing or changed`);
    // Offsets are dense: what was written after a crash continues where the recovered log ends.
    const offsets = [...seen.keys()].sort((a, b) => a - b);
    assert.equal(offsets[0], 0);
    assert.equal(offsets[offsets.length - 1], offsets.length - 1);
  } finally {
    await broker.destroy();
  }
});
