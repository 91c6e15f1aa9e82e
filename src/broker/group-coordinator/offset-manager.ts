// Committed offsets: OffsetCommit (members of the current generation, and
// "simple" consumers with generation -1 for groups without members),
// OffsetFetch, OffsetDelete, and the expiry of offsets after
// offsets.retention.minutes (Kafka's rules: for Empty groups counted from
// when the group became Empty; for groups without a protocol from each
// commit; for Stable consumer groups only topics no member subscribes to).
// Every change is a record written to __consumer_offsets and replayed into
// the cache once written (see group-metadata-manager.ts).

import { ErrorCode } from '../../protocol/errors.js';
import { Logger } from '../../logger.js';
import { validateCurrentMember, type ClassicGroup, type OffsetAndMetadata } from './group.js';
import { commitError, type GroupMetadataManager } from './group-metadata-manager.js';
import type { Membership } from './membership.js';
import type { CoordinatorRecord } from './records.js';

const log = new Logger('GroupCoordinator');

export interface OffsetConfig {
  offsetMetadataMaxBytes: number;
  offsetsRetentionMs: number;
}

export interface OffsetCommitPartition {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  /** OffsetCommit v1's explicit commit timestamp; -1 for "now". */
  commitTimestamp: number;
}

export interface OffsetCommitRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  /** OffsetCommit v2-v4's retention; -1 for the broker's. */
  retentionTimeMs: number;
  partitions: OffsetCommitPartition[];
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export type TopicPartition = { topic: string; partition: number };

export class OffsetManager {
  constructor(
    private readonly groups: GroupMetadataManager,
    private readonly membership: Membership,
    private readonly config: () => OffsetConfig,
  ) {}

  // ------------------------------------------------------------------ OffsetCommit

