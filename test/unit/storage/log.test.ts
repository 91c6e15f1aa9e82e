import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Log } from '../../../src/storage/log.js';
import { batchOf, buildBatch, config, rmDir, splitBatches, tmpDir } from './helpers.js';

async function openLog(dir: string, overrides = {}, hadCleanShutdown = true) {
  return Log.open(path.join(dir, 't-0'), 't', 0, config(overrides), { hadCleanShutdown });
}

test('append assigns offsets in place, written resolves, read returns the same bytes', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    const b1 = batchOf(3);
    const r1 = log.append(b1, { leaderEpoch: 7 });
    assert.deepEqual([r1.firstOffset, r1.lastOffset], [0, 2]);
    assert.equal(log.logEndOffset, 3);
    assert.equal(Number(b1.readBigInt64BE(0)), 0);
    assert.equal(b1.readInt32BE(12), 7, 'partitionLeaderEpoch patched');
    const b2 = batchOf(2);
    const r2 = log.append(b2);
    assert.deepEqual([r2.firstOffset, r2.lastOffset], [3, 4]);
    assert.equal(Number(b2.readBigInt64BE(0)), 3);
    await Promise.all([r1.written, r2.written]);
    assert.equal(log.highWatermark, 5);
    const r = await log.read(0, 1 << 20, { minOneBatch: true });
    assert.equal(r.outOfRange, false);
    if (r.outOfRange) return;
    assert.deepEqual(Buffer.concat(r.records), Buffer.concat([b1, b2]));
    assert.equal(r.size, b1.length + b2.length);
    assert.equal(r.highWatermark, 5);
    assert.equal(r.logStartOffset, 0);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('several batches in one append buffer get consecutive offsets', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    const buf = Buffer.concat([batchOf(2), batchOf(5), batchOf(1)]);
    const r = log.append(buf);
    assert.deepEqual([r.firstOffset, r.lastOffset], [0, 7]);
    await r.written;
    assert.deepEqual(
      splitBatches(buf).map((b) => [b.baseOffset, b.lastOffset]),
      [
        [0, 1],
        [2, 6],
        [7, 7],
      ],
    );
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('many concurrent appends across many rolls: every offset reads back its batch', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentBytes: 4096, indexIntervalBytes: 512 });
    const written: Promise<void>[] = [];
    const batches: { first: number; last: number; bytes: Buffer }[] = [];
    for (let i = 0; i < 300; i++) {
      const b = batchOf(1 + (i % 4), 40 + (i % 7) * 10, `b${i}`);
      const r = log.append(b);
      batches.push({ first: r.firstOffset, last: r.lastOffset, bytes: b });
      written.push(r.written);
    }
    // LEO includes appends that are still being written.
    const leo = batches[batches.length - 1]!.last + 1;
    assert.equal(log.logEndOffset, leo);
    await Promise.all(written);
    assert.equal(log.highWatermark, leo);
    assert.ok(log.numberOfSegments > 10, `rolled into ${log.numberOfSegments} segments`);
    // Segments are contiguous and named after their first offset.
    const bases = log.segmentBaseOffsets();
    for (const base of bases) assert.ok(batches.some((b) => b.first === base), `segment base ${base} starts a batch`);
    for (const seg of log.logSegments().slice(0, -1)) assert.ok(seg.size <= 4096 + 600);
    for (let off = 0; off < leo; off++) {
      const r = await log.read(off, 1, { minOneBatch: true });
      assert.equal(r.outOfRange, false);
      if (r.outOfRange) continue;
      const want = batches.find((b) => b.first <= off && off <= b.last)!;
      assert.equal(r.records.length, 1);
      assert.deepEqual(r.records[0], want.bytes, `offset ${off}`);
    }
    // Reading at the end returns nothing; past it is out of range.
    const atEnd = await log.read(leo, 1000, { minOneBatch: true });
    assert.deepEqual(atEnd.outOfRange === false && atEnd.records, []);
    assert.equal((await log.read(leo + 1, 1000, { minOneBatch: true })).outOfRange, true);
    await log.close();

    // The same after a clean restart (indexes loaded lazily from the files).
    const again = await openLog(dir, { segmentBytes: 4096, indexIntervalBytes: 512 });
    assert.equal(again.logEndOffset, leo);
    assert.equal(again.loadStats.recoveredSegments, 0);
    for (let off = 0; off < leo; off += 3) {
      const r = await again.read(off, 1, { minOneBatch: true });
      if (r.outOfRange) assert.fail('out of range');
      const want = batches.find((b) => b.first <= off && off <= b.last)!;
      assert.deepEqual(r.records[0], want.bytes, `offset ${off} after restart`);
    }
    await again.close();
  } finally {
    rmDir(dir);
  }
});

