// Produce-side validation, as Kafka's LogValidator does it, without decoding
// records on the common path: batch framing, CRC, magic, sizes and timestamps
// are checked from the batch headers; records are only decoded when the topic
// asks for re-compression to its own codec. Legacy message sets (magic 0/1,
// from Produce v0-v2) are up-converted to one v2 batch first, as Kafka 3.x
// does, and then take the same path.

import { validateBatches, patchLogAppendTime, recompressBatch, BatchInfo } from '../protocol/records/batch.js';
import { CompressionType, NO_TIMESTAMP, TimestampType } from '../protocol/records/batch-header.js';
import {
  expandLegacyEntry,
  isLegacyMessageSet,
  readLegacyEntries,
  upConvertToBatch,
  type LegacyEntry,
  type LegacyRecord,
} from '../protocol/records/legacy.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { TopicConfig } from './config/topic-config.js';
import type { BrokerConfig } from './config/broker-config.js';

export interface ValidatedRecords {
  records: Buffer;
  /** The time stamped on the batches with LogAppendTime, or -1 for CreateTime. */
  logAppendTimeMs: number;
}

const CODEC_BY_NAME: Record<string, CompressionType> = {
  uncompressed: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

class BatchError extends KafkaError {
  constructor(
    code: number,
    message: string,
    readonly batchIndex: number,
  ) {
    super(code, message);
  }
}

export function validateProducedRecords(
  records: Buffer,
  topic: TopicConfig,
  _broker: BrokerConfig,
  now: number,
): ValidatedRecords | Promise<ValidatedRecords> {
  // Byte 16 holds the magic of a v2 batch and of a legacy message alike.
  if (isLegacyMessageSet(records)) return upConvertLegacy(records, topic, _broker, now);
  let batches: BatchInfo[];
  try {
    // Produce v3+ carries exactly one batch per partition, as Kafka requires.
    batches = validateBatches(records, { fromClient: true, singleBatch: true });
  } catch (err) {
    const code = (err as { errorCode?: number }).errorCode ?? ErrorCode.CORRUPT_MESSAGE;
    throw new KafkaError(code, (err as Error).message);
  }
  const maxBytes = topic.maxMessageBytes;
  const logAppendTime = topic.messageTimestampType === 'LogAppendTime';
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    if (b.size > maxBytes) {
      throw new BatchError(
        ErrorCode.MESSAGE_TOO_LARGE,
        `The request included a message larger than the max message size the server will accept (batch of ${b.size} bytes, max.message.bytes is ${maxBytes}).`,
        i,
      );
    }
    if (b.isControl) {
      throw new BatchError(ErrorCode.INVALID_RECORD, 'Clients are not allowed to write control records.', i);
    }
    if (!logAppendTime) checkTimestamp(b, i, topic, now);
  }

  const target = topic.compressionType === 'producer' ? undefined : CODEC_BY_NAME[topic.compressionType];
  const needsRecompression = target !== undefined && batches.some((b) => b.compression !== target);
  if (!needsRecompression) {
    if (logAppendTime) for (const b of batches) patchLogAppendTime(records, b.offset, now);
    return { records, logAppendTimeMs: logAppendTime ? now : -1 };
  }
  return recompressAll(records, batches, target!, logAppendTime, now);
}

async function recompressAll(
  records: Buffer,
  batches: BatchInfo[],
  target: CompressionType,
  logAppendTime: boolean,
  now: number,
): Promise<ValidatedRecords> {
  const out: Buffer[] = [];
  for (const b of batches) {
    const bytes = records.subarray(b.offset, b.offset + b.size);
    let converted: Buffer;
    try {
      converted = b.compression === target ? bytes : await recompressBatch(bytes, target);
    } catch (err) {
      throw new KafkaError((err as { errorCode?: number }).errorCode ?? ErrorCode.CORRUPT_MESSAGE, (err as Error).message);
    }
    if (logAppendTime) patchLogAppendTime(converted, 0, now);
    out.push(converted);
  }
  return { records: out.length === 1 ? out[0]! : Buffer.concat(out), logAppendTimeMs: logAppendTime ? now : -1 };
}

