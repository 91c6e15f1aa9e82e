// kafka-topics: create, delete, describe, or change a topic — Kafka 3.9's
// TopicCommand: the same options, checks, messages and output, on the Samsa
// Admin client. Describe prints what Kafka 3.9's tool prints against a broker
// answering topic descriptions from Metadata (no ELR data: "Elr: N/A").

import { Admin } from '../client/admin.js';
import type { ConfigEntry, TopicDescription } from '../client/admin.js';
import { KafkaError } from '../client/errors.js';
import {
  ArgumentError,
  CommandExit,
  OptionParser,
  OptionSet,
  checkInvalidArgs,
  checkRequiredArgs,
  clientConfig,
  loadProps,
  maybePrintHelpOrVersion,
  parseJavaInteger,
  parseOrExit,
  printUsageAndExit,
  specName,
} from './options.js';
import { debugStack, kafkaMessage, println } from './output.js';

/** Kafka 3.9's topic-level configs (LogConfig.configNames()), listed in the help of --config. */
export const TOPIC_CONFIG_NAMES = [
  'cleanup.policy', 'compression.gzip.level', 'compression.lz4.level', 'compression.type', 'compression.zstd.level',
  'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
  'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
  'max.compaction.lag.ms', 'max.message.bytes', 'message.downconversion.enable', 'message.format.version',
  'message.timestamp.after.max.ms', 'message.timestamp.before.max.ms', 'message.timestamp.difference.max.ms',
  'message.timestamp.type', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate',
  'remote.log.copy.disable', 'remote.log.delete.on.disable', 'remote.storage.enable', 'retention.bytes', 'retention.ms',
  'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable',
];

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);
export const isInternalTopic = (t: string) => INTERNAL_TOPICS.has(t);

const ALTER_VIA_CONFIGS = ' (the kafka-configs CLI supports altering topic configs with a --bootstrap-server option)';

function parser(): OptionParser {
  return new OptionParser()
    .arg('bootstrap-server', 'REQUIRED: The Kafka server to connect to.', { describedAs: 'server to connect to' })
    .arg('command-config', 'Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs.', { describedAs: 'command config property file' })
    .flag('list', 'List all available topics.')
    .flag('create', 'Create a new topic.')
    .flag('delete', 'Delete a topic')
    .flag('alter', `Alter the number of partitions and replica assignment. Update the configuration of an existing topic via --alter is no longer supported here${ALTER_VIA_CONFIGS}.`)
    .flag('describe', 'List details for the given topics.')
    .arg('topic', 'The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the \'\\\' prefix to escape regular expression symbols; e.g. "test\\.topic".', { describedAs: 'topic' })
    .arg('topic-id', 'The topic-id to describe.This is used only with --bootstrap-server option for describing topics.', { describedAs: 'topic-id' })
    .arg(
      'config',
      'A topic configuration override for the topic being created. The following is a list of valid configurations: \n' +
        TOPIC_CONFIG_NAMES.map((n) => `\t${n}`).join('\n') +
        '\nSee the Kafka documentation for full details on the topic configs. It is supported only in combination with --create if --bootstrap-server option is used' +
        `${ALTER_VIA_CONFIGS}.`,
      { describedAs: 'name=value' },
    )
    .arg('delete-config', 'A topic configuration override to be removed for an existing topic (see the list of configurations under the --config option). Not supported with the --bootstrap-server option.', { describedAs: 'name' })
    .arg('partitions', 'The number of partitions for the topic being created or altered (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected). If not supplied for create, defaults to the cluster default.', { describedAs: '# of partitions', type: 'Integer' })
    .arg('replication-factor', 'The replication factor for each partition in the topic being created. If not supplied, defaults to the cluster default.', { describedAs: 'replication factor', type: 'Integer' })
    .arg('replica-assignment', 'A list of manual partition-to-broker assignments for the topic being created or altered.', {
      describedAs: 'broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...',
    })
    .flag('under-replicated-partitions', 'if set when describing topics, only show under replicated partitions')
    .flag('unavailable-partitions', 'if set when describing topics, only show partitions whose leader is not available')
    .flag('under-min-isr-partitions', 'if set when describing topics, only show partitions whose isr count is less than the configured minimum.')
    .flag('at-min-isr-partitions', 'if set when describing topics, only show partitions whose isr count is equal to the configured minimum.')
    .flag('topics-with-overrides', 'if set when describing topics, only show topics that have overridden configs')
    .flag('if-exists', 'if set when altering or deleting or describing topics, the action will only execute if the topic exists.')
    .flag('if-not-exists', 'if set when creating topics, the action will only execute if the topic does not already exist.')
    .flag('exclude-internal', 'exclude internal topics when running list or describe command. The internal topics will be listed by default')
    .arg('partition-size-limit-per-response', 'the maximum partition size to be included in one DescribeTopicPartitions response.', { describedAs: 'maximum number of partitions in one response.', type: 'Integer' });
}

