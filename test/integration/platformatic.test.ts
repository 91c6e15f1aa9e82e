// @platformatic/kafka 1.x, a client we did not write, against a Samsa broker
// process, for the admin call that kcat, kafka-python 2.0.2,
// confluent-kafka 1.7 and KafkaJS 2.2.4 lack: IncrementalAlterConfigs (SET,
// DELETE, APPEND, SUBTRACT; validate_only; topic and broker resources). What
// it changed is read back with its own DescribeConfigs and with KafkaJS's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes as Op } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from './harness.js';

// Kafka's DescribeConfigs config sources.
const TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
const DEFAULT_CONFIG = 5;
const INVALID_CONFIG = 40;

let broker: BrokerProcess;
let admin: Admin;
let kjs: kafkajs.Admin;

before(async () => {
  // node.id 0: @platformatic/kafka routes a broker resource to the broker whose id is Number(name),
  // so the cluster-wide default (name "") goes to broker 0.
  broker = await startBrokerProcess({ overrides: { 'num.partitions': '1', 'node.id': '0' } });
  admin = new Admin({ clientId: 'samsa-platformatic-test', bootstrapBrokers: [broker.bootstrap], retries: 2 });
  kjs = new kafkajs.Kafka({ clientId: 'samsa-kafkajs-check', brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await kjs.connect();
});

after(async () => {
  await admin?.close().catch(() => undefined);
  await kjs?.disconnect().catch(() => undefined);
  await broker?.destroy();
});

type Entry = { value: string | null; source: number };

async function describe(type: number, name: string): Promise<Map<string, Entry>> {
  const [res] = await admin.describeConfigs({ resources: [{ resourceType: type as never, resourceName: name }], includeSynonyms: true });
  return new Map(res!.configs.map((c) => [c.name, { value: c.value ?? null, source: c.configSource as number }]));
}

async function kafkajsTopicConfig(topic: string, name: string): Promise<string | undefined> {
  const r = await kjs.describeConfigs({ resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }], includeSynonyms: false });
  return r.resources[0]!.configEntries.find((e) => e.configName === name)?.configValue;
}

/** The error code the broker answered a resource with, as @platformatic/kafka reports it. */
async function alterError(resources: Parameters<Admin['incrementalAlterConfigs']>[0]['resources']): Promise<number | undefined> {
  try {
    await admin.incrementalAlterConfigs({ resources });
    return undefined;
  } catch (err) {
    const text = JSON.stringify(err, Object.getOwnPropertyNames(err)) + String((err as Error).message) + JSON.stringify((err as { errors?: unknown }).errors ?? null);
    const codes = [...text.matchAll(/"(?:errorCode|apiCode|code)":\s*(\d+)/g)].map((m) => Number(m[1]));
    return codes.find((c) => c !== 0) ?? -1;
  }
}

test('IncrementalAlterConfigs on a topic: SET, APPEND, SUBTRACT and DELETE change only what they name', async () => {
  const topic = 'incremental-topic';
  await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1, configs: [{ name: 'max.message.bytes', value: '200000' }] });

  await admin.incrementalAlterConfigs({
    resources: [
      {
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: topic,
        configs: [
          { name: 'retention.ms', configOperation: Op.SET, value: '3600000' },
          { name: 'cleanup.policy', configOperation: Op.SET, value: 'compact' },
        ],
      },
    ],
  });
  let c = await describe(ConfigResourceTypes.TOPIC, topic);
  assert.deepEqual(c.get('retention.ms'), { value: '3600000', source: TOPIC_CONFIG });
  assert.deepEqual(c.get('cleanup.policy'), { value: 'compact', source: TOPIC_CONFIG });
  // Not named by the request, so kept (AlterConfigs would have reset it).
  assert.deepEqual(c.get('max.message.bytes'), { value: '200000', source: TOPIC_CONFIG });

  await admin.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'cleanup.policy', configOperation: Op.APPEND, value: 'delete' }] }],
  });
  assert.equal((await describe(ConfigResourceTypes.TOPIC, topic)).get('cleanup.policy')?.value, 'compact,delete');
  assert.equal(await kafkajsTopicConfig(topic, 'cleanup.policy'), 'compact,delete');

  await admin.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'cleanup.policy', configOperation: Op.SUBTRACT, value: 'compact' }] }],
  });
  assert.equal((await describe(ConfigResourceTypes.TOPIC, topic)).get('cleanup.policy')?.value, 'delete');

  await admin.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: Op.DELETE }] }],
  });
  c = await describe(ConfigResourceTypes.TOPIC, topic);
  assert.deepEqual(c.get('retention.ms'), { value: '604800000', source: DEFAULT_CONFIG });
  assert.equal(await kafkajsTopicConfig(topic, 'retention.ms'), '604800000');
  assert.deepEqual(c.get('max.message.bytes'), { value: '200000', source: TOPIC_CONFIG });
});

