// The broker's effective configuration: static properties (server.properties plus --override), Kafka's
// defaults, and dynamic overrides set through AlterConfigs, per broker or cluster-wide. Precedence, as in
// Kafka's DynamicBrokerConfig: DYNAMIC_BROKER_CONFIG > DYNAMIC_DEFAULT_BROKER_CONFIG > STATIC_BROKER_CONFIG
// > DEFAULT_CONFIG. Keys that only Kafka's internals read (and Samsa's own) are defined in broker-defs*.ts.
//
// Resolution rules (Kafka's): log.retention.ms > log.retention.minutes > log.retention.hours;
// log.roll.ms > log.roll.hours (and the jitter pair); log.flush.interval.ms > log.flush.scheduler.interval.ms;
// log.dirs > log.dir; node.id and broker.id mirror each other and must agree.
// Samsa-specific: with metadata.store=embedded an unset node.id is 1 and the internal topics' replication
// factors default to 1; the inter-broker listener requirement is only enforced when it is configured or the
// store is etcd (a single node never talks to another broker).

import {
  ConfigError, ConfigKeyDef, ConfigSource, ConfigValue, DescribeConfigsEntry, DescribeConfigsSynonym, DescribeOptions,
  INVALID_REQUEST, LONG_MAX, defaultValue, describeEntry, formatValue, indexDefs, parseAndValidate, selectKeys,
} from './config-def.js';
import { SERVER_DEFS } from './broker-defs.js';
import { LISTENER_ONLY_SECURITY_KEYS, MORE_DEFS, THREAD_POOL_KEYS } from './broker-defs-more.js';
import { Listener, SecurityProtocol, formatListener, listenerNameOf, parseCsvList, parseListeners, parseProtocolMap } from './listeners.js';

export { ConfigError } from './config-def.js';
export type { DescribeConfigsEntry, DescribeConfigsSynonym, DescribeOptions } from './config-def.js';
export type { Listener, SecurityProtocol } from './listeners.js';

/** Every broker key Samsa knows, by name. */
export const BROKER_CONFIG_DEFS: ReadonlyMap<string, ConfigKeyDef> = indexDefs([...SERVER_DEFS, ...MORE_DEFS]);

export type BrokerConfigSource = 'DYNAMIC_BROKER_CONFIG' | 'DYNAMIC_DEFAULT_BROKER_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG';

const LISTENER_PREFIX = /^listener\.name\.[^.]*\.(.*)$/;
const MECHANISM_KEYS = ['sasl.jaas.config', 'sasl.login.callback.handler.class', 'sasl.login.class',
  'sasl.server.callback.handler.class', 'connections.max.reauth.ms'];

/** The base key of a listener-prefixed key (listener.name.x.ssl.keystore.location -> ssl.keystore.location), or null. */
export function listenerBaseKey(name: string): string | null {
  const m = LISTENER_PREFIX.exec(name);
  if (!m) return null;
  return MECHANISM_KEYS.find((k) => m[1]!.endsWith(k)) ?? m[1]!;
}

/** Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the keys that set the same thing, highest priority first. */
export function brokerConfigSynonyms(name: string, matchListenerOverride = true): string[] {
  switch (name) {
    case 'log.roll.ms': case 'log.roll.hours': return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms': case 'log.roll.jitter.hours': return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms': return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms': case 'log.retention.minutes': case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
  }
  const base = matchListenerOverride ? listenerBaseKey(name) : null;
  return base !== null ? [name, base] : [name];
}

/** The definition governing a key (a listener-prefixed key uses its base key's definition). */
export function brokerKeyDef(name: string): ConfigKeyDef | undefined {
  const def = BROKER_CONFIG_DEFS.get(name);
  if (def) return def;
  const base = listenerBaseKey(name);
  return base === null ? undefined : BROKER_CONFIG_DEFS.get(base);
}

export function isDynamicBrokerKey(name: string): boolean {
  return BROKER_CONFIG_DEFS.get(name)?.dynamic !== undefined;
}

function scalaSet(names: Iterable<string>): string {
  return `Set(${[...names].join(', ')})`;
}

const ROLES = ['broker', 'controller'];
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;

/** Long.MAX_VALUE means "never" for some keys: show it as Infinity to TypeScript callers. */
export function neverToInfinity(n: number): number {
  return n >= LONG_MAX ? Infinity : n;
}

