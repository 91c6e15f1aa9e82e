// Per-log configuration (Kafka's topic-level storage keys) with Kafka's defaults.
//
//   segmentBytes            segment.bytes               1073741824
//   segmentMs               segment.ms                  604800000 (7 days)
//   segmentJitterMs         segment.jitter.ms           0
//   indexIntervalBytes      index.interval.bytes        4096
//   segmentIndexBytes       segment.index.bytes         10485760
//   flushIntervalMessages   flush.messages              Infinity (never; leave it to the OS)
//   flushIntervalMs         flush.ms                    Infinity (never)
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
