import type { ApiHandler } from './handler.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { ZERO_UUID } from '../../protocol/codec.js';

interface DeleteTopicsRequest {
  topics: { name: string | null; topicId: string }[];
  topicNames: string[];
  timeoutMs: number;
}

export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest> = {
  apiKey: 20,
  minVersion: 0,
  maxVersion: 6,
  async handle(req, ctx) {
    const { broker } = ctx;
    const wanted = ctx.header.apiVersion >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses = [];
    for (const w of wanted) {
      const byId = w.name === null || w.name === undefined;
      const state = byId ? broker.metadata.topicById(w.topicId) : broker.metadata.topic(w.name!);
      const out = { name: state?.name ?? w.name ?? null, topicId: state?.topicId ?? w.topicId, errorCode: 0, errorMessage: null as string | null };
      responses.push(out);
      if (!state) {
        out.errorCode = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        out.errorMessage = byId ? 'This server does not host this topic ID.' : 'This server does not host this topic-partition.';
        continue;
      }
      try {
        await broker.topics.delete(state.name);
      } catch (err) {
        out.errorCode = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
        out.errorMessage = (err as Error).message;
      }
    }
    return { throttleTimeMs: 0, responses };
  },
};
