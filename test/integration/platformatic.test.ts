// @platformatic/kafka 1.x, a client we did not write, against a Samsa broker
// process, for the admin calls that kcat, kafka-python 2.0.2,
// confluent-kafka 1.7 and KafkaJS 2.2.4 lack: IncrementalAlterConfigs (SET,
// DELETE, APPEND, SUBTRACT; validate_only; topic and broker resources),
// client quotas and SCRAM credentials. What it changed is read back with its
// own calls and with KafkaJS's or kafka-configs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes as Op } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { randomBytes, pbkdf2Sync } from 'node:crypto';
import { startBrokerProcess, type BrokerProcess } from './harness.js';
import { tool } from './cli-util.js';

// Kafka's DescribeConfigs config sources.
const TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
const DEFAULT_CONFIG = 5;
const INVALID_CONFIG = 40;
const INVALID_REQUEST = 42;
const RESOURCE_NOT_FOUND = 91;
const UNACCEPTABLE_CREDENTIAL = 93;

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

/** The first non-zero Kafka error code inside an error @platformatic/kafka raised (its errors nest the decoded response). */
function firstCode(err: unknown): number {
  const seen = new Set<unknown>();
  const text = JSON.stringify(err, function (this: unknown, _k: string, v: unknown) {
    if (v && typeof v === 'object') {
      if (seen.has(v)) return undefined;
      seen.add(v);
      if (v instanceof Error) return Object.fromEntries(Object.getOwnPropertyNames(v).map((n) => [n, (v as never)[n]]));
    }
    return typeof v === 'bigint' ? String(v) : v;
  });
  const codes = [...text.matchAll(/"(?:errorCode|apiCode)":\s*(\d+)/g)].map((m) => Number(m[1]));
  return codes.find((c) => c !== 0) ?? -1;
}

/** The error code the broker answered a resource with, as @platformatic/kafka reports it. */
async function alterError(resources: Parameters<Admin['incrementalAlterConfigs']>[0]['resources']): Promise<number | undefined> {
  try {
    await admin.incrementalAlterConfigs({ resources });
    return undefined;
  } catch (err) {
    return firstCode(err);
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

// Client quotas (AlterClientQuotas / DescribeClientQuotas) through @platformatic/kafka's Admin,
// read back with it and with kafka-configs.
test('client quotas: set, described by entity, default and ANY match, removed; an unknown key is INVALID_REQUEST', async () => {
  const { ClientQuotaEntityTypes: E, ClientQuotaMatchTypes: M } = await import('@platformatic/kafka');
  const altered = await admin.alterClientQuotas({
    entries: [
      {
        entities: [{ entityType: E.USER, entityName: 'alice' }],
        ops: [
          { key: 'producer_byte_rate', value: 1024, remove: false },
          { key: 'consumer_byte_rate', value: 2048, remove: false },
        ],
      },
      { entities: [{ entityType: E.CLIENT_ID, entityName: null }], ops: [{ key: 'request_percentage', value: 50, remove: false }] },
    ],
  } as never);
  assert.deepEqual(altered.map((e) => e.errorCode), [0, 0]);

  const exact = await admin.describeClientQuotas({ components: [{ entityType: E.USER, matchType: M.EXACT, match: 'alice' }] });
  assert.equal(exact.length, 1);
  assert.deepEqual(exact[0]!.entity.map((e) => [e.entityType, e.entityName]), [['user', 'alice']]);
  assert.deepEqual(Object.fromEntries(exact[0]!.values.map((v) => [v.key, v.value])), { producer_byte_rate: 1024, consumer_byte_rate: 2048 });
  const defaults = await admin.describeClientQuotas({ components: [{ entityType: E.CLIENT_ID, matchType: M.DEFAULT }] });
  assert.deepEqual(defaults.map((d) => [d.entity.map((e) => [e.entityType, e.entityName]), d.values.map((v) => [v.key, v.value])]), [
    [[['client-id', null]], [['request_percentage', 50]]],
  ]);
  const anyUser = await admin.describeClientQuotas({ components: [{ entityType: E.USER, matchType: M.ANY }], strict: true });
  assert.deepEqual(anyUser.map((d) => d.entity.map((e) => e.entityName)), [['alice']]);

  const out = await tool('kafka-configs', ['--bootstrap-server', broker.bootstrap, '--describe', '--entity-type', 'users', '--entity-name', 'alice']);
  assert.match(out, /^Quota configs for user-principal 'alice' are consumer_byte_rate=2048\.0, producer_byte_rate=1024\.0$/m);

  const bad = await admin
    .alterClientQuotas({ entries: [{ entities: [{ entityType: E.USER, entityName: 'bob' }], ops: [{ key: 'made_up_rate', value: 1, remove: false }] }] } as never)
    .then((r) => r.map((e) => e.errorCode), (err: unknown) => [firstCode(err)]);
  assert.deepEqual(bad, [INVALID_REQUEST]);

  await admin.alterClientQuotas({
    entries: [
      {
        entities: [{ entityType: E.USER, entityName: 'alice' }],
        ops: [
          { key: 'producer_byte_rate', remove: true },
          { key: 'consumer_byte_rate', remove: true },
        ],
      },
    ],
  } as never);
  assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: E.USER, matchType: M.EXACT, match: 'alice' }] }), []);
});

