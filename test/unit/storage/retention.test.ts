import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Log } from '../../../src/storage/log.js';
import { LogManager } from '../../../src/storage/log-manager.js';
import { randomUuid } from '../../../src/storage/meta-properties.js';
import type { LogConfig } from '../../../src/storage/log-config.js';
import { batchOf, config, rmDir, tmpDir } from './helpers.js';

const T0 = 1_700_000_000_000;

async function openLog(dir: string, overrides: Partial<LogConfig> = {}) {
  return Log.open(path.join(dir, 't-0'), 't', 0, config({ segmentBytes: 1000, fileDeleteDelayMs: 0, ...overrides }), { hadCleanShutdown: true });
}

/** Appends `n` batches of 3 records with timestamp `ts`; about two batches fit a 1000-byte segment. */
async function fill(log: Log, n: number, ts: number): Promise<void> {
  for (let i = 0; i < n; i++) await log.append(batchOf(3, 100, 'v', ts)).written;
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('retention.ms deletes closed segments whose largest timestamp is older, oldest first; reads below fail', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { retentionMs: 60_000 });
    await fill(log, 6, T0); // old: offsets 0..17
    await fill(log, 4, T0 + 100_000); // new: offsets 18..29
    const before = log.segmentBaseOffsets();
    assert.ok(before.length >= 5, `segments: ${before}`);
    const n = await log.deleteOldSegments(T0 + 100_000 + 1000);
    assert.ok(n >= 2);
    assert.equal(log.logStartOffset, 18);
    assert.equal(log.segmentBaseOffsets()[0], 18);
    const r = await log.read(0, 1 << 20, { minOneBatch: true });
    assert.equal(r.outOfRange, true);
    const ok = await log.read(18, 1 << 20, { minOneBatch: true });
    assert.equal(ok.outOfRange, false);
    // Nothing more is old enough.
    assert.equal(await log.deleteOldSegments(T0 + 100_000 + 1000), 0);
    await waitFor(() => !fs.readdirSync(log.dir).some((f) => f.endsWith('.deleted')));
    assert.ok(!fs.existsSync(path.join(log.dir, '00000000000000000000.log')));
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('retention.ms=-1 keeps everything; cleanup.policy=compact alone never deletes by time or size', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { retentionMs: -1 });
    await fill(log, 6, T0);
    const segs = log.numberOfSegments;
    assert.equal(await log.deleteOldSegments(T0 + 10 * 365 * 86400_000), 0);
    log.config = { ...log.config, retentionMs: 1, retentionBytes: 1, compact: true, delete: false };
    assert.equal(await log.deleteOldSegments(T0 + 10 * 365 * 86400_000), 0);
    assert.equal(log.numberOfSegments, segs);
    assert.equal(log.logStartOffset, 0);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('retention.bytes deletes oldest segments while the log stays above the limit', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { retentionMs: -1 });
    await fill(log, 10, T0);
    const sizes = log.logSegments().map((s) => s.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    // Keep about half.
    const limit = Math.floor(total / 2);
    log.config = { ...log.config, retentionBytes: limit };
    const n = await log.deleteOldSegments(T0);
    assert.ok(n > 0);
    const left = log.logSegments().reduce((a, s) => a + s.size, 0);
    assert.ok(left <= total - n * sizes[0]! + 1);
    // Kafka's rule: removing one more segment would take the log below the limit.
    assert.ok(left - log.logSegments()[0]!.size < limit, `left ${left} limit ${limit}`);
    assert.equal(log.logStartOffset, log.segmentBaseOffsets()[0]);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('when every segment has expired the log rolls: the new active segment stays, the log start moves to the end', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { retentionMs: 10_000, segmentBytes: 1 << 20 });
    await fill(log, 3, T0);
    assert.equal(log.numberOfSegments, 1, 'one active segment holds everything');
    const n = await log.deleteOldSegments(T0 + 20_000);
    assert.equal(n, 1);
    assert.equal(log.numberOfSegments, 1);
    assert.equal(log.segmentBaseOffsets()[0], 9);
    assert.equal(log.logStartOffset, 9);
    assert.equal(log.logEndOffset, 9);
    const r = await log.read(0, 1 << 20, { minOneBatch: true });
    assert.equal(r.outOfRange, true);
    // Appends continue at the same offsets.
    const a = log.append(batchOf(1, 10, 'n', T0 + 20_000));
    await a.written;
    assert.equal(a.firstOffset, 9);
    // The active segment is never deleted while it holds unexpired data.
    assert.equal(await log.deleteOldSegments(T0 + 20_001), 0);
    await log.close();
    const again = await openLog(dir, { retentionMs: 10_000 });
    assert.equal(again.logStartOffset, 9);
    assert.equal(again.logEndOffset, 10);
    await again.close();
  } finally {
    rmDir(dir);
  }
});