const ACTIONS = ['alter', 'create', 'describe', 'list', 'delete'];
const REPORT_OPTS = ['under-replicated-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions', 'unavailable-partitions'];

/** The topic-level actions except `remove`, plus `add` (Kafka's invalidOptions helper). */
function invalidOptions(remove: string[], add: string[] = []): string[] {
  return [...ACTIONS.filter((a) => !remove.includes(a)), ...add];
}

function checkArgs(opts: OptionSet): void {
  maybePrintHelpOrVersion(opts, 'This tool helps to create, delete, describe, or change a topic.');
  if (ACTIONS.filter((a) => opts.has(a)).length !== 1) {
    printUsageAndExit(opts.parser, 'Command must include exactly one action: --list, --describe, --create, --alter or --delete');
  }
  if (!opts.has('bootstrap-server')) throw new ArgumentError('--bootstrap-server must be specified');
  if (opts.has('describe') && opts.has('if-exists')) {
    if (!opts.has('topic') && !opts.has('topic-id')) printUsageAndExit(opts.parser, '--topic or --topic-id is required to describe a topic');
    if (opts.has('topic') && opts.has('topic-id')) println('Only topic id will be used when both --topic and --topic-id are specified and topicId is not Uuid.ZERO_UUID');
  }
  if (!opts.has('list') && !opts.has('describe')) checkRequiredArgs(opts, 'topic');
  if (opts.has('alter')) {
    if (opts.has('bootstrap-server') && opts.has('config')) {
      printUsageAndExit(opts.parser, `Option combination "[${specName('bootstrap-server')}, ${specName('config')}]" can't be used with option "${specName('alter')}"${ALTER_VIA_CONFIGS}`);
    }
    checkRequiredArgs(opts, 'partitions');
  }
  checkInvalidArgs(opts, 'config', invalidOptions(['alter', 'create']));
  checkInvalidArgs(opts, 'delete-config', invalidOptions(['alter'], ['bootstrap-server']));
  checkInvalidArgs(opts, 'partitions', invalidOptions(['alter', 'create']));
  checkInvalidArgs(opts, 'replication-factor', invalidOptions(['create']));
  checkInvalidArgs(opts, 'replica-assignment', invalidOptions(['alter', 'create']));
  if (opts.has('create')) checkInvalidArgs(opts, 'replica-assignment', ['partitions', 'replication-factor']);
  for (const r of REPORT_OPTS) checkInvalidArgs(opts, r, invalidOptions(['describe', r], ['topics-with-overrides']));
  checkInvalidArgs(opts, 'topics-with-overrides', invalidOptions(['describe'], REPORT_OPTS));
  checkInvalidArgs(opts, 'if-exists', invalidOptions(['alter', 'delete', 'describe']));
  checkInvalidArgs(opts, 'if-not-exists', invalidOptions(['create']));
  checkInvalidArgs(opts, 'exclude-internal', invalidOptions(['list', 'describe']));
}

/** "0:1,1:2" → {0: [0, 1], 1: [1, 2]} with Kafka's checks. */
export function parseReplicaAssignment(list: string): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  const parts = list.split(',');
  for (let i = 0; i < parts.length; i++) {
    const brokers = parts[i]!.split(':').map((s) => {
      const t = s.trim();
      return parseJavaInteger(t, 'int', () => new ArgumentError(`For input string: "${t}"`));
    });
    const dups = [...new Set(brokers.filter((b, j) => brokers.indexOf(b) !== j))];
    if (dups.length > 0) throw new ArgumentError(`Partition replica lists may not contain duplicate entries: ${dups.join(',')}`);
    out[i] = brokers;
    if (brokers.length !== out[0]!.length) throw new ArgumentError(`Partition ${i} has different replication factor: [${brokers.join(', ')}]`);
  }
  return out;
}

function parseTopicConfigs(opts: OptionSet): Record<string, string> {
  const pairs = opts.valuesOf('config').map((s) => s.split(/\s*=\s*/));
  // Java's String.split drops trailing empty strings: "k=" is one element.
  const trimmed = pairs.map((p) => {
    while (p.length > 0 && p[p.length - 1] === '') p.pop();
    return p;
  });
  if (!trimmed.every((p) => p.length === 2)) {
    throw new ArgumentError('requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".');
  }
  const props: Record<string, string> = {};
  for (const [k, v] of trimmed) props[k!.trim()] = v!.trim();
  for (const name of Object.keys(props)) if (!TOPIC_CONFIG_NAMES.includes(name)) throw new ArgumentError(`Unknown topic config name: ${name}`);
  if ('message.format.version' in props) {
    println(
      'WARNING: The configuration ${TopicConfig.MESSAGE_FORMAT_VERSION_CONFIG}=${props.getProperty(TopicConfig.MESSAGE_FORMAT_VERSION_CONFIG)} is specified. ' +
        'This configuration will be ignored if the version is newer than the inter.broker.protocol.version specified in the broker or ' +
        'if the inter.broker.protocol.version is 3.0 or newer. This configuration is deprecated and it will be removed in Apache Kafka 4.0.',
    );
  }
  return props;
}