test('read respects maxBytes, minOneBatch and maxOffset with whole batches only', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { indexIntervalBytes: 100 });
    const sizes: number[] = [];
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 10; i++) {
      const b = batchOf(2, 200, `m${i}`);
      sizes.push(b.length);
      last = log.append(b).written;
    }
    await last;
    const one = sizes[0]!;
    // maxBytes smaller than one batch: nothing unless minOneBatch.
    let r = await log.read(0, one - 1, { minOneBatch: false });
    assert.ok(!r.outOfRange && r.size === 0 && r.records.length === 0);
    r = await log.read(0, one - 1, { minOneBatch: true });
    assert.ok(!r.outOfRange && r.size === one);
    // Exactly 3 batches fit.
    r = await log.read(0, one * 3 + one - 1, { minOneBatch: true });
    assert.ok(!r.outOfRange);
    if (r.outOfRange) return;
    assert.equal(r.size, one * 3);
    assert.deepEqual(
      splitBatches(r.records).map((b) => b.baseOffset),
      [0, 2, 4],
    );
    // From the middle of a batch: starts with the batch containing the offset.
    r = await log.read(5, one * 2, { minOneBatch: true });
    assert.ok(!r.outOfRange);
    if (r.outOfRange) return;
    assert.deepEqual(
      splitBatches(r.records).map((b) => b.baseOffset),
      [4, 6],
    );
    // maxOffset excludes batches that reach it.
    r = await log.read(0, 1 << 20, { minOneBatch: true, maxOffset: 7 });
    assert.ok(!r.outOfRange);
    if (r.outOfRange) return;
    assert.deepEqual(
      splitBatches(r.records).map((b) => b.baseOffset),
      [0, 2, 4],
    );
    r = await log.read(20, 100, { minOneBatch: true });
    assert.ok(!r.outOfRange && r.size === 0);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('offsetForTimestamp finds the first record at or after a timestamp; maxTimestampAndOffset', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentBytes: 2000, indexIntervalBytes: 200 });
    const t0 = 1_700_000_000_000;
    let last: Promise<void> = Promise.resolve();
    // 40 batches of 3 records: record i of batch k has timestamp t0 + k*100 + i*10.
    for (let k = 0; k < 40; k++) {
      const recs = [0, 1, 2].map((i) => ({ value: Buffer.alloc(50, 'a'), timestamp: t0 + k * 100 + i * 10 }));
      last = log.append(buildBatch(recs)).written;
    }
    await last;
    assert.ok(log.numberOfSegments > 3);
    assert.deepEqual(await log.offsetForTimestamp(t0), { offset: 0, timestamp: t0, leaderEpoch: -1 });
    assert.deepEqual(await log.offsetForTimestamp(t0 - 5000), { offset: 0, timestamp: t0, leaderEpoch: -1 });
    for (const k of [1, 7, 20, 39]) {
      // exactly on record 1 of batch k
      const hit = await log.offsetForTimestamp(t0 + k * 100 + 10);
      assert.deepEqual(hit, { offset: k * 3 + 1, timestamp: t0 + k * 100 + 10, leaderEpoch: -1 });
      // between records 1 and 2
      const hit2 = await log.offsetForTimestamp(t0 + k * 100 + 15);
      assert.deepEqual(hit2, { offset: k * 3 + 2, timestamp: t0 + k * 100 + 20, leaderEpoch: -1 });
      // between batches
      const hit3 = await log.offsetForTimestamp(t0 + k * 100 - 50);
      assert.deepEqual(hit3, { offset: k * 3, timestamp: t0 + k * 100, leaderEpoch: -1 });
    }
    assert.equal(await log.offsetForTimestamp(t0 + 39 * 100 + 21), null);
    assert.deepEqual(await log.maxTimestampAndOffset(), { offset: 119, timestamp: t0 + 3920, leaderEpoch: -1 });
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('maxTimestampAndOffset picks the record, not the batch end; empty log gives -1', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    assert.deepEqual(await log.maxTimestampAndOffset(), { offset: -1, timestamp: -1, leaderEpoch: -1 });
    const t0 = 1_700_000_000_000;
    log.append(buildBatch([{ value: Buffer.from('a'), timestamp: t0 }]));
    const recs = [t0 + 50, t0 + 900, t0 + 10].map((timestamp) => ({ value: Buffer.from('b'), timestamp }));
    await log.append(buildBatch(recs), { leaderEpoch: 3 }).written;
    assert.deepEqual(await log.maxTimestampAndOffset(), { offset: 2, timestamp: t0 + 900, leaderEpoch: 3 });
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('deleteRecordsBefore advances the log start offset and removes whole segments', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentBytes: 1500 });
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 30; i++) last = log.append(batchOf(2, 100)).written;
    await last;
    const bases = log.segmentBaseOffsets();
    assert.ok(bases.length > 4);
    const cut = bases[3]! + 1;
    assert.equal(await log.deleteRecordsBefore(cut), cut);
    assert.equal(log.logStartOffset, cut);
    assert.deepEqual(log.segmentBaseOffsets(), bases.slice(3));
    for (const b of bases.slice(0, 3)) {
      assert.equal(fs.existsSync(path.join(log.dir, String(b).padStart(20, '0') + '.log')), false);
    }
    assert.equal((await log.read(cut - 1, 1000, { minOneBatch: true })).outOfRange, true);
    const r = await log.read(cut, 1000, { minOneBatch: true });
    assert.ok(!r.outOfRange && r.size > 0);
    await assert.rejects(log.deleteRecordsBefore(log.highWatermark + 1), /outside/);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('truncateTo removes batches at and after an offset and appends continue from there', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentBytes: 1500, indexIntervalBytes: 200 });
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 30; i++) last = log.append(batchOf(2, 100)).written;
    await last;
    const bases = log.segmentBaseOffsets();
    const target = bases[2]! + 4; // a batch boundary inside the third segment
    await log.truncateTo(target);
    assert.equal(log.logEndOffset, target);
    assert.equal(log.highWatermark, target);
    assert.deepEqual(log.segmentBaseOffsets(), bases.slice(0, 3));
    const r = await log.append(batchOf(1, 10, 'after'));
    assert.equal(r.firstOffset, target);
    await r.written;
    const back = await log.read(target, 1000, { minOneBatch: true });
    assert.ok(!back.outOfRange);
    if (back.outOfRange) return;
    assert.deepEqual(
      splitBatches(back.records).map((b) => b.baseOffset),
      [target],
    );
    await log.close();
    const again = await openLog(dir, { segmentBytes: 1500, indexIntervalBytes: 200 }, false);
    assert.equal(again.logEndOffset, target + 1);
    await again.close();
  } finally {
    rmDir(dir);
  }
});