export class BrokerConfig {
  /** Raw static properties (server.properties + overrides), with node.id/broker.id mirrored as Kafka does. */
  readonly staticConfigs: Readonly<Record<string, string>>;
  /** Raw dynamic overrides for this broker and for all brokers, already cleaned of keys that may not be set. */
  readonly dynamicBrokerConfigs: Readonly<Record<string, string>>;
  readonly dynamicDefaultConfigs: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];

  readonly listeners: readonly Listener[];
  readonly controllerListeners: readonly Listener[];
  readonly advertisedListeners: readonly Listener[];
  readonly listenerSecurityProtocolMap: ReadonlyMap<string, SecurityProtocol>;
  readonly controllerListenerNames: readonly string[];
  readonly interBrokerListenerName: string;
  readonly interBrokerSecurityProtocol: SecurityProtocol;

  private readonly merged: Readonly<Record<string, string>>;
  private readonly values = new Map<string, ConfigValue>();

  constructor(
    staticConfigs: Record<string, string>,
    dynamicBroker: Record<string, string> = {},
    dynamicDefault: Record<string, string> = {},
    warnings: readonly string[] = [],
  ) {
    this.staticConfigs = Object.freeze({ ...staticConfigs });
    this.dynamicBrokerConfigs = Object.freeze({ ...dynamicBroker });
    this.dynamicDefaultConfigs = Object.freeze({ ...dynamicDefault });
    this.warnings = Object.freeze([...warnings]);
    this.merged = Object.freeze({ ...staticConfigs, ...dynamicDefault, ...dynamicBroker });

    const storeDef = BROKER_CONFIG_DEFS.get('metadata.store')!;
    const storeRaw = this.merged['metadata.store'];
    const embedded = (storeRaw === undefined ? defaultValue(storeDef) : parseAndValidate(storeDef, storeRaw)) === 'embedded';
    for (const def of BROKER_CONFIG_DEFS.values()) {
      const raw = this.merged[def.name];
      this.values.set(def.name, raw === undefined ? defaultValue(def, embedded) : parseAndValidate(def, raw));
    }
    this.validateIdentity(embedded);
    this.validateLog();

    // ---- listeners ----
    const mapExplicit = this.merged['listener.security.protocol.map'] !== undefined;
    const protocols = parseProtocolMap(this.str('listener.security.protocol.map'));
    const controllerNames = parseCsvList(this.strOrNull('controller.listener.names')).map((n) => n.toUpperCase());
    const listenersValue = this.str('listeners');
    if (!mapExplicit && controllerNames.length > 0) {
      // KRaft's rule: with the default map, controller listener names are PLAINTEXT unless TLS or SASL is in use.
      const secure = (n: string) => n === 'SSL' || n === 'SASL_SSL' || n === 'SASL_PLAINTEXT';
      const inUse = [...controllerNames, ...parseCsvList(listenersValue).map((l) => l.includes(':') ? listenerNameOf(l) : l)];
      if (!inUse.some(secure)) for (const n of controllerNames) if (!protocols.has(n)) protocols.set(n, 'PLAINTEXT');
    }
    this.listenerSecurityProtocolMap = protocols;
    this.controllerListenerNames = controllerNames;
    const all = parseListeners(listenersValue, protocols, 'listeners', true);
    this.listeners = all.filter((l) => !controllerNames.includes(l.name));
    this.controllerListeners = all.filter((l) => controllerNames.includes(l.name));
    const advertisedValue = this.strOrNull('advertised.listeners');
    const advertisedAll = advertisedValue === null ? all : parseListeners(advertisedValue, protocols, 'advertised.listeners', false);
    this.advertisedListeners = advertisedAll.filter((l) => !controllerNames.includes(l.name));

    const advertisedNames = this.advertisedListeners.map((l) => l.name);
    const listenerNames = all.map((l) => l.name);
    if (advertisedNames.length === 0) {
      throw new ConfigError('There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?', 'advertised.listeners');
    }
    if (!advertisedNames.every((n) => listenerNames.includes(n))) {
      throw new ConfigError(`advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. ` +
        `Found ${advertisedNames.join(',')}. The valid options based on the current configuration are ${listenerNames.join(',')}`, 'advertised.listeners');
    }
    if (this.advertisedListeners.some((l) => l.host === '0.0.0.0')) {
      throw new ConfigError('advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.', 'advertised.listeners');
    }

    // ---- inter-broker listener ----
    const ibName = this.strOrNull('inter.broker.listener.name');
    const ibProtocolSet = this.merged['security.inter.broker.protocol'] !== undefined;
    let name: string;
    if (ibName !== null) {
      if (ibProtocolSet) {
        throw new ConfigError('Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.', 'inter.broker.listener.name');
      }
      name = ibName.toUpperCase();
      if (!protocols.has(name)) {
        throw new ConfigError(`Listener with name ${name} defined in inter.broker.listener.name not found in listener.security.protocol.map.`, 'inter.broker.listener.name');
      }
    } else {
      name = this.str('security.inter.broker.protocol');
    }
    if (!advertisedNames.includes(name)) {
      if (ibName !== null || ibProtocolSet || !embedded) {
        throw new ConfigError(`inter.broker.listener.name must be a listener name defined in advertised.listeners. ` +
          `The valid options based on currently configured listeners are ${advertisedNames.join(',')}`, 'inter.broker.listener.name');
      }
      name = advertisedNames[0]!;
    }
    this.interBrokerListenerName = name;
    this.interBrokerSecurityProtocol = protocols.get(name) ?? this.advertisedListeners.find((l) => l.name === name)!.securityProtocol;
  }

  private validateIdentity(embedded: boolean): void {
    const nodeSet = this.merged['node.id'] !== undefined;
    const brokerSet = this.merged['broker.id'] !== undefined;
    if (nodeSet && brokerSet && this.values.get('node.id') !== this.values.get('broker.id')) {
      throw new ConfigError('You must set `node.id` to the same value as `broker.id`.', 'node.id');
    }
    if (!nodeSet && brokerSet) this.values.set('node.id', this.values.get('broker.id')!);
    if (nodeSet && !brokerSet) this.values.set('broker.id', this.values.get('node.id')!);
    if (!embedded) {
      if (this.nodeId < 0) throw new ConfigError('Missing configuration `node.id` which is required when `metadata.store` is `etcd`.', 'node.id');
      if (this.etcdEndpoints.length === 0) {
        throw new ConfigError('Missing configuration `etcd.endpoints` which is required when `metadata.store` is `etcd`.', 'etcd.endpoints');
      }
    } else if (this.nodeId < 0) {
      throw new ConfigError('node.id must be greater than or equal to 0', 'node.id');
    }
    const roles = this.list('process.roles');
    if (new Set(roles).size !== roles.length) {
      throw new ConfigError(`Duplicate role names found in \`process.roles\`: [${roles.join(', ')}]`, 'process.roles');
    }
    for (const r of roles) if (!ROLES.includes(r)) throw new ConfigError(`Unknown process role '${r}'`, 'process.roles');
  }

  private validateLog(): void {
    if (this.logRollMs < 1) throw new ConfigError('log.roll.ms must be greater than or equal to 1', 'log.roll.ms');
    if (this.logRollJitterMs < 0) throw new ConfigError('log.roll.jitter.ms must be greater than or equal to 0', 'log.roll.jitter.ms');
    const retention = this.logRetentionMs;
    if (!(retention >= 1 || retention === -1)) {
      throw new ConfigError('log.retention.ms must be unlimited (-1) or, greater than or equal to 1', 'log.retention.ms');
    }
    if (this.logDirs.length === 0) throw new ConfigError('At least one log directory must be defined via log.dirs or log.dir.', 'log.dirs');
    const threads = this.int('log.cleaner.threads');
    if (threads > 0 && Math.trunc(this.num('log.cleaner.dedupe.buffer.size') / threads) <= 1024 * 1024) {
      throw new ConfigError('log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.', 'log.cleaner.dedupe.buffer.size');
    }
    const wait = this.int('replica.fetch.wait.max.ms');
    if (wait > this.int('replica.socket.timeout.ms')) {
      throw new ConfigError('replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts', 'replica.socket.timeout.ms');
    }
    if (wait > this.num('replica.lag.time.max.ms')) {
      throw new ConfigError('replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR', 'replica.fetch.wait.max.ms');
    }
  }

  // ---- generic access ----

  /** The effective typed value of a key (null when unset without default); raw string for keys Samsa does not define. */
  get(key: string): ConfigValue {
    if (this.values.has(key)) return this.values.get(key)!;
    return this.merged[key] ?? null;
  }

  /** Where the effective value of a key comes from. */
  source(key: string): BrokerConfigSource {
    if (key in this.dynamicBrokerConfigs) return 'DYNAMIC_BROKER_CONFIG';
    if (key in this.dynamicDefaultConfigs) return 'DYNAMIC_DEFAULT_BROKER_CONFIG';
    if (key in this.staticConfigs) return 'STATIC_BROKER_CONFIG';
    return 'DEFAULT_CONFIG';
  }

  /** Whether the key was set anywhere (statically or dynamically). */
  isSet(key: string): boolean {
    return key in this.merged;
  }

  /** All raw values in effect (static overlaid by dynamic), including keys Samsa does not define. */
  originals(): Readonly<Record<string, string>> {
    return this.merged;
  }

  /** A new config with these dynamic overrides (AlterConfigs on broker `nodeId` and on the cluster default ''). */
  withDynamic(perBroker: Record<string, string>, clusterDefault: Record<string, string>): BrokerConfig {
    const warnings = [...this.warnings];
    const broker = cleanDynamic(perBroker, true, warnings);
    const dflt = cleanDynamic(clusterDefault, false, warnings);
    return new BrokerConfig(this.staticConfigs, broker, dflt, warnings);
  }

  private num(key: string): number { return this.values.get(key) as number; }
  private int(key: string): number { return this.values.get(key) as number; }
  private bool(key: string): boolean { return this.values.get(key) as boolean; }
  private str(key: string): string { return this.values.get(key) as string; }
  private strOrNull(key: string): string | null { return (this.values.get(key) as string | null) ?? null; }
  private list(key: string): string[] { return (this.values.get(key) as string[] | null) ?? []; }

  // ---- identity ----
  get nodeId(): number { return this.int('node.id'); }
  get brokerId(): number { return this.int('broker.id'); }
  get processRoles(): string[] { return this.list('process.roles'); }
  get brokerRack(): string | null { return this.strOrNull('broker.rack'); }
  get metadataStore(): 'embedded' | 'etcd' { return this.str('metadata.store') as 'embedded' | 'etcd'; }
  get etcdEndpoints(): string[] { return this.list('etcd.endpoints'); }

  // ---- sockets and requests ----
  get socketRequestMaxBytes(): number { return this.int('socket.request.max.bytes'); }
  get socketSendBufferBytes(): number { return this.int('socket.send.buffer.bytes'); }
  get socketReceiveBufferBytes(): number { return this.int('socket.receive.buffer.bytes'); }
  get numNetworkThreads(): number { return this.int('num.network.threads'); }
  get numIoThreads(): number { return this.int('num.io.threads'); }
  get queuedMaxRequests(): number { return this.int('queued.max.requests'); }
  get connectionsMaxIdleMs(): number { return this.num('connections.max.idle.ms'); }
  get maxConnections(): number { return this.int('max.connections'); }
  get maxConnectionsPerIp(): number { return this.int('max.connections.per.ip'); }
  get messageMaxBytes(): number { return this.int('message.max.bytes'); }
  get fetchMaxBytes(): number { return this.int('fetch.max.bytes'); }
  get requestTimeoutMs(): number { return this.int('request.timeout.ms'); }

  // ---- topics ----
  get numPartitions(): number { return this.int('num.partitions'); }
  get defaultReplicationFactor(): number { return this.int('default.replication.factor'); }
  get minInsyncReplicas(): number { return this.int('min.insync.replicas'); }
  get autoCreateTopicsEnable(): boolean { return this.bool('auto.create.topics.enable'); }
  get deleteTopicEnable(): boolean { return this.bool('delete.topic.enable'); }
  get uncleanLeaderElectionEnable(): boolean { return this.bool('unclean.leader.election.enable'); }
  get compressionType(): string { return this.str('compression.type'); }
  get compressionGzipLevel(): number { return this.int('compression.gzip.level'); }
  get compressionLz4Level(): number { return this.int('compression.lz4.level'); }
  get compressionZstdLevel(): number { return this.int('compression.zstd.level'); }

  // ---- the log ----
  get logDirs(): string[] {
    const dirs = this.strOrNull('log.dirs');
    return parseCsvList(dirs ?? this.str('log.dir'));
  }
  get logSegmentBytes(): number { return this.int('log.segment.bytes'); }
  /** log.roll.ms, else log.roll.hours in ms. */
  get logRollMs(): number {
    const ms = this.values.get('log.roll.ms') as number | null;
    return ms ?? this.int('log.roll.hours') * MS_PER_HOUR;
  }
  get logRollJitterMs(): number {
    const ms = this.values.get('log.roll.jitter.ms') as number | null;
    return ms ?? this.int('log.roll.jitter.hours') * MS_PER_HOUR;
  }
  /** log.retention.ms, else minutes, else hours, in ms; any negative value means unlimited and is -1. */
  get logRetentionMs(): number {
    const ms = this.values.get('log.retention.ms') as number | null;
    const minutes = this.values.get('log.retention.minutes') as number | null;
    const millis = ms ?? (minutes !== null ? minutes * MS_PER_MINUTE : this.int('log.retention.hours') * MS_PER_HOUR);
    return millis < 0 ? -1 : millis;
  }
  get logRetentionBytes(): number { return this.num('log.retention.bytes'); }
  get logRetentionCheckIntervalMs(): number { return this.num('log.retention.check.interval.ms'); }
  get logCleanupPolicy(): string[] { return this.list('log.cleanup.policy'); }
  get logIndexIntervalBytes(): number { return this.int('log.index.interval.bytes'); }
  get logIndexSizeMaxBytes(): number { return this.int('log.index.size.max.bytes'); }
  /** Messages between forced fsyncs; Infinity (Kafka's Long.MAX_VALUE) leaves flushing to the OS. */
  get logFlushIntervalMessages(): number { return neverToInfinity(this.num('log.flush.interval.messages')); }
  /** log.flush.interval.ms, else log.flush.scheduler.interval.ms; Infinity means never. */
  get logFlushIntervalMs(): number {
    const ms = this.values.get('log.flush.interval.ms') as number | null;
    return neverToInfinity(ms ?? this.num('log.flush.scheduler.interval.ms'));
  }
  get logFlushSchedulerIntervalMs(): number { return neverToInfinity(this.num('log.flush.scheduler.interval.ms')); }
  get logFlushOffsetCheckpointIntervalMs(): number { return this.int('log.flush.offset.checkpoint.interval.ms'); }
  get logFlushStartOffsetCheckpointIntervalMs(): number { return this.int('log.flush.start.offset.checkpoint.interval.ms'); }
  get logSegmentDeleteDelayMs(): number { return this.num('log.segment.delete.delay.ms'); }
  get logPreallocate(): boolean { return this.bool('log.preallocate'); }
  get logMessageTimestampType(): 'CreateTime' | 'LogAppendTime' { return this.str('log.message.timestamp.type') as 'CreateTime' | 'LogAppendTime'; }
  get logMessageTimestampDifferenceMaxMs(): number { return neverToInfinity(this.num('log.message.timestamp.difference.max.ms')); }
  /** log.message.timestamp.before.max.ms, falling back to the deprecated difference key while it is at its default. */
  get logMessageTimestampBeforeMaxMs(): number {
    const before = this.num('log.message.timestamp.before.max.ms');
    return neverToInfinity(before >= LONG_MAX ? this.num('log.message.timestamp.difference.max.ms') : before);
  }
  get logMessageTimestampAfterMaxMs(): number {
    const after = this.num('log.message.timestamp.after.max.ms');
    return neverToInfinity(after >= LONG_MAX ? this.num('log.message.timestamp.difference.max.ms') : after);
  }
  get logMessageDownconversionEnable(): boolean { return this.bool('log.message.downconversion.enable'); }
  get numRecoveryThreadsPerDataDir(): number { return this.int('num.recovery.threads.per.data.dir'); }

  // ---- the cleaner ----
  get logCleanerEnable(): boolean { return this.bool('log.cleaner.enable'); }
  get logCleanerThreads(): number { return this.int('log.cleaner.threads'); }
  get logCleanerBackoffMs(): number { return this.num('log.cleaner.backoff.ms'); }
  get logCleanerMinCleanableRatio(): number { return this.num('log.cleaner.min.cleanable.ratio'); }
  get logCleanerDeleteRetentionMs(): number { return this.num('log.cleaner.delete.retention.ms'); }
  get logCleanerMinCompactionLagMs(): number { return this.num('log.cleaner.min.compaction.lag.ms'); }
  get logCleanerMaxCompactionLagMs(): number { return neverToInfinity(this.num('log.cleaner.max.compaction.lag.ms')); }
  get logCleanerDedupeBufferSize(): number { return this.num('log.cleaner.dedupe.buffer.size'); }
  get logCleanerIoBufferSize(): number { return this.int('log.cleaner.io.buffer.size'); }
  get logCleanerIoMaxBytesPerSecond(): number { return this.num('log.cleaner.io.max.bytes.per.second'); }

  // ---- replication ----
  get numReplicaFetchers(): number { return this.int('num.replica.fetchers'); }
  get replicaLagTimeMaxMs(): number { return this.num('replica.lag.time.max.ms'); }
  get replicaFetchMaxBytes(): number { return this.int('replica.fetch.max.bytes'); }
  get replicaFetchWaitMaxMs(): number { return this.int('replica.fetch.wait.max.ms'); }
  get replicaFetchMinBytes(): number { return this.int('replica.fetch.min.bytes'); }
  get replicaFetchBackoffMs(): number { return this.int('replica.fetch.backoff.ms'); }
  get replicaFetchResponseMaxBytes(): number { return this.int('replica.fetch.response.max.bytes'); }
  get replicaHighWatermarkCheckpointIntervalMs(): number { return this.num('replica.high.watermark.checkpoint.interval.ms'); }
  get brokerSessionTimeoutMs(): number { return this.int('broker.session.timeout.ms'); }
  get brokerHeartbeatIntervalMs(): number { return this.int('broker.heartbeat.interval.ms'); }

  // ---- groups and offsets ----
  get offsetsTopicNumPartitions(): number { return this.int('offsets.topic.num.partitions'); }
  get offsetsTopicReplicationFactor(): number { return this.int('offsets.topic.replication.factor'); }
  get offsetsTopicSegmentBytes(): number { return this.int('offsets.topic.segment.bytes'); }
  get offsetsRetentionMinutes(): number { return this.int('offsets.retention.minutes'); }
  get offsetsRetentionMs(): number { return this.int('offsets.retention.minutes') * MS_PER_MINUTE; }
  get offsetsRetentionCheckIntervalMs(): number { return this.num('offsets.retention.check.interval.ms'); }
  get offsetsCommitTimeoutMs(): number { return this.int('offsets.commit.timeout.ms'); }
  get offsetMetadataMaxBytes(): number { return this.int('offset.metadata.max.bytes'); }
  get groupInitialRebalanceDelayMs(): number { return this.int('group.initial.rebalance.delay.ms'); }
  get groupMinSessionTimeoutMs(): number { return this.int('group.min.session.timeout.ms'); }
  get groupMaxSessionTimeoutMs(): number { return this.int('group.max.session.timeout.ms'); }
  get groupMaxSize(): number { return this.int('group.max.size'); }

  // ---- transactions ----
  get transactionStateLogNumPartitions(): number { return this.int('transaction.state.log.num.partitions'); }
  get transactionStateLogReplicationFactor(): number { return this.int('transaction.state.log.replication.factor'); }
  get transactionStateLogMinIsr(): number { return this.int('transaction.state.log.min.isr'); }
  get transactionStateLogSegmentBytes(): number { return this.int('transaction.state.log.segment.bytes'); }
  get transactionStateLogLoadBufferSize(): number { return this.int('transaction.state.log.load.buffer.size'); }
  get transactionalIdExpirationMs(): number { return this.int('transactional.id.expiration.ms'); }
  get transactionMaxTimeoutMs(): number { return this.int('transaction.max.timeout.ms'); }
  get transactionAbortTimedOutTransactionCleanupIntervalMs(): number { return this.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'); }
  get transactionRemoveExpiredTransactionCleanupIntervalMs(): number { return this.int('transaction.remove.expired.transaction.cleanup.interval.ms'); }
  get producerIdExpirationMs(): number { return this.int('producer.id.expiration.ms'); }

  /** The listeners as Kafka prints them, e.g. "PLAINTEXT://:9092". */
  describeListeners(): string[] {
    return this.listeners.map(formatListener);
  }
}

