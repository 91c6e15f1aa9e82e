// Topic-level configuration: every key of Kafka's TopicConfig/LogConfig with its type, validator and
// default, the broker keys it inherits from when a topic does not override it (Kafka's
// ServerTopicConfigSynonyms, highest priority first), validation of overrides as CreateTopics and
// AlterConfigs do it, the effective typed configuration of a topic, and DescribeConfigs for topics.

import {
  ConfigError, ConfigKeyDef, ConfigSource, ConfigType, ConfigValue, DescribeConfigsEntry, DescribeConfigsSynonym,
  DescribeOptions, Importance, LONG_MAX, Validator, atLeast, between, defaultValue, describeEntry, formatValue,
  gzipLevel, indexDefs, listOf, metadataVersion, normalizeMetadataVersion, oneOf, parseAndValidate, selectKeys,
  throttledReplicas,
} from './config-def.js';
import { COMPRESSION_TYPES } from './broker-defs.js';
import { BrokerConfig, brokerConfigSynonyms, brokerSynonymEntries, neverToInfinity } from './broker-config.js';

export { ConfigError } from './config-def.js';
export { describeBrokerConfigs, validateBrokerDynamicConfigs } from './broker-config.js';
export type { DescribeConfigsEntry, DescribeOptions } from './config-def.js';

export interface TopicKeyDef extends ConfigKeyDef {
  /** Broker keys this topic key falls back to, highest priority first (empty: no broker default). */
  readonly synonyms: readonly string[];
}

function t(name: string, type: ConfigType, dflt: string | null, validator: Validator | undefined, synonyms: string[], doc: string, importance: Importance = 'medium'): TopicKeyDef {
  return { name, type, default: dflt, importance, doc, synonyms, ...(validator ? { validator } : {}) };
}

const LONG_MAX_S = '9223372036854775807';

