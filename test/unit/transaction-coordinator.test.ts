// The transaction coordinator driven with an injected clock (MockTime), an
// in-memory __transaction_state and a recording marker writer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockTime } from '../../src/broker/group-coordinator/time.js';
import { TransactionCoordinator, type TransactionCoordinatorConfig } from '../../src/broker/transaction-coordinator/coordinator.js';
import { ProducerIdManager } from '../../src/broker/transaction-coordinator/producer-id-manager.js';
import type { MarkerWriter, TxnStateLog } from '../../src/broker/transaction-coordinator/transaction-state-topic.js';
import { decodeTxnKey, decodeTxnValue, encodeTxnValue } from '../../src/broker/transaction-coordinator/records.js';
import { tpKey } from '../../src/broker/transaction-coordinator/transaction-metadata.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const PARTITIONS = 3;

class MemoryTxnLog implements TxnStateLog {
  readonly records = new Map<number, { key: Buffer; value: Buffer | null }[]>();
  failWith = 0;
  partitionCount(): number {
    return PARTITIONS;
  }
  isLeader(): boolean {
    return true;
  }
  coordinatorEpoch(): number {
    return 7;
  }
  async append(partition: number, key: Buffer, value: Buffer | null): Promise<number> {
    if (this.failWith) return this.failWith;
    let l = this.records.get(partition);
    if (!l) this.records.set(partition, (l = []));
    l.push({ key, value });
    return 0;
  }
  async *read(partition: number): AsyncIterable<{ key: Buffer | null; value: Buffer | null }> {
    for (const r of this.records.get(partition) ?? []) yield r;
  }
  /** The states written for a transactional id, in order (null for a tombstone). */
  states(id: string): (string | null)[] {
    const out: (string | null)[] = [];
    for (const l of this.records.values()) {
      for (const r of l) {
        const k = decodeTxnKey(r.key);
        if ('transactionalId' in k && k.transactionalId === id) out.push(r.value ? decodeTxnValue(id, r.value).state : null);
      }
    }
    return out;
  }
}

class RecordingMarkers implements MarkerWriter {
  readonly written: { topic: string; partition: number; producerId: number; producerEpoch: number; coordinatorEpoch: number; commit: boolean }[] = [];
  failures = new Map<string, number>();
  /** While set, marker writes wait for it. */
  hold: Promise<void> | null = null;
  async writeMarker(topic: string, partition: number, m: { producerId: number; producerEpoch: number; coordinatorEpoch: number; commit: boolean }): Promise<number> {
    if (this.hold) await this.hold;
    const k = `${topic}-${partition}`;
    const f = this.failures.get(k);
    if (f) {
      this.failures.delete(k);
      return f;
    }
    this.written.push({ topic, partition, ...m });
    return 0;
  }
}

function config(over: Partial<TransactionCoordinatorConfig> = {}): TransactionCoordinatorConfig {
  return {
    transactionStateLogNumPartitions: PARTITIONS,
    transactionalIdExpirationMs: 7 * 24 * 3600 * 1000,
    transactionMaxTimeoutMs: 900_000,
    transactionAbortTimedOutTransactionCleanupIntervalMs: 10_000,
    transactionRemoveExpiredTransactionCleanupIntervalMs: 3_600_000,
    ...over,
  };
}

async function setup(over: Partial<TransactionCoordinatorConfig> = {}, log = new MemoryTxnLog()) {
  const time = new MockTime();
  const markers = new RecordingMarkers();
  let next = 1000;
  const ids = new ProducerIdManager({ allocateProducerIds: async (n: number) => ({ firstProducerId: (next += n) - n, size: n }) });
  const c = new TransactionCoordinator(ids, time, log, markers, () => config(over));
  await c.startup();
  return { c, time, markers, log };
}

const init = (c: TransactionCoordinator, id: string | null, extra: Partial<{ producerId: number; producerEpoch: number; transactionTimeoutMs: number }> = {}) =>
  c.initProducerId({ transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1, ...extra });

