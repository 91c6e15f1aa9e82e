// kafka-configs: describe and alter topic, broker (per broker and cluster
// default) and broker-logger configs — Kafka 3.9's ConfigCommand options,
// checks, messages and output, on the Samsa Admin client. Broker configs are
// changed with IncrementalAlterConfigs (Kafka's tool replaces the whole
// dynamic set with the legacy AlterConfigs; the resulting configs are the
// same). Users, clients and ips (client quotas, SCRAM credentials) are in
// configs-quotas.ts. Client-metrics resources need APIs the Samsa client does
// not have yet: the tool says so.

import { Admin } from '../client/admin.js';
import type { ConfigEntry, ConfigSource, ResourceType } from '../client/admin.js';
import { KafkaError } from '../client/errors.js';
import { BROKER_CONFIG_DEFS, isDynamicBrokerKey } from '../broker/config/broker-config.js';
import {
  ArgumentError,
  CommandExit,
  OptionException,
  OptionParser,
  OptionSet,
  checkInvalidArgs,
  clientConfig,
  loadProps,
  maybePrintHelpOrVersion,
  parseOrExit,
  printUsageAndExit,
} from './options.js';
import { debugStack, javaExceptionName, kafkaMessage, println } from './output.js';
import { TOPIC_CONFIG_NAMES, validateTopicName } from './topics.js';
import { CLIENT, CLIENT_QUOTAS, IP, InvalidConfigurationError, USER, alterQuotaEntities, checkIpNames, describeQuotaEntities } from './configs-quotas.js';

const TOPIC = 'topics';
const BROKER = 'brokers';
const BROKER_LOGGER = 'broker-loggers';
const CLIENT_METRICS = 'client-metrics';
const SUPPORTED_TYPES = [TOPIC, CLIENT, USER, BROKER, IP, BROKER_LOGGER, CLIENT_METRICS];

const BROKER_QUOTAS = ['follower.replication.throttled.rate', 'leader.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second'];

function brokerDynamicNames(): string[] {
  return [...new Set([...[...BROKER_CONFIG_DEFS.keys()].filter((k) => isDynamicBrokerKey(k)), ...BROKER_QUOTAS])].sort();
}

function addConfigHelp(): string {
  const list = (names: string[]) => `\n${names.map((n) => `\t${n}`).join('\n')}\n`;
  return (
    "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'. The following is a list of valid configurations: " +
    `For entity-type '${TOPIC}': ${list(TOPIC_CONFIG_NAMES)}` +
    `For entity-type '${BROKER}': ${list(brokerDynamicNames())}` +
    `For entity-type '${USER}': ${list(['SCRAM-SHA-256', 'SCRAM-SHA-512', ...CLIENT_QUOTAS])}` +
    `For entity-type '${CLIENT}': ${list(CLIENT_QUOTAS)}` +
    `For entity-type '${IP}': ${list(['connection_creation_rate'])}` +
    `For entity-type '${CLIENT_METRICS}': ${list(['interval.ms', 'match', 'metrics'])}` +
    `Entity types '${USER}' and '${CLIENT}' may be specified together to update config for clients of a specific user.`
  );
}

