// Per-log configuration (Kafka's topic-level storage keys) with Kafka's defaults.
//
//   segmentBytes            segment.bytes               1073741824
//   segmentMs               segment.ms                  604800000 (7 days)
//   segmentJitterMs         segment.jitter.ms           0
//   indexIntervalBytes      index.interval.bytes        4096
//   segmentIndexBytes       segment.index.bytes         10485760
//   flushIntervalMessages   flush.messages              Infinity (never; leave it to the OS)
//   flushIntervalMs         flush.ms                    Infinity (never)
//   retentionMs             retention.ms                604800000 (7 days; -1 keeps forever)
//   retentionBytes          retention.bytes             -1 (no limit)
//   compact / delete        cleanup.policy              delete
//   fileDeleteDelayMs       file.delete.delay.ms        60000
//   deleteRetentionMs       delete.retention.ms         86400000
//   minCleanableDirtyRatio  min.cleanable.dirty.ratio   0.5
//   minCompactionLagMs      min.compaction.lag.ms       0
//   maxCompactionLagMs      max.compaction.lag.ms       Infinity
//
// The retention and cleaner keys are optional (absent = Kafka's default), read
// afresh on every retention check and cleaning pass, so AlterConfigs applies
// without a restart.
//
// No on-disk layout of its own.

export interface LogConfig {
  segmentBytes: number;
  segmentMs: number;
  segmentJitterMs?: number;
  indexIntervalBytes: number;
  segmentIndexBytes: number;
  /** Infinity = never */
  flushIntervalMessages: number;
  /** Infinity = never */
  flushIntervalMs: number;
  retentionMs?: number;
  retentionBytes?: number;
  /** cleanup.policy contains compact */
  compact?: boolean;
  /** cleanup.policy contains delete (default true) */
  delete?: boolean;
  fileDeleteDelayMs?: number;
  deleteRetentionMs?: number;
  minCleanableDirtyRatio?: number;
  minCompactionLagMs?: number;
  /** Infinity = never forced */
  maxCompactionLagMs?: number;
}

/** The retention/cleaner settings of a config, Kafka's defaults filled in. */
export function lifecycleConfig(c: LogConfig): Required<Pick<LogConfig,
  'retentionMs' | 'retentionBytes' | 'compact' | 'delete' | 'fileDeleteDelayMs' | 'deleteRetentionMs' |
  'minCleanableDirtyRatio' | 'minCompactionLagMs' | 'maxCompactionLagMs'>> {
  return {
    retentionMs: c.retentionMs ?? 604800000,
    retentionBytes: c.retentionBytes ?? -1,
    compact: c.compact ?? false,
    delete: c.delete ?? !(c.compact ?? false),
    fileDeleteDelayMs: c.fileDeleteDelayMs ?? 60000,
    deleteRetentionMs: c.deleteRetentionMs ?? 86400000,
    minCleanableDirtyRatio: c.minCleanableDirtyRatio ?? 0.5,
    minCompactionLagMs: c.minCompactionLagMs ?? 0,
    maxCompactionLagMs: c.maxCompactionLagMs ?? Infinity,
  };
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1073741824,
  segmentMs: 604800000,
  segmentJitterMs: 0,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10485760,
  flushIntervalMessages: Infinity,
  flushIntervalMs: Infinity,
});

/** Decompresses a batch's records section (bytes 61..end) for the given compression codec (1-4). */
export type Decompressor = (compression: number, data: Buffer) => Buffer | Promise<Buffer>;
