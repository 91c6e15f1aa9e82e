// kafka-transactions (Kafka 3.9's TransactionsCommand): list, describe,
// describe-producers, abort and find-hanging, with the same options (argparse4j
// sub-commands, see transactions-args.ts), checks, messages, exit codes and
// tables (ToolsUtils.prettyPrintTable: each cell padded to its column's width
// and followed by a tab). Where Kafka prints Java collections in hash order
// (the partitions of a transaction, brokers, find-hanging's producers) the
// same order is computed here. A failure prints Kafka's one line on stderr
// ("<what>: <cause>. Enable debug logging for additional detail.") and exits 1.

import { Admin } from '../client/admin.js';
import { abortSpecString, type ProducerState, type TransactionDescription } from '../client/admin-transactions.js';
import { tpKey, type TopicPartition } from '../client/leader-requests.js';
import { KafkaError, ErrorCode } from '../client/errors.js';
import { javaHashMapOrder, javaStringHash } from '../cluster/java-hash-order.js';
import { CommandExit, KAFKA_VERSION, clientConfig, loadProps, samsaVersion } from './options.js';
import { debugStack, kafkaMessage, prettyTable, writeOut } from './output.js';
import { ArgumentParserException, CommandParser, HelpScreenException, Namespace, SubcommandParser } from './transactions-args.js';

const PROG = 'kafka-transactions.sh';
const MAX_BATCH_SIZE = 500;

/** printErrorAndExit: the message (and the cause's) on stderr, exit 1. */
class Failure extends Error {}

function fail(message: string, cause?: unknown): never {
  debugStack(cause);
  throw new Failure(cause === undefined ? message : `${message}: ${kafkaMessage(cause)}. Enable debug logging for additional detail.`);
}

export function buildParser(): SubcommandParser {
  const p = new SubcommandParser(
    PROG,
    'This tool is used to analyze the transactional state of producers in the cluster. It can be used to detect and recover from hanging transactions.',
    'commands',
    'COMMAND',
  );
  p.addArgument({ flags: ['-v', '--version'], dest: 'version', action: 'storeTrue', default: null, help: 'show the version of this Kafka distribution and exit' });
  p.addArgument({ flags: ['--command-config'], dest: 'command_config', metavar: 'FILE', help: 'property file containing configs to be passed to admin client' });
  p.addArgument({
    flags: ['--bootstrap-server'],
    dest: 'bootstrap_server',
    metavar: 'host:port',
    required: true,
    help: 'hostname and port for the broker to connect to, in the form `host:port`  (multiple comma-separated entries can be given)',
  });

  const list = p.addCommand('list', 'list transactions');
  list.addArgument({
    flags: ['--duration-filter'],
    dest: 'duration_filter',
    type: 'Long',
    help: 'Duration (in millis) to filter by: if < 0, all transactions will be returned; otherwise, only transactions running longer than this duration will be returned',
  });

  const describe = p.addCommand('describe', 'describe the state of an active transactional-id', 'Describe the state of an active transactional-id.');
  describe.addArgument({ flags: ['--transactional-id'], dest: 'transactional_id', required: true, help: 'transactional id' });

  const producers = p.addCommand('describe-producers', 'describe the states of active producers for a topic partition');
  producers.addArgument({ flags: ['--broker-id'], dest: 'broker_id', type: 'Integer', help: 'optional broker id to describe the producer state on a specific replica' });
  producers.addArgument({ flags: ['--topic'], dest: 'topic', required: true, help: 'topic name' });
  producers.addArgument({ flags: ['--partition'], dest: 'partition', type: 'Integer', required: true, help: 'partition number' });

  const abort = p.addCommand('abort', 'abort a hanging transaction (requires administrative privileges)');
  abort.addArgument({ flags: ['--topic'], dest: 'topic', required: true, help: 'topic name' });
  abort.addArgument({ flags: ['--partition'], dest: 'partition', type: 'Integer', required: true, help: 'partition number' });
  const newer = abort.addGroup('Brokers on versions 3.0 and above', 'For newer brokers, only the start offset of the transaction to be aborted is required');
  abort.addArgument({ flags: ['--start-offset'], dest: 'start_offset', type: 'Long', help: 'start offset of the transaction to abort' }, newer);
  const older = abort.addGroup('Brokers on versions older than 3.0', 'For older brokers, you must provide all of these arguments');
  abort.addArgument({ flags: ['--producer-id'], dest: 'producer_id', type: 'Long', help: 'producer id' }, older);
  // A Short in Kafka; argparse.ts has no Short type, so the value is converted after parsing (see shortArg).
  abort.addArgument({ flags: ['--producer-epoch'], dest: 'producer_epoch', help: 'producer epoch' }, older);
  abort.addArgument({ flags: ['--coordinator-epoch'], dest: 'coordinator_epoch', type: 'Integer', help: 'coordinator epoch' }, older);

  const hanging = p.addCommand('find-hanging', 'find hanging transactions');
  hanging.addArgument({ flags: ['--broker-id'], dest: 'broker_id', type: 'Integer', help: 'broker id to search for hanging transactions' });
  hanging.addArgument({
    flags: ['--max-transaction-timeout'],
    dest: 'max_transaction_timeout',
    type: 'Integer',
    // Default 15, applied after parsing: argparse4j prints "(default: …)" only for parsers asking for it, which this one does not.
    help: 'maximum transaction timeout in minutes to limit the scope of the search (15 minutes by default)',
  });
  hanging.addArgument({ flags: ['--topic'], dest: 'topic', help: 'topic name to limit search to (required if --partition is specified)' });
  hanging.addArgument({ flags: ['--partition'], dest: 'partition', type: 'Integer', help: 'partition number' });
  return p;
}