function parser(): OptionParser {
  return new OptionParser()
    .arg('zookeeper', 'DEPRECATED. The connection string for the zookeeper connection in the form host:port. Multiple URLS can be given to allow fail-over. Required when configuring SCRAM credentials for users or dynamic broker configs when the relevant broker(s) are down. Not allowed otherwise.', { describedAs: 'urls' })
    .arg('bootstrap-server', 'The Kafka servers to connect to.', { describedAs: 'server to connect to' })
    .arg('bootstrap-controller', 'The Kafka controllers to connect to.', { describedAs: 'controller to connect to' })
    .arg('command-config', 'Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs.', { describedAs: 'command config property file' })
    .flag('alter', 'Alter the configuration for the entity.')
    .flag('describe', 'List configs for the given entity.')
    .flag('all', 'List all configs for the given topic, broker, or broker-logger entity (includes static configuration when the entity type is brokers)')
    .arg('entity-type', 'Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics)')
    .arg('entity-name', 'Name of entity (topic name/client id/user principal name/broker id/ip/client metrics)')
    .flag('entity-default', 'Default entity name for clients/users/brokers/ips (applies to corresponding entity type in command line)')
    .arg('add-config', addConfigHelp())
    .arg('add-config-file', 'Path to a properties file with configs to add. See add-config for a list of valid configurations.')
    .arg('delete-config', "config keys to remove 'k1,k2'", { separator: ',' })
    .flag('force', 'Suppress console prompts')
    .arg('topic', "The topic's name.")
    .arg('client', "The client's ID.")
    .flag('client-defaults', 'The config defaults for all clients.')
    .arg('user', "The user's principal name.")
    .flag('user-defaults', 'The config defaults for all users.')
    .arg('broker', "The broker's ID.")
    .flag('broker-defaults', 'The config defaults for all brokers.')
    .arg('broker-logger', "The broker's ID for its logger config.")
    .flag('ip-defaults', 'The config defaults for all IPs.')
    .arg('ip', 'The IP address.')
    .arg('zk-tls-config-file', 'Identifies the file where ZooKeeper client TLS connectivity properties are defined.  Any properties other than zookeeper.clientCnxnSocket, zookeeper.ssl.cipher.suites, zookeeper.ssl.client.enable, zookeeper.ssl.crl.enable, zookeeper.ssl.enabled.protocols, zookeeper.ssl.endpoint.identification.algorithm, zookeeper.ssl.keystore.location, zookeeper.ssl.keystore.password, zookeeper.ssl.keystore.type, zookeeper.ssl.ocsp.enable, zookeeper.ssl.protocol, zookeeper.ssl.truststore.location, zookeeper.ssl.truststore.password, zookeeper.ssl.truststore.type are ignored.', { describedAs: 'ZooKeeper TLS configuration' });
}

const ENTITY_FLAGS: [string, string][] = [['topic', TOPIC], ['client', CLIENT], ['user', USER], ['broker', BROKER], ['broker-logger', BROKER_LOGGER], ['ip', IP]];
const DEFAULT_FLAGS: [string, string][] = [['client-defaults', CLIENT], ['user-defaults', USER], ['broker-defaults', BROKER], ['ip-defaults', IP]];

function entityTypes(opts: OptionSet): string[] {
  return [...opts.valuesOf('entity-type'), ...[...ENTITY_FLAGS, ...DEFAULT_FLAGS].filter(([f]) => opts.has(f)).map(([, t]) => t)];
}

function entityNames(opts: OptionSet): string[] {
  const names = [...opts.valuesOf('entity-name')];
  let n = 0;
  const out: string[] = [];
  for (const o of opts.occurrences) {
    if (o === 'entity-name') out.push(names[n++]!);
    else if (o === 'entity-default') out.push('');
  }
  for (const [f] of ENTITY_FLAGS) if (opts.has(f)) out.push(opts.valueOf(f)!);
  for (const [f] of DEFAULT_FLAGS) if (opts.has(f)) out.push('');
  return out;
}

