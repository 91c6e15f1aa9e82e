import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { OffsetIndex } from '../../../src/storage/offset-index.js';
import { TimeIndex } from '../../../src/storage/time-index.js';
import { CorruptIndexError } from '../../../src/storage/errors.js';
import { rmDir, tmpDir } from './helpers.js';

test('OffsetIndex: lookup is the largest entry <= target, (base, 0) below the first', () => {
  const idx = OffsetIndex.empty('/nonexistent', 1000, 1024);
  assert.deepEqual(idx.lookup(1500), { offset: 1000, position: 0 });
  for (let i = 1; i <= 50; i++) idx.append(1000 + i * 10, i * 4096);
  assert.equal(idx.entries, 50);
  assert.deepEqual(idx.lookup(999), { offset: 1000, position: 0 });
  assert.deepEqual(idx.lookup(1009), { offset: 1000, position: 0 });
  assert.deepEqual(idx.lookup(1010), { offset: 1010, position: 4096 });
  assert.deepEqual(idx.lookup(1019), { offset: 1010, position: 4096 });
  assert.deepEqual(idx.lookup(1255), { offset: 1250, position: 25 * 4096 });
  assert.deepEqual(idx.lookup(99999), { offset: 1500, position: 50 * 4096 });
  // Entries must ascend.
  assert.throws(() => idx.append(1500, 60 * 4096), CorruptIndexError);
  assert.throws(() => idx.append(1600, 10), CorruptIndexError);
  assert.throws(() => idx.append(1000 + 2 ** 31, 999999999), CorruptIndexError);
  assert.equal(idx.canAppendOffset(1000 + 2 ** 31 - 1), true);
  assert.equal(idx.canAppendOffset(1000 + 2 ** 31), false);
  // Truncation removes entries >= offset.
  idx.truncateTo(1250);
  assert.equal(idx.entries, 24);
  assert.deepEqual(idx.lastEntry(), { offset: 1240, position: 24 * 4096 });
  idx.truncateTo(0);
  assert.equal(idx.entries, 0);
});

test('OffsetIndex: full at segment.index.bytes / 8 entries', () => {
  const idx = OffsetIndex.empty('/nonexistent', 0, 8 * 3 + 5);
  assert.equal(idx.maxEntries, 3);
  idx.append(1, 10);
  idx.append(2, 20);
  assert.equal(idx.isFull, false);
  idx.append(3, 30);
  assert.equal(idx.isFull, true);
});

test('OffsetIndex: preallocated while active, trimmed on demand, reloaded identically', async () => {
  const dir = tmpDir();
  try {
    const file = path.join(dir, '00000000000000000100.index');
    const idx = OffsetIndex.empty(file, 100, 8000);
    for (let i = 1; i <= 10; i++) idx.append(100 + i * 3, i * 500);
    idx.preallocate = true;
    await idx.persist(true);
    assert.equal(fs.statSync(file).size, 8000);
    // A preallocated file (zero tail) loads with just the real entries.
    const pre = await OffsetIndex.load(file, 100, 8000, 1 << 20);
    assert.equal(pre!.entries, 10);
    idx.preallocate = false;
    await idx.persist(true);
    assert.equal(fs.statSync(file).size, 80);
    const data = fs.readFileSync(file);
    assert.equal(data.readInt32BE(0), 3);
    assert.equal(data.readInt32BE(4), 500);
    assert.equal(data.readInt32BE(72), 30);
    assert.equal(data.readInt32BE(76), 5000);
    const loaded = await OffsetIndex.load(file, 100, 8000, 1 << 20);
    assert.ok(loaded);
    assert.deepEqual(loaded.entryBytes(), idx.entryBytes());
    // Truncate then persist: stale entries disappear from the file.
    idx.truncateTo(110);
    idx.append(111, 3000);
    idx.preallocate = false;
    await idx.persist(true);
    const after = await OffsetIndex.load(file, 100, 8000, 1 << 20);
    assert.equal(after!.entries, 4);
    assert.deepEqual(after!.lastEntry(), { offset: 111, position: 3000 });
    await idx.close();
    assert.equal(await OffsetIndex.load(path.join(dir, 'missing.index'), 0, 8000, 100), null);
  } finally {
    rmDir(dir);
  }
});