export const TOPIC_CONFIG_LIST: readonly TopicKeyDef[] = [
  t('cleanup.policy', 'list', 'delete', listOf('compact', 'delete'), ['log.cleanup.policy'], 'Delete old segments, compact the log down to the latest value per key, or both.'),
  t('compression.type', 'string', 'producer', oneOf(...COMPRESSION_TYPES), ['compression.type'], 'Compression of the stored batches; producer keeps whatever the producer used.'),
  t('compression.gzip.level', 'int', '-1', gzipLevel, ['compression.gzip.level'], 'gzip level used when compression.type is gzip.'),
  t('compression.lz4.level', 'int', '9', between(1, 17), ['compression.lz4.level'], 'lz4 level used when compression.type is lz4.'),
  t('compression.zstd.level', 'int', '3', between(-131072, 22), ['compression.zstd.level'], 'zstd level used when compression.type is zstd.'),
  t('delete.retention.ms', 'long', '86400000', atLeast(0), ['log.cleaner.delete.retention.ms'], 'How long tombstones of a compacted topic stay readable, so consumers can see deletions.'),
  t('file.delete.delay.ms', 'long', '60000', atLeast(0), ['log.segment.delete.delay.ms'], 'Wait before the files of a deleted segment are removed.'),
  t('flush.messages', 'long', LONG_MAX_S, atLeast(1), ['log.flush.interval.messages'], 'Messages between forced fsyncs; by default the OS decides.'),
  t('flush.ms', 'long', LONG_MAX_S, atLeast(0), ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'], 'Longest time between forced fsyncs; by default the OS decides.'),
  t('follower.replication.throttled.replicas', 'list', '', throttledReplicas, [], 'Replicas (partition:broker, or *) whose follower fetches are throttled.'),
  t('index.interval.bytes', 'int', '4096', atLeast(0), ['log.index.interval.bytes'], 'Bytes of log between two offset index entries.'),
  t('leader.replication.throttled.replicas', 'list', '', throttledReplicas, [], 'Replicas (partition:broker, or *) whose leader-side replication is throttled.'),
  t('local.retention.bytes', 'long', '-2', atLeast(-2), ['log.local.retention.bytes'], 'Local size bound with tiered storage; -2 follows retention.bytes.'),
  t('local.retention.ms', 'long', '-2', atLeast(-2), ['log.local.retention.ms'], 'Local retention with tiered storage; -2 follows retention.ms.'),
  t('max.compaction.lag.ms', 'long', LONG_MAX_S, atLeast(1), ['log.cleaner.max.compaction.lag.ms'], 'Oldest age a record may reach before its segment must be compacted.'),
  t('max.message.bytes', 'int', '1048588', atLeast(0), ['message.max.bytes'], 'Largest record batch this topic accepts, after compression.'),
  t('message.downconversion.enable', 'boolean', 'true', undefined, ['log.message.downconversion.enable'], 'Whether old consumers may be sent records converted to an older format.', 'low'),
  t('message.format.version', 'string', '3.0-IV1', metadataVersion, ['log.message.format.version'], 'Deprecated record format version; ignored since inter-broker protocol 3.0.'),
  t('message.timestamp.after.max.ms', 'long', LONG_MAX_S, atLeast(0), ['log.message.timestamp.after.max.ms'], 'How far in the future a CreateTime timestamp may be.'),
  t('message.timestamp.before.max.ms', 'long', LONG_MAX_S, atLeast(0), ['log.message.timestamp.before.max.ms'], 'How far in the past a CreateTime timestamp may be.'),
  t('message.timestamp.difference.max.ms', 'long', LONG_MAX_S, atLeast(0), ['log.message.timestamp.difference.max.ms'], 'Deprecated: largest gap between a CreateTime timestamp and the broker clock.'),
  t('message.timestamp.type', 'string', 'CreateTime', oneOf('CreateTime', 'LogAppendTime'), ['log.message.timestamp.type'], 'Keep the producer\'s timestamps (CreateTime) or stamp the append time (LogAppendTime).'),
  t('min.cleanable.dirty.ratio', 'double', '0.5', between(0, 1), ['log.cleaner.min.cleanable.ratio'], 'Share of the log that must be uncompacted before the cleaner works on it.'),
  t('min.compaction.lag.ms', 'long', '0', atLeast(0), ['log.cleaner.min.compaction.lag.ms'], 'Youngest age at which a record may be compacted away.'),
  t('min.insync.replicas', 'int', '1', atLeast(1), ['min.insync.replicas'], 'Fewest in-sync replicas that must hold a write for acks=all to succeed.'),
  t('preallocate', 'boolean', 'false', undefined, ['log.preallocate'], 'Preallocate segment files at full size.'),
  t('remote.log.copy.disable', 'boolean', 'false', undefined, [], 'Stop copying segments to tiered storage (Samsa has none).'),
  t('remote.log.delete.on.disable', 'boolean', 'false', undefined, [], 'Delete tiered data when tiered storage is turned off (Samsa has none).'),
  t('remote.storage.enable', 'boolean', 'false', undefined, [], 'Keep old segments in tiered storage (Samsa has none).'),
  t('retention.bytes', 'long', '-1', undefined, ['log.retention.bytes'], 'Size a partition may reach before old segments are deleted; -1 means no limit.'),
  t('retention.ms', 'long', '604800000', atLeast(-1), ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'], 'How long records are kept before their segment may be deleted; -1 keeps them forever.'),
  t('segment.bytes', 'int', '1073741824', atLeast(14), ['log.segment.bytes'], 'Size at which a segment is closed and a new one started.'),
  t('segment.index.bytes', 'int', '10485760', atLeast(4), ['log.index.size.max.bytes'], 'Size of the offset and time index files of a segment.'),
  t('segment.jitter.ms', 'long', '0', atLeast(0), ['log.roll.jitter.ms', 'log.roll.jitter.hours'], 'Largest random amount taken off segment.ms, to spread segment rolls out.'),
  t('segment.ms', 'long', '604800000', atLeast(1), ['log.roll.ms', 'log.roll.hours'], 'Age at which a segment is rolled even if not full, so retention and compaction can act on it.'),
  t('unclean.leader.election.enable', 'boolean', 'false', undefined, ['unclean.leader.election.enable'], 'Allow a replica outside the ISR to become leader as a last resort, losing data.'),
];

export const TOPIC_CONFIG_DEFS: ReadonlyMap<string, TopicKeyDef> = indexDefs(TOPIC_CONFIG_LIST) as ReadonlyMap<string, TopicKeyDef>;

/** The broker key a topic key inherits from first (Kafka's TOPIC_CONFIG_SYNONYMS), if any. */
export function topicServerSynonym(name: string): string | undefined {
  return TOPIC_CONFIG_DEFS.get(name)?.synonyms[0];
}

/** The typed value a topic gets from the broker when it has no override (Kafka's extractLogConfigMap). */
function brokerLogValue(name: string, broker: BrokerConfig): ConfigValue | undefined {
  const raw = (k: string) => broker.get(k);
  switch (name) {
    case 'segment.ms': return broker.logRollMs;
    case 'segment.jitter.ms': return broker.logRollJitterMs;
    case 'retention.ms': return broker.logRetentionMs;
    case 'flush.ms': return raw('log.flush.interval.ms') ?? raw('log.flush.scheduler.interval.ms');
    case 'message.format.version': return normalizeMetadataVersion(raw('log.message.format.version') as string);
    case 'message.timestamp.before.max.ms': case 'message.timestamp.after.max.ms': {
      const v = raw(`log.${name}`) as number;
      return v >= LONG_MAX ? raw('log.message.timestamp.difference.max.ms') : v;
    }
  }
  const synonym = topicServerSynonym(name);
  return synonym === undefined ? undefined : raw(synonym);
}

/** Parsed values of a topic: overrides over broker-derived values over topic defaults. */
function topicValues(overrides: Record<string, string>, broker: BrokerConfig): Map<string, ConfigValue> {
  const values = new Map<string, ConfigValue>();
  for (const def of TOPIC_CONFIG_DEFS.values()) {
    const raw = overrides[def.name];
    if (raw !== undefined) values.set(def.name, parseAndValidate(def, raw));
    else values.set(def.name, brokerLogValue(def.name, broker) ?? defaultValue(def));
  }
  return values;
}

/**
 * Checks topic config overrides as Kafka's LogConfig.validate does (CreateTopics, AlterConfigs): names,
 * values, min.compaction.lag.ms <= max.compaction.lag.ms, and, given the broker, the tiered-storage rules.
 * Throws ConfigError (INVALID_CONFIG) with Kafka's messages.
 */
export function validateTopicConfigs(configs: Record<string, string | null>, broker?: BrokerConfig): void {
  const nulls = Object.keys(configs).filter((k) => configs[k] === null);
  if (nulls.length) throw new ConfigError(`Null value not supported for topic configs: ${nulls.join(',')}`);
  for (const name of Object.keys(configs)) {
    if (!TOPIC_CONFIG_DEFS.has(name)) throw new ConfigError(`Unknown topic config name: ${name}`, name);
  }
  const given = configs as Record<string, string>;
  const parsed = new Map<string, ConfigValue>();
  for (const [name, raw] of Object.entries(given)) parsed.set(name, parseAndValidate(TOPIC_CONFIG_DEFS.get(name)!, raw));
  const value = (name: string): ConfigValue => parsed.has(name) ? parsed.get(name)!
    : broker ? brokerLogValue(name, broker) ?? defaultValue(TOPIC_CONFIG_DEFS.get(name)!) : defaultValue(TOPIC_CONFIG_DEFS.get(name)!);
  const minLag = value('min.compaction.lag.ms') as number;
  const maxLag = value('max.compaction.lag.ms') as number;
  if (minLag > maxLag) {
    throw new ConfigError(`conflict topic config setting min.compaction.lag.ms (${formatValue(minLag, 'long')}) > max.compaction.lag.ms (${formatValue(maxLag, 'long')})`, 'min.compaction.lag.ms');
  }
  if (broker && value('remote.storage.enable') === true && broker.get('remote.log.storage.system.enable') !== true) {
    throw new ConfigError('Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.', 'remote.storage.enable');
  }
}

/** A topic's effective configuration, typed. Long.MAX_VALUE values meaning "never" are Infinity. */
export interface TopicConfig {
  cleanupPolicy: string[];
  /** cleanup.policy contains compact / delete. */
  compact: boolean;
  delete: boolean;
  compressionType: string;
  compressionGzipLevel: number;
  compressionLz4Level: number;
  compressionZstdLevel: number;
  deleteRetentionMs: number;
  fileDeleteDelayMs: number;
  flushMessages: number;
  flushMs: number;
  followerReplicationThrottledReplicas: string[];
  indexIntervalBytes: number;
  leaderReplicationThrottledReplicas: string[];
  /** Resolved: -2 becomes retention.bytes / retention.ms. */
  localRetentionBytes: number;
  localRetentionMs: number;
  maxCompactionLagMs: number;
  maxMessageBytes: number;
  messageDownconversionEnable: boolean;
  messageFormatVersion: string;
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** Resolved: the deprecated difference key applies while before/after are at their default. */
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
  messageTimestampDifferenceMaxMs: number;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  minInsyncReplicas: number;
  preallocate: boolean;
  remoteLogCopyDisable: boolean;
  remoteLogDeleteOnDisable: boolean;
  remoteStorageEnable: boolean;
  /** -1 means no size limit. */
  retentionBytes: number;
  /** -1 means keep forever. */
  retentionMs: number;
  segmentBytes: number;
  segmentIndexBytes: number;
  segmentJitterMs: number;
  segmentMs: number;
  uncleanLeaderElectionEnable: boolean;
}

/** The configuration a topic runs with: its overrides, else the broker's values, else Kafka's defaults. */
export function effectiveTopicConfig(overrides: Record<string, string>, broker: BrokerConfig): TopicConfig {
  const v = topicValues(overrides, broker);
  const n = (k: string) => v.get(k) as number;
  const b = (k: string) => v.get(k) as boolean;
  const l = (k: string) => (v.get(k) as string[] | null) ?? [];
  const policy = l('cleanup.policy');
  const difference = n('message.timestamp.difference.max.ms');
  const before = n('message.timestamp.before.max.ms');
  const after = n('message.timestamp.after.max.ms');
  return {
    cleanupPolicy: policy,
    compact: policy.some((p) => p.toLowerCase() === 'compact'),
    delete: policy.some((p) => p.toLowerCase() === 'delete'),
    compressionType: v.get('compression.type') as string,
    compressionGzipLevel: n('compression.gzip.level'),
    compressionLz4Level: n('compression.lz4.level'),
    compressionZstdLevel: n('compression.zstd.level'),
    deleteRetentionMs: n('delete.retention.ms'),
    fileDeleteDelayMs: n('file.delete.delay.ms'),
    flushMessages: neverToInfinity(n('flush.messages')),
    flushMs: neverToInfinity(n('flush.ms')),
    followerReplicationThrottledReplicas: l('follower.replication.throttled.replicas'),
    indexIntervalBytes: n('index.interval.bytes'),
    leaderReplicationThrottledReplicas: l('leader.replication.throttled.replicas'),
    localRetentionBytes: n('local.retention.bytes') === -2 ? n('retention.bytes') : n('local.retention.bytes'),
    localRetentionMs: n('local.retention.ms') === -2 ? n('retention.ms') : n('local.retention.ms'),
    maxCompactionLagMs: neverToInfinity(n('max.compaction.lag.ms')),
    maxMessageBytes: n('max.message.bytes'),
    messageDownconversionEnable: b('message.downconversion.enable'),
    messageFormatVersion: normalizeMetadataVersion(v.get('message.format.version') as string) ?? (v.get('message.format.version') as string),
    messageTimestampType: v.get('message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
    messageTimestampBeforeMaxMs: neverToInfinity(before >= LONG_MAX ? difference : before),
    messageTimestampAfterMaxMs: neverToInfinity(after >= LONG_MAX ? difference : after),
    messageTimestampDifferenceMaxMs: neverToInfinity(difference),
    minCleanableDirtyRatio: n('min.cleanable.dirty.ratio'),
    minCompactionLagMs: n('min.compaction.lag.ms'),
    minInsyncReplicas: n('min.insync.replicas'),
    preallocate: b('preallocate'),
    remoteLogCopyDisable: b('remote.log.copy.disable'),
    remoteLogDeleteOnDisable: b('remote.log.delete.on.disable'),
    remoteStorageEnable: b('remote.storage.enable'),
    retentionBytes: n('retention.bytes'),
    retentionMs: n('retention.ms'),
    segmentBytes: n('segment.bytes'),
    segmentIndexBytes: n('segment.index.bytes'),
    segmentJitterMs: n('segment.jitter.ms'),
    segmentMs: n('segment.ms'),
    uncleanLeaderElectionEnable: b('unclean.leader.election.enable'),
  };
}

/**
 * DescribeConfigs on a topic: every topic key with its value as Kafka prints it, its source and, when asked,
 * its synonyms — the topic override first, then the broker keys it inherits from (dynamic per-broker, dynamic
 * cluster default, static, default). As in Kafka, broker synonyms are listed only from the first broker key
 * of the topic key onwards (so retention.ms inherited from log.retention.hours alone shows no synonym).
 */
export function describeTopicConfigs(overrides: Record<string, string>, broker: BrokerConfig, opts: DescribeOptions): DescribeConfigsEntry[] {
  const values = topicValues(overrides, broker);
  return selectKeys(TOPIC_CONFIG_DEFS.keys(), opts.keys).map((name) => {
    const def = TOPIC_CONFIG_DEFS.get(name)!;
    const value = formatValue(values.get(name)!, def.type);
    const server = def.synonyms[0];
    const synonyms: DescribeConfigsSynonym[] = server === undefined ? []
      : brokerSynonymEntries(broker, server, brokerConfigSynonyms(server, true), false);
    if (name in overrides) synonyms.unshift({ name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    return describeEntry(name, value, def.type, false, synonyms, def.doc, opts);
  });
}