test('IncrementalAlterConfigs: validate_only changes nothing; an invalid value is INVALID_CONFIG and changes nothing', async () => {
  const topic = 'incremental-validate';
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  await admin.incrementalAlterConfigs({
    validateOnly: true,
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: Op.SET, value: '1000' }] }],
  });
  assert.deepEqual((await describe(ConfigResourceTypes.TOPIC, topic)).get('retention.ms'), { value: '604800000', source: DEFAULT_CONFIG });

  const code = await alterError([
    {
      resourceType: ConfigResourceTypes.TOPIC,
      resourceName: topic,
      configs: [
        { name: 'segment.bytes', configOperation: Op.SET, value: '2097152' },
        { name: 'cleanup.policy', configOperation: Op.SET, value: 'sometimes' },
      ],
    },
  ]);
  assert.equal(code, INVALID_CONFIG);
  const c = await describe(ConfigResourceTypes.TOPIC, topic);
  // A resource is altered all or nothing.
  assert.equal(c.get('segment.bytes')?.source, DEFAULT_CONFIG);
  assert.equal(c.get('cleanup.policy')?.value, 'delete');
});

test('IncrementalAlterConfigs on the broker and on the cluster-wide default, then DELETE', async () => {
  const id = '0';
  await admin.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: id, configs: [{ name: 'log.cleaner.threads', configOperation: Op.SET, value: '2' }] }],
  });
  await admin.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: Op.SET, value: '7200000' }] }],
  });
  let c = await describe(ConfigResourceTypes.BROKER, id);
  assert.deepEqual(c.get('log.cleaner.threads'), { value: '2', source: DYNAMIC_BROKER_CONFIG });
  assert.deepEqual(c.get('log.retention.ms'), { value: '7200000', source: DYNAMIC_DEFAULT_BROKER_CONFIG });

  // A topic without its own retention.ms now inherits the cluster default.
  const topic = 'incremental-inherits';
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  assert.equal((await describe(ConfigResourceTypes.TOPIC, topic)).get('retention.ms')?.value, '7200000');

  await admin.incrementalAlterConfigs({
    resources: [
      { resourceType: ConfigResourceTypes.BROKER, resourceName: id, configs: [{ name: 'log.cleaner.threads', configOperation: Op.DELETE }] },
    ],
  });
  await admin.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: Op.DELETE }] }],
  });
  c = await describe(ConfigResourceTypes.BROKER, id);
  assert.equal(c.get('log.cleaner.threads')?.value, '1');
  assert.notEqual(c.get('log.cleaner.threads')?.source, DYNAMIC_BROKER_CONFIG);
  assert.notEqual(c.get('log.retention.ms')?.source, DYNAMIC_DEFAULT_BROKER_CONFIG);
  assert.equal((await describe(ConfigResourceTypes.TOPIC, topic)).get('retention.ms')?.value, '604800000');
});
