// kafka-transactions against a broker process, compared with what Kafka 3.9's
// TransactionsCommand prints: the help and argument errors line by line (as
// argparse4j 0.7.0 prints them for the tool's definitions), and each command's
// table (every cell padded to its column's width and followed by a tab) with
// the values the broker reports through raw requests. A transaction left open
// by confluent-kafka-python is listed, described and aborted; a hanging one
// (written with transaction.partition.verification.enable=false, so the
// coordinator never heard of the partition, and 20 minutes old) is found by
// find-hanging and aborted by its start offset, after which read_committed
// readers move past it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startBrokerProcess, requireTool, run, PYTHON, REPO, type BrokerProcess } from './harness.js';
import { createTopic, waitFor } from './compat-util.js';
import { RawClient } from './raw-client.js';
import { runTool } from './cli-util.js';
import { buildBatch } from '../../src/protocol/records/batch.js';

const SCRIPT = path.join(REPO, 'test/integration/py/transactions.py');
let broker: BrokerProcess;

before(async () => {
  requireTool('confluent-kafka');
  broker = await startBrokerProcess({ overrides: { 'transaction.partition.verification.enable': 'false', 'transaction.state.log.num.partitions': '3' } });
});

after(async () => {
  await broker?.destroy();
});

/** The tool with no COLUMNS in its environment, so help is wrapped at argparse4j's 75 columns as on a pipe. */
function tx(args: string[]) {
  const env = { ...process.env };
  delete env.COLUMNS;
  return runTool('kafka-transactions', args, { env });
}

async function txOk(args: string[]): Promise<string> {
  const r = await tx(['--bootstrap-server', broker.bootstrap, ...args]);
  assert.equal(r.status, 0, `kafka-transactions ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

async function txFails(args: string[], stderr: string): Promise<void> {
  const r = await tx(['--bootstrap-server', broker.bootstrap, ...args]);
  assert.equal(r.status, 1, `kafka-transactions ${args.join(' ')} should fail`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${stderr}\n`);
}

/**
 * Reads a ToolsUtils.prettyPrintTable: checks the layout (each cell padded to
 * the widest value of its column, then a tab) and returns the trimmed cells,
 * header row first.
 */
function table(out: string): string[][] {
  const lines = out.split('\n');
  assert.equal(lines.pop(), '', 'the table ends with a newline');
  const rows = lines.map((l) => {
    assert.ok(l.endsWith('\t'), `every cell is followed by a tab: ${JSON.stringify(l)}`);
    return l.slice(0, -1).split('\t');
  });
  for (let c = 0; c < rows[0]!.length; c++) {
    const width = Math.max(...rows.map((r) => r[c]!.trimEnd().length));
    for (const r of rows) assert.equal(r[c], r[c]!.trimEnd().padEnd(width), `column ${c} padded to ${width}: ${JSON.stringify(r)}`);
  }
  return rows.map((r) => r.map((c) => c.trimEnd()));
}

function lines(text: string): string[] {
  const l = text.split('\n');
  assert.equal(l.pop(), '');
  return l;
}