test('InitProducerId: idempotent producers get fresh ids; a transactional id gets its id and a bumped epoch each time', async () => {
  const { c, log } = await setup();
  const a = await init(c, null);
  const b = await init(c, null);
  assert.equal(a.errorCode, 0);
  assert.notEqual(a.producerId, b.producerId);
  assert.deepEqual([a.producerEpoch, b.producerEpoch], [0, 0]);
  const t1 = await init(c, 'tx');
  assert.equal(t1.errorCode, 0);
  assert.equal(t1.producerEpoch, 0);
  const t2 = await init(c, 'tx');
  assert.deepEqual([t2.producerId, t2.producerEpoch], [t1.producerId, 1]);
  assert.deepEqual(log.states('tx'), ['Empty', 'Empty']);
  assert.equal((await init(c, '')).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await init(c, 'tx', { transactionTimeoutMs: 900_001 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await init(c, 'tx', { transactionTimeoutMs: 0 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
});

test('InitProducerId with the current producer id and epoch (KIP-360): resume, retry of the last bump, fenced otherwise', async () => {
  const { c } = await setup();
  const t = await init(c, 'tx'); // epoch 0
  const resumed = await init(c, 'tx', { producerId: t.producerId, producerEpoch: 0 });
  assert.deepEqual([resumed.errorCode, resumed.producerEpoch], [0, 1]);
  // The producer did not get that answer and retries with epoch 0: it is the last epoch, same answer.
  const retry = await init(c, 'tx', { producerId: t.producerId, producerEpoch: 0 });
  assert.deepEqual([retry.errorCode, retry.producerEpoch], [0, 1]);
  // A fresh InitProducerId (another instance) bumps and forgets the last epoch: the old one is fenced.
  const other = await init(c, 'tx');
  assert.equal(other.producerEpoch, 2);
  assert.equal((await init(c, 'tx', { producerId: t.producerId, producerEpoch: 1 })).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await init(c, 'tx', { producerId: 424242, producerEpoch: 2 })).errorCode, ErrorCode.PRODUCER_FENCED);
});

test('AddPartitions then EndTxn(commit): PrepareCommit answered, markers to every partition, CompleteCommit; retries and wrong outcomes', async () => {
  const { c, markers, log } = await setup();
  const t = await init(c, 'tx');
  const parts = [tpKey('a', 0), tpKey('a', 1), tpKey('__consumer_offsets', 2)];
  assert.equal(await c.addPartitions('tx', t.producerId, t.producerEpoch, parts.slice(0, 2)), 0);
  assert.equal(await c.addPartitions('tx', t.producerId, t.producerEpoch, parts.slice(2)), 0);
  assert.equal(await c.addPartitions('tx', t.producerId, t.producerEpoch, parts.slice(0, 1)), 0, 'already in: nothing written');
  assert.deepEqual(log.states('tx'), ['Empty', 'Ongoing', 'Ongoing']);
  assert.equal(await c.addPartitions('tx', t.producerId + 1, t.producerEpoch, parts), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await c.addPartitions('tx', t.producerId, t.producerEpoch + 1, parts), ErrorCode.PRODUCER_FENCED);
  assert.equal(await c.addPartitions('nope', t.producerId, t.producerEpoch, parts), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(c.verifyProduce('a', 0, 'tx', t.producerId, t.producerEpoch), 0);
  assert.equal(c.verifyProduce('a', 5, 'tx', t.producerId, t.producerEpoch), ErrorCode.INVALID_TXN_STATE);
  assert.deepEqual(c.verifyPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 1), tpKey('b', 0)]), [0, ErrorCode.INVALID_TXN_STATE]);
  const desc = c.describe('tx');
  assert.equal(desc.transactionState, 'Ongoing');
  assert.deepEqual(desc.topics, [{ topic: '__consumer_offsets', partitions: [2] }, { topic: 'a', partitions: [0, 1] }]);

  assert.equal(await c.endTransaction('tx', t.producerId, t.producerEpoch, true), 0);
  assert.equal(await c.endTransaction('tx', t.producerId, t.producerEpoch, true), ErrorCode.CONCURRENT_TRANSACTIONS, 'markers still being written');
  await c.idle();
  assert.deepEqual(
    markers.written.map((m) => [m.topic, m.partition, m.producerId, m.producerEpoch, m.coordinatorEpoch, m.commit]).sort(),
    [
      ['__consumer_offsets', 2, t.producerId, 0, 7, true],
      ['a', 0, t.producerId, 0, 7, true],
      ['a', 1, t.producerId, 0, 7, true],
    ],
  );
  assert.deepEqual(log.states('tx'), ['Empty', 'Ongoing', 'Ongoing', 'PrepareCommit', 'CompleteCommit']);
  assert.equal(await c.endTransaction('tx', t.producerId, t.producerEpoch, true), 0, 'a retry of a finished commit');
  assert.equal(await c.endTransaction('tx', t.producerId, t.producerEpoch, false), ErrorCode.INVALID_TXN_STATE);
  assert.equal(await c.endTransaction('tx', t.producerId, t.producerEpoch - 1, false), ErrorCode.PRODUCER_FENCED);
  // A new transaction starts from CompleteCommit; ending one that has no partitions is INVALID_TXN_STATE.
  const again = await init(c, 'tx');
  assert.equal(await c.endTransaction('tx', again.producerId, again.producerEpoch, true), ErrorCode.INVALID_TXN_STATE);
});

test('AddPartitions/AddOffsets of the next transaction wait for the completion of the previous one here, else CONCURRENT_TRANSACTIONS', async () => {
  const { c, time, markers, log } = await setup();
  const t = await init(c, 'tx');
  assert.equal(await c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 0)]), 0);
  let release!: () => void;
  markers.hold = new Promise((r) => (release = r));
  assert.equal(await c.endTransaction('tx', t.producerId, t.producerEpoch, true), 0);
  assert.equal(c.describe('tx').transactionState, 'PrepareCommit');
  // The next transaction's first AddPartitions arrives while the COMMIT marker is being written: it waits.
  let answered: number | null = null;
  const next = c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 1)]).then((e) => (answered = e));
  await new Promise((r) => setImmediate(r));
  assert.equal(answered, null, 'held while the markers are written');
  release();
  markers.hold = null;
  assert.equal(await next, 0, 'added once the previous transaction completed');
  assert.deepEqual(log.states('tx').slice(-3), ['PrepareCommit', 'CompleteCommit', 'Ongoing']);
  assert.deepEqual(c.describe('tx').topics, [{ topic: 'a', partitions: [1] }]);

  // A completion that does not finish in time: CONCURRENT_TRANSACTIONS, as Kafka answers at once.
  markers.hold = new Promise(() => {});
  assert.equal(await c.endTransaction('tx', t.producerId, t.producerEpoch, false), 0);
  const stuck = c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 2)]);
  await new Promise((r) => setImmediate(r));
  time.advance(100);
  assert.equal(await stuck, ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal(c.describe('tx').transactionState, 'PrepareAbort');
  // Fencing is still checked first, without waiting.
  assert.equal(await c.addPartitions('tx', t.producerId, t.producerEpoch + 1, [tpKey('a', 2)]), ErrorCode.PRODUCER_FENCED);
});