/** Drops what Kafka's DynamicBrokerConfig drops from stored dynamic configs, noting each drop as a warning. */
function cleanDynamic(props: Record<string, string>, perBroker: boolean, warnings: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const level = perBroker ? 'broker' : 'default cluster';
  const invalid: string[] = [];
  const nonDynamic: string[] = [];
  const unprefixed: string[] = [];
  const perBrokerOnly: string[] = [];
  for (const [key, raw] of Object.entries(props)) {
    const def = brokerKeyDef(key);
    if (def) {
      try { parseAndValidate(def, raw); } catch { invalid.push(key); continue; }
    }
    if (BROKER_CONFIG_DEFS.has(key) && !isDynamicBrokerKey(key)) { nonDynamic.push(key); continue; }
    if (LISTENER_ONLY_SECURITY_KEYS.includes(key)) { unprefixed.push(key); continue; }
    if (!perBroker && isPerBrokerOnly(key)) { perBrokerOnly.push(key); continue; }
    out[key] = raw;
  }
  if (invalid.length) warnings.push(`Dynamic ${level} config contains invalid values in: ${scalaSet(invalid)}, these configs will be ignored`);
  if (nonDynamic.length) warnings.push(`Non-dynamic configs will be ignored: ${scalaSet(nonDynamic)}`);
  if (unprefixed.length) warnings.push(`Security configs can be dynamically updated only using listener prefix, base configs will be ignored: ${scalaSet(unprefixed)}`);
  if (perBrokerOnly.length) warnings.push(`Per-broker configs defined at default cluster level will be ignored: ${scalaSet(perBrokerOnly)}`);
  return out;
}

