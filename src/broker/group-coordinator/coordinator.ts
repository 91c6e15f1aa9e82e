// The classic group coordinator (Kafka's GroupCoordinator): the entry point
// the API handlers call. It checks that this broker coordinates the group
// (its __consumer_offsets partition is led and loaded here), then hands the
// request to the membership protocol, the offset manager or the group cache.
// Start-up loads every led partition by replaying its records; requests for
// a partition still loading answer COORDINATOR_LOAD_IN_PROGRESS. Time comes
// from an injected clock, so tests drive every timeout.

import { ErrorCode } from '../../protocol/errors.js';
import { Logger } from '../../logger.js';
import { GROUP_STATES } from './group-state.js';
import type { ClassicGroup } from './group.js';
import { GroupMetadataManager, type CoordinatorLog } from './group-metadata-manager.js';
import { Membership, type JoinRequest, type LeaveMember, type LeaveResult, type MembershipConfig, type SyncRequest } from './membership.js';
import { joinError, syncError, type JoinResult, type SyncResult } from './member.js';
import { OffsetManager, type FetchedOffset, type OffsetCommitRequest, type OffsetConfig, type TopicPartition } from './offset-manager.js';
import type { Time, Timer } from './time.js';
import { commitTransactionalOffsets, type TxnOffsetCommitRequest } from './txn-offset-commit.js';

const log = new Logger('GroupCoordinator');

export interface GroupCoordinatorConfig extends MembershipConfig, OffsetConfig {
  offsetsRetentionCheckIntervalMs: number;
  offsetsTopicNumPartitions: number;
}

/** Samsa's bound on one member's JoinGroup protocol metadata (Kafka has none short of the request size). */
export const DEFAULT_MAX_MEMBER_METADATA_BYTES = 1024 * 1024;

/** APIs that accept an empty group id (Kafka keeps that for old offset storage users and admin views). */
type GroupApi = 'join' | 'sync' | 'heartbeat' | 'leave' | 'commit' | 'txnCommit' | 'fetch' | 'describe' | 'delete' | 'offsetDelete';
const EMPTY_ID_ALLOWED: ReadonlySet<GroupApi> = new Set(['commit', 'fetch', 'describe', 'delete']);

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
  groupType: string;
}

export class GroupCoordinator {
  readonly groups: GroupMetadataManager;
  readonly membership: Membership;
  readonly offsets: OffsetManager;
  private active = false;
  private expiryTimer: Timer | null = null;
  private expiring = false;
  private loading: Promise<void> = Promise.resolve();

