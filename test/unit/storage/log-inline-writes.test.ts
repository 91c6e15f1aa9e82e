// Small appends are written on the event loop (fs.writevSync) once the
// segment's file is open; a write that stalls sends every log's writes to the
// I/O pool for a while; an I/O error on an inline write takes the log offline
// exactly as one on the pool does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Log, setInlineLogWrites } from '../../../src/storage/log.js';
import { batchOf, config, rmDir, splitBatches, tmpDir } from './helpers.js';

function openLog(dir: string): Promise<Log> {
  return Log.open(path.join(dir, 't-0'), 't', 0, config(), { hadCleanShutdown: true });
}

interface Spy {
  sync: number;
  pool: number;
  restore(): void;
}

function spyWrites(onSync?: () => void): Spy {
  const writev = fs.writev;
  const writevSync = fs.writevSync;
  const spy: Spy = {
    sync: 0,
    pool: 0,
    restore() {
      (fs as { writev: unknown }).writev = writev;
      (fs as { writevSync: unknown }).writevSync = writevSync;
    },
  };
  (fs as { writev: unknown }).writev = function (...args: unknown[]) {
    spy.pool++;
    return (writev as (...a: unknown[]) => void).apply(fs, args);
  };
  (fs as { writevSync: unknown }).writevSync = function (...args: unknown[]) {
    spy.sync++;
    onSync?.();
    return (writevSync as (...a: unknown[]) => number).apply(fs, args);
  };
  return spy;
}

test('once the segment file is open, small appends are written inline, in order', async () => {
  const dir = tmpDir();
  const spy = spyWrites();
  try {
    const log = await openLog(dir);
    await log.append(batchOf(1, 100, 'first')).written;
    const before = spy.sync;
    for (let i = 0; i < 20; i++) await log.append(batchOf(2, 100, `b${i}`)).written;
    assert.ok(spy.sync - before >= 20, `${spy.sync - before} inline writes for 20 appends`);
    const read = await log.read(0, 1 << 20, { minOneBatch: true });
    assert.ok(!read.outOfRange);
    assert.deepEqual(splitBatches(read.records).map((b) => b.baseOffset), [0, ...Array.from({ length: 20 }, (_, i) => 1 + 2 * i)]);
    await log.close();
  } finally {
    spy.restore();
    rmDir(dir);
  }
});

test('an inline write that stalls sends the following writes to the pool', async () => {
  const dir = tmpDir();
  let stall = false;
  const spy = spyWrites(() => {
    if (!stall) return;
    stall = false;
    const until = performance.now() + 15;
    while (performance.now() < until) {
      // the kernel holding a page-cache write
    }
  });
  try {
    const log = await openLog(dir);
    await log.append(batchOf(1, 100)).written;
    stall = true;
    await log.append(batchOf(1, 100)).written;
    const sync = spy.sync;
    const pool = spy.pool;
    for (let i = 0; i < 5; i++) await log.append(batchOf(1, 100)).written;
    assert.equal(spy.sync, sync, 'no inline write after the stall');
    assert.equal(spy.pool - pool, 5);
    assert.equal(log.logEndOffset, 7);
    await log.close();
  } finally {
    setInlineLogWrites(true);
    spy.restore();
    rmDir(dir);
  }
});

test('an I/O error on an inline write takes the log offline and fails the append', async () => {
  const dir = tmpDir();
  let failing: Spy | null = null;
  try {
    const log = await openLog(dir);
    await log.append(batchOf(1, 100)).written;
    failing = spyWrites(() => {
      throw Object.assign(new Error('EIO: i/o error, writev'), { code: 'EIO' });
    });
    await assert.rejects(log.append(batchOf(1, 100)).written, /I\/O error/);
    assert.equal(failing.sync, 1);
    assert.equal(log.isOffline, true);
    assert.equal(log.highWatermark, 1);
    assert.throws(() => log.append(batchOf(1, 100)), /offline/);
    failing.restore();
    failing = null;
    await log.close().catch(() => {});
  } finally {
    failing?.restore();
    rmDir(dir);
  }
});

test('an append callback that throws does not stop the log: the next appends are written and close() completes', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    await log.append(batchOf(1, 100)).written;
    const calls: (Error | null)[] = [];
    log.appendAndNotify(batchOf(1, 100), (err) => {
      calls.push(err);
      throw new Error('a buggy appender');
    });
    const next = log.append(batchOf(2, 100));
    await next.written;
    assert.deepEqual(calls, [null]);
    assert.equal(log.highWatermark, 4);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('after the log fails with a pool write in flight, drain waits for that write, not only for the failed queue', async () => {
  const dir = tmpDir();
  const writev = fs.writev;
  const held: (() => void)[] = [];
  try {
    const log = await openLog(dir);
    await log.append(batchOf(1, 100)).written;
    setInlineLogWrites(false);
    (fs as { writev: unknown }).writev = function (fd: number, bufs: Buffer[], pos: number, cb: (...a: unknown[]) => void) {
      writev(fd, bufs, pos, (...args: unknown[]) => held.push(() => cb(...args)));
    };
    const inFlight = log.append(batchOf(1, 100));
    while (held.length === 0) await new Promise((r) => setImmediate(r));
    const queued = log.append(batchOf(1, 100));
    // What a failed background fsync does (Log.fail is how every I/O error takes a log offline).
    (log as unknown as { fail(e: Error): Error }).fail(new Error('EIO: fsync failed'));
    await assert.rejects(queued.written, /I\/O error/);
    let drained = false;
    const drain = (log as unknown as { drain(): Promise<void> }).drain().then(() => (drained = true));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(drained, false, 'drain resolved while a write was still in flight');
    held[0]!();
    await inFlight.written;
    await drain;
    assert.equal(drained, true);
  } finally {
    (fs as { writev: unknown }).writev = writev;
    setInlineLogWrites(true);
    rmDir(dir);
  }
});
