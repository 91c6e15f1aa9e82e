// Nothing Samsa-specific in how the tools talk to a broker. The tools' flows
// run through a recording proxy (recording-proxy.ts) in front of a broker
// process that advertises the proxy, so every request of every tool is seen:
//  - every (API key, version) sent lies within what Apache Kafka 3.9 serves
//    (its message schemas, stable versions), and is the highest version both
//    sides know (ApiVersions negotiation, not a hard-coded version);
//  - the proxy then plays a Kafka 2.8 broker (its ApiVersions table, and
//    ApiVersions v4 refused as 2.8 refuses it): the same flows succeed with
//    the same output, every request within 2.8's ranges;
//  - kafka-transactions' admin calls (3.0+ APIs, so not in the 2.8 run) stay
//    within 3.9's ranges too;
//  - the documented errors of kafka-configs' and kafka-topics' calls,
//    injected into the broker's answers, end the tool with Kafka's exception
//    name and message and exit code 1.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BrokerProcess, startBrokerProcess } from './harness.js';
import { runTool } from './cli-util.js';
import { RecordingProxy, startRecordingProxy } from './recording-proxy.js';
import { APIS } from '../../src/protocol/apis.js';
import { KAFKA_2_8, KAFKA_3_9, assertNegotiatedWithin } from './kafka-versions.js';
import { errorInfo, ErrorCode } from '../../src/protocol/errors.js';