test('a marker write that fails is retried until written; a deleted topic is skipped', async () => {
  const { c, markers } = await setup();
  const t = await init(c, 'tx');
  await c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 0), tpKey('gone', 0)]);
  markers.failures.set('a-0', ErrorCode.NOT_LEADER_OR_FOLLOWER);
  markers.failures.set('gone-0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(await c.endTransaction('tx', t.producerId, t.producerEpoch, false), 0);
  await c.idle();
  assert.deepEqual(markers.written.map((m) => `${m.topic}-${m.partition}:${m.commit}`), ['a-0:false']);
  assert.equal(c.describe('tx').transactionState, 'CompleteAbort');
});

test('InitProducerId while a transaction is Ongoing fences it: aborted with a bumped epoch, CONCURRENT_TRANSACTIONS, then the next epoch', async () => {
  const { c, markers, log } = await setup();
  const t = await init(c, 'tx'); // epoch 0
  await c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 0)]);
  const r = await init(c, 'tx');
  assert.equal(r.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  await c.idle();
  assert.deepEqual(markers.written.map((m) => [m.topic, m.producerEpoch, m.commit]), [['a', 1, false]]);
  assert.deepEqual(log.states('tx').slice(-2), ['PrepareAbort', 'CompleteAbort']);
  const retry = await init(c, 'tx');
  assert.deepEqual([retry.errorCode, retry.producerEpoch], [0, 2]);
  // The fenced producer can no longer add partitions or end its transaction.
  assert.equal(await c.addPartitions('tx', t.producerId, 0, [tpKey('a', 0)]), ErrorCode.PRODUCER_FENCED);
  assert.equal(await c.endTransaction('tx', t.producerId, 0, true), ErrorCode.PRODUCER_FENCED);
});

test('transaction.timeout.ms: an Ongoing transaction past its timeout is aborted with a bumped epoch', async () => {
  const { c, time, markers } = await setup({ transactionAbortTimedOutTransactionCleanupIntervalMs: 1000 });
  const t = await init(c, 'tx', { transactionTimeoutMs: 5000 });
  await c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 3)]);
  time.advance(4000);
  await c.idle();
  assert.equal(markers.written.length, 0);
  time.advance(2000);
  await new Promise((r) => setImmediate(r));
  await c.idle();
  assert.deepEqual(markers.written.map((m) => [m.topic, m.partition, m.producerEpoch, m.commit]), [['a', 3, 1, false]]);
  assert.equal(c.describe('tx').transactionState, 'CompleteAbort');
  assert.equal(await c.endTransaction('tx', t.producerId, t.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
  assert.equal(c.verifyProduce('a', 3, 'tx', t.producerId, t.producerEpoch), ErrorCode.INVALID_PRODUCER_EPOCH);
});

