// The coordinator's cache of groups and offsets, and its bridge to
// __consumer_offsets (Kafka's GroupMetadataManager, minus the protocol):
// which partitions of that topic are served here and which are still
// loading, writing records, and replaying them.
//
// Offsets change only by replaying records. A commit, an OffsetDelete, a
// DeleteGroups or an expiry writes OffsetCommit records (values or
// tombstones) and, once the log has them, replays them into the cache in log
// order; loading a partition at start-up replays the same records through the
// same function. So the cache after any sequence of writes equals what a
// restart rebuilds. Group metadata records are snapshots of the membership
// state machine, written where Kafka writes them (a completed SyncGroup, a
// group becoming Empty, a static member replaced); the live state machine
// already holds what they say, so they are replayed only when loading.

import { ErrorCode } from '../../protocol/errors.js';
import { Logger } from '../../logger.js';
import { ClassicGroup } from './group.js';
import { Member } from './member.js';
import { decodeRecord, partitionFor, OFFSETS_TOPIC, type CoordinatorRecord, type GroupMetadataSnapshot } from './records.js';
import type { Time } from './time.js';

const log = new Logger('GroupMetadataManager');

export interface AppendOutcome {
  errorCode: number;
  baseOffset: number;
}

/** One record batch read back from a __consumer_offsets partition. */
export interface LoadedBatch {
  baseOffset: number;
  producerId: number;
  isTransactional: boolean;
  isControl: boolean;
  records: { key: Buffer | null; value: Buffer | null }[];
}

/** __consumer_offsets as the coordinator uses it (the broker's replica manager, or a test double). */
export interface CoordinatorLog {
  /** The topic's partition count, null while it does not exist. */
  partitionCount(): number | null;
  /** Whether this broker leads the partition (and so coordinates its groups). */
  isLeader(partition: number): boolean;
  /** Appends the records as one batch (a transactional one of that producer with `txn`); resolves once they are written (acks=all). */
  append(partition: number, records: readonly CoordinatorRecord[], timestamp: number, txn?: { producerId: number; producerEpoch: number }): Promise<AppendOutcome>;
  /** Every batch of the partition from its log start. */
  read(partition: number): AsyncIterable<LoadedBatch>;
}

type PartitionState = 'loading' | 'owned';

export class GroupMetadataManager {
  readonly groups = new Map<string, ClassicGroup>();
  private readonly partitions = new Map<number, PartitionState>();
  /** Groups holding undecided transactional offsets, by producer id. */
  private readonly txnProducers = new Map<number, Set<string>>();
  private shuttingDown = false;

  constructor(
    readonly time: Time,
    private readonly log: CoordinatorLog,
    /** offsets.topic.num.partitions, used while the topic does not exist. */
    private readonly configuredPartitions: () => number,
  ) {}

  // ---- partitions

  partitionCount(): number {
    return this.log.partitionCount() ?? this.configuredPartitions();
  }

  partitionFor(groupId: string): number {
    return partitionFor(groupId, this.partitionCount());
  }

  isLoading(partition: number): boolean {
    return this.partitions.get(partition) === 'loading';
  }

  isOwned(partition: number): boolean {
    return this.partitions.get(partition) === 'owned';
  }

  get anyLoading(): boolean {
    for (const s of this.partitions.values()) if (s === 'loading') return true;
    return false;
  }

  /** Groups of partitions served here. */
  currentGroups(): ClassicGroup[] {
    return [...this.groups.values()];
  }

  // ---- groups

  getGroup(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  getOrCreateGroup(groupId: string): ClassicGroup {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new ClassicGroup(groupId, 'Empty', this.time.now());
      this.groups.set(groupId, g);
    }
    return g;
  }