/** Java's Short.valueOf, with argparse4j's conversion error. */
function shortArg(parser: CommandParser, ns: Namespace, dest: string, flag: string): void {
  const v = ns[dest];
  if (typeof v !== 'string') return;
  let reason: string | null = null;
  if (!/^[+-]?\d+$/.test(v)) reason = `For input string: "${v}"`;
  else if (BigInt(v) < -2147483648n || BigInt(v) > 2147483647n) reason = `For input string: "${v}"`;
  else if (Number(v) < -32768 || Number(v) > 32767) reason = `Value out of range. Value:"${v}" Radix:10`;
  if (reason !== null) {
    const e = new ArgumentParserException(`argument ${flag}: could not convert '${v}' to Short (${reason})`);
    (e as { parser?: CommandParser }).parser = parser;
    throw e;
  }
  ns[dest] = Number(v);
}

const tpString = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;
/** Kafka's TopicPartition.hashCode. */
const tpHash = (tp: TopicPartition) => (Math.imul(31 + tp.partition, 31) + javaStringHash(tp.topic)) | 0;

/** Partitions in the order a java.util.HashSet<TopicPartition> iterates them (a TransactionDescription's). */
export function hashSetOrder(tps: readonly TopicPartition[]): TopicPartition[] {
  return javaHashMapOrder(tps, tpHash);
}

/** Producer ids in the order a java.util.HashMap<Long, …> iterates them. */
export function producerIdOrder(ids: readonly number[]): number[] {
  return javaHashMapOrder(ids, longHash);
}

/** Java's Long.hashCode. */
function longHash(v: number): number {
  const big = BigInt.asUintN(64, BigInt(v));
  return Number(BigInt.asIntN(32, (big ^ (big >> 32n)) & 0xffffffffn));
}