async function py<T = any>(action: string, params: Record<string, unknown>): Promise<T> {
  const r = await run(PYTHON, [SCRIPT, action, JSON.stringify({ bootstrap: broker.bootstrap, ...params })], { timeoutMs: 90_000 });
  if (r.status !== 0) throw new Error(`python ${action} exited with ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

async function lastStableOffset(topic: string, partition: number): Promise<number> {
  const c = await RawClient.connect(broker.port);
  try {
    const r = await c.request(2, 5, { replicaId: -1, isolationLevel: 1, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1 }] }] });
    const p = r.topics[0].partitions[0];
    assert.equal(p.errorCode, 0);
    return p.offset;
  } finally {
    c.close();
  }
}

async function producers(topic: string, partition: number): Promise<any[]> {
  const c = await RawClient.connect(broker.port);
  try {
    const r = await c.request(61, 0, { topics: [{ name: topic, partitionIndexes: [partition] }] });
    return r.topics[0].partitions[0].activeProducers;
  } finally {
    c.close();
  }
}

const MAIN_HELP = [
  "usage: kafka-transactions.sh [-h] [-v] [--command-config FILE]",
  "                             --bootstrap-server host:port COMMAND ...",
  "",
  "This tool is used to analyze  the  transactional  state of producers in the",
  "cluster. It can be used to detect and recover from hanging transactions.",
  "",
  "optional arguments:",
  "  -h, --help             show this help message and exit",
  "  -v, --version          show the version  of  this  Kafka distribution and",
  "                         exit",
  "  --command-config FILE  property file containing configs  to  be passed to",
  "                         admin client",
  "  --bootstrap-server host:port",
  "                         hostname and port for  the  broker  to connect to,",
  "                         in  the   form   `host:port`    (multiple   comma-",
  "                         separated entries can be given)",
  "",
  "commands:",
  "  COMMAND",
  "    list                 list transactions",
  "    describe             describe the state of an active transactional-id",
  "    describe-producers   describe the  states  of  active  producers  for a",
  "                         topic partition",
  "    abort                abort    a    hanging     transaction    (requires",
  "                         administrative privileges)",
  "    find-hanging         find hanging transactions"
];
const ABORT_HELP = [
  "usage: kafka-transactions.sh --bootstrap-server host:port abort [-h]",
  "                             --topic TOPIC --partition PARTITION",
  "                             [--start-offset START_OFFSET]",
  "                             [--producer-id PRODUCER_ID]",
  "                             [--producer-epoch PRODUCER_EPOCH]",
  "                             [--coordinator-epoch COORDINATOR_EPOCH]",
  "",
  "optional arguments:",
  "  -h, --help             show this help message and exit",
  "  --topic TOPIC          topic name",
  "  --partition PARTITION  partition number",
  "",
  "Brokers on versions 3.0 and above:",
  "  For newer brokers,  only  the  start  offset  of  the  transaction  to be",
  "  aborted is required",
  "",
  "  --start-offset START_OFFSET",
  "                         start offset of the transaction to abort",
  "",
  "Brokers on versions older than 3.0:",
  "  For older brokers, you must provide all of these arguments",
  "",
  "  --producer-id PRODUCER_ID",
  "                         producer id",
  "  --producer-epoch PRODUCER_EPOCH",
  "                         producer epoch",
  "  --coordinator-epoch COORDINATOR_EPOCH",
  "                         coordinator epoch"
];
const FIND_HANGING_HELP = [
  "usage: kafka-transactions.sh --bootstrap-server host:port find-hanging [-h]",
  "                             [--broker-id BROKER_ID]",
  "                             [--max-transaction-timeout MAX_TRANSACTION_TIMEOUT]",
  "                             [--topic TOPIC] [--partition PARTITION]",
  "",
  "optional arguments:",
  "  -h, --help             show this help message and exit",
  "  --broker-id BROKER_ID  broker id to search for hanging transactions",
  "  --max-transaction-timeout MAX_TRANSACTION_TIMEOUT",
  "                         maximum transaction timeout  in  minutes  to limit",
  "                         the scope of the search (15 minutes by default)",
  "  --topic TOPIC          topic name to  limit  search  to  (required  if --",
  "                         partition is specified)",
  "  --partition PARTITION  partition number"
];
const NO_ARGS = [
  "usage: kafka-transactions.sh [-h] [-v] [--command-config FILE]",
  "                             --bootstrap-server host:port COMMAND ...",
  "kafka-transactions.sh: error: too few arguments"
];
const NO_BOOTSTRAP = [
  "usage: kafka-transactions.sh [-h] [-v] [--command-config FILE]",
  "                             --bootstrap-server host:port COMMAND ...",
  "kafka-transactions.sh: error: argument --bootstrap-server is required"
];
const BAD_COMMAND = [
  "usage: kafka-transactions.sh [-h] [-v] [--command-config FILE]",
  "                             --bootstrap-server host:port COMMAND ...",
  "kafka-transactions.sh:  error:  invalid  choice:   'descrbe'  (choose  from",
  "'list', 'describe', 'describe-producers', 'abort', 'find-hanging')",
  "",
  "Did you mean:",
  "\tdescribe"
];
const AMBIGUOUS = [
  "usage: kafka-transactions.sh [-h] [-v] [--command-config FILE]",
  "                             --bootstrap-server host:port COMMAND ...",
  "kafka-transactions.sh:  error:   ambiguous   command:   desc   could  match",
  "describe, describe-producers"
];
const NO_PARTITION = [
  "usage: kafka-transactions.sh --bootstrap-server host:port",
  "                             describe-producers [-h]",
  "                             [--broker-id BROKER_ID] --topic TOPIC",
  "                             --partition PARTITION",
  "kafka-transactions.sh: error: argument --partition is required"
];
const BAD_EPOCH = [
  ...ABORT_HELP.slice(0, 6),
  "kafka-transactions.sh: error: argument --producer-epoch:  could not convert",
  "'70000' to Short (Value out of range. Value:\"70000\" Radix:10)"
];

test('help and argument errors are argparse4j\'s, exit 1; --version exits 0', async () => {
  let r = await tx(['--help']);
  assert.equal(r.status, 1);
  assert.deepEqual(lines(r.stdout), MAIN_HELP);
  // As Kafka's docs also run it: kafka-run-class.sh org.apache.kafka.tools.TransactionsCommand.
  const env = { ...process.env };
  delete env.COLUMNS;
  const viaRunClass = await runTool('kafka-run-class', ['org.apache.kafka.tools.TransactionsCommand', '--help'], { env });
  assert.equal(viaRunClass.status, 1);
  assert.equal(viaRunClass.stdout, r.stdout);
  r = await tx(['--bootstrap-server', 'localhost:9092', 'abort', '-h']);
  assert.equal(r.status, 1);
  assert.deepEqual(lines(r.stdout), ABORT_HELP);
  r = await tx(['--bootstrap-server', 'localhost:9092', 'find-hanging', '--help']);
  assert.equal(r.status, 1);
  assert.deepEqual(lines(r.stdout), FIND_HANGING_HELP);
  for (const [args, expected] of [
    [[], NO_ARGS],
    [['list'], NO_BOOTSTRAP],
    [['--bootstrap-server', 'x', 'descrbe'], BAD_COMMAND],
    [['--bootstrap-server', 'x', 'desc'], AMBIGUOUS],
    [['--bootstrap-server', 'x', 'describe-producers', '--topic', 't'], NO_PARTITION],
    [['--bootstrap-server', 'x', 'abort', '--topic', 't', '--partition', '0', '--producer-epoch', '70000'], BAD_EPOCH],
  ] as const) {
    r = await tx([...args]);
    assert.equal(r.status, 1, args.join(' '));
    assert.equal(r.stdout, '');
    assert.deepEqual(lines(r.stderr), expected, args.join(' '));
  }
  r = await tx(['--version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^3\.9\.0 \(Samsa .+\)\n$/);
});

test('the tool\'s own checks: Kafka\'s messages on stderr, exit 1', async () => {
  await txFails(
    ['abort', '--topic', 't', '--partition', '0'],
    'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)',
  );
  await txFails(['abort', '--topic', 't', '--partition', '0', '--producer-id', '5'], 'Missing required argument --producer-epoch');
  await txFails(['abort', '--topic', 't', '--partition', '0', '--producer-id', '5', '--producer-epoch', '0'], 'Missing required argument --coordinator-epoch');
  await txFails(['find-hanging'], 'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search');
  await txFails(['find-hanging', '--broker-id', '1', '--partition', '0'], 'The --partition argument requires --topic to be provided');
  await txFails(
    ['describe', '--transactional-id', 'no-such-id'],
    'Failed to describe transaction state of transactional-id `no-such-id`: DescribeTransactions request for transactionalId `no-such-id` failed because the ID could not be found. Enable debug logging for additional detail.',
  );
  const r = await tx(['--command-config', '/nonexistent/admin.properties', '--bootstrap-server', broker.bootstrap, 'list']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'Failed to load admin client properties: /nonexistent/admin.properties. Enable debug logging for additional detail.\n');
});

test('an open transaction: list, describe, describe-producers; find-hanging leaves it alone; abort by producer id', { timeout: 120_000 }, async () => {
  const topic = 'txn-open';
  await createTopic(broker.port, topic, 2);
  await py('hang', { topic, transactional_id: 'ck-open', values: ['o1', 'o2'], partition: 1, timeout: 600000 });

  const c = await RawClient.connect(broker.port);
  const d = (await c.request(65, 0, { transactionalIds: ['ck-open'] })).transactionStates[0];
  c.close();
  assert.equal(d.transactionState, 'Ongoing');
  const pid = String(d.producerId);
  const epoch = String(d.producerEpoch);

  const listed = table(await txOk(['list']));
  assert.deepEqual(listed[0], ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']);
  assert.deepEqual(
    listed.filter((r) => r[0] === 'ck-open'),
    [['ck-open', '1', pid, 'Ongoing']],
  );
  const ongoing = table(await txOk(['list', '--duration-filter', '0']));
  assert.ok(ongoing.some((r) => r[0] === 'ck-open'), 'running longer than 0 ms');
  assert.deepEqual(table(await txOk(['list', '--duration-filter', '3600000'])), [['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']]);

  const before = Date.now();
  const described = table(await txOk(['describe', '--transactional-id', 'ck-open']));
  const after = Date.now();
  assert.deepEqual(described[0], [
    'CoordinatorId',
    'TransactionalId',
    'ProducerId',
    'ProducerEpoch',
    'TransactionState',
    'TransactionTimeoutMs',
    'CurrentTransactionStartTimeMs',
    'TransactionDurationMs',
    'TopicPartitions',
  ]);
  const row = described[1]!;
  assert.deepEqual([...row.slice(0, 7), row[8]], ['1', 'ck-open', pid, epoch, 'Ongoing', '600000', String(d.transactionStartTimeMs), `${topic}-1`]);
  const duration = Number(row[7]);
  assert.ok(duration >= before - d.transactionStartTimeMs && duration <= after - d.transactionStartTimeMs, `duration ${duration}`);
  assert.equal(described.length, 2);

  const [p] = await producers(topic, 1);
  const producerRows = [
    ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'],
    [pid, epoch, '-1', '1', String(p.lastTimestamp), '0'],
  ];
  assert.deepEqual(table(await txOk(['describe-producers', '--topic', topic, '--partition', '1'])), producerRows);
  assert.deepEqual(table(await txOk(['describe-producers', '--topic', topic, '--partition', '1', '--broker-id', '1'])), producerRows);
  assert.deepEqual(table(await txOk(['describe-producers', '--topic', topic, '--partition', '0'])), [producerRows[0]]);

  // The coordinator still has this partition in the transaction: not hanging, however old.
  const hangingHeader = ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'];
  assert.deepEqual(table(await txOk(['find-hanging', '--topic', topic, '--max-transaction-timeout', '0'])), [hangingHeader]);

  assert.equal(await lastStableOffset(topic, 1), 0, 'the open transaction holds the LSO');
  assert.equal(await txOk(['abort', '--topic', topic, '--partition', '1', '--producer-id', pid, '--producer-epoch', epoch, '--coordinator-epoch', '-1']), '');
  assert.equal(await lastStableOffset(topic, 1), 3, 'two records and the ABORT marker, all stable');
  // The marker is the producer's latest batch now: its timestamp and coordinator epoch (0, the tool's stand-in for -1).
  const [afterAbort] = await producers(topic, 1);
  assert.ok(afterAbort.lastTimestamp >= p.lastTimestamp);
  assert.deepEqual(table(await txOk(['describe-producers', '--topic', topic, '--partition', '1'])), [producerRows[0], [pid, epoch, '0', '1', String(afterAbort.lastTimestamp), 'None']]);
  const committed = await py('consume', { topic, isolation: 'read_committed', partitions: [1], timeout_s: 15 });
  assert.deepEqual(committed.values, { '1': [] }, 'aborted records are not read');
  assert.equal(committed.positions['1'], 3);
});

test('a hanging transaction: find-hanging finds it, abort --start-offset ends it and read_committed readers move on', { timeout: 120_000 }, async () => {
  const topic = 'txn-hanging';
  await createTopic(broker.port, topic, 1);
  const c = await RawClient.connect(broker.port);
  let pid: number;
  let epoch: number;
  const age = 20 * 60_000 + 30_000;
  const ts = Date.now() - age;
  try {
    await waitFor('the transaction coordinator', async () => {
      const f = await c.request(10, 3, { key: 'tx-hang', keyType: 1 });
      return f.errorCode === 0 ? true : undefined;
    });
    const init = await c.request(22, 3, { transactionalId: 'tx-hang', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
    assert.equal(init.errorCode, 0);
    pid = init.producerId;
    epoch = init.producerEpoch;
    // A transactional batch the coordinator never heard of (no AddPartitionsToTxn): the classic hanging transaction.
    const records = await buildBatch([{ key: null, value: Buffer.from('hung'), timestamp: ts }], { producerId: pid, producerEpoch: epoch, baseSequence: 0, transactional: true });
    const produced = await c.request(0, 9, { transactionalId: 'tx-hang', acks: -1, timeoutMs: 10000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
    assert.equal(produced.responses[0].partitionResponses[0].errorCode, 0);
    // A plain record after it, held back from read_committed readers by the hanging transaction.
    const plain = await buildBatch([{ key: null, value: Buffer.from('after'), timestamp: Date.now() }]);
    const p2 = await c.request(0, 9, { transactionalId: null, acks: -1, timeoutMs: 10000, topicData: [{ name: topic, partitionData: [{ index: 0, records: plain }] }] });
    assert.equal(p2.responses[0].partitionResponses[0].errorCode, 0);
  } finally {
    c.close();
  }

  const header = ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'];
  const found = [header, [topic, '0', String(pid), String(epoch), '-1', '0', String(ts), '20']];
  assert.deepEqual(table(await txOk(['find-hanging', '--topic', topic])), found, 'older than the default 15 minutes');
  assert.deepEqual(table(await txOk(['find-hanging', '--topic', topic, '--partition', '0'])), found);
  assert.deepEqual(table(await txOk(['find-hanging', '--broker-id', '1'])), found, 'every partition of broker 1, internal topics too');
  assert.deepEqual(table(await txOk(['find-hanging', '--topic', topic, '--max-transaction-timeout', '30'])), [header]);

  const listed = table(await txOk(['list']));
  assert.deepEqual(
    listed.filter((r) => r[0] === 'tx-hang'),
    [['tx-hang', '1', String(pid), 'Empty']],
  );

  assert.equal(await lastStableOffset(topic, 0), 0);
  const held = await py('consume', { topic, isolation: 'read_committed', partitions: [0], timeout_s: 5 });
  assert.deepEqual(held.values, { '0': [] }, 'read_committed readers wait behind the hanging transaction');

  await txFails(['abort', '--topic', topic, '--partition', '0', '--start-offset', '1'], `Could not find any open transactions starting at offset 1 on partition ${topic}-0`);
  assert.equal(await txOk(['abort', '--topic', topic, '--partition', '0', '--start-offset', '0']), '');

  assert.equal(await lastStableOffset(topic, 0), 3, 'the record, the plain one after it and the marker');
  assert.deepEqual(table(await txOk(['find-hanging', '--topic', topic])), [header]);
  const committed = await py('consume', { topic, isolation: 'read_committed', partitions: [0], timeout_s: 15 });
  assert.deepEqual(committed.values, { '0': ['after'] }, 'the aborted record is dropped, the one behind it is read');

  await txFails(
    ['abort', '--topic', topic, '--partition', '0', '--producer-id', String(pid), '--producer-epoch', String(epoch - 1), '--coordinator-epoch', '0'],
    `Failed to abort transaction AbortTransactionSpec(topicPartition=${topic}-0, producerId=${pid}, producerEpoch=${epoch - 1}, coordinatorEpoch=0): WriteTxnMarkers request with AbortTransactionSpec(topicPartition=${topic}-0, producerId=${pid}, producerEpoch=${epoch - 1}, coordinatorEpoch=0) failed due an invalid producer epoch. Enable debug logging for additional detail.`,
  );
});
