import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { Partition } from '../replica-manager.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const LATEST_TIERED = -5;

interface ListOffsetsRequest {
  isolationLevel: number;
  topics: { name: string; partitions: { partitionIndex: number; timestamp: number; maxNumOffsets: number }[] }[];
}

export const listOffsetsHandler: ApiHandler<ListOffsetsRequest> = {
  apiKey: 2,
  minVersion: 0,
  maxVersion: 9,
  async handle(req, ctx) {
    const { replicas, metadata } = ctx.broker;
    const version = ctx.header.apiVersion;
    const topics = [];
    for (const t of req.topics) {
      const partitions = [];
      for (const p of t.partitions) {
        const part = replicas.getPartition(t.name, p.partitionIndex);
        const out = { partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [] as number[], timestamp: -1, offset: -1, leaderEpoch: -1 };
        if (!part) {
          out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        } else {
          const found = await lookup(part, p.timestamp, req.isolationLevel === 1);
          if (found) {
            out.offset = found.offset;
            out.timestamp = found.timestamp;
            out.leaderEpoch = metadata.topic(t.name)?.partitions[p.partitionIndex]?.leaderEpoch ?? -1;
          }
          if (version === 0) out.oldStyleOffsets = found ? [found.offset] : [];
        }
        partitions.push(out);
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
};

async function lookup(part: Partition, ts: number, readCommitted: boolean): Promise<{ offset: number; timestamp: number } | null> {
  const log = part.log;
  switch (ts) {
    case LATEST:
    case LATEST_TIERED:
      // read_committed consumers start at the last stable offset (Kafka's fetchOffsetByTimestamp with isolation level).
      return { offset: readCommitted ? part.lastStableOffset : log.highWatermark, timestamp: -1 };
    case EARLIEST:
    case EARLIEST_LOCAL:
      return { offset: log.logStartOffset, timestamp: -1 };
    case MAX_TIMESTAMP:
      return log.maxTimestampAndOffset();
    default:
      return log.offsetForTimestamp(ts);
  }
}
