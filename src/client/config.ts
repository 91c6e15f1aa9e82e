// Client configuration: camelCase in TypeScript, Kafka's dotted names
// accepted too ('linger.ms' and lingerMs are the same key), Kafka's defaults
// (Apache Kafka 3.9 Java client) for every key we implement. Values given as
// strings (from .properties files, CLI flags) are coerced to the default's
// type. Unknown keys produce one warning each, as Kafka's client logs them.

import type { PartitionAssignor } from './assignors/assignor.js';

export type Acks = 0 | 1 | -1;
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export type OffsetReset = 'earliest' | 'latest' | 'none';

export interface CommonConfig {
  /** host:port list, as a comma-separated string or an array. */
  bootstrapServers: string | string[];
  clientId: string;
  requestTimeoutMs: number;
  /** Upper bound of time for establishing a connection (socket.connection.setup.timeout.ms). */
  socketConnectionSetupTimeoutMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  metadataMaxAgeMs: number;
  /** Requests in flight per connection before further ones wait their turn. */
  maxInFlightRequestsPerConnection: number;
  connectionsMaxIdleMs: number;
}

export interface ProducerConfig extends CommonConfig {
  acks: Acks | 'all' | '-1' | '0' | '1';
  lingerMs: number;
  batchSize: number;
  bufferMemory: number;
  maxRequestSize: number;
  compressionType: CompressionName;
  /** Codec level (gzip 1-9, zstd 1-22); Kafka's default for the codec when unset (-1 / undefined). */
  compressionLevel: number | undefined;
  retries: number;
  deliveryTimeoutMs: number;
  maxBlockMs: number;
  /**
   * Producer ids and sequence numbers: no duplicates from retries, order kept with up to 5 batches per
   * partition in flight. Default true (Kafka 3.x); when not set explicitly it turns off with acks 0/1,
   * retries=0 or max.in.flight.requests.per.connection > 5, as in the Java client 3.2+.
   */
  enableIdempotence: boolean;
  allowAutoCreateTopics: boolean;
  /** KIP-794: how long a partition may lag before the uniform sticky partitioner avoids it (0 = off). */
  partitionerAvailabilityTimeoutMs: number;
  partitionerIgnoreKeys: boolean;
  transactionalId: string | null;
  /** The longest a transaction may stay open before the coordinator aborts it. */
  transactionTimeoutMs: number;
}

export interface ConsumerConfig extends CommonConfig {
  groupId: string | null;
  groupInstanceId: string | null;
  autoOffsetReset: OffsetReset;
  enableAutoCommit: boolean;
  autoCommitIntervalMs: number;
  fetchMinBytes: number;
  fetchMaxBytes: number;
  fetchMaxWaitMs: number;
  maxPartitionFetchBytes: number;
  maxPollRecords: number;
  maxPollIntervalMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  isolationLevel: 'read_uncommitted' | 'read_committed';
  checkCrcs: boolean;
  allowAutoCreateTopics: boolean;
  excludeInternalTopics: boolean;
  clientRack: string;
  /** Assignor names (range, roundrobin, sticky, cooperative-sticky, or Kafka's class names) or PartitionAssignor objects, in preference order. */
  partitionAssignmentStrategy: string | (string | PartitionAssignor)[];
  defaultApiTimeoutMs: number;
}

export interface AdminConfig extends CommonConfig {
  /** Overall deadline of one admin call, retries included. */
  defaultApiTimeoutMs: number;
}

export const COMMON_DEFAULTS: Omit<CommonConfig, 'bootstrapServers'> = {
  clientId: '',
  requestTimeoutMs: 30000,
  socketConnectionSetupTimeoutMs: 10000,
  reconnectBackoffMs: 50,
  reconnectBackoffMaxMs: 1000,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1000,
  metadataMaxAgeMs: 300000,
  maxInFlightRequestsPerConnection: 5,
  connectionsMaxIdleMs: 540000,
};

export const PRODUCER_DEFAULTS: Omit<ProducerConfig, 'bootstrapServers'> = {
  ...COMMON_DEFAULTS,
  acks: 'all',
  lingerMs: 0,
  batchSize: 16384,
  bufferMemory: 33554432,
  maxRequestSize: 1048576,
  compressionType: 'none',
  compressionLevel: undefined,
  retries: 2147483647,
  deliveryTimeoutMs: 120000,
  maxBlockMs: 60000,
  enableIdempotence: true,
  allowAutoCreateTopics: true,
  partitionerAvailabilityTimeoutMs: 0,
  partitionerIgnoreKeys: false,
  transactionalId: null,
  transactionTimeoutMs: 60000,
};

export const CONSUMER_DEFAULTS: Omit<ConsumerConfig, 'bootstrapServers'> = {
  ...COMMON_DEFAULTS,
  requestTimeoutMs: 30000,
  groupId: null,
  groupInstanceId: null,
  autoOffsetReset: 'latest',
  enableAutoCommit: true,
  autoCommitIntervalMs: 5000,
  fetchMinBytes: 1,
  fetchMaxBytes: 52428800,
  fetchMaxWaitMs: 500,
  maxPartitionFetchBytes: 1048576,
  maxPollRecords: 500,
  maxPollIntervalMs: 300000,
  sessionTimeoutMs: 45000,
  heartbeatIntervalMs: 3000,
  isolationLevel: 'read_uncommitted',
  checkCrcs: true,
  allowAutoCreateTopics: true,
  excludeInternalTopics: true,
  clientRack: '',
  partitionAssignmentStrategy: ['range', 'cooperative-sticky'],
  defaultApiTimeoutMs: 60000,
};

