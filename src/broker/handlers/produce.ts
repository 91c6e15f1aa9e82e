import type { ApiHandler } from './handler.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { AppendResult } from '../replica-manager.js';

interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: { name: string; partitionData: { index: number; records: Buffer | null }[] }[];
}

export const produceHandler: ApiHandler<ProduceRequest> = {
  apiKey: 0,
  // Record batch v2 needs Produce v3+; v0-v2 carry the old message formats, which Kafka 4 also dropped.
  minVersion: 3,
  maxVersion: 11,
  handle(req, ctx) {
    const { replicas } = ctx.broker;
    const acks = req.acks;
    const pending: Promise<unknown>[] = [];
    const responses = req.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((pd) => {
        const out = { index: pd.index, ...emptyResult() };
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          out.errorCode = ErrorCode.INVALID_REQUIRED_ACKS;
          return out;
        }
        const r = replicas.appendRecords(topic.name, pd.index, pd.records, acks);
        if (r instanceof Promise) pending.push(r.then((res) => Object.assign(out, res)));
        else Object.assign(out, r);
        return out;
      }),
    }));
    const response = () => (acks === 0 ? null : { responses, throttleTimeMs: 0 });
    if (pending.length === 0) return response();
    return Promise.all(pending).then(response);
  },
};

function emptyResult(): AppendResult {
  return { errorCode: 0, errorMessage: null, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [] };
}
