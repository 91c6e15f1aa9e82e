import type { ApiHandler, RequestContext } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { Partition } from '../replica-manager.js';
import { downConvertBatches } from '../../protocol/records/legacy.js';
import { fetchReadPool, ReadLeases } from '../../storage/buffer-pool.js';
import type { ReadAlloc } from '../../storage/fs-util.js';

interface FetchPartitionRequest {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: number;
  logStartOffset: number;
  partitionMaxBytes: number;
}

interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: { topic: string; topicId: string; partitions: FetchPartitionRequest[] }[];
}

interface PartitionData {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  preferredReadReplica: number;
  records: Buffer[] | null;
}

interface Slot {
  part: Partition | undefined;
  req: FetchPartitionRequest;
  out: PartitionData;
}

export const fetchHandler: ApiHandler<FetchRequest> = {
  apiKey: 1,
  // v0-v3 predate record batch v2: their answers are down-converted to magic 0/1 (downConvert below).
  minVersion: 0,
  maxVersion: 16,
  async handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const byId = version >= 13;
    if (req.sessionId !== 0) {
      // We never create fetch sessions (KIP-227 allows a broker to decline), so no id can be valid.
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const { broker } = ctx;
    const readCommitted = req.isolationLevel === 1;
    const slots: Slot[] = [];
    const responses = req.topics.map((t) => {
      const state = byId ? broker.metadata.topicById(t.topicId) : broker.metadata.topic(t.topic);
      const unknownCode = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      return {
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => {
          const part = state ? broker.replicas.getPartition(state.name, p.partition) : undefined;
          const out: PartitionData = {
            partitionIndex: p.partition,
            errorCode: part ? 0 : state ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : unknownCode,
            highWatermark: -1,
            lastStableOffset: -1,
            logStartOffset: -1,
            abortedTransactions: readCommitted ? [] : null,
            preferredReadReplica: -1,
            records: [],
          };
          slots.push({ part, req: p, out });
          return out;
        }),
      };
    });

    // Reads go into pooled buffers only when the connection can hand them back once the
    // response is written; down-converted answers (v0-3) are built from fresh reads.
    const conn = ctx.conn as { releaseAfterResponse?: (correlationId: number, release: () => void) => void } | undefined;
    const leases = version >= 4 && typeof conn?.releaseAfterResponse === 'function' ? new ReadLeases(fetchReadPool) : null;
    const alloc = leases?.alloc;
    try {
      const deadline = Date.now() + req.maxWaitMs;
      for (;;) {
        const bytes = await readAll(slots, req.maxBytes, readCommitted, alloc);
        const remaining = deadline - Date.now();
        if (bytes >= req.minBytes || remaining <= 0 || slots.some((s) => s.out.errorCode !== 0) || ctx.conn === undefined) {
          break;
        }
        await broker.fetchWaiter.wait(
          slots.map((s) => s.part!),
          remaining,
        );
        // Every read below replaces all the records of the one above.
        leases?.releaseAll();
        if (Date.now() >= deadline || isClosing(ctx) || broker.fetchWaiter.shuttingDown) {
          await readAll(slots, req.maxBytes, readCommitted, alloc);
          break;
        }
      }
    } catch (err) {
      leases?.releaseAll();
      throw err;
    }
    if (version < 4) await downConvert(slots, version < 2 ? 0 : 1, req.maxBytes);
    if (leases && leases.count > 0) conn!.releaseAfterResponse!(ctx.header.correlationId, () => leases.releaseAll());
    return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
  },
};

function isClosing(ctx: RequestContext): boolean {
  return (ctx.conn as { isClosed?: boolean }).isClosed === true;
}

/**
 * Fetch v0-v1 read magic 0 message sets, v2-v3 magic 1 (Kafka's down-conversion, done
 * after the long poll, never for v4+): offsets, keys, values and (magic 1)
 * timestamps kept, headers and control batches dropped, messages before the
 * fetch offset left out, uncompressed. Sizes are re-checked against the
 * partition and response limits with at least one message per partition that had data.
 */
async function downConvert(slots: Slot[], toMagic: 0 | 1, maxBytes: number): Promise<void> {
  let total = 0;
  for (const s of slots) {
    const records = s.out.records;
    if (!records || records.length === 0 || s.out.errorCode !== 0) {
      s.out.records = [];
      continue;
    }
    try {
      const converted = await downConvertBatches(records, toMagic, {
        fromOffset: s.req.fetchOffset,
        maxBytes: Math.max(0, Math.min(s.req.partitionMaxBytes, maxBytes - total)),
      });
      s.out.records = [converted];
      total += converted.length;
    } catch (err) {
      s.out.errorCode = (err as { errorCode?: number }).errorCode ?? ErrorCode.CORRUPT_MESSAGE;
      s.out.records = [];
    }
  }
}

/**
 * Reads every partition once, within the response's byte budget; returns the
 * bytes gathered. read_committed (isolation_level 1) reads stop at the last
 * stable offset and carry the aborted transactions of the range read.
 */
async function readAll(slots: Slot[], maxBytes: number, readCommitted: boolean, alloc?: ReadAlloc): Promise<number> {
  let total = 0;
  for (const s of slots) {
    if (!s.part) continue;
    const log = s.part.log;
    const budget = Math.min(s.req.partitionMaxBytes, maxBytes - total);
    const maxOffset = readCommitted ? s.part.lastStableOffset : undefined;
    const out = s.out;
    let result;
    try {
      result = await log.read(s.req.fetchOffset, Math.max(0, budget), { minOneBatch: total === 0, maxOffset, alloc });
    } catch (err) {
      // An offline log (I/O error): this partition answers KAFKA_STORAGE_ERROR, the others are served.
      if ((err as { code?: unknown }).code !== 'KAFKA_STORAGE_ERROR') throw err;
      out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
      out.highWatermark = -1;
      out.lastStableOffset = -1;
      out.logStartOffset = -1;
      out.records = [];
      continue;
    }
    if (result.outOfRange) {
      out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      out.highWatermark = log.highWatermark;
      out.lastStableOffset = log.highWatermark;
      out.logStartOffset = log.logStartOffset;
      // Kafka answers errors with empty records (MemoryRecords.EMPTY), never null: librdkafka rejects a -1 size.
      out.records = [];
      continue;
    }
    out.errorCode = 0;
    out.highWatermark = result.highWatermark;
    out.lastStableOffset = Math.min(s.part.lastStableOffset, result.highWatermark);
    out.logStartOffset = result.logStartOffset;
    out.records = result.records;
    if (readCommitted) {
      const end = result.records.length > 0 ? endOffsetOf(result.records) : -1;
      out.abortedTransactions = end > s.req.fetchOffset ? s.part.producerState.abortedTransactions(s.req.fetchOffset, end) : [];
    }
    total += result.size;
  }
  return total;
}

/** The offset after the last whole batch in `chunks` (batches back to back, as Log.read returns them). */
function endOffsetOf(chunks: Buffer[]): number {
  let end = -1;
  for (const c of chunks) {
    for (let at = 0; at + 61 <= c.length; ) {
      const size = c.readInt32BE(at + 8) + 12;
      if (at + size > c.length) break;
      end = Number(c.readBigInt64BE(at)) + c.readInt32BE(at + 23) + 1;
      at += size;
    }
  }
  return end;
}