const CLUSTER_LEVEL_LISTENER_KEYS = ['max.connections', 'max.connection.creation.rate', 'num.network.threads'];

function isPerBrokerOnly(key: string): boolean {
  const base = listenerBaseKey(key);
  if (base !== null) return !CLUSTER_LEVEL_LISTENER_KEYS.includes(base);
  return BROKER_CONFIG_DEFS.get(key)?.dynamic === 'per-broker';
}

/**
 * Checks the dynamic configs of one broker resource as Kafka does before an AlterConfigs is applied:
 * `configs` is the complete resulting set for the resource (after incremental operations); `perBroker` is
 * false for the cluster default resource (name ''). With `current`, the resulting configuration is built
 * and checked too (listeners, thread pools resized by at most a factor of two, ...).
 * Throws ConfigError carrying INVALID_REQUEST, as Kafka answers.
 */
export function validateBrokerDynamicConfigs(configs: Record<string, string>, perBroker = true, current?: BrokerConfig): void {
  const fail = (message: string, key?: string): never => { throw new ConfigError(message, key, INVALID_REQUEST); };
  const keys = Object.keys(configs);
  const nonDynamic = keys.filter((k) => BROKER_CONFIG_DEFS.has(k) && !isDynamicBrokerKey(k));
  if (nonDynamic.length) fail(`Cannot update these configs dynamically: ${scalaSet(nonDynamic)}`, nonDynamic[0]);
  const unprefixed = LISTENER_ONLY_SECURITY_KEYS.filter((k) => k in configs);
  if (unprefixed.length) fail(`These security configs can be dynamically updated only per-listener using the listener prefix: ${scalaSet(unprefixed)}`, unprefixed[0]);
  for (const [key, raw] of Object.entries(configs)) {
    const def = brokerKeyDef(key);
    if (!def) continue; // Kafka accepts custom keys in dynamic broker configs
    try { parseAndValidate(def, raw); } catch (e) { fail((e as Error).message, key); }
  }
  if (!perBroker) {
    const only = keys.filter(isPerBrokerOnly);
    if (only.length) fail(`Cannot update these configs at default cluster level, broker id must be specified: ${scalaSet(only)}`, only[0]);
  }
  if (!current) return;
  let next: BrokerConfig;
  try {
    next = perBroker ? current.withDynamic(configs, current.dynamicDefaultConfigs)
      : current.withDynamic(current.dynamicBrokerConfigs, configs);
  } catch (e) {
    return fail((e as Error).message, (e as ConfigError).key);
  }
  for (const key of THREAD_POOL_KEYS) {
    const oldValue = current.get(key) as number;
    const newValue = next.get(key) as number;
    if (newValue === oldValue) continue;
    const prefix = `Dynamic thread count update validation failed for ${key}=${newValue}`;
    if (newValue <= 0) fail(`${prefix}, value should be at least 1`, key);
    if (newValue < Math.trunc(oldValue / 2)) fail(`${prefix}, value should be at least half the current value ${oldValue}`, key);
    if (newValue > oldValue * 2) fail(`${prefix}, value should not be greater than double the current value ${oldValue}`, key);
  }
}

