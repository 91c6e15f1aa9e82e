import type { ApiHandler, RequestContext } from './handler.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type { TopicState } from '../../cluster/metadata-store.js';
import { validateTopicName, INTERNAL_TOPICS } from '../topic-manager.js';

const OMITTED_OPERATIONS = -2147483648;
// Without ACLs every operation is allowed: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS.
const TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((bits, op) => bits | (1 << op), 0);
// CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, CREATE_TOKENS, DESCRIBE_TOKENS.
const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12, 13, 14].reduce((bits, op) => bits | (1 << op), 0);

interface MetadataRequest {
  topics: { topicId: string; name: string | null }[] | null;
  allowAutoTopicCreation: boolean;
  includeClusterAuthorizedOperations: boolean;
  includeTopicAuthorizedOperations: boolean;
}

export const metadataHandler: ApiHandler<MetadataRequest> = {
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(req, ctx) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    // v0: an empty list means every topic; v1+: null means every topic.
    const all = req.topics === null || (version === 0 && req.topics.length === 0);
    const topics = [];
    const topicOps = req.includeTopicAuthorizedOperations ? TOPIC_OPERATIONS : OMITTED_OPERATIONS;
    if (all) {
      for (const t of broker.metadata.topics()) topics.push(describeTopic(t, topicOps));
    } else {
      for (const wanted of req.topics!) {
        topics.push(await lookup(wanted, req.allowAutoTopicCreation && version >= 4 ? true : version < 4, ctx, topicOps));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: broker.endpointsFor(ctx.conn),
      clusterId: broker.clusterId,
      controllerId: broker.metadata.controllerId(),
      topics,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OMITTED_OPERATIONS,
    };
  },
};

async function lookup(wanted: { topicId: string; name: string | null }, allowAuto: boolean, ctx: RequestContext, ops: number) {
  const { broker } = ctx;
  if (wanted.name === null || wanted.name === undefined) {
    const t = broker.metadata.topicById(wanted.topicId);
    if (!t) return errorTopic(null, wanted.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
    return describeTopic(t, ops);
  }
  const name = wanted.name;
  const existing = broker.metadata.topic(name);
  if (existing) return describeTopic(existing, ops);
  try {
    validateTopicName(name);
  } catch {
    return errorTopic(name, undefined, ErrorCode.INVALID_TOPIC_EXCEPTION);
  }
  if (!allowAuto || !broker.config().autoCreateTopicsEnable || INTERNAL_TOPICS.has(name)) {
    return errorTopic(name, undefined, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  try {
    const created = await broker.topics.autoCreate(name);
    return created ? describeTopic(created, ops) : errorTopic(name, undefined, ErrorCode.LEADER_NOT_AVAILABLE);
  } catch (err) {
    return errorTopic(name, undefined, err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

function errorTopic(name: string | null, topicId: string | undefined, errorCode: number) {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: OMITTED_OPERATIONS };
}

export function describeTopic(t: TopicState, ops: number) {
  return {
    errorCode: 0,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.internal,
    partitions: t.partitions.map((p) => ({
      errorCode: 0,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: ops,
  };
}
