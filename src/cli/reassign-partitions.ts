// kafka-reassign-partitions: Kafka 3.9's ReassignPartitionsCommand options,
// argument checks ("Command must include exactly one action", "Option "[x]"
// can't be used with action "[y]"", …), JSON formats and messages.
//
// A Samsa cluster has one broker until cluster mode exists, so every replica
// already lives on the only broker there is, and no reassignment can move
// anything. The actions answer accordingly, as Kafka would for such a cluster:
//  --list       "No partition reassignments found."
//  --generate   the current assignment and the proposal for the --broker-list
//               (Kafka's rack-unaware AdminUtils placement; with one broker the
//               proposal is the current assignment)
//  --execute    validates the JSON and the broker ids as Kafka does; a plan that
//               keeps every partition where it is "succeeds" (a no-op, printed as
//               Kafka prints it), any other needs brokers that do not exist
//  --verify     "Reassignment of partition t-0 is completed." (or Kafka's "no
//               active reassignment … but replica set is …"), then the throttle
//               cleanup lines
//  --cancel     "None of the specified partition reassignments are active."
// each with a note on stderr that partition moves need several brokers.
// Against several brokers (AlterPartitionReassignments, not sent by Samsa's
// tools yet) the tool stops with an error rather than pretend.

import { readFileSync } from 'node:fs';
import { Admin } from '../client/admin.js';
import type { ClusterDescription } from '../client/admin.js';
import { CommandExit, OptionParser, OptionSet, checkRequiredArgs, clientConfig, loadProps, maybePrintHelpOrVersion, parseJavaInteger, parseOrExit, printUsageAndExit, specName } from './options.js';
import { debugStack, javaExceptionName, kafkaMessage } from './output.js';

const HELP_TEXT = 'This tool helps to move topic partitions between replicas.';
const ANY_LOG_DIR = 'any';

function parser(): OptionParser {
  return new OptionParser()
    .flag('verify', 'Verify if the reassignment completed as specified by the --reassignment-json-file option. If there is a throttle engaged for the replicas specified, and the rebalance has completed, the throttle will be removed')
    .flag('generate', 'Generate a candidate partition reassignment configuration. Note that this only generates a candidate assignment, it does not execute it.')
    .flag('execute', 'Kick off the reassignment as specified by the --reassignment-json-file option.')
    .flag('cancel', 'Cancel an active reassignment.')
    .flag('list', 'List all active partition reassignments.')
    .arg('bootstrap-server', 'REQUIRED: the server(s) to use for bootstrapping.', { describedAs: 'Server(s) to use for bootstrapping' })
    .arg('command-config', 'Property file containing configs to be passed to Admin Client.', { describedAs: 'Admin client property file' })
    .arg(
      'reassignment-json-file',
      'The JSON file with the partition reassignment configurationThe format to use is - \n{"partitions":\n\t[{"topic": "foo",\n\t  "partition": 1,\n\t  "replicas": [1,2,3],\n\t  "log_dirs": ["dir1","dir2","dir3"] }],\n"version":1\n}\nNote that "log_dirs" is optional. When it is specified, its length must equal the length of the replicas list. The value in this list can be either "any" or the absolution path of the log directory on the broker. If absolute log directory path is specified, the replica will be moved to the specified log directory on the broker.',
      { describedAs: 'manual assignment json file path' },
    )
    .arg(
      'topics-to-move-json-file',
      'Generate a reassignment configuration to move the partitions of the specified topics to the list of brokers specified by the --broker-list option. The format to use is - \n{"topics":\n\t[{"topic": "foo"},{"topic": "foo1"}],\n"version":1\n}',
      { describedAs: 'topics to reassign json file path' },
    )
    .arg('broker-list', 'The list of brokers to which the partitions need to be reassigned in the form "0,1,2". This is required if --topics-to-move-json-file is used to generate reassignment configuration', { describedAs: 'brokerlist' })
    .flag('disable-rack-aware', 'Disable rack aware replica assignment')
    .arg(
      'throttle',
      'The movement of partitions between brokers will be throttled to this value (bytes/sec). This option can be included with --execute when a reassignment is started, and it can be altered by resubmitting the current reassignment along with the --additional flag. The throttle rate should be at least 1 KB/s.',
      { describedAs: 'throttle', type: 'Long', defaults: '-1' },
    )
    .arg(
      'replica-alter-log-dirs-throttle',
      'The movement of replicas between log directories on the same broker will be throttled to this value (bytes/sec). This option can be included with --execute when a reassignment is started, and it can be altered by resubmitting the current reassignment along with the --additional flag. The throttle rate should be at least 1 KB/s.',
      { describedAs: 'replicaAlterLogDirsThrottle', type: 'Long', defaults: '-1' },
    )
    .arg('timeout', 'The maximum time in ms to wait for log directory replica assignment to begin.', { describedAs: 'timeout', type: 'Long', defaults: '10000' })
    .flag('additional', 'Execute this reassignment in addition to any other ongoing ones. This option can also be used to change the throttle of an ongoing reassignment.')
    .flag('preserve-throttles', 'Do not modify broker or topic throttles.');
}