/** Kafka's Topic.validate (as the tools call it before asking the broker). */
export function validateTopicName(name: string): void {
  const fail = (msg: string) => Object.assign(new Error(msg), { name: 'InvalidTopicException' });
  if (name.length === 0) throw fail('Topic name is illegal, it can\'t be empty');
  if (name === '.' || name === '..') throw fail('Topic name cannot be "." or ".."');
  if (name.length > 249) throw fail(`Topic name is illegal, it can't be longer than 249 characters, topic name: ${name}`);
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw fail(`Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`);
}

/** Kafka's IncludeList: the user's regex, cleaned the same way, matched against the whole name. */
export function topicFilter(raw: string): RegExp {
  const regex = raw.trim().replace(/,/g, '|').replace(/ /g, '').replace(/^["']+/, '').replace(/["']+$/, '');
  try {
    return new RegExp(`^(?:${regex})$`);
  } catch {
    throw new Error(`${regex} is an invalid regex.`);
  }
}

async function getTopics(admin: Admin, include: string | undefined, excludeInternal: boolean): Promise<string[]> {
  const all = (await admin.listTopics({ includeInternal: !excludeInternal })).sort();
  if (include !== undefined) {
    const re = topicFilter(include);
    return all.filter((t) => re.test(t) && !(isInternalTopic(t) && excludeInternal));
  }
  return all.filter((t) => !(isInternalTopic(t) && excludeInternal));
}

function ensureTopicExists(found: string[], requested: string | undefined, requireExists: boolean): void {
  if (requested !== undefined && requested !== '' && requireExists && found.length === 0) {
    throw new ArgumentError(`Topic '${requested}' does not exist as expected`);
  }
}

async function createTopic(admin: Admin, opts: OptionSet): Promise<void> {
  const name = opts.valueOf('topic')!;
  const partitions = opts.number('partitions');
  const rf = opts.number('replication-factor');
  const assignment = opts.has('replica-assignment') && opts.valueOf('replica-assignment') !== '' ? parseReplicaAssignment(opts.valueOf('replica-assignment')!) : undefined;
  const configs = parseTopicConfigs(opts);
  if (name.includes('_') || name.includes('.')) {
    println("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.");
  }
  if (rf !== undefined && (rf > 32767 || rf < 1)) throw new ArgumentError('The replication factor must be between 1 and 32767 inclusive');
  if (partitions !== undefined && partitions < 1) throw new ArgumentError('The partitions must be greater than 0');
  try {
    await admin.createTopics([{ name, numPartitions: partitions, replicationFactor: rf, assignments: assignment, configs }]);
    println(`Created topic ${name}.`);
  } catch (err) {
    if (err instanceof KafkaError && err.errorName === 'TOPIC_ALREADY_EXISTS' && opts.has('if-not-exists')) return;
    throw err;
  }
}

async function alterTopic(admin: Admin, opts: OptionSet): Promise<void> {
  const count = opts.number('partitions')!;
  const assignment = opts.has('replica-assignment') && opts.valueOf('replica-assignment') !== '' ? parseReplicaAssignment(opts.valueOf('replica-assignment')!) : undefined;
  const topics = await getTopics(admin, opts.valueOf('topic'), opts.has('exclude-internal'));
  ensureTopicExists(topics, opts.valueOf('topic'), !opts.has('if-exists'));
  if (topics.length === 0) return;
  const described = assignment ? await admin.describeTopics(topics) : [];
  await admin.createPartitions(
    topics.map((topic) => {
      if (!assignment) return { topic, count };
      const start = described.find((d) => d.name === topic)!.partitions.length;
      const extra = Object.keys(assignment)
        .map(Number)
        .sort((a, b) => a - b)
        .slice(start)
        .map((p) => assignment[p]!);
      return { topic, count, assignments: extra };
    }),
  );
}

interface Partition {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

class DescribeFilter {
  readonly describeConfigs: boolean;
  readonly describePartitions: boolean;
  constructor(private readonly opts: OptionSet, private readonly liveBrokers: Set<number>) {
    this.describeConfigs = !REPORT_OPTS.some((o) => opts.has(o));
    this.describePartitions = !opts.has('topics-with-overrides');
  }
  shouldPrint(p: Partition, minIsr: number): boolean {
    const hasLeader = p.leader >= 0;
    return (
      this.describeConfigs ||
      (this.opts.has('under-replicated-partitions') && p.replicas.length - p.isr.length > 0) ||
      (this.opts.has('unavailable-partitions') && (!hasLeader || !this.liveBrokers.has(p.leader))) ||
      (this.opts.has('under-min-isr-partitions') && (!hasLeader || p.isr.length < minIsr)) ||
      (this.opts.has('at-min-isr-partitions') && p.isr.length === minIsr)
    );
  }
}

export function topicHeaderLine(td: TopicDescription, configs: readonly ConfigEntry[]): string {
  const overrides = configs.filter((c) => !c.isDefault).map((c) => `${c.name}=${c.value}`).join(',');
  const id = td.topicId && td.topicId !== 'AAAAAAAAAAAAAAAAAAAAAA' ? `\tTopicId: ${td.topicId}` : '';
  const rf = td.partitions.length > 0 ? td.partitions[0]!.replicas.length : 0;
  return `Topic: ${td.name}${id}\tPartitionCount: ${td.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${overrides}`;
}

export function partitionLine(topic: string, p: Partition): string {
  return `\tTopic: ${topic}\tPartition: ${p.partition}\tLeader: ${p.leader >= 0 ? p.leader : 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\tElr: N/A\tLastKnownElr: N/A`;
}

async function describeTopic(admin: Admin, opts: OptionSet): Promise<void> {
  let topics: string[];
  const topicId = opts.valueOf('topic-id');
  const useId = topicId !== undefined && topicId !== 'AAAAAAAAAAAAAAAAAAAAAA';
  if (useId) {
    // Topic ids come from the descriptions of every topic.
    const all = await getTopics(admin, undefined, opts.has('exclude-internal'));
    const descs = all.length ? await admin.describeTopics(all) : [];
    topics = descs.filter((d) => d.topicId === topicId).map((d) => d.name);
    if (topics.length === 0 && !opts.has('if-exists')) throw new ArgumentError(`TopicId '${topicId}' does not exist as expected`);
  } else {
    topics = await getTopics(admin, opts.valueOf('topic'), opts.has('exclude-internal'));
    ensureTopicExists(topics, opts.valueOf('topic'), !opts.has('if-exists'));
  }
  if (topics.length === 0) return;
  const descriptions = await admin.describeTopics(topics);
  const configs = new Map<string, ConfigEntry[]>();
  for (const d of await admin.describeConfigs(topics.map((name) => ({ type: 'topic' as const, name })))) configs.set(d.name, d.configs);
  const live = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  const filter = new DescribeFilter(opts, live);
  let out = '';
  for (const td of descriptions) {
    const cfg = configs.get(td.name) ?? [];
    if (filter.describeConfigs && td.partitions.length > 0) {
      if (!opts.has('topics-with-overrides') || cfg.some((c) => !c.isDefault)) out += topicHeaderLine(td, cfg) + '\n';
    }
    if (filter.describePartitions) {
      const minIsr = Number(cfg.find((c) => c.name === 'min.insync.replicas')?.value ?? '1');
      for (const p of td.partitions) if (filter.shouldPrint(p, minIsr)) out += partitionLine(td.name, p) + '\n';
    }
  }
  process.stdout.write(out);
}

async function deleteTopic(admin: Admin, opts: OptionSet): Promise<void> {
  const topics = await getTopics(admin, opts.valueOf('topic'), opts.has('exclude-internal'));
  ensureTopicExists(topics, opts.valueOf('topic'), !opts.has('if-exists'));
  if (topics.length > 0) await admin.deleteTopics(topics);
}

export async function main(args: string[]): Promise<number> {
  let opts: OptionSet;
  let admin: Admin;
  try {
    opts = parseOrExit(parser(), args);
    checkArgs(opts);
    const props = opts.has('command-config') ? loadProps(opts.valueOf('command-config')!) : {};
    admin = new Admin(clientConfig(opts.valueOf('bootstrap-server')!, props));
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    // Kafka prints failures before the command runs (option checks, admin creation) on stderr.
    process.stderr.write(`${kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  }
  try {
    if (opts.has('create')) await createTopic(admin, opts);
    else if (opts.has('alter')) await alterTopic(admin, opts);
    else if (opts.has('list')) {
      const topics = await getTopics(admin, opts.valueOf('topic'), opts.has('exclude-internal'));
      println(topics.join('\n'));
    } else if (opts.has('describe')) await describeTopic(admin, opts);
    else if (opts.has('delete')) await deleteTopic(admin, opts);
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    println(`Error while executing topic command : ${kafkaMessage(err)}`);
    debugStack(err);
    return 1;
  } finally {
    await admin.close();
  }
}