export const ADMIN_DEFAULTS: Omit<AdminConfig, 'bootstrapServers'> = { ...COMMON_DEFAULTS, requestTimeoutMs: 30000, defaultApiTimeoutMs: 60000 };

/** 'linger.ms' → 'lingerMs'; camelCase keys pass through. */
export function camelKey(key: string): string {
  if (!key.includes('.')) return key;
  return key.replace(/\.([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Input form of a config: any subset of the keys, camelCase or dotted, values typed or as strings. */
export type ConfigInput<T> = { [K in keyof T]?: T[K] | string } & { [dotted: string]: unknown };

const warned = new Set<string>();

/**
 * Merges user config over defaults. Keys are normalized to camelCase, string
 * values coerced to the type of the default; unknown keys warn once.
 */
export function resolveConfig<T extends CommonConfig>(input: ConfigInput<T> | undefined, defaults: Omit<T, 'bootstrapServers'>, kind: string): T {
  const out: Record<string, unknown> = { ...defaults };
  for (const [rawKey, rawValue] of Object.entries(input ?? {})) {
    if (rawValue === undefined) continue;
    const key = camelKey(rawKey);
    if (key !== 'bootstrapServers' && !(key in defaults)) {
      if (!warned.has(`${kind}:${rawKey}`)) {
        warned.add(`${kind}:${rawKey}`);
        process.emitWarning(`The ${kind} configuration '${rawKey}' was supplied but isn't a known config.`, 'SamsaConfigWarning');
      }
      out[key] = rawValue;
      continue;
    }
    out[key] = coerce(key, rawValue, (defaults as Record<string, unknown>)[key]);
  }
  if (out.bootstrapServers === undefined || out.bootstrapServers === '') {
    throw new TypeError(`${kind}: bootstrap.servers (bootstrapServers) is required`);
  }
  return out as T;
}

function coerce(key: string, v: unknown, def: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (typeof def === 'number' || key === 'compressionLevel') {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new TypeError(`invalid value '${v}' for configuration ${key}: a number is expected`);
    return n;
  }
  if (typeof def === 'boolean') {
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new TypeError(`invalid value '${v}' for configuration ${key}: true or false is expected`);
  }
  if (Array.isArray(def)) return v.split(',').map((s) => s.trim()).filter(Boolean);
  return v;
}

export function parseBootstrap(servers: string | string[]): { host: string; port: number }[] {
  const list = (Array.isArray(servers) ? servers : servers.split(',')).map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new TypeError('bootstrap.servers is empty');
  return list.map((s) => {
    const m = /^(?:[a-zA-Z]+:\/\/)?(\[[^\]]+\]|[^:]+):(\d+)$/.exec(s);
    if (!m) throw new TypeError(`invalid bootstrap server '${s}': host:port expected`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  });
}

export function normalizeAcks(acks: ProducerConfig['acks']): Acks {
  switch (String(acks)) {
    case 'all':
    case '-1':
      return -1;
    case '0':
      return 0;
    case '1':
      return 1;
    default:
      throw new TypeError(`invalid value '${acks}' for configuration acks: all, -1, 0 or 1 expected`);
  }
}

export function validateProducerConfig(c: ProducerConfig): void {
  normalizeAcks(c.acks);
  if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(c.compressionType)) {
    throw new TypeError(`invalid value '${c.compressionType}' for configuration compression.type`);
  }
  if (c.transactionalId && !c.enableIdempotence) {
    throw new TypeError('Cannot set a transactional.id without also enabling idempotence.');
  }
  if (c.deliveryTimeoutMs < c.lingerMs + c.requestTimeoutMs) {
    throw new TypeError(`delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms`);
  }
  for (const k of ['batchSize', 'bufferMemory', 'maxRequestSize', 'maxInFlightRequestsPerConnection'] as const) {
    if (!(c[k] > 0)) throw new TypeError(`invalid value ${c[k]} for configuration ${k}`);
  }
}

/**
 * The effective enable.idempotence (Java 3.2+): an explicit true with acks other than all, retries 0
 * or more than 5 requests in flight is an error; the default quietly turns off in those cases.
 */
export function resolveIdempotence(c: ProducerConfig, input: Record<string, unknown>): boolean {
  const explicit = input.enableIdempotence !== undefined || input['enable.idempotence'] !== undefined;
  const acks = normalizeAcks(c.acks);
  const conflicts: string[] = [];
  if (acks !== -1) conflicts.push(`acks must be set to 'all' (it is ${String(c.acks)})`);
  if (c.retries === 0) conflicts.push('retries must be greater than 0');
  if (c.maxInFlightRequestsPerConnection > 5) conflicts.push('max.in.flight.requests.per.connection must be at most 5');
  if (explicit) {
    if (c.enableIdempotence && conflicts.length > 0) throw new TypeError(`enable.idempotence=true: ${conflicts.join('; ')}`);
    return c.enableIdempotence;
  }
  if (c.transactionalId && conflicts.length > 0) throw new TypeError(`transactional.id needs idempotence: ${conflicts.join('; ')}`);
  return conflicts.length === 0;
}

export function validateConsumerConfig(c: ConsumerConfig): void {
  if (!['earliest', 'latest', 'none'].includes(c.autoOffsetReset)) {
    throw new TypeError(`invalid value '${c.autoOffsetReset}' for configuration auto.offset.reset`);
  }
  if (!['read_uncommitted', 'read_committed'].includes(c.isolationLevel)) {
    throw new TypeError(`invalid value '${c.isolationLevel}' for configuration isolation.level`);
  }
  if (c.groupInstanceId && !c.groupId) throw new TypeError('group.instance.id needs a group.id');
  if (c.heartbeatIntervalMs >= c.sessionTimeoutMs) throw new TypeError('heartbeat.interval.ms must be lower than session.timeout.ms');
}
