import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Log } from '../../../src/storage/log.js';
import { batchOf, config, rmDir, splitBatches, tmpDir } from './helpers.js';

const CFG = { segmentBytes: 3000, indexIntervalBytes: 300 };

/** A log of `n` two-record batches, closed cleanly; returns the batch bytes in order. */
async function writeLog(dir: string, n: number): Promise<Buffer[]> {
  const log = await Log.open(dir, 't', 0, config(CFG), { hadCleanShutdown: true });
  const out: Buffer[] = [];
  let last: Promise<void> = Promise.resolve();
  for (let i = 0; i < n; i++) {
    const b = batchOf(2, 120, `r${i}`);
    out.push(b);
    last = log.append(b).written;
  }
  await last;
  await log.close();
  return out;
}

function segmentFiles(dir: string, ext: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => path.join(dir, f));
}

async function readAll(log: Log): Promise<Buffer> {
  const parts: Buffer[] = [];
  let off = log.logStartOffset;
  while (off < log.highWatermark) {
    const r = await log.read(off, 1 << 20, { minOneBatch: true });
    if (r.outOfRange) throw new Error('out of range');
    if (r.size === 0) break;
    parts.push(...r.records);
    const batches = splitBatches(r.records);
    off = batches[batches.length - 1]!.lastOffset + 1;
  }
  return Buffer.concat(parts);
}

