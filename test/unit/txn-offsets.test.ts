// Transactional offset commits in the group coordinator (TxnOffsetCommit):
// pending until the transaction's marker, committed by COMMIT, dropped by
// ABORT, UNSTABLE_OFFSET_COMMIT for require_stable fetches meanwhile, and the
// same outcome when a restart replays __consumer_offsets (markers included).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { GroupCoordinator, type GroupCoordinatorConfig } from '../../src/broker/group-coordinator/coordinator.js';
import type { AppendOutcome, CoordinatorLog, LoadedBatch } from '../../src/broker/group-coordinator/group-metadata-manager.js';
import { encodeKey, encodeValue, partitionFor, type CoordinatorRecord } from '../../src/broker/group-coordinator/records.js';
import { MockTime } from '../../src/broker/group-coordinator/time.js';
import { setLogLevel } from '../../src/logger.js';

setLogLevel('off');
const PARTITIONS = 4;

/** __consumer_offsets in memory, with transactional batches and markers as the log would hold them. */
class MemoryLog implements CoordinatorLog {
  readonly batches = new Map<number, LoadedBatch[]>();
  partitionCount(): number {
    return PARTITIONS;
  }
  isLeader(): boolean {
    return true;
  }
  private list(p: number): LoadedBatch[] {
    let l = this.batches.get(p);
    if (!l) this.batches.set(p, (l = []));
    return l;
  }
  async append(partition: number, records: readonly CoordinatorRecord[], _ts: number, txn?: { producerId: number; producerEpoch: number }): Promise<AppendOutcome> {
    const l = this.list(partition);
    l.push({
      baseOffset: l.length,
      producerId: txn?.producerId ?? -1,
      isTransactional: !!txn,
      isControl: false,
      records: records.map((r) => ({ key: encodeKey(r), value: encodeValue(r) })),
    });
    return { errorCode: 0, baseOffset: l.length - 1 };
  }
  marker(partition: number, producerId: number, commit: boolean): void {
    const key = Buffer.alloc(4);
    key.writeInt16BE(commit ? 1 : 0, 2);
    const l = this.list(partition);
    l.push({ baseOffset: l.length, producerId, isTransactional: true, isControl: true, records: [{ key, value: Buffer.alloc(6) }] });
  }
  async *read(partition: number): AsyncIterable<LoadedBatch> {
    for (const b of this.batches.get(partition) ?? []) yield b;
  }
}

const CONFIG: GroupCoordinatorConfig = {
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1800000,
  groupMaxSize: 1000,
  groupInitialRebalanceDelayMs: 0,
  maxMemberMetadataBytes: 1024 * 1024,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600000,
  offsetsTopicNumPartitions: PARTITIONS,
};

async function setup(log = new MemoryLog()) {
  const c = new GroupCoordinator(new MockTime(), log, () => CONFIG);
  await c.startup();
  return { c, log };
}

const commitReq = (groupId: string, producerId: number, offsets: [string, number, number][], over = {}) => ({
  transactionalId: 'tx',
  groupId,
  producerId,
  producerEpoch: 0,
  generationId: -1,
  memberId: '',
  groupInstanceId: null,
  partitions: offsets.map(([topic, partition, offset]) => ({ topic, partition, offset, leaderEpoch: -1, metadata: 'm', commitTimestamp: -1 })),
  ...over,
});

function fetched(c: GroupCoordinator, group: string, requireStable: boolean) {
  return c.fetchOffsets(group, requireStable, [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]).offsets.map((o) => [o.offset, o.errorCode]);
}

test('transactional offsets are pending until COMMIT, dropped by ABORT; require_stable fetches answer UNSTABLE_OFFSET_COMMIT meanwhile', async () => {
  const { c, log } = await setup();
  const p = partitionFor('g', PARTITIONS);
  assert.deepEqual(await c.commitTransactionalOffsets(commitReq('g', 7, [['t', 0, 10], ['t', 1, 20]])), [0, 0]);
  assert.deepEqual(fetched(c, 'g', false), [[-1, 0], [-1, 0]], 'not visible yet');
  assert.deepEqual(fetched(c, 'g', true), [[-1, ErrorCode.UNSTABLE_OFFSET_COMMIT], [-1, ErrorCode.UNSTABLE_OFFSET_COMMIT]]);
  // A marker for another partition or producer changes nothing.
  c.onTransactionMarker((p + 1) % PARTITIONS, 7, true);
  c.onTransactionMarker(p, 8, true);
  assert.deepEqual(fetched(c, 'g', false), [[-1, 0], [-1, 0]]);
  log.marker(p, 7, true);
  c.onTransactionMarker(p, 7, true);
  assert.deepEqual(fetched(c, 'g', true), [[10, 0], [20, 0]]);
  // The next transaction aborts: its offsets are dropped.
  await c.commitTransactionalOffsets(commitReq('g', 7, [['t', 0, 99]]));
  log.marker(p, 7, false);
  c.onTransactionMarker(p, 7, false);
  assert.deepEqual(fetched(c, 'g', true), [[10, 0], [20, 0]]);
  // One left pending at the "crash".
  await c.commitTransactionalOffsets(commitReq('g', 9, [['t', 1, 55]]));
  c.shutdown();

  // A restart replays the same records and markers: the same offsets, and the open one still pending.
  const again = await setup(log);
  assert.deepEqual(fetched(again.c, 'g', false), [[10, 0], [20, 0]]);
  assert.deepEqual(fetched(again.c, 'g', true), [[10, 0], [-1, ErrorCode.UNSTABLE_OFFSET_COMMIT]]);
  again.c.onTransactionMarker(p, 9, true);
  assert.deepEqual(fetched(again.c, 'g', true), [[10, 0], [55, 0]]);
});

test('TxnOffsetCommit validation: unknown member, wrong generation, oversized metadata; a group nobody joined is created', async () => {
  const { c } = await setup();
  assert.deepEqual(await c.commitTransactionalOffsets(commitReq('fresh', 1, [['t', 0, 1]])), [0]);
  assert.ok(c.group('fresh'));
  assert.deepEqual(await c.commitTransactionalOffsets(commitReq('fresh', 1, [['t', 0, 1]], { memberId: 'ghost' })), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(await c.commitTransactionalOffsets(commitReq('fresh', 1, [['t', 0, 1]], { generationId: 3 })), [ErrorCode.ILLEGAL_GENERATION]);
  const big = commitReq('fresh', 1, [['t', 0, 1], ['t', 1, 2]]);
  big.partitions[0]!.metadata = 'x'.repeat(5000);
  assert.deepEqual(await c.commitTransactionalOffsets(big), [ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
  assert.deepEqual(await c.commitTransactionalOffsets(commitReq('', 1, [['t', 0, 1]])), [ErrorCode.INVALID_GROUP_ID]);
});
