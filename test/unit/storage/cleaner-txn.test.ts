// Transaction-aware cleaning (Kafka's LogCleaner with CleanedTransactionMetadata),
// delete horizons kept across a restart, the I/O throttle and the worker's priority.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Log } from '../../../src/storage/log.js';
import { LogCleaner } from '../../../src/storage/log-cleaner.js';
import { LogProducerState } from '../../../src/storage/log-producer-state.js';
import { CleanedTxnMetadata } from '../../../src/storage/cleaner-txn.js';
import { Pacer, Throttler } from '../../../src/storage/cleaner-throttle.js';
import { threadNice } from '../../../src/storage/cleaner-worker.js';
import type { LogConfig } from '../../../src/storage/log-config.js';
import { buildBatch, decodeBatches, type DecodedBatch } from '../../../src/protocol/records/batch.js';
import { buildEndTxnMarker } from '../../../src/protocol/records/control.js';
import { decodeTransactionIndex, transactionIndexPath } from '../../../src/storage/transaction-index.js';
import { appendToState, config, rmDir, tmpDir } from './helpers.js';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
const EXPIRY = 7 * DAY;

function compactConfig(o: Partial<LogConfig> = {}): LogConfig {
  return config({
    segmentBytes: 100, // about one batch per segment
    segmentMs: 1e15,
    compact: true,
    delete: false,
    minCleanableDirtyRatio: 0.001,
    fileDeleteDelayMs: 0,
    deleteRetentionMs: DAY,
    ...o,
  });
}

interface Partition {
  log: Log;
  state: LogProducerState;
  seq: Map<number, number>;
}

async function open(dir: string, o: Partial<LogConfig> = {}): Promise<Partition> {
  const log = await Log.open(path.join(dir, 'txn-0'), 'txn', 0, compactConfig(o), { hadCleanShutdown: true });
  const state = await LogProducerState.load(log, { producerIdExpirationMs: EXPIRY, now: T0 });
  return { log, state, seq: new Map() };
}

async function close(p: Partition): Promise<void> {
  await p.state.close();
  await p.log.close();
}

type KV = [string, string | null];

/** Appends one batch: plain (pid -1), idempotent, or transactional (`txn`). */
async function put(p: Partition, kvs: KV[], o: { pid?: number; txn?: boolean; ts?: number } = {}): Promise<void> {
  const pid = o.pid ?? -1;
  const seq = p.seq.get(pid) ?? 0;
  if (pid >= 0) p.seq.set(pid, seq + kvs.length);
  const b = await buildBatch(
    kvs.map(([k, v]) => ({ key: Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: o.ts ?? T0 })),
    pid >= 0 ? { producerId: pid, producerEpoch: 0, baseSequence: seq, transactional: o.txn } : {},
  );
  const r = appendToState(p.state, b, 'client');
  if (r.duplicate) throw new Error('duplicate');
  await r.written;
}

async function marker(p: Partition, pid: number, commit: boolean, ts = T0): Promise<void> {
  const r = appendToState(p.state, buildEndTxnMarker({ producerId: pid, producerEpoch: 0, coordinatorEpoch: 0, commit, timestamp: ts }), 'coordinator');
  if (r.duplicate) throw new Error('duplicate');
  await r.written;
}

async function batches(log: Log): Promise<DecodedBatch[]> {
  const out: DecodedBatch[] = [];
  let at = log.logStartOffset;
  while (at < log.highWatermark) {
    const r = await log.read(at, 1 << 24, { minOneBatch: true });
    if (r.outOfRange || r.records.length === 0) break;
    for (const b of await decodeBatches(Buffer.concat(r.records))) {
      if (b.baseOffset + b.lastOffsetDelta < at) continue;
      out.push(b);
      at = b.baseOffset + b.lastOffsetDelta + 1;
    }
  }
  return out;
}