  /** Resolves with an error code per partition, in request order, once the commit is written. */
  async commit(req: OffsetCommitRequest): Promise<number[]> {
    const all = (code: number) => req.partitions.map(() => code);
    let group = this.groups.getGroup(req.groupId);
    if (!group) {
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      // Not relying on Kafka for group management: allowed, the group exists from now on.
      log.info(`Creating simple consumer group ${req.groupId} via manual offset commit.`);
      group = this.groups.getOrCreateGroup(req.groupId);
    }
    const error = validateOffsetCommit(group, req.generationId, req.memberId, req.groupInstanceId);
    if (error !== ErrorCode.NONE) return all(error);
    switch (group.state) {
      case 'Empty':
        break;
      case 'Stable':
      case 'PreparingRebalance': {
        // Commits of the previous generation are still accepted while rebalancing; they are a sign of life too.
        const member = group.members.get(req.memberId);
        if (member) this.membership.touch(group, member);
        break;
      }
      case 'CompletingRebalance':
        // The member has its new generation but not its assignment yet: it must not commit.
        return all(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Dead':
        return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    return this.storeOffsets(group, req);
  }

  private async storeOffsets(group: ClassicGroup, req: OffsetCommitRequest): Promise<number[]> {
    const { offsetMetadataMaxBytes } = this.config();
    const now = this.groups.time.now();
    const expireTimestamp = req.retentionTimeMs === -1 ? -1 : now + req.retentionTimeMs;
    const codes: number[] = req.partitions.map((p) => (p.metadata !== null && p.metadata.length > offsetMetadataMaxBytes ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.NONE));
    const records: CoordinatorRecord[] = [];
    req.partitions.forEach((p, i) => {
      if (codes[i] !== ErrorCode.NONE) return;
      const value: OffsetAndMetadata = {
        offset: p.offset,
        leaderEpoch: p.leaderEpoch,
        metadata: p.metadata ?? '',
        commitTimestamp: p.commitTimestamp === -1 ? now : p.commitTimestamp,
        expireTimestamp,
      };
      records.push({ type: 'offset', group: group.groupId, topic: p.topic, partition: p.partition, value });
    });
    if (records.length === 0) return codes;
    for (const r of records) if (r.type === 'offset') group.addPendingCommit(r.topic, r.partition);
    let error: number;
    try {
      error = commitError(await this.groups.append(group.groupId, records));
    } finally {
      for (const r of records) if (r.type === 'offset') group.removePendingCommit(r.topic, r.partition);
    }
    if (error !== ErrorCode.NONE) log.debug(`Offset commit of group ${group.groupId} failed when appending to the log: error ${error}`);
    return codes.map((c) => (c === ErrorCode.NONE ? error : c));
  }

  // ------------------------------------------------------------------ OffsetFetch

  /**
   * The group's committed offsets for `partitions` (every partition with an
   * offset when null). Never a stale offset: with `requireStable`, partitions
   * whose commit is still being written answer UNSTABLE_OFFSET_COMMIT.
   */
  fetch(groupId: string, requireStable: boolean, partitions: TopicPartition[] | null): FetchedOffset[] {
    const group = this.groups.getGroup(groupId);
    const none = (tp: TopicPartition): FetchedOffset => ({ ...tp, offset: -1, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE });
    if (!group || group.is('Dead')) return (partitions ?? []).map(none);
    const wanted = partitions ?? [...group.offsets].flatMap(([topic, parts]) => [...parts.keys()].map((partition) => ({ topic, partition })));
    return wanted.map((tp) => {
      if (requireStable && group.hasPendingCommit(tp.topic, tp.partition)) {
        return { ...none(tp), errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      const o = group.offset(tp.topic, tp.partition);
      if (!o) return none(tp);
      return { ...tp, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
    });
  }

  // ------------------------------------------------------------------ OffsetDelete

  /** A group-level error, or an error per partition (in request order). */
  async deleteOffsets(groupId: string, partitions: TopicPartition[]): Promise<{ errorCode: number; partitions: number[] }> {
    const group = this.groups.getGroup(groupId);
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] };
    let eligible: TopicPartition[];
    const codes: number[] = partitions.map(() => ErrorCode.NONE);
    if (group.is('Empty')) {
      eligible = partitions;
    } else if (group.isConsumerGroup) {
      eligible = [];
      partitions.forEach((tp, i) => {
        if (group.isSubscribedToTopic(tp.topic)) codes[i] = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else eligible.push(tp);
      });
    } else {
      return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] };
    }
    if (eligible.length > 0) {
      const error = await this.removeOffsets(group, eligible);
      if (error !== ErrorCode.NONE) eligible.forEach((tp) => (codes[partitions.indexOf(tp)] = error));
      else log.info(`The following offsets of the group ${groupId} were deleted: ${eligible.map((tp) => `${tp.topic}-${tp.partition}`).join(', ')}.`);
    }
    return { errorCode: ErrorCode.NONE, partitions: codes };
  }

  // ------------------------------------------------------------------ removal and expiry

  /**
   * Writes tombstones for `partitions` (those with an offset or a commit in
   * flight) and, when that leaves an Empty group with nothing, marks it Dead
   * and removes it (with a tombstone for its metadata if it ever had a
   * generation). Resolves with the append's error code.
   */
  async removeOffsets(group: ClassicGroup, partitions: readonly TopicPartition[], forceDead = false): Promise<number> {
    const records: CoordinatorRecord[] = [];
    const seen = new Set<string>();
    for (const tp of partitions) {
      const k = `${tp.topic}\u0000${tp.partition}`;
      if (seen.has(k)) continue;
      seen.add(k);
      if (group.offset(tp.topic, tp.partition) || group.hasPendingCommit(tp.topic, tp.partition)) {
        records.push({ type: 'offset', group: group.groupId, topic: tp.topic, partition: tp.partition, value: null });
      }
    }
    const remaining = group.numOffsets - records.filter((r) => r.type === 'offset' && group.offset(r.topic, r.partition)).length;
    const dies = forceDead || (group.is('Empty') && remaining === 0 && group.pendingOffsetCommits.size === 0);
    if (dies && !group.is('Dead')) {
      log.info(`Group ${group.groupId} transitioned to Dead in generation ${group.generationId}`);
      group.transitionTo('Dead', this.groups.time.now());
      // Groups that only stored offsets never wrote a metadata record.
      if (group.generationId > 0) records.push({ type: 'group', group: group.groupId, value: null });
    }
    if (records.length === 0) {
      this.groups.removeDeadGroup(group);
      return ErrorCode.NONE;
    }
    const error = await this.groups.append(group.groupId, records);
    if (error !== ErrorCode.NONE) log.warn(`Failed to write ${records.length} tombstones for group ${group.groupId}: error ${error}`);
    // A Dead group leaves the cache either way: its state is gone, and the tombstones are retried by the next expiry run if lost.
    this.groups.removeDeadGroup(group);
    return error;
  }

  /**
   * One run of the periodic expiry (offsets.retention.check.interval.ms):
   * decides now, and returns the number of offsets expiring with a promise
   * for their tombstones (null when there is nothing to write).
   */
  expireOffsets(isServed: (g: ClassicGroup) => boolean): { removed: number; done: Promise<unknown> | null } {
    const now = this.groups.time.now();
    const retention = this.config().offsetsRetentionMs;
    let removed = 0;
    const work: Promise<unknown>[] = [];
    for (const group of this.groups.currentGroups()) {
      if (group.is('Dead') || !isServed(group)) continue;
      const expired = expiredOffsets(group, now, retention);
      const lastGoes = group.is('Empty') && group.numOffsets === expired.length && group.pendingOffsetCommits.size === 0;
      if (expired.length === 0 && !lastGoes) continue;
      removed += expired.length;
      work.push(this.removeOffsets(group, expired));
    }
    if (work.length === 0) return { removed, done: null };
    if (removed > 0) log.info(`Removing ${removed} expired offsets.`);
    return { removed, done: Promise.all(work) };
  }
}

/**
 * Kafka's commit validation: generation -1 from a non-member is fine for an
 * Empty group (admin tools, manually assigned consumers); otherwise the
 * sender must be a current member of the current generation.
 */
export function validateOffsetCommit(group: ClassicGroup, generationId: number, memberId: string, groupInstanceId: string | null): number {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
  if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
    const error = validateCurrentMember(group, memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    return generationId !== group.generationId ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE;
  }
  return group.is('Empty') ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
}

/** The group's offsets past retention (Kafka's removeExpiredOffsets selection); commits in flight never expire. */
export function expiredOffsets(group: ClassicGroup, now: number, retentionMs: number): TopicPartition[] {
  let base: ((o: OffsetAndMetadata) => number) | null = null;
  let keepTopics: ReadonlySet<string> = new Set();
  if (group.protocolType !== null && group.is('Empty')) {
    // Counted from when the group became Empty (from the commit when the record did not say).
    const since = group.currentStateTimestamp;
    base = (o) => since ?? o.commitTimestamp;
  } else if (group.isConsumerGroup && group.subscribedTopics !== null && group.is('Stable')) {
    base = (o) => o.commitTimestamp;
    keepTopics = group.subscribedTopics;
  } else if (group.protocolType === null) {
    // A group that only stores offsets.
    base = (o) => o.commitTimestamp;
  }
  if (!base) return [];
  const out: TopicPartition[] = [];
  for (const [topic, parts] of group.offsets) {
    if (keepTopics.has(topic)) continue;
    for (const [partition, o] of parts) {
      if (group.hasPendingCommit(topic, partition)) continue;
      const expired = o.expireTimestamp !== -1 ? now >= o.expireTimestamp : now - base(o) >= retentionMs;
      if (expired) out.push({ topic, partition });
    }
  }
  return out;
}