  /** Removes a Dead group from the cache (after its tombstones are written). */
  removeDeadGroup(group: ClassicGroup): void {
    if (group.is('Dead') && this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
  }

  // ---- replay

  /**
   * Applies one record to the cache. Offset commits create the group they
   * name when it is not known (groups that only store offsets have no
   * metadata record); a group tombstone leaves a group that still has offsets
   * as an Empty group holding them.
   */
  replay(record: CoordinatorRecord): void {
    if (record.type === 'offset') {
      if (record.value) this.getOrCreateGroup(record.group).putOffset(record.topic, record.partition, record.value);
      else this.groups.get(record.group)?.removeOffset(record.topic, record.partition);
      return;
    }
    const existing = this.groups.get(record.group);
    if (record.value === null) {
      if (!existing) return;
      if (existing.numOffsets > 0) {
        const fresh = new ClassicGroup(record.group, 'Empty', this.time.now());
        for (const [topic, parts] of existing.offsets) for (const [p, v] of parts) fresh.putOffset(topic, p, v);
        this.groups.set(record.group, fresh);
      } else {
        this.groups.delete(record.group);
      }
      return;
    }
    const group = groupFromSnapshot(record.group, record.value, this.time.now());
    if (existing) for (const [topic, parts] of existing.offsets) for (const [p, v] of parts) group.putOffset(topic, p, v);
    this.groups.set(record.group, group);
  }

  // ---- writes

  /**
   * Writes records of one group to its partition and, once written, replays
   * its offset records. Resolves with the append's error code (0 when written).
   */
  async append(groupId: string, records: readonly CoordinatorRecord[]): Promise<number> {
    let outcome: AppendOutcome;
    try {
      outcome = await this.log.append(this.partitionFor(groupId), records, this.time.now());
    } catch (err) {
      log.error(`Append to ${OFFSETS_TOPIC} for group ${groupId} failed: ${(err as Error)?.message ?? err}`);
      outcome = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, baseOffset: -1 };
    }
    if (outcome.errorCode === ErrorCode.NONE) {
      for (const r of records) if (r.type === 'offset') this.replay(r);
    }
    return outcome.errorCode;
  }

  // ---- transactional offsets (TxnOffsetCommit): pending until the transaction's marker reaches the partition

  /**
   * Writes transactional offset commits of one group as a transactional batch
   * of the producer; once written they are pending in the group, materialised
   * by a COMMIT marker and dropped by an ABORT (completeTransaction).
   */
  async appendTransactional(groupId: string, records: readonly CoordinatorRecord[], producerId: number, producerEpoch: number): Promise<number> {
    let outcome: AppendOutcome;
    try {
      outcome = await this.log.append(this.partitionFor(groupId), records, this.time.now(), { producerId, producerEpoch });
    } catch (err) {
      log.error(`Append to ${OFFSETS_TOPIC} for group ${groupId} failed: ${(err as Error)?.message ?? err}`);
      outcome = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, baseOffset: -1 };
    }
    if (outcome.errorCode === ErrorCode.NONE) for (const r of records) this.addPendingTxnOffset(producerId, r);
    return outcome.errorCode;
  }

  private addPendingTxnOffset(producerId: number, r: CoordinatorRecord): void {
    if (r.type !== 'offset' || !r.value) return;
    const group = this.getOrCreateGroup(r.group);
    let m = group.pendingTxnOffsets.get(producerId);
    if (!m) group.pendingTxnOffsets.set(producerId, (m = new Map()));
    m.set(`${r.topic}\u0000${r.partition}`, r.value);
    let gs = this.txnProducers.get(producerId);
    if (!gs) this.txnProducers.set(producerId, (gs = new Set()));
    gs.add(r.group);
  }

  /** A transaction marker of `producerId` reached `partition`: its pending offsets there become committed (or are dropped). */
  completeTransaction(partition: number, producerId: number, commit: boolean): void {
    const gs = this.txnProducers.get(producerId);
    if (!gs) return;
    for (const groupId of [...gs]) {
      if (this.partitionFor(groupId) !== partition) continue;
      gs.delete(groupId);
      const group = this.groups.get(groupId);
      const pending = group?.pendingTxnOffsets.get(producerId);
      if (!group || !pending) continue;
      group.pendingTxnOffsets.delete(producerId);
      if (!commit) continue;
      for (const [k, v] of pending) {
        const i = k.lastIndexOf('\u0000');
        group.putOffset(k.slice(0, i), Number(k.slice(i + 1)), v);
      }
    }
    if (gs.size === 0) this.txnProducers.delete(producerId);
  }

  /** Writes the group's metadata record with `assignment`; resolves with the error a member sees (Kafka's storeGroup mapping). */
  async storeGroup(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): Promise<number> {
    const snapshot = snapshotOf(group, assignment);
    const error = await this.append(group.groupId, [{ type: 'group', group: group.groupId, value: snapshot }]);
    return storeGroupError(error);
  }

  // ---- loading

  /** Marks partitions as loading before their load starts, so that their groups answer COORDINATOR_LOAD_IN_PROGRESS. */
  markLoading(partitions: Iterable<number>): void {
    for (const p of partitions) if (!this.partitions.has(p)) this.partitions.set(p, 'loading');
  }

  /**
   * Rebuilds the partition's groups and offsets by replaying its records
   * from the log start, then serves them. Transactional offset commits count
   * once their COMMIT marker is read (dropped on ABORT).
   */
  async loadPartition(partition: number, onGroupLoaded: (g: ClassicGroup) => void): Promise<void> {
    this.partitions.set(partition, 'loading');
    const started = this.time.now();
    let records = 0;
    try {
      for await (const batch of this.log.read(partition)) {
        if (this.shuttingDown) return;
        if (batch.isControl) {
          const rec = batch.records[0];
          const commit = rec?.key && rec.key.length >= 4 && rec.key.readInt16BE(2) === 1;
          this.completeTransaction(partition, batch.producerId, !!commit);
          continue;
        }
        for (const raw of batch.records) {
          let decoded;
          try {
            decoded = decodeRecord(raw.key, raw.value);
          } catch (err) {
            log.warn(`Skipping an undecodable record in ${OFFSETS_TOPIC}-${partition} (batch at offset ${batch.baseOffset}): ${(err as Error).message}`);
            continue;
          }
          if (decoded.type === 'unknown') {
            log.warn(`Unknown message key with version ${decoded.keyVersion} while loading offsets and group metadata from ${OFFSETS_TOPIC}-${partition}. Ignoring it.`);
            continue;
          }
          records++;
          if (batch.isTransactional && decoded.type === 'offset') {
            // Undecided until the transaction's marker; still pending at the end of the load if it has none yet.
            this.addPendingTxnOffset(batch.producerId, decoded);
          } else {
            this.replay(decoded);
          }
        }
      }
    } catch (err) {
      log.error(`Error loading offsets from ${OFFSETS_TOPIC}-${partition}: ${(err as Error)?.stack ?? err}`);
    }
    if (this.shuttingDown) return;
    let groups = 0;
    for (const g of [...this.groups.values()]) {
      if (this.partitionFor(g.groupId) !== partition) continue;
      // Offsets whose tombstones were all read leave a bare group behind: Kafka does not load those.
      if (g.is('Empty') && g.generationId === 0 && g.protocolType === null && g.numOffsets === 0 && g.pendingTxnOffsets.size === 0) {
        this.groups.delete(g.groupId);
        continue;
      }
      groups++;
      onGroupLoaded(g);
    }
    this.partitions.set(partition, 'owned');
    const msg = `Finished loading offsets and group metadata from ${OFFSETS_TOPIC}-${partition} in ${this.time.now() - started} milliseconds: ${records} records, ${groups} groups`;
    if (records > 0) log.info(msg);
    else log.debug(msg);
  }

  /** Stops serving a partition: its groups leave the cache. */
  unloadPartition(partition: number, onGroupUnloaded: (g: ClassicGroup) => void): void {
    this.partitions.delete(partition);
    for (const g of [...this.groups.values()]) {
      if (this.partitionFor(g.groupId) !== partition) continue;
      onGroupUnloaded(g);
      this.groups.delete(g.groupId);
    }
  }

  shutdown(onGroupUnloaded: (g: ClassicGroup) => void): void {
    this.shuttingDown = true;
    for (const g of this.groups.values()) onGroupUnloaded(g);
    this.partitions.clear();
  }
}

