// kafka-verifiable-consumer: consumes a topic in a group and prints the
// consumer's events as JSON lines, as Kafka 3.9's VerifiableConsumer (the
// system tests' consumer) does:
//
//   {"timestamp":…,"name":"startup_complete"}
//   {"timestamp":…,"name":"partitions_assigned","partitions":[{"topic":"t","partition":0}]}
//   {"timestamp":…,"name":"records_consumed","count":3,"partitions":[{"topic":"t","partition":0,"count":3,"minOffset":0,"maxOffset":2}]}
//   {"timestamp":…,"name":"offsets_committed","offsets":[{"topic":"t","partition":0,"offset":3}],"success":true}
//   {"timestamp":…,"name":"partitions_revoked","partitions":[…]}
//   {"timestamp":…,"name":"shutdown_complete"}
//
// (and "record_data" per record with --verbose; "error" in offsets_committed
// when a commit fails). Same options (argparse4j's syntax, help and errors) and
// consumer settings: --group-id, --group-instance-id, --session-timeout,
// --enable-autocommit (otherwise a synchronous commit of what each poll
// returned), --reset-policy, --assignment-strategy (Kafka's class names or
// the short names), --consumer.config underneath. --max-messages, SIGINT or
// SIGTERM close the consumer (revoking its partitions, printed) before
// shutdown_complete.

import { Consumer } from '../client/consumer.js';
import type { ConsumerRecord } from '../client/consumer.js';
import type { TopicPartition } from '../client/leader-requests.js';
import { stringDeserializer } from '../client/serializers.js';
import { ArgumentParser, ArgumentParserException, Namespace } from './argparse.js';
import { clientConfig, loadProps } from './options.js';
import { debugStack, javaExceptionName, kafkaMessage, logError } from './output.js';
import { argumentFailure, printEvent } from './verifiable-producer.js';

function argParser(): ArgumentParser {
  const p = new ArgumentParser(
    'verifiable-consumer',
    'This tool consumes messages from a specific topic and emits consumer events (e.g. group rebalances, received messages, and offsets committed) as JSON objects to STDOUT.',
  );
  const connection = p.addMutuallyExclusiveGroup('Connection Group', 'Group of arguments for connection to brokers', true);
  p.addArgument(
    {
      flags: ['--bootstrap-server'],
      dest: 'bootstrapServer',
      metavar: 'HOST1:PORT1[,HOST2:PORT2[...]]',
      help: 'REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to. Comma-separated list of Kafka brokers in the form HOST1:PORT1,HOST2:PORT2,...',
    },
    connection,
  );
  p.addArgument(
    {
      flags: ['--broker-list'],
      dest: 'brokerList',
      metavar: 'HOST1:PORT1[,HOST2:PORT2[...]]',
      help: 'DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  Comma-separated list of Kafka brokers in the form HOST1:PORT1,HOST2:PORT2,...',
    },
    connection,
  );
  p.addArgument({ flags: ['--topic'], dest: 'topic', required: true, metavar: 'TOPIC', help: 'Consumes messages from this topic.' });
  p.addArgument({ flags: ['--group-protocol'], dest: 'groupProtocol', default: 'classic', metavar: 'GROUP_PROTOCOL', help: 'Group protocol (must be one of CLASSIC, CONSUMER)' });
  p.addArgument({ flags: ['--group-remote-assignor'], dest: 'groupRemoteAssignor', metavar: 'GROUP_REMOTE_ASSIGNOR', help: 'Group remote assignor; only used if the group protocol is CONSUMER' });
  p.addArgument({ flags: ['--group-id'], dest: 'groupId', required: true, metavar: 'GROUP_ID', help: 'The groupId shared among members of the consumer group' });
  p.addArgument({ flags: ['--group-instance-id'], dest: 'groupInstanceId', metavar: 'GROUP_INSTANCE_ID', help: 'A unique identifier of the consumer instance' });
  p.addArgument({
    flags: ['--max-messages'],
    dest: 'maxMessages',
    type: 'Integer',
    default: -1,
    metavar: 'MAX-MESSAGES',
    help: 'Consume this many messages. If -1 (the default), the consumer will consume until the process is killed externally',
  });
  p.addArgument({ flags: ['--session-timeout'], dest: 'sessionTimeout', type: 'Integer', default: 30000, metavar: 'TIMEOUT_MS', help: "Set the consumer's session timeout" });
  p.addArgument({ flags: ['--verbose'], dest: 'verbose', action: 'storeTrue', type: 'Boolean', metavar: 'VERBOSE', help: 'Enable to log individual consumed records' });
  p.addArgument({ flags: ['--enable-autocommit'], dest: 'useAutoCommit', action: 'storeTrue', type: 'Boolean', metavar: 'ENABLE-AUTOCOMMIT', help: 'Enable offset auto-commit on consumer' });
  p.addArgument({ flags: ['--reset-policy'], dest: 'resetPolicy', default: 'earliest', help: "Set reset policy (must be either 'earliest', 'latest', or 'none'" });
  p.addArgument({
    flags: ['--assignment-strategy'],
    dest: 'assignmentStrategy',
    default: 'org.apache.kafka.clients.consumer.RangeAssignor',
    help: 'Set assignment strategy (e.g. org.apache.kafka.clients.consumer.RoundRobinAssignor); only used if the group protocol is CLASSIC',
  });
  p.addArgument({ flags: ['--consumer.config'], dest: 'consumer.config', metavar: 'CONFIG_FILE', help: 'Consumer config properties file (config options shared with command line parameters will be overridden).' });
  return p;
}