function checkArgs(opts: OptionSet): void {
  if (['alter', 'describe'].filter((a) => opts.has(a)).length !== 1) printUsageAndExit(opts.parser, 'Command must include exactly one action: --describe, --alter');
  checkInvalidArgs(opts, 'alter', ['describe']);
  checkInvalidArgs(opts, 'describe', ['alter', 'add-config', 'delete-config']);
  const types = entityTypes(opts);
  const dups = [...new Set(types.filter((t, i) => types.indexOf(t) !== i))];
  if (dups.length > 0) throw new ArgumentError(`Duplicate entity type(s) specified: ${dups.join(',')}`);
  const viaServer = opts.has('bootstrap-server') || opts.has('bootstrap-controller');
  const allowed = viaServer ? SUPPORTED_TYPES : [USER, BROKER];
  const connect = viaServer ? '--bootstrap-server or --bootstrap-controller' : '--zookeeper';
  for (const t of types) if (!allowed.includes(t)) throw new ArgumentError(`Invalid entity type ${t}, the entity type must be one of ${allowed.join(', ')} with a ${connect} argument`);
  if (types.length === 0) throw new ArgumentError('At least one entity type must be specified');
  if (types.length > 1 && !(types.length === 2 && types.includes(USER) && types.includes(CLIENT))) {
    throw new ArgumentError(`Only '${USER}' and '${CLIENT}' entity types may be specified together`);
  }
  if ((opts.has('entity-name') || opts.has('entity-type') || opts.has('entity-default')) && [...ENTITY_FLAGS, ...DEFAULT_FLAGS].some(([f]) => opts.has(f))) {
    throw new ArgumentError('--entity-{type,name,default} should not be used in conjunction with specific entity flags');
  }
  const names = entityNames(opts);
  const hasName = names.some((n) => n !== '');
  const hasDefault = names.some((n) => n === '');
  const connects = ['bootstrap-server', 'bootstrap-controller', 'zookeeper'].filter((o) => opts.has(o)).length;
  if (connects === 0) throw new ArgumentError('One of the required --bootstrap-server, --boostrap-controller, or --zookeeper arguments must be specified');
  if (connects > 1) throw new ArgumentError('Only one of --bootstrap-server, --boostrap-controller, and --zookeeper can be specified');
  if (opts.has('all') && opts.has('zookeeper')) throw new ArgumentError('--bootstrap-server must be specified for --all');
  if (opts.has('zk-tls-config-file') && !opts.has('zookeeper')) throw new ArgumentError('Only the --zookeeper option can be used with the --zk-tls-config-file option.');
  if (hasName && (types.includes(BROKER) || types.includes(BROKER_LOGGER))) {
    for (const o of ['entity-name', 'broker', 'broker-logger']) {
      if (!opts.has(o)) continue;
      const id = opts.valueOf(o)!;
      if (!/^[+-]?\d+$/.test(id) || Math.abs(Number(id)) > 2147483647) throw new ArgumentError(`The entity name for ${types[0]} must be a valid integer broker id, but it is: ${id}`);
    }
  }
  if (opts.has('describe') && types.includes(BROKER_LOGGER) && !hasName) throw new ArgumentError(`an entity name must be specified with --describe of ${types.join(',')}`);
  if (opts.has('alter')) {
    if ([USER, CLIENT, BROKER, IP].some((t) => types.includes(t))) {
      if (!hasName && !hasDefault) throw new ArgumentError('an entity-name or default entity must be specified with --alter of users, clients, brokers or ips');
    } else if (!hasName) throw new ArgumentError(`an entity name must be specified with --alter of ${types.join(',')}`);
    if (opts.has('add-config') && opts.has('add-config-file')) throw new ArgumentError('Only one of --add-config or --add-config-file must be specified');
    if (!opts.has('add-config') && !opts.has('add-config-file') && !opts.has('delete-config')) {
      throw new ArgumentError('At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter');
    }
  }
}

/** `k1=v1,k2=[v1,v2]` → {k1: 'v1', k2: 'v1,v2'} (commas inside brackets group values), as Kafka parses --add-config. */
export function parseAddConfig(text: string): Record<string, string> {
  const outsideBrackets = '(?=[^\\]]*(?:\\[|$))';
  const pairs = text.split(new RegExp(`,${outsideBrackets}`)).map((kv) => kv.split(new RegExp(`\\s*=\\s*${outsideBrackets}`)));
  if (!pairs.every((p) => p.length === 2)) throw new ArgumentError('requirement failed: Invalid entity config: all configs to be added must be in the format "key=val".');
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k!.trim()] = v!.replace(/\[|\]/g, '').trim();
  return out;
}