test('flush policy: flush.messages fsyncs and advances the recovery point; default never', async () => {
  const dir = tmpDir();
  try {
    const lazy = await openLog(dir);
    await lazy.append(batchOf(5)).written;
    assert.equal(lazy.recoveryPoint, 0);
    await lazy.flush();
    assert.equal(lazy.recoveryPoint, 5);
    await lazy.close();

    const eager = await Log.open(path.join(dir, 'e-0'), 'e', 0, config({ flushIntervalMessages: 1 }), {
      hadCleanShutdown: true,
    });
    await eager.append(batchOf(2)).written;
    assert.equal(eager.recoveryPoint, 2);
    await eager.append(batchOf(3)).written;
    assert.equal(eager.recoveryPoint, 5);
    await eager.close();

    const timed = await Log.open(path.join(dir, 'm-0'), 'm', 0, config({ flushIntervalMs: 20 }), {
      hadCleanShutdown: true,
    });
    await timed.append(batchOf(2)).written;
    for (let i = 0; i < 50 && timed.recoveryPoint < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(timed.recoveryPoint, 2);
    await timed.close();
  } finally {
    rmDir(dir);
  }
});

test('roll fsyncs the old segment and moves the recovery point to the new segment base', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentBytes: 1000 });
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 10; i++) last = log.append(batchOf(1, 300)).written;
    await last;
    const bases = log.segmentBaseOffsets();
    assert.ok(bases.length >= 3);
    for (let i = 0; i < 50 && log.recoveryPoint < bases[bases.length - 1]!; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(log.recoveryPoint, bases[bases.length - 1]);
    // Rolled segments have trimmed indexes; the active one is preallocated.
    const segs = log.logSegments();
    for (const s of segs.slice(0, -1)) {
      assert.equal(fs.statSync(s.indexPath).size, s.offsetIndex.entries * 8);
      assert.equal(fs.statSync(s.timeIndexPath).size, s.timeIndex.entries * 12);
    }
    const active = segs[segs.length - 1]!;
    assert.equal(fs.statSync(active.indexPath).size, 10485760);
    assert.equal(fs.statSync(active.timeIndexPath).size, Math.floor(10485760 / 12) * 12);
    await log.close();
    assert.equal(fs.statSync(active.indexPath).size, active.offsetIndex.entries * 8, 'trimmed on close');
  } finally {
    rmDir(dir);
  }
});

