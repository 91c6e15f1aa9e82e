import type { ApiHandler } from './handler.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { describeTopicConfigs } from '../config/topic-config.js';

interface CreateTopicsRequest {
  topics: {
    name: string;
    numPartitions: number;
    replicationFactor: number;
    assignments: { partitionIndex: number; brokerIds: number[] }[];
    configs: { name: string; value: string | null }[];
  }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const createTopicsHandler: ApiHandler<CreateTopicsRequest> = {
  apiKey: 19,
  minVersion: 0,
  maxVersion: 7,
  async handle(req, ctx) {
    const { broker } = ctx;
    const seen = new Map<string, number>();
    for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const topics = [];
    for (const t of req.topics) {
      const result = {
        name: t.name,
        topicId: undefined as string | undefined,
        errorCode: 0,
        errorMessage: null as string | null,
        topicConfigErrorCode: 0,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null as unknown[] | null,
      };
      topics.push(result);
      if (seen.get(t.name)! > 1) {
        result.errorCode = ErrorCode.INVALID_REQUEST;
        result.errorMessage = `Create topics request from client \`${ctx.header.clientId}\` contains multiple entries for the following topics: ${t.name}`;
        continue;
      }
      try {
        const configs: Record<string, string> = {};
        for (const c of t.configs) {
          if (c.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
          configs[c.name] = c.value;
        }
        const state = broker.topics.plan({
          name: t.name,
          numPartitions: t.numPartitions,
          replicationFactor: t.replicationFactor,
          assignments: t.assignments,
          configs,
        });
        if (!req.validateOnly) await broker.topics.create(state);
        result.topicId = req.validateOnly ? undefined : state.topicId;
        result.numPartitions = state.partitions.length;
        result.replicationFactor = state.partitions[0]?.replicas.length ?? -1;
        result.configs = describeTopicConfigs(state.configs, broker.config(), {
          keys: null,
          includeSynonyms: false,
          includeDocumentation: false,
          version: 0,
        }).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.configSource, isSensitive: c.isSensitive }));
      } catch (err) {
        result.errorCode = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
        result.errorMessage = (err as Error).message;
      }
    }
    return { throttleTimeMs: 0, topics };
  },
};