describe('the tools on the wire', { timeout: 600_000 }, () => {
  let broker: BrokerProcess;
  let proxy: RecordingProxy & { target: number };
  const dir = mkdtempSync(path.join(tmpdir(), 'samsa-wire-'));
  const bs = () => ['--bootstrap-server', `127.0.0.1:${proxy.port}`];

  before(async () => {
    proxy = await startRecordingProxy();
    broker = await startBrokerProcess({ overrides: { 'node.id': '0', 'num.partitions': '1', 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
    proxy.target = broker.port;
  });
  after(async () => {
    await proxy?.close();
    await broker?.destroy();
  });

  /** The tools' everyday flows, each step's stdout (exit 0 required), in order. `t` keeps the runs' topics apart. */
  async function flows(t: string): Promise<string[]> {
    const outputs: string[] = [];
    const step = async (toolName: string, args: string[], input?: string) => {
      const r = await runTool(toolName, [...bs(), ...args], { input });
      assert.equal(r.status, 0, `${toolName} ${args.join(' ')}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      outputs.push(r.stdout.replace(/TopicId: \S+/g, 'TopicId: <id>').replaceAll(t, '<t>').replace(/console-consumer-\d+/g, '<group>'));
    };
    await step('kafka-topics', ['--create', '--topic', t, '--partitions', '2', '--config', 'retention.ms=3600000']);
    await step('kafka-topics', ['--list']);
    await step('kafka-topics', ['--describe', '--topic', t]);
    await step('kafka-topics', ['--alter', '--topic', t, '--partitions', '3']);
    await step('kafka-configs', ['--alter', '--topic', t, '--add-config', 'min.insync.replicas=1']);
    await step('kafka-configs', ['--describe', '--topic', t]);
    await step('kafka-configs', ['--describe', '--broker', '0']);
    await step('kafka-configs', ['--alter', '--user', `${t}-u`, '--add-config', 'SCRAM-SHA-256=[iterations=4096,password=p]']);
    await step('kafka-configs', ['--alter', '--user', `${t}-u`, '--add-config', 'producer_byte_rate=1000']);
    await step('kafka-configs', ['--describe', '--user', `${t}-u`]);
    await step('kafka-configs', ['--alter', '--user', `${t}-u`, '--delete-config', 'SCRAM-SHA-256']);
    await step('kafka-console-producer', ['--topic', t, '--property', 'parse.key=true', '--property', 'key.separator=:'], 'a:1\nb:2\nc:3\nd:4\n');
    await step('kafka-console-consumer', ['--topic', t, '--from-beginning', '--max-messages', '4', '--group', `${t}-g`, '--property', 'print.key=true']);
    await step('kafka-consumer-groups', ['--describe', '--group', `${t}-g`]);
    await step('kafka-consumer-groups', ['--reset-offsets', '--group', `${t}-g`, '--topic', t, '--to-earliest', '--execute']);
    await step('kafka-get-offsets', ['--topic', t]);
    const file = path.join(dir, `${t}.json`);
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: t, partition: 0, offset: 0 }] }));
    await step('kafka-delete-records', ['--offset-json-file', file]);
    await step('kafka-verifiable-producer', ['--topic', t, '--max-messages', '3']);
    await step('kafka-log-dirs', ['--describe', '--topic-list', t]);
    await step('kafka-consumer-groups', ['--delete', '--group', `${t}-g`]);
    await step('kafka-topics', ['--delete', '--topic', t]);
    return outputs;
  }

  // Outputs that depend on more than what the flows did (sizes, timings, the api-versions table).
  const comparable = (outs: string[]) =>
    outs.map((o) => o.replace('__consumer_offsets\n', '').replace(/"partition":\d+/g, '"partition":N').replace(/"size":\d+/g, '"size":N').replace(/"timestamp":\d+/g, '"timestamp":N').replace(/"avg_throughput":[\d.E-]+/g, '"avg_throughput":N').replace(/"offset":\d+/g, '"offset":N'));

  let kafka39Outputs: string[] = [];

  it("every request is within Apache Kafka 3.9's ranges, at the highest version both sides know", async () => {
    proxy.requests.length = 0;
    kafka39Outputs = await flows('wire39');
    const seen = assertNegotiatedWithin(proxy.requests, KAFKA_3_9, '3.9');
    // The flows exercise the admin, producer, consumer and group APIs and the four quota/SCRAM ones.
    for (const k of [0, 1, 2, 3, 8, 9, 10, 11, 14, 18, 19, 20, 21, 32, 35, 37, 42, 44, 48, 49, 50, 51]) assert.ok(seen.has(k), `API ${k} (${APIS.get(k)!.def.name}) used`);
  });

  it('against a Kafka 2.8 broker (its ApiVersions answer): the same flows, the same output, within 2.8 ranges', async () => {
    proxy.apiVersions = new Map(Object.entries(KAFKA_2_8).map(([k, r]) => [Number(k), r]));
    proxy.requests.length = 0;
    try {
      const outputs = await flows('wire28');
      assert.deepEqual(comparable(outputs), comparable(kafka39Outputs));
    } finally {
      proxy.apiVersions = null;
    }
    const apiVersionsRequests = proxy.requests.filter((r) => r.apiKey === 18).map((r) => r.version);
    // KIP-511: v4 first, refused, then v3 on the same connection.
    assert.ok(apiVersionsRequests.includes(4) && apiVersionsRequests.includes(3));
    assertNegotiatedWithin(proxy.requests, KAFKA_2_8, '2.8');
  });

  it("kafka-transactions' requests (ListTransactions, DescribeTransactions, DescribeProducers, WriteTxnMarkers) are within Kafka 3.9's ranges, negotiated", async () => {
    const t = 'wire-txn';
    let r = await runTool('kafka-topics', [...bs(), '--create', '--topic', t, '--partitions', '1']);
    assert.equal(r.status, 0, r.stderr);
    proxy.requests.length = 0;
    const ok = async (args: string[]) => {
      r = await runTool('kafka-transactions', [...bs(), ...args]);
      assert.equal(r.status, 0, `kafka-transactions ${args.join(' ')}\n${r.stderr}`);
    };
    await ok(['list']);
    await ok(['describe-producers', '--topic', t, '--partition', '0']);
    await ok(['find-hanging', '--broker-id', '0', '--max-transaction-timeout', '0']);
    await ok(['abort', '--topic', t, '--partition', '0', '--producer-id', '4242', '--producer-epoch', '0', '--coordinator-epoch', '0']);
    r = await runTool('kafka-transactions', [...bs(), 'describe', '--transactional-id', 'wire-no-such-id']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /failed because the ID could not be found/);
    const seen = assertNegotiatedWithin(proxy.requests, KAFKA_3_9, '3.9');
    for (const k of [10, 27, 61, 65, 66]) assert.ok(seen.has(k), `API ${k} (${APIS.get(k)!.def.name}) used`);
  });

  it("documented errors of the configs and topics calls end the tool with Kafka's exception and message", async () => {
    const cases: [apiKey: number, codes: number[], tool: string, args: string[]][] = [
      [48, [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.INVALID_REQUEST, ErrorCode.UNSUPPORTED_VERSION], 'kafka-configs', ['--describe', '--entity-type', 'clients']],
      [49, [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.INVALID_REQUEST, ErrorCode.UNSUPPORTED_VERSION], 'kafka-configs', ['--alter', '--client', 'c1', '--add-config', 'consumer_byte_rate=5']],
      [50, [ErrorCode.CLUSTER_AUTHORIZATION_FAILED], 'kafka-configs', ['--describe', '--user', 'u1']],
      [51, [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.UNACCEPTABLE_CREDENTIAL, ErrorCode.UNSUPPORTED_SASL_MECHANISM, ErrorCode.RESOURCE_NOT_FOUND, ErrorCode.DUPLICATE_RESOURCE], 'kafka-configs', ['--alter', '--user', 'u1', '--add-config', 'SCRAM-SHA-512=[password=p]']],
      [32, [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.INVALID_REQUEST], 'kafka-configs', ['--describe', '--topic', 'any']],
      [44, [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.INVALID_CONFIG, ErrorCode.POLICY_VIOLATION, ErrorCode.INVALID_REQUEST], 'kafka-configs', ['--alter', '--broker', '0', '--add-config', 'log.cleaner.threads=2']],
    ];
    for (const [apiKey, codes, toolName, args] of cases) {
      for (const code of codes) {
        proxy.inject = { apiKey, errorCode: code };
        let r;
        try {
          r = await runTool(toolName, [...bs(), ...args]);
        } finally {
          proxy.inject = null;
        }
        const info = errorInfo(code);
        const what = `${APIS.get(apiKey)!.def.name} answering ${info.name}`;
        assert.equal(r.status, 1, what);
        assert.equal(r.stderr.split('\n').length, 3, `${what}: two lines, no stack trace\n${r.stderr}`);
        assert.equal(r.stderr.split('\n')[1], `java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.${info.exception}: ${info.message}`, what);
      }
    }
    // kafka-topics --create: Kafka's "Error while executing topic command : <message>" for each CreateTopics error.
    for (const code of [ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_PARTITIONS, ErrorCode.INVALID_REPLICATION_FACTOR, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_CONFIG, ErrorCode.POLICY_VIOLATION, ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.INVALID_REQUEST]) {
      proxy.inject = { apiKey: 19, errorCode: code };
      let r;
      try {
        r = await runTool('kafka-topics', [...bs(), '--create', '--topic', `inj-${code}`]);
      } finally {
        proxy.inject = null;
      }
      assert.equal(r.status, 1, errorInfo(code).name);
      // TopicCommand prints it on stdout.
      assert.equal(r.stdout.split('\n')[0], `Error while executing topic command : ${errorInfo(code).message}`, errorInfo(code).name);
    }
  });
});
