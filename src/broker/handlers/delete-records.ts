import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';

interface DeleteRecordsRequest {
  topics: { name: string; partitions: { partitionIndex: number; offset: number }[] }[];
  timeoutMs: number;
}

export const deleteRecordsHandler: ApiHandler<DeleteRecordsRequest> = {
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const topics = [];
    let moved = false;
    for (const t of req.topics) {
      const partitions = [];
      for (const p of t.partitions) {
        const part = ctx.broker.replicas.getPartition(t.name, p.partitionIndex);
        const out = { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: 0 };
        partitions.push(out);
        if (!part) {
          out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          continue;
        }
        if (!part.config.delete) {
          // Kafka (Partition.deleteRecordsOnLeader): only logs with cleanup.policy delete.
          out.errorCode = ErrorCode.POLICY_VIOLATION;
          continue;
        }
        const log = part.log;
        // -1 means "up to the high watermark", as in Kafka.
        const offset = p.offset === -1 ? log.highWatermark : p.offset;
        if (offset < 0 || offset > log.highWatermark) {
          out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
          continue;
        }
        try {
          out.lowWatermark = await log.deleteRecordsBefore(offset);
          moved = true;
        } catch (err) {
          out.errorCode = (err as { name?: string }).name === 'OffsetOutOfRangeError' ? ErrorCode.OFFSET_OUT_OF_RANGE : ErrorCode.KAFKA_STORAGE_ERROR;
        }
      }
      topics.push({ name: t.name, partitions });
    }
    // The new low watermarks survive a restart (log-start-offset-checkpoint).
    if (moved) await ctx.broker.logs.checkpoint().catch(() => {});
    return { throttleTimeMs: 0, topics };
  },
};
