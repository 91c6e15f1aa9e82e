// bin/kafka-configs.sh against a Samsa broker process: the reference notes'
// session (add min.insync.replicas to a topic, see it in kafka-topics
// --describe, list a broker's configs with --all), topic and broker
// (per-broker and cluster default) describe/alter/delete, --add-config with
// bracketed lists, Kafka's error texts and usage checks; users, clients and
// ips (client quotas and SCRAM credentials, kept across a restart), with the
// quota requests also encoded by kafka-python's own protocol framework.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { BrokerProcess, REPO, requireTool, startBrokerProcess } from './harness.js';
import { assertLines, runTool, tool } from './cli-util.js';
import { pythonJson } from './compat-util.js';
import { METADATA_FILE } from '../../src/cluster/local-metadata-store.js';

describe('kafka-configs.sh', { timeout: 300_000 }, () => {
  let broker: BrokerProcess;
  const configs = (...args: string[]) => tool('kafka-configs', ['--bootstrap-server', broker.bootstrap, ...args]);
  const configsRaw = (...args: string[]) => runTool('kafka-configs', ['--bootstrap-server', broker.bootstrap, ...args]);
  const topics = (...args: string[]) => tool('kafka-topics', ['--bootstrap-server', broker.bootstrap, ...args]);

  before(async () => {
    broker = await startBrokerProcess({ overrides: { 'node.id': '0', 'num.partitions': '1', 'log.segment.bytes': '1073741824' } });
    await topics('--create', '--topic', 'update.candidate', '--partitions', '10');
  });
  after(async () => {
    await broker?.destroy();
  });

  it("the notes' session: --alter --add-config on a topic, then kafka-topics --describe and --broker 0 --all --describe", async () => {
    assertLines(await configs('--alter', '--add-config', 'min.insync.replicas=2', '--topic', 'update.candidate'), ['Completed updating config for topic update.candidate.']);
    const described = await topics('--describe', '--topic', 'update.candidate');
    assertLines(described.split('\n')[0]!, ['Topic: update.candidate\tTopicId: <id>\tPartitionCount: 10\tReplicationFactor: 1\tConfigs: min.insync.replicas=2,segment.bytes=1073741824']);

    const all = (await configs('--broker', '0', '--all', '--describe')).split('\n');
    assert.equal(all[0], 'All configs for broker 0 are:');
    assert.ok(all.includes('  log.cleaner.min.compaction.lag.ms=0 sensitive=false synonyms={DEFAULT_CONFIG:log.cleaner.min.compaction.lag.ms=0}'));
    assert.ok(all.includes('  offsets.topic.num.partitions=50 sensitive=false synonyms={DEFAULT_CONFIG:offsets.topic.num.partitions=50}'));
    assert.ok(all.includes('  log.segment.bytes=1073741824 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.segment.bytes=1073741824, DEFAULT_CONFIG:log.segment.bytes=1073741824}'));
    const names = all.slice(1).filter((l) => l !== '').map((l) => l.trim().split('=')[0]!);
    assert.deepEqual(names, [...names].sort(), 'entries sorted by name');
  });

  it('topic configs: describe dynamic ones, add a bracketed list, delete, errors', async () => {
    assertLines(await configs('--alter', '--entity-type', 'topics', '--entity-name', 'update.candidate', '--add-config', 'cleanup.policy=[compact,delete],retention.ms=86400000'), [
      'Completed updating config for topic update.candidate.',
    ]);
    const dyn = await configs('--describe', '--entity-type', 'topics', '--entity-name', 'update.candidate');
    const lines = dyn.split('\n');
    assert.equal(lines[0], 'Dynamic configs for topic update.candidate are:');
    assert.equal(lines[1], '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}');
    assert.equal(lines[2], '  min.insync.replicas=2 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:min.insync.replicas=2, DEFAULT_CONFIG:min.insync.replicas=1}');
    assert.match(lines[3]!, /^ {2}retention\.ms=86400000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=86400000(, .*)?\}$/);
    assert.equal(lines.length, 5);

    assertLines(await configs('--alter', '--topic', 'update.candidate', '--delete-config', 'cleanup.policy,retention.ms'), ['Completed updating config for topic update.candidate.']);
    assertLines(await configs('--describe', '--topic', 'update.candidate'), [
      'Dynamic configs for topic update.candidate are:',
      '  min.insync.replicas=2 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:min.insync.replicas=2, DEFAULT_CONFIG:min.insync.replicas=1}',
    ]);

    const notSet = await configsRaw('--alter', '--topic', 'update.candidate', '--delete-config', 'retention.ms');
    assert.equal(notSet.status, 1);
    assert.equal(notSet.stderr, 'Invalid config(s): retention.ms\n');

    const badValue = await configsRaw('--alter', '--topic', 'update.candidate', '--add-config', 'retention.ms=abc');
    assert.equal(badValue.status, 1);
    const badLines = badValue.stderr.split('\n');
    assert.equal(badLines[0], `Error while executing config command with args '--bootstrap-server ${broker.bootstrap} --alter --topic update.candidate --add-config retention.ms=abc'`);
    assert.match(badLines[1]!, /^java\.util\.concurrent\.ExecutionException: org\.apache\.kafka\.common\.errors\.InvalidConfigurationException: .*retention\.ms/);

    const badFormat = await configsRaw('--alter', '--topic', 'update.candidate', '--add-config', 'retention.ms');
    assert.equal(badFormat.stderr, 'requirement failed: Invalid entity config: all configs to be added must be in the format "key=val".\n');

    const all = (await configs('--describe', '--topic', 'update.candidate', '--all')).split('\n');
    assert.equal(all[0], 'All configs for topic update.candidate are:');
    assert.ok(all.includes('  segment.bytes=1073741824 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.segment.bytes=1073741824, DEFAULT_CONFIG:log.segment.bytes=1073741824}'));

    // Every topic (internal ones included) when no name is given.
    const every = await configs('--describe', '--entity-type', 'topics');
    assert.match(every, /^Dynamic configs for topic update\.candidate are:\n {2}min\.insync\.replicas=2 /m);
  });

  it('broker configs: per broker, cluster default (--entity-default, --broker-defaults), every broker', async () => {
    assertLines(await configs('--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'log.cleaner.threads=2'), [
      'Completed updating default config for brokers in the cluster.',
    ]);
    assertLines(await configs('--describe', '--broker-defaults'), [
      'Default configs for brokers in the cluster are:',
      '  log.cleaner.threads=2 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.threads=2}',
    ]);
    assertLines(await configs('--alter', '--broker', '0', '--add-config', 'log.cleaner.threads=3'), ['Completed updating config for broker 0.']);
    assertLines(await configs('--describe', '--entity-type', 'brokers'), [
      'Dynamic configs for broker 0 are:',
      '  log.cleaner.threads=3 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.threads=3, DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.threads=2, DEFAULT_CONFIG:log.cleaner.threads=1}',
      'Default configs for brokers in the cluster are:',
      '  log.cleaner.threads=2 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.threads=2}',
    ]);
    assertLines(await configs('--alter', '--entity-type', 'brokers', '--entity-name', '0', '--delete-config', 'log.cleaner.threads'), ['Completed updating config for broker 0.']);
    assertLines(await configs('--describe', '--entity-type', 'brokers', '--entity-name', '0'), ['Dynamic configs for broker 0 are:']);
  });

  it("argument checks with Kafka's messages", async () => {
    const cases: [string[], string][] = [
      [['--describe', '--entity-type', 'widgets'], 'Invalid entity type widgets, the entity type must be one of topics, clients, users, brokers, ips, broker-loggers, client-metrics with a --bootstrap-server or --bootstrap-controller argument'],
      [['--describe'], 'At least one entity type must be specified'],
      [['--alter', '--topic', 't'], 'At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter'],
      [['--alter', '--entity-type', 'topics', '--add-config', 'a=b'], 'an entity name must be specified with --alter of topics'],
      [['--describe', '--entity-type', 'brokers', '--entity-name', 'one'], 'The entity name for brokers must be a valid integer broker id, but it is: one'],
      [['--describe', '--topic', 't', '--entity-type', 'topics'], 'Duplicate entity type(s) specified: topics'],
      [['--describe', '--entity-type', 'topics', '--broker', '0'], "Only 'users' and 'clients' entity types may be specified together"],
      [['--alter', '--topic', 't', '--add-config', 'bad key=1'], 'Invalid character found for config key: bad key'],
    ];
    for (const [args, message] of cases) {
      const r = await configsRaw(...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stderr, `${message}\n`, args.join(' '));
    }
    const noServer = await runTool('kafka-configs', ['--describe', '--entity-type', 'brokers']);
    assert.equal(noServer.stderr, 'One of the required --bootstrap-server, --boostrap-controller, or --zookeeper arguments must be specified\n');
    const zk = await runTool('kafka-configs', ['--zookeeper', 'localhost:2181', '--describe', '--entity-type', 'brokers', '--entity-name', '0']);
    assert.equal(zk.status, 1);
    assert.equal(zk.stdout, 'Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\nUse --bootstrap-server instead to specify a broker to connect to.\n');
    assert.equal(zk.stderr, 'Samsa has no ZooKeeper: configs are changed through the brokers, with --bootstrap-server.\n');
    const twoActions = await configsRaw('--describe', '--alter', '--topic', 't');
    assert.equal(twoActions.stderr.split('\n')[0], 'Command must include exactly one action: --describe, --alter');
    const help = await runTool('kafka-configs', ['--help']);
    assert.equal(help.status, 1);
    assert.equal(help.stderr.split('\n')[0], 'This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip or client-metrics');
    // As jopt-simple 5.0.4 prints it (Java's line breaking decides the description column's width).
    assert.equal(help.stderr.split('\n')[3], '--add-config <String>                  Key Value pairs of configs to add.     ');
  });

  it('users, clients and ips: quotas and SCRAM credentials as Kafka 3.9 prints them, kept across a restart', async () => {
    const done = (what: string) => [`Completed updating config for ${what}.`];
    assertLines(await configs('--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'), done('user alice'));
    assertLines(await configs('--describe', '--entity-type', 'users', '--entity-name', 'alice'), ["SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192"]);
    assertLines(await configs('--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'producer_byte_rate=1024,consumer_byte_rate=2048'), done('user alice'));
    // Kafka's Admin gathers quota values into a HashMap: consumer_byte_rate comes first.
    assertLines(await configs('--describe', '--entity-type', 'users', '--entity-name', 'alice'), [
      "Quota configs for user-principal 'alice' are consumer_byte_rate=2048.0, producer_byte_rate=1024.0",
      "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192",
    ]);
    assertLines(await configs('--alter', '--user', 'alice', '--add-config', 'SCRAM-SHA-512=[password=other]'), done('user alice'));
    // With --user and --client the entity types come in Kafka's flag order (client first), and so does the message.
    assertLines(await configs('--alter', '--user', 'alice', '--client', 'app1', '--add-config', 'request_percentage=12.5'), done('client app1'));
    assertLines(await configs('--alter', '--entity-type', 'users', '--entity-default', '--add-config', 'producer_byte_rate=10000000'), ['Completed updating default config for users in the cluster.']);
    assertLines(await configs('--alter', '--entity-type', 'clients', '--entity-default', '--add-config', 'consumer_byte_rate=300'), ['Completed updating default config for clients in the cluster.']);
    assertLines(await configs('--alter', '--entity-type', 'clients', '--entity-name', 'app2', '--add-config', 'controller_mutation_rate=0.5'), done('client app2'));
    assertLines(await configs('--alter', '--entity-type', 'ips', '--entity-name', '127.0.0.1', '--add-config', 'connection_creation_rate=10'), done('ip 127.0.0.1'));
    assertLines(await configs('--alter', '--ip-defaults', '--add-config', 'connection_creation_rate=100'), ['Completed updating default config for ips in the cluster.']);

    const expectAll = async () => {
      assertLines(await configs('--describe', '--entity-type', 'users', '--entity-name', 'alice'), [
        "Quota configs for user-principal 'alice' are consumer_byte_rate=2048.0, producer_byte_rate=1024.0",
        "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096",
      ]);
      // All users: the default and alice, in HashMap order of their ClientQuotaEntity hashes; no SCRAM line for the default.
      assertLines(await configs('--describe', '--entity-type', 'users'), [
        'Quota configs for the default user-principal are producer_byte_rate=1.0E7',
        "Quota configs for user-principal 'alice' are consumer_byte_rate=2048.0, producer_byte_rate=1024.0",
        "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096",
      ]);
      assertLines(await configs('--describe', '--entity-type', 'users', '--entity-default'), ['Quota configs for the default user-principal are producer_byte_rate=1.0E7']);
      assertLines(await configs('--describe', '--user', 'alice', '--client', 'app1'), ["Quota configs for user-principal 'alice', client-id 'app1' are request_percentage=12.5"]);
      assertLines(await configs('--describe', '--entity-type', 'clients', '--entity-name', 'app2'), ["Quota configs for client-id 'app2' are controller_mutation_rate=0.5"]);
      assertLines(await configs('--describe', '--client-defaults'), ['Quota configs for the default client-id are consumer_byte_rate=300.0']);
      assertLines(await configs('--describe', '--entity-type', 'ips'), [
        "Quota configs for ip '127.0.0.1' are connection_creation_rate=10.0",
        'Quota configs for the default ip are connection_creation_rate=100.0',
      ]);
    };
    await expectAll();
    // An unknown user: nothing at all, as Kafka (its UserScramCredentialsCommandTest).
    assert.equal(await configs('--describe', '--user', 'unknownUser'), '');

    // The broker keeps salt, StoredKey and ServerKey (RFC 5802) of the client's salted password, never the password.
    const stored = JSON.parse(readFileSync(path.join(broker.dataDir, METADATA_FILE), 'utf8'));
    assert.ok(!JSON.stringify(stored).includes('alice-secret'));
    const cred = stored.scramCredentials.find((c: any) => c.user === 'alice' && c.mechanism === 'SCRAM-SHA-256');
    const salted = pbkdf2Sync('alice-secret', Buffer.from(cred.salt, 'base64'), 8192, 32, 'sha256');
    assert.equal(cred.storedKey, createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64'));
    assert.equal(cred.serverKey, createHmac('sha256', salted).update('Server Key').digest('base64'));

    await broker.stop();
    await broker.restart();
    await expectAll();

    // Deleting: a quota key, a SCRAM mechanism; then errors as Kafka's tool and broker report them.
    assertLines(await configs('--alter', '--user', 'alice', '--delete-config', 'consumer_byte_rate'), done('user alice'));
    assertLines(await configs('--alter', '--user', 'alice', '--delete-config', 'SCRAM-SHA-512'), done('user alice'));
    assertLines(await configs('--describe', '--user', 'alice'), [
      "Quota configs for user-principal 'alice' are producer_byte_rate=1024.0",
      "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192",
    ]);
    const failures: [string[], string][] = [
      [['--alter', '--user', 'bob', '--add-config', 'SCRAM-SHA-256=[iterations=100,password=x]'], 'Iterations 100 is less than the minimum 4096 required for SCRAM-SHA-256'],
      [['--alter', '--user', 'bob', '--add-config', 'SCRAM-SHA-256=[iterations=x,password=p]'], 'Invalid credential property SCRAM-SHA-256=iterations=x,password=p'],
      [['--alter', '--user', 'bob', '--add-config', 'foo=1'], "Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: Set(foo)"],
      [['--alter', '--user', 'bob', '--delete-config', 'foo'], "Only quota and SCRAM credential configs can be deleted for 'users' using --bootstrap-server. Unexpected config names: ArrayBuffer(foo)"],
      [['--alter', '--client', 'c', '--add-config', 'SCRAM-SHA-256=[password=p]'], "Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: Set(SCRAM-SHA-256)"],
      [['--alter', '--user', 'bob', '--add-config', 'SCRAM-SHA-256=[password=p],producer_byte_rate=1'], "Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server."],
      [['--alter', '--user-defaults', '--add-config', 'SCRAM-SHA-256=[password=p]'], 'The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.'],
      [['--alter', '--ip', '127.0.0.1', '--add-config', 'producer_byte_rate=1'], "Only connection quota configs can be added for 'ips' using --bootstrap-server. Unexpected config names: producer_byte_rate"],
      [['--alter', '--user', 'bob', '--add-config', 'producer_byte_rate=fast'], 'Cannot parse quota configuration value for producer_byte_rate: fast'],
      [['--alter', '--user', 'alice', '--delete-config', 'request_percentage'], 'Invalid config(s): request_percentage'],
      [['--describe', '--entity-type', 'ips', '--entity-name', 'no-such-host.invalid'], 'The entity name for ips must be a valid IP or resolvable host, but it is: no-such-host.invalid'],
    ];
    for (const [args, message] of failures) {
      const r = await configsRaw(...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stderr, `${message}\n`, args.join(' '));
    }
    const brokerSide: [string[], string][] = [
      [['--alter', '--user', 'bob', '--add-config', 'SCRAM-SHA-512=[iterations=20000,password=p]'], 'org.apache.kafka.common.errors.UnacceptableCredentialException: Too many iterations'],
      [['--alter', '--user', 'bob', '--delete-config', 'SCRAM-SHA-512'], 'org.apache.kafka.common.errors.ResourceNotFoundException: Attempt to delete a user credential that does not exist'],
      [['--alter', '--user', 'bob', '--add-config', 'SCRAM-SHA-256=[password=]'], 'org.apache.kafka.common.errors.UnacceptableCredentialException: Password must not be empty'],
      [['--alter', '--user', 'bob', '--add-config', 'producer_byte_rate=1.5'], 'org.apache.kafka.common.errors.InvalidRequestException: producer_byte_rate cannot be a fractional value.'],
      [['--alter', '--user', 'bob', '--add-config', 'request_percentage=-1'], 'org.apache.kafka.common.errors.InvalidRequestException: Quota request_percentage must be greater than 0'],
    ];
    for (const [args, message] of brokerSide) {
      const r = await configsRaw(...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stderr, `Error while executing config command with args '--bootstrap-server ${broker.bootstrap} ${args.join(' ')}'\njava.util.concurrent.ExecutionException: ${message}\n`);
    }
  });

  it('kafka-python 2.0.2 encodes DescribeClientQuotas / AlterClientQuotas v0 with its own protocol framework; the tool and it see the same quotas', async () => {
    requireTool('kafka-python');
    assertLines(await configs('--alter', '--user', 'erin', '--add-config', 'consumer_byte_rate=777'), ['Completed updating config for user erin.']);
    const script = readFileSync(path.join(REPO, 'test/integration/py/client_quotas_kafka_python.py'), 'utf8');
    const r = await pythonJson(script, [JSON.stringify({ bootstrap: broker.bootstrap, node_id: 0, cli_user: 'erin' })]);
    const alter = new Map((r.alter.entries as any[]).map((e) => [JSON.stringify(e.entity.map((x: any) => [x.entity_type, x.entity_name])), [e.error_code, e.error_message]]));
    assert.deepEqual(alter.get('[["user","carol"],["client-id","reporting"]]'), [0, null]);
    assert.deepEqual(alter.get('[["user","carol"]]'), [0, null]);
    assert.deepEqual(alter.get('[["user","dave"]]'), [42, 'Invalid configuration key no_such_quota']);
    assert.deepEqual(alter.get('[["ip","10.0.0.1"]]'), [42, 'connection_creation_rate cannot be a fractional value.']);
    const entries = (d: any) => (d.entries as any[]).map((e) => [Object.fromEntries(e.entity.map((x: any) => [x.entity_type, x.entity_name])), Object.fromEntries(e.values.map((v: any) => [v.key, v.value]))]);
    assert.equal(r.described.error_code, 0);
    assert.deepEqual(
      entries(r.described).sort((a, b) => Object.keys(a[0]).length - Object.keys(b[0]).length),
      [[{ user: 'carol' }, { consumer_byte_rate: 1048576 }], [{ user: 'carol', 'client-id': 'reporting' }, { producer_byte_rate: 4096, request_percentage: 25.5 }]],
    );
    assert.deepEqual(entries(r.described_from_cli), [[{ user: 'erin' }, { consumer_byte_rate: 777 }]]);
    assert.deepEqual([r.bad_filter.error_code, r.bad_filter.error_message, r.bad_filter.entries], [42, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.', null]);
    // What kafka-python wrote, the tool reads.
    assertLines(await configs('--describe', '--user', 'carol', '--client', 'reporting'), ["Quota configs for user-principal 'carol', client-id 'reporting' are producer_byte_rate=4096.0, request_percentage=25.5"]);
  });
});
