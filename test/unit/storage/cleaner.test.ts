import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Log, setInlineLogWrites } from '../../../src/storage/log.js';
import { LogCleaner, CLEANER_OFFSET_CHECKPOINT } from '../../../src/storage/log-cleaner.js';
import { cleanLog } from '../../../src/storage/cleaner.js';
import type { LogConfig } from '../../../src/storage/log-config.js';
import { decodeBatches } from '../../../src/protocol/records/batch.js';
import { buildBatch, config, rmDir, tmpDir } from './helpers.js';

const T0 = 1_700_000_000_000;

function compactConfig(o: Partial<LogConfig> = {}): LogConfig {
  return config({
    segmentBytes: 100, // one small batch per segment
    segmentMs: 1e15, // records carry 2023 timestamps: no time-based roll
    compact: true,
    delete: false,
    minCleanableDirtyRatio: 0.001,
    fileDeleteDelayMs: 0,
    deleteRetentionMs: 86_400_000,
    ...o,
  });
}

async function openLog(dir: string, o: Partial<LogConfig> = {}, hadCleanShutdown = true): Promise<Log> {
  return Log.open(path.join(dir, 'bank-account-0'), 'bank-account', 0, compactConfig(o), { hadCleanShutdown });
}

type KV = [string, string | null];

async function put(log: Log, kvs: KV[], ts = T0, gzip = false): Promise<void> {
  const b = buildBatch(kvs.map(([k, v]) => ({ key: Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: ts })), { gzip });
  await log.append(b).written;
}

async function readAll(log: Log): Promise<{ offset: number; key: string; value: string | null }[]> {
  const out: { offset: number; key: string; value: string | null }[] = [];
  let at = log.logStartOffset;
  while (at < log.highWatermark) {
    const r = await log.read(at, 1 << 24, { minOneBatch: true });
    if (r.outOfRange) throw new Error('out of range');
    if (r.records.length === 0) break;
    for (const b of await decodeBatches(Buffer.concat(r.records))) {
      for (const x of b.records) if (x.offset >= at) out.push({ offset: x.offset, key: x.key!.toString(), value: x.value?.toString() ?? null });
      at = b.baseOffset + b.lastOffsetDelta + 1;
    }
  }
  return out;
}

function cleanerFor(log: Log, dir: string, o: { now?: () => number; useWorker?: boolean; onSwapStep?: (s: string) => void } = {}): LogCleaner {
  return new LogCleaner({ logDirs: [dir], logs: () => [{ log, logDir: dir }], backoffMs: 100000, ...o });
}

const BANK: KV[] = [['kim', '50000 won'], ['lee', '30300 won'], ['park', '20000 won'], ['seo', '100000 won'], ['kim', '30000 won'], ['sin', '200000 won']];

test('compaction (in the worker thread) keeps the latest record per key with its offset; the active segment is untouched', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    for (const kv of BANK) await put(log, [kv]);
    await put(log, [['kim', 'active']]); // offset 6, in the active segment after a roll
    assert.ok(log.numberOfSegments >= 3);
    const cleaner = cleanerFor(log, dir);
    assert.equal(await cleaner.cleanOnce(), true);
    await cleaner.stop();
    const got = await readAll(log);
    assert.deepEqual(got, [
      { offset: 1, key: 'lee', value: '30300 won' },
      { offset: 2, key: 'park', value: '20000 won' },
      { offset: 3, key: 'seo', value: '100000 won' },
      { offset: 4, key: 'kim', value: '30000 won' },
      { offset: 5, key: 'sin', value: '200000 won' },
      { offset: 6, key: 'kim', value: 'active' },
    ]);
    assert.equal(log.logStartOffset, 0);
    // Kafka's checkpoint file and format.
    assert.equal(fs.readFileSync(path.join(dir, CLEANER_OFFSET_CHECKPOINT), 'utf8'), '0\n1\nbank-account 0 6\n');
    // Nothing dirty any more.
    assert.equal(await cleanerFor(log, dir, { useWorker: false }).cleanOnce(), false);
    // The cleaned log reopens (indexes rebuilt) with the same content.
    await log.close();
    const again = await openLog(dir);
    assert.deepEqual(await readAll(again), got);
    assert.equal(again.logEndOffset, 7);
    await again.close();
  } finally {
    rmDir(dir);
  }
});