const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'] as const;
type Action = (typeof ACTIONS)[number];
const REQUIRED: Record<Action, string[]> = {
  verify: ['reassignment-json-file'],
  generate: ['topics-to-move-json-file', 'broker-list'],
  execute: ['reassignment-json-file'],
  cancel: ['reassignment-json-file'],
  list: [],
};
const PERMITTED: Record<Action, string[]> = {
  verify: ['bootstrap-server', 'command-config', 'preserve-throttles'],
  generate: ['bootstrap-server', 'broker-list', 'command-config', 'disable-rack-aware'],
  execute: ['additional', 'bootstrap-server', 'command-config', 'throttle', 'replica-alter-log-dirs-throttle', 'timeout'],
  cancel: ['bootstrap-server', 'command-config', 'preserve-throttles', 'timeout'],
  list: ['bootstrap-server', 'command-config'],
};

/** Kafka's validateAndParseArgs. */
function validate(opts: OptionSet): Action {
  maybePrintHelpOrVersion(opts, HELP_TEXT);
  const given = ACTIONS.filter((a) => opts.has(a));
  if (given.length !== 1) printUsageAndExit(opts.parser, `Command must include exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`);
  const action = given[0]!;
  if (!opts.has('bootstrap-server')) printUsageAndExit(opts.parser, 'Please specify --bootstrap-server');
  checkRequiredArgs(opts, ...REQUIRED[action]);
  for (const o of opts.seen) {
    if (o !== action && !REQUIRED[action].includes(o) && !PERMITTED[action].includes(o)) {
      printUsageAndExit(opts.parser, `Option "${specName(o)}" can't be used with action "${specName(action)}"`);
    }
  }
  return action;
}

/** Kafka's TerseException: the message alone, on stdout, exit 1. */
class Terse extends Error {}
/** Kafka's other failures: "Error: <message>" on stdout, exit 1. */
class Failure extends Error {}

interface TP {
  topic: string;
  partition: number;
}
const tpString = (tp: TP) => `${tp.topic}-${tp.partition}`;
const compareTp = (a: TP, b: TP) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

/** Java's Set.toString() of integers or strings: "[a, b]". */
const javaSet = (xs: Iterable<unknown>) => `[${[...xs].join(', ')}]`;
const duplicates = <T>(xs: readonly T[]) => [...new Set(xs.filter((x, i) => xs.indexOf(x) !== i))];

function readJsonFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Failure(`${file} (No such file or directory)`);
  }
}

function parseJson(text: string, what: string): any {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Failure(what === 'topics' ? 'The input string is not a valid JSON' : `com.fasterxml.jackson.core.JsonParseException: ${(err as Error).message}`);
  }
}

