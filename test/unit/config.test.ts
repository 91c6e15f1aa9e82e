import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadPropertiesFile, parseProperties } from '../../src/broker/config/properties.js';
import {
  BROKER_CONFIG_DEFS, BrokerConfig, ConfigError, describeBrokerConfigs, loadBrokerConfig, validateBrokerDynamicConfigs,
} from '../../src/broker/config/broker-config.js';
import {
  TOPIC_CONFIG_DEFS, describeTopicConfigs, effectiveTopicConfig, validateTopicConfigs,
} from '../../src/broker/config/topic-config.js';
import { formatValue, javaDouble, parseValue } from '../../src/broker/config/config-def.js';
import { formatListener } from '../../src/broker/config/listeners.js';

const load = (props: Record<string, string>, overrides?: Record<string, string>) => loadBrokerConfig(props, overrides).config;
const throwsMessage = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && (e.message === message || assert.fail(`got: ${e.message}`)));
const opts = { includeSynonyms: true, includeDocumentation: false, version: 4 };

// ---- properties ----

test('properties: comments, separators and blank lines', () => {
  const p = parseProperties([
    '# a comment', '! another comment', '', '   ', 'a=1', 'b:2', 'c 3', '  d  =  4  ', 'e', 'f\t\t:\tsix', 'g = x = y', 'h:=z',
  ].join('\n'));
  assert.deepEqual(p, { a: '1', b: '2', c: '3', d: '4  ', e: '', f: 'six', g: 'x = y', h: '=z' });
});

test('properties: continuations, escapes and line endings', () => {
  const text = 'list=a,\\\n    b,\\\r\n\tc\r\n' +
    'esc=tab\\there\\nnewline \\u0041\\u00e9 \\q\\\\\n' +
    'key\\ with\\=sep\\:s = v\n' +
    'even=ends with two\\\\\n' +
    'next=1\r' +
    '# comment ends with backslash \\\n' +
    'after=comment\n' +
    'dup=first\ndup=second\n' +
    'unterminated=last \\';
  const p = parseProperties(text);
  assert.equal(p['list'], 'a,b,c');
  assert.equal(p['esc'], 'tab\there\nnewline Aé q\\');
  assert.equal(p['key with=sep:s'], 'v');
  assert.equal(p['even'], 'ends with two\\');
  assert.equal(p['next'], '1');
  assert.equal(p['after'], 'comment');
  assert.equal(p['dup'], 'second');
  assert.equal(p['unterminated'], 'last ');
  assert.throws(() => parseProperties('bad=\\u12G4'), /Malformed \\uxxxx encoding/);
});

test('properties: a continued value may contain # and ! and an empty line ends it', () => {
  const p = parseProperties('k=one \\\n  # not a comment\nz=\\\n\nw=2');
  assert.equal(p['k'], 'one # not a comment');
  assert.equal(p['z'], '');
  assert.equal(p['w'], '2');
});

// ---- value formatting ----

test('values print as Kafka prints them', () => {
  assert.equal(javaDouble(0.5), '0.5');
  assert.equal(javaDouble(2), '2.0');
  assert.equal(javaDouble(1e-5), '1.0E-5');
  assert.equal(javaDouble(Number.MAX_VALUE), '1.7976931348623157E308');
  assert.equal(formatValue(parseValue('x', '9223372036854775807', 'long'), 'long'), '9223372036854775807');
  assert.equal(formatValue(parseValue('x', ' compact , delete ', 'list'), 'list'), 'compact,delete');
  assert.equal(parseValue('x', ' TRUE ', 'boolean'), true);
  assert.equal(parseValue('x', '1.5d', 'double'), 1.5);
});

// ---- broker defaults and precedence ----