// SCRAM credentials through @platformatic/kafka's own request encoders (its Admin has no call for them).
test('SCRAM credentials: upsert, describe, UNACCEPTABLE_CREDENTIAL, delete, RESOURCE_NOT_FOUND', async () => {
  const { Connection, alterUserScramCredentialsV0, describeUserScramCredentialsV0, ScramMechanisms } = await import('@platformatic/kafka');
  const conn = new Connection('samsa-platformatic-scram');
  await conn.connect('127.0.0.1', broker.port);
  try {
    const salt = randomBytes(32);
    const saltedPassword = pbkdf2Sync('alice-secret', salt, 8192, 32, 'sha256');
    const up = await alterUserScramCredentialsV0.api.async(conn, [], [
      { name: 'alice', mechanism: ScramMechanisms.SCRAM_SHA_256, iterations: 8192, salt, saltedPassword },
    ]);
    assert.deepEqual(up.results.map((r) => [r.user, r.errorCode]), [['alice', 0]]);

    const described = await describeUserScramCredentialsV0.api.async(conn, [{ name: 'alice' }]);
    assert.equal(described.errorCode, 0);
    assert.deepEqual(described.results.map((r) => [r.user, r.errorCode, r.credentialInfos.map((c) => [c.mechanism, c.iterations])]), [
      ['alice', 0, [[ScramMechanisms.SCRAM_SHA_256, 8192]]],
    ]);
    const out = await tool('kafka-configs', ['--bootstrap-server', broker.bootstrap, '--describe', '--entity-type', 'users', '--entity-name', 'alice']);
    assert.match(out, /^SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192$/m);

    const weak = await alterUserScramCredentialsV0.api
      .async(conn, [], [{ name: 'carol', mechanism: ScramMechanisms.SCRAM_SHA_512, iterations: 1000, salt, saltedPassword: pbkdf2Sync('x', salt, 1000, 64, 'sha512') }])
      .then((r) => r.results.map((x) => x.errorCode), (err: unknown) => [firstCode(err)]);
    assert.deepEqual(weak, [UNACCEPTABLE_CREDENTIAL]);

    const del = await alterUserScramCredentialsV0.api.async(conn, [{ name: 'alice', mechanism: ScramMechanisms.SCRAM_SHA_256 }], []);
    assert.deepEqual(del.results.map((r) => r.errorCode), [0]);
    const gone = await describeUserScramCredentialsV0.api
      .async(conn, [{ name: 'alice' }])
      .then((r) => r.results.map((x) => x.errorCode), (err: unknown) => [firstCode(err)]);
    assert.deepEqual(gone, [RESOURCE_NOT_FOUND]);
  } finally {
    await conn.close();
  }
});