/** The GroupMetadataValue of a group with this assignment. */
export function snapshotOf(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): GroupMetadataSnapshot {
  const protocol = group.protocolName;
  return {
    protocolType: group.protocolType ?? '',
    generation: group.generationId,
    protocol,
    leader: group.leaderId,
    currentStateTimestamp: group.currentStateTimestamp ?? -1,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: protocol !== null ? m.metadata(protocol) : Buffer.alloc(0),
      assignment: assignment.get(m.memberId) ?? Buffer.alloc(0),
    })),
  };
}

/** A group as a metadata record describes it: Stable with its members, or Empty. */
export function groupFromSnapshot(groupId: string, s: GroupMetadataSnapshot, now: number): ClassicGroup {
  const g = new ClassicGroup(groupId, s.members.length > 0 ? 'Stable' : 'Empty', now);
  g.generationId = s.generation;
  g.protocolName = s.protocol;
  g.currentStateTimestamp = s.currentStateTimestamp === -1 ? null : s.currentStateTimestamp;
  for (const m of s.members) {
    const member = new Member(
      m.memberId,
      m.groupInstanceId,
      m.clientId,
      m.clientHost,
      m.rebalanceTimeout,
      m.sessionTimeout,
      s.protocolType,
      [{ name: s.protocol ?? '', metadata: m.subscription }],
      m.assignment,
    );
    g.add(member, null);
  }
  g.protocolType = s.protocolType === '' ? null : s.protocolType;
  g.leaderId = s.leader;
  g.subscribedTopics = g.computeSubscribedTopics();
  return g;
}

/** Kafka's mapping of a failed group metadata write to the error members see. */
export function storeGroupError(error: number): number {
  switch (error) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.REBALANCE_IN_PROGRESS;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return error;
  }
}

/** Kafka's mapping of a failed offset commit write to the error the committer sees. */
export function commitError(error: number): number {
  switch (error) {
    case ErrorCode.NETWORK_EXCEPTION:
      return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return error;
  }
}
