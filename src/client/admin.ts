// The admin client: topics, partitions, configs, offsets, records, cluster
// and log dirs. Requests that change cluster metadata go to the controller
// Metadata names (any broker forwards them under KRaft); leader-addressed
// ones (ListOffsets, DeleteRecords) go to each partition's leader. Retriable
// failures (NOT_CONTROLLER, lost connections, leader changes) are retried
// with backoff within default.api.timeout.ms; everything else surfaces as a
// KafkaError with Kafka's error name and code.

import { Cluster } from './cluster.js';
import { ADMIN_DEFAULTS, AdminConfig, ConfigInput, resolveConfig } from './config.js';
import { KafkaError, brokerError } from './errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP, OffsetAnswer, TopicPartition, listOffsets, routeByLeader, tpKey } from './leader-requests.js';
import type { BrokerInfo } from './metadata.js';
import type { BrokerConnection } from './connection.js';
import { API_KEYS as GROUP_API, CommittedOffset, CoordinatorInfo, OffsetToCommit, findCoordinatorOnce, isCoordinatorError, sendOffsetCommit, sendOffsetFetch } from './group-requests.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription } from './consumer-protocol.js';
import * as quotas from './admin-quotas.js';
import type { ClientQuotaAlteration, ClientQuotaEntry, QuotaEntity, QuotaFilterComponent, UserScramCredentialAlteration, UserScramCredentialsDescription } from './admin-quotas.js';
export type { ClientQuotaAlteration, ClientQuotaEntry, QuotaEntity, QuotaFilterComponent, ScramMechanism, UserScramCredentialAlteration, UserScramCredentialsDescription } from './admin-quotas.js';
import * as txns from './admin-transactions.js';
import type { AbortTransactionSpec, ListTransactionsOptions, ProducerState, TransactionDescription, TransactionListing } from './admin-transactions.js';
export type { AbortTransactionSpec, ListTransactionsOptions, ProducerState, TransactionDescription, TransactionListing } from './admin-transactions.js';

const API = {
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  DescribeConfigs: 32,
  DescribeLogDirs: 35,
  CreatePartitions: 37,
  IncrementalAlterConfigs: 44,
  DescribeCluster: 60,
} as const;

export interface NewTopic {
  name: string;
  /** -1 (default): the broker's num.partitions. */
  numPartitions?: number;
  /** -1 (default): the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Explicit replica assignment: partition index → broker ids. */
  assignments?: Record<number, number[]>;
  configs?: Record<string, string | number | boolean>;
}

export interface CreateTopicResult {
  name: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
  error: KafkaError | null;
}

export interface PartitionDescription {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicDescription {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionDescription[];
}

export type ResourceType = 'topic' | 'broker' | 'broker_logger';
const RESOURCE_TYPE: Record<ResourceType, number> = { topic: 2, broker: 4, broker_logger: 8 };
const RESOURCE_NAME: Record<number, ResourceType> = { 2: 'topic', 4: 'broker', 8: 'broker_logger' };
const CONFIG_SOURCES = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];
const CONFIG_OPS = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

export interface ConfigResource {
  type: ResourceType;
  name: string;
  /** Only these keys (all when absent). */
  keys?: string[];
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  source: ConfigSource;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: ConfigSource }[];
  documentation?: string | null;
}

export interface ConfigDescription {
  type: ResourceType;
  name: string;
  configs: ConfigEntry[];
}

export interface AlterConfigOp {
  name: string;
  value?: string | number | boolean | null;
  op?: keyof typeof CONFIG_OPS;
}

export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | number;

export interface ListedOffset extends TopicPartition {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
}

export interface LogDirDescription {
  broker: number;
  logDir: string;
  error: KafkaError | null;
  totalBytes: number;
  usableBytes: number;
  partitions: { topic: string; partition: number; size: number; offsetLag: number; isFuture: boolean }[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  /** Empty, PreparingRebalance, CompletingRebalance, Stable, Dead (null when the broker does not say: ListGroups before v4). */
  state: string | null;
  /** classic / consumer (ListGroups v5+), else null. */
  type: string | null;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded ConsumerProtocolAssignment (consumer groups; empty while the group is not Stable). */
  assignment: TopicPartition[];
  /** Decoded ConsumerProtocolSubscription for the group's protocol (consumer groups), else null. */
  subscription: { topics: string[]; ownedPartitions: TopicPartition[]; userData: Buffer | null; generationId: number; rackId: string | null } | null;
  /** The raw bytes, for other protocol types. */
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The assignor (consumer groups) the group agreed on. */
  protocol: string;
  members: GroupMemberDescription[];
  coordinator: CoordinatorInfo;
  error: KafkaError | null;
}

/** Where resetConsumerGroupOffsets moves a group: earliest, latest, the first offset at/after a timestamp, or an offset. */
export type OffsetResetSpec = 'earliest' | 'latest' | { timestamp: number } | { offset: number };

/** Raised when some items of a multi-item admin call fail; carries every item's result. */
export class AdminOperationError<T> extends KafkaError {
  override name = 'AdminOperationError';
  constructor(first: KafkaError, readonly results: T[]) {
    super(first.code, first.message);
  }
}

export class Admin {
  readonly config: AdminConfig;
  private readonly cluster: Cluster;

