// A full disk: one of two log dirs is a 2 MiB tmpfs (mounted here; the tests
// run as root). Producing to a partition there until the disk is full takes
// that partition offline with an ERROR line naming the log dir, produce and
// fetch to it answer KAFKA_STORAGE_ERROR (56), while the partition in the other
// log dir is served as before and the broker keeps running. After a restart
// with room again (tmpfs remounted larger), every acknowledged record is
// readable and the partition takes writes again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startBrokerProcess, tempDir } from './harness.js';
import { RawClient } from './raw-client.js';
import { createTopic, fetchAll, fetchOnce } from './roundtrip.js';
import { buildBatch } from '../../src/protocol/records/batch.js';

const KAFKA_STORAGE_ERROR = 56;

async function produce(c: RawClient, topic: string, values: string[]): Promise<{ errorCode: number; baseOffset: number }> {
  const batch = await buildBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })));
  const res = await c.request(0, 9, { transactionalId: null, acks: -1, timeoutMs: 10000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
  const pr = res.responses[0].partitionResponses[0];
  return { errorCode: pr.errorCode, baseOffset: pr.baseOffset };
}

test('a full log dir takes its partitions offline with KAFKA_STORAGE_ERROR; other dirs keep serving; a restart with room recovers', { timeout: 90_000 }, async () => {
  const root = tempDir('samsa-full-disk-');
  const small = path.join(root, 'small');
  const big = path.join(root, 'big');
  fs.mkdirSync(small);
  fs.mkdirSync(big);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small]);
  let broker: Awaited<ReturnType<typeof startBrokerProcess>> | null = null;
  try {
    broker = await startBrokerProcess({ dataDir: small, overrides: { 'log.dirs': `${small},${big}`, 'log.flush.interval.messages': '1' } });
    const c = await RawClient.connect(broker.port);
    // Kafka places a new partition in the log dir with the fewest partitions: one topic per dir.
    await createTopic(c, 'on-small', 1, { 'segment.bytes': '1048576', 'segment.index.bytes': '4096' });
    await createTopic(c, 'on-big', 1, { 'segment.index.bytes': '4096' });
    const dirOf = (t: string) => (fs.existsSync(path.join(small, `${t}-0`)) ? small : big);
    const [fullTopic, okTopic] = dirOf('on-small') === small ? ['on-small', 'on-big'] : ['on-big', 'on-small'];
    assert.equal(dirOf(fullTopic), small);
    assert.equal(dirOf(okTopic), big);

    // Fill the small dir: 64 KiB batches until a produce fails.
    const acked = new Map<number, string>();
    let failure = 0;
    for (let i = 0; i < 100 && failure === 0; i++) {
      const value = `${i}-` + 'v'.repeat(64 * 1024);
      const r = await produce(c, fullTopic, [value]);
      if (r.errorCode === 0) acked.set(r.baseOffset, value);
      else failure = r.errorCode;
    }
    assert.equal(failure, KAFKA_STORAGE_ERROR, 'produce to a full disk answers KAFKA_STORAGE_ERROR');
    assert.ok(acked.size > 5, `only ${acked.size} records fitted`);
    assert.match(broker.output(), new RegExp(`ERROR Stopping serving ${fullTopic}-0 in dir ${small.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*ENOSPC`));

    // The offline partition: produce and fetch answer 56, also for a tiny record that would fit.
    assert.equal((await produce(c, fullTopic, ['tiny'])).errorCode, KAFKA_STORAGE_ERROR);
    assert.equal((await fetchOnce(c, fullTopic, 0, 0)).errorCode, KAFKA_STORAGE_ERROR);
    // The other log dir is served as before, on the same connection.
    const ok = await produce(c, okTopic, ['still-served']);
    assert.equal(ok.errorCode, 0);
    const back = await fetchAll(c, okTopic, 0);
    assert.deepEqual(back.map((r) => r.value?.toString()), ['still-served']);
    c.close();
    assert.equal(broker.proc.exitCode, null, 'the broker keeps running');

    // Room again (the tmpfs grows, its contents kept), then a restart: the partition is back with every acknowledged record.
    assert.equal(await broker.stop(), 0, 'clean shutdown despite the full dir');
    assert.doesNotMatch(broker.output(), /Shutdown failed/);
    // The healthy dir shut down cleanly; the one with the offline partition is recovered at start-up.
    assert.ok(fs.existsSync(path.join(big, '.kafka_cleanshutdown')));
    assert.ok(!fs.existsSync(path.join(small, '.kafka_cleanshutdown')));
    execFileSync('mount', ['-o', 'remount,size=16m', small]);
    await broker.restart();
    const c2 = await RawClient.connect(broker.port);
    const records = await fetchAll(c2, fullTopic, 0);
    const byOffset = new Map(records.map((r) => [r.offset, r.value?.toString()]));
    for (const [off, value] of acked) assert.equal(byOffset.get(off), value, `acknowledged offset ${off}`);
    const after = await produce(c2, fullTopic, ['after-restart']);
    assert.equal(after.errorCode, 0);
    assert.ok(after.baseOffset >= Math.max(...acked.keys()) + 1);
    const last = await fetchOnce(c2, fullTopic, 0, after.baseOffset);
    assert.equal(last.errorCode, 0);
    assert.equal(last.batches[0]?.records[0]?.value?.toString(), 'after-restart');
    assert.deepEqual((await fetchAll(c2, okTopic, 0)).map((r) => r.value?.toString()), ['still-served']);
    c2.close();
    if (process.env.SAMSA_SHOW_OUTPUT) console.log(broker.output());
  } finally {
    await broker?.destroy();
    try {
      execFileSync('umount', [small]);
    } catch {
      /* not mounted */
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
});
