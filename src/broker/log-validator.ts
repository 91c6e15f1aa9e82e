// Produce-side validation, as Kafka's LogValidator does it, without decoding
// records on the common path: batch framing, CRC, magic, sizes and timestamps
// are checked from the batch headers; records are only decoded when the topic
// asks for re-compression to its own codec.

import { validateBatches, patchLogAppendTime, recompressBatch, BatchInfo } from '../protocol/records/batch.js';
import { CompressionType } from '../protocol/records/batch-header.js';
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