  constructor(options: ConfigInput<AdminConfig>) {
    this.config = resolveConfig<AdminConfig>(options, ADMIN_DEFAULTS, 'admin');
    this.cluster = new Cluster(this.config, { allowAutoTopicCreation: false, kind: 'admin' });
  }

  /** Sends to the controller, or any broker, retrying retriable failures (NOT_CONTROLLER too) within the API timeout. */
  private toController<T = any>(apiKey: number, what: string, body: (version: number) => unknown, check?: (res: T) => void): Promise<T> {
    return this.cluster.retry(what, this.config.defaultApiTimeoutMs, async (attempt) => {
      if (attempt > 0 || this.cluster.metadata.updatedAt === 0) await this.cluster.refreshMetadata();
      const controller = this.cluster.metadata.controllerId;
      const conn = controller >= 0 && this.cluster.metadata.brokers.has(controller) ? await this.cluster.connectionTo(controller) : await this.cluster.anyConnection();
      const version = conn.versionFor(apiKey);
      const res = await conn.request<T>(apiKey, body(version), { version });
      check?.(res);
      return res;
    });
  }

  /** Creates topics; rejects with AdminOperationError (carrying every result) when any fails. */
  async createTopics(topics: readonly NewTopic[], opts: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<CreateTopicResult[]> {
    const res = await this.toController<any>(API.CreateTopics, 'CreateTopics', () => ({
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.assignments ? -1 : (t.numPartitions ?? -1),
        replicationFactor: t.assignments ? -1 : (t.replicationFactor ?? -1),
        assignments: Object.entries(t.assignments ?? {}).map(([p, ids]) => ({ partitionIndex: Number(p), brokerIds: ids })),
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      })),
      timeoutMs: opts.timeoutMs ?? this.config.requestTimeoutMs,
      validateOnly: opts.validateOnly ?? false,
    }), (r) => throwIfRetriable(r.topics.map((t: any) => t.errorCode)));
    const results: CreateTopicResult[] = res.topics.map((t: any) => ({
      name: t.name,
      topicId: t.topicId ?? '',
      numPartitions: t.numPartitions ?? -1,
      replicationFactor: t.replicationFactor ?? -1,
      error: t.errorCode ? brokerError(t.errorCode, t.errorMessage, `CreateTopics ${t.name}`) : null,
    }));
    return settle(results);
  }

  /** Topic names (internal ones such as __consumer_offsets only when asked). */
  async listTopics(opts: { includeInternal?: boolean } = {}): Promise<string[]> {
    const res = await this.cluster.retry('ListTopics', this.config.defaultApiTimeoutMs, () => this.cluster.fetchMetadata(null, false));
    return (res.topics as any[])
      .filter((t) => t.errorCode === 0 && (opts.includeInternal || !t.isInternal))
      .map((t) => t.name as string)
      .sort();
  }

  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    const res = await this.cluster.retry('DescribeTopics', this.config.defaultApiTimeoutMs, async () => {
      const r = await this.cluster.fetchMetadata(names, false);
      throwIfRetriable(r.topics.map((t: any) => t.errorCode));
      return r;
    });
    const out: TopicDescription[] = [];
    for (const name of names) {
      const t = (res.topics as any[]).find((x) => x.name === name);
      if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name} is not in the Metadata response`);
      if (t.errorCode) throw brokerError(t.errorCode, null, `DescribeTopics ${name}`);
      out.push({
        name,
        topicId: t.topicId ?? '',
        isInternal: !!t.isInternal,
        partitions: (t.partitions as any[])
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId,
            leaderEpoch: p.leaderEpoch ?? -1,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            offlineReplicas: p.offlineReplicas ?? [],
          }))
          .sort((a, b) => a.partition - b.partition),
      });
    }
    return out;
  }

  async deleteTopics(names: readonly string[], opts: { timeoutMs?: number } = {}): Promise<void> {
    const res = await this.toController<any>(API.DeleteTopics, 'DeleteTopics', (v) => ({
      topics: v >= 6 ? names.map((name) => ({ name, topicId: null })) : [],
      topicNames: v < 6 ? names : [],
      timeoutMs: opts.timeoutMs ?? this.config.requestTimeoutMs,
    }), (r) => throwIfRetriable(r.responses.map((t: any) => t.errorCode)));
    const results = (res.responses as any[]).map((t) => ({
      name: t.name as string,
      error: t.errorCode ? brokerError(t.errorCode, t.errorMessage, `DeleteTopics ${t.name}`) : null,
    }));
    settle(results);
    this.cluster.removeTopics(names);
  }

  /** Raises topics' partition counts to `count`. */
  async createPartitions(
    topics: readonly { topic: string; count: number; assignments?: number[][] }[],
    opts: { validateOnly?: boolean; timeoutMs?: number } = {},
  ): Promise<void> {
    const res = await this.toController<any>(API.CreatePartitions, 'CreatePartitions', () => ({
      topics: topics.map((t) => ({ name: t.topic, count: t.count, assignments: t.assignments ? t.assignments.map((brokerIds) => ({ brokerIds })) : null })),
      timeoutMs: opts.timeoutMs ?? this.config.requestTimeoutMs,
      validateOnly: opts.validateOnly ?? false,
    }), (r) => throwIfRetriable(r.results.map((t: any) => t.errorCode)));
    settle((res.results as any[]).map((t) => ({ name: t.name, error: t.errorCode ? brokerError(t.errorCode, t.errorMessage, `CreatePartitions ${t.name}`) : null })));
  }

  /** Describes topic or broker configs. Broker resources go to that broker. */
  async describeConfigs(
    resources: readonly ConfigResource[],
    opts: { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
  ): Promise<ConfigDescription[]> {
    const out: ConfigDescription[] = [];
    for (const r of resources) {
      const body = {
        resources: [{ resourceType: RESOURCE_TYPE[r.type], resourceName: r.name, configurationKeys: r.keys ?? null }],
        includeSynonyms: opts.includeSynonyms ?? false,
        includeDocumentation: opts.includeDocumentation ?? false,
      };
      const res = await this.sendFor(r, API.DescribeConfigs, 'DescribeConfigs', body);
      const x = res.results[0];
      if (x.errorCode) throw brokerError(x.errorCode, x.errorMessage, `DescribeConfigs ${r.type} ${r.name}`);
      out.push({
        type: RESOURCE_NAME[x.resourceType] ?? r.type,
        name: x.resourceName,
        configs: (x.configs as any[]).map((c) => {
          const source: ConfigSource = CONFIG_SOURCES[c.configSource] ?? (c.isDefault ? 'DEFAULT_CONFIG' : 'UNKNOWN');
          return {
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            isDefault: c.configSource === -1 || c.configSource === undefined ? !!c.isDefault : source === 'DEFAULT_CONFIG',
            source,
            isSensitive: c.isSensitive,
            synonyms: (c.synonyms ?? []).map((s: any) => ({ name: s.name, value: s.value, source: CONFIG_SOURCES[s.source] ?? 'UNKNOWN' })),
            documentation: c.documentation ?? null,
          };
        }),
      });
    }
    return out;
  }

  /** Sets, deletes, appends to or subtracts from config values (KIP-339). */
  async incrementalAlterConfigs(
    changes: readonly { type: ResourceType; name: string; configs: readonly AlterConfigOp[] }[],
    opts: { validateOnly?: boolean } = {},
  ): Promise<void> {
    for (const c of changes) {
      const body = {
        resources: [
          {
            resourceType: RESOURCE_TYPE[c.type],
            resourceName: c.name,
            configs: c.configs.map((o) => ({
              name: o.name,
              configOperation: CONFIG_OPS[o.op ?? (o.value == null ? 'delete' : 'set')],
              value: o.value == null ? null : String(o.value),
            })),
          },
        ],
        validateOnly: opts.validateOnly ?? false,
      };
      const res = await this.sendFor(c, API.IncrementalAlterConfigs, 'IncrementalAlterConfigs', body);
      const x = res.responses[0];
      if (x.errorCode) throw brokerError(x.errorCode, x.errorMessage, `IncrementalAlterConfigs ${c.type} ${c.name}`);
    }
  }

  /** Broker (and broker logger) resources go to the broker they name, topics to the controller. */
  private sendFor(r: { type: ResourceType; name: string }, apiKey: number, what: string, body: unknown): Promise<any> {
    if (r.type === 'topic' || r.name === '') return this.toController(apiKey, what, () => body);
    const nodeId = Number(r.name);
    return this.cluster.retry(what, this.config.defaultApiTimeoutMs, async () => {
      if (this.cluster.metadata.updatedAt === 0) await this.cluster.refreshMetadata();
      const conn = await this.cluster.connectionTo(nodeId);
      return conn.request(apiKey, body);
    });
  }

  /** Offsets by spec: earliest, latest, max-timestamp, or the first offset at/after a timestamp (offset -1 when none). */
  async listOffsets(
    queries: readonly (TopicPartition & { spec: OffsetSpec })[],
    opts: { isolationLevel?: 'read_uncommitted' | 'read_committed' } = {},
  ): Promise<ListedOffset[]> {
    const qs = queries.map((q) => ({ topic: q.topic, partition: q.partition, timestamp: specTimestamp(q.spec) }));
    // A request names each partition once: several specs for one partition take several rounds.
    const rounds: (typeof qs)[] = [];
    const answers = new Map<string, OffsetAnswer>();
    for (const q of qs) {
      let r = rounds.find((round) => !round.some((x) => x.topic === q.topic && x.partition === q.partition));
      if (!r) rounds.push((r = []));
      if (!r.some((x) => x.topic === q.topic && x.partition === q.partition && x.timestamp === q.timestamp)) r.push(q);
    }
    for (const round of rounds) {
      const res = await listOffsets(this.cluster, round, {
        timeoutMs: this.config.defaultApiTimeoutMs,
        failOnUnknownTopic: true,
        what: 'ListOffsets',
        isolationLevel: opts.isolationLevel === 'read_committed' ? 1 : 0,
      });
      for (const q of round) answers.set(`${tpKey(q.topic, q.partition)}\0${q.timestamp}`, res.get(tpKey(q.topic, q.partition))!);
    }
    return qs.map((q) => {
      const a = answers.get(`${tpKey(q.topic, q.partition)}\0${q.timestamp}`)!;
      return { topic: q.topic, partition: q.partition, offset: a.offset, timestamp: a.timestamp, leaderEpoch: a.leaderEpoch };
    });
  }

  /** Deletes records before `offset` (-1: the high watermark); returns each partition's new low watermark. */
  async deleteRecords(items: readonly (TopicPartition & { offset: number })[], opts: { timeoutMs?: number } = {}): Promise<(TopicPartition & { lowWatermark: number })[]> {
    const res = await routeByLeader<TopicPartition & { offset: number }, number>(
      this.cluster,
      items,
      { timeoutMs: this.config.defaultApiTimeoutMs, failOnUnknownTopic: true, what: 'DeleteRecords' },
      async (conn, group) => {
        const byTopic = new Map<string, any[]>();
        for (const it of group) {
          let l = byTopic.get(it.topic);
          if (!l) byTopic.set(it.topic, (l = []));
          l.push({ partitionIndex: it.partition, offset: it.offset });
        }
        const r = await conn.request(API.DeleteRecords, {
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
          timeoutMs: opts.timeoutMs ?? this.config.requestTimeoutMs,
        });
        const out = new Map<string, { errorCode: number; result: number }>();
        for (const t of r.topics as any[]) for (const p of t.partitions as any[]) out.set(tpKey(t.name, p.partitionIndex), { errorCode: p.errorCode, result: p.lowWatermark });
        return out;
      },
    );
    return items.map((i) => ({ topic: i.topic, partition: i.partition, lowWatermark: res.get(tpKey(i.topic, i.partition))! }));
  }

  /** Cluster id, controller and brokers (DescribeCluster where served, else Metadata). */
  async describeCluster(): Promise<ClusterDescription> {
    return this.cluster.retry('DescribeCluster', this.config.defaultApiTimeoutMs, async () => {
      const conn = await this.cluster.anyConnection();
      if (conn.brokerVersions(API.DescribeCluster)) {
        const r = await conn.request(API.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1 });
        if (r.errorCode) throw brokerError(r.errorCode, r.errorMessage, 'DescribeCluster');
        return {
          clusterId: r.clusterId,
          controllerId: r.controllerId,
          brokers: (r.brokers as any[]).map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack ?? null })),
        };
      }
      await this.cluster.fetchMetadata([], false);
      const m = this.cluster.metadata;
      return { clusterId: m.clusterId, controllerId: m.controllerId, brokers: [...m.brokers.values()] };
    });
  }

  /** Log dirs of the given brokers (all when absent), with every partition's size. */
  async describeLogDirs(brokerIds?: readonly number[]): Promise<LogDirDescription[]> {
    if (!brokerIds) {
      await this.cluster.retry('DescribeLogDirs', this.config.defaultApiTimeoutMs, () => this.cluster.fetchMetadata([], false));
      brokerIds = [...this.cluster.metadata.brokers.keys()];
    }
    const out: LogDirDescription[] = [];
    for (const broker of brokerIds) {
      const r = await this.cluster.retry('DescribeLogDirs', this.config.defaultApiTimeoutMs, async () => {
        const conn = await this.cluster.connectionTo(broker);
        return conn.request(API.DescribeLogDirs, { topics: null });
      });
      if (r.errorCode) throw brokerError(r.errorCode, null, `DescribeLogDirs on broker ${broker}`);
      for (const d of r.results as any[]) {
        out.push({
          broker,
          logDir: d.logDir,
          error: d.errorCode ? brokerError(d.errorCode, null, `log dir ${d.logDir}`) : null,
          totalBytes: d.totalBytes ?? -1,
          usableBytes: d.usableBytes ?? -1,
          partitions: (d.topics as any[]).flatMap((t) =>
            (t.partitions as any[]).map((p) => ({ topic: t.name, partition: p.partitionIndex, size: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey })),
          ),
        });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- consumer groups

  /**
   * Sends to a group's coordinator (looked up with FindCoordinator), looking
   * it up again and retrying on coordinator errors and lost connections,
   * within default.api.timeout.ms.
   */
  private toCoordinator<T>(groupId: string, what: string, fn: (conn: BrokerConnection, coordinator: CoordinatorInfo) => Promise<T>): Promise<T> {
    let coordinator: CoordinatorInfo | null = null;
    return this.cluster.retry(what, this.config.defaultApiTimeoutMs, async () => {
      coordinator ??= await findCoordinatorOnce(await this.cluster.anyConnection(), groupId);
      try {
        const conn = await this.cluster.connectionToAddress(coordinator.host, coordinator.port, coordinator.nodeId);
        return await fn(conn, coordinator);
      } catch (err) {
        if (err instanceof KafkaError && (isCoordinatorError(err.code) || err.code === ErrorCode.NETWORK_EXCEPTION)) coordinator = null;
        throw err;
      }
    });
  }

  /** Groups on every broker; `states` filters by state (ListGroups v4+; described one by one on older brokers), `types` by group type (v5+). */
  async listGroups(opts: { states?: readonly string[]; types?: readonly string[] } = {}): Promise<GroupListing[]> {
    await this.cluster.retry('ListGroups', this.config.defaultApiTimeoutMs, () => this.cluster.fetchMetadata([], false));
    const byId = new Map<string, GroupListing>();
    const lowerStates = (opts.states ?? []).map((x) => x.toLowerCase());
    let filterLocally = false;
    for (const broker of [...this.cluster.metadata.brokers.keys()].sort((a, b) => a - b)) {
      const res = await this.cluster.retry('ListGroups', this.config.defaultApiTimeoutMs, async () => {
        const conn = await this.cluster.connectionTo(broker);
        const version = conn.versionFor(GROUP_API.ListGroups);
        if (version < 4 && lowerStates.length > 0) filterLocally = true;
        if (version < 5 && opts.types && opts.types.length > 0) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `broker ${broker} cannot filter groups by type (ListGroups v${version})`);
        const r = await conn.request<any>(GROUP_API.ListGroups, { statesFilter: opts.states ?? [], typesFilter: opts.types ?? [] }, { version });
        if (r.errorCode) throw brokerError(r.errorCode, null, `ListGroups on broker ${broker}`);
        return r;
      });
      for (const g of res.groups as any[]) {
        byId.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState ?? null, type: g.groupType ?? null });
      }
    }
    let out = [...byId.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
    if (filterLocally) {
      const described = await this.describeGroups(out.map((g) => g.groupId), { throwOnError: false });
      const states = new Map(described.map((d) => [d.groupId, d.state]));
      out = out
        .map((g) => ({ ...g, state: states.get(g.groupId) ?? g.state }))
        .filter((g) => g.state !== null && lowerStates.includes(g.state.toLowerCase()));
    }
    return out;
  }

  /**
   * Describes groups at their coordinators: state, protocol, members (with
   * their subscriptions and assignments decoded for consumer groups). Rejects
   * with AdminOperationError when a group's description carries an error
   * (unless throwOnError is false); unknown groups come back as state Dead.
   */
  async describeGroups(groupIds: readonly string[], opts: { throwOnError?: boolean } = {}): Promise<GroupDescription[]> {
    const out: GroupDescription[] = [];
    for (const groupId of groupIds) {
      out.push(
        await this.toCoordinator(groupId, `DescribeGroups ${groupId}`, async (conn, coordinator) => {
          const r = await conn.request<any>(GROUP_API.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
          const g = (r.groups as any[]).find((x) => x.groupId === groupId) ?? r.groups[0];
          if (g.errorCode && (isCoordinatorError(g.errorCode) || new KafkaError(g.errorCode).retriable)) throw brokerError(g.errorCode, null, `DescribeGroups ${groupId}`);
          const consumer = g.protocolType === CONSUMER_PROTOCOL_TYPE;
          return {
            groupId,
            state: g.groupState,
            protocolType: g.protocolType,
            protocol: g.protocolData,
            coordinator,
            error: g.errorCode ? brokerError(g.errorCode, null, `DescribeGroups ${groupId}`) : null,
            members: (g.members as any[]).map((m) => {
              let assignment: TopicPartition[] = [];
              let subscription: GroupMemberDescription['subscription'] = null;
              if (consumer) {
                try {
                  assignment = decodeAssignment(m.memberAssignment).partitions;
                } catch {
                  assignment = [];
                }
                try {
                  if (m.memberMetadata && m.memberMetadata.length > 0) {
                    const s = decodeSubscription(m.memberMetadata);
                    subscription = { topics: s.topics, ownedPartitions: s.ownedPartitions, userData: s.userData, generationId: s.generationId, rackId: s.rackId };
                  }
                } catch {
                  subscription = null;
                }
              }
              return {
                memberId: m.memberId,
                groupInstanceId: m.groupInstanceId ?? null,
                clientId: m.clientId,
                clientHost: m.clientHost,
                assignment,
                subscription,
                memberMetadata: m.memberMetadata ?? Buffer.alloc(0),
                memberAssignment: m.memberAssignment ?? Buffer.alloc(0),
              };
            }),
          };
        }),
      );
    }
    return opts.throwOnError === false ? out : settle(out);
  }

  /** Deletes empty groups with their committed offsets (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND in the AdminOperationError's results otherwise). */
  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; error: KafkaError | null }[]> {
    const results: { groupId: string; error: KafkaError | null }[] = [];
    for (const groupId of groupIds) {
      const code = await this.toCoordinator(groupId, `DeleteGroups ${groupId}`, async (conn) => {
        const r = await conn.request<any>(GROUP_API.DeleteGroups, { groupsNames: [groupId] });
        const x = (r.results as any[]).find((y) => y.groupId === groupId) ?? r.results[0];
        if (x.errorCode && (isCoordinatorError(x.errorCode) || new KafkaError(x.errorCode).retriable)) throw brokerError(x.errorCode, null, `DeleteGroups ${groupId}`);
        return x.errorCode as number;
      });
      results.push({ groupId, error: code ? brokerError(code, null, `DeleteGroups ${groupId}`) : null });
    }
    return settle(results);
  }

  /** A group's committed offsets (OffsetFetch): the partitions given (offset -1 where none), or every partition it has committed. */
  async listConsumerGroupOffsets(groupId: string, opts: { partitions?: readonly TopicPartition[]; requireStable?: boolean } = {}): Promise<CommittedOffset[]> {
    const res = await this.toCoordinator(groupId, `OffsetFetch ${groupId}`, (conn) => sendOffsetFetch(conn, groupId, opts.partitions ?? null, opts.requireStable ?? false));
    if (!opts.partitions) return res.filter((c) => c.offset >= 0).sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    const got = new Map(res.map((c) => [tpKey(c.topic, c.partition), c]));
    return opts.partitions.map((tp) => got.get(tpKey(tp.topic, tp.partition)) ?? { topic: tp.topic, partition: tp.partition, offset: -1, metadata: null, leaderEpoch: -1 });
  }

  /**
   * Sets a group's committed offsets as a consumer outside the group
   * (OffsetCommit with generation -1), which Kafka accepts only while the
   * group has no members (UNKNOWN_MEMBER_ID otherwise).
   */
  async alterConsumerGroupOffsets(groupId: string, offsets: readonly OffsetToCommit[]): Promise<(TopicPartition & { error: KafkaError | null })[]> {
    const codes = await this.toCoordinator(groupId, `OffsetCommit ${groupId}`, async (conn) => {
      const c = await sendOffsetCommit(conn, { groupId, generationId: -1, memberId: '', groupInstanceId: null }, offsets);
      for (const code of c.values()) if (code && (isCoordinatorError(code) || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)) throw new KafkaError(code);
      return c;
    });
    return settle(
      offsets.map((o) => {
        const code = codes.get(tpKey(o.topic, o.partition)) ?? 0;
        return { topic: o.topic, partition: o.partition, error: code ? brokerError(code, null, `OffsetCommit ${groupId} ${o.topic}-${o.partition}`) : null };
      }),
    );
  }

  /**
   * Moves a group's offsets (the group must have no members): a topic name
   * stands for all its partitions. Offsets from a timestamp with no later
   * record go to the end, as kafka-consumer-groups does. Returns the offsets set.
   */
  async resetConsumerGroupOffsets(groupId: string, targets: readonly (string | TopicPartition)[], to: OffsetResetSpec): Promise<(TopicPartition & { offset: number })[]> {
    const tps: TopicPartition[] = [];
    const topics = targets.filter((t): t is string => typeof t === 'string');
    if (topics.length > 0) {
      for (const d of await this.describeTopics(topics)) for (const p of d.partitions) tps.push({ topic: d.name, partition: p.partition });
    }
    for (const t of targets) if (typeof t !== 'string') tps.push({ topic: t.topic, partition: t.partition });
    let offsets: (TopicPartition & { offset: number })[];
    if (typeof to === 'object' && 'offset' in to) {
      offsets = tps.map((tp) => ({ ...tp, offset: to.offset }));
    } else {
      const spec: OffsetSpec = typeof to === 'object' ? to.timestamp : to;
      const listed = await this.listOffsets(tps.map((tp) => ({ ...tp, spec })));
      const needEnd = listed.filter((l) => l.offset < 0);
      const ends = needEnd.length > 0 ? await this.listOffsets(needEnd.map((l) => ({ topic: l.topic, partition: l.partition, spec: 'latest' as const }))) : [];
      const endOf = new Map(ends.map((e) => [tpKey(e.topic, e.partition), e.offset]));
      offsets = listed.map((l) => ({ topic: l.topic, partition: l.partition, offset: l.offset >= 0 ? l.offset : endOf.get(tpKey(l.topic, l.partition))! }));
    }
    await this.alterConsumerGroupOffsets(groupId, offsets);
    return offsets;
  }

  /** Deletes a group's committed offsets for partitions (OffsetDelete; GROUP_SUBSCRIBED_TO_TOPIC while a member subscribes to the topic). */
  async deleteConsumerGroupOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<(TopicPartition & { error: KafkaError | null })[]> {
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions) {
      let l = byTopic.get(tp.topic);
      if (!l) byTopic.set(tp.topic, (l = []));
      l.push(tp.partition);
    }
    const res = await this.toCoordinator(groupId, `OffsetDelete ${groupId}`, async (conn) => {
      const r = await conn.request<any>(GROUP_API.OffsetDelete, {
        groupId,
        topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })),
      });
      if (r.errorCode && (isCoordinatorError(r.errorCode) || new KafkaError(r.errorCode).retriable)) throw brokerError(r.errorCode, null, `OffsetDelete ${groupId}`);
      return r;
    });
    if (res.errorCode) throw brokerError(res.errorCode, null, `OffsetDelete ${groupId}`);
    const codes = new Map<string, number>();
    for (const t of res.topics as any[]) for (const p of t.partitions as any[]) codes.set(tpKey(t.name, p.partitionIndex), p.errorCode);
    return settle(
      partitions.map((tp) => {
        const code = codes.get(tpKey(tp.topic, tp.partition)) ?? 0;
        return { topic: tp.topic, partition: tp.partition, error: code ? brokerError(code, null, `OffsetDelete ${groupId} ${tp.topic}-${tp.partition}`) : null };
      }),
    );
  }

  /** Client quotas of the entities matching every component (`strict`: entities with no other entity types). */
  async describeClientQuotas(components: readonly QuotaFilterComponent[], opts: { strict?: boolean } = {}): Promise<ClientQuotaEntry[]> {
    const body = quotas.describeQuotasBody(components, opts.strict ?? false);
    return quotas.readDescribeQuotas(await this.toController(quotas.QUOTA_API.DescribeClientQuotas, 'DescribeClientQuotas', () => body));
  }

  /** Sets and removes quota values; rejects with AdminOperationError (carrying every entity's result) when any fails. */
  async alterClientQuotas(alterations: readonly ClientQuotaAlteration[], opts: { validateOnly?: boolean } = {}): Promise<{ entity: QuotaEntity; error: KafkaError | null }[]> {
    const body = quotas.alterQuotasBody(alterations, opts.validateOnly ?? false);
    const res = await this.toController<any>(quotas.QUOTA_API.AlterClientQuotas, 'AlterClientQuotas', () => body, (r) => throwIfRetriable(r.entries.map((e: any) => e.errorCode)));
    return settle(quotas.readAlterQuotas(res));
  }

  /** SCRAM credentials (mechanism and iterations) of the given users, or of every user with one. */
  async describeUserScramCredentials(users?: readonly string[]): Promise<UserScramCredentialsDescription[]> {
    const body = { users: users ? users.map((name) => ({ name })) : null };
    return quotas.readDescribeScram(await this.toController(quotas.QUOTA_API.DescribeUserScramCredentials, 'DescribeUserScramCredentials', () => body));
  }

  /** Creates, replaces or deletes SCRAM credentials; the password is salted here and never sent. */
  async alterUserScramCredentials(alterations: readonly UserScramCredentialAlteration[]): Promise<{ user: string; error: KafkaError | null }[]> {
    const { body, refused } = quotas.alterScramBody(alterations);
    const res = await this.toController<any>(quotas.QUOTA_API.AlterUserScramCredentials, 'AlterUserScramCredentials', () => body, (r) => throwIfRetriable(r.results.map((e: any) => e.errorCode)));
    return settle(quotas.readAlterScram(res, alterations, refused));
  }

  // ---------------------------------------------------------------- transactions

  /** Transactions on every broker, by broker id. */
  listTransactions(opts: ListTransactionsOptions = {}): Promise<Map<number, TransactionListing[]>> {
    return txns.listTransactions(this.cluster, this.config, opts);
  }

  /** Each transactional id's state from its coordinator, or the KafkaError Kafka reports for it. */
  describeTransactions(transactionalIds: readonly string[]): Promise<Map<string, TransactionDescription | KafkaError>> {
    return txns.describeTransactions(this.cluster, this.config, transactionalIds);
  }

  /** Active producers per partition (keyed by tpKey), from the leader or the given broker's replica. */
  describeProducers(partitions: readonly TopicPartition[], opts: { brokerId?: number } = {}): Promise<Map<string, ProducerState[]>> {
    return txns.describeProducers(this.cluster, this.config, partitions, opts);
  }

  /** Aborts a (hanging) transaction on one partition: an ABORT marker written by its leader. */
  abortTransaction(spec: AbortTransactionSpec): Promise<void> {
    return txns.abortTransaction(this.cluster, this.config, spec);
  }

  /** Closes every connection; leaves nothing running. */
  async close(): Promise<void> {
    this.cluster.close();
  }
}

function specTimestamp(spec: OffsetSpec): number {
  if (spec === 'earliest') return EARLIEST_TIMESTAMP;
  if (spec === 'latest') return LATEST_TIMESTAMP;
  if (spec === 'max-timestamp') return MAX_TIMESTAMP;
  if (typeof spec === 'number' && Number.isSafeInteger(spec) && spec >= 0) return spec;
  throw new TypeError(`invalid offset spec ${String(spec)}: earliest, latest, max-timestamp or a timestamp`);
}

/** Throws the first retriable error so that the call is retried as a whole (e.g. NOT_CONTROLLER). */
function throwIfRetriable(codes: number[]): void {
  for (const c of codes) {
    if (c && new KafkaError(c).retriable && c !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new KafkaError(c);
  }
}

function settle<T extends { error: KafkaError | null }>(results: T[]): T[] {
  const failed = results.find((r) => r.error);
  if (failed) throw new AdminOperationError(failed.error!, results);
  return results;
}
