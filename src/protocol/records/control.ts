// Control batches: the transaction markers (Kafka's EndTransactionMarker) that
// end a transaction in a partition. A control batch has the control and
// transactional attribute bits set, the transaction's producer id and epoch,
// no sequence (-1), is never compressed, and holds one record:
//
//   key    int16 version (0), int16 type (0 ABORT, 1 COMMIT)
//   value  int16 version (0), int32 coordinatorEpoch
//
// Consumers never hand control records to applications; read_committed
// consumers use ABORT markers (with the fetch response's aborted transactions)
// to drop the aborted records before them.

import { writeInt64 } from '../primitives.js';
import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  CONTROL_FLAG,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAGIC_V2,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS,
  RECORDS_COUNT,
  TRANSACTIONAL_FLAG,
  COMPRESSION_MASK,
  attributes,
  batchSize,
  recordsCount,
} from './batch-header.js';
import { crc32c } from './crc32c.js';
import { decodeRecords, measureRecords, writeRecords } from './records.js';

export const enum ControlRecordType {
  Abort = 0,
  Commit = 1,
}

export interface EndTxnMarker {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
  timestamp: number;
  partitionLeaderEpoch?: number;
}

/** The control batch of one transaction marker (baseOffset 0, to be assigned by the log). */
export function buildEndTxnMarker(m: EndTxnMarker): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(m.commit ? ControlRecordType.Commit : ControlRecordType.Abort, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(m.coordinatorEpoch, 2);
  const records = [{ key, value, timestamp: m.timestamp }];
  const sizes = measureRecords(records, m.timestamp);
  const buf = Buffer.alloc(BATCH_HEADER_SIZE + sizes.size);
  writeRecords(records, m.timestamp, sizes, buf, RECORDS);
  writeInt64(buf, 0, 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, BATCH_LENGTH);
  buf.writeInt32BE(m.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH);
  buf.writeInt8(MAGIC_V2, MAGIC);
  buf.writeInt16BE(CONTROL_FLAG | TRANSACTIONAL_FLAG, ATTRIBUTES);
  buf.writeInt32BE(0, LAST_OFFSET_DELTA);
  writeInt64(buf, BASE_TIMESTAMP, m.timestamp);
  writeInt64(buf, MAX_TIMESTAMP, m.timestamp);
  writeInt64(buf, PRODUCER_ID, m.producerId);
  buf.writeInt16BE(m.producerEpoch, PRODUCER_EPOCH);
  buf.writeInt32BE(-1, BASE_SEQUENCE);
  buf.writeInt32BE(1, RECORDS_COUNT);
  buf.writeUInt32BE(crc32c(buf, ATTRIBUTES, buf.length), CRC);
  return buf;
}

/**
 * The marker in the control batch at `at`: its type and coordinator epoch;
 * null for an empty control batch (cleaned away) or an unknown control type.
 * Control batches are uncompressed; a compressed one is treated as unknown.
 */
export function readEndTxnMarker(buf: Buffer, at = 0): { type: ControlRecordType; coordinatorEpoch: number } | null {
  if ((attributes(buf, at) & COMPRESSION_MASK) !== 0) return null;
  const count = recordsCount(buf, at);
  if (count < 1) return null;
  const end = at + batchSize(buf, at);
  let recs;
  try {
    recs = decodeRecords(buf, at + RECORDS, end, count);
  } catch {
    return null;
  }
  const r = recs[0]!;
  if (!r.key || r.key.length < 4) return null;
  const type = r.key.readInt16BE(2);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) return null;
  const coordinatorEpoch = r.value && r.value.length >= 6 ? r.value.readInt32BE(2) : 0;
  return { type, coordinatorEpoch };
}