test('batches are rewritten keeping header fields; compressed batches stay compressed with the same codec', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentBytes: 1 << 20 });
    const b = buildBatch(
      [
        { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: T0 },
        { key: Buffer.from('b'), value: Buffer.from('1'), timestamp: T0 + 5 },
        { key: Buffer.from('a'), value: Buffer.from('2'), timestamp: T0 + 9 },
      ],
      { gzip: true, producerId: 42, producerEpoch: 3, baseSequence: 7, partitionLeaderEpoch: 5 },
    );
    await log.append(b).written;
    log.config = { ...log.config, segmentBytes: 1 }; // roll at the next append
    await put(log, [['z', 'active']]);
    await cleanerFor(log, dir, { useWorker: false }).cleanOnce();
    const r = await log.read(0, 1 << 20, { minOneBatch: true });
    assert.equal(r.outOfRange, false);
    if (r.outOfRange) return;
    const [first] = await decodeBatches(Buffer.concat(r.records));
    assert.ok(first);
    assert.equal(first.compression, 1, 'still gzip');
    assert.equal(first.baseOffset, 0);
    assert.equal(first.lastOffsetDelta, 2, 'last offset kept (producer sequence)');
    assert.deepEqual([first.producerId, first.producerEpoch, first.baseSequence, first.partitionLeaderEpoch], [42, 3, 7, 5]);
    assert.deepEqual(
      first.records.map((x) => [x.offset, x.key!.toString(), x.value!.toString(), x.timestamp]),
      [
        [1, 'b', '1', T0 + 5],
        [2, 'a', '2', T0 + 9],
      ],
    );
    assert.equal(first.maxTimestamp, T0 + 9);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('tombstones stay for delete.retention.ms after cleaning, then go (KIP-534 delete horizon)', async () => {
  const dir = tmpDir();
  try {
    let now = T0 + 1000;
    const log = await openLog(dir, { deleteRetentionMs: 10_000 });
    await put(log, [['a', '1']]);
    await put(log, [['b', '1']]);
    await put(log, [['a', null]]);
    await put(log, [['c', 'active']]);
    const cleaner = cleanerFor(log, dir, { now: () => now, useWorker: false });
    assert.equal(await cleaner.cleanOnce(), true);
    let got = await readAll(log);
    assert.deepEqual(got.map((r) => [r.offset, r.key, r.value]), [[1, 'b', '1'], [2, 'a', null], [3, 'c', 'active']]);
    // The tombstone's batch now carries the delete horizon.
    const r = await log.read(2, 1 << 20, { minOneBatch: true });
    if (r.outOfRange) throw new Error('range');
    const [tb] = await decodeBatches(Buffer.concat(r.records));
    assert.ok(tb!.records[0]!.value === null);
    now += 5_000;
    assert.equal(await cleaner.cleanOnce(), false, 'nothing dirty, horizon not reached');
    assert.equal((await readAll(log)).length, 3);
    now += 6_000; // past now0 + delete.retention.ms
    assert.equal(await cleaner.cleanOnce(), true);
    got = await readAll(log);
    assert.deepEqual(got.map((r) => [r.offset, r.key, r.value]), [[1, 'b', '1'], [3, 'c', 'active']]);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('min.cleanable.dirty.ratio, min.compaction.lag.ms and max.compaction.lag.ms decide when a log is cleaned', async () => {
  const dir = tmpDir();
  try {
    let now = T0 + 1000;
    const log = await openLog(dir, { minCleanableDirtyRatio: 0.5 });
    for (let i = 0; i < 12; i++) await put(log, [[`k${i % 6}`, `v${i}`]]);
    await put(log, [['x', 'active']]);
    const cleaner = cleanerFor(log, dir, { now: () => now, useWorker: false });
    assert.equal(await cleaner.cleanOnce(), true);
    assert.deepEqual((await readAll(log)).map((r) => r.offset), [6, 7, 8, 9, 10, 11, 12]);
    // A little more dirt: below the ratio, no cleaning.
    await put(log, [['k0', 'again']]); // offset 13, rolls 12 out of the active segment
    await put(log, [['y', 'active']]);
    const c = await cleaner.cleanable(log, dir);
    assert.ok(c && c.ratio > 0 && c.ratio < 0.5, `ratio ${c?.ratio}`);
    assert.equal(await cleaner.cleanOnce(), false);
    // max.compaction.lag.ms forces it once the oldest dirty record is old enough.
    log.config = { ...log.config, maxCompactionLagMs: 60_000 };
    assert.equal(await cleaner.cleanOnce(), false, 'not old enough yet');
    now = T0 + 61_000;
    assert.equal(await cleaner.cleanOnce(), true);
    assert.deepEqual((await readAll(log)).map((r) => r.offset), [7, 8, 9, 10, 11, 12, 13, 14]);
    // min.compaction.lag.ms: records younger than the lag are not compacted.
    log.config = { ...log.config, maxCompactionLagMs: Infinity, minCleanableDirtyRatio: 0.001, minCompactionLagMs: 3_600_000 };
    await put(log, [['k1', 'newer']], now); // 15
    await put(log, [['z', 'active']], now);
    assert.equal(await cleaner.cleanOnce(), false, 'the dirty segments are younger than the lag');
    now += 3_600_001;
    assert.equal(await cleaner.cleanOnce(), true);
    assert.deepEqual((await readAll(log)).map((r) => `${r.offset}:${r.key}`), ['8:k2', '9:k3', '10:k4', '11:k5', '12:x', '13:k0', '14:y', '15:k1', '16:z']);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('cleaned small segments are merged up to segment.bytes', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    for (let i = 0; i < 8; i++) await put(log, [[`k${i}`, `v${i}`]]);
    await put(log, [['z', 'active']]);
    const before = log.numberOfSegments;
    assert.ok(before >= 8);
    log.config = { ...log.config, segmentBytes: 1 << 20 };
    await cleanerFor(log, dir, { useWorker: false }).cleanOnce();
    assert.equal(log.numberOfSegments, 2, 'one cleaned segment and the active one');
    assert.deepEqual((await readAll(log)).map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

for (const step of ['cleaned', 'swap', 'deleted', 'renamed']) {
  test(`a crash during the swap (after step "${step}") recovers to a consistent log`, async () => {
    const dir = tmpDir();
    try {
      const log = await openLog(dir);
      for (const kv of BANK) await put(log, [kv]);
      await put(log, [['kim', 'active']]);
      const original = await readAll(log);
      const expected = original.filter((r) => !(r.key === 'kim' && r.offset === 0));
      if (step === 'cleaned') {
        // The cleaner wrote its .cleaned files, then the process died.
        const segs = log.logSegments();
        await cleanLog({
          dir: log.dir,
          segments: segs.slice(0, -1).map((s) => ({ baseOffset: s.baseOffset, path: s.logPath, size: s.size })),
          firstDirtyOffset: 0,
          firstUncleanableOffset: segs[segs.length - 1]!.baseOffset,
          now: Date.now(),
          deleteRetentionMs: 1000,
          segmentBytes: 100,
          maxMapEntries: 1000,
        });
        assert.ok(fs.readdirSync(log.dir).some((f) => f.endsWith('.cleaned')));
      } else {
        const cleaner = cleanerFor(log, dir, {
          useWorker: false,
          onSwapStep: (s) => {
            if (s === step) throw new Error(`crash after ${s}`);
          },
        });
        await assert.rejects(cleaner.cleanOnce(), /crash after/);
      }
      await log.closeHandles(); // kill -9: nothing more is written
      const again = await openLog(dir, {}, false);
      const files = fs.readdirSync(again.dir);
      assert.ok(!files.some((f) => /\.(cleaned|swap|deleted)$/.test(f)), files.join(' '));
      const got = await readAll(again);
      // Before the .swap exists the old segments win; from then on the cleaned one does.
      assert.deepEqual(got, step === 'cleaned' ? original : expected);
      assert.equal(again.logEndOffset, 7);
      // The cleaner resumes and finishes the job.
      const c2 = cleanerFor(again, dir, { useWorker: false });
      await c2.cleanOnce();
      assert.deepEqual(await readAll(again), expected);
      await again.close();
    } finally {
      rmDir(dir);
    }
  });
}

test('the worker re-compresses snappy, lz4 and zstd batches with their own codec', async () => {
  const { buildBatch: build } = await import('../../../src/protocol/records/batch.js');
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentBytes: 1 << 20 });
    for (const codec of [2, 3, 4]) {
      const b = await build(
        [
          { key: Buffer.from(`k${codec}`), value: Buffer.from('old'), timestamp: T0 },
          { key: Buffer.from(`k${codec}`), value: Buffer.from('new'), timestamp: T0 },
        ],
        { compression: codec as 2 | 3 | 4 },
      );
      await log.append(b).written;
    }
    log.config = { ...log.config, segmentBytes: 1 };
    await put(log, [['z', 'active']]);
    const cleaner = cleanerFor(log, dir);
    assert.equal(await cleaner.cleanOnce(), true);
    await cleaner.stop();
    const r = await log.read(0, 1 << 20, { minOneBatch: true });
    if (r.outOfRange) throw new Error('range');
    const batches = await decodeBatches(Buffer.concat(r.records));
    assert.deepEqual(
      batches.map((b) => [b.compression, b.records.map((x) => `${x.offset}:${x.key}:${x.value}`).join(',')]),
      [
        [2, '1:k2:new'],
        [3, '3:k3:new'],
        [4, '5:k4:new'],
      ],
    );
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('a rolled segment whose appends are still being written is not cleanable (its pending writes would be lost in the swap)', async () => {
  const dir = tmpDir();
  const original = fs.writev;
  try {
    const log = await openLog(dir, { segmentBytes: 200 }); // two batches a segment
    for (let i = 0; i < 5; i++) await put(log, [[`k${i % 3}`, `v${i}`]]);
    // Hold the Log's writes: three more appends, each rolling a segment, stay queued (on the I/O pool,
    // where a test can hold them: small appends are otherwise written inline).
    setInlineLogWrites(false);
    const held: (() => void)[] = [];
    (fs as { writev: unknown }).writev = function (...args: unknown[]) {
      held.push(() => (original as (...a: unknown[]) => void).apply(fs, args));
    };
    const pending = [0, 1, 2].map((i) => {
      const b = buildBatch([{ key: Buffer.from(`k${i}`), value: Buffer.from(`late${i}`), timestamp: T0 }]);
      return log.append(b).written;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(log.highWatermark, 5);
    assert.ok(log.logEndOffset > log.highWatermark);
    const cleaner = cleanerFor(log, dir, { now: () => T0 + 1000, useWorker: false });
    const c = await cleaner.cleanable(log, dir);
    const segs = log.segmentBaseOffsets();
    const holding = segs.filter((b) => b <= log.highWatermark).pop()!;
    assert.ok(holding < log.highWatermark && holding < segs[segs.length - 1]!, `the high watermark ${log.highWatermark} is inside the rolled segment ${holding} (${segs})`);
    assert.ok(c && c.firstUncleanableOffset <= holding, `first uncleanable ${c?.firstUncleanableOffset}, segment with the high watermark at ${holding}`);
    (fs as { writev: unknown }).writev = original;
    setInlineLogWrites(true);
    for (const f of held) f();
    await Promise.all(pending);
    assert.equal(await cleaner.cleanOnce(), true);
    const all = await readAll(log);
    assert.deepEqual(all.filter((r) => r.value?.startsWith('late')).map((r) => r.value), ['late0', 'late1', 'late2']);
    await log.close();
  } finally {
    (fs as { writev: unknown }).writev = original;
    setInlineLogWrites(true);
    rmDir(dir);
  }
});