function versionOf(js: any): number {
  const v = js?.version ?? 1;
  if (!Number.isInteger(v)) throw new Failure(`Expected \`int\` value, received ${JSON.stringify(v)}`);
  if (v !== 1) throw new Failure(`Not supported version field value ${v}`);
  return v;
}

function field(obj: any, name: string): any {
  if (obj === null || typeof obj !== 'object' || !(name in obj)) throw new Failure(`No such field exists: \`${name}\``);
  return obj[name];
}

/** Kafka's parseTopicsData. */
function parseTopicsData(text: string): string[] {
  const js = parseJson(text, 'topics');
  versionOf(js);
  return (Array.isArray(js.topics) ? js.topics : []).map((t: any) => {
    const name = field(t, 'topic');
    if (typeof name !== 'string') throw new Failure(`Expected \`String\` value, received ${JSON.stringify(name)}`);
    return name;
  });
}

interface Reassignment {
  tp: TP;
  replicas: number[];
  logDirs: string[];
}

/** Kafka's parsePartitionReassignmentData. */
function parseReassignmentData(text: string): Reassignment[] {
  const js = parseJson(text, 'reassignment');
  versionOf(js);
  const out: Reassignment[] = [];
  for (const p of Array.isArray(js.partitions) ? js.partitions : []) {
    const topic = field(p, 'topic');
    const partition = field(p, 'partition');
    const replicas = field(p, 'replicas');
    if (typeof topic !== 'string') throw new Failure(`Expected \`String\` value, received ${JSON.stringify(topic)}`);
    if (!Number.isInteger(partition)) throw new Failure(`Expected \`int\` value, received ${JSON.stringify(partition)}`);
    if (!Array.isArray(replicas) || !replicas.every(Number.isInteger)) throw new Failure(`Expected \`list of int\` value, received ${JSON.stringify(replicas)}`);
    const logDirs: string[] = p.log_dirs === undefined ? replicas.map(() => ANY_LOG_DIR) : p.log_dirs;
    if (!Array.isArray(logDirs) || !logDirs.every((d) => typeof d === 'string')) throw new Failure(`Expected \`list of string\` value, received ${JSON.stringify(logDirs)}`);
    if (logDirs.length !== replicas.length) {
      throw new Failure(`Size of replicas list ${javaSet(replicas)} is different from size of log dirs list ${javaSet(logDirs)} for partition ${topic}-${partition}`);
    }
    out.push({ tp: { topic, partition }, replicas, logDirs });
  }
  return out;
}

/** Kafka's formatAsReassignmentJson (Jackson's compact form). */
function reassignmentJson(assignment: Map<string, { tp: TP; replicas: number[] }>): string {
  const partitions = [...assignment.values()]
    .sort((a, b) => compareTp(a.tp, b.tp))
    .map((a) => ({ topic: a.tp.topic, partition: a.tp.partition, replicas: a.replicas, log_dirs: a.replicas.map(() => ANY_LOG_DIR) }));
  return JSON.stringify({ version: 1, partitions });
}

