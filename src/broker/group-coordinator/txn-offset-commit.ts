// TxnOffsetCommit (Kafka's GroupCoordinator.handleTxnCommitOffsets): offsets
// committed as part of a transaction. They are written to __consumer_offsets
// as a transactional batch of the producer and stay pending in the group
// (OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT for them)
// until the transaction coordinator's marker reaches the group's partition:
// COMMIT makes them the committed offsets, ABORT drops them
// (GroupMetadataManager.completeTransaction; loading replays the same way).

import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetAndMetadata } from './group.js';
import { commitError, type GroupMetadataManager } from './group-metadata-manager.js';
import type { OffsetCommitPartition, OffsetConfig } from './offset-manager.js';
import type { CoordinatorRecord } from './records.js';

export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** -1, '' and null when the producer does not pass the consumer's group metadata (TxnOffsetCommit v0-v2). */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  partitions: OffsetCommitPartition[];
}

/** Resolves with an error code per partition (request order) once the commit is written. */
export async function commitTransactionalOffsets(groups: GroupMetadataManager, config: OffsetConfig, req: TxnOffsetCommitRequest): Promise<number[]> {
  const all = (code: number) => req.partitions.map(() => code);
  // Kafka creates the group when it does not exist: a transactional producer may commit for a group nobody joined.
  const group = groups.getGroup(req.groupId) ?? groups.getOrCreateGroup(req.groupId);
  if (group.is('Dead')) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (req.groupInstanceId !== null) {
    const current = group.currentStaticMemberId(req.groupInstanceId);
    if (current !== undefined && current !== req.memberId) return all(ErrorCode.FENCED_INSTANCE_ID);
  }
  if (req.memberId !== '' && !group.has(req.memberId)) return all(ErrorCode.UNKNOWN_MEMBER_ID);
  if (req.generationId >= 0 && req.generationId !== group.generationId) return all(ErrorCode.ILLEGAL_GENERATION);
  const now = groups.time.now();
  const codes = req.partitions.map((p) => (p.metadata !== null && p.metadata.length > config.offsetMetadataMaxBytes ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.NONE));
  const records: CoordinatorRecord[] = [];
  req.partitions.forEach((p, i) => {
    if (codes[i] !== ErrorCode.NONE) return;
    const value: OffsetAndMetadata = { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata: p.metadata ?? '', commitTimestamp: now, expireTimestamp: -1 };
    records.push({ type: 'offset', group: group.groupId, topic: p.topic, partition: p.partition, value });
  });
  if (records.length === 0) return codes;
  const error = commitError(await groups.appendTransactional(group.groupId, records, req.producerId, req.producerEpoch));
  return codes.map((c) => (c === ErrorCode.NONE ? error : c));
}