function configsToBeAdded(opts: OptionSet): Record<string, string> {
  const props: Record<string, string> = {};
  if (opts.has('add-config-file')) Object.assign(props, loadProps(opts.valueOf('add-config-file')!));
  if (opts.has('add-config')) Object.assign(props, parseAddConfig(opts.valueOf('add-config')!));
  if ('message.format.version' in props) {
    println(
      `WARNING: The configuration message.format.version=${props['message.format.version']} is specified. ` +
        'This configuration will be ignored if the version is newer than the inter.broker.protocol.version specified in the broker or ' +
        'if the inter.broker.protocol.version is 3.0 or newer. This configuration is deprecated and it will be removed in Apache Kafka 4.0.',
    );
  }
  for (const k of Object.keys(props)) if (!/^[a-zA-Z0-9._-]*$/.test(k)) throw new ArgumentError(`Invalid character found for config key: ${k}`);
  return props;
}

const JAVA_SOURCE_NAMES: Partial<Record<ConfigSource, string>> = { CLIENT_METRICS_CONFIG: 'DYNAMIC_CLIENT_METRICS_CONFIG' };
const sourceName = (s: ConfigSource) => JAVA_SOURCE_NAMES[s] ?? s;

function resourceFor(entityType: string, name: string): { type: ResourceType; dynamicSource: ConfigSource | null } {
  switch (entityType) {
    case TOPIC:
      if (name !== '') validateTopicName(name);
      return { type: 'topic', dynamicSource: 'DYNAMIC_TOPIC_CONFIG' };
    case BROKER:
      if (name === '') return { type: 'broker', dynamicSource: 'DYNAMIC_DEFAULT_BROKER_CONFIG' };
      if (!/^[+-]?\d+$/.test(name)) throw new ArgumentError(`The entity name for ${entityType} must be a valid integer broker id, found: ${name}`);
      return { type: 'broker', dynamicSource: 'DYNAMIC_BROKER_CONFIG' };
    case BROKER_LOGGER:
      if (name !== '' && !/^[+-]?\d+$/.test(name)) throw new ArgumentError(`The entity name for ${entityType} must be a valid integer broker id, found: ${name}`);
      return { type: 'broker_logger', dynamicSource: null };
    default:
      throw unsupported(entityType);
  }
}

function unsupported(entityType: string): Error {
  if (entityType !== CLIENT_METRICS) return new ArgumentError(`Invalid entity type: ${entityType}`);
  return new ArgumentError(`Entity type ${entityType} is not supported by Samsa yet: it needs client-metrics config resources, which the Samsa client does not implement`);
}