export async function main(args: string[]): Promise<number> {
  const parser = buildParser();
  let ns: Namespace;
  try {
    const parsed = parser.parseCommand(args, () => {
      process.stdout.write(`${KAFKA_VERSION} (Samsa ${samsaVersion()})\n`);
      throw new CommandExit(0);
    });
    ns = parsed.ns;
    if (ns.command === 'abort') shortArg(parsed.command.parser, ns, 'producer_epoch', '--producer-epoch');
  } catch (err) {
    if (err instanceof HelpScreenException) {
      const owner = (err as { parser?: CommandParser }).parser ?? parser;
      process.stdout.write(owner.formatHelp());
      return 1;
    }
    if (err instanceof ArgumentParserException) {
      process.stderr.write(parser.formatParseError(err));
      return 1;
    }
    throw err;
  }
  let admin: Admin | undefined;
  try {
    let props: Record<string, string> = {};
    const file = ns.command_config as string | null;
    if (file !== null) {
      try {
        props = loadProps(file);
      } catch (err) {
        // Java's NoSuchFileException carries the path alone.
        fail('Failed to load admin client properties', /No such file/.test((err as Error).message) ? new Error(file) : err);
      }
    }
    admin = new Admin(clientConfig(ns.bootstrap_server as string, props));
    const out = await COMMANDS[ns.command as string]!(admin, ns);
    await writeOut(out);
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) throw err;
    process.stderr.write(`${err instanceof Failure ? err.message : kafkaMessage(err)}\n`);
    if (!(err instanceof Failure)) debugStack(err);
    return 1;
  } finally {
    await admin?.close();
  }
}

type Command = (admin: Admin, ns: Namespace) => Promise<string>;

const COMMANDS: Record<string, Command> = {
  list: listCommand,
  describe: describeCommand,
  'describe-producers': describeProducersCommand,
  abort: abortCommand,
  'find-hanging': findHangingCommand,
};

async function listCommand(admin: Admin, ns: Namespace): Promise<string> {
  const duration = ns.duration_filter as number | null;
  let byBroker;
  try {
    byBroker = await admin.listTransactions(duration === null ? {} : { durationFilterMs: duration });
  } catch (err) {
    fail('Failed to list transactions', err);
  }
  const rows: string[][] = [];
  // allByBrokerId() is a HashMap keyed by broker id.
  for (const [broker, listings] of javaHashMapOrder([...byBroker], ([id]) => id)) {
    for (const l of listings) rows.push([l.transactionalId, String(broker), String(l.producerId), l.state]);
  }
  return prettyTable(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows);
}

async function describeCommand(admin: Admin, ns: Namespace): Promise<string> {
  const id = ns.transactional_id as string;
  let result: TransactionDescription | KafkaError | undefined;
  try {
    result = (await admin.describeTransactions([id])).get(id);
  } catch (err) {
    result = err instanceof KafkaError ? err : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message);
  }
  if (!result || result instanceof KafkaError) fail(`Failed to describe transaction state of transactional-id \`${id}\``, result);
  const start = result.transactionStartTimeMs;
  const row = [
    String(result.coordinatorId),
    id,
    String(result.producerId),
    String(result.producerEpoch),
    result.state,
    String(result.transactionTimeoutMs),
    start === null ? 'None' : String(start),
    start === null ? 'None' : String(Date.now() - start),
    // A HashSet<TopicPartition> in Kafka's TransactionDescription.
    hashSetOrder(result.topicPartitions).map(tpString).join(','),
  ];
  return prettyTable(
    ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
    [row],
  );
}