const tpList = (tps: readonly TopicPartition[]) => tps.map((tp) => ({ topic: tp.topic, partition: tp.partition }));

export async function main(args: string[]): Promise<number> {
  const parser = argParser();
  if (args.length === 0) {
    process.stdout.write(parser.formatHelp());
    return 0;
  }
  let res: Namespace;
  let props: Record<string, string> = {};
  try {
    res = parser.parse(args);
    const file = res['consumer.config'] as string | null;
    if (file !== null) {
      try {
        props = loadProps(file);
      } catch {
        throw new ArgumentParserException(file);
      }
    }
  } catch (err) {
    argumentFailure(parser, err);
  }
  const topic = res.topic as string;
  const maxMessages = res.maxMessages as number;
  const useAutoCommit = res.useAutoCommit as boolean;
  const verbose = res.verbose as boolean;
  const overrides: Record<string, string> = {};
  if ((res.groupProtocol as string).toLowerCase() === 'consumer') {
    process.stderr.write('org.apache.kafka.common.errors.UnsupportedVersionException: The consumer group protocol (KIP-848, group.protocol=consumer) is not supported by the Samsa client yet: use --group-protocol classic\n');
    return 1;
  }
  overrides['partition.assignment.strategy'] = res.assignmentStrategy as string;
  overrides['group.id'] = res.groupId as string;
  if (res.groupInstanceId !== null) overrides['group.instance.id'] = res.groupInstanceId as string;
  const bootstrap = (res.bootstrapServer as string | null) ?? (res.brokerList as string);
  overrides['enable.auto.commit'] = String(useAutoCommit);
  overrides['auto.offset.reset'] = res.resetPolicy as string;
  overrides['session.timeout.ms'] = String(res.sessionTimeout);

  let consumer: Consumer<string | null, string | null>;
  try {
    consumer = new Consumer<string | null, string | null>({
      ...clientConfig(bootstrap, props, overrides),
      keyDeserializer: stringDeserializer,
      valueDeserializer: stringDeserializer,
    });
  } catch (err) {
    process.stderr.write(`${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  }

  let stopping = false;
  let exitCode = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    exitCode = signal === 'SIGINT' ? 130 : 143;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let consumed = 0;
  const hasLimit = maxMessages >= 0;
  const finished = () => hasLimit && consumed >= maxMessages;

  const commitSync = async (offsets: { topic: string; partition: number; offset: number }[]) => {
    try {
      await consumer.commitSync(offsets);
      printEvent('offsets_committed', [
        ['offsets', offsets],
        ['success', true],
      ]);
    } catch (err) {
      printEvent('offsets_committed', [
        ['offsets', offsets],
        ['error', kafkaMessage(err)],
        ['success', false],
      ]);
    }
  };

  try {
    printEvent('startup_complete');
    consumer.subscribe([topic], {
      onPartitionsAssigned: (tps) => printEvent('partitions_assigned', [['partitions', tpList(tps)]]),
      onPartitionsRevoked: (tps) => printEvent('partitions_revoked', [['partitions', tpList(tps)]]),
    });
    while (!finished() && !stopping) {
      // Kafka's poll(Long.MAX_VALUE) returns only with records: poll in slices and stop between them on a
      // signal (records a slice returned are still reported, so none is consumed unseen).
      const batch = await consumer.poll(500);
      if (batch.length === 0) continue;
      // Kafka's ConsumerRecords: records grouped by partition, partitions in the order they came.
      const byPartition = new Map<string, ConsumerRecord<string | null, string | null>[]>();
      for (const r of batch) {
        const k = `${r.topic}\0${r.partition}`;
        let l = byPartition.get(k);
        if (!l) byPartition.set(k, (l = []));
        l.push(r);
      }
      const offsets: { topic: string; partition: number; offset: number }[] = [];
      const summaries: { topic: string; partition: number; count: number; minOffset: number; maxOffset: number }[] = [];
      for (let records of byPartition.values()) {
        if (hasLimit && consumed + records.length > maxMessages) records = records.slice(0, maxMessages - consumed);
        if (records.length === 0) continue;
        const first = records[0]!;
        const last = records[records.length - 1]!;
        offsets.push({ topic: first.topic, partition: first.partition, offset: last.offset + 1 });
        summaries.push({ topic: first.topic, partition: first.partition, count: records.length, minOffset: first.offset, maxOffset: last.offset });
        if (verbose) {
          for (const r of records) {
            printEvent('record_data', [
              ['key', r.key],
              ['value', r.value],
              ['topic', r.topic],
              ['partition', r.partition],
              ['offset', r.offset],
            ]);
          }
        }
        consumed += records.length;
        if (finished()) break;
      }
      printEvent('records_consumed', [
        ['count', batch.length],
        ['partitions', summaries],
      ]);
      if (!useAutoCommit) await commitSync(offsets);
    }
  } catch (err) {
    // Kafka logs it (not on stdout) and closes the consumer.
    logError('org.apache.kafka.tools.VerifiableConsumer', 'Error during processing, terminating consumer process: ');
    process.stderr.write(`${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
    debugStack(err);
  } finally {
    await consumer.close();
    printEvent('shutdown_complete');
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return exitCode;
}
