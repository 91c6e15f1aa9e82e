// Appends that must wait before reaching the log (re-compression to the
// topic's compression.type) keep the order in which their Produce requests
// arrived, and do not wait for each other's writes: many requests pipelined
// on one connection to a gzip topic land in the log in request order with
// increasing offsets. One that fails validation while it waits is answered
// with its error (not an unhandled rejection that ends the process).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/broker/broker.js';
import { RawClient } from '../integration/raw-client.js';
import { createTopic, fetchAll } from '../integration/roundtrip.js';
import { buildBatch } from '../../src/protocol/records/batch.js';
import { CompressionType } from '../../src/protocol/records/batch-header.js';
import { rmDir, tmpDir } from './storage/helpers.js';
import { encodeLegacyMessageSet } from '../../src/protocol/records/legacy.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const REQUESTS = 200;

test('pipelined produces to a re-compressing topic are appended in request order', async () => {
  const dir = tmpDir('produce-order');
  const broker = await startBroker({ port: 0, logDirs: [dir], overrides: { 'group.initial.rebalance.delay.ms': '0' } });
  const c = await RawClient.connect(broker.port);
  try {
    await createTopic(c, 'recompressed', 1, { 'compression.type': 'gzip' });
    // Batches of different sizes and codecs, so that their re-compression takes different times.
    const batches = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        buildBatch(
          Array.from({ length: 1 + (i % 7) * 40 }, (_, k) => ({ value: Buffer.from(`r${i}-${k}-${'x'.repeat((i * 13) % 200)}`) })),
          { compression: i % 3 === 0 ? CompressionType.Snappy : i % 3 === 1 ? CompressionType.None : CompressionType.Lz4 },
        ),
      ),
    );
    const answers = await Promise.all(
      batches.map((records) =>
        c.request(0, 9, { transactionalId: null, acks: i1(records), timeoutMs: 30000, topicData: [{ name: 'recompressed', partitionData: [{ index: 0, records }] }] }),
      ),
    );
    let previous = -1;
    answers.forEach((a, i) => {
      const p = a.responses[0].partitionResponses[0];
      assert.equal(p.errorCode, 0, `request ${i}: ${p.errorMessage}`);
      assert.ok(p.baseOffset > previous, `request ${i} got offset ${p.baseOffset} after ${previous}`);
      previous = p.baseOffset;
    });
    const records = await fetchAll(c, 'recompressed', 0);
    const expected = batches.flatMap((_, i) => Array.from({ length: 1 + (i % 7) * 40 }, (_, k) => `r${i}-${k}-`));
    assert.equal(records.length, expected.length);
    records.forEach((r, n) => assert.ok(r.value!.toString().startsWith(expected[n]!), `record ${n}: ${r.value} is not ${expected[n]}…`));
  } finally {
    c.close();
    await broker.close();
    rmDir(dir);
  }
});

/** acks alternate between 1 and all: both wait for the write. */
function i1(records: Buffer): number {
  return records.length % 2 === 0 ? 1 : -1;
}

test('a produce that fails validation while an earlier one is still being re-compressed gets its error; the broker stays up', async () => {
  const dir = tmpDir('produce-order');
  const broker = await startBroker({ port: 0, logDirs: [dir] });
  const c = await RawClient.connect(broker.port);
  try {
    await createTopic(c, 'recompressed', 1, { 'compression.type': 'gzip', 'max.message.bytes': '100000000' });
    const replicas = broker.context.replicas;
    const big = await buildBatch(Array.from({ length: 20000 }, (_, k) => ({ value: Buffer.from(`v${k}-`.repeat(20)) })));
    const first = replicas.appendRecords('recompressed', 0, big, -1);
    // A v1 message set whose CRC is wrong: its up-conversion fails asynchronously, while the big batch above
    // is still being re-compressed.
    const bad = encodeLegacyMessageSet([{ value: Buffer.from('x') }], { magic: 1 });
    bad.writeUInt32BE((bad.readUInt32BE(12) ^ 1) >>> 0, 12);
    const second = replicas.appendRecords('recompressed', 0, bad, -1);
    assert.ok(replicas.getPartition('recompressed', 0)!.appendTail, 'the first append is still pending');
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.errorCode, 0);
    assert.equal(b.errorCode, ErrorCode.CORRUPT_MESSAGE);
    const after = await c.request(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 'recompressed', partitionData: [{ index: 0, records: await buildBatch([{ value: Buffer.from('later') }]) }] }],
    });
    assert.equal(after.responses[0].partitionResponses[0].errorCode, 0);
  } finally {
    c.close();
    await broker.close();
    rmDir(dir);
  }
});
