// kafka-verifiable-producer: produces increasing integers ("0", "1", … or
// "<prefix>.<n>") to a topic and prints one JSON event per line, as Kafka
// 3.9's VerifiableProducer (the system tests' producer) does:
//
//   {"timestamp":…,"name":"startup_complete"}
//   {"timestamp":…,"name":"producer_send_success","key":null,"value":"0","offset":0,"topic":"t","partition":0}
//   {"timestamp":…,"name":"producer_send_error","topic":"t","key":null,"value":"7","exception":"class org.apache.kafka.common.errors.…","message":"…"}
//   {"timestamp":…,"name":"shutdown_complete"}
//   {"timestamp":…,"name":"tool_data","sent":10,"acked":10,"target_throughput":-1,"avg_throughput":1234.5}
//
// Same options (argparse4j's syntax, help and errors), same producer settings
// (string keys and values, --acks, retries=0, --producer.config on top), same
// throttling, --message-create-time, --value-prefix and --repeating-keys; on
// --max-messages, SIGINT or SIGTERM it stops sending, closes the producer
// (flushing what is buffered), then prints shutdown_complete and tool_data —
// what Kafka's shutdown hook prints. Field order is Jackson's for Kafka's
// event classes (checked with Jackson 2.17 on JDK 17; for producer_send_success
// it follows the JVM's method order, and JDK 25 would print another).

import { Producer } from '../client/producer.js';
import { stringSerializer } from '../client/serializers.js';
import { ArgumentParser, ArgumentParserException, HelpScreenException, Namespace } from './argparse.js';
import { CommandExit, clientConfig, loadProps } from './options.js';
import { debugStack, javaExceptionName, kafkaMessage } from './output.js';
import { ThroughputThrottler } from './throughput-throttler.js';

function argParser(): ArgumentParser {
  const p = new ArgumentParser(
    'verifiable-producer',
    'This tool produces increasing integers to the specified topic and prints JSON metadata to stdout on each "send" request, making externally visible which messages have been acked and which have not.',
  );
  p.addArgument({ flags: ['--topic'], dest: 'topic', required: true, metavar: 'TOPIC', help: 'Produce messages to this topic.' });
  const connection = p.addMutuallyExclusiveGroup('Connection Group', 'Group of arguments for connection to brokers', true);
  p.addArgument(
    { flags: ['--bootstrap-server'], dest: 'bootstrapServer', metavar: 'HOST1:PORT1[,HOST2:PORT2[...]]', help: 'REQUIRED: The server(s) to connect to. Comma-separated list of Kafka brokers in the form HOST1:PORT1,HOST2:PORT2,...' },
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
  p.addArgument({ flags: ['--max-messages'], dest: 'maxMessages', type: 'Integer', default: -1, metavar: 'MAX-MESSAGES', help: 'Produce this many messages. If -1, produce messages until the process is killed externally.' });
  p.addArgument({ flags: ['--throughput'], dest: 'throughput', type: 'Integer', default: -1, metavar: 'THROUGHPUT', help: 'If set >= 0, throttle maximum message throughput to *approximately* THROUGHPUT messages/sec.' });
  p.addArgument({ flags: ['--acks'], dest: 'acks', type: 'Integer', default: -1, choices: [0, 1, -1], metavar: 'ACKS', help: 'Acks required on each produced message. See Kafka docs on acks for details.' });
  p.addArgument({ flags: ['--producer.config'], dest: 'producer.config', metavar: 'CONFIG_FILE', help: 'Producer config properties file.' });
  p.addArgument({ flags: ['--message-create-time'], dest: 'createTime', type: 'Long', default: -1, metavar: 'CREATETIME', help: "Send messages with creation time starting at the arguments value, in milliseconds since epoch" });
  p.addArgument({ flags: ['--value-prefix'], dest: 'valuePrefix', type: 'Integer', metavar: 'VALUE-PREFIX', help: 'If specified, each produced value will have this prefix with a dot separator' });
  p.addArgument({
    flags: ['--repeating-keys'],
    dest: 'repeatingKeys',
    type: 'Integer',
    metavar: 'REPEATING-KEYS',
    help: 'If specified, each produced record will have a key starting at 0 increment by 1 up to the number specified (exclusive), then the key is set to 0 again',
  });
  return p;
}

/** Java's Double.toString, for the avg_throughput field (Jackson writes doubles that way; NaN/Infinity quoted). */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (!Number.isFinite(x)) return x > 0 ? '"Infinity"' : '"-Infinity"';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant, exp] = x.toExponential().split('e');
  return `${mant!.includes('.') ? mant : `${mant}.0`}E${Number(exp)}`;
}

/** Prints one event: {"timestamp":…,"name":…, then the fields in order}. Raw JSON fragments are written as they are. */
export function printEvent(name: string, fields: [string, unknown][] = [], raw: [string, string][] = []): void {
  let s = `{"timestamp":${Date.now()},"name":${JSON.stringify(name)}`;
  for (const [k, v] of fields) s += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  for (const [k, v] of raw) s += `,${JSON.stringify(k)}:${v}`;
  process.stdout.write(`${s}}\n`);
}

