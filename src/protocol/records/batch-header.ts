// Record batch v2 (magic 2) header: fixed offsets into the 61-byte header, so
// that the broker can validate and patch batches without decoding records.
//
//   offset  size  field
//        0     8  baseOffset
//        8     4  batchLength            (bytes after this field)
//       12     4  partitionLeaderEpoch
//       16     1  magic                  (2)
//       17     4  crc                    (CRC32C of bytes 21..end)
//       21     2  attributes             (bits 0-2 compression, 3 timestamp type,
//                                          4 transactional, 5 control, 6 delete horizon)
//       23     4  lastOffsetDelta
//       27     8  baseTimestamp
//       35     8  maxTimestamp
//       43     8  producerId
//       51     2  producerEpoch
//       53     4  baseSequence
//       57     4  recordsCount
//       61     …  records (possibly compressed)

import { readInt64, writeInt64 } from '../primitives.js';

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORDS_COUNT = 57;
export const RECORDS = 61;

/** Bytes before batchLength's coverage starts (baseOffset + batchLength). */
export const LOG_OVERHEAD = 12;
export const BATCH_HEADER_SIZE = 61;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;
export const DELETE_HORIZON_FLAG = 0x40;

export const enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export const baseOffset = (b: Buffer, at = 0): number => readInt64(b, at + BASE_OFFSET);
/** Total size of the batch on the wire, including the 12-byte offset/length prefix. */
export const batchSize = (b: Buffer, at = 0): number => b.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
export const magic = (b: Buffer, at = 0): number => b.readInt8(at + MAGIC);
export const attributes = (b: Buffer, at = 0): number => b.readInt16BE(at + ATTRIBUTES);
export const compression = (b: Buffer, at = 0): CompressionType => attributes(b, at) & COMPRESSION_MASK;
export const lastOffsetDelta = (b: Buffer, at = 0): number => b.readInt32BE(at + LAST_OFFSET_DELTA);
export const lastOffset = (b: Buffer, at = 0): number => baseOffset(b, at) + lastOffsetDelta(b, at);
export const baseTimestamp = (b: Buffer, at = 0): number => readInt64(b, at + BASE_TIMESTAMP);
export const maxTimestamp = (b: Buffer, at = 0): number => readInt64(b, at + MAX_TIMESTAMP);
export const producerId = (b: Buffer, at = 0): number => readInt64(b, at + PRODUCER_ID);
export const producerEpoch = (b: Buffer, at = 0): number => b.readInt16BE(at + PRODUCER_EPOCH);
export const baseSequence = (b: Buffer, at = 0): number => b.readInt32BE(at + BASE_SEQUENCE);
export const recordsCount = (b: Buffer, at = 0): number => b.readInt32BE(at + RECORDS_COUNT);
export const isTransactional = (b: Buffer, at = 0): boolean => (attributes(b, at) & TRANSACTIONAL_FLAG) !== 0;
export const isControl = (b: Buffer, at = 0): boolean => (attributes(b, at) & CONTROL_FLAG) !== 0;
export const isLogAppendTime = (b: Buffer, at = 0): boolean => (attributes(b, at) & TIMESTAMP_TYPE_MASK) !== 0;

export function setBaseOffset(b: Buffer, offset: number, at = 0): void {
  writeInt64(b, at + BASE_OFFSET, offset);
}

export function setPartitionLeaderEpoch(b: Buffer, epoch: number, at = 0): void {
  // Not covered by the CRC, so no re-checksum is needed.
  b.writeInt32BE(epoch, at + PARTITION_LEADER_EPOCH);
}

/** Attribute bit 3: where a batch's timestamps come from. */
export const enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

/** Record batch v2, the only format Samsa stores (magic 0 and 1, the legacy message sets, are converted: legacy.ts). */
export const MAGIC_V2 = 2;
/** Timestamp meaning "none" (Kafka's RecordBatch.NO_TIMESTAMP). */
export const NO_TIMESTAMP = -1;

export const partitionLeaderEpoch = (b: Buffer, at = 0): number => b.readInt32BE(at + PARTITION_LEADER_EPOCH);
/** The stored CRC32C, unsigned. */
export const storedCrc = (b: Buffer, at = 0): number => b.readUInt32BE(at + CRC);
export const timestampType = (b: Buffer, at = 0): TimestampType =>
  isLogAppendTime(b, at) ? TimestampType.LogAppendTime : TimestampType.CreateTime;
