// bin/kafka-configs.sh against a Samsa broker process: the reference notes'
// session (add min.insync.replicas to a topic, see it in kafka-topics
// --describe, list a broker's configs with --all), topic and broker
// (per-broker and cluster default) describe/alter/delete, --add-config with
// bracketed lists, Kafka's error texts and usage checks.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, startBrokerProcess } from './harness.js';
import { assertLines, runTool, tool } from './cli-util.js';

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
});