/**
 * Builds the broker configuration from static properties (server.properties) and command-line overrides.
 * Unknown keys, and keys Samsa accepts without using, produce warnings; invalid values throw ConfigError.
 */
export function loadBrokerConfig(
  props: Record<string, string>,
  overrides: Record<string, string> = {},
): { config: BrokerConfig; warnings: string[] } {
  const all: Record<string, string> = { ...props, ...overrides };
  // Kafka's populateSynonyms: node.id and broker.id stand for each other.
  if (all['broker.id'] === undefined && all['node.id'] !== undefined) all['broker.id'] = all['node.id'];
  else if (all['broker.id'] !== undefined && all['node.id'] === undefined) all['node.id'] = all['broker.id'];
  const warnings: string[] = [];
  for (const key of Object.keys({ ...props, ...overrides })) {
    const def = BROKER_CONFIG_DEFS.get(key);
    if (def?.unused) warnings.push(`Configuration '${key}' is accepted but unused: ${def.unused}`);
    else if (!def && listenerBaseKey(key) === null) warnings.push(`Unknown configuration key '${key}' (ignored)`);
  }
  const config = new BrokerConfig(all, {}, {}, warnings);
  return { config, warnings };
}

// ---- DescribeConfigs for broker resources ----

const defaultsCache = new Map<boolean, Record<string, string>>();