test('an exhausted epoch rotates to a new producer id', async () => {
  const log = new MemoryTxnLog();
  // A transactional id whose epoch is at the limit, as if written long ago.
  const { partitionFor } = await import('../../src/broker/group-coordinator/records.js');
  const { encodeTxnKey } = await import('../../src/broker/transaction-coordinator/records.js');
  const p = partitionFor('old', PARTITIONS);
  log.records.set(p, [
    {
      key: encodeTxnKey('old'),
      value: encodeTxnValue({
        transactionalId: 'old',
        producerId: 55,
        lastProducerId: -1,
        producerEpoch: 32766,
        lastProducerEpoch: -1,
        txnTimeoutMs: 60000,
        state: 'CompleteCommit',
        topicPartitions: new Set(),
        txnStartTimestamp: 1,
        txnLastUpdateTimestamp: Date.now(),
      }),
    },
  ]);
  const { c } = await setup({}, log);
  const r = await init(c, 'old');
  assert.equal(r.errorCode, 0);
  assert.notEqual(r.producerId, 55);
  assert.equal(r.producerEpoch, 0);
});

test('loading replays the records: the same state; transactions left in PrepareCommit get their markers and complete', async () => {
  const first = await setup();
  const t = await init(first.c, 'tx');
  await first.c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 0), tpKey('b', 1)]);
  const u = await init(first.c, 'other');
  await first.c.addPartitions('other', u.producerId, u.producerEpoch, [tpKey('c', 0)]);
  // Simulate a crash between PrepareCommit and the markers: write PrepareCommit by hand.
  const md = first.c.state.get('tx')!;
  const prepare = md.prepareAbortOrCommit('PrepareCommit', first.time.now());
  assert.equal(await first.c.state.append(md, prepare), 0);
  first.c.shutdown();

  const second = await setup({}, first.log);
  await second.c.loaded();
  await second.c.idle();
  assert.deepEqual(second.markers.written.map((m) => `${m.topic}-${m.partition}:${m.commit}:${m.producerEpoch}`).sort(), ['a-0:true:0', 'b-1:true:0']);
  assert.equal(second.c.describe('tx').transactionState, 'CompleteCommit');
  const o = second.c.describe('other');
  assert.deepEqual([o.transactionState, o.producerId, o.producerEpoch], ['Ongoing', u.producerId, u.producerEpoch]);
  assert.deepEqual(o.topics, [{ topic: 'c', partitions: [0] }]);
  assert.deepEqual(
    second.c.list([], []).transactionStates.map((s) => s.transactionalId).sort(),
    ['other', 'tx'],
  );
  assert.deepEqual(second.c.list(['Ongoing', 'Bogus'], []), {
    errorCode: 0,
    unknownStateFilters: ['Bogus'],
    transactionStates: [{ transactionalId: 'other', producerId: u.producerId, transactionState: 'Ongoing' }],
  });
});

test('transactional.id.expiration.ms: idle ids are removed with a tombstone; a failed write changes nothing', async () => {
  const { c, time, log } = await setup({ transactionalIdExpirationMs: 10_000 });
  const t = await init(c, 'tx');
  time.advance(5_000);
  assert.equal(await c.removeExpiredTransactionalIds(), 0);
  time.advance(6_000);
  log.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  assert.equal(await c.removeExpiredTransactionalIds(), 0);
  assert.equal(c.describe('tx').transactionState, 'Empty');
  log.failWith = 0;
  assert.equal(await c.removeExpiredTransactionalIds(), 1);
  assert.equal(c.describe('tx').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  assert.deepEqual(log.states('tx').at(-1), null);
  // A new InitProducerId starts it over with a new producer id.
  const again = await init(c, 'tx');
  assert.notEqual(again.producerId, t.producerId);
});

test('a failed state write is answered with Kafka\'s mapping and leaves the state as it was', async () => {
  const { c, log } = await setup();
  const t = await init(c, 'tx');
  log.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  assert.equal(await c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 0)]), ErrorCode.NOT_COORDINATOR);
  log.failWith = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  assert.equal(await c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 0)]), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  log.failWith = 0;
  assert.equal(c.describe('tx').transactionState, 'Empty');
  assert.equal(await c.addPartitions('tx', t.producerId, t.producerEpoch, [tpKey('a', 0)]), 0);
});
