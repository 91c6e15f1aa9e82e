// The admin client's transaction calls (KIP-664), routed and answered as
// Kafka's Admin does: ListTransactions to every broker, DescribeTransactions
// to each transactional id's coordinator (FindCoordinator key type 1),
// DescribeProducers to a partition's leader (or a named broker), and
// abortTransaction as a WriteTxnMarkers ABORT sent to the partition's leader.
// Errors carry the messages of Kafka's admin handlers, since
// kafka-transactions prints them.

import type { Cluster } from './cluster.js';
import type { AdminConfig } from './config.js';
import { KafkaError } from './errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { findCoordinatorOnce, isCoordinatorError } from './group-requests.js';
import { routeByLeader, tpKey, type TopicPartition } from './leader-requests.js';

export const TXN_API = { WriteTxnMarkers: 27, DescribeProducers: 61, DescribeTransactions: 65, ListTransactions: 66 } as const;

/** Kafka's TransactionState names; a name the client does not know is 'Unknown'. */
export const TRANSACTION_STATES = ['Ongoing', 'PrepareAbort', 'PrepareCommit', 'CompleteAbort', 'CompleteCommit', 'Empty', 'PrepareEpochFence'] as const;

export interface TransactionListing {
  transactionalId: string;
  producerId: number;
  state: string;
}

export interface ListTransactionsOptions {
  /** Only transactions in these states (Kafka's names). */
  states?: readonly string[];
  producerIds?: readonly number[];
  /** Only transactions running longer than this (ListTransactions v1+); negative: no filter. */
  durationFilterMs?: number;
}

export interface TransactionDescription {
  coordinatorId: number;
  state: string;
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** null when no transaction is open (the broker answers -1). */
  transactionStartTimeMs: number | null;
  topicPartitions: TopicPartition[];
}

export interface ProducerState {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  /** null when unknown (the broker answers -1). */
  coordinatorEpoch: number | null;
  /** First offset of the producer's open transaction on the partition; null when none is open. */
  currentTransactionStartOffset: number | null;
}

export interface AbortTransactionSpec extends TopicPartition {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
}

/** Kafka's AbortTransactionSpec.toString, which its messages embed. */
export function abortSpecString(s: AbortTransactionSpec): string {
  return `AbortTransactionSpec(topicPartition=${s.topic}-${s.partition}, producerId=${s.producerId}, producerEpoch=${s.producerEpoch}, coordinatorEpoch=${s.coordinatorEpoch})`;
}

export function knownState(name: string): string {
  return (TRANSACTION_STATES as readonly string[]).includes(name) ? name : 'Unknown';
}

/** Transactions by broker id (sorted), asked of every broker in the cluster. */
export async function listTransactions(cluster: Cluster, config: AdminConfig, opts: ListTransactionsOptions = {}): Promise<Map<number, TransactionListing[]>> {
  const timeoutMs = config.defaultApiTimeoutMs;
  await cluster.retry('listTransactions', timeoutMs, () => cluster.fetchMetadata([], false));
  const out = new Map<number, TransactionListing[]>();
  for (const broker of [...cluster.metadata.brokers.keys()].sort((a, b) => a - b)) {
    const res = await cluster.retry('listTransactions', timeoutMs, async () => {
      const conn = await cluster.connectionTo(broker);
      const version = conn.versionFor(TXN_API.ListTransactions);
      const duration = opts.durationFilterMs ?? -1;
      if (duration >= 0 && version < 1) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `Broker ${broker} does not support filtering transactions by duration (ListTransactions v1)`);
      const r = await conn.request<any>(TXN_API.ListTransactions, { stateFilters: opts.states ?? [], producerIdFilters: opts.producerIds ?? [], durationFilter: duration }, { version });
      // Still loading: retried after a backoff, as Kafka's handler does.
      if (r.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) throw new KafkaError(r.errorCode);
      return r;
    });
    if (res.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      throw new KafkaError(res.errorCode, `ListTransactions request sent to broker ${broker} failed because the coordinator is shutting down`);
    }
    if (res.errorCode) throw new KafkaError(res.errorCode, `ListTransactions request sent to broker ${broker} failed with an unexpected exception`);
    out.set(
      broker,
      (res.transactionStates as any[]).map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, state: knownState(t.transactionState) })),
    );
  }
  return out;
}