async function resourceConfig(admin: Admin, entityType: string, name: string, includeSynonyms: boolean, all: boolean): Promise<ConfigEntry[]> {
  const { type, dynamicSource } = resourceFor(entityType, name);
  const [desc] = await admin.describeConfigs([{ type, name }], { includeSynonyms });
  const filter = all ? null : dynamicSource;
  return desc!.configs.filter((e) => filter === null || e.source === filter).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function describeConfig(admin: Admin, opts: OptionSet): Promise<void> {
  const type = entityTypes(opts)[0]!;
  const name = entityNames(opts)[0];
  const all = opts.has('all');
  if ([USER, CLIENT, IP].includes(type)) return describeQuotaEntities(admin, entityTypes(opts), entityNames(opts));
  if (![TOPIC, BROKER, BROKER_LOGGER].includes(type)) throw unsupported(type);
  let entities: string[];
  if (name !== undefined) entities = [name];
  else if (type === TOPIC) entities = (await admin.listTopics({ includeInternal: true })).sort();
  else entities = [...(await admin.describeCluster()).brokers.map((b) => String(b.nodeId)), ''];
  for (const entity of entities) {
    const entries = await resourceConfig(admin, type, entity, true, all);
    let out = entity === '' ? `Default configs for ${type} in the cluster are:\n` : `${all ? 'All' : 'Dynamic'} configs for ${type.slice(0, -1)} ${entity} are:\n`;
    for (const e of entries) {
      const synonyms = e.synonyms.map((s) => `${sourceName(s.source)}:${s.name}=${s.value}`).join(', ');
      out += `  ${e.name}=${e.value} sensitive=${e.isSensitive} synonyms={${synonyms}}\n`;
    }
    process.stdout.write(out);
  }
}

async function alterConfig(admin: Admin, opts: OptionSet): Promise<void> {
  const type = entityTypes(opts)[0]!;
  const name = entityNames(opts)[0]!;
  const add = configsToBeAdded(opts);
  const del = opts.valuesOf('delete-config').map((k) => k.trim());
  if ([USER, CLIENT, IP].includes(type)) await alterQuotaEntities(admin, entityTypes(opts), entityNames(opts), add, del);
  else await alterResourceConfig(admin, type, name, add, del);
  if (name !== '') println(`Completed updating config for ${type.slice(0, -1)} ${name}.`);
  else println(`Completed updating default config for ${type} in the cluster.`);
}

async function alterResourceConfig(admin: Admin, type: string, name: string, add: Record<string, string>, del: string[]): Promise<void> {
  if (![TOPIC, BROKER, BROKER_LOGGER].includes(type)) throw unsupported(type);
  const { type: resourceType } = resourceFor(type, name);
  if (type === BROKER_LOGGER) {
    const valid = new Set((await resourceConfig(admin, type, name, true, false)).map((e) => e.name));
    const invalid = [...del.filter((k) => !valid.has(k)), ...Object.keys(add).filter((k) => !valid.has(k))];
    if (invalid.length > 0) throw new InvalidConfigurationError(`Invalid broker logger(s): ${invalid.join(',')}`);
  } else {
    const old = new Set((await resourceConfig(admin, type, name, false, false)).map((e) => e.name));
    const invalid = del.filter((k) => !old.has(k));
    if (invalid.length > 0) throw new InvalidConfigurationError(`Invalid config(s): ${invalid.join(',')}`);
  }
  await admin.incrementalAlterConfigs([
    {
      type: resourceType,
      name,
      configs: [...Object.entries(add).map(([k, v]) => ({ name: k, value: v, op: 'set' as const })), ...del.map((k) => ({ name: k, op: 'delete' as const }))],
    },
  ]);
}

export async function main(args: string[]): Promise<number> {
  let opts: OptionSet | undefined;
  let admin: Admin | undefined;
  try {
    opts = parseOrExit(parser(), args);
    maybePrintHelpOrVersion(opts, 'This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip or client-metrics');
    checkArgs(opts);
    await checkIpNames(entityTypes(opts), entityNames(opts));
    if (opts.has('zookeeper')) {
      println('Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.');
      println('Use --bootstrap-server instead to specify a broker to connect to.');
      throw new ArgumentError('Samsa has no ZooKeeper: configs are changed through the brokers, with --bootstrap-server.');
    }
    if (opts.has('alter') && entityTypes(opts).length !== entityNames(opts).length) throw new ArgumentError('An entity name must be specified for every entity type');
    const props = opts.has('command-config') ? loadProps(opts.valueOf('command-config')!) : {};
    admin = new Admin(clientConfig(opts.valueOf('bootstrap-server') ?? opts.valueOf('bootstrap-controller')!, props));
    if (opts.has('alter')) await alterConfig(admin, opts);
    else await describeConfig(admin, opts);
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    if (err instanceof ArgumentError || err instanceof InvalidConfigurationError || err instanceof OptionException || err instanceof TypeError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`Error while executing config command with args '${args.join(' ')}'\n`);
      const wrapped = err instanceof KafkaError ? 'java.util.concurrent.ExecutionException: ' : '';
      process.stderr.write(`${wrapped}${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
    }
    debugStack(err);
    return 1;
  } finally {
    await admin?.close();
  }
}