/** AdminUtils.assignReplicasToBrokers without racks: round-robin from a random start, followers shifted. */
function assignReplicas(brokers: number[], partitions: number, replicationFactor: number): number[][] {
  if (replicationFactor <= 0) throw new Failure('org.apache.kafka.common.errors.InvalidReplicationFactorException: Replication factor must be larger than 0.');
  if (replicationFactor > brokers.length) {
    throw new Failure(`org.apache.kafka.common.errors.InvalidReplicationFactorException: Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`);
  }
  const n = brokers.length;
  const startIndex = Math.floor(Math.random() * n);
  let nextReplicaShift = Math.floor(Math.random() * n);
  let currentPartitionId = 0;
  const out: number[][] = [];
  for (let i = 0; i < partitions; i++) {
    if (currentPartitionId > 0 && currentPartitionId % n === 0) nextReplicaShift++;
    const first = (currentPartitionId + startIndex) % n;
    const replicas = [brokers[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) {
      const shift = 1 + ((nextReplicaShift + j) % (n - 1));
      replicas.push(brokers[(first + shift) % n]!);
    }
    out.push(replicas);
    currentPartitionId++;
  }
  return out;
}

/** The current replicas of the given topics; Kafka's "Topic x not found." for unknown ones. */
async function replicaAssignment(admin: Admin, topics: string[]): Promise<Map<string, { tp: TP; replicas: number[] }>> {
  const known = new Set(await admin.listTopics({ includeInternal: true }));
  const missing = topics.find((t) => !known.has(t));
  if (missing !== undefined) throw new Failure(`org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic ${missing} not found.`);
  const out = new Map<string, { tp: TP; replicas: number[] }>();
  if (topics.length === 0) return out;
  for (const t of await admin.describeTopics([...new Set(topics)])) {
    for (const p of t.partitions) out.set(tpString({ topic: t.name, partition: p.partition }), { tp: { topic: t.name, partition: p.partition }, replicas: p.replicas });
  }
  return out;
}

function singleBroker(cluster: ClusterDescription, action: string): number {
  if (cluster.brokers.length !== 1) {
    throw new Failure(`The cluster has ${cluster.brokers.length} brokers: ${action} among several brokers needs the partition reassignment requests, which Samsa's tools do not send yet`);
  }
  return cluster.brokers[0]!.nodeId;
}

const note = (brokerId: number) =>
  process.stderr.write(`This Samsa cluster has one broker (id ${brokerId}), which holds every replica: there is nowhere to move partitions to (reassignments need several brokers, which Samsa's cluster mode will bring).\n`);

async function generate(admin: Admin, opts: OptionSet): Promise<void> {
  const brokerList = opts.valueOf('broker-list')!;
  const brokers = brokerList.split(',').map((s) => parseJavaInteger(s, 'int', () => new Failure(`For input string: "${s}"`)));
  const dupBrokers = duplicates(brokers);
  if (dupBrokers.length > 0) throw new Failure(`Broker list contains duplicate entries: ${javaSet(dupBrokers)}`);
  const topics = parseTopicsData(readJsonFile(opts.valueOf('topics-to-move-json-file')!));
  const dupTopics = duplicates(topics);
  if (dupTopics.length > 0) throw new Failure(`List of topics to reassign contains duplicate entries: ${javaSet(dupTopics)}`);
  const current = await replicaAssignment(admin, topics);
  const cluster = await admin.describeCluster();
  const brokerId = singleBroker(cluster, 'generating a reassignment');
  const available = cluster.brokers.filter((b) => brokers.includes(b.nodeId));
  const rackless = available.filter((b) => b.rack === null).length;
  if (!opts.has('disable-rack-aware') && rackless !== 0 && rackless !== available.length) {
    throw new Failure('Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.');
  }
  const proposed = new Map<string, { tp: TP; replicas: number[] }>();
  const byTopic = new Map<string, { tp: TP; replicas: number[] }[]>();
  for (const a of current.values()) {
    let l = byTopic.get(a.tp.topic);
    if (!l) byTopic.set(a.tp.topic, (l = []));
    l.push(a);
  }
  for (const [topic, parts] of byTopic) {
    parts.sort((a, b) => a.tp.partition - b.tp.partition);
    assignReplicas(available.map((b) => b.nodeId), parts.length, parts[0]!.replicas.length).forEach((replicas, partition) =>
      proposed.set(tpString({ topic, partition }), { tp: { topic, partition }, replicas }),
    );
  }
  note(brokerId);
  process.stdout.write(`Current partition replica assignment\n${reassignmentJson(current)}\n\n`);
  process.stdout.write(`Proposed partition reassignment configuration\n${reassignmentJson(proposed)}\n`);
}

/** Kafka's parseExecuteAssignmentArgs checks. */
function executeArgs(data: Reassignment[]): void {
  if (data.length === 0) throw new Failure('Partition reassignment list cannot be empty');
  if (data.some((d) => d.replicas.length === 0)) throw new Failure('Partition replica list cannot be empty');
  const dupParts = duplicates(data.map((d) => tpString(d.tp)));
  if (dupParts.length > 0) throw new Failure(`Partition reassignment contains duplicate topic partitions: ${dupParts.join(',')}`);
  const dupReplicas = data.map((d) => [d, duplicates(d.replicas)] as const).filter(([, dups]) => dups.length > 0);
  if (dupReplicas.length > 0) {
    throw new Failure(`Partition replica lists may not contain duplicate entries: ${dupReplicas.map(([d, dups]) => `${tpString(d.tp)} contains multiple entries for ${dups.join(',')}`).join('. ')}`);
  }
}

async function execute(admin: Admin, opts: OptionSet): Promise<void> {
  const data = parseReassignmentData(readJsonFile(opts.valueOf('reassignment-json-file')!));
  executeArgs(data);
  const cluster = await admin.describeCluster();
  const brokerId = singleBroker(cluster, 'executing a reassignment');
  const ids = new Set(cluster.brokers.map((b) => b.nodeId));
  const unknown = data.flatMap((d) => d.replicas).find((r) => !ids.has(r));
  if (unknown !== undefined) throw new Failure(`Unknown broker id ${unknown}`);
  const current = await replicaAssignment(admin, [...new Set(data.map((d) => d.tp.topic))]);
  const missing = data.filter((d) => !current.has(tpString(d.tp)));
  if (missing.length > 0) throw new Failure(`org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Unable to find partition: ${missing.map((d) => tpString(d.tp)).join(', ')}`);
  const wanted = new Set(data.map((d) => tpString(d.tp)));
  const shown = new Map([...current].filter(([k]) => wanted.has(k)));
  process.stdout.write(`Current partition replica assignment\n\n${reassignmentJson(shown)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`);
  const interBroker = opts.number('throttle')!;
  const logDir = opts.number('replica-alter-log-dirs-throttle')!;
  if (interBroker >= 0 || logDir >= 0) {
    process.stdout.write('Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.\n');
    // Kafka sets throttles only on brokers that move replicas: with one broker, none.
    if (interBroker >= 0) process.stdout.write(`The inter-broker throttle limit was set to ${interBroker} B/s\n`);
  }
  note(brokerId);
  const parts = data.map((d) => d.tp).sort(compareTp);
  process.stdout.write(`Successfully started partition reassignment${parts.length === 1 ? '' : 's'} for ${parts.map(tpString).join(',')}\n`);
  const moves = data.flatMap((d) => d.logDirs.filter((dir) => dir !== ANY_LOG_DIR).map((dir) => ({ d, dir })));
  if (moves.length > 0) {
    throw new Terse(`Moving replicas between log directories (log_dirs other than "any": ${moves.map((m) => `${tpString(m.d.tp)} to ${m.dir}`).join(', ')}) is not supported by Samsa yet.`);
  }
  if (logDir >= 0) process.stdout.write(`The replica-alter-dir throttle limit was set to ${logDir} B/s\n`);
}

/** Kafka's clearAllThrottles: delete the replication throttles of the brokers and topics concerned. */
async function clearThrottles(admin: Admin, cluster: ClusterDescription, data: Reassignment[]): Promise<void> {
  const brokers = new Set(cluster.brokers.map((b) => b.nodeId));
  for (const d of data) for (const r of d.replicas) brokers.add(r);
  process.stdout.write(`Clearing broker-level throttles on broker${brokers.size === 1 ? '' : 's'} ${[...brokers].join(',')}\n`);
  for (const b of brokers) {
    await admin.incrementalAlterConfigs([
      {
        type: 'broker',
        name: String(b),
        configs: ['leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second'].map((name) => ({ name, op: 'delete' as const })),
      },
    ]);
  }
  const topics = [...new Set(data.map((d) => d.tp.topic))];
  process.stdout.write(`Clearing topic-level throttles on topic${topics.length === 1 ? '' : 's'} ${topics.join(',')}\n`);
  for (const t of topics) {
    await admin.incrementalAlterConfigs([
      { type: 'topic', name: t, configs: ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'].map((name) => ({ name, op: 'delete' as const })) },
    ]);
  }
}

async function verify(admin: Admin, opts: OptionSet): Promise<void> {
  const data = parseReassignmentData(readJsonFile(opts.valueOf('reassignment-json-file')!));
  const cluster = await admin.describeCluster();
  const brokerId = singleBroker(cluster, 'verifying a reassignment');
  const current = await replicaAssignment(admin, [...new Set(data.map((d) => d.tp.topic))]);
  const missing = data.filter((d) => !current.has(tpString(d.tp)));
  if (missing.length > 0) throw new Failure(`org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Unable to find partition: ${missing.map((d) => tpString(d.tp)).join(', ')}`);
  const lines = ['Status of partition reassignment:'];
  for (const d of [...data].sort((a, b) => compareTp(a.tp, b.tp))) {
    const cur = current.get(tpString(d.tp))!.replicas;
    if (cur.join(',') === d.replicas.join(',')) lines.push(`Reassignment of partition ${tpString(d.tp)} is completed.`);
    else lines.push(`There is no active reassignment of partition ${tpString(d.tp)}, but replica set is ${cur.join(',')} rather than ${d.replicas.join(',')}.`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const moves = data.flatMap((d) => d.logDirs.filter((dir) => dir !== ANY_LOG_DIR));
  if (moves.length > 0) throw new Terse('Moving replicas between log directories (log_dirs other than "any") is not supported by Samsa yet.');
  note(brokerId);
  if (!opts.has('preserve-throttles')) await clearThrottles(admin, cluster, data);
}

async function cancel(admin: Admin, opts: OptionSet): Promise<void> {
  const data = parseReassignmentData(readJsonFile(opts.valueOf('reassignment-json-file')!));
  const cluster = await admin.describeCluster();
  const brokerId = singleBroker(cluster, 'cancelling a reassignment');
  note(brokerId);
  process.stdout.write('None of the specified partition reassignments are active.\n');
  if (data.some((d) => d.logDirs.some((dir) => dir !== ANY_LOG_DIR))) process.stdout.write('None of the specified partition moves are active.\n');
  if (!opts.has('preserve-throttles')) await clearThrottles(admin, cluster, data);
}

async function list(admin: Admin): Promise<void> {
  const cluster = await admin.describeCluster();
  const brokerId = singleBroker(cluster, 'listing reassignments');
  note(brokerId);
  process.stdout.write('No partition reassignments found.\n');
}

export async function main(args: string[]): Promise<number> {
  const opts = parseOrExit(parser(), args);
  const action = validate(opts);
  let admin: Admin | undefined;
  try {
    const props = opts.has('command-config') ? loadProps(opts.valueOf('command-config')!) : {};
    admin = new Admin(clientConfig(opts.valueOf('bootstrap-server')!, { 'client.id': 'reassign-partitions-tool' }, props));
    if (action === 'list') await list(admin);
    else if (action === 'generate') await generate(admin, opts);
    else if (action === 'execute') await execute(admin, opts);
    else if (action === 'verify') await verify(admin, opts);
    else await cancel(admin, opts);
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    // Kafka prints its failures on stdout: a TerseException's message alone, anything else after "Error: ".
    if (err instanceof Terse) process.stdout.write(`${err.message}\n`);
    else if (err instanceof Failure) process.stdout.write(`Error: ${err.message}\n`);
    else process.stdout.write(`Error: ${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  } finally {
    await admin?.close();
  }
}