/** Each id's description, or the error Kafka's handler reports for it (TRANSACTIONAL_ID_NOT_FOUND for an unknown id). */
export async function describeTransactions(
  cluster: Cluster,
  config: AdminConfig,
  transactionalIds: readonly string[],
): Promise<Map<string, TransactionDescription | KafkaError>> {
  const out = new Map<string, TransactionDescription | KafkaError>();
  for (const id of new Set(transactionalIds)) {
    let coordinator: { nodeId: number; host: string; port: number } | null = null;
    const result = await cluster.retry('describeTransactions', config.defaultApiTimeoutMs, async () => {
      try {
        coordinator ??= await findCoordinatorOnce(await cluster.anyConnection(), id, 1);
        const conn = await cluster.connectionToAddress(coordinator.host, coordinator.port, coordinator.nodeId);
        const r = await conn.request<any>(TXN_API.DescribeTransactions, { transactionalIds: [id] });
        const s = (r.transactionStates as any[]).find((x) => x.transactionalId === id);
        if (!s) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `DescribeTransactions response did not include transactionalId \`${id}\``);
        const code: number = s.errorCode;
        if (code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || isCoordinatorError(code)) throw new KafkaError(code);
        if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) return new KafkaError(code, `DescribeTransactions request for transactionalId \`${id}\` failed due to authorization failure`);
        if (code === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND) return new KafkaError(code, `DescribeTransactions request for transactionalId \`${id}\` failed because the ID could not be found`);
        if (code) return new KafkaError(code, `DescribeTransactions request for transactionalId \`${id}\` failed due to unexpected error`);
        const description: TransactionDescription = {
          coordinatorId: coordinator.nodeId,
          state: knownState(s.transactionState),
          producerId: s.producerId,
          producerEpoch: s.producerEpoch,
          transactionTimeoutMs: s.transactionTimeoutMs,
          transactionStartTimeMs: s.transactionStartTimeMs < 0 ? null : s.transactionStartTimeMs,
          topicPartitions: (s.topics as any[]).flatMap((t) => (t.partitions as number[]).map((partition) => ({ topic: t.topic as string, partition }))),
        };
        return description;
      } catch (err) {
        if (err instanceof KafkaError && (isCoordinatorError(err.code) || err.code === ErrorCode.NETWORK_EXCEPTION)) coordinator = null;
        throw err;
      }
    });
    out.set(id, result);
  }
  return out;
}

/**
 * The active producers of each partition, from its leader or, with
 * `brokerId`, from that broker's replica. A topic the metadata does not know
 * fails at once (Kafka's Admin waits for it until its timeout).
 */
export async function describeProducers(
  cluster: Cluster,
  config: AdminConfig,
  partitions: readonly TopicPartition[],
  opts: { brokerId?: number } = {},
): Promise<Map<string, ProducerState[]>> {
  const read = (conn: Awaited<ReturnType<Cluster['connectionTo']>>, group: readonly TopicPartition[]) => requestProducers(conn, group, opts.brokerId);
  if (opts.brokerId === undefined) {
    return routeByLeader<TopicPartition, ProducerState[]>(cluster, partitions, { timeoutMs: config.defaultApiTimeoutMs, failOnUnknownTopic: true, what: 'describeProducers' }, read);
  }
  const brokerId = opts.brokerId;
  const answers = await cluster.retry('describeProducers', config.defaultApiTimeoutMs, async () => {
    if (cluster.metadata.updatedAt === 0) await cluster.refreshMetadata();
    return read(await cluster.connectionTo(brokerId), partitions);
  });
  const out = new Map<string, ProducerState[]>();
  for (const tp of partitions) {
    const a = answers.get(tpKey(tp.topic, tp.partition));
    if (!a) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `DescribeProducers response did not include partition ${tp.topic}-${tp.partition}`);
    if (a.errorCode) throw new KafkaError(a.errorCode, a.message ?? undefined);
    out.set(tpKey(tp.topic, tp.partition), a.result!);
  }
  return out;
}