/** What a read_uncommitted consumer gets: data records (markers skipped), as "offset:key=value". */
async function dataRecords(log: Log): Promise<string[]> {
  const out: string[] = [];
  for (const b of await batches(log)) {
    if (b.isControl) continue;
    for (const r of b.records) out.push(`${r.offset}:${r.key}=${r.value === null ? 'null' : r.value.toString()}`);
  }
  return out;
}

/** Batches as short strings: "C<offset>"/"A<offset>" for markers, "E<offset>" for an empty batch, "D<offset>" for data. */
async function shape(log: Log): Promise<string[]> {
  return (await batches(log)).map((b) => {
    if (b.isControl) return `${b.records.length === 0 ? 'E' : b.records[0]!.key!.readInt16BE(2) === 1 ? 'C' : 'A'}${b.baseOffset}`;
    return `${b.records.length === 0 ? 'E' : 'D'}${b.baseOffset}`;
  });
}

function cleanerFor(log: Log, dir: string, now: () => number): LogCleaner {
  return new LogCleaner({ logDirs: [dir], logs: () => [{ log, logDir: dir }], backoffMs: 100000, now, useWorker: false });
}

/** One cleaning of the whole cleanable range, dirty or not (the cleaner's forced pass). */
async function pass(cleaner: LogCleaner, log: Log, dir: string): Promise<void> {
  const c = await cleaner.cleanable(log, dir);
  assert.ok(c);
  await cleaner.clean({ ...c, tombstonesOnly: true });
}

test('aborted records are removed, committed ones compacted; the last batch of each active producer stays (emptied)', async () => {
  const dir = tmpDir();
  try {
    const p = await open(dir);
    await put(p, [['k1', 'a1'], ['k2', 'a2']], { pid: 1, txn: true }); // 0-1
    await marker(p, 1, true); // 2 COMMIT
    await put(p, [['k1', 'bad'], ['k3', 'bad']], { pid: 2, txn: true }); // 3-4
    await marker(p, 2, false); // 5 ABORT
    await put(p, [['k2', 'plain']]); // 6
    await put(p, [['tail', 'active']]); // 7, active segment
    assert.equal(p.state.lastStableOffset(), 8);
    const cleaner = cleanerFor(p.log, dir, () => T0);
    assert.equal(await cleaner.cleanOnce(), true);
    // k1's committed value survives: the aborted k1=bad was not taken as k1's latest.
    assert.deepEqual(await dataRecords(p.log), ['0:k1=a1', '6:k2=plain', '7:tail=active']);
    // Producer 2's last batch (the aborted one) stays as an empty batch, so its sequence
    // survives; both markers stay because this pass saw data of their transactions.
    assert.deepEqual(await shape(p.log), ['D0', 'C2', 'E3', 'A5', 'D6', 'D7']);
    const empty = (await batches(p.log)).find((b) => b.baseOffset === 3)!;
    assert.deepEqual([empty.producerId, empty.producerEpoch, empty.baseSequence, empty.lastOffsetDelta, empty.isTransactional], [2, 0, 0, 1, true]);
    // The ABORT entry moved to the .txnindex of the cleaned segment holding its marker.
    const bases = p.log.segmentBaseOffsets();
    const holder = bases.filter((b) => b <= 5).at(-1)!;
    const idx = decodeTransactionIndex(fs.readFileSync(transactionIndexPath(p.log.dir, holder)));
    assert.deepEqual(idx.map((t) => [t.producerId, t.firstOffset, t.lastOffset]), [[2, 3, 5]]);
    for (const b of bases) if (b !== holder) assert.equal(fs.existsSync(transactionIndexPath(p.log.dir, b)), false);
    // The producer's sequence survived: its next batch follows on.
    await put(p, [['k4', 'next']], { pid: 2 });
    await close(p);
  } finally {
    rmDir(dir);
  }
});