test('defaults: an empty configuration is a working single node', () => {
  const { config, warnings } = loadBrokerConfig({});
  assert.deepEqual(warnings, []);
  assert.equal(config.nodeId, 1);
  assert.equal(config.brokerId, 1);
  assert.equal(config.numPartitions, 1);
  assert.equal(config.defaultReplicationFactor, 1);
  assert.equal(config.offsetsTopicReplicationFactor, 1);
  assert.equal(config.transactionStateLogMinIsr, 1);
  assert.deepEqual(config.listeners, [{ name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.deepEqual(config.advertisedListeners, config.listeners);
  assert.deepEqual(config.logDirs, ['/tmp/kafka-logs']);
  assert.equal(config.logRetentionMs, 604800000);
  assert.equal(config.logRollMs, 604800000);
  assert.equal(config.logSegmentBytes, 1073741824);
  assert.equal(config.messageMaxBytes, 1048588);
  assert.equal(config.socketRequestMaxBytes, 104857600);
  assert.deepEqual(config.logCleanupPolicy, ['delete']);
  assert.equal(config.logFlushIntervalMessages, Infinity);
  assert.equal(config.logFlushIntervalMs, Infinity);
  assert.equal(config.groupInitialRebalanceDelayMs, 3000);
  assert.equal(config.metadataStore, 'embedded');
  assert.equal(config.get('listener.security.protocol.map'), 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT');
  assert.equal(config.get('log.retention.ms'), null);
  assert.equal(config.get('log.retention.hours'), 168);
  assert.equal(config.source('num.partitions'), 'DEFAULT_CONFIG');
  assert.equal(config.interBrokerListenerName, 'PLAINTEXT');
});

test('precedence: retention ms > minutes > hours, roll ms > hours, negative retention is unlimited', () => {
  assert.equal(load({ 'log.retention.hours': '1' }).logRetentionMs, 3600000);
  assert.equal(load({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }).logRetentionMs, 120000);
  assert.equal(load({ 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '3' }).logRetentionMs, 3);
  assert.equal(load({ 'log.retention.ms': '-5' }).logRetentionMs, -1);
  throwsMessage(() => load({ 'log.retention.ms': '0' }), 'log.retention.ms must be unlimited (-1) or, greater than or equal to 1');
  assert.equal(load({ 'log.roll.hours': '2' }).logRollMs, 7200000);
  assert.equal(load({ 'log.roll.hours': '2', 'log.roll.ms': '5000' }).logRollMs, 5000);
  assert.equal(load({ 'log.roll.jitter.hours': '1' }).logRollJitterMs, 3600000);
  assert.equal(load({ 'log.flush.scheduler.interval.ms': '2000' }).logFlushIntervalMs, 2000);
  assert.equal(load({ 'log.flush.scheduler.interval.ms': '2000', 'log.flush.interval.ms': '10' }).logFlushIntervalMs, 10);
});

test('precedence: log.dirs over log.dir, overrides over file, node.id and broker.id', () => {
  assert.deepEqual(load({ 'log.dir': '/a' }).logDirs, ['/a']);
  assert.deepEqual(load({ 'log.dir': '/a', 'log.dirs': '/b, /c' }).logDirs, ['/b', '/c']);
  const c = load({ 'num.partitions': '3' }, { 'num.partitions': '5' });
  assert.equal(c.numPartitions, 5);
  assert.equal(c.source('num.partitions'), 'STATIC_BROKER_CONFIG');
  const b = load({ 'broker.id': '7' });
  assert.equal(b.nodeId, 7);
  assert.equal(b.source('node.id'), 'STATIC_BROKER_CONFIG');
  assert.equal(load({ 'node.id': '4' }).brokerId, 4);
  throwsMessage(() => load({ 'node.id': '1', 'broker.id': '2' }), 'You must set `node.id` to the same value as `broker.id`.');
  throwsMessage(() => load({ 'metadata.store': 'etcd', 'etcd.endpoints': 'http://127.0.0.1:2379' }),
    'Missing configuration `node.id` which is required when `metadata.store` is `etcd`.');
  throwsMessage(() => load({ 'metadata.store': 'etcd', 'node.id': '2' }),
    'Missing configuration `etcd.endpoints` which is required when `metadata.store` is `etcd`.');
  const etcd = load({ 'metadata.store': 'etcd', 'node.id': '2', 'etcd.endpoints': 'http://a:2379,http://b:2379' });
  assert.deepEqual(etcd.etcdEndpoints, ['http://a:2379', 'http://b:2379']);
  assert.equal(etcd.offsetsTopicReplicationFactor, 3); // Kafka's default outside the embedded store
  throwsMessage(() => load({ 'log.dirs': ' , ' }), 'At least one log directory must be defined via log.dirs or log.dir.');
});

// ---- listeners ----

test('listeners: hosts, names, protocols and advertised listeners', () => {
  const c = load({
    listeners: 'PLAINTEXT://:9092, ssl://0.0.0.0:9093,INTERNAL://[::1]:9094,EXT://host.example:9095',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,INTERNAL:SASL_PLAINTEXT,EXT:SASL_SSL',
    'advertised.listeners': 'PLAINTEXT://broker:9092,EXT://lb.example:443,INTERNAL://[fe80::1]:9094',
  });
  assert.deepEqual(c.listeners.map((l) => [l.name, l.host, l.port, l.securityProtocol]), [
    ['PLAINTEXT', '', 9092, 'PLAINTEXT'], ['SSL', '0.0.0.0', 9093, 'SSL'],
    ['INTERNAL', '::1', 9094, 'SASL_PLAINTEXT'], ['EXT', 'host.example', 9095, 'SASL_SSL'],
  ]);
  assert.deepEqual(c.advertisedListeners.map(formatListener), ['PLAINTEXT://broker:9092', 'EXT://lb.example:443', 'INTERNAL://[fe80::1]:9094']);
  assert.deepEqual(c.describeListeners(), ['PLAINTEXT://:9092', 'SSL://0.0.0.0:9093', 'INTERNAL://[::1]:9094', 'EXT://host.example:9095']);
});

test('listeners: errors worded as Kafka words them', () => {
  throwsMessage(() => load({ listeners: 'CLIENT://:9092' }), "Error creating broker listeners from 'CLIENT://:9092': No security protocol defined for listener CLIENT");
  throwsMessage(() => load({ listeners: 'PLAINTEXT://:9092,SSL://:9092' }), 'Each listener must have a different port, listeners: PLAINTEXT://:9092,SSL://:9092');
  throwsMessage(() => load({ listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9093' }), 'Each listener must have a different name, listeners: PLAINTEXT://:9092,PLAINTEXT://:9093');
  throwsMessage(() => load({ listeners: 'localhost:9092' }), "Error creating broker listeners from 'localhost:9092': Unable to parse localhost:9092 to a broker endpoint");
  // one IPv4 and one IPv6 listener may share a port
  assert.equal(load({ listeners: 'PLAINTEXT://127.0.0.1:9092,SSL://[::1]:9092' }).listeners.length, 2);
  throwsMessage(() => load({ listeners: 'PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.2:9092' }),
    'If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, listeners: PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.2:9092, port: 9092');
  throwsMessage(() => load({ 'advertised.listeners': 'SSL://h:9093', listeners: 'PLAINTEXT://:9092' }),
    'advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found SSL. The valid options based on the current configuration are PLAINTEXT');
  throwsMessage(() => load({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }),
    'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.');
  throwsMessage(() => load({ 'listener.security.protocol.map': 'PLAINTEXT:TLS' }), 'Invalid security protocol `TLS` defined in listener.security.protocol.map');
  throwsMessage(() => load({ 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' }),
    'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
});

test('listeners: controller listeners and the inter-broker listener', () => {
  const c = load({ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093', 'controller.listener.names': 'CONTROLLER' });
  assert.deepEqual(c.listeners.map((l) => l.name), ['PLAINTEXT']);
  assert.deepEqual(c.controllerListeners.map((l) => [l.name, l.securityProtocol]), [['CONTROLLER', 'PLAINTEXT']]);
  assert.deepEqual(c.advertisedListeners.map((l) => l.name), ['PLAINTEXT']);
  // A single embedded node needs no inter-broker listener of its own name ...
  const single = load({ listeners: 'CLIENT://:9092', 'listener.security.protocol.map': 'CLIENT:PLAINTEXT' });
  assert.equal(single.interBrokerListenerName, 'CLIENT');
  // ... but a named one must exist.
  throwsMessage(() => load({ 'inter.broker.listener.name': 'REPL', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,REPL:SSL' }),
    'inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are PLAINTEXT');
});

// ---- warnings and invalid values ----

test('unknown keys warn, ZooKeeper keys are accepted but unused, listener prefixes are known', () => {
  const { warnings } = loadBrokerConfig({
    'num.partitions': '2', 'x.y': '1', 'zookeeper.connect': 'localhost:2181', 'listener.name.plaintext.sasl.enabled.mechanisms': 'PLAIN',
  });
  assert.equal(warnings.length, 2);
  assert.equal(warnings[0], "Unknown configuration key 'x.y' (ignored)");
  assert.match(warnings[1]!, /^Configuration 'zookeeper.connect' is accepted but unused: /);
});

test('invalid values stop start-up with Kafka\'s message', () => {
  throwsMessage(() => load({ 'num.partitions': 'abc' }), 'Invalid value abc for configuration num.partitions: Not a number of type INT');
  throwsMessage(() => load({ 'num.partitions': '0' }), 'Invalid value 0 for configuration num.partitions: Value must be at least 1');
  throwsMessage(() => load({ 'num.partitions': '2147483648' }), 'Invalid value 2147483648 for configuration num.partitions: Not a number of type INT');
  throwsMessage(() => load({ 'log.retention.bytes': '1.5' }), 'Invalid value 1.5 for configuration log.retention.bytes: Not a number of type LONG');
  throwsMessage(() => load({ 'auto.create.topics.enable': 'yes' }), 'Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false');
  throwsMessage(() => load({ 'compression.type': 'brotli' }),
    'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer');
  throwsMessage(() => load({ 'log.cleanup.policy': 'delete,archive' }), 'Invalid value archive for configuration log.cleanup.policy: String must be one of: compact, delete');
  throwsMessage(() => load({ 'log.cleaner.min.cleanable.ratio': '2' }), 'Invalid value 2.0 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1');
  throwsMessage(() => load({ 'metadata.store': 'zookeeper' }), 'Invalid value zookeeper for configuration metadata.store: String must be one of: embedded, etcd');
  throwsMessage(() => load({ 'process.roles': 'broker,broker' }), 'Duplicate role names found in `process.roles`: [broker, broker]');
  assert.ok(new ConfigError('x') instanceof Error);
});

// ---- topic configs ----

test('topic configs: every Kafka topic key is defined', () => {
  for (const key of ['cleanup.policy', 'compression.type', 'compression.gzip.level', 'compression.lz4.level', 'compression.zstd.level',
    'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
    'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
    'max.compaction.lag.ms', 'max.message.bytes', 'message.downconversion.enable', 'message.format.version',
    'message.timestamp.type', 'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms',
    'message.timestamp.difference.max.ms', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas',
    'preallocate', 'remote.storage.enable', 'remote.log.copy.disable', 'remote.log.delete.on.disable', 'retention.bytes',
    'retention.ms', 'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable']) {
    assert.ok(TOPIC_CONFIG_DEFS.has(key), key);
  }
  assert.equal(TOPIC_CONFIG_DEFS.size, 36);
});

test('topic configs: validation messages', () => {
  validateTopicConfigs({ 'retention.ms': '-1', 'cleanup.policy': 'compact,delete', 'leader.replication.throttled.replicas': '0:1,1:2' });
  throwsMessage(() => validateTopicConfigs({ foo: '1' }), 'Unknown topic config name: foo');
  throwsMessage(() => validateTopicConfigs({ 'retention.ms': 'abc' }), 'Invalid value abc for configuration retention.ms: Not a number of type LONG');
  throwsMessage(() => validateTopicConfigs({ 'segment.bytes': '1' }), 'Invalid value 1 for configuration segment.bytes: Value must be at least 14');
  throwsMessage(() => validateTopicConfigs({ 'retention.ms': '-2' }), 'Invalid value -2 for configuration retention.ms: Value must be at least -1');
  throwsMessage(() => validateTopicConfigs({ 'min.cleanable.dirty.ratio': '1.5' }), 'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1');
  throwsMessage(() => validateTopicConfigs({ 'cleanup.policy': 'compact,foo' }), 'Invalid value foo for configuration cleanup.policy: String must be one of: compact, delete');
  throwsMessage(() => validateTopicConfigs({ 'message.timestamp.type': 'createtime' }), 'Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime');
  throwsMessage(() => validateTopicConfigs({ 'compression.gzip.level': '10' }), 'Invalid value 10 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1');
  throwsMessage(() => validateTopicConfigs({ 'message.format.version': '9.9' }), 'Invalid value 9.9 for configuration message.format.version: Version 9.9 is not a valid version');
  throwsMessage(() => validateTopicConfigs({ 'follower.replication.throttled.replicas': 'x' }),
    "Invalid value [x] for configuration follower.replication.throttled.replicas: follower.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
  throwsMessage(() => validateTopicConfigs({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }), 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)');
  throwsMessage(() => validateTopicConfigs({ 'retention.ms': null, 'segment.ms': null }), 'Null value not supported for topic configs: retention.ms,segment.ms');
  throwsMessage(() => validateTopicConfigs({ 'remote.storage.enable': 'true' }, load({})),
    'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.');
});

test('effective topic config: overrides, broker values, Infinity for never', () => {
  const broker = load({ 'log.retention.hours': '24', 'log.segment.bytes': '1048576', 'log.message.timestamp.difference.max.ms': '60000' });
  const e = effectiveTopicConfig({ 'cleanup.policy': 'compact', 'max.compaction.lag.ms': '1000', 'local.retention.ms': '-2' }, broker);
  assert.equal(e.retentionMs, 86400000);
  assert.equal(e.localRetentionMs, 86400000);
  assert.equal(e.segmentBytes, 1048576);
  assert.deepEqual(e.cleanupPolicy, ['compact']);
  assert.equal(e.compact, true);
  assert.equal(e.delete, false);
  assert.equal(e.maxCompactionLagMs, 1000);
  assert.equal(e.flushMessages, Infinity);
  assert.equal(e.flushMs, Infinity);
  assert.equal(e.messageTimestampBeforeMaxMs, 60000); // the deprecated key still applies while before/after are unset
  assert.equal(e.messageTimestampAfterMaxMs, 60000);
  assert.equal(e.maxMessageBytes, 1048588);
  assert.equal(e.messageTimestampType, 'CreateTime');
  assert.equal(effectiveTopicConfig({ 'message.timestamp.before.max.ms': '5' }, broker).messageTimestampBeforeMaxMs, 5);
  assert.equal(effectiveTopicConfig({}, load({})).maxCompactionLagMs, Infinity);
});

test('describeTopicConfigs: sources and synonym order for an override, a static broker value and a default', () => {
  const broker = load({ 'log.cleanup.policy': 'compact', 'log.retention.ms': '7000', 'log.retention.hours': '2' })
    .withDynamic({ 'log.retention.ms': '5000' }, { 'log.retention.ms': '6000', 'log.segment.bytes': '2000000' });
  const entries = describeTopicConfigs({ 'segment.bytes': '1000' }, broker, opts);
  const by = new Map(entries.map((e) => [e.name, e]));
  assert.deepEqual(entries.map((e) => e.name), [...entries.map((e) => e.name)].sort());

  const seg = by.get('segment.bytes')!;
  assert.equal(seg.value, '1000');
  assert.equal(seg.configSource, 1);
  assert.deepEqual(seg.synonyms, [
    { name: 'segment.bytes', value: '1000', source: 1 },
    { name: 'log.segment.bytes', value: '2000000', source: 3 },
    { name: 'log.segment.bytes', value: '1073741824', source: 5 },
  ]);
  assert.equal(seg.configType, 3);
  assert.equal(seg.readOnly, false);

  const cleanup = by.get('cleanup.policy')!;
  assert.equal(cleanup.value, 'compact');
  assert.equal(cleanup.configSource, 4);
  assert.deepEqual(cleanup.synonyms, [{ name: 'log.cleanup.policy', value: 'compact', source: 4 }, { name: 'log.cleanup.policy', value: 'delete', source: 5 }]);
  assert.equal(cleanup.configType, 7);

  const retention = by.get('retention.ms')!;
  assert.equal(retention.value, '5000');
  assert.equal(retention.configSource, 2);
  assert.deepEqual(retention.synonyms, [
    { name: 'log.retention.ms', value: '5000', source: 2 },
    { name: 'log.retention.ms', value: '6000', source: 3 },
    { name: 'log.retention.ms', value: '7000', source: 4 },
    { name: 'log.retention.hours', value: '2', source: 4 },
    { name: 'log.retention.hours', value: '168', source: 5 },
  ]);

  const compression = by.get('compression.type')!;
  assert.equal(compression.value, 'producer');
  assert.equal(compression.configSource, 5);
  assert.equal(compression.isDefault, true);
  assert.deepEqual(compression.synonyms, [{ name: 'compression.type', value: 'producer', source: 5 }]);
  assert.equal(by.get('flush.messages')!.value, '9223372036854775807');
  assert.equal(by.get('min.cleanable.dirty.ratio')!.value, '0.5');
  assert.equal(by.get('remote.storage.enable')!.synonyms.length, 0);
});

test('describeTopicConfigs: retention.ms inherited from log.retention.hours alone shows no synonym (as Kafka)', () => {
  const [e] = describeTopicConfigs({}, load({ 'log.retention.hours': '1' }), { ...opts, keys: ['retention.ms'] });
  assert.equal(e!.value, '3600000');
  assert.equal(e!.configSource, 5);
  assert.deepEqual(e!.synonyms, []);
});

test('describeTopicConfigs: keys filter, synonyms and documentation switches, version 0', () => {
  const broker = load({});
  const entries = describeTopicConfigs({ 'retention.ms': '100' }, broker,
    { keys: ['retention.ms', 'segment.ms', 'nope'], includeSynonyms: false, includeDocumentation: true, version: 0 });
  assert.deepEqual(entries.map((e) => [e.name, e.value, e.isDefault, e.synonyms.length]), [['retention.ms', '100', false, 0], ['segment.ms', '604800000', true, 0]]);
  assert.ok(entries[0]!.documentation!.length > 10);
  assert.equal(describeTopicConfigs({}, broker, { ...opts, keys: null }).length, TOPIC_CONFIG_DEFS.size);
});

// ---- broker describe and dynamic configs ----

test('describeBrokerConfigs: values, sources, synonyms, sensitivity and read-only flags', () => {
  const broker = load({ 'log.retention.ms': '1000', 'ssl.keystore.password': 'secret', 'custom.key': 'v', 'num.io.threads': '4' })
    .withDynamic({ 'num.io.threads': '6' }, { 'log.cleaner.threads': '2' });
  const by = new Map(describeBrokerConfigs(broker, opts).map((e) => [e.name, e]));
  const ms = by.get('log.retention.ms')!;
  assert.equal(ms.value, '1000');
  assert.equal(ms.configSource, 4);
  assert.equal(ms.readOnly, false);
  assert.deepEqual(ms.synonyms, [{ name: 'log.retention.ms', value: '1000', source: 4 }, { name: 'log.retention.hours', value: '168', source: 5 }]);
  const hours = by.get('log.retention.hours')!;
  assert.equal(hours.readOnly, true);
  assert.deepEqual(hours.synonyms, [{ name: 'log.retention.hours', value: '168', source: 5 }]);
  const pw = by.get('ssl.keystore.password')!;
  assert.equal(pw.value, null);
  assert.equal(pw.isSensitive, true);
  assert.deepEqual(pw.synonyms, [{ name: 'ssl.keystore.password', value: null, source: 4 }]);
  assert.equal(pw.configType, 9);
  const custom = by.get('custom.key')!;
  assert.equal(custom.isSensitive, true);
  assert.equal(custom.value, null);
  assert.equal(custom.configType, 0);
  const io = by.get('num.io.threads')!;
  assert.equal(io.value, '6');
  assert.deepEqual(io.synonyms.map((s) => s.source), [2, 4, 5]);
  assert.equal(by.get('log.cleaner.threads')!.configSource, 3);
  assert.equal(by.get('log.initial.task.delay.ms'), undefined); // internal keys are not listed
  const all = describeBrokerConfigs(broker, { ...opts, defaultResource: true });
  assert.deepEqual(all.map((e) => [e.name, e.value, e.configSource, e.synonyms]), [['log.cleaner.threads', '2', 3, [{ name: 'log.cleaner.threads', value: '2', source: 3 }]]]);
});

test('withDynamic: precedence, and keys that cannot be set dynamically are dropped', () => {
  const base = load({ 'log.retention.hours': '10', 'log.segment.bytes': '100000' });
  const c = base.withDynamic({ 'log.retention.ms': '1000', 'log.dirs': '/x', 'listeners': 'PLAINTEXT://:9999' }, { 'log.retention.ms': '2000', 'listeners': 'PLAINTEXT://:1' });
  assert.equal(c.logRetentionMs, 1000);
  assert.equal(c.source('log.retention.ms'), 'DYNAMIC_BROKER_CONFIG');
  assert.equal(c.source('log.segment.bytes'), 'STATIC_BROKER_CONFIG');
  assert.equal(c.listeners[0]!.port, 9999);
  assert.deepEqual(c.logDirs, ['/tmp/kafka-logs']);
  assert.ok(c.warnings.some((w) => w === 'Non-dynamic configs will be ignored: Set(log.dirs)'));
  assert.ok(c.warnings.some((w) => w === 'Per-broker configs defined at default cluster level will be ignored: Set(listeners)'));
  const d = base.withDynamic({}, { 'log.retention.ms': '2000' });
  assert.equal(d.logRetentionMs, 2000);
  assert.equal(d.source('log.retention.ms'), 'DYNAMIC_DEFAULT_BROKER_CONFIG');
  assert.ok(base instanceof BrokerConfig && base.logRetentionMs === 36000000);
});

test('validateBrokerDynamicConfigs: Kafka\'s messages, as INVALID_REQUEST', () => {
  validateBrokerDynamicConfigs({ 'log.retention.ms': '1000', 'custom.thing': 'x' });
  const check = (fn: () => void, message: string) => assert.throws(fn, (e: unknown) =>
    e instanceof ConfigError && e.errorCode === 42 && (e.message === message || assert.fail(`got: ${e.message}`)));
  check(() => validateBrokerDynamicConfigs({ 'log.dirs': '/x', 'num.partitions': '2' }), 'Cannot update these configs dynamically: Set(log.dirs, num.partitions)');
  check(() => validateBrokerDynamicConfigs({ 'ssl.keystore.location': '/k' }),
    'These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)');
  check(() => validateBrokerDynamicConfigs({ 'log.retention.ms': 'x' }), 'Invalid value x for configuration log.retention.ms: Not a number of type LONG');
  check(() => validateBrokerDynamicConfigs({ 'listener.name.ssl.ssl.keystore.location': '/k' }, false),
    'Cannot update these configs at default cluster level, broker id must be specified: Set(listener.name.ssl.ssl.keystore.location)');
  validateBrokerDynamicConfigs({ 'listener.name.ssl.ssl.keystore.location': '/k' }, true);
  const current = load({});
  check(() => validateBrokerDynamicConfigs({ 'num.io.threads': '20' }, true, current),
    'Dynamic thread count update validation failed for num.io.threads=20, value should not be greater than double the current value 8');
  check(() => validateBrokerDynamicConfigs({ listeners: 'PLAINTEXT://:1,SSL://:1' }, true, current),
    'Each listener must have a different port, listeners: PLAINTEXT://:1,SSL://:1');
  validateBrokerDynamicConfigs({ 'num.io.threads': '16' }, true, current);
  assert.equal(BROKER_CONFIG_DEFS.get('log.retention.hours')!.dynamic, undefined);
  assert.equal(BROKER_CONFIG_DEFS.get('listeners')!.dynamic, 'per-broker');
  assert.equal(BROKER_CONFIG_DEFS.get('log.retention.ms')!.dynamic, 'cluster-wide');
});

// ---- the shipped file ----

test('config/server.properties loads without warnings', () => {
  const path = fileURLToPath(new URL('../../../config/server.properties', import.meta.url));
  const props = loadPropertiesFile(path);
  const { config, warnings } = loadBrokerConfig(props);
  assert.deepEqual(warnings, []);
  for (const key of Object.keys(props)) assert.ok(BROKER_CONFIG_DEFS.has(key), key);
  assert.equal(config.nodeId, 1);
  assert.equal(config.metadataStore, 'embedded');
  assert.deepEqual(config.listeners.map(formatListener), ['PLAINTEXT://:9092']);
  assert.deepEqual(config.logDirs, ['./data']);
  assert.equal(config.numPartitions, 1);
  assert.equal(config.offsetsTopicReplicationFactor, 1);
  assert.equal(config.groupInitialRebalanceDelayMs, 0);
  assert.equal(config.logRetentionMs, 168 * 3600000);
  assert.equal(config.source('log.retention.hours'), 'STATIC_BROKER_CONFIG');
  // every uncommented value equals the default Samsa would use anyway, except the deliberate ones
  const deliberate = new Set(['log.dirs', 'group.initial.rebalance.delay.ms', 'metadata.store', 'node.id']);
  const defaults = load({});
  for (const key of Object.keys(props)) {
    if (deliberate.has(key)) continue;
    assert.deepEqual(config.get(key), defaults.get(key), key);
  }
});