function asKafkaError(err: unknown): KafkaError {
  if (err instanceof KafkaError) return err;
  return new KafkaError((err as { errorCode?: number }).errorCode ?? ErrorCode.CORRUPT_MESSAGE, (err as Error).message);
}

/**
 * Magic 0/1 message sets (Produce v0-v2), as Kafka's LogValidator handles them
 * when the log's format is v2: every message's CRC checked (CORRUPT_MESSAGE),
 * one magic throughout, a compressed wrapper alone in its request, each
 * message within max.message.bytes, timestamps validated message by message,
 * then all messages rebuilt into one v2 batch in the producer's codec (or the
 * topic's), which then goes through the v2 checks and patches above.
 */
async function upConvertLegacy(records: Buffer, topic: TopicConfig, broker: BrokerConfig, now: number): Promise<ValidatedRecords> {
  let entries: LegacyEntry[];
  try {
    entries = readLegacyEntries(records);
  } catch (err) {
    throw asKafkaError(err);
  }
  const first = entries[0]!;
  let compression = CompressionType.None;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.magic !== first.magic) {
      throw new BatchError(ErrorCode.INVALID_RECORD, `Batch magic ${e.magic} is not the same as the first batch's magic byte ${first.magic}`, i);
    }
    if (e.size > topic.maxMessageBytes) {
      throw new BatchError(
        ErrorCode.MESSAGE_TOO_LARGE,
        `The request included a message larger than the max message size the server will accept (message of ${e.size} bytes, max.message.bytes is ${topic.maxMessageBytes}).`,
        i,
      );
    }
    if (e.compression !== CompressionType.None) compression = e.compression;
  }
  if (compression !== CompressionType.None && entries.length > 1) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, 'Compressed outer record has more than one batch');
  }
  const messages: LegacyRecord[] = [];
  try {
    for (const e of entries) messages.push(...(await expandLegacyEntry(e)));
  } catch (err) {
    throw asKafkaError(err);
  }
  const logAppendTime = topic.messageTimestampType === 'LogAppendTime';
  const earliest = now - topic.messageTimestampBeforeMaxMs;
  const latest = now + topic.messageTimestampAfterMaxMs;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (!logAppendTime && m.timestamp !== NO_TIMESTAMP) {
      if (m.timestamp < earliest || m.timestamp > latest) {
        throw new BatchError(
          ErrorCode.INVALID_TIMESTAMP,
          `Timestamp ${m.timestamp} of message with offset ${i} is out of range. The timestamp should be within [${earliest}, ${latest}]`,
          i,
        );
      }
    } else if (m.timestampType === TimestampType.LogAppendTime) {
      throw new BatchError(
        ErrorCode.INVALID_TIMESTAMP,
        `Invalid timestamp type in message with offset ${i}. Producer should not set timestamp type to LogAppendTime.`,
        i,
      );
    }
  }
  const target = topic.compressionType === 'producer' ? compression : CODEC_BY_NAME[topic.compressionType]!;
  let batch: Buffer;
  try {
    batch = await upConvertToBatch(messages, {
      compression: target,
      timestampType: logAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime,
      now,
    });
  } catch (err) {
    throw asKafkaError(err);
  }
  return validateProducedRecords(batch, topic, broker, now);
}

function checkTimestamp(b: BatchInfo, index: number, topic: TopicConfig, now: number): void {
  const earliest = now - topic.messageTimestampBeforeMaxMs;
  const latest = now + topic.messageTimestampAfterMaxMs;
  for (const ts of [b.baseTimestamp, b.maxTimestamp]) {
    if (ts < 0) continue; // -1: no timestamp given
    if (ts < earliest || ts > latest) {
      throw new BatchError(
        ErrorCode.INVALID_TIMESTAMP,
        `Timestamp ${ts} of message with offset ${index} is out of range. The timestamp should be within [${earliest}, ${latest}]`,
        index,
      );
    }
  }
}