/** The usage and error (argparse4j's handleError), or the help for --help, then the exit code Kafka's tool ends with. */
export function argumentFailure(parser: ArgumentParser, err: unknown): never {
  if (err instanceof HelpScreenException) {
    process.stdout.write(parser.formatHelp());
    throw new CommandExit(1);
  }
  if (err instanceof ArgumentParserException) {
    process.stderr.write(parser.formatError(err));
    throw new CommandExit(1);
  }
  throw err;
}

export async function main(args: string[]): Promise<number> {
  const parser = argParser();
  if (args.length === 0) {
    process.stdout.write(parser.formatHelp());
    return 0;
  }
  let res: Namespace;
  let props: Record<string, string>;
  try {
    res = parser.parse(args);
    props = {};
    const file = res['producer.config'] as string | null;
    if (file !== null) {
      try {
        props = loadProps(file);
      } catch {
        // Kafka's tool reports the NoSuchFileException's message: the path.
        throw new ArgumentParserException(file);
      }
    }
  } catch (err) {
    argumentFailure(parser, err);
  }
  const topic = res.topic as string;
  const maxMessages = res.maxMessages as number;
  const throughput = res.throughput as number;
  const valuePrefix = res.valuePrefix as number | null;
  const repeatingKeys = res.repeatingKeys as number | null;
  let createTime = (res.createTime as number) === -1 ? null : (res.createTime as number);
  const bootstrap = (res.bootstrapServer as string | null) ?? (res.brokerList as string);

  let producer: Producer<string | null, string>;
  try {
    producer = new Producer<string | null, string>({
      ...clientConfig(props['bootstrap.servers'] ?? bootstrap, { acks: String(res.acks), retries: '0' }, props),
      keySerializer: stringSerializer as any,
      valueSerializer: stringSerializer,
    });
  } catch (err) {
    process.stderr.write(`${javaExceptionName(err)}: ${kafkaMessage(err)}\n`);
    debugStack(err);
    return 1;
  }

  const startMs = Date.now();
  const throttler = new ThroughputThrottler(throughput, startMs);
  let stopProducing = false;
  let exitCode = 0;
  let numSent = 0;
  let numAcked = 0;
  let keyCounter = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    stopProducing = true;
    // The JVM ends with 128 + the signal's number after running the shutdown hook.
    exitCode = signal === 'SIGINT' ? 130 : 143;
    throttler.wakeup();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const failed = (key: string | null, value: string, err: unknown) =>
    printEvent('producer_send_error', [
      ['topic', topic],
      ['key', key],
      ['value', value],
      ['exception', `class ${javaExceptionName(err)}`],
      ['message', kafkaMessage(err)],
    ]);

  printEvent('startup_complete');
  const limit = maxMessages < 0 ? Number.MAX_SAFE_INTEGER : maxMessages;
  let outstanding = 0;
  let drained: (() => void) | null = null;
  for (let i = 0; i < limit; i++) {
    if (stopProducing) break;
    const sendStartMs = Date.now();
    let key: string | null = null;
    if (repeatingKeys !== null) {
      key = String(keyCounter++);
      if (keyCounter === repeatingKeys) keyCounter = 0;
    }
    const value = valuePrefix !== null ? `${valuePrefix}.${i}` : String(i);
    const timestamp = createTime ?? undefined;
    if (createTime !== null) createTime += Date.now() - startMs;
    numSent++;
    outstanding++;
    producer
      .send({ topic, key, value, timestamp })
      .then(
        (md) => {
          numAcked++;
          // Jackson orders these getters as the JVM lists them: this is what Kafka's tool prints on JDK 17.
          printEvent('producer_send_success', [
            ['key', key],
            ['value', value],
            ['offset', md.offset],
            ['topic', md.topic],
            ['partition', md.partition],
          ]);
        },
        (err) => failed(key, value, err),
      )
      .finally(() => {
        outstanding--;
        if (drained && outstanding < 10_000) drained();
      });
    if (throttler.shouldThrottle(i, sendStartMs)) await throttler.throttle();
    // Java's send() blocks when the producer's buffer is full; here the loop yields to I/O regularly and waits
    // while too many sends are outstanding.
    if (outstanding >= 50_000) await new Promise<void>((r) => (drained = r));
    else if (i % 1000 === 999) await new Promise<void>((r) => setImmediate(r));
    drained = null;
  }

  // Kafka's shutdown hook: stop, close (flushing), report.
  await producer.close();
  printEvent('shutdown_complete');
  const stopMs = Date.now();
  const avg = (1000 * numAcked) / (stopMs - startMs);
  printEvent(
    'tool_data',
    [
      ['sent', numSent],
      ['acked', numAcked],
      ['target_throughput', throughput],
    ],
    [['avg_throughput', javaDouble(avg)]],
  );
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return exitCode;
}
