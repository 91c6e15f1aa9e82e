// Requests addressed to partition leaders (ListOffsets, DeleteRecords): group
// the partitions by leader, send one request per broker in parallel, collect
// each partition's answer, and retry those that failed retriably (leader
// moved, connection lost) after a metadata refresh and backoff, until the
// call's deadline.

import { Cluster } from './cluster.js';
import { BrokerConnection } from './connection.js';
import { backoffMs } from './backoff.js';
import { KafkaError, TimeoutError, brokerError } from './errors.js';
import { ErrorCode } from '../protocol/errors.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export const tpKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

export interface PartitionAnswer<R> {
  errorCode: number;
  message?: string | null;
  result?: R;
}

export interface LeaderRequestOptions {
  timeoutMs: number;
  /** Fail at once for a topic the metadata says does not exist (admin), rather than wait for it (consumer). */
  failOnUnknownTopic?: boolean;
  what: string;
}

export async function routeByLeader<Q extends TopicPartition, R>(
  cluster: Cluster,
  items: readonly Q[],
  opts: LeaderRequestOptions,
  send: (conn: BrokerConnection, items: Q[]) => Promise<Map<string, PartitionAnswer<R>>>,
): Promise<Map<string, R>> {
  const results = new Map<string, R>();
  let remaining = [...items];
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: Error | null = null;
  cluster.addTopics(items.map((i) => i.topic));
  for (let attempt = 0; remaining.length > 0; attempt++) {
    if (attempt > 0 || remaining.some((i) => cluster.metadata.leaderFor(i.topic, i.partition) < 0)) {
      if (attempt > 0) {
        const wait = backoffMs(attempt, cluster.config.retryBackoffMs, cluster.config.retryBackoffMaxMs);
        if (Date.now() + wait >= deadline) {
          const t = new TimeoutError(`${opts.what} did not complete within ${opts.timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`);
          (t as { cause?: unknown }).cause = lastError;
          throw t;
        }
        await cluster.sleeper.sleep(wait);
      }
      try {
        await cluster.refreshMetadata();
      } catch (err) {
        lastError = err as Error;
        if (!(err instanceof KafkaError) || !err.retriable) throw err;
        continue;
      }
    }
    const byLeader = new Map<number, Q[]>();
    const retry: Q[] = [];
    for (const it of remaining) {
      const t = cluster.metadata.topics.get(it.topic);
      if (opts.failOnUnknownTopic && t && t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        throw brokerError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${it.topic} does not exist`, opts.what);
      }
      if (opts.failOnUnknownTopic && t && t.partitions.length > 0 && !t.partitions[it.partition]) {
        throw brokerError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${it.topic}-${it.partition} does not exist`, opts.what);
      }
      const leader = cluster.metadata.leaderFor(it.topic, it.partition);
      if (leader < 0) {
        retry.push(it);
        lastError = new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `no leader known for ${it.topic}-${it.partition}`);
        continue;
      }
      let l = byLeader.get(leader);
      if (!l) byLeader.set(leader, (l = []));
      l.push(it);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, group]) => {
        let answers: Map<string, PartitionAnswer<R>>;
        try {
          const conn = await cluster.connectionTo(leader);
          answers = await send(conn, group);
        } catch (err) {
          if (!(err instanceof KafkaError) || !err.retriable) throw err;
          lastError = err;
          retry.push(...group);
          return;
        }
        for (const it of group) {
          const a = answers.get(tpKey(it.topic, it.partition));
          if (!a) {
            retry.push(it);
            continue;
          }
          if (a.errorCode === ErrorCode.NONE) {
            results.set(tpKey(it.topic, it.partition), a.result as R);
            continue;
          }
          const err = brokerError(a.errorCode, a.message, `${opts.what} ${it.topic}-${it.partition}`);
          if (!err.retriable || (opts.failOnUnknownTopic && a.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && attempt > 2)) throw err;
          lastError = err;
          retry.push(it);
        }
      }),
    );
    remaining = retry;
  }
  return results;
}

export interface OffsetQuery extends TopicPartition {
  /** -2 earliest, -1 latest, -3 max timestamp, else a timestamp in ms. */
  timestamp: number;
}

export interface OffsetAnswer extends TopicPartition {
  /** -1 when no record has a timestamp at or after the one asked. */
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;
export const MAX_TIMESTAMP = -3;

/** ListOffsets to each partition's leader. */
export function listOffsets(
  cluster: Cluster,
  queries: readonly OffsetQuery[],
  opts: LeaderRequestOptions & { isolationLevel?: number },
): Promise<Map<string, OffsetAnswer>> {
  return routeByLeader<OffsetQuery, OffsetAnswer>(cluster, queries, opts, async (conn, group) => {
    const byTopic = new Map<string, any[]>();
    for (const q of group) {
      let l = byTopic.get(q.topic);
      if (!l) byTopic.set(q.topic, (l = []));
      l.push({ partitionIndex: q.partition, currentLeaderEpoch: -1, timestamp: q.timestamp, maxNumOffsets: 1 });
    }
    const res = await conn.request(2, {
      replicaId: -1,
      isolationLevel: opts.isolationLevel ?? 0,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      timeoutMs: cluster.config.requestTimeoutMs,
    });
    const out = new Map<string, PartitionAnswer<OffsetAnswer>>();
    for (const t of res.topics as any[]) {
      for (const p of t.partitions as any[]) {
        const offset = p.offset ?? (p.oldStyleOffsets?.[0] ?? -1);
        out.set(tpKey(t.name, p.partitionIndex), {
          errorCode: p.errorCode,
          result: { topic: t.name, partition: p.partitionIndex, offset, timestamp: p.timestamp ?? -1, leaderEpoch: p.leaderEpoch ?? -1 },
        });
      }
    }
    return out;
  });
}