test('after an aborted transaction, the same producer\'s committed transaction counts in the offset map', async () => {
  const dir = tmpDir();
  try {
    const p = await open(dir);
    await put(p, [['a', 'c1'], ['b', 'c1']], { pid: 1, txn: true }); // 0-1
    await marker(p, 1, true); // 2
    await put(p, [['a', 'bad']], { pid: 1, txn: true }); // 3
    await marker(p, 1, false); // 4 ABORT
    await put(p, [['b', 'c2']], { pid: 1, txn: true }); // 5
    await marker(p, 1, true); // 6
    await put(p, [['a', 'bad2']], { pid: 1, txn: true }); // 7
    await marker(p, 1, false); // 8 ABORT
    await put(p, [['tail', 'x']]); // 9
    assert.equal(await cleanerFor(p.log, dir, () => T0).cleanOnce(), true);
    assert.deepEqual(await dataRecords(p.log), ['0:a=c1', '5:b=c2', '9:tail=x']);
    await close(p);
  } finally {
    rmDir(dir);
  }
});

test('markers stay while data of their transaction remains, then get a delete horizon and go after delete.retention.ms', async () => {
  const dir = tmpDir();
  try {
    let now = T0;
    const p = await open(dir, { deleteRetentionMs: 10_000 });
    await put(p, [['k1', 'a1']], { pid: 1, txn: true }); // 0
    await marker(p, 1, true); // 1 COMMIT
    await put(p, [['k9', 'bad']], { pid: 2, txn: true }); // 2
    await marker(p, 2, false); // 3 ABORT
    await put(p, [['k1', 'plain']]); // 4: k1's committed value is superseded
    await put(p, [['tail', 'active']]); // 5
    // Producers gone (producer.id.expiration.ms): nothing to keep for their state.
    p.state.maintain(T0 + 2 * EXPIRY, EXPIRY);
    const cleaner = cleanerFor(p.log, dir, () => now);
    await pass(cleaner, p.log, dir);
    // Pass 1 saw both transactions' data (and removed it): their markers stay, as is.
    assert.deepEqual(await shape(p.log), ['C1', 'A3', 'D4', 'D5']);
    assert.equal((await batches(p.log)).some((b) => b.isControl && b.baseTimestamp !== T0), false);
    await pass(cleaner, p.log, dir);
    // Pass 2: no data of either transaction left, so the markers may go: they get a horizon.
    const ms = (await batches(p.log)).filter((b) => b.isControl);
    assert.deepEqual(ms.map((b) => b.baseTimestamp), [T0 + 10_000, T0 + 10_000]);
    const raw = await p.log.read(1, 1 << 20, { minOneBatch: true });
    if (raw.outOfRange) throw new Error('range');
    assert.ok((Buffer.concat(raw.records).readInt16BE(21) & 0x40) !== 0, 'attribute bit 6 (delete horizon) set');
    now = T0 + 9_999;
    await pass(cleaner, p.log, dir);
    assert.deepEqual(await shape(p.log), ['C1', 'A3', 'D4', 'D5'], 'kept until the horizon');
    now = T0 + 10_000;
    await pass(cleaner, p.log, dir);
    // The batch before the first uncleanable offset stays (Kafka keeps the round's last batch).
    assert.deepEqual(await shape(p.log), ['D4', 'D5']);
    await close(p);
  } finally {
    rmDir(dir);
  }
});

test('the cleaner never cleans past the last stable offset (an undecided transaction)', async () => {
  const dir = tmpDir();
  try {
    const p = await open(dir);
    await put(p, [['k', 'v0']]); // 0
    await put(p, [['k', 'v1']]); // 1
    await put(p, [['t', 'open']], { pid: 5, txn: true }); // 2: transaction still open
    await put(p, [['k', 'v3']]); // 3
    await put(p, [['k', 'v4']]); // 4
    await put(p, [['tail', 'x']]); // 5
    assert.equal(p.state.lastStableOffset(), 2);
    const cleaner = cleanerFor(p.log, dir, () => T0);
    const c = await cleaner.cleanable(p.log, dir);
    assert.ok(c);
    assert.ok(c.firstUncleanableOffset <= 2, `first uncleanable ${c.firstUncleanableOffset}`);
    assert.equal(await cleaner.cleanOnce(), true);
    // Only [0, 2) was cleaned: v3 and the open transaction are untouched.
    assert.deepEqual(await dataRecords(p.log), ['1:k=v1', '2:t=open', '3:k=v3', '4:k=v4', '5:tail=x']);
    await marker(p, 5, true); // 6 COMMIT: the LSO moves on
    await put(p, [['tail2', 'y']]); // 7
    assert.equal(await cleaner.cleanOnce(), true);
    assert.deepEqual(await dataRecords(p.log), ['2:t=open', '4:k=v4', '5:tail=x', '7:tail2=y']);
    await close(p);
  } finally {
    rmDir(dir);
  }
});