test('OffsetIndex: sanity checks on load', async () => {
  const dir = tmpDir();
  try {
    const file = path.join(dir, 'x.index');
    const entries = (pairs: [number, number][]) => {
      const b = Buffer.alloc(pairs.length * 8);
      pairs.forEach(([o, p], i) => {
        b.writeInt32BE(o, i * 8);
        b.writeInt32BE(p, i * 8 + 4);
      });
      return b;
    };
    const bad: Buffer[] = [
      Buffer.alloc(13), // not a multiple of 8
      entries([
        [5, 100],
        [4, 200],
      ]), // offsets go backwards
      entries([
        [5, 100],
        [6, 100],
      ]), // positions do not ascend
      entries([
        [5, 100],
        [6, 99999],
      ]), // past the end of the log
      Buffer.concat([
        entries([[5, 100]]),
        Buffer.alloc(16),
        entries([[9, 300]]),
      ]), // data after the zero tail
    ];
    for (const b of bad) {
      fs.writeFileSync(file, b);
      await assert.rejects(OffsetIndex.load(file, 0, 1000, 5000), CorruptIndexError);
    }
    fs.writeFileSync(file, Buffer.concat([entries([[5, 100]]), Buffer.alloc(800)]));
    assert.equal((await OffsetIndex.load(file, 0, 1000, 5000))!.entries, 1);
  } finally {
    rmDir(dir);
  }
});

test('TimeIndex: maybeAppend only on growing timestamps; lookup largest <= target', async () => {
  const dir = tmpDir();
  try {
    const file = path.join(dir, '00000000000000000050.timeindex');
    const idx = TimeIndex.empty(file, 50, 1200);
    assert.equal(idx.maxEntries, 100);
    assert.deepEqual(idx.lookup(123), { timestamp: -1, offset: 50 });
    idx.maybeAppend(-1, 50); // no timestamp: never indexed
    assert.equal(idx.entries, 0);
    idx.maybeAppend(1000, 55);
    idx.maybeAppend(1000, 60); // same timestamp: skipped
    idx.maybeAppend(900, 61); // smaller: skipped
    idx.maybeAppend(2000, 70);
    idx.maybeAppend(3000, 70); // same offset, larger timestamp: kept
    assert.equal(idx.entries, 3);
    assert.throws(() => idx.maybeAppend(4000, 60), CorruptIndexError);
    assert.deepEqual(idx.lookup(999), { timestamp: -1, offset: 50 });
    assert.deepEqual(idx.lookup(1000), { timestamp: 1000, offset: 55 });
    assert.deepEqual(idx.lookup(2500), { timestamp: 2000, offset: 70 });
    assert.deepEqual(idx.lookup(1e15), { timestamp: 3000, offset: 70 });
    assert.deepEqual(idx.lastEntry(), { timestamp: 3000, offset: 70 });
    idx.preallocate = true;
    await idx.persist(false);
    assert.equal(fs.statSync(file).size, 1200);
    idx.preallocate = false;
    await idx.persist(true);
    const data = fs.readFileSync(file);
    assert.equal(data.length, 36);
    assert.equal(Number(data.readBigInt64BE(0)), 1000);
    assert.equal(data.readInt32BE(8), 5);
    assert.equal(Number(data.readBigInt64BE(24)), 3000);
    assert.equal(data.readInt32BE(32), 20);
    const loaded = await TimeIndex.load(file, 50, 1200);
    assert.deepEqual(loaded!.entryBytes(), idx.entryBytes());
    idx.truncateTo(70);
    assert.equal(idx.entries, 1);
    // Corrupt: timestamps going backwards.
    const bad = Buffer.from(data);
    bad.writeBigInt64BE(500n, 12);
    fs.writeFileSync(file, bad);
    await assert.rejects(TimeIndex.load(file, 50, 1200), CorruptIndexError);
    await idx.close();
  } finally {
    rmDir(dir);
  }
});