test('segment.ms rolls by record time', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentMs: 1000 });
    const t0 = 1_700_000_000_000;
    log.append(buildBatch([{ value: Buffer.from('a'), timestamp: t0 }]));
    log.append(buildBatch([{ value: Buffer.from('b'), timestamp: t0 + 500 }]));
    await log.append(buildBatch([{ value: Buffer.from('c'), timestamp: t0 + 1500 }])).written;
    assert.deepEqual(log.segmentBaseOffsets(), [0, 2]);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('malformed append input is refused without changing the log', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    const good = batchOf(1);
    assert.throws(() => log.append(good.subarray(0, good.length - 1)));
    assert.throws(() => log.append(Buffer.alloc(0)));
    assert.equal(log.logEndOffset, 0);
    await log.close();
    assert.throws(() => log.append(batchOf(1)), /closed/);
  } finally {
    rmDir(dir);
  }
});

test('config can be replaced at run time', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    await log.append(batchOf(5, 300)).written;
    log.config = config({ segmentBytes: 1000 });
    for (let i = 0; i < 5; i++) await log.append(batchOf(1, 600)).written;
    assert.ok(log.numberOfSegments >= 4);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('appends made in one turn of the event loop are coalesced into one writev of the callers’ buffers', async () => {
  const dir = tmpDir();
  const original = fs.writev;
  const originalSync = fs.writevSync;
  const calls: Buffer[][] = [];
  try {
    const log = await openLog(dir);
    (fs as { writev: unknown }).writev = function (fd: number, bufs: Buffer[], ...rest: unknown[]) {
      calls.push(bufs);
      return (original as (...a: unknown[]) => void).call(fs, fd, bufs, ...rest);
    };
    (fs as { writevSync: unknown }).writevSync = function (fd: number, bufs: Buffer[], ...rest: unknown[]) {
      calls.push(bufs);
      return (originalSync as (...a: unknown[]) => number).call(fs, fd, bufs, ...rest);
    };
    const batches = Array.from({ length: 200 }, (_, i) => batchOf(1, 50, `c${i}`));
    const results = batches.map((b) => log.append(b));
    await Promise.all(results.map((r) => r.written));
    assert.ok(calls.length <= 3, `${calls.length} writev calls for 200 appends`);
    // Zero copy: the very Buffers passed to append() reach writev.
    const passed = new Set(calls.flat());
    for (const b of batches) assert.ok(passed.has(b));
    await log.close();
  } finally {
    (fs as { writev: unknown }).writev = original;
    (fs as { writevSync: unknown }).writevSync = originalSync;
    rmDir(dir);
  }
});

test('reads racing with deleteRecordsBefore either read or report out of range', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentBytes: 1200 });
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 60; i++) last = log.append(batchOf(1, 200)).written;
    await last;
    const reads = [];
    for (let off = 0; off < 60; off++) reads.push(log.read(off, 1000, { minOneBatch: true }));
    const del = log.deleteRecordsBefore(40);
    const results = await Promise.all(reads);
    await del;
    for (const [off, r] of results.entries()) {
      if (!r.outOfRange) assert.equal(splitBatches(r.records)[0]!.baseOffset, off);
    }
    assert.equal((await log.read(10, 1000, { minOneBatch: true })).outOfRange, true);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('an I/O error takes the log offline: written rejects, later appends throw', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { segmentBytes: 500 });
    await log.append(batchOf(1, 300)).written;
    fs.rmSync(log.dir, { recursive: true, force: true }); // the next roll cannot create its files
    const r = log.append(batchOf(1, 300));
    await assert.rejects(r.written, (err: Error & { code?: string }) => err.code === 'KAFKA_STORAGE_ERROR');
    assert.throws(() => log.append(batchOf(1)), /offline/);
    await assert.rejects(log.read(0, 100, { minOneBatch: true }), /offline/);
    await log.closeHandles();
  } finally {
    rmDir(dir);
  }
});

