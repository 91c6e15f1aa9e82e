// Group requests shared by the consumer and the admin client: finding a
// group's coordinator (FindCoordinator, one key per request at every
// version: v4+ batches keys, earlier versions name one), and reading and
// writing committed offsets (OffsetFetch single-group v0-v7 and multi-group
// v8+ shapes; OffsetCommit at whatever version the broker speaks).

import type { Cluster } from './cluster.js';
import type { BrokerConnection } from './connection.js';
import { KafkaError, brokerError } from './errors.js';
import { ErrorCode } from '../protocol/errors.js';
import type { TopicPartition } from './leader-requests.js';
import { tpKey } from './leader-requests.js';

export const API_KEYS = {
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  DeleteGroups: 42,
  OffsetDelete: 47,
} as const;

export interface CoordinatorInfo {
  nodeId: number;
  host: string;
  port: number;
}

/** One FindCoordinator for a group (keyType 0) or transactional id (1); throws the broker's error (COORDINATOR_NOT_AVAILABLE is retriable). */
export async function findCoordinatorOnce(conn: BrokerConnection, key: string, keyType = 0): Promise<CoordinatorInfo> {
  const version = conn.versionFor(API_KEYS.FindCoordinator);
  const res = await conn.request<any>(API_KEYS.FindCoordinator, version >= 4 ? { keyType, coordinatorKeys: [key] } : { key, keyType }, { version });
  const c = version >= 4 ? (res.coordinators as any[]).find((x) => x.key === key) ?? res.coordinators[0] : res;
  if (!c) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `FindCoordinator for ${key}: empty answer`);
  if (c.errorCode) throw brokerError(c.errorCode, c.errorMessage, `FindCoordinator for ${key}`);
  return { nodeId: c.nodeId, host: c.host, port: c.port };
}

/** FindCoordinator through any broker, retrying retriable errors within `timeoutMs`. */
export function findCoordinator(cluster: Cluster, key: string, timeoutMs: number, keyType = 0): Promise<CoordinatorInfo> {
  return cluster.retry(`FindCoordinator for ${key}`, timeoutMs, async () => findCoordinatorOnce(await cluster.anyConnection(), key, keyType));
}

/** Errors after which the coordinator must be looked up again. */
export function isCoordinatorError(code: number): boolean {
  return code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR;
}

// ------------------------------------------------------------------ offsets

export interface OffsetToCommit extends TopicPartition {
  offset: number;
  /** A string stored with the offset (Kafka's OffsetAndMetadata.metadata); '' when absent. */
  metadata?: string | null;
  leaderEpoch?: number;
}

/** A committed offset as OffsetFetch reports it; offset -1 when the group has none for the partition. */
export interface CommittedOffset extends TopicPartition {
  offset: number;
  metadata: string | null;
  leaderEpoch: number;
}

export interface CommitIdentity {
  groupId: string;
  /** -1 for a commit from outside the group (manual assignment, admin). */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/** Sends one OffsetCommit; resolves with each partition's error code (0 for success). */
export async function sendOffsetCommit(conn: BrokerConnection, id: CommitIdentity, offsets: readonly OffsetToCommit[]): Promise<Map<string, number>> {
  const byTopic = new Map<string, OffsetToCommit[]>();
  for (const o of offsets) {
    if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw new RangeError(`cannot commit offset ${o.offset} for ${o.topic}-${o.partition}`);
    let l = byTopic.get(o.topic);
    if (!l) byTopic.set(o.topic, (l = []));
    l.push(o);
  }
  const version = conn.versionFor(API_KEYS.OffsetCommit);
  const res = await conn.request<any>(
    API_KEYS.OffsetCommit,
    {
      groupId: id.groupId,
      generationIdOrMemberEpoch: id.generationId,
      memberId: id.memberId,
      groupInstanceId: id.groupInstanceId,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, ps]) => ({
        name,
        partitions: ps.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.offset,
          committedLeaderEpoch: p.leaderEpoch ?? -1,
          commitTimestamp: -1,
          committedMetadata: p.metadata ?? '',
        })),
      })),
    },
    { version },
  );
  const out = new Map<string, number>();
  for (const t of res.topics as any[]) for (const p of t.partitions as any[]) out.set(tpKey(t.name, p.partitionIndex), p.errorCode);
  return out;
}

/**
 * One OffsetFetch for one group: the given partitions, or every partition the
 * group has committed (null). Throws the group-level error; per-partition
 * errors are thrown too unless they only say the partition is unknown.
 */
export async function sendOffsetFetch(conn: BrokerConnection, groupId: string, partitions: readonly TopicPartition[] | null, requireStable = false): Promise<CommittedOffset[]> {
  const version = conn.versionFor(API_KEYS.OffsetFetch);
  let topics: { name: string; partitionIndexes: number[] }[] | null = null;
  if (partitions !== null) {
    const m = new Map<string, number[]>();
    for (const tp of partitions) {
      let l = m.get(tp.topic);
      if (!l) m.set(tp.topic, (l = []));
      if (!l.includes(tp.partition)) l.push(tp.partition);
    }
    topics = [...m].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  }
  if (topics === null && version < 2) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `OffsetFetch v${version} cannot list every partition of a group`);
  const body =
    version >= 8
      ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable }
      : { groupId, topics, requireStable };
  const res = await conn.request<any>(API_KEYS.OffsetFetch, body, { version });
  let groupError: number;
  let resTopics: any[];
  if (version >= 8) {
    const g = (res.groups as any[]).find((x) => x.groupId === groupId) ?? res.groups[0];
    groupError = g?.errorCode ?? 0;
    resTopics = g?.topics ?? [];
  } else {
    groupError = res.errorCode ?? 0;
    resTopics = res.topics;
  }
  if (groupError) throw brokerError(groupError, null, `OffsetFetch for group ${groupId}`);
  const out: CommittedOffset[] = [];
  for (const t of resTopics) {
    for (const p of t.partitions as any[]) {
      if (p.errorCode && p.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        throw brokerError(p.errorCode, null, `OffsetFetch for group ${groupId}, ${t.name}-${p.partitionIndex}`);
      }
      out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata ?? null, leaderEpoch: p.committedLeaderEpoch ?? -1 });
    }
  }
  return out;
}