  constructor(
    readonly time: Time,
    private readonly offsetsLog: CoordinatorLog,
    readonly config: () => GroupCoordinatorConfig,
  ) {
    this.groups = new GroupMetadataManager(time, offsetsLog, () => config().offsetsTopicNumPartitions);
    this.membership = new Membership({
      time,
      config,
      getGroup: (id) => this.groups.getGroup(id),
      getOrCreateGroup: (id) => this.groups.getOrCreateGroup(id),
      storeGroup: (g, a) => this.groups.storeGroup(g, a),
    });
    this.offsets = new OffsetManager(this.groups, this.membership, config);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Starts serving: every led partition of __consumer_offsets is marked
   * loading at once and loaded in the background; `loaded()` resolves when
   * all are. Starts the periodic offset expiry.
   */
  startup(): Promise<void> {
    this.active = true;
    this.scheduleExpiry();
    return this.loadLedPartitions();
  }

  /** Loads led partitions not loaded yet (at start-up, and after __consumer_offsets is created). */
  loadLedPartitions(): Promise<void> {
    const count = this.offsetsLog.partitionCount();
    if (count === null || !this.active) return this.loading;
    const todo: number[] = [];
    for (let p = 0; p < count; p++) {
      if (this.offsetsLog.isLeader(p) && !this.groups.isOwned(p) && !this.groups.isLoading(p)) todo.push(p);
    }
    if (todo.length === 0) return this.loading;
    this.groups.markLoading(todo);
    const prev = this.loading;
    this.loading = (async () => {
      await prev;
      for (const p of todo) await this.groups.loadPartition(p, (g) => this.membership.onGroupLoaded(g));
    })();
    return this.loading;
  }

  /** Resolves when every load started so far has finished. */
  loaded(): Promise<void> {
    return this.loading;
  }

  /** Stops timers and answers parked JoinGroup/SyncGroup requests with NOT_COORDINATOR. */
  shutdown(): void {
    if (!this.active) return;
    this.active = false;
    this.expiryTimer?.cancel();
    this.expiryTimer = null;
    this.groups.shutdown((g) => this.membership.onGroupUnloaded(g));
    log.info('Shutdown complete.');
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Offset expiry at a fixed rate; a run still writing its tombstones makes the next one skip. */
  private scheduleExpiry(): void {
    this.expiryTimer = this.time.schedule(this.config().offsetsRetentionCheckIntervalMs, () => {
      this.expiryTimer = null;
      if (!this.active) return;
      this.scheduleExpiry();
      if (this.expiring) return;
      const run = this.offsets.expireOffsets((g) => this.groups.isOwned(this.groups.partitionFor(g.groupId)));
      if (!run.done) return;
      this.expiring = true;
      run.done
        .catch((err: Error) => log.error(`Offset expiry failed: ${err?.stack ?? err}`))
        .finally(() => (this.expiring = false));
    });
  }

  // ------------------------------------------------------------------ routing

  partitionFor(groupId: string): number {
    return this.groups.partitionFor(groupId);
  }

  /** Whether this broker may serve the group now; an error code when not. */
  validateGroupStatus(groupId: string | null, api: GroupApi): number {
    if (groupId === null || (groupId === '' && !EMPTY_ID_ALLOWED.has(api))) return ErrorCode.INVALID_GROUP_ID;
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const p = this.groups.partitionFor(groupId);
    if (this.groups.isLoading(p)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!this.groups.isOwned(p)) return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------------ membership

  joinGroup(req: JoinRequest): Promise<JoinResult> {
    const error = this.validateGroupStatus(req.groupId, 'join');
    if (error !== ErrorCode.NONE) return Promise.resolve(joinError(req.memberId, error));
    return this.membership.join(req);
  }

  syncGroup(req: SyncRequest): Promise<SyncResult> {
    const error = this.validateGroupStatus(req.groupId, 'sync');
    // While loading, the rebalance in progress is lost: the member must rejoin (older clients do not expect LOAD_IN_PROGRESS here).
    if (error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    if (error !== ErrorCode.NONE) return Promise.resolve(syncError(error));
    return this.membership.sync(req);
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const error = this.validateGroupStatus(groupId, 'heartbeat');
    // While loading, heartbeats are answered blindly.
    if (error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (error !== ErrorCode.NONE) return error;
    return this.membership.heartbeat(groupId, memberId, groupInstanceId, generationId);
  }

  leaveGroup(groupId: string, members: readonly LeaveMember[]): LeaveResult {
    const error = this.validateGroupStatus(groupId, 'leave');
    if (error !== ErrorCode.NONE) return { errorCode: error, members: [] };
    return this.membership.leave(groupId, members);
  }

  // ------------------------------------------------------------------ offsets

  async commitOffsets(req: OffsetCommitRequest): Promise<number[]> {
    const error = this.validateGroupStatus(req.groupId, 'commit');
    if (error !== ErrorCode.NONE) return req.partitions.map(() => error);
    return this.offsets.commit(req);
  }

  /** TxnOffsetCommit: offsets pending until the producer's transaction ends (txn-offset-commit.ts). */
  async commitTransactionalOffsets(req: TxnOffsetCommitRequest): Promise<number[]> {
    const error = this.validateGroupStatus(req.groupId, 'txnCommit');
    if (error !== ErrorCode.NONE) return req.partitions.map(() => error);
    return commitTransactionalOffsets(this.groups, this.config(), req);
  }

  /** A transaction marker was written to __consumer_offsets-`partition`: the producer's pending offsets there are decided. */
  onTransactionMarker(partition: number, producerId: number, commit: boolean): void {
    this.groups.completeTransaction(partition, producerId, commit);
  }

  /** `partitions` null: every partition with a committed offset. */
  fetchOffsets(groupId: string, requireStable: boolean, partitions: TopicPartition[] | null): { errorCode: number; offsets: FetchedOffset[] } {
    const error = this.validateGroupStatus(groupId, 'fetch');
    if (error !== ErrorCode.NONE) return { errorCode: error, offsets: [] };
    return { errorCode: ErrorCode.NONE, offsets: this.offsets.fetch(groupId, requireStable, partitions) };
  }

  async deleteOffsets(groupId: string, partitions: TopicPartition[]): Promise<{ errorCode: number; partitions: number[] }> {
    const error = this.validateGroupStatus(groupId, 'offsetDelete');
    if (error !== ErrorCode.NONE) return { errorCode: error, partitions: [] };
    return this.offsets.deleteOffsets(groupId, partitions);
  }

  // ------------------------------------------------------------------ admin

  describeGroup(groupId: string): GroupDescription {
    const error = this.validateGroupStatus(groupId, 'describe');
    if (error !== ErrorCode.NONE) return { errorCode: error, groupId, state: '', protocolType: '', protocol: '', members: [] };
    const group = this.groups.getGroup(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, groupId, state: 'Dead', protocolType: '', protocol: '', members: [] };
    const s = group.summary();
    return { errorCode: ErrorCode.NONE, groupId, state: s.state, protocolType: s.protocolType, protocol: s.protocol, members: s.members };
  }

  /** States and types filter case-insensitively; an empty filter keeps everything. Every group here is "classic". */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): { errorCode: number; groups: GroupListing[] } {
    if (!this.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((t) => t.toLowerCase()));
    const groups = this.groups
      .currentGroups()
      .filter((g) => this.groups.isOwned(this.groups.partitionFor(g.groupId)))
      .filter((g) => (states.size === 0 || states.has(g.state.toLowerCase())) && (types.size === 0 || types.has('classic')))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state, groupType: 'classic' }));
    return { errorCode: this.groups.anyLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, groups };
  }

  /** Deletes Empty groups with their offsets; NON_EMPTY_GROUP while a group has members. */
  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const ids = [...new Set(groupIds)];
    const results = new Map<string, number>();
    const work: Promise<unknown>[] = [];
    for (const id of ids) {
      const error = this.validateGroupStatus(id, 'delete');
      if (error !== ErrorCode.NONE) {
        results.set(id, error);
        continue;
      }
      const group = this.groups.getGroup(id);
      if (!group || group.is('Dead')) {
        results.set(id, ErrorCode.GROUP_ID_NOT_FOUND);
        continue;
      }
      if (!group.is('Empty')) {
        results.set(id, ErrorCode.NON_EMPTY_GROUP);
        continue;
      }
      results.set(id, ErrorCode.NONE);
      const all = [...group.offsets].flatMap(([topic, parts]) => [...parts.keys()].map((partition) => ({ topic, partition })));
      for (const k of group.pendingOffsetCommits.keys()) {
        const [topic, partition] = k.split('\u0000');
        all.push({ topic: topic!, partition: Number(partition) });
      }
      work.push(this.offsets.removeOffsets(group, all, true));
    }
    await Promise.all(work);
    const deleted = ids.filter((id) => results.get(id) === ErrorCode.NONE);
    if (deleted.length > 0) log.info(`The following groups were deleted: ${deleted.join(', ')}.`);
    return ids.map((groupId) => ({ groupId, errorCode: results.get(groupId)! }));
  }

  /** For tests and tools: the group as cached. */
  group(groupId: string): ClassicGroup | undefined {
    return this.groups.getGroup(groupId);
  }
}

export { GROUP_STATES };
