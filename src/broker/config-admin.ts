// DescribeConfigs / AlterConfigs / IncrementalAlterConfigs on topic and
// broker resources: resolving the resource, validating, and applying the
// change through the metadata store so that it takes effect without restart.

import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { describeTopicConfigs, validateTopicConfigs, ConfigError } from './config/topic-config.js';
import { describeBrokerConfigs, validateBrokerDynamicConfigs } from './config/broker-config.js';
import type { BrokerContext } from './context.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;
export const RESOURCE_BROKER_LOGGER = 8;

export const OP_SET = 0;
export const OP_DELETE = 1;
export const OP_APPEND = 2;
export const OP_SUBTRACT = 3;

export interface DescribeOptions {
  keys: string[] | null;
  includeSynonyms: boolean;
  includeDocumentation: boolean;
  version: number;
}

export function describeResource(broker: BrokerContext, type: number, name: string, opts: DescribeOptions) {
  switch (type) {
    case RESOURCE_TOPIC: {
      const t = broker.metadata.topic(name);
      if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
      return describeTopicConfigs(t.configs, broker.config(), opts);
    }
    case RESOURCE_BROKER:
      checkBroker(broker, name);
      return describeBrokerConfigs(broker.config(), { ...opts, defaultResource: name === '' });
    case RESOURCE_BROKER_LOGGER:
      checkBroker(broker, name);
      return [];
    default:
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${type}`);
  }
}

function checkBroker(broker: BrokerContext, name: string): void {
  if (name !== '' && name !== String(broker.nodeId)) {
    if (!/^-?\d+$/.test(name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${name}`);
  }
}

/** The configs a resource has now, as overrides (not effective values). */
function currentOverrides(broker: BrokerContext, type: number, name: string): Record<string, string> {
  if (type === RESOURCE_TOPIC) {
    const t = broker.metadata.topic(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
    return { ...t.configs };
  }
  if (type === RESOURCE_BROKER) {
    checkBroker(broker, name);
    return broker.metadata.brokerConfigs(name);
  }
  throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${type}`);
}

function validate(type: number, configs: Record<string, string>): void {
  try {
    if (type === RESOURCE_TOPIC) validateTopicConfigs(configs);
    else validateBrokerDynamicConfigs(configs);
  } catch (err) {
    if (err instanceof ConfigError) throw new KafkaError(err.errorCode ?? ErrorCode.INVALID_CONFIG, err.message);
    throw err;
  }
}

async function apply(broker: BrokerContext, type: number, name: string, configs: Record<string, string>): Promise<void> {
  if (type === RESOURCE_TOPIC) {
    await broker.metadata.setTopicConfigs(name, configs);
    broker.replicas.reconfigure(broker.config(), broker.metadata.topic(name));
  } else {
    await broker.metadata.setBrokerConfigs(name, configs);
    broker.applyDynamicConfig();
  }
}

/** AlterConfigs: the given set replaces every override of the resource. */
export async function replaceConfigs(
  broker: BrokerContext,
  type: number,
  name: string,
  entries: { name: string; value: string | null }[],
  validateOnly: boolean,
): Promise<void> {
  currentOverrides(broker, type, name);
  const next: Record<string, string> = {};
  for (const e of entries) if (e.value !== null) next[e.name] = e.value;
  validate(type, next);
  if (!validateOnly) await apply(broker, type, name, next);
}

/** IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT applied to the current overrides. */
export async function alterConfigsIncrementally(
  broker: BrokerContext,
  type: number,
  name: string,
  ops: { name: string; configOperation: number; value: string | null }[],
  validateOnly: boolean,
): Promise<void> {
  const next = currentOverrides(broker, type, name);
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.name)) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `Error due to duplicate config keys`);
    }
    seen.add(op.name);
    switch (op.configOperation) {
      case OP_SET:
        if (op.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for : ${op.name}`);
        next[op.name] = op.value;
        break;
      case OP_DELETE:
        delete next[op.name];
        break;
      case OP_APPEND:
      case OP_SUBTRACT: {
        const current = (next[op.name] ?? effectiveValue(broker, type, name, op.name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const values = (op.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const result =
          op.configOperation === OP_APPEND
            ? [...current, ...values.filter((v) => !current.includes(v))]
            : current.filter((v) => !values.includes(v));
        next[op.name] = result.join(',');
        break;
      }
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${op.configOperation}`);
    }
  }
  validate(type, next);
  if (!validateOnly) await apply(broker, type, name, next);
}

function effectiveValue(broker: BrokerContext, type: number, name: string, key: string): string | null | undefined {
  const entries = describeResource(broker, type, name, { keys: [key], includeSynonyms: false, includeDocumentation: false, version: 1 });
  return entries.find((e) => e.name === key)?.value;
}

export function errorOf(err: unknown): { errorCode: number; errorMessage: string | null } {
  if (err instanceof KafkaError) return { errorCode: err.code, errorMessage: err.message };
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (err as Error)?.message ?? String(err) };
}