test('close() right after append (not awaited) waits for the write', async () => {
  const original = fs.writev;
  for (const n of [1, 2, 100]) {
    const dir = tmpDir();
    try {
      const log = await openLog(dir, { segmentBytes: 2000 });
      // Slow writes: close() must still wait for them.
      (fs as { writev: unknown }).writev = function (...args: unknown[]) {
        setTimeout(() => (original as (...a: unknown[]) => void).apply(fs, args), 30);
      };
      for (let i = 0; i < n; i++) log.append(batchOf(2, 100));
      await log.close();
      (fs as { writev: unknown }).writev = original;
      const again = await openLog(dir, { segmentBytes: 2000 });
      assert.equal(again.logEndOffset, 2 * n);
      assert.equal(again.loadStats.recoveredSegments, 0);
      await again.close();
      const scanned = await openLog(dir, { segmentBytes: 2000 }, false);
      assert.equal(scanned.logEndOffset, 2 * n, 'every byte is valid on disk');
      await scanned.close();
    } finally {
      (fs as { writev: unknown }).writev = original;
      rmDir(dir);
    }
  }
});

test('timestamp lookups inside compressed batches resolve to the record (gzip)', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    const t0 = 1_700_000_000_000;
    const ts = [t0, t0 + 30, t0 + 10, t0 + 20];
    await log.append(buildBatch(ts.map((timestamp) => ({ value: Buffer.from('z'.repeat(100)), timestamp })), { gzip: true })).written;
    assert.deepEqual(await log.offsetForTimestamp(t0 + 15), { offset: 1, timestamp: t0 + 30, leaderEpoch: -1 });
    assert.deepEqual(await log.maxTimestampAndOffset(), { offset: 1, timestamp: t0 + 30, leaderEpoch: -1 });
    // Without a usable decompressor: batch-level answers.
    log.decompress = () => {
      throw new Error('no codec');
    };
    await assert.rejects(log.offsetForTimestamp(t0 + 15), /no codec/);
    log.decompress = undefined;
    assert.deepEqual(await log.offsetForTimestamp(t0 + 15), { offset: 0, timestamp: t0 + 30, leaderEpoch: -1 });
    assert.deepEqual(await log.maxTimestampAndOffset(), { offset: 3, timestamp: t0 + 30, leaderEpoch: -1 });
    await log.close();
  } finally {
    rmDir(dir);
  }
});