test('delete horizons are written into the batches and honoured after a restart', async () => {
  const dir = tmpDir();
  try {
    const p = await open(dir, { deleteRetentionMs: 60_000 });
    await put(p, [['a', '1']]); // 0
    await put(p, [['a', null]]); // 1 tombstone
    await put(p, [['b', '1']]); // 2
    await put(p, [['tail', 'x']]); // 3
    assert.equal(await cleanerFor(p.log, dir, () => T0).cleanOnce(), true);
    assert.deepEqual(await dataRecords(p.log), ['1:a=null', '2:b=1', '3:tail=x']);
    const tomb = (await batches(p.log)).find((b) => b.baseOffset === 1)!;
    assert.equal(tomb.baseTimestamp, T0 + 60_000);
    assert.equal(tomb.records[0]!.timestamp, T0, 'record timestamps unchanged');
    await close(p);

    // A new process: the cleaner's memory is gone, the horizon is not.
    let now = T0 + 59_999;
    const again = await open(dir, { deleteRetentionMs: 60_000 });
    const cleaner = cleanerFor(again.log, dir, () => now);
    assert.equal(await cleaner.cleanOnce(), false, 'the horizon has not passed');
    assert.deepEqual(await dataRecords(again.log), ['1:a=null', '2:b=1', '3:tail=x']);
    now = T0 + 60_000;
    assert.equal(await cleaner.cleanOnce(), true, 'the horizon read back from the batch header is due');
    assert.deepEqual(await dataRecords(again.log), ['2:b=1', '3:tail=x']);
    await close(again);
  } finally {
    rmDir(dir);
  }
});

test('records kept from a batch keep their bytes: headers, timestamps, offsets; LogAppendTime keeps the batch max timestamp', async () => {
  const dir = tmpDir();
  try {
    const p = await open(dir, { segmentBytes: 1 << 20 });
    const h = (v: string) => [{ key: 'trace', value: Buffer.from(v) }];
    for (const logAppend of [false, true]) {
      const k = (x: string) => Buffer.from(logAppend ? x.toUpperCase() : x);
      const b = await buildBatch(
        [
          { key: k('a'), value: Buffer.from('1'), headers: h('x1'), timestamp: T0 + 1 },
          { key: k('b'), value: Buffer.from('1'), headers: h('x2'), timestamp: T0 + 7 },
          { key: k('a'), value: Buffer.from('2'), headers: h('x3'), timestamp: T0 + 3 },
        ],
        { timestampType: logAppend ? 1 : 0, maxTimestamp: logAppend ? T0 + 50 : undefined },
      );
      await p.log.append(b).written;
    }
    p.log.config = { ...p.log.config, segmentBytes: 1 };
    await put(p, [['z', 'active']]);
    assert.equal(await cleanerFor(p.log, dir, () => T0).cleanOnce(), true);
    const [create, append] = (await batches(p.log)).slice(0, 2);
    assert.deepEqual(
      create!.records.map((r) => [r.offset, r.key!.toString(), r.headers[0]!.value!.toString(), r.timestamp]),
      [[1, 'b', 'x2', T0 + 7], [2, 'a', 'x3', T0 + 3]],
    );
    assert.equal(create!.maxTimestamp, T0 + 7);
    assert.deepEqual(append!.records.map((r) => [r.offset, r.key!.toString(), r.headers[0]!.value!.toString()]), [[4, 'B', 'x2'], [5, 'A', 'x3']]);
    assert.equal(append!.timestampType, 1);
    assert.equal(append!.maxTimestamp, T0 + 50);
    await close(p);
  } finally {
    rmDir(dir);
  }
});