test('torn write: a batch cut in the middle of the last segment is truncated away', async () => {
  const dir = tmpDir();
  try {
    const batches = await writeLog(dir, 40);
    const logs = segmentFiles(dir, '.log');
    const last = logs[logs.length - 1]!;
    const size = fs.statSync(last).size;
    fs.truncateSync(last, size - 50); // kill -9 in the middle of the last batch
    const log = await Log.open(dir, 't', 0, config(CFG), { hadCleanShutdown: false, recoveryPoint: 0 });
    assert.equal(log.logEndOffset, 78, 'the torn batch (offsets 78-79) is gone');
    assert.equal(fs.statSync(last).size, size - batches[39]!.length);
    assert.ok(log.loadStats.truncatedBytes > 0);
    assert.deepEqual(await readAll(log), Buffer.concat(batches.slice(0, 39)));
    const r = log.append(batchOf(1));
    assert.equal(r.firstOffset, 78);
    await r.written;
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('garbage after the last batch is truncated; zero-filled tail too', async () => {
  for (const tail of [Buffer.from('this is not a record batch at all, just garbage bytes'.repeat(5)), Buffer.alloc(4096)]) {
    const dir = tmpDir();
    try {
      const batches = await writeLog(dir, 25);
      const logs = segmentFiles(dir, '.log');
      const last = logs[logs.length - 1]!;
      const size = fs.statSync(last).size;
      fs.appendFileSync(last, tail);
      const log = await Log.open(dir, 't', 0, config(CFG), { hadCleanShutdown: false, recoveryPoint: 0 });
      assert.equal(log.logEndOffset, 50);
      assert.equal(fs.statSync(last).size, size);
      assert.deepEqual(await readAll(log), Buffer.concat(batches));
      await log.close();
    } finally {
      rmDir(dir);
    }
  }
});

test('a corrupt batch in an earlier segment truncates there and drops every later segment', async () => {
  const dir = tmpDir();
  try {
    const batches = await writeLog(dir, 60);
    const logs = segmentFiles(dir, '.log');
    assert.ok(logs.length >= 4);
    const victim = logs[1]!;
    const base = Number(path.basename(victim).slice(0, 20));
    // Flip a byte inside the second batch's records: CRC32C no longer matches.
    const fd = fs.openSync(victim, 'r+');
    const firstLen = fs.readFileSync(victim).readInt32BE(8) + 12;
    fs.writeSync(fd, Buffer.from([0xff]), 0, 1, firstLen + 70);
    fs.closeSync(fd);
    const log = await Log.open(dir, 't', 0, config(CFG), { hadCleanShutdown: false, recoveryPoint: 0 });
    const firstBatchOffsets = splitBatches(fs.readFileSync(victim))[0]!;
    assert.equal(firstBatchOffsets.baseOffset, base);
    assert.equal(log.logEndOffset, firstBatchOffsets.lastOffset + 1);
    assert.deepEqual(log.segmentBaseOffsets(), logs.slice(0, 2).map((f) => Number(path.basename(f).slice(0, 20))));
    assert.deepEqual(segmentFiles(dir, '.log'), logs.slice(0, 2));
    const expectedBatches = batches.filter((b) => Number(b.readBigInt64BE(0)) <= base);
    assert.deepEqual(await readAll(log), Buffer.concat(expectedBatches));
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('recovery starts at the segment holding the recovery point', async () => {
  const dir = tmpDir();
  try {
    await writeLog(dir, 60);
    const bases = segmentFiles(dir, '.log').map((f) => Number(path.basename(f).slice(0, 20)));
    const log = await Log.open(dir, 't', 0, config(CFG), {
      hadCleanShutdown: false,
      recoveryPoint: bases[bases.length - 2]! + 1,
    });
    assert.equal(log.loadStats.recoveredSegments, 2);
    assert.equal(log.logEndOffset, 120);
    assert.equal(log.recoveryPoint, bases[bases.length - 2]! + 1, 'recovery point not advanced without a flush');
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('a corrupted or missing index is detected and rebuilt from the log', async () => {
  const dir = tmpDir();
  try {
    const batches = await writeLog(dir, 60);
    const indexes = segmentFiles(dir, '.index');
    const original = indexes.map((f) => fs.readFileSync(f));
    const times = segmentFiles(dir, '.timeindex').map((f) => fs.readFileSync(f));
    assert.ok(original[1]!.length >= 16, 'inactive segments have index entries');
    // 1: entries out of order
    const bad = Buffer.from(original[1]!);
    bad.writeInt32BE(0x7ffffff0, 0);
    fs.writeFileSync(indexes[1]!, bad);
    // 2: not a multiple of the entry size
    fs.writeFileSync(indexes[2]!, original[2]!.subarray(0, original[2]!.length - 3));
    // 3: missing entirely
    fs.rmSync(indexes[3]!);
    // 4: positions past the end of the log
    const far = Buffer.from(original[0]!);
    far.writeInt32BE(1 << 30, far.length - 4);
    fs.writeFileSync(indexes[0]!, far);
    for (const clean of [true, false]) {
      const log = await Log.open(dir, 't', 0, config(CFG), { hadCleanShutdown: clean, recoveryPoint: 120 });
      assert.equal(log.logEndOffset, 120);
      assert.deepEqual(await readAll(log), Buffer.concat(batches), `clean=${clean}`);
      for (let off = 0; off < 120; off += 7) {
        const r = await log.read(off, 1, { minOneBatch: true });
        if (r.outOfRange) assert.fail('out of range');
        const b = splitBatches(r.records)[0]!;
        assert.ok(b.baseOffset <= off && off <= b.lastOffset);
      }
      await log.close();
      // Rebuilt files are identical to what appends produced.
      assert.deepEqual(segmentFiles(dir, '.index').map((f) => fs.readFileSync(f)), original);
      assert.deepEqual(segmentFiles(dir, '.timeindex').map((f) => fs.readFileSync(f)), times);
    }
  } finally {
    rmDir(dir);
  }
});

test('unclean shutdown with a preallocated active index (zero tail) recovers and trims', async () => {
  const dir = tmpDir();
  try {
    const log = await Log.open(dir, 't', 0, config(CFG), { hadCleanShutdown: true });
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 12; i++) last = log.append(batchOf(2, 120)).written;
    await last;
    await log.flush();
    const active = log.logSegments().at(-1)!;
    assert.equal(fs.statSync(active.indexPath).size, 10485760);
    // Simulate a crash: drop the handles without the clean close.
    await log.closeHandles();
    const again = await Log.open(dir, 't', 0, config(CFG), { hadCleanShutdown: false, recoveryPoint: 24 });
    assert.equal(again.logEndOffset, 24);
    assert.equal(again.loadStats.recoveredSegments, 1);
    await again.close();
    const seg = again.logSegments().at(-1)!;
    assert.equal(fs.statSync(seg.indexPath).size % 8, 0);
    assert.ok(fs.statSync(seg.indexPath).size < 10485760);
  } finally {
    rmDir(dir);
  }
});

test('clean restart does not scan: only the active segment is touched, others load lazily', async () => {
  const dir = tmpDir();
  try {
    // ~24 MiB in 96 segments of 256 KiB.
    const cfg = config({ segmentBytes: 256 * 1024 });
    const log = await Log.open(dir, 't', 0, cfg, { hadCleanShutdown: true });
    const payload = batchOf(16, 1000);
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 1536; i++) last = log.append(Buffer.from(payload)).written;
    await last;
    await log.close();
    const segs = segmentFiles(dir, '.log').length;
    assert.ok(segs >= 90, `${segs} segments`);

    const t0 = process.hrtime.bigint();
    const again = await Log.open(dir, 't', 0, cfg, { hadCleanShutdown: true, recoveryPoint: 0 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.equal(again.loadStats.recoveredSegments, 0);
    assert.equal(again.logEndOffset, 1536 * 16);
    assert.equal(again.recoveryPoint, 1536 * 16);
    const loaded = again.logSegments().filter((s) => s.indexesLoaded).length;
    assert.equal(loaded, 1, 'only the active segment has its indexes loaded');
    assert.ok(ms < 1000, `clean open took ${ms} ms`);
    // A read in an old segment loads just that segment's indexes.
    const r = await again.read(16 * 100, 1, { minOneBatch: true });
    assert.ok(!r.outOfRange && r.size === payload.length);
    assert.equal(again.logSegments().filter((s) => s.indexesLoaded).length, 2);
    await again.close();

    // Unclean open of the same data must scan everything from the recovery point.
    const t1 = process.hrtime.bigint();
    const scanned = await Log.open(dir, 't', 0, cfg, { hadCleanShutdown: false, recoveryPoint: 0 });
    const ms2 = Number(process.hrtime.bigint() - t1) / 1e6;
    assert.equal(scanned.loadStats.recoveredSegments, segs);
    assert.equal(scanned.logEndOffset, 1536 * 16);
    await scanned.close();
    console.log(`clean open ${ms.toFixed(1)} ms, full recovery ${ms2.toFixed(1)} ms for ${segs} segments`);
  } finally {
    rmDir(dir);
  }
});

test('log start offset above the log end (segments removed) starts an empty log there', async () => {
  const dir = tmpDir();
  try {
    await writeLog(dir, 5);
    const log = await Log.open(dir, 't', 0, config(CFG), { hadCleanShutdown: true, logStartOffset: 100 });
    assert.equal(log.logStartOffset, 100);
    assert.equal(log.logEndOffset, 100);
    assert.deepEqual(log.segmentBaseOffsets(), [100]);
    assert.equal((await log.append(batchOf(1))).firstOffset, 100);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('leftover .deleted/.tmp files and orphaned indexes are removed at load', async () => {
  const dir = tmpDir();
  try {
    await writeLog(dir, 3);
    fs.writeFileSync(path.join(dir, '00000000000000000099.log.deleted'), 'x');
    fs.writeFileSync(path.join(dir, '00000000000000000077.index'), Buffer.alloc(8));
    fs.writeFileSync(path.join(dir, 'partition.metadata.tmp'), 'x');
    const log = await Log.open(dir, 't', 0, config(CFG), { hadCleanShutdown: true });
    const names = fs.readdirSync(dir);
    assert.ok(!names.includes('00000000000000000099.log.deleted'));
    assert.ok(!names.includes('00000000000000000077.index'));
    assert.ok(!names.includes('partition.metadata.tmp'));
    await log.close();
  } finally {
    rmDir(dir);
  }
});
