import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ProducerStateManager, incrementSequence } from '../../../src/storage/producer-state-manager.js';
import { LogProducerState } from '../../../src/storage/log-producer-state.js';
import { decodeSnapshot, encodeSnapshot, listSnapshots, snapshotPath } from '../../../src/storage/producer-snapshot.js';
import { decodeTransactionIndex, encodeAbortedTxn, transactionIndexPath } from '../../../src/storage/transaction-index.js';
import { Log } from '../../../src/storage/log.js';
import { buildBatch } from '../../../src/protocol/records/batch.js';
import { buildEndTxnMarker, readEndTxnMarker } from '../../../src/protocol/records/control.js';
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.js';
import { appendToState, config, rmDir, tmpDir } from './helpers.js';

const EXPIRY = 86_400_000;

async function batch(pid: number, epoch: number, seq: number, count = 1, opts: { transactional?: boolean; ts?: number } = {}): Promise<Buffer> {
  const ts = opts.ts ?? Date.now();
  return buildBatch(
    Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${seq + i}`), timestamp: ts })),
    { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: opts.transactional },
  );
}

/** Analyse + apply as the log would, with offsets handed out from `next`. */
function appendTo(psm: ProducerStateManager, buf: Buffer, next: { offset: number }, origin: 'client' | 'coordinator' | 'replication' = 'client') {
  const a = psm.analyzeAppend(buf, next.offset, origin);
  if (a?.duplicate) return { duplicate: a.duplicate };
  const first = next.offset;
  next.offset += buf.readInt32BE(23) + 1;
  const completed = a ? psm.applyAppend(a, next.offset) : [];
  return { duplicate: null, first, completed };
}

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
  return 0;
}

test('sequences: in order accepted, duplicates of the last 5 batches answered with their offsets, older ones out of order', async () => {
  const psm = new ProducerStateManager('t-0');
  const next = { offset: 100 };
  const firsts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const r = appendTo(psm, await batch(7, 0, i * 3, 3), next);
    assert.equal(r.duplicate, null);
    firsts.push(r.first!);
  }
  assert.deepEqual(firsts, [100, 103, 106, 109, 112, 115, 118]);
  assert.equal(psm.producers.get(7)!.batches.length, 5);
  // Retries of each of the last 5 batches: duplicates, answered with the original first offset.
  for (let i = 2; i < 7; i++) {
    const r = appendTo(psm, await batch(7, 0, i * 3, 3), next);
    assert.ok(r.duplicate, `batch ${i} is a duplicate`);
    assert.equal(r.duplicate!.firstOffset, firsts[i]);
    assert.equal(r.duplicate!.lastOffset, firsts[i]! + 2);
  }
  assert.equal(next.offset, 121, 'duplicates take no offsets');
  // Older than the last 5: out of order.
  const old = await batch(7, 0, 3, 3);
  assert.equal(code(() => psm.analyzeAppend(old, next.offset, 'client')), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  // A same-start batch with a different range is not a duplicate either.
  const overlap = await batch(7, 0, 18, 2);
  assert.equal(code(() => psm.analyzeAppend(overlap, next.offset, 'client')), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('gaps, stale epochs, new epochs, unknown producers', async () => {
  const psm = new ProducerStateManager('t-0');
  const next = { offset: 0 };
  appendTo(psm, await batch(1, 3, 0, 2), next);
  // gap
  assert.equal(code(() => psm.analyzeAppend(Buffer.from([]), 0, 'client')), 0);
  const gap = await batch(1, 3, 5);
  assert.equal(code(() => psm.analyzeAppend(gap, next.offset, 'client')), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  // older epoch
  const stale = await batch(1, 2, 2);
  assert.equal(code(() => psm.analyzeAppend(stale, next.offset, 'client')), ErrorCode.INVALID_PRODUCER_EPOCH);
  // newer epoch must start at 0
  const bumped = await batch(1, 4, 2);
  assert.equal(code(() => psm.analyzeAppend(bumped, next.offset, 'client')), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  const fresh = await batch(1, 4, 0);
  assert.equal(appendTo(psm, fresh, next).duplicate, null);
  assert.equal(psm.producers.get(1)!.producerEpoch, 4);
  assert.equal(psm.producers.get(1)!.batches.length, 1, 'a new epoch forgets the old batches');
  // An unknown producer may start anywhere (KIP-360; its state may have expired).
  assert.equal(appendTo(psm, await batch(2, 0, 42), next).duplicate, null);
  // Replication and coordinator appends skip the sequence checks, not the epoch check.
  const gap2 = await batch(1, 4, 10);
  assert.equal(code(() => psm.analyzeAppend(gap2, next.offset, 'coordinator')), 0);
  const stale2 = await batch(1, 1, 10);
  assert.equal(code(() => psm.analyzeAppend(stale2, next.offset, 'coordinator')), ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(code(() => psm.analyzeAppend(stale2, next.offset, 'replication')), 0);
  // Batches without a producer id change nothing.
  const plain = await buildBatch([{ value: Buffer.from('x') }]);
  assert.equal(psm.analyzeAppend(plain, next.offset, 'client'), null);
});

test('sequence numbers wrap at 2^31-1', async () => {
  assert.equal(incrementSequence(0x7fffffff, 1), 0);
  assert.equal(incrementSequence(0x7ffffffe, 3), 1);
  const psm = new ProducerStateManager('t-0');
  const next = { offset: 0 };
  appendTo(psm, await batch(5, 0, 0x7ffffffe, 2), next); // 0x7ffffffe..0x7fffffff
  assert.equal(appendTo(psm, await batch(5, 0, 0, 1), next).duplicate, null);
  // A batch whose range wraps is matched as a duplicate too.
  const psm2 = new ProducerStateManager('t-0');
  const n2 = { offset: 0 };
  appendTo(psm2, await batch(5, 0, 0x7ffffffe, 3), n2); // ..0
  assert.equal(psm2.producers.get(5)!.lastSeq, 0);
  assert.ok(appendTo(psm2, await batch(5, 0, 0x7ffffffe, 3), n2).duplicate);
});

test('transactions: open, INVALID_TXN_STATE, markers, last stable offset, coordinator fencing', async () => {
  const psm = new ProducerStateManager('t-0');
  const next = { offset: 0 };
  appendTo(psm, await batch(1, 0, 0, 2), next); // 0-1 plain idempotent
  appendTo(psm, await batch(9, 0, 0, 3, { transactional: true }), next); // 2-4 txn of 9
  assert.equal(psm.lastStableOffset(5), 2);
  assert.equal(psm.lastStableOffset(1), 1, 'never above the high watermark');
  appendTo(psm, await batch(8, 0, 0, 1, { transactional: true }), next); // 5 txn of 8
  const nonTxn = await batch(9, 0, 3);
  assert.equal(code(() => psm.analyzeAppend(nonTxn, next.offset, 'client')), ErrorCode.INVALID_TXN_STATE);
  // Abort 9's transaction (marker at 6): the LSO moves to 8's transaction.
  const abort = buildEndTxnMarker({ producerId: 9, producerEpoch: 0, coordinatorEpoch: 3, commit: false, timestamp: Date.now() });
  assert.deepEqual(readEndTxnMarker(abort), { type: 0, coordinatorEpoch: 3 });
  const r = appendTo(psm, abort, next, 'coordinator');
  assert.deepEqual(r.completed, [{ producerId: 9, firstOffset: 2, lastOffset: 6, isAborted: true, lastStableOffset: 5 }]);
  assert.equal(psm.lastStableOffset(7), 5);
  // While the marker is not readable yet (high watermark at or below it), the aborted transaction still holds the LSO.
  const commit = buildEndTxnMarker({ producerId: 8, producerEpoch: 0, coordinatorEpoch: 3, commit: true, timestamp: Date.now() });
  const r2 = appendTo(psm, commit, next, 'coordinator'); // 7
  assert.deepEqual(r2.completed, [{ producerId: 8, firstOffset: 5, lastOffset: 7, isAborted: false, lastStableOffset: 8 }]);
  assert.equal(psm.lastStableOffset(7), 5);
  assert.equal(psm.lastStableOffset(8), 8);
  // A marker from an older coordinator epoch is fenced.
  appendTo(psm, await batch(9, 0, 3, 1, { transactional: true }), next);
  const zombie = buildEndTxnMarker({ producerId: 9, producerEpoch: 0, coordinatorEpoch: 2, commit: true, timestamp: Date.now() });
  assert.equal(code(() => psm.analyzeAppend(zombie, next.offset, 'coordinator')), ErrorCode.TRANSACTION_COORDINATOR_FENCED);
  // A marker with a bumped epoch (fencing abort) ends it and moves the producer's epoch.
  const fence = buildEndTxnMarker({ producerId: 9, producerEpoch: 1, coordinatorEpoch: 3, commit: false, timestamp: Date.now() });
  appendTo(psm, fence, next, 'coordinator');
  assert.equal(psm.producers.get(9)!.producerEpoch, 1);
  assert.equal(psm.hasOngoingTransaction(9), false);
  // Verification: a transactional batch that would open a transaction asks the coordinator.
  const opener = await batch(9, 1, 0, 1, { transactional: true });
  assert.equal(code(() => psm.analyzeAppend(opener, next.offset, 'client', () => ErrorCode.INVALID_TXN_STATE)), ErrorCode.INVALID_TXN_STATE);
  assert.equal(code(() => psm.analyzeAppend(opener, next.offset, 'client', () => 0)), 0);
});

test('expiry: idle producers without a transaction are forgotten', async () => {
  const psm = new ProducerStateManager('t-0');
  const next = { offset: 0 };
  appendTo(psm, await batch(1, 0, 0, 1, { ts: 1000 }), next);
  appendTo(psm, await batch(2, 0, 0, 1, { ts: 1000, transactional: true }), next);
  appendTo(psm, await batch(3, 0, 0, 1, { ts: 5000 }), next);
  assert.equal(psm.removeExpiredProducers(6000, 4000), 1);
  assert.deepEqual([...psm.producers.keys()].sort(), [2, 3]);
});

test('snapshot format: Kafka layout, CRC checked, several batches per producer, Kafka single-entry files read', async () => {
  const psm = new ProducerStateManager('t-0');
  const next = { offset: 10 };
  for (let i = 0; i < 6; i++) appendTo(psm, await batch(77, 2, i * 2, 2), next);
  appendTo(psm, await batch(78, 0, 0, 1, { transactional: true }), next);
  const buf = encodeSnapshot(psm.snapshotEntries());
  assert.equal(buf.readInt16BE(0), 1, 'version 1');
  assert.equal(buf.readInt32BE(6), 6, '5 batch entries for 77 + 1 for 78');
  assert.equal(buf.length, 2 + 4 + 4 + 6 * 46);
  const entries = decodeSnapshot(buf);
  const copy = new ProducerStateManager('t-0');
  copy.loadSnapshot(entries, next.offset, Date.now(), EXPIRY);
  assert.deepEqual(copy.producers.get(77)!.batches, psm.producers.get(77)!.batches);
  assert.equal(copy.producers.get(78)!.currentTxnFirstOffset, 22);
  assert.equal(copy.lastStableOffset(100), 22);
  // Kafka writes one entry per producer: read as a producer with one batch.
  const kafkaStyle = encodeSnapshot([{ producerId: 5, epoch: 1, lastSequence: 9, lastOffset: 40, offsetDelta: 4, timestamp: Date.now(), coordinatorEpoch: -1, currentTxnFirstOffset: -1 }]);
  const k = new ProducerStateManager('t-0');
  k.loadSnapshot(decodeSnapshot(kafkaStyle), 41, Date.now(), EXPIRY);
  assert.deepEqual(
    k.producers.get(5)!.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset]),
    [[5, 9, 36, 40]],
  );
  const bad = Buffer.from(buf);
  bad[bad.length - 1]! ^= 1;
  assert.throws(() => decodeSnapshot(bad), /CRC/);
});

test('aborted transaction index entries are Kafka AbortedTxn records (34 bytes)', () => {
  const b = encodeAbortedTxn({ producerId: 3, firstOffset: 10, lastOffset: 20, lastStableOffset: 21 });
  assert.equal(b.length, 34);
  assert.equal(b.readInt16BE(0), 0);
  assert.deepEqual(decodeTransactionIndex(Buffer.concat([b, b.subarray(0, 10)])), [{ producerId: 3, firstOffset: 10, lastOffset: 20, lastStableOffset: 21 }]);
});

async function openState(dir: string, clean: boolean, overrides = {}) {
  const log = await Log.open(path.join(dir, 't-0'), 't', 0, config(overrides), { hadCleanShutdown: clean });
  const state = await LogProducerState.load(log, { producerIdExpirationMs: EXPIRY });
  return { log, state };
}

test('LogProducerState: duplicates are recognised after a clean restart (snapshot at close)', async () => {
  const dir = tmpDir();
  try {
    let { log, state } = await openState(dir, true);
    const firsts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = appendToState(state, await batch(11, 0, i * 2, 2), 'client');
      assert.equal(r.duplicate, null);
      if (!r.duplicate) {
        firsts.push(r.firstOffset);
        await r.written;
      }
    }
    await state.close();
    await log.close();
    assert.deepEqual(listSnapshots(log.dir), [10]);
    ({ log, state } = await openState(dir, true));
    for (let i = 0; i < 5; i++) {
      const r = appendToState(state, await batch(11, 0, i * 2, 2), 'client');
      assert.ok(r.duplicate, `batch ${i} recognised after restart`);
      assert.equal(r.duplicate!.firstOffset, firsts[i]);
    }
    assert.equal(log.logEndOffset, 10);
    const gap = await batch(11, 0, 12, 1);
    assert.throws(() => appendToState(state, gap, 'client'), (e: KafkaError) => e.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    await state.close();
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('LogProducerState: snapshots at segment rolls; after a crash the state is rebuilt from the last one and the log', async () => {
  const dir = tmpDir();
  try {
    let { log, state } = await openState(dir, true, { segmentBytes: 300 });
    const firsts: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = appendToState(state, await batch(21, 0, i, 1), 'client');
      if (r.duplicate) assert.fail('no duplicate expected');
      firsts.push(r.firstOffset);
      await r.written;
    }
    // One transaction left open and one aborted, to rebuild too.
    const t = appendToState(state, await batch(22, 0, 0, 2, { transactional: true }), 'client');
    assert.equal(t.duplicate, null);
    const t2 = appendToState(state, await batch(23, 0, 0, 1, { transactional: true }), 'client');
    const ab = appendToState(state, buildEndTxnMarker({ producerId: 23, producerEpoch: 0, coordinatorEpoch: 0, commit: false, timestamp: Date.now() }), 'coordinator');
    if (ab.duplicate || t2.duplicate) assert.fail();
    await ab.written;
    await state.aborted.flush();
    await state.snapshotsWritten();
    assert.ok(log.numberOfSegments > 2);
    const snaps = listSnapshots(log.dir);
    assert.ok(snaps.length >= 1 && snaps.length <= 2, `snapshots ${snaps}`);
    // "Crash": no close, no snapshot at the end.
    await log.closeHandles();
    ({ log, state } = await openState(dir, false, { segmentBytes: 300 }));
    for (let i = 7; i < 12; i++) {
      const r = appendToState(state, await batch(21, 0, i, 1), 'client');
      assert.ok(r.duplicate, `batch ${i} recognised after the crash`);
      assert.equal(r.duplicate!.firstOffset, firsts[i]);
    }
    assert.equal(state.producers.hasOngoingTransaction(22), true);
    assert.equal(state.lastStableOffset(), 12);
    const abortedEntries = decodeTransactionIndex(fs.readFileSync(transactionIndexPath(log.dir, log.segmentBaseOffsets().at(-1)!)));
    assert.equal(abortedEntries.length, 1, 'the abort is indexed once, not again by the replay');
    assert.deepEqual(state.abortedTransactions(0, 100), [{ producerId: 23, firstOffset: 14 }]);
    assert.deepEqual(state.abortedTransactions(16, 100), []);
    await state.close();
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('LogProducerState: a snapshot beyond the log end (its data lost in a crash) is discarded', async () => {
  const dir = tmpDir();
  try {
    let { log, state } = await openState(dir, true);
    for (let i = 0; i < 3; i++) {
      const r = appendToState(state, await batch(31, 0, i, 1), 'client');
      if (!r.duplicate) await r.written;
    }
    await state.close();
    await log.close();
    // A stray snapshot at offset 50 claims seq 49 was written.
    const fake = encodeSnapshot([{ producerId: 31, epoch: 0, lastSequence: 49, lastOffset: 49, offsetDelta: 0, timestamp: Date.now(), coordinatorEpoch: -1, currentTxnFirstOffset: -1 }]);
    fs.writeFileSync(snapshotPath(log.dir, 50), fake);
    ({ log, state } = await openState(dir, false));
    assert.equal(fs.existsSync(snapshotPath(log.dir, 50)), false);
    assert.equal(state.producers.producers.get(31)!.lastSeq, 2);
    const r = appendToState(state, await batch(31, 0, 3, 1), 'client');
    assert.equal(r.duplicate, null);
    await state.close();
    await log.close();
  } finally {
    rmDir(dir);
  }
});