async function describeProducersCommand(admin: Admin, ns: Namespace): Promise<string> {
  const tp = { topic: ns.topic as string, partition: ns.partition as number };
  const brokerId = ns.broker_id as number | null;
  let producers: ProducerState[];
  try {
    producers = (await admin.describeProducers([tp], brokerId === null ? {} : { brokerId })).get(tpKey(tp.topic, tp.partition))!;
  } catch (err) {
    fail(`Failed to describe producers for partition ${tpString(tp)} on ${brokerId === null ? 'leader' : `broker ${brokerId}`}`, err);
  }
  const rows = producers.map((p) => [
    String(p.producerId),
    String(p.producerEpoch),
    String(p.coordinatorEpoch ?? -1),
    String(p.lastSequence),
    String(p.lastTimestamp),
    p.currentTransactionStartOffset === null ? 'None' : String(p.currentTransactionStartOffset),
  ]);
  return prettyTable(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'], rows);
}

async function abortCommand(admin: Admin, ns: Namespace): Promise<string> {
  const tp = { topic: ns.topic as string, partition: ns.partition as number };
  const startOffset = ns.start_offset as number | null;
  const producerId = ns.producer_id as number | null;
  if (startOffset === null && producerId === null) {
    fail('The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)');
  }
  let spec;
  if (startOffset === null) {
    const producerEpoch = ns.producer_epoch as number | null;
    if (producerEpoch === null) fail('Missing required argument --producer-epoch');
    let coordinatorEpoch = ns.coordinator_epoch as number | null;
    if (coordinatorEpoch === null) fail('Missing required argument --coordinator-epoch');
    // A producer that hung before its first commit or abort has no coordinator epoch (-1 in
    // describe-producers); 0 is at or below any real one, so the marker is accepted.
    if (coordinatorEpoch < 0) coordinatorEpoch = 0;
    spec = { ...tp, producerId: producerId!, producerEpoch, coordinatorEpoch };
  } else {
    let producers: ProducerState[];
    try {
      producers = (await admin.describeProducers([tp])).get(tpKey(tp.topic, tp.partition))!;
    } catch (err) {
      fail(`Failed to validate producer state for partition ${tpString(tp)}`, err);
    }
    const found = producers.find((p) => p.currentTransactionStartOffset === startOffset);
    if (!found) fail(`Could not find any open transactions starting at offset ${startOffset} on partition ${tpString(tp)}`);
    // (short) in Kafka's tool.
    spec = { ...tp, producerId: found.producerId, producerEpoch: (found.producerEpoch << 16) >> 16, coordinatorEpoch: found.coordinatorEpoch ?? 0 };
  }
  try {
    await admin.abortTransaction(spec);
  } catch (err) {
    fail(`Failed to abort transaction ${abortSpecString(spec)}`, err);
  }
  return '';
}

interface OpenTransaction {
  tp: TopicPartition;
  producer: ProducerState;
}

async function findHangingCommand(admin: Admin, ns: Namespace): Promise<string> {
  const brokerId = ns.broker_id as number | null;
  const topic = ns.topic as string | null;
  if (topic === null && brokerId === null) fail('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search');
  const partition = ns.partition as number | null;
  if (partition !== null && topic === null) fail('The --partition argument requires --topic to be provided');
  const maxTransactionTimeoutMs = ((ns.max_transaction_timeout as number | null) ?? 15) * 60_000;

  const partitions = await partitionsToSearch(admin, topic, partition, brokerId);
  const candidates: OpenTransaction[] = [];
  for (let i = 0; i < partitions.length; i += MAX_BATCH_SIZE) {
    const batch = partitions.slice(i, i + MAX_BATCH_SIZE);
    let states: Map<string, ProducerState[]>;
    try {
      states = await admin.describeProducers(batch, brokerId === null ? {} : { brokerId });
    } catch (err) {
      // Kafka formats the Optional<Integer> broker id itself.
      fail(`Failed to describe producers for ${batch.length} partitions on broker ${brokerId === null ? 'Optional.empty' : `Optional[${brokerId}]`}`, err);
    }
    const now = Date.now();
    // DescribeProducersResult.all() is a HashMap by TopicPartition, sized for the batch.
    for (const tp of javaHashMapOrder(batch, tpHash, batch.length)) {
      for (const producer of states.get(tpKey(tp.topic, tp.partition)) ?? []) {
        if (producer.currentTransactionStartOffset !== null && now - producer.lastTimestamp > maxTransactionTimeoutMs) candidates.push({ tp, producer });
      }
    }
  }

  const hanging: OpenTransaction[] = [];
  if (candidates.length > 0) {
    const byProducer = new Map<number, OpenTransaction[]>();
    for (const c of candidates) {
      let l = byProducer.get(c.producer.producerId);
      if (!l) byProducer.set(c.producer.producerId, (l = []));
      l.push(c);
    }
    const producerIds = producerIdOrder([...byProducer.keys()]);
    const transactionalIds = await lookupTransactionalIds(admin, producerIds);
    const descriptions = await describeAll(admin, [...new Set(transactionalIds.values())]);
    for (const pid of producerIds) {
      const open = byProducer.get(pid)!;
      const id = transactionalIds.get(pid);
      const d = id === undefined ? null : descriptions.get(id);
      if (!d) hanging.push(...open);
      // Partitions the coordinator lists are still in its transaction: it will write their markers.
      else hanging.push(...open.filter((o) => !d.topicPartitions.some((x) => x.topic === o.tp.topic && x.partition === o.tp.partition)));
    }
  }
  const now = Date.now();
  const rows = hanging.map((h) => [
    h.tp.topic,
    String(h.tp.partition),
    String(h.producer.producerId),
    String(h.producer.producerEpoch),
    String(h.producer.coordinatorEpoch ?? -1),
    String(h.producer.currentTransactionStartOffset ?? -1),
    String(h.producer.lastTimestamp),
    String(Math.trunc((now - h.producer.lastTimestamp) / 60_000)),
  ]);
  return prettyTable(['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'], rows);
}

async function partitionsToSearch(admin: Admin, topic: string | null, partition: number | null, brokerId: number | null): Promise<TopicPartition[]> {
  if (topic !== null && partition !== null) return [{ topic, partition }];
  let topics: string[];
  if (topic !== null) topics = [topic];
  else {
    try {
      topics = await admin.listTopics({ includeInternal: true });
    } catch (err) {
      fail('Failed to list topics', err);
    }
  }
  const out: TopicPartition[] = [];
  for (let i = 0; i < topics.length; i += MAX_BATCH_SIZE) {
    const batch = topics.slice(i, i + MAX_BATCH_SIZE);
    let descriptions;
    try {
      descriptions = await admin.describeTopics(batch);
    } catch (err) {
      fail(`Failed to describe ${batch.length} topics`, err);
    }
    // allTopicNames() is a HashMap by topic name, sized for the batch.
    for (const d of javaHashMapOrder(descriptions, (t) => javaStringHash(t.name), batch.length)) {
      for (const p of d.partitions) if (brokerId === null || p.replicas.includes(brokerId)) out.push({ topic: d.name, partition: p.partition });
    }
  }
  return out;
}

async function lookupTransactionalIds(admin: Admin, producerIds: number[]): Promise<Map<number, string>> {
  try {
    const byBroker = await admin.listTransactions({ producerIds });
    const out = new Map<number, string>();
    for (const listings of byBroker.values()) for (const l of listings) if (producerIds.includes(l.producerId)) out.set(l.producerId, l.transactionalId);
    return out;
  } catch (err) {
    fail(`Failed to list transactions for ${producerIds.length} producers`, err);
  }
}

/** Descriptions by transactional id; null for an id the coordinator does not know (its transactions hang). */
async function describeAll(admin: Admin, ids: string[]): Promise<Map<string, TransactionDescription | null>> {
  const out = new Map<string, TransactionDescription | null>();
  let results: Map<string, TransactionDescription | KafkaError>;
  try {
    results = await admin.describeTransactions(ids);
  } catch (err) {
    fail(`Failed to describe ${ids.length} transactions`, err);
  }
  for (const id of ids) {
    const r = results.get(id);
    if (r instanceof KafkaError) {
      if (r.code !== ErrorCode.TRANSACTIONAL_ID_NOT_FOUND) fail(`Failed to describe ${ids.length} transactions`, r);
      out.set(id, null);
    } else out.set(id, r ?? null);
  }
  return out;
}