async function requestProducers(conn: Awaited<ReturnType<Cluster['connectionTo']>>, group: readonly TopicPartition[], brokerId: number | undefined) {
  const byTopic = new Map<string, number[]>();
  for (const tp of group) {
    let l = byTopic.get(tp.topic);
    if (!l) byTopic.set(tp.topic, (l = []));
    l.push(tp.partition);
  }
  const r = await conn.request<any>(TXN_API.DescribeProducers, { topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) });
  const out = new Map<string, { errorCode: number; message?: string | null; result?: ProducerState[] }>();
  for (const t of r.topics as any[]) {
    for (const p of t.partitions as any[]) {
      const tp = `${t.name}-${p.partitionIndex}`;
      const errorCode: number = p.errorCode;
      // With a named broker, its "not the leader" is final (Kafka's handler fails the partition).
      let message: string | null = null;
      if (errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER && brokerId !== undefined) message = `Failed to describe active producers for partition ${tp} on brokerId ${brokerId}`;
      else if (errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION) message = `Failed to fetch metadata for partition ${tp} due to invalid topic error: ${p.errorMessage ?? new KafkaError(errorCode).message}`;
      else if (errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED) message = `Failed to describe active producers for partition ${tp} due to authorization failure on topic \`${t.name}\``;
      else if (errorCode && errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER && errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) message = `Failed to describe active producers for partition ${tp} due to unexpected error`;
      out.set(tpKey(t.name, p.partitionIndex), {
        errorCode,
        message,
        result: (p.activeProducers as any[]).map((a) => ({
          producerId: a.producerId,
          producerEpoch: a.producerEpoch,
          lastSequence: a.lastSequence,
          lastTimestamp: a.lastTimestamp,
          coordinatorEpoch: a.coordinatorEpoch < 0 ? null : a.coordinatorEpoch,
          currentTransactionStartOffset: a.currentTxnStartOffset < 0 ? null : a.currentTxnStartOffset,
        })),
      });
    }
  }
  return out;
}

/** Writes an ABORT marker for the producer's transaction on the partition, through its leader (WriteTxnMarkers). */
export async function abortTransaction(cluster: Cluster, config: AdminConfig, spec: AbortTransactionSpec): Promise<void> {
  const what = abortSpecString(spec);
  await routeByLeader<TopicPartition, null>(cluster, [spec], { timeoutMs: config.defaultApiTimeoutMs, failOnUnknownTopic: true, what: 'abortTransaction' }, async (conn) => {
    const r = await conn.request<any>(TXN_API.WriteTxnMarkers, {
      markers: [
        {
          producerId: spec.producerId,
          producerEpoch: spec.producerEpoch,
          transactionResult: false,
          topics: [{ name: spec.topic, partitionIndexes: [spec.partition] }],
          coordinatorEpoch: spec.coordinatorEpoch,
        },
      ],
    });
    const p = (r.markers as any[])[0]?.topics?.[0]?.partitions?.[0];
    if ((r.markers as any[]).length !== 1 || r.markers[0].producerId !== spec.producerId || !p || p.partitionIndex !== spec.partition) {
      throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `WriteTxnMarkers response included unexpected entries (expected to find exactly one entry for ${what})`);
    }
    const code: number = p.errorCode;
    const answer = (message: string | null) => new Map([[tpKey(spec.topic, spec.partition), { errorCode: code, message, result: null }]]);
    switch (code) {
      case ErrorCode.NONE:
      // Leadership moved or metadata is behind: routeByLeader retries with fresh metadata.
      case ErrorCode.NOT_LEADER_OR_FOLLOWER:
      case ErrorCode.REPLICA_NOT_AVAILABLE:
      case ErrorCode.BROKER_NOT_AVAILABLE:
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
        return answer(null);
      case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
        throw new KafkaError(code, `WriteTxnMarkers request with ${what} failed due to cluster authorization error`);
      case ErrorCode.INVALID_PRODUCER_EPOCH:
        throw new KafkaError(code, `WriteTxnMarkers request with ${what} failed due an invalid producer epoch`);
      case ErrorCode.TRANSACTION_COORDINATOR_FENCED:
        throw new KafkaError(code, `WriteTxnMarkers request with ${what} failed since the provided coordinator epoch ${spec.coordinatorEpoch} has been fenced by the active coordinator`);
      default:
        throw new KafkaError(code, `WriteTxnMarkers request with ${what} failed due to unexpected error: ${new KafkaError(code).message}`);
    }
  });
}