/** The defaults Kafka lists as DEFAULT_CONFIG synonyms (keys with a non-null default), as strings. */
function staticDefaults(config: BrokerConfig): Record<string, string> {
  const embedded = config.metadataStore === 'embedded';
  const cached = defaultsCache.get(embedded);
  if (cached) return cached;
  const out: Record<string, string> = {};
  for (const def of BROKER_CONFIG_DEFS.values()) {
    const d = embedded && def.embeddedDefault !== undefined ? def.embeddedDefault : def.default;
    if (d !== null) out[def.name] = formatValue(defaultValue(def, embedded), def.type)!;
  }
  defaultsCache.set(embedded, out);
  return out;
}

/**
 * Kafka's ConfigHelper.configSynonyms: every place one of `synonyms` is set, by precedence (dynamic broker,
 * dynamic default, static, default), keeping only entries from the first one named `name` onwards.
 */
export function brokerSynonymEntries(config: BrokerConfig, name: string, synonyms: readonly string[], sensitive: boolean): DescribeConfigsSynonym[] {
  const layers: Array<[Readonly<Record<string, string>>, number]> = [
    [config.dynamicBrokerConfigs, ConfigSource.DYNAMIC_BROKER_CONFIG],
    [config.dynamicDefaultConfigs, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
    [config.staticConfigs, ConfigSource.STATIC_BROKER_CONFIG],
    [staticDefaults(config), ConfigSource.DEFAULT_CONFIG],
  ];
  const out: DescribeConfigsSynonym[] = [];
  for (const [map, source] of layers) {
    for (const s of synonyms) {
      const v = map[s];
      if (v !== undefined) out.push({ name: s, value: sensitive ? null : v, source });
    }
  }
  const first = out.findIndex((s) => s.name === name);
  return first < 0 ? [] : out.slice(first);
}

/**
 * DescribeConfigs on a broker resource. For this broker (resource name = its id): every key with its effective
 * value, source and synonyms; for the cluster default resource (name '', `defaultResource`): only the keys set
 * dynamically for all brokers. Keys Samsa does not define are listed as sensitive, as Kafka does.
 */
export function describeBrokerConfigs(
  config: BrokerConfig,
  opts: DescribeOptions & { defaultResource?: boolean },
): DescribeConfigsEntry[] {
  const perBroker = !opts.defaultResource;
  const source: Readonly<Record<string, string>> = perBroker ? config.originals() : config.dynamicDefaultConfigs;
  const names = perBroker
    ? [...[...BROKER_CONFIG_DEFS.values()].filter((d) => !d.internal).map((d) => d.name), ...Object.keys(source)]
    : Object.keys(source);
  return selectKeys(names, opts.keys).map((name) => {
    const def = brokerKeyDef(name);
    const sensitive = def === undefined || def.type === 'password';
    const own = BROKER_CONFIG_DEFS.get(name);
    const value = perBroker && own && !own.internal ? formatValue(config.get(name), own.type) : source[name] ?? null;
    const synonyms = brokerSynonymEntries(config, name, brokerConfigSynonyms(name, true), sensitive)
      .filter((s) => perBroker || s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    return describeEntry(name, value, def?.type, !isDynamicBrokerKey(name), synonyms, def?.doc, opts);
  });
}
