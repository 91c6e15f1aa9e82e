import type { ApiHandler } from './handler.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';

interface CreatePartitionsRequest {
  topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest> = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  async handle(req, ctx) {
    const { broker } = ctx;
    const results = [];
    for (const t of req.topics) {
      const out = { name: t.name, errorCode: 0, errorMessage: null as string | null };
      results.push(out);
      try {
        const planned = broker.topics.planPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null);
        if (!req.validateOnly) await broker.topics.addPartitions(t.name, planned);
      } catch (err) {
        out.errorCode = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
        out.errorMessage = (err as Error).message;
      }
    }
    return { throttleTimeMs: 0, results };
  },
};