test('deleted segments are renamed .deleted and removed after file.delete.delay.ms', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { retentionMs: 1000, fileDeleteDelayMs: 300 });
    await fill(log, 4, T0);
    await fill(log, 2, T0 + 100_000);
    await log.deleteOldSegments(T0 + 100_000);
    const files = fs.readdirSync(log.dir);
    assert.ok(files.includes('00000000000000000000.log.deleted'), files.join(' '));
    assert.ok(!files.includes('00000000000000000000.log'));
    await waitFor(() => !fs.readdirSync(log.dir).some((f) => f.endsWith('.deleted')));
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('a retention change (AlterConfigs) applies at the next check without reopening the log', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir, { retentionMs: 7 * 86400_000 });
    await fill(log, 6, T0);
    await fill(log, 1, T0 + 50_000);
    assert.equal(await log.deleteOldSegments(T0 + 60_000), 0);
    log.config = { ...log.config, retentionMs: 5_000 };
    assert.ok((await log.deleteOldSegments(T0 + 52_000)) > 0);
    assert.equal(log.logStartOffset, 18);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('DeleteRecords: log start moves at once, reads below fail, whole segments below are removed', async () => {
  const dir = tmpDir();
  try {
    const log = await openLog(dir);
    await fill(log, 6, T0);
    const firstSegs = log.segmentBaseOffsets();
    assert.equal(await log.deleteRecordsBefore(7), 7);
    assert.equal(log.logStartOffset, 7);
    assert.equal((await log.read(6, 1 << 20, { minOneBatch: true })).outOfRange, true);
    const r = await log.read(7, 1 << 20, { minOneBatch: true });
    assert.equal(r.outOfRange, false);
    // Segments entirely below 7 are gone, the one holding 7 stays.
    const segs = log.segmentBaseOffsets();
    assert.ok(segs[0]! <= 7 && (segs[1] ?? Infinity) > 7, `${firstSegs} -> ${segs}`);
    assert.ok(segs.length < firstSegs.length);
    // Lower offsets do not move it back; beyond the high watermark is refused.
    assert.equal(await log.deleteRecordsBefore(3), 7);
    await assert.rejects(log.deleteRecordsBefore(log.highWatermark + 1), /outside/);
    // Up to the high watermark empties the log (the active segment rolls).
    assert.equal(await log.deleteRecordsBefore(log.highWatermark), 18);
    assert.equal(log.numberOfSegments, 1);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('LogManager retention task: deletes on schedule, checkpoints the log start offset, survives restart', async () => {
  const dir = tmpDir();
  try {
    const cfg = config({ segmentBytes: 1000, fileDeleteDelayMs: 0, retentionMs: 1000 });
    const mgr = await LogManager.open({ logDirs: [dir], nodeId: 1, defaultConfig: cfg, checkpointIntervalMs: 0 });
    const log = await mgr.createLog('t', 0, randomUuid(), cfg);
    const old = Date.now() - 60_000;
    await fill(log, 6, old);
    await fill(log, 1, Date.now() + 3_600_000); // a fresh batch keeps the active segment
    mgr.startBackgroundTasks({ retentionCheckIntervalMs: 50, cleanerEnable: false, cleanerBackoffMs: 1000 });
    await waitFor(() => log.logStartOffset === 18);
    // DeleteRecords inside the remaining segment: the start-offset checkpoint carries it over a restart.
    await log.deleteRecordsBefore(19);
    await mgr.checkpoint();
    const text = fs.readFileSync(path.join(dir, 'log-start-offset-checkpoint'), 'utf8');
    assert.match(text, /^0\n1\nt 0 19\n$/);
    await mgr.close();
    const again = await LogManager.open({ logDirs: [dir], nodeId: 1, defaultConfig: cfg, checkpointIntervalMs: 0 });
    assert.equal(again.getLog('t', 0)!.logStartOffset, 19);
    await again.close();
  } finally {
    rmDir(dir);
  }
});