test('CleanedTxnMetadata: a COMMIT marker without data of its transaction in this pass may go; an empty control batch may go', () => {
  const t = new CleanedTxnMetadata([{ producerId: 7, firstOffset: 10, lastOffset: 12, lastStableOffset: 13 }]);
  assert.equal(t.onControl(1, 5, 1), true, 'COMMIT with no data seen');
  assert.equal(t.onBatch(1, true, 6), false);
  assert.equal(t.onControl(1, 7, 1), false, 'COMMIT after data of its transaction');
  assert.equal(t.onBatch(7, true, 11), true, 'aborted');
  assert.equal(t.onBatch(8, false, 11), false, 'not transactional');
  assert.equal(t.onControl(7, 12, 0), false, 'ABORT after data: kept');
  assert.deepEqual(t.kept.map((x) => x.producerId), [7]);
  assert.equal(t.onControl(9, 20, null), true);
});

test('log.cleaner.io.max.bytes.per.second: the throttle sleeps to hold the rate; unlimited by default', async () => {
  let clock = 0;
  const slept: number[] = [];
  const th = new Throttler(1_000_000, () => clock, async (ms) => {
    slept.push(ms);
    clock += ms;
  });
  await th.maybeThrottle(100_000); // within the 300 ms check interval: no check
  assert.deepEqual(slept, []);
  clock = 301;
  await th.maybeThrottle(500_000); // 600 kB in 301 ms at 1 MB/s: 600 ms due, 299 ms left to sleep
  assert.deepEqual(slept, [299]);
  clock += 400;
  await th.maybeThrottle(100_000); // 100 kB in 400 ms: under the rate
  assert.deepEqual(slept, [299]);
  const free = new Throttler(Number.MAX_VALUE, () => clock, async () => assert.fail('slept'));
  assert.equal(free.unlimited, true);
  await free.maybeThrottle(1e12);
});

test('pacing: the cleaner leaves a busy event loop its share of the time, never less than 10% for itself, nothing on an idle one', async () => {
  let clock = 0;
  let load = 0;
  const slept: number[] = [];
  const p = new Pacer(() => load, () => clock, async (ms) => {
    slept.push(Math.round(ms));
    clock += ms;
  });
  clock = 5;
  await p.maybeYield(); // slice shorter than 10 ms: no look at the load
  clock = 20;
  await p.maybeYield(); // idle broker: no pause
  assert.deepEqual(slept, []);
  load = 0.6;
  clock += 20;
  await p.maybeYield(); // 40% duty: 20 ms of work, 30 ms of pause
  assert.deepEqual(slept, [30]);
  load = 1;
  clock += 10;
  await p.maybeYield(); // saturated broker: the cleaner still gets 10%
  assert.deepEqual(slept, [30, 90]);
  assert.equal(Math.round(p.pausedMs), 120);
});

test('the cleaner worker thread runs at nice 19 on Linux, the broker threads are left as they were', { skip: os.platform() !== 'linux' }, async () => {
  const dir = tmpDir();
  try {
    const cleaner = new LogCleaner({ logDirs: [dir], logs: () => [], backoffMs: 100000 });
    const before = os.getPriority();
    const p = await cleaner.workerPriority();
    assert.ok(p.tid !== null && p.tid !== process.pid, `worker tid ${p.tid}`);
    assert.equal(p.nice, 19, `worker nice as it reads it: ${JSON.stringify(p)}`);
    assert.equal(threadNice(p.tid!), 19, '/proc/<pid>/task/<tid>/stat read from the main thread');
    assert.equal(os.getPriority(), before, 'the main thread keeps its priority');
    assert.equal(threadNice(process.pid), before);
    await cleaner.stop();
  } finally {
    rmDir(dir);
  }
});
