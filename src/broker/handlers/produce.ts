import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { AppendResult } from '../replica-manager.js';
import { isLegacyMessageSet } from '../../protocol/records/legacy.js';

interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: { name: string; partitionData: { index: number; records: Buffer | null }[] }[];
}

export const produceHandler: ApiHandler<ProduceRequest> = {
  apiKey: 0,
  // v0-v2 carry the old message formats (magic 0/1), which the log validator up-converts to
  // record batch v2 as Kafka 3.x does (Kafka 4 dropped these versions); v3+ carry v2 batches only.
  minVersion: 0,
  maxVersion: 11,
  handle(req, ctx) {
    const { replicas } = ctx.broker;
    const version = ctx.header.apiVersion;
    const acks = req.acks;
    // One completion per request, not a Promise per partition: the partitions count down.
    let waiting = 0;
    let finish: (() => void) | null = null;
    const settled = () => {
      if (--waiting === 0 && finish) finish();
    };
    const responses = req.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((pd) => {
        const out = emptyResult(pd.index);
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          out.errorCode = ErrorCode.INVALID_REQUIRED_ACKS;
          return out;
        }
        if (ctx.broker.metadata.topic(topic.name)?.internal) {
          // Internal topics are written by their coordinators only, as in Kafka.
          out.errorCode = ErrorCode.INVALID_TOPIC_EXCEPTION;
          out.errorMessage = `Cannot append to internal topic ${topic.name}`;
          return out;
        }
        if (version >= 3 && pd.records && isLegacyMessageSet(pd.records)) {
          // Kafka's ProduceRequest.validateRecords
          out.errorCode = ErrorCode.INVALID_RECORD;
          out.errorMessage = `Produce requests with version ${version} are only allowed to contain record batches with magic version 2`;
          return out;
        }
        // acks=0 answers nothing, yet the request settles only once its batches are written too: they
        // are views of the connection's read slab, which must not be reused while the log holds them.
        waiting++;
        replicas.appendRecordsInto(out, topic.name, pd.index, pd.records, acks === 0 ? 1 : acks, req.transactionalId, settled);
        return out;
      }),
    }));
    const response = () => (acks === 0 ? null : { responses, throttleTimeMs: 0 });
    if (waiting === 0) return response();
    return new Promise((resolve) => {
      finish = () => resolve(response());
    });
  },
};

function emptyResult(index: number): AppendResult & { index: number } {
  return { index, errorCode: 0, errorMessage: null, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [] };
}
